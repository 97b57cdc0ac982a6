/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "plan.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <sys/stat.h>

#include "inspect.h"
#include "workload.h"

#define MIN_TMPFS_MB 64

enum target_type { TT_TMPFS, TT_VOLUME, TT_BLOCKED, TT_SKIP };

/* One path the container wrote, or will write. */
struct write {
	char *path;	  /* resolved through the image's symlinks */
	bool anticipated; /* not written yet: a directory the runtime user owns */
	bool from_logs;	  /* named by a "Read-only file system" message */
};

/* Writes that share a base mount point, on their way to one mount. */
struct group {
	char *base; /* where the classification put them, e.g. /var/lib/nginx */
	enum target_type type;
	char *why_type;
	size_t first, n; /* range in the sorted writes */
};

struct planner {
	const struct plan_input *in;
	struct plan *out;
	struct workload w;    /* existing mounts, from the inspect answer */
	struct hashset added; /* paths the container added (not from the image) */
	char **image_volumes;
	size_t n_image_volumes;
	char *program; /* the executable the container runs, resolved; may be NULL */
	char *workdir;
};

/* Directories that hold other things' data: never a mount target themselves. */
static const char *const system_parents[] = {
	"/",	     "/var",  "/var/lib", "/var/log", "/var/cache", "/var/spool", "/var/backups",
	"/var/mail", "/home", "/srv",	  "/opt",     "/mnt",	    "/media",
};
/* The program's own files: a write here means changing the software. */
static const char *const program_roots[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot",
};
/* Throw-away by convention. */
static const char *const scratch_dirs[] = {
	"/tmp", "/run", "/var/tmp", "/var/run", "/var/lock", "/run/lock", "/dev/shm",
};

static bool in_list(const char *path, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(path, list[i]))
			return true;
	return false;
}

static bool is_scratch(const char *path)
{
	if (in_list(path, scratch_dirs, ARRAY_SIZE(scratch_dirs)))
		return true;
	if (path_within(path, "/var/cache"))
		return true;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return streq(base, "cache") || streq(base, ".cache") || streq(base, "tmp") ||
	       streq(base, "temp");
}

static bool looks_throwaway_file(const char *path)
{
	static const char *const suffixes[] = {".pid", ".lock", ".sock", ".socket", ".lck"};
	size_t len = strlen(path);
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);
		if (len > sl && streq(path + len - sl, suffixes[i]))
			return true;
	}
	return false;
}

static void note_add(struct plan_note **v, size_t *n, const char *path, char *why)
{
	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i].path, path)) {
			free(why);
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].path = xstrdup(path);
	(*v)[(*n)++].why = why;
}

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].target);
		free(p->mounts[i].options);
		free(p->mounts[i].volume);
		free(p->mounts[i].why);
	}
	free(p->mounts);
	for (size_t i = 0; i < p->n_blockers; i++) {
		free(p->blockers[i].path);
		free(p->blockers[i].why);
	}
	free(p->blockers);
	for (size_t i = 0; i < p->n_covered; i++) {
		free(p->covered[i].path);
		free(p->covered[i].why);
	}
	free(p->covered);
	free(p->user);
	memset(p, 0, sizeof(*p));
}

void plan_input_release(struct plan_input *in)
{
	json_decref(in->container);
	json_decref(in->image);
	json_decref(in->changes);
	fs_index_release(&in->fs);
	free(in->passwd);
	free(in->group);
	strv_release(&in->etc_rewritten);
	strv_release(&in->evidence);
	free(in->volume_prefix);
	memset(in, 0, sizeof(*in));
}

/* --- the runtime user ---------------------------------------------------- */

