/* SPDX-License-Identifier: MIT */
/* Everything plan_build() needs, read from the engine; all of it GETs and HEADs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	struct engine *engine; /* its own handle: this runs beside the archive streams */
	pthread_t thread;      /* when engine is set */
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

/* --- the tree ------------------------------------------------------------- */

/*
 * The engine tars every file's content, so the archive of / costs what the
 * image weighs, and most of that is /usr, where every write is a blocker
 * whatever the tree says. The plan needs little there: the types and links
 * of a few paths (written ones, the program on the PATH), which HEAD
 * .../archive tells without content. Each GET of an archive also costs the
 * engine a process (Docker tars in a chroot, holding the container's lock),
 * about 0.2 s, so the tree is read in as few GETs as can leave /usr out:
 * the archive of / up to its first entry below /usr (the tar lists names in
 * order, a directory's contents right after it), then the archives of the
 * top-level names after "usr" (/var; those the diff, the mounts and the
 * configuration name; those symlinks point into). Owners are not in a HEAD
 * answer, and a runtime user other than root makes them matter everywhere
 * (directories it owns become mounts), so such a container is read whole.
 */

#define TREE_CONNECTIONS 2
/* More written paths than this below one program root: read its archive instead. */
#define TREE_MAX_HEADS 256

/*
 * Where images keep things, after "usr" in the order of the tar: /var, and
 * names apps are often put under (asking for a name that is not there costs
 * the engine nothing: no archive is made).
 */
static const char *const usual_tops[] = {"var", "volumes", "web", "workspace", "www"};

static bool program_root_name(const char *name)
{
	_cleanup_free_ char *abs = xasprintf("/%s", name);
	return plan_under_program_root(abs);
}

/* One path's answer to HEAD: present or not, its type and link. */
struct stat_node {
	char *path;
	bool present;
	struct fs_stat st;
};

struct tree {
	struct engine *engine;
	const char *id;
	struct fs_index *fs;
	atomic_size_t budget;
	/* The archive of / stopped below /usr: the names from "usr" on are still to read. */
	bool root_stopped;
	struct strv loaded; /* top-level names read since (or found missing) */
	struct stat_node *stats;
	size_t n_stats;
	size_t parts; /* archives merged so far, for their entries' seq */
};

struct tops_job {
	struct tree *t;
	char *const *names;
	size_t n, next;
	struct fs_index *parts;
	pthread_mutex_t lock;
	struct rl_error err;
	int rc;
};

struct tops_worker {
	struct tops_job *job;
	struct engine *engine;
	pthread_t thread;
};

static void *tops_main(void *arg)
{
	struct tops_worker *w = arg;
	struct tops_job *job = w->job;
	for (;;) {
		pthread_mutex_lock(&job->lock);
		size_t i = job->rc < 0 ? job->n : job->next++;
		pthread_mutex_unlock(&job->lock);
		if (i >= job->n)
			break;
		_cleanup_free_ char *path = xasprintf("/%s", job->names[i]);
		struct rl_error err = {0};
		int r = fs_index_load(w->engine, job->t->id, path, PLAN_MAX_FS_ENTRIES,
				      &job->parts[i], &err);
		/* A name the container does not have: nothing there, as in the whole tree. */
		if (r < 0 && r != RL_ENOTFOUND) {
			pthread_mutex_lock(&job->lock);
			if (job->rc == 0) {
				job->rc = r;
				job->err = err;
			}
			pthread_mutex_unlock(&job->lock);
		}
	}
	return NULL;
}

static bool tree_loaded(const struct tree *t, const char *name)
{
	return !t->root_stopped || strcmp(name, "usr") < 0 || strv_contains(&t->loaded, name);
}

