/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "inspect.h"

#include <string.h>
#include <strings.h>

static char *dup_or_null(json_t *v)
{
	const char *s = json_string_value(v);
	return s ? xstrdup(s) : NULL;
}

static bool looks_anonymous(const char *name)
{
	if (!name || strlen(name) != 64)
		return false;
	return strspn(name, "0123456789abcdef") == 64;
}

/* Size and mode of a --mount type=tmpfs live in HostConfig.Mounts. */
static json_t *host_mount_for(json_t *host_config, const char *target)
{
	json_t *m;
	size_t i;
	json_array_foreach (json_object_get(host_config, "Mounts"), i, m) {
		if (streq(json_string_value(json_object_get(m, "Target")), target))
			return m;
	}
	return NULL;
}

static void read_mounts(json_t *c, json_t *host_config, struct workload *w)
{
	json_t *m;
	size_t i;
	json_array_foreach (json_object_get(c, "Mounts"), i, m) {
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *dest = json_string_value(json_object_get(m, "Destination"));
		if (!dest || !type)
			continue;
		struct mount mt = {.target = (char *)dest, .writable = true};
		json_t *rw = json_object_get(m, "RW");
		if (json_is_boolean(rw))
			mt.writable = json_is_true(rw);
		if (streq(type, "volume")) {
			const char *name = json_string_value(json_object_get(m, "Name"));
			mt.kind = looks_anonymous(name) ? MOUNT_ANONYMOUS : MOUNT_VOLUME;
			mt.source = (char *)name;
		} else if (streq(type, "bind")) {
			mt.kind = MOUNT_BIND;
			mt.source = (char *)json_string_value(json_object_get(m, "Source"));
		} else if (streq(type, "tmpfs")) {
			mt.kind = MOUNT_TMPFS;
			json_t *hm = host_mount_for(host_config, dest);
			json_t *opts = json_object_get(hm, "TmpfsOptions");
			json_t *size = json_object_get(opts, "SizeBytes");
			if (json_is_integer(size) && json_integer_value(size) > 0)
				mt.size_bytes = json_integer_value(size);
			/*
			 * Seen on dockerd 20.10: --mount type=tmpfs is noexec too. API 1.46
			 * added TmpfsOptions.Options, where [["exec"]] turns it off.
			 */
			json_t *o;
			size_t k;
			json_array_foreach (json_object_get(opts, "Options"), k, o) {
				const char *flag = json_string_value(json_array_get(o, 0));
				if (streq(flag, "exec"))
					mt.exec = true;
				else if (streq(flag, "noexec"))
					mt.exec = false;
			}
		} else {
			mt.kind = MOUNT_OTHER;
			mt.source = (char *)json_string_value(json_object_get(m, "Source"));
		}
		workload_add_mount(w, &mt);
	}

	const char *path;
	json_t *opts;
	json_object_foreach (json_object_get(host_config, "Tmpfs"), path, opts) {
		struct mount mt = {.kind = MOUNT_TMPFS, .target = (char *)path};
		mount_parse_tmpfs_options(&mt, json_string_value(opts));
		workload_add_mount(w, &mt);
	}
}

static void read_labels(json_t *labels, struct workload *w)
{
	json_t *exempt = json_object_get(labels, LABEL_EXEMPT);
	if (exempt) {
		w->has_exempt_label = true;
		w->exempt_reason = dup_or_null(exempt);
	}
	w->origin.compose_project = dup_or_null(json_object_get(labels, LABEL_COMPOSE_PROJECT));
	w->origin.compose_service = dup_or_null(json_object_get(labels, LABEL_COMPOSE_SERVICE));
	w->origin.compose_files = dup_or_null(json_object_get(labels, LABEL_COMPOSE_FILES));
	w->origin.compose_workdir = dup_or_null(json_object_get(labels, LABEL_COMPOSE_WORKDIR));
}