/* Find field 0 == name (or field 2 == number) in a passwd/group text. */
static bool db_lookup(const char *db, const char *key, bool by_number, unsigned *id, unsigned *gid)
{
	if (!db)
		return false;
	for (const char *line = db; *line;) {
		const char *end = strchrnul(line, '\n');
		char *fields[7] = {0};
		_cleanup_free_ char *copy = xstrndup(line, (size_t)(end - line));
		size_t nf = 0;
		for (char *p = copy, *tok; nf < 7 && (tok = strsep(&p, ":"));)
			fields[nf++] = tok;
		if (nf >= 3 && (by_number ? streq(fields[2], key) : streq(fields[0], key))) {
			*id = (unsigned)strtoul(fields[2], NULL, 10);
			if (gid && nf >= 4)
				*gid = (unsigned)strtoul(fields[3], NULL, 10);
			return true;
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int resolve_user(struct planner *pl, struct rl_error *err)
{
	const char *spec = json_string_value(
		json_object_get(json_object_get(pl->in->container, "Config"), "User"));
	struct plan *out = pl->out;
	if (str_empty(spec)) {
		out->user = xstrdup("root");
		out->uid = out->gid = 0;
		return 0;
	}
	_cleanup_free_ char *user = xstrdup(spec);
	char *group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	unsigned gid = 0;
	bool found = db_lookup(pl->in->passwd, user, all_digits(user), &out->uid, &gid);
	if (!found && !all_digits(user))
		return rl_error_set(err, RL_EPARSE,
				    "the container runs as user \"%.64s\", which its /etc/passwd "
				    "does not list",
				    user);
	if (!found)
		out->uid = (unsigned)strtoul(user, NULL, 10);
	out->gid = gid;
	if (group && *group) {
		if (all_digits(group))
			out->gid = (unsigned)strtoul(group, NULL, 10);
		else if (!db_lookup(pl->in->group, group, false, &out->gid, NULL))
			return rl_error_set(err, RL_EPARSE,
					    "the container runs as group \"%.64s\", which its "
					    "/etc/group does not list",
					    group);
	}
	out->user = all_digits(user) ? xasprintf("uid %u", out->uid)
				     : xasprintf("%s (uid %u)", user, out->uid);
	return 0;
}

/* --- what is already mounted --------------------------------------------- */

/* The mount that already serves path, described for the user; NULL if none. */
static char *covered_by(const struct planner *pl, const char *path)
{
	/* The deepest mount decides: a read-only bind inside a volume, say. */
	const struct mount *best = NULL;
	const char *best_volume = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < pl->w.n_mounts; i++) {
		const struct mount *m = &pl->w.mounts[i];
		if (path_within(path, m->target) && strlen(m->target) >= best_len) {
			best = m;
			best_len = strlen(m->target);
		}
	}
	for (size_t i = 0; i < pl->n_image_volumes; i++) {
		const char *v = pl->image_volumes[i];
		if (path_within(path, v) && strlen(v) > best_len) {
			best = NULL;
			best_volume = v;
			best_len = strlen(v);
		}
	}
	if (best_volume)
		return xasprintf("already served by the image's VOLUME %s (an anonymous volume, "
				 "writable under --read-only)",
				 best_volume);
	if (!best)
		return NULL;
	if (!best->writable)
		return xasprintf("inside the read-only %s at %s: no root filesystem setting "
				 "changes that",
				 mount_kind_name(best->kind), best->target);
	return xasprintf("already served by the %s at %s", mount_kind_name(best->kind),
			 best->target);
}

static bool runtime_mounted(const char *path)
{
	return path_within(path, "/proc") || path_within(path, "/sys") ||
	       path_within(path, "/dev") || streq(path, "/.dockerenv");
}

/* --- classification ------------------------------------------------------ */

static bool is_dir(const struct planner *pl, const char *path)
{
	const struct fs_entry *fe = fs_index_find(&pl->in->fs, path);
	return fe && S_ISDIR(fe->mode);
}

static bool added_by_container(const struct planner *pl, const char *path)
{
	return hashset_contains(&pl->added, hash_str(HASH_INIT, path));
}

/* The path was in the image (the container did not create it). */
static bool in_image(const struct planner *pl, const char *path)
{
	return fs_index_find(&pl->in->fs, path) && !added_by_container(pl, path);
}

/*
 * Where a write should be mounted, before merging: the first directory on
 * its path that is not a shared system directory, with the reason for the
 * type. A blocked write gets its explanation in *why.
 */
static enum target_type classify(struct planner *pl, const struct write *wr, char **base,
				 char **why)
{
	const char *path = wr->path;
	if (streq(path, "/etc/hosts") || streq(path, "/etc/hostname") ||
	    streq(path, "/etc/resolv.conf")) {
		*why = xasprintf("the app rewrites %s, which Docker manages and --read-only "
				 "makes read-only; give the values at run time instead "
				 "(--add-host, --hostname, --dns)",
				 path);
		return TT_BLOCKED;
	}
	for (size_t i = 0; i < ARRAY_SIZE(program_roots); i++)
		if (path_within(path, program_roots[i])) {
			*why = xasprintf("%s is part of the installed software under %s; changing "
					 "software at run time cannot work on a read-only root: "
					 "install it in the image instead",
					 path, program_roots[i]);
			return TT_BLOCKED;
		}
	if (path_within(path, "/etc")) {
		const char *rest = path + strlen("/etc");
		if (*rest == '\0' || !strchr(rest + 1, '/')) {
			*why = xasprintf(
				"the app edits %s at run time (for example adding users): no "
				"mount can serve one file in /etc; make the change in the image",
				path);
			return TT_BLOCKED;
		}
	}
	/* Creating an empty /var/lib, say, needs nothing once its users are served. */
	if (in_list(path, system_parents, ARRAY_SIZE(system_parents))) {
		if (!wr->from_logs || streq(path, "/"))
			return TT_SKIP;
		/* The app itself says it must write here (mkdir -p /srv/data, say). */
		*base = xstrdup(path);
		*why = xasprintf("%s is scratch space by convention", path);
		return is_scratch(path) ? TT_TMPFS : TT_VOLUME;
	}
	/* Walk down the path to the first directory that is nobody's shared parent. */
	_cleanup_free_ char *prefix = xstrdup(path);
	char *cut = prefix + 1;
	for (;;) {
		char *slash = strchr(cut, '/');
		if (slash)
			*slash = '\0';
		bool last = slash == NULL;
		bool is_parent = in_list(prefix, system_parents, ARRAY_SIZE(system_parents)) ||
				 streq(prefix, "/etc");
		if (!is_parent && (!last || is_dir(pl, prefix) || wr->anticipated))
			break;
		if (last) {
			/* A file directly in a shared directory: mount that directory. */
			char *parent = strrchr(prefix, '/');
			if (parent == prefix) {
				*why = xasprintf("%s is written directly in /; no mount can serve "
						 "it: move it into a directory of its own",
						 path);
				return TT_BLOCKED;
			}
			*parent = '\0';
			break;
		}
		*slash = '/';
		cut = slash + 1;
	}
	/* Not over the program itself: go one level deeper, or give up. */
	const char *prog_dirs[] = {pl->program, pl->workdir};
	for (size_t i = 0; i < ARRAY_SIZE(prog_dirs); i++) {
		const char *pd = prog_dirs[i];
		if (!pd || streq(pd, "/") || !path_within(pd, prefix))
			continue;
		if (i == 1 && !fs_index_below(&pl->in->fs, pd, &(size_t){0}))
			continue; /* an empty working directory holds no program */
		size_t plen = strlen(prefix);
		const char *next = strchr(path + plen + 1, '/');
		if (path[plen] != '/' || !next) {
			*why = xasprintf("%s is written in %s, next to the program's own files; a "
					 "mount there would hide them: make the app write into a "
					 "subdirectory or /tmp",
					 path, prefix);
			return TT_BLOCKED;
		}
		free(prefix);
		prefix = xstrndup(path, (size_t)(next - path));
	}
	*base = steal_pointer(&prefix);
	if (is_scratch(*base)) {
		*why = xasprintf("%s is scratch space by convention", *base);
		return TT_TMPFS;
	}
	return TT_VOLUME;
}

/* --- tmpfs options -------------------------------------------------------- */

/* Sum of file sizes below dir now, and whether a written file there is executable. */
static void usage_below(const struct planner *pl, const char *dir, long long *bytes,
			bool *exec_written)
{
	size_t first, n = fs_index_below(&pl->in->fs, dir, &first);
	*bytes = 0;
	*exec_written = false;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *fe = &pl->in->fs.v[i];
		if (!S_ISREG(fe->mode))
			continue;
		*bytes += fe->size;
		if ((fe->mode & 0111) && added_by_container(pl, fe->path))
			*exec_written = true;
	}
}

static char *tmpfs_options(const struct planner *pl, const char *target, bool *exec)
{
	struct strbuf sb = STRBUF_INIT;
	const struct fs_entry *fe = fs_index_find(&pl->in->fs, target);
	long long used;
	usage_below(pl, target, &used, exec);
	if (pl->program && path_within(pl->program, target))
		*exec = true;
	long long mb = MIN_TMPFS_MB;
	while (mb * 1024 * 1024 < used * 4)
		mb *= 2;
	if (*exec)
		strbuf_addstr(&sb, "exec,");
	if (fe && S_ISDIR(fe->mode)) {
		strbuf_addf(&sb, "mode=%04o,", (unsigned)(fe->mode & 07777));
		if (fe->uid)
			strbuf_addf(&sb, "uid=%u,", fe->uid);
		if (fe->gid)
			strbuf_addf(&sb, "gid=%u,", fe->gid);
	}
	strbuf_addf(&sb, "size=%lldm", mb);
	return strbuf_detach(&sb);
}

static char *volume_name(const struct planner *pl, const char *target)
{
	struct strbuf sb = STRBUF_INIT;
	const char *prefix = pl->in->volume_prefix ? pl->in->volume_prefix : "rootlock";
	strbuf_addstr(&sb, prefix);
	for (const char *p = target; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.';
		if (!ok)
			c = '-';
		if (c == '-' && sb.len && sb.buf[sb.len - 1] == '-')
			continue;
		strbuf_addch(&sb, c);
	}
	while (sb.len && sb.buf[sb.len - 1] == '-')
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb);
}