/* Read the archives of these top-level names (not yet read), a few at once. */
static int tree_read_tops(struct tree *t, const struct strv *names, struct rl_error *err)
{
	if (!names->n)
		return 0;
	struct tops_job job = {.t = t, .names = names->v, .n = names->n};
	job.parts = xcalloc(names->n, sizeof(*job.parts));
	pthread_mutex_init(&job.lock, NULL);
	static const char *const capture[] = {"/etc/passwd",   "/etc/group",	   "/etc/hosts",
					      "/etc/hostname", "/etc/resolv.conf", NULL};
	for (size_t i = 0; i < names->n; i++) {
		job.parts[i].capture = capture;
		job.parts[i].budget = &t->budget;
		/* Entries of one part never share a path with another's: any order works. */
		job.parts[i].seq_base = (t->parts + i) << 32;
	}
	size_t nworkers = names->n < TREE_CONNECTIONS ? names->n : TREE_CONNECTIONS;
	struct tops_worker workers[TREE_CONNECTIONS] = {0};
	size_t started = 0;
	for (size_t i = 0; i < nworkers; i++) {
		workers[i].job = &job;
		struct rl_error ignored = {0};
		if (engine_dup(t->engine, &workers[i].engine, &ignored) < 0)
			break;
		if (pthread_create(&workers[i].thread, NULL, tops_main, &workers[i]) != 0) {
			engine_free(workers[i].engine);
			workers[i].engine = NULL;
			break;
		}
		started++;
	}
	if (!started) { /* no thread to spare: one after the other, here */
		struct tops_worker self = {.job = &job, .engine = t->engine};
		tops_main(&self);
	}
	for (size_t i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		engine_free(workers[i].engine);
	}
	pthread_mutex_destroy(&job.lock);
	for (size_t i = 0; i < names->n; i++) {
		fs_index_merge(t->fs, &job.parts[i]);
		fs_index_release(&job.parts[i]);
		strv_add(&t->loaded, names->v[i]);
	}
	t->parts += names->n;
	free(job.parts);
	if (job.rc < 0) {
		*err = job.err;
		return job.rc;
	}
	return 0;
}

/* The first component of an absolute path, or NULL for "/" or a relative path. */
static char *top_name(const char *path)
{
	if (!path || path[0] != '/')
		return NULL;
	_cleanup_free_ char *norm = path_normalize(path);
	if (streq(norm, "/"))
		return NULL;
	return xstrndup(norm + 1, strcspn(norm + 1, "/"));
}

/* Queue the top-level name of path, unless read already or a program root. */
static void want_top(const struct tree *t, const char *path, struct strv *out)
{
	_cleanup_free_ char *name = top_name(path);
	if (!name || tree_loaded(t, name) || strv_contains(out, name))
		return;
	if (!program_root_name(name))
		strv_add(out, name);
}

/* Every top-level directory a symlink in the tree points into. */
static void want_link_targets(const struct tree *t, struct strv *out)
{
	for (size_t i = 0; i < t->fs->n; i++) {
		const struct fs_entry *fe = &t->fs->v[i];
		if (!fe->link || !S_ISLNK(fe->mode))
			continue;
		_cleanup_free_ char *dir = xstrdup(fe->path);
		*strrchr(dir, '/') = '\0';
		_cleanup_free_ char *target =
			fe->link[0] == '/' ? xstrdup(fe->link) : xasprintf("%s/%s", dir, fe->link);
		want_top(t, target, out);
	}
}

/* Read tops, then every top their symlinks lead to, until none is new. */
static int tree_read_closure(struct tree *t, struct strv *names, struct rl_error *err)
{
	while (names->n) {
		int r = tree_read_tops(t, names, err);
		if (r < 0)
			return r;
		strv_release(names);
		want_link_targets(t, names);
	}
	return 0;
}

/* What the tree says of path: from the archives read, else from HEAD (cached). */
static int tree_node(struct tree *t, const char *path, bool *present, mode_t *mode,
		     const char **link, struct rl_error *err)
{
	_cleanup_free_ char *name = top_name(path);
	if (!name || tree_loaded(t, name)) {
		const struct fs_entry *fe = fs_index_find(t->fs, path);
		*present = fe != NULL;
		*mode = fe ? fe->mode : 0;
		*link = fe ? fe->link : NULL;
		return 0;
	}
	if (!program_root_name(name)) {
		/* Outside the program roots the plan may need all of it: read it whole. */
		_cleanup_strv_ struct strv one = STRV_INIT;
		strv_add(&one, name);
		int r = tree_read_closure(t, &one, err);
		if (r < 0)
			return r;
		return tree_node(t, path, present, mode, link, err);
	}
	struct stat_node *sn = NULL;
	for (size_t i = 0; i < t->n_stats && !sn; i++)
		if (streq(t->stats[i].path, path))
			sn = &t->stats[i];
	if (!sn) {
		struct fs_stat st = {0};
		int r = container_stat(t->engine, t->id, path, &st, err);
		t->fs->requests++;
		if (r < 0 && r != RL_ENOTFOUND)
			return r;
		rl_error_clear(err);
		t->stats = xrealloc(t->stats, (t->n_stats + 1) * sizeof(*t->stats));
		sn = &t->stats[t->n_stats++];
		*sn = (struct stat_node){.path = xstrdup(path), .present = r == 0, .st = st};
	}
	*present = sn->present;
	*mode = sn->st.mode;
	*link = sn->st.link;
	return 0;
}