/*
 * Keep these in step with what the functions above and below read: a field
 * read but not kept reads as absent in a pruned answer (test-inspect checks
 * every fixture both ways).
 */
static const struct json_prune_field state_fields[] = {
	{"status", JSON_PRUNE_KEEP, NULL},
};
static const struct json_prune_field label_fields[] = {
	{LABEL_EXEMPT, JSON_PRUNE_KEEP, NULL},
	{LABEL_COMPOSE_PROJECT, JSON_PRUNE_KEEP, NULL},
	{LABEL_COMPOSE_SERVICE, JSON_PRUNE_KEEP, NULL},
	{LABEL_COMPOSE_FILES, JSON_PRUNE_KEEP, NULL},
	{LABEL_COMPOSE_WORKDIR, JSON_PRUNE_KEEP, NULL},
};
static const struct json_prune_spec labels_read = {label_fields, ARRAY_SIZE(label_fields)};
static const struct json_prune_field config_fields[] = {
	{"image", JSON_PRUNE_KEEP, NULL},
	{"labels", JSON_PRUNE_INTO, &labels_read},
};
static const struct json_prune_field host_config_fields[] = {
	{"readonlyrootfs", JSON_PRUNE_KEEP, NULL},
	{"privileged", JSON_PRUNE_KEEP, NULL},
	{"capadd", JSON_PRUNE_KEEP, NULL},
	{"pidmode", JSON_PRUNE_KEEP, NULL},
	{"securityopt", JSON_PRUNE_KEEP, NULL},
	{"mounts", JSON_PRUNE_KEEP, NULL}, /* an array: kept whole */
	{"tmpfs", JSON_PRUNE_WHOLE, NULL}, /* path: options, every one */
};
static const struct json_prune_spec state_read = {state_fields, ARRAY_SIZE(state_fields)};
static const struct json_prune_spec config_read = {config_fields, ARRAY_SIZE(config_fields)};
static const struct json_prune_spec host_config_read = {host_config_fields,
							ARRAY_SIZE(host_config_fields)};
static const struct json_prune_field inspect_fields[] = {
	{"id", JSON_PRUNE_KEEP, NULL},
	{"name", JSON_PRUNE_KEEP, NULL},
	{"image", JSON_PRUNE_KEEP, NULL},
	{"state", JSON_PRUNE_INTO, &state_read},
	{"config", JSON_PRUNE_INTO, &config_read},
	{"hostconfig", JSON_PRUNE_INTO, &host_config_read},
	{"apparmorprofile", JSON_PRUNE_KEEP, NULL},
	{"mounts", JSON_PRUNE_KEEP, NULL},
	{"execids", JSON_PRUNE_KEEP, NULL},
};
const struct json_prune_spec inspect_fields_read = {inspect_fields, ARRAY_SIZE(inspect_fields)};