/* --- gathering the writes ------------------------------------------------- */

/* A write with its base mount point, before grouping. */
struct classified {
	char *base;
	enum target_type type;
	char *why;
	struct write wr; /* borrowed from the writes array */
};

static int classified_cmp(const void *a, const void *b)
{
	const struct classified *x = a, *y = b;
	int c = strcmp(x->base, y->base);
	return c ? c : strcmp(x->wr.path, y->wr.path);
}

/* A directory sorts right before what is inside it ("/a", "/a/x", "/a-b"). */
static int write_cmp(const void *a, const void *b)
{
	return path_cmp(((const struct write *)a)->path, ((const struct write *)b)->path);
}

static void writes_add(struct write **v, size_t *n, size_t *alloc, char *path, bool anticipated,
		       bool from_logs)
{
	if (*n == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 64;
		*v = xrealloc(*v, *alloc * sizeof(**v));
	}
	(*v)[(*n)++] = (struct write){path, anticipated, from_logs};
}

/* Directories the runtime user owns (or may write as its group): likely targets. */
static void add_owned_dirs(struct planner *pl, struct write **v, size_t *n, size_t *alloc)
{
	const struct plan *out = pl->out;
	if (out->uid == 0)
		return; /* root may write anywhere: only real writes count */
	const char *last = NULL;
	for (size_t i = 0; i < pl->in->fs.n; i++) {
		const struct fs_entry *fe = &pl->in->fs.v[i];
		if (!S_ISDIR(fe->mode) || (last && path_within(fe->path, last)))
			continue;
		bool mine = (fe->uid == out->uid && (fe->mode & 0200)) ||
			    (out->gid != 0 && fe->gid == out->gid && (fe->mode & 0020));
		/* Homes hold dotfiles, /etc configuration read at start: not data. */
		if (!mine || runtime_mounted(fe->path) || path_within(fe->path, "/home") ||
		    path_within(fe->path, "/root") || path_within(fe->path, "/etc"))
			continue;
		if (added_by_container(pl, fe->path))
			continue; /* made by the container: its writes are in the diff */
		last = fe->path;
		writes_add(v, n, alloc, xstrdup(fe->path), true, false);
	}
}