/*
 * Make sure the tree can resolve path as fs_index_resolve() will: every
 * component it walks through, and every symlink it follows, known.
 */
static int tree_know(struct tree *t, const char *path, struct rl_error *err)
{
	_cleanup_free_ char *todo = path_normalize(path);
	for (int hops = 0; hops < 40; hops++) {
		bool followed = false;
		for (char *p = todo + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			bool present;
			mode_t mode;
			const char *link;
			int r = tree_node(t, todo, &present, &mode, &link, err);
			if (r < 0)
				return r;
			if (present && link && S_ISLNK(mode)) {
				_cleanup_free_ char *dir = xstrdup(todo);
				*strrchr(dir, '/') = '\0';
				*p = saved;
				_cleanup_free_ char *joined =
					link[0] == '/' ? xasprintf("%s%s", link, p)
						       : xasprintf("%s/%s%s", dir, link, p);
				free(todo);
				todo = path_normalize(joined);
				followed = true;
				break;
			}
			*p = saved;
			/* Nothing below a missing path, and nothing more to ask. */
			if (!present || saved == '\0')
				break;
		}
		if (!followed)
			break;
	}
	return 0;
}

/* Paths whose top-level name tells what to read: mounts, volumes, program, workdir. */
static void want_config_tops(const struct tree *t, const struct plan_input *in, struct strv *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(usual_tops); i++) {
		_cleanup_free_ char *abs = xasprintf("/%s", usual_tops[i]);
		want_top(t, abs, out);
	}
	json_t *cfg = json_object_get(in->container, "Config");
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(in->container, "Mounts"), i, v)
		want_top(t, json_string_value(json_object_get(v, "Destination")), out);
	const char *key;
	json_object_foreach (json_object_get(json_object_get(in->image, "Config"), "Volumes"), key,
			     v)
		want_top(t, key, out);
	want_top(t, json_string_value(json_object_get(cfg, "WorkingDir")), out);
	want_top(t, json_string_value(json_array_get(json_object_get(cfg, "Entrypoint"), 0)), out);
	want_top(t, json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0)), out);
}

/* Whether the container runs as root (then owners below the program roots never matter). */
static bool runs_as_root(const json_t *container)
{
	const char *spec =
		json_string_value(json_object_get(json_object_get(container, "Config"), "User"));
	if (str_empty(spec))
		return true;
	size_t len = strcspn(spec, ":");
	return (len == 1 && spec[0] == '0') || (len == 4 && strncmp(spec, "root", 4) == 0);
}

