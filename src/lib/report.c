/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <string.h>

#include "term.h"

static const struct reporter *const reporters[] = {
	&reporter_table, &reporter_text,  &reporter_json, &reporter_jsonl,
	&reporter_sarif, &reporter_junit, &reporter_csv,
};

const struct reporter *reporter_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(reporters); i++)
		if (streq(reporters[i]->name, name))
			return reporters[i];
	return NULL;
}

const char *reporter_names(void)
{
	return "table, text, json, jsonl, sarif, junit, csv";
}

/* Invalid UTF-8 (from a file, say) is kept visible as \xNN text, not dropped. */
json_t *json_string_safe(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (!v) {
		_cleanup_free_ char *safe = term_sanitize(s);
		v = json_string(safe);
	}
	return v;
}

void judgement_describe(struct strbuf *sb, const struct judgement *j)
{
	if (j->verdict == VERDICT_EXEMPT) {
		strbuf_addstr(sb, "exempt: ");
		strbuf_add_sanitized(sb, j->exempt_reason);
		strbuf_addstr(sb, " (");
		strbuf_add_sanitized(sb, j->exempt_source);
		strbuf_addstr(sb, ")");
		return;
	}
	for (size_t i = 0; i < j->reasons.n; i++) {
		if (i)
			strbuf_addstr(sb, "; ");
		strbuf_add_sanitized(sb, j->reasons.v[i]);
	}
}

static json_t *string_or_null(const char *s)
{
	return json_string_safe(s);
}

static json_t *mount_to_json(const struct mount *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(mount_kind_name(m->kind)));
	json_object_set_new(o, "target", json_string_safe(m->target));
	json_object_set_new(o, "source", string_or_null(m->source));
	json_object_set_new(o, "writable", json_boolean(m->writable));
	if (m->kind == MOUNT_TMPFS) {
		json_object_set_new(o, "exec", json_boolean(m->exec));
		json_object_set_new(o, "size_bytes", json_integer(m->size_bytes));
	}
	return o;
}

static json_t *split_files(const char *files)
{
	json_t *a = json_array();
	if (!files)
		return a;
	_cleanup_free_ char *copy = xstrdup(files);
	char *save = NULL;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string_safe(f));
	return a;
}

json_t *result_to_json(const struct workload *w, const struct judgement *j)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", string_or_null(w->id));
	json_object_set_new(o, "name", string_or_null(w->name));
	json_object_set_new(o, "image", string_or_null(w->image));
	json_object_set_new(o, "state", string_or_null(w->state));
	json_object_set_new(o, "readonly_rootfs", json_boolean(w->readonly_rootfs));
	json_object_set_new(o, "privileged", json_boolean(w->privileged));
	json_object_set_new(o, "cap_sys_admin", json_boolean(w->cap_sys_admin));
	json_object_set_new(o, "apparmor_unconfined", json_boolean(w->apparmor_unconfined));
	json_object_set_new(o, "seccomp_unconfined", json_boolean(w->seccomp_unconfined));
	json_object_set_new(o, "verdict", json_string(verdict_name(j->verdict)));
	json_t *reasons = json_array();
	for (size_t i = 0; i < j->reasons.n; i++)
		json_array_append_new(reasons, json_string_safe(j->reasons.v[i]));
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "exempt_reason", string_or_null(j->exempt_reason));
	json_object_set_new(o, "exempt_source", string_or_null(j->exempt_source));
	json_object_set_new(o, "remediation", string_or_null(j->remediation));
	json_t *mounts = json_array();
	for (size_t i = 0; i < w->n_mounts; i++)
		json_array_append_new(mounts, mount_to_json(&w->mounts[i]));
	json_object_set_new(o, "mounts", mounts);
	const struct origin * or = &w->origin;
	if (or->compose_project || or->compose_service) {
		json_t *c = json_object();
		json_object_set_new(c, "project", string_or_null(or->compose_project));
		json_object_set_new(c, "service", string_or_null(or->compose_service));
		json_object_set_new(c, "config_files", split_files(or->compose_files));
		json_object_set_new(c, "working_dir", string_or_null(or->compose_workdir));
		json_object_set_new(o, "compose", c);
	} else {
		json_object_set_new(o, "compose", json_null());
	}
	if (or->file) {
		json_object_set_new(o, "file", json_string_safe(or->file));
		json_object_set_new(o, "line", json_integer(or->line));
		json_object_set_new(o, "column", json_integer(or->column));
		json_object_set_new(o, "kind", string_or_null(or->kind));
		json_object_set_new(o, "workload", string_or_null(or->workload));
		json_object_set_new(o, "container", string_or_null(or->container));
		struct strbuf msg = STRBUF_INIT;
		for (size_t i = 0; i < j->reasons.n; i++)
			strbuf_addf(&msg, "%s%s", i ? "; " : "", j->reasons.v[i]);
		json_object_set_new(o, "message", json_string_safe(strbuf_str(&msg)));
		strbuf_release(&msg);
	}
	return o;
}