static char *resolve(const struct planner *pl, const char *path)
{
	return fs_index_resolve(&pl->in->fs, path);
}

/* The deepest image directory at or below base that holds every write in g. */
static char *deepest_common(const struct planner *pl, const struct write *w, size_t n,
			    const char *base)
{
	_cleanup_free_ char *best = xstrdup(base);
	for (;;) {
		const char *first = w[0].path;
		size_t blen = strlen(best);
		if (first[blen] != '/')
			break;
		const char *next = strchr(first + blen + 1, '/');
		if (!next)
			break; /* the first write is directly in best */
		_cleanup_free_ char *cand = xstrndup(first, (size_t)(next - first));
		bool all = true;
		for (size_t i = 1; i < n && all; i++)
			all = path_within(w[i].path, cand) && !streq(w[i].path, cand);
		if (!all || !in_image(pl, cand) || !is_dir(pl, cand))
			break;
		free(best);
		best = steal_pointer(&cand);
	}
	/* A directory that is itself the only write may be the mount. */
	if (n == 1 && path_within(w[0].path, best) && !streq(w[0].path, best) &&
	    is_dir(pl, w[0].path) && in_image(pl, w[0].path))
		return xstrdup(w[0].path);
	return steal_pointer(&best);
}

/* Image files (not directories) below dir that a tmpfs would hide. */
static size_t image_files_below(const struct planner *pl, const char *dir, const char **example)
{
	size_t first, n = fs_index_below(&pl->in->fs, dir, &first), count = 0;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *fe = &pl->in->fs.v[i];
		if (S_ISDIR(fe->mode) || !in_image(pl, fe->path))
			continue;
		if (!count)
			*example = fe->path;
		count++;
	}
	return count;
}