int workload_from_inspect(json_t *c, struct workload *ret, struct rl_error *err)
{
	if (!json_is_object(c))
		return rl_error_set(err, RL_EPARSE, "container description is not a JSON object");
	const char *id = json_string_value(json_object_get(c, "Id"));
	json_t *host_config = json_object_get(c, "HostConfig");
	json_t *config = json_object_get(c, "Config");
	if (str_empty(id) || !json_is_object(host_config))
		return rl_error_set(err, RL_EPARSE,
				    "container description lacks Id or HostConfig: not an "
				    "answer to /containers/{id}/json");

	struct workload w;
	workload_init(&w);
	w.id = xstrdup(id);
	const char *name = json_string_value(json_object_get(c, "Name"));
	if (name)
		w.name = xstrdup(name[0] == '/' ? name + 1 : name);
	w.image = dup_or_null(json_object_get(config, "Image"));
	if (!w.image)
		w.image = dup_or_null(json_object_get(c, "Image"));
	w.state = dup_or_null(json_object_get(json_object_get(c, "State"), "Status"));

	w.readonly_rootfs = json_is_true(json_object_get(host_config, "ReadonlyRootfs"));
	w.privileged = json_is_true(json_object_get(host_config, "Privileged"));
	json_t *v;
	size_t i;
	json_array_foreach (json_object_get(host_config, "CapAdd"), i, v) {
		if (json_is_string(v) && cap_grants_sys_admin(json_string_value(v)))
			w.cap_sys_admin = true;
		if (json_is_string(v) && cap_grants_sys_ptrace(json_string_value(v)))
			w.cap_sys_ptrace = true;
	}
	w.pid_host = streq(json_string_value(json_object_get(host_config, "PidMode")), "host");
	json_array_foreach (json_object_get(host_config, "SecurityOpt"), i, v) {
		const char *opt = json_string_value(v);
		if (!opt)
			continue;
		if (security_opt_unconfined(opt, "apparmor"))
			w.apparmor_unconfined = true;
		if (security_opt_unconfined(opt, "seccomp"))
			w.seccomp_unconfined = true;
		else if ((str_startswith(opt, "seccomp=") || str_startswith(opt, "seccomp:")) &&
			 !streq(opt + strlen("seccomp="), "builtin"))
			w.seccomp_custom = true;
	}
	if (streq(json_string_value(json_object_get(c, "AppArmorProfile")), "unconfined"))
		w.apparmor_unconfined = true;

	read_mounts(c, host_config, &w);
	/* The engine lists mounts in no fixed order; reports should not wobble. */
	workload_sort_mounts(&w);
	read_labels(json_object_get(config, "Labels"), &w);
	*ret = w;
	return 0;
}

bool exec_session_privileged(json_t *exec)
{
	json_t *pc = json_object_get(exec, "ProcessConfig");
	return json_is_true(json_object_get(exec, "Running")) &&
	       json_is_true(json_object_get(pc, "privileged"));
}

void list_entry_release(struct list_entry *le)
{
	if (!le)
		return;
	free(le->id);
	free(le->name);
	free(le->image);
	free(le->state);
	memset(le, 0, sizeof(*le));
}

/* What list_entry_from_json() reads of an entry: jansson parses only that. */
static const struct json_prune_field list_entry_fields[] = {
	{"id", JSON_PRUNE_KEEP, NULL},
	{"names", JSON_PRUNE_KEEP, NULL},
	{"image", JSON_PRUNE_KEEP, NULL},
	{"state", JSON_PRUNE_KEEP, NULL},
};
const struct json_prune_spec list_entry_fields_read = {list_entry_fields,
						       ARRAY_SIZE(list_entry_fields)};

int list_entry_parse(const char *text, size_t len, struct list_entry *ret, struct rl_error *err)
{
	json_error_t jerr;
	struct strbuf scratch = STRBUF_INIT;
	json_t *o = json_load_pruned(text, len, 0, &list_entry_fields_read, &scratch, &jerr);
	strbuf_release(&scratch);
	if (!o)
		return rl_error_set(err, RL_EPARSE, "invalid container list entry: %s", jerr.text);
	int r = list_entry_from_json(o, ret, err);
	json_decref(o);
	return r;
}

int list_entry_from_json(json_t *o, struct list_entry *ret, struct rl_error *err)
{
	const char *id = json_string_value(json_object_get(o, "Id"));
	/* The id goes into request paths: accept only what engines produce. */
	if (str_empty(id) || strlen(id) > 128 ||
	    strspn(id, "0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz_-") !=
		    strlen(id))
		return rl_error_set(err, RL_EPARSE, "container list entry has no valid Id");
	struct list_entry le = {.id = xstrdup(id)};
	const char *name = json_string_value(json_array_get(json_object_get(o, "Names"), 0));
	if (name)
		le.name = xstrdup(name[0] == '/' ? name + 1 : name);
	le.image = dup_or_null(json_object_get(o, "Image"));
	le.state = dup_or_null(json_object_get(o, "State"));
	*ret = le;
	return 0;
}
