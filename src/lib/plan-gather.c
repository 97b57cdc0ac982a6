/* SPDX-License-Identifier: MIT */
/* Everything plan_build() needs, read from the engine; all of it GETs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "plan.h"
#include "report.h"

#define SMALL_FILE_MAX (1 << 20)

static bool docker_hosts_line(const char *ip, const char *names, const char *hostname,
			      json_t *extra_hosts)
{
	static const char *const fixed[][2] = {
		{"127.0.0.1", "localhost"},  {"::1", "localhost ip6-localhost ip6-loopback"},
		{"fe00::0", "ip6-localnet"}, {"ff00::0", "ip6-mcastprefix"},
		{"ff02::1", "ip6-allnodes"}, {"ff02::2", "ip6-allrouters"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (streq(ip, fixed[i][0]) && streq(names, fixed[i][1]))
			return true;
	/* The container's own address line names its hostname. */
	if (hostname && *hostname) {
		for (const char *p = names; (p = strstr(p, hostname)); p++) {
			size_t hl = strlen(hostname);
			bool start = p == names || p[-1] == ' ' || p[-1] == '\t';
			bool end = p[hl] == '\0' || p[hl] == ' ' || p[hl] == '\t' || p[hl] == '.';
			if (start && end)
				return true;
		}
	}
	size_t i;
	json_t *v;
	json_array_foreach (extra_hosts, i, v) {
		/* "name:ip" as given to --add-host. */
		const char *entry = json_string_value(v);
		const char *colon = entry ? strchr(entry, ':') : NULL;
		if (colon && streq(colon + 1, ip) && str_startswith(names, "") &&
		    strncmp(names, entry, (size_t)(colon - entry)) == 0)
			return true;
	}
	return false;
}

void plan_detect_etc_writes(const char *hosts, const char *hostname, const char *expect_hostname,
			    json_t *extra_hosts, long long hosts_mtime, long long resolv_mtime,
			    struct strv *out)
{
	bool hosts_changed = false;
	if (hosts) {
		for (const char *line = hosts; *line && !hosts_changed;) {
			const char *end = strchrnul(line, '\n');
			_cleanup_free_ char *copy = xstrndup(line, (size_t)(end - line));
			line = *end ? end + 1 : end;
			char *p = copy + strspn(copy, " \t");
			if (!*p || *p == '#')
				continue;
			char *ip = p;
			p += strcspn(p, " \t");
			if (*p)
				*p++ = '\0';
			p += strspn(p, " \t");
			/* Docker separates names with one tab or space; compare loosely. */
			for (char *q = p; *q; q++)
				if (*q == '\t')
					*q = ' ';
			size_t len = strlen(p);
			while (len && p[len - 1] == ' ')
				p[--len] = '\0';
			if (!docker_hosts_line(ip, p, expect_hostname, extra_hosts))
				hosts_changed = true;
		}
	}
	if (hosts_changed)
		strv_add(out, "/etc/hosts");
	if (hostname && expect_hostname) {
		size_t len = strcspn(hostname, "\n");
		if (len != strlen(expect_hostname) || strncmp(hostname, expect_hostname, len) != 0)
			strv_add(out, "/etc/hostname");
	}
	/* Docker writes hosts and resolv.conf together at start; later means the app. */
	if (!hosts_changed && hosts_mtime > 0 && resolv_mtime > hosts_mtime + 2)
		strv_add(out, "/etc/resolv.conf");
}

/* A small file: from the tree's capture, else read on its own. */
static char *small_file(struct engine *e, const char *id, const struct fs_index *fs,
			const char *path, long long *mtime)
{
	const char *captured = fs_index_content(fs, path, mtime);
	if (captured)
		return xstrdup(captured);
	char *content = NULL;
	struct rl_error ignored = {0};
	container_read_file(e, id, path, SMALL_FILE_MAX, &content, mtime, &ignored);
	return content;
}

static void gather_etc(struct engine *e, const char *id, struct plan_input *in)
{
	json_t *c = in->container;
	const char *started =
		json_string_value(json_object_get(json_object_get(c, "State"), "StartedAt"));
	/* Never started: Docker has not written these files yet. */
	if (!started || str_startswith(started, "0001-"))
		return;
	const char *net =
		json_string_value(json_object_get(json_object_get(c, "HostConfig"), "NetworkMode"));
	_cleanup_free_ char *hosts = NULL, *hostname = NULL, *resolv = NULL;
	long long hosts_mtime = 0, resolv_mtime = 0;
	/* With the host's network the files are the host's: nothing to compare with. */
	if (!streq(net, "host")) {
		hosts = small_file(e, id, &in->fs, "/etc/hosts", &hosts_mtime);
		hostname = small_file(e, id, &in->fs, "/etc/hostname", NULL);
	}
	resolv = small_file(e, id, &in->fs, "/etc/resolv.conf", &resolv_mtime);
	json_t *cfg = json_object_get(c, "Config");
	plan_detect_etc_writes(hosts, hostname, json_string_value(json_object_get(cfg, "Hostname")),
			       json_object_get(json_object_get(c, "HostConfig"), "ExtraHosts"),
			       hosts_mtime, resolv_mtime, &in->etc_rewritten);
}