static void mount_add(struct plan *out, enum plan_mount_type type, const char *target,
		      char *options, char *volume, char *why)
{
	out->mounts = xrealloc(out->mounts, (out->n_mounts + 1) * sizeof(*out->mounts));
	out->mounts[out->n_mounts++] = (struct plan_mount){.type = type,
							   .target = xstrdup(target),
							   .options = options,
							   .volume = volume,
							   .why = why};
}

static int mount_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_mount *)a)->target,
		      ((const struct plan_mount *)b)->target);
}

static const char *describe_writes(const struct write *w, size_t n, struct strbuf *sb)
{
	size_t written = 0, anticipated = 0, logged = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i].anticipated)
			anticipated++;
		else if (w[i].from_logs)
			logged++;
		else
			written++;
	}
	const char *sep = "";
	if (written) {
		const char *example = NULL;
		for (size_t i = 0; i < n && !example; i++)
			if (!w[i].anticipated && !w[i].from_logs)
				example = w[i].path;
		strbuf_addf(sb, "%zu path%s written (e.g. %s)", written, written == 1 ? "" : "s",
			    example);
		sep = "; ";
	}
	if (logged) {
		strbuf_addf(sb, "%sthe logs say it could not write here", sep);
		sep = "; ";
	}
	if (anticipated)
		strbuf_addf(sb, "%sthe runtime user owns it (not written yet)", sep);
	return strbuf_str(sb);
}

static void decide_group(struct planner *pl, const struct group *g, const struct write *w)
{
	struct plan *out = pl->out;
	const struct write *gw = w + g->first;
	_cleanup_free_ char *target = deepest_common(pl, gw, g->n, g->base);
	_cleanup_strbuf_ struct strbuf what = STRBUF_INIT;
	describe_writes(gw, g->n, &what);
	enum target_type type = g->type;
	if (type == TT_VOLUME) {
		bool all_runtime = true;
		for (size_t i = 0; i < g->n && all_runtime; i++)
			all_runtime = looks_throwaway_file(gw[i].path);
		if (all_runtime)
			type = TT_TMPFS;
	}
	const char *example = NULL;
	size_t hidden = type == TT_TMPFS ? image_files_below(pl, target, &example) : 0;
	/*
	 * /run and /tmp start empty at every boot of a normal system, so no
	 * program relies on what an image left there: hide it, but say so.
	 */
	_cleanup_free_ char *hides = NULL;
	if (hidden && in_list(target, scratch_dirs, ARRAY_SIZE(scratch_dirs))) {
		hides = xasprintf("; hides %zu leftover file%s from the image build (e.g. %s)",
				  hidden, hidden == 1 ? "" : "s", example);
		hidden = 0;
	}
	if (type == TT_TMPFS && hidden == 0) {
		bool exec = false;
		char *opts = tmpfs_options(pl, target, &exec);
		char *why = xasprintf(
			"tmpfs: %s; %s%s%s", strbuf_str(&what),
			g->type == TT_TMPFS ? g->why_type : "only pid, lock and socket files",
			exec ? "; programs run from it, so exec" : "", hides ? hides : "");
		mount_add(out, PLAN_TMPFS, target, opts, NULL, why);
		return;
	}
	char *why;
	if (type == TT_TMPFS)
		why = xasprintf("volume: %s; a tmpfs would hide the %zu file%s the image has "
				"here (e.g. %s), a new volume starts as a copy of them",
				strbuf_str(&what), hidden, hidden == 1 ? "" : "s", example);
	else if (in_image(pl, target) && image_files_below(pl, target, &example))
		why = xasprintf("volume: %s; data that should outlive the container, and the "
				"image has files here (e.g. %s) that a new volume starts with",
				strbuf_str(&what), example);
	else
		why = xasprintf("volume: %s; data that should outlive the container",
				strbuf_str(&what));
	mount_add(out, PLAN_VOLUME, target, NULL, volume_name(pl, target), why);
}