/* Every path the plan resolves or looks up below a program root. */
static int tree_know_plan_paths(struct tree *t, const struct plan_input *in, struct rl_error *err)
{
	static const char *const fixed[] = {"/tmp",	"/var/tmp",   "/var/log", "/var/cache",
					    "/var/lib", "/var/spool", "/run"};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		int r = tree_know(t, fixed[i], err);
		if (r < 0)
			return r;
	}
	json_t *cfg = json_object_get(in->container, "Config");
	const char *words[] = {
		json_string_value(json_array_get(json_object_get(cfg, "Entrypoint"), 0)),
		json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0)),
	};
	static const char *const path_dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
						"/usr/bin",	   "/sbin",	     "/bin"};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		const char *w = words[i];
		if (str_empty(w))
			continue;
		if (w[0] == '/') {
			int r = tree_know(t, w, err);
			if (r < 0)
				return r;
			continue;
		}
		if (strchr(w, '/'))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(path_dirs); k++) {
			_cleanup_free_ char *cand = xasprintf("%s/%s", path_dirs[k], w);
			int r = tree_know(t, cand, err);
			if (r < 0)
				return r;
		}
	}
	size_t i;
	json_t *v;
	json_array_foreach (in->changes, i, v) {
		const char *p = json_string_value(json_object_get(v, "Path"));
		if (!p || p[0] != '/')
			continue;
		int r = tree_know(t, p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Program roots the diff writes in so much that one archive beats many HEADs. */
static void want_busy_program_roots(const struct tree *t, json_t *changes, struct strv *out)
{
	struct strv names = STRV_INIT;
	size_t *counts = NULL;
	size_t i;
	json_t *v;
	json_array_foreach (changes, i, v) {
		_cleanup_free_ char *name = top_name(json_string_value(json_object_get(v, "Path")));
		if (!name || tree_loaded(t, name))
			continue;
		size_t k = 0;
		while (k < names.n && !streq(names.v[k], name))
			k++;
		if (k == names.n) {
			strv_add(&names, name);
			counts = xrealloc(counts, names.n * sizeof(*counts));
			counts[k] = 0;
		}
		if (++counts[k] == TREE_MAX_HEADS)
			strv_add(out, name);
	}
	free(counts);
	strv_release(&names);
}

static int gather_tree(struct engine *e, const char *id, struct plan_input *in,
		       struct changes_job *job, bool *joined, struct rl_error *err)
{
	struct tree t = {.engine = e, .id = id, .fs = &in->fs, .parts = 1};
	_cleanup_strv_ struct strv names = STRV_INIT;
	static const char *const capture[] = {"/etc/passwd",   "/etc/group",	   "/etc/hosts",
					      "/etc/hostname", "/etc/resolv.conf", NULL};
	in->fs.capture = capture;
	in->fs.budget = &t.budget;
	in->fs.stop_below = "/usr";
	/* Above the HEAD answers': a path in both keeps the archive's entry, with its owner. */
	in->fs.seq_base = (size_t)1 << 40;
	int r = fs_index_load(e, id, "/", PLAN_MAX_FS_ENTRIES, &in->fs, err);
	in->fs.stop_below = NULL;
	t.root_stopped = in->fs.stopped;
	/* The diff names more top-level directories. */
	*joined = true;
	if (job->engine)
		pthread_join(job->thread, NULL);
	if (r < 0)
		goto out;
	if (job->rc < 0) {
		*err = job->err;
		r = job->rc;
		goto out;
	}
	in->changes = job->changes;
	job->changes = NULL;
	want_config_tops(&t, in, &names);
	size_t i;
	json_t *v;
	json_array_foreach (in->changes, i, v)
		want_top(&t, json_string_value(json_object_get(v, "Path")), &names);
	want_busy_program_roots(&t, in->changes, &names);
	want_link_targets(&t, &names);
	r = tree_read_closure(&t, &names, err);
	if (r < 0)
		goto out;
	r = tree_know_plan_paths(&t, in, err);
	if (r < 0)
		goto out;
	struct fs_index heads = {0};
	for (size_t k = 0; k < t.n_stats; k++)
		if (t.stats[k].present)
			fs_index_add_stat(&heads, t.stats[k].path, &t.stats[k].st);
	fs_index_merge(&in->fs, &heads);
	fs_index_release(&heads);
out:
	in->fs.budget = NULL;
	for (size_t k = 0; k < t.n_stats; k++) {
		free(t.stats[k].path);
		free(t.stats[k].st.link);
	}
	free(t.stats);
	strv_release(&t.loaded);
	return r;
}

/*
 * Read the archive of / whole: for a runtime user other than root; on
 * Podman, whose tar need not list names in order; and, for the bench and
 * the tests to compare, when ROOTLOCK_PLAN_TREE=whole.
 */
static bool read_whole_tree(const struct engine *e, const json_t *container)
{
	const char *how = getenv("ROOTLOCK_PLAN_TREE");
	if (how && streq(how, "whole"))
		return true;
	return !runs_as_root(container) || engine_is_podman(e);
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
	bool threaded = engine_dup(e, &job.engine, &job.err) == 0 &&
			pthread_create(&job.thread, NULL, changes_main, &job) == 0;
	if (!threaded) { /* one request after the other, then */
		engine_free(job.engine);
		job.engine = NULL;
		job.rc = engine_get_json(e, job.path, &job.changes, &job.err);
	}
	bool joined = false;
	if (read_whole_tree(e, in->container)) {
		static const char *const capture[] = {"/etc/passwd",	  "/etc/group",
						      "/etc/hosts",	  "/etc/hostname",
						      "/etc/resolv.conf", NULL};
		in->fs.capture = capture;
		r = fs_index_load(e, id, "/", PLAN_MAX_FS_ENTRIES, &in->fs, err);
	} else {
		r = gather_tree(e, id, in, &job, &joined, err);
	}
	if (job.engine && !joined)
		pthread_join(job.thread, NULL);
	engine_free(job.engine);
	free(job.path);
	if (!in->changes) {
		in->changes = job.changes;
		job.changes = NULL;
	}
	json_decref(job.changes);
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