struct changes_job {
	struct engine *engine; /* its own handle: this runs beside the archive stream */
	char *path;
	json_t *changes;
	struct rl_error err;
	int rc;
};

static void *changes_main(void *arg)
{
	struct changes_job *job = arg;
	job->rc = engine_get_json(job->engine, job->path, &job->changes, &job->err);
	return NULL;
}

int plan_gather(struct engine *e, const char *ref, struct plan_input *in, struct rl_error *err)
{
	_cleanup_free_ char *escaped = url_escape(ref);
	_cleanup_free_ char *path = xasprintf("/containers/%s/json", escaped);
	int r = engine_get_json(e, path, &in->container, err);
	if (r == RL_ENOTFOUND)
		return rl_error_set(err, RL_ENOTFOUND,
				    "no container \"%.128s\" on the engine at %s (see 'docker ps "
				    "-a')",
				    ref, engine_host(e));
	if (r < 0)
		return r;
	const char *id = json_string_value(json_object_get(in->container, "Id"));
	const char *image_id = json_string_value(json_object_get(in->container, "Image"));
	if (!id || !image_id)
		return rl_error_set(err, RL_EENGINE, "the engine's answer for %.128s has no Id",
				    ref);
	/* Podman's `create --rootfs DIR`: no image, and no layer to diff against. */
	if (!*image_id || streq(image_id, "sha256:"))
		return rl_error_set(
			err, RL_EENGINE,
			"%.128s has no image (made from a root filesystem directory, as "
			"`podman create --rootfs` does): plan needs a container made from "
			"an image",
			ref);
	_cleanup_free_ char *image_path = xasprintf("/images/%s/json", image_id);
	r = engine_get_json(e, image_path, &in->image, err);
	if (r < 0) {
		rl_error_prefix(err, "the image of %.128s", ref);
		return r;
	}
	/* The engine computes the diff and tars the tree at once: ask for both together. */
	struct changes_job job = {.path = xasprintf("/containers/%s/changes", id)};
	pthread_t thread;
	bool threaded = engine_dup(e, &job.engine, &job.err) == 0 &&
			pthread_create(&thread, NULL, changes_main, &job) == 0;
	if (!threaded) /* one request after the other, then */
		job.rc = engine_get_json(e, job.path, &job.changes, &job.err);
	static const char *const capture[] = {"/etc/passwd",   "/etc/group",	   "/etc/hosts",
					      "/etc/hostname", "/etc/resolv.conf", NULL};
	in->fs.capture = capture;
	r = fs_index_load(e, id, "/", PLAN_MAX_FS_ENTRIES, &in->fs, err);
	if (threaded)
		pthread_join(thread, NULL);
	engine_free(job.engine);
	free(job.path);
	in->changes = job.changes;
	if (r < 0) {
		rl_error_prefix(err, "reading the files of %.128s", ref);
		return r;
	}
	if (job.rc < 0) {
		*err = job.err;
		return job.rc;
	}
	in->passwd = small_file(e, id, &in->fs, "/etc/passwd", NULL);
	in->group = small_file(e, id, &in->fs, "/etc/group", NULL);
	gather_etc(e, id, in);
	const char *name = json_string_value(json_object_get(in->container, "Name"));
	in->volume_prefix = xstrdup(name && *name == '/' ? name + 1 : name ? name : "rootlock");
	return 0;
}

static json_t *notes_to_json(const struct plan_note *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "path", json_string_safe(v[i].path));
		json_object_set_new(o, "why", json_string_safe(v[i].why));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *plan_to_json(const struct plan *p)
{
	json_t *mounts = json_array();
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct plan_mount *m = &p->mounts[i];
		json_t *o = json_object();
		json_object_set_new(o, "type",
				    json_string(m->type == PLAN_TMPFS ? "tmpfs" : "volume"));
		json_object_set_new(o, "target", json_string_safe(m->target));
		json_object_set_new(o, "basis",
				    json_string(m->basis == PLAN_SEEN ? "seen" : "predicted"));
		if (m->options)
			json_object_set_new(o, "options", json_string_safe(m->options));
		if (m->volume)
			json_object_set_new(o, "volume", json_string_safe(m->volume));
		json_object_set_new(o, "why", json_string_safe(m->why));
		json_array_append_new(mounts, o);
	}
	json_t *o = json_object();
	json_object_set_new(o, "user", json_string_safe(p->user ? p->user : ""));
	json_object_set_new(o, "uid", json_integer(p->uid));
	json_object_set_new(o, "gid", json_integer(p->gid));
	json_object_set_new(o, "writes", json_integer((json_int_t)p->writes));
	json_object_set_new(o, "predicted", json_integer((json_int_t)p->predicted));
	json_object_set_new(o, "mounts", mounts);
	json_object_set_new(o, "blockers", notes_to_json(p->blockers, p->n_blockers));
	json_object_set_new(o, "covered", notes_to_json(p->covered, p->n_covered));
	json_object_set_new(o, "notes", notes_to_json(p->notes, p->n_notes));
	return o;
}