/* Drop mounts inside another mount of the same type: the outer one serves them. */
static void merge_nested(struct plan *out)
{
	if (out->n_mounts)
		qsort(out->mounts, out->n_mounts, sizeof(*out->mounts), mount_cmp);
	size_t w = 0;
	for (size_t i = 0; i < out->n_mounts; i++) {
		struct plan_mount *m = &out->mounts[i];
		bool inside = false;
		for (size_t j = 0; j < w && !inside; j++)
			inside = out->mounts[j].type == m->type &&
				 path_within(m->target, out->mounts[j].target);
		if (inside) {
			free(m->target);
			free(m->options);
			free(m->volume);
			free(m->why);
			continue;
		}
		out->mounts[w++] = *m;
	}
	out->n_mounts = w;
}

/* The executable as the kernel would find it: absolute, or on the image's PATH. */
static char *find_program(const struct planner *pl)
{
	json_t *cfg = json_object_get(pl->in->container, "Config");
	json_t *argv = json_object_get(cfg, "Entrypoint");
	if (!json_array_size(argv))
		argv = json_object_get(cfg, "Cmd");
	const char *arg0 = json_string_value(json_array_get(argv, 0));
	if (!arg0 || !*arg0)
		return NULL;
	if (arg0[0] == '/')
		return resolve(pl, arg0);
	if (strchr(arg0, '/'))
		return NULL;
	static const char *const path_dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
						"/usr/bin",	   "/sbin",	     "/bin"};
	for (size_t i = 0; i < ARRAY_SIZE(path_dirs); i++) {
		_cleanup_free_ char *cand = xasprintf("%s/%s", path_dirs[i], arg0);
		_cleanup_free_ char *real = resolve(pl, cand);
		if (fs_index_find(&pl->in->fs, real))
			return steal_pointer(&real);
	}
	return NULL;
}

int plan_build(const struct plan_input *in, struct plan *out, struct rl_error *err)
{
	struct planner pl = {.in = in, .out = out};
	memset(out, 0, sizeof(*out));
	int r = workload_from_inspect(in->container, &pl.w, err);
	if (r < 0)
		return r;
	struct write *writes = NULL;
	size_t n = 0, alloc = 0;
	struct group *groups = NULL;
	size_t ng = 0;

	r = resolve_user(&pl, err);
	if (r < 0)
		goto out;

	const char *key;
	json_t *v;
	json_t *image_cfg = json_object_get(in->image, "Config");
	json_object_foreach (json_object_get(image_cfg, "Volumes"), key, v) {
		pl.image_volumes =
			xrealloc(pl.image_volumes, (pl.n_image_volumes + 1) * sizeof(char *));
		pl.image_volumes[pl.n_image_volumes++] = path_normalize(key);
	}
	pl.program = find_program(&pl);
	const char *wd = json_string_value(
		json_object_get(json_object_get(in->container, "Config"), "WorkingDir"));
	if (!str_empty(wd))
		pl.workdir = path_normalize(wd);

	/* Paths the container added: not part of the image. */
	size_t i;
	json_array_foreach (in->changes, i, v) {
		if (json_integer_value(json_object_get(v, "Kind")) == 1) {
			const char *p = json_string_value(json_object_get(v, "Path"));
			if (p)
				hashset_add(&pl.added, hash_str(HASH_INIT, p));
		}
	}
	/* Every write; changed directories are only parents of other changes. */
	json_array_foreach (in->changes, i, v) {
		const char *p = json_string_value(json_object_get(v, "Path"));
		json_int_t kind = json_integer_value(json_object_get(v, "Kind"));
		if (!p || p[0] != '/')
			continue;
		if (kind == 0 && is_dir(&pl, p))
			continue;
		writes_add(&writes, &n, &alloc, resolve(&pl, p), false, false);
	}
	for (size_t k = 0; k < in->etc_rewritten.n; k++)
		writes_add(&writes, &n, &alloc, xstrdup(in->etc_rewritten.v[k]), false, false);
	for (size_t k = 0; k < in->evidence.n; k++)
		writes_add(&writes, &n, &alloc, resolve(&pl, in->evidence.v[k]), false, true);
	add_owned_dirs(&pl, &writes, &n, &alloc);

	/* One write per path; a directory written is covered by writes inside it. */
	if (n)
		qsort(writes, n, sizeof(*writes), write_cmp);
	size_t kept = 0;
	for (size_t k = 0; k < n; k++) {
		if (kept && streq(writes[kept - 1].path, writes[k].path)) {
			writes[kept - 1].anticipated &= writes[k].anticipated;
			writes[kept - 1].from_logs |= writes[k].from_logs;
			free(writes[k].path);
			continue;
		}
		writes[kept++] = writes[k];
	}
	n = kept;
	/* A directory with writes below it is served by whatever serves them. */
	kept = 0;
	for (size_t k = 0; k < n; k++) {
		if (k + 1 < n && path_within(writes[k + 1].path, writes[k].path)) {
			free(writes[k].path);
			continue;
		}
		writes[kept++] = writes[k];
	}
	n = kept;
	out->writes = n;

	/* Classify each write; group those with the same base. */
	struct classified *cls = xcalloc(n ? n : 1, sizeof(*cls));
	size_t ncls = 0;
	for (size_t k = 0; k < n; k++) {
		const char *p = writes[k].path;
		if (runtime_mounted(p))
			continue;
		char *cover = covered_by(&pl, p);
		if (cover) {
			note_add(&out->covered, &out->n_covered, p, cover);
			continue;
		}
		char *base = NULL, *why = NULL;
		enum target_type t = classify(&pl, &writes[k], &base, &why);
		if (t == TT_SKIP)
			continue;
		if (t == TT_BLOCKED) {
			note_add(&out->blockers, &out->n_blockers, p, why);
			free(base);
			continue;
		}
		cls[ncls++] =
			(struct classified){.base = base, .type = t, .why = why, .wr = writes[k]};
	}
	if (ncls)
		qsort(cls, ncls, sizeof(*cls), classified_cmp);
	groups = xcalloc(ncls ? ncls : 1, sizeof(*groups));
	struct write *gwrites = xcalloc(ncls ? ncls : 1, sizeof(*gwrites));
	for (size_t k = 0; k < ncls; k++) {
		gwrites[k] = cls[k].wr;
		if (ng && streq(groups[ng - 1].base, cls[k].base)) {
			groups[ng - 1].n++;
			free(cls[k].base);
			free(cls[k].why);
			continue;
		}
		groups[ng++] = (struct group){.base = cls[k].base,
					      .type = cls[k].type,
					      .why_type = cls[k].why,
					      .first = k,
					      .n = 1};
	}
	for (size_t k = 0; k < ng; k++)
		decide_group(&pl, &groups[k], gwrites);
	merge_nested(out);
	free(gwrites);
	free(cls);
	r = 0;
out:
	for (size_t k = 0; k < ng; k++) {
		free(groups[k].base);
		free(groups[k].why_type);
	}
	free(groups);
	for (size_t k = 0; k < n; k++)
		free(writes[k].path);
	free(writes);
	for (size_t k = 0; k < pl.n_image_volumes; k++)
		free(pl.image_volumes[k]);
	free(pl.image_volumes);
	free(pl.program);
	free(pl.workdir);
	hashset_release(&pl.added);
	workload_release(&pl.w);
	if (r < 0)
		plan_release(out);
	return r;
}

struct run_mount *plan_run_mounts(const struct plan *p)
{
	struct run_mount *m = xcalloc(p->n_mounts ? p->n_mounts : 1, sizeof(*m));
	for (size_t i = 0; i < p->n_mounts; i++)
		m[i] = (struct run_mount){
			.type = p->mounts[i].type == PLAN_TMPFS ? RUN_MOUNT_TMPFS
								: RUN_MOUNT_VOLUME,
			.target = p->mounts[i].target,
			.options = p->mounts[i].options,
			.volume = p->mounts[i].volume,
		};
	return m;
}
