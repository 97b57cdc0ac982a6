/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "plan.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inspect.h"
#include "workload.h"

#define MIN_TMPFS_MB 64
/* More image directories than this below a tmpfs: a volume keeps them instead. */
#define MAX_KEPT_DIRS 16

enum target_type { TT_TMPFS, TT_VOLUME, TT_BLOCKED, TT_SKIP };

/* One path the container wrote, or will write. */
struct write {
	char *path;	  /* resolved through the image's symlinks */
	bool anticipated; /* not written yet: a directory the runtime user owns */
	bool from_logs;	  /* named by a "Read-only file system" message */
	char *predicted;  /* not written yet: why the plan expects a write here */
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
	struct strv names; /* the program's names, for the directories it writes by convention */
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

bool plan_under_program_root(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(program_roots); i++)
		if (path_within(path, program_roots[i]))
			return true;
	return false;
}

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

static bool has_suffix(const char *s, const char *suffix)
{
	size_t len = strlen(s), sl = strlen(suffix);
	return len > sl && streq(s + len - sl, suffix);
}

/*
 * Runtime state a server makes anew at every start: pid, lock and socket
 * files, and shared memory (".shm", varnish's "_.vsm_*" files and
 * directories). Keeping it across restarts helps nothing.
 */
static bool looks_throwaway_file(const char *path)
{
	static const char *const suffixes[] = {".pid", ".lock", ".sock", ".socket", ".lck", ".shm"};
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (has_suffix(path, suffixes[i]))
			return true;
	return strstr(path, "/_.vsm") != NULL;
}

/* A shared object ("x.so", "libx.so.1"): code a program loads. */
static bool looks_shared_object(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *so = strstr(base, ".so");
	return so && so != base && (so[3] == '\0' || so[3] == '.');
}

/* Python's bytecode cache: the __pycache__ directory holding path, or the .pyc itself. */
static char *bytecode_cache(const char *path)
{
	const char *dir = strstr(path, "/__pycache__");
	if (dir && (dir[12] == '\0' || dir[12] == '/'))
		return xstrndup(path, (size_t)(dir + 12 - path));
	if (has_suffix(path, ".pyc") || has_suffix(path, ".pyo"))
		return xstrdup(path);
	return NULL;
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

bool plan_evidence_add(struct plan_evidence_list *l, const char *path, enum plan_evidence_kind kind)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == kind && streq(l->v[i].path, path))
			return false;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = (struct plan_evidence){xstrdup(path), kind};
	return true;
}

void plan_evidence_release(struct plan_evidence_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *plan_evidence_kind_name(enum plan_evidence_kind kind)
{
	switch (kind) {
	case EVIDENCE_READ_ONLY:
		return "read-only";
	case EVIDENCE_MISSING:
		return "missing";
	case EVIDENCE_DENIED:
		return "denied";
	case EVIDENCE_NOEXEC:
		return "noexec";
	}
	return "?";
}

static void notes_release(struct plan_note *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].why);
	}
	free(v);
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
	notes_release(p->blockers, p->n_blockers);
	notes_release(p->covered, p->n_covered);
	notes_release(p->notes, p->n_notes);
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
	plan_evidence_release(&in->evidence);
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
		/* A predicted directory may be missing (/tmp in a bare image); a file is a file. */
		bool predicted_dir = wr->predicted && !fs_index_find(&pl->in->fs, prefix);
		if (!is_parent && (!last || is_dir(pl, prefix) || wr->anticipated || predicted_dir))
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
	} else if (streq(target, "/tmp") || streq(target, "/var/tmp")) {
		strbuf_addstr(&sb, "mode=1777,"); /* what every program expects there */
	}
	strbuf_addf(&sb, "size=%lldm", mb);
	return strbuf_detach(&sb);
}

/* The value of key in a tmpfs option list ("" for a bare flag), or NULL. */
static char *option_get(const char *options, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = options; p && *p;) {
		const char *end = strchrnul(p, ',');
		if (strncmp(p, key, klen) == 0 && (p + klen == end || p[klen] == '='))
			return xstrndup(p + klen + (p + klen == end ? 0 : 1),
					(size_t)(end - p) - klen - (p + klen == end ? 0 : 1));
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/*
 * Set key (to value, or as a bare flag when value is NULL) in a tmpfs option
 * list, keeping the order tmpfs_options() writes: exec, mode, uid, gid, size.
 */
static void option_set(char **options, const char *key, const char *value)
{
	static const char *const order[] = {"exec", "mode", "uid", "gid", "size"};
	size_t rank = ARRAY_SIZE(order);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (streq(key, order[i]))
			rank = i;
	struct strbuf sb = STRBUF_INIT;
	bool placed = false;
	for (const char *p = *options; p && *p;) {
		const char *end = strchrnul(p, ',');
		_cleanup_free_ char *tok = xstrndup(p, (size_t)(end - p));
		p = *end ? end + 1 : end;
		size_t eq = strcspn(tok, "=");
		size_t tok_rank = ARRAY_SIZE(order);
		for (size_t i = 0; i < ARRAY_SIZE(order); i++)
			if (strlen(order[i]) == eq && strncmp(tok, order[i], eq) == 0)
				tok_rank = i;
		if (strlen(key) == eq && strncmp(tok, key, eq) == 0)
			continue;
		if (!placed && tok_rank > rank) {
			strbuf_addf(&sb, "%s%s%s,", key, value ? "=" : "", value ? value : "");
			placed = true;
		}
		strbuf_addf(&sb, "%s,", tok);
	}
	if (!placed)
		strbuf_addf(&sb, "%s%s%s,", key, value ? "=" : "", value ? value : "");
	if (sb.len)
		sb.buf[--sb.len] = '\0';
	free(*options);
	*options = strbuf_detach(&sb);
}

static bool option_has(const char *options, const char *key)
{
	_cleanup_free_ char *v = option_get(options, key);
	return v != NULL;
}

/* Whether uid:gid may create files in a tmpfs mounted with these options. */
static bool tmpfs_writable_by(const char *options, unsigned uid, unsigned gid)
{
	if (uid == 0)
		return true;
	_cleanup_free_ char *mode_s = option_get(options, "mode");
	_cleanup_free_ char *uid_s = option_get(options, "uid");
	_cleanup_free_ char *gid_s = option_get(options, "gid");
	unsigned mode = mode_s ? (unsigned)strtoul(mode_s, NULL, 8) : 01777; /* tmpfs's default */
	unsigned owner = uid_s ? (unsigned)strtoul(uid_s, NULL, 10) : 0;
	unsigned group = gid_s ? (unsigned)strtoul(gid_s, NULL, 10) : 0;
	if (owner == uid)
		return (mode & 0300) == 0300;
	if (group == gid)
		return (mode & 0030) == 0030;
	return (mode & 0003) == 0003;
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
		       bool from_logs, char *predicted)
{
	if (*n == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 64;
		*v = xrealloc(*v, *alloc * sizeof(**v));
	}
	(*v)[(*n)++] = (struct write){path, anticipated, from_logs, predicted};
}

static bool write_seen(const struct write *w)
{
	return !w->anticipated && !w->predicted;
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
		writes_add(v, n, alloc, xstrdup(fe->path), true, false, NULL);
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

/* Image directories below dir: what a tmpfs there hides besides files. */
static size_t image_dirs_below(const struct planner *pl, const char *dir, const char **example)
{
	size_t first, n = fs_index_below(&pl->in->fs, dir, &first), count = 0;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *fe = &pl->in->fs.v[i];
		if (!S_ISDIR(fe->mode) || !in_image(pl, fe->path))
			continue;
		if (!count)
			*example = fe->path;
		count++;
	}
	return count;
}

static void mount_add(struct plan *out, enum plan_mount_type type, enum plan_basis basis,
		      const char *target, char *options, char *volume, char *why)
{
	out->mounts = xrealloc(out->mounts, (out->n_mounts + 1) * sizeof(*out->mounts));
	out->mounts[out->n_mounts++] = (struct plan_mount){.type = type,
							   .basis = basis,
							   .target = xstrdup(target),
							   .options = options,
							   .volume = volume,
							   .why = why};
}

static void why_append(struct plan_mount *m, const char *fmt, ...) _printf_(2, 3);
static void why_append(struct plan_mount *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *more = NULL;
	if (vasprintf(&more, fmt, ap) < 0)
		abort();
	va_end(ap);
	char *why = xasprintf("%s%s", m->why, more);
	free(m->why);
	m->why = why;
}

static int mount_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_mount *)a)->target,
		      ((const struct plan_mount *)b)->target);
}

static const char *describe_writes(const struct write *w, size_t n, struct strbuf *sb)
{
	size_t written = 0, anticipated = 0, logged = 0, predicted = 0;
	const char *prediction = NULL;
	for (size_t i = 0; i < n; i++) {
		if (w[i].anticipated) {
			anticipated++;
		} else if (w[i].predicted) {
			if (!predicted++)
				prediction = w[i].predicted;
		} else if (w[i].from_logs) {
			logged++;
		} else {
			written++;
		}
	}
	const char *sep = "";
	if (written) {
		const char *example = NULL;
		for (size_t i = 0; i < n && !example; i++)
			if (write_seen(&w[i]) && !w[i].from_logs)
				example = w[i].path;
		strbuf_addf(sb, "%zu path%s written (e.g. %s)", written, written == 1 ? "" : "s",
			    example);
		sep = "; ";
	}
	if (logged) {
		strbuf_addf(sb, "%sthe logs say it could not write here", sep);
		sep = "; ";
	}
	if (anticipated) {
		strbuf_addf(sb, "%sthe runtime user owns it (not written yet)", sep);
		sep = "; ";
	}
	if (predicted)
		strbuf_addf(sb, "%spredicted: %s", sep, prediction);
	return strbuf_str(sb);
}

/*
 * A socket or FIFO the container made. The archive has FIFOs but no sockets
 * (tar cannot hold them): a path the diff says was added that the tree
 * lacks is one.
 */
static bool is_socket(const struct planner *pl, const char *path)
{
	const struct fs_entry *fe = fs_index_find(&pl->in->fs, path);
	if (fe)
		return S_ISSOCK(fe->mode) || S_ISFIFO(fe->mode);
	return added_by_container(pl, path) && !pl->in->fs.truncated;
}

static void decide_group(struct planner *pl, const struct group *g, const struct write *w)
{
	struct plan *out = pl->out;
	const struct write *gw = w + g->first;
	_cleanup_free_ char *target = deepest_common(pl, gw, g->n, g->base);
	_cleanup_strbuf_ struct strbuf what = STRBUF_INIT;
	describe_writes(gw, g->n, &what);
	enum target_type type = g->type;
	enum plan_basis basis = PLAN_PREDICTED;
	for (size_t i = 0; i < g->n; i++)
		if (write_seen(&gw[i]))
			basis = PLAN_SEEN;
	/*
	 * Runtime state is rebuilt at every start: pid, lock and socket files,
	 * shared memory, and code the program compiles and loads (varnish's VCL
	 * as a .so it made): a tmpfs, not data that should outlive the container.
	 */
	const char *runtime_why = NULL;
	bool code_written = false;
	if (type == TT_VOLUME) {
		/* A directory merely owned or predicted may hold data: not runtime state. */
		bool all_runtime = true, any_seen = false;
		for (size_t i = 0; i < g->n; i++) {
			bool seen = write_seen(&gw[i]);
			any_seen |= seen;
			if (seen && looks_shared_object(gw[i].path) &&
			    added_by_container(pl, gw[i].path))
				code_written = true;
			else if (!looks_throwaway_file(gw[i].path) && !is_socket(pl, gw[i].path))
				all_runtime = false;
		}
		if (code_written) {
			type = TT_TMPFS;
			runtime_why = "the program compiled code here that it loads (a shared "
				      "object it wrote), runtime state it rebuilds at every start, "
				      "so exec";
		} else if (any_seen && all_runtime) {
			type = TT_TMPFS;
			runtime_why = "only pid, lock, socket and shared-memory files, rebuilt at "
				      "every start";
		}
	}
	const char *example = NULL, *dir_example = NULL;
	size_t hidden = type == TT_TMPFS ? image_files_below(pl, target, &example) : 0;
	size_t hidden_dirs = type == TT_TMPFS ? image_dirs_below(pl, target, &dir_example) : 0;
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
	/*
	 * Past MAX_KEPT_DIRS a volume is the tidier copy of the image's tree,
	 * but not for /run and its like: what lives there is rebuilt at every
	 * start, and a volume would keep a stale pid file that stops the next
	 * start (apache's "httpd (pid 1) already running").
	 */
	bool keep_all = in_list(target, scratch_dirs, ARRAY_SIZE(scratch_dirs));
	if (type == TT_TMPFS && hidden == 0 && (hidden_dirs <= MAX_KEPT_DIRS || keep_all)) {
		bool exec = false;
		char *opts = tmpfs_options(pl, target, &exec);
		if (code_written && !exec)
			option_set(&opts, "exec", NULL);
		char *why =
			xasprintf("tmpfs: %s; %s%s%s", strbuf_str(&what),
				  runtime_why ? runtime_why : g->why_type,
				  exec && !code_written ? "; programs run from it, so exec" : "",
				  hides ? hides : "");
		mount_add(out, PLAN_TMPFS, basis, target, opts, NULL, why);
		return;
	}
	char *why;
	if (type == TT_TMPFS && hidden == 0)
		why = xasprintf("volume: %s; a tmpfs would hide the %zu directories the image "
				"has here (e.g. %s), too many to keep as tmpfs mounts of their "
				"own: a new volume starts as a copy of them",
				strbuf_str(&what), hidden_dirs, dir_example);
	else if (type == TT_TMPFS)
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
	mount_add(out, PLAN_VOLUME, basis, target, NULL, volume_name(pl, target), why);
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
		for (size_t j = 0; j < w && !inside; j++) {
			inside = out->mounts[j].type == m->type &&
				 path_within(m->target, out->mounts[j].target);
			if (inside && m->basis == PLAN_SEEN)
				out->mounts[j].basis = PLAN_SEEN;
		}
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

/* The plan's mount at target, or NULL. */
static struct plan_mount *mount_at(struct plan *out, const char *target)
{
	for (size_t i = 0; i < out->n_mounts; i++)
		if (streq(out->mounts[i].target, target))
			return &out->mounts[i];
	return NULL;
}

/* The plan's deepest mount holding path (among the first n), or NULL. */
static struct plan_mount *mount_holding(struct plan *out, size_t n, const char *path)
{
	struct plan_mount *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (path_within(path, out->mounts[i].target) &&
		    (!best || strlen(out->mounts[i].target) > strlen(best->target)))
			best = &out->mounts[i];
	return best;
}

/* A tmpfs at dir that recreates it with its owner and mode, below the tmpfs at parent. */
static void keep_dir(struct planner *pl, const char *dir, const char *parent, bool parent_exec,
		     enum plan_basis basis, const char *cause)
{
	const struct fs_entry *fe = fs_index_find(&pl->in->fs, dir);
	bool exec = false;
	char *opts = tmpfs_options(pl, dir, &exec);
	/* Code run from the tmpfs above may be run from here too. */
	if (parent_exec && !exec)
		option_set(&opts, "exec", NULL);
	char *why = xasprintf("tmpfs: keeps %s (uid %u, gid %u, mode %04o), which %s and the "
			      "tmpfs at %s would hide%s",
			      dir, fe ? fe->uid : 0, fe ? fe->gid : 0,
			      fe ? (unsigned)(fe->mode & 07777) : 0755, cause, parent,
			      exec ? "; programs run from it, so exec" : "");
	mount_add(pl->out, PLAN_TMPFS, basis, dir, opts, NULL, why);
}

/*
 * Docker copies nothing into a tmpfs: one on /run hides /run/lock and every
 * other directory the image has there, and a program that makes a
 * directory in /var/lock then fails. Recreate each image directory below a
 * planned tmpfs as a tmpfs of its own, with its owner and mode (Docker
 * mounts them in path order, so the outer one comes first). Directories
 * below another planned mount are that mount's business.
 */
static void keep_hidden_dirs(struct planner *pl, const struct write *writes, size_t n_writes)
{
	struct plan *out = pl->out;
	size_t planned = out->n_mounts;
	for (size_t i = 0; i < planned; i++) {
		if (out->mounts[i].type != PLAN_TMPFS)
			continue;
		_cleanup_free_ char *target = xstrdup(out->mounts[i].target);
		bool exec = option_has(out->mounts[i].options, "exec");
		size_t first, n = fs_index_below(&pl->in->fs, target, &first), kept = 0;
		_cleanup_free_ char *example = NULL;
		for (size_t k = first; k < first + n; k++) {
			const struct fs_entry *fe = &pl->in->fs.v[k];
			if (!S_ISDIR(fe->mode) || !in_image(pl, fe->path))
				continue;
			if (mount_holding(out, planned, fe->path) != &out->mounts[i])
				continue;
			if (!kept++)
				example = xstrdup(fe->path);
			/* Seen when something was written in it; kept on the image's word else. */
			enum plan_basis basis = PLAN_PREDICTED;
			for (size_t w = 0; w < n_writes && basis == PLAN_PREDICTED; w++)
				if (write_seen(&writes[w]) && path_within(writes[w].path, fe->path))
					basis = PLAN_SEEN;
			keep_dir(pl, fe->path, target, exec, basis, "the image has");
		}
		if (kept)
			why_append(&out->mounts[i],
				   "; keeps the image's %zu director%s below it (e.g. %s) as %s, "
				   "with %s owner and mode",
				   kept, kept == 1 ? "y" : "ies", example,
				   kept == 1 ? "a tmpfs mount of its own"
					     : "tmpfs mounts of their own",
				   kept == 1 ? "its" : "their");
	}
	if (out->n_mounts)
		qsort(out->mounts, out->n_mounts, sizeof(*out->mounts), mount_cmp);
}

/* The deepest directory in the tree holding path, strictly below top; NULL if none. */
static char *deepest_dir_below(const struct planner *pl, const char *path, const char *top)
{
	_cleanup_free_ char *cand = xstrdup(path);
	while (path_within(cand, top) && !streq(cand, top)) {
		if (is_dir(pl, cand))
			return steal_pointer(&cand);
		char *slash = strrchr(cand, '/');
		if (!slash || slash == cand)
			break;
		*slash = '\0';
	}
	return NULL;
}

/*
 * What try's logs said besides "Read-only file system", applied to the
 * plan's mounts: a directory a tmpfs hid (no such file or directory), an
 * owner or mode that shuts the runtime user out (permission denied), code
 * refused by a noexec tmpfs.
 */
static void amend_from_evidence(struct planner *pl)
{
	struct plan *out = pl->out;
	const struct plan_evidence_list *ev = &pl->in->evidence;
	for (size_t i = 0; i < ev->n; i++) {
		if (ev->v[i].kind == EVIDENCE_READ_ONLY)
			continue;
		_cleanup_free_ char *path = resolve(pl, ev->v[i].path);
		struct plan_mount *m = mount_holding(out, out->n_mounts, path);
		if (!m)
			continue; /* nothing the plan made: no mount fixes it */
		if (ev->v[i].kind == EVIDENCE_MISSING) {
			if (m->type != PLAN_TMPFS)
				continue; /* a new volume starts with the image's files */
			_cleanup_free_ char *dir = deepest_dir_below(pl, path, m->target);
			if (!dir || mount_at(out, dir))
				continue;
			_cleanup_free_ char *parent = xstrdup(m->target);
			_cleanup_free_ char *cause =
				xasprintf("the container had (the logs say %s was missing)", path);
			keep_dir(pl, dir, parent, option_has(m->options, "exec"), PLAN_SEEN, cause);
			qsort(out->mounts, out->n_mounts, sizeof(*out->mounts), mount_cmp);
			continue;
		}
		if (m->type == PLAN_VOLUME) {
			if (ev->v[i].kind != EVIDENCE_DENIED)
				continue; /* volumes are not noexec */
			note_add(&out->blockers, &out->n_blockers, path,
				 xasprintf("permission denied in the volume at %s: a new volume "
					   "takes the owner and mode of the image's directory "
					   "there, which %s cannot write; make that directory "
					   "%s's in the image",
					   m->target, out->user, out->user));
			continue;
		}
		bool exec = option_has(m->options, "exec");
		if (ev->v[i].kind == EVIDENCE_DENIED &&
		    !tmpfs_writable_by(m->options, out->uid, out->gid)) {
			char id[24];
			snprintf(id, sizeof(id), "%u", out->uid);
			option_set(&m->options, "uid", id);
			snprintf(id, sizeof(id), "%u", out->gid);
			option_set(&m->options, "gid", id);
			_cleanup_free_ char *mode_s = option_get(m->options, "mode");
			if (mode_s) {
				unsigned mode = (unsigned)strtoul(mode_s, NULL, 8) & 07777;
				snprintf(id, sizeof(id), "%04o", mode | 0700);
				option_set(&m->options, "mode", id);
			}
			why_append(m, "; the logs say permission denied at %s, so owned by %s",
				   path, out->user);
		} else if (!exec) {
			/* Its user may write there: only noexec is left to refuse. */
			option_set(&m->options, "exec", NULL);
			why_append(m, "; the logs say %s could not be %s, so exec", path,
				   ev->v[i].kind == EVIDENCE_NOEXEC
					   ? "executed or mapped as code"
					   : "used although its user may write there (noexec "
					     "refuses to run code)");
		}
	}
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

/* --- predictions: writes the diff cannot show --------------------------- */

/* May the runtime user create files in (or write) this entry? */
static bool user_may_write(const struct planner *pl, const struct fs_entry *fe)
{
	const struct plan *out = pl->out;
	if (out->uid == 0)
		return true;
	if (fe->uid == out->uid)
		return fe->mode & 0200;
	if (fe->gid == out->gid)
		return fe->mode & 0020;
	return fe->mode & 0002;
}

/*
 * The names a program is known by on disk: "nginx" for /usr/sbin/nginx,
 * "redis" for redis-server, "varnish" for varnishd, from the first word of
 * the entrypoint and of the command (an entrypoint script often runs the
 * server named in the command).
 */
static void program_names(struct planner *pl)
{
	json_t *cfg = json_object_get(pl->in->container, "Config");
	const char *words[] = {
		json_string_value(json_array_get(json_object_get(cfg, "Entrypoint"), 0)),
		json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0)),
	};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (!words[i] || words[i][0] == '-')
			continue;
		const char *base = strrchr(words[i], '/');
		base = base ? base + 1 : words[i];
		_cleanup_free_ char *name = xstrndup(base, strcspn(base, "."));
		static const char *const suffixes[] = {"-server", "-daemon", "d"};
		for (size_t k = 0; k < ARRAY_SIZE(suffixes); k++)
			if (has_suffix(name, suffixes[k]) &&
			    strlen(name) - strlen(suffixes[k]) >= 3) {
				_cleanup_free_ char *stem =
					xstrndup(name, strlen(name) - strlen(suffixes[k]));
				if (!strv_contains(&pl->names, stem))
					strv_add(&pl->names, stem);
			}
		if (strlen(name) >= 3 && !strv_contains(&pl->names, name))
			strv_add(&pl->names, name);
	}
}

/* Is dir's name one of the program's (exactly, or a longer name: postgres, postgresql)? */
static const char *program_named(const struct planner *pl, const char *name)
{
	for (size_t i = 0; i < pl->names.n; i++) {
		const char *n = pl->names.v[i];
		if (streq(name, n) || (strlen(n) >= 4 && str_startswith(name, n)))
			return n;
	}
	return NULL;
}

/*
 * The directories a program writes by convention, whatever its user:
 * /var/log/NAME, /var/cache/NAME, /var/lib/NAME, /var/spool/NAME and
 * /run/NAME, where NAME is the program's. Only those the image has and the
 * runtime user may write: a directory the package made for the program.
 */
static void predict_conventional_dirs(struct planner *pl, struct write **v, size_t *n,
				      size_t *alloc)
{
	static const char *const places[][2] = {
		{"/var/log", "logs"},	 {"/var/cache", "cache"},   {"/var/lib", "state"},
		{"/var/spool", "spool"}, {"/run", "runtime files"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(places); i++) {
		_cleanup_free_ char *dir = resolve(pl, places[i][0]);
		size_t first, count = fs_index_below(&pl->in->fs, dir, &first);
		for (size_t k = first; k < first + count; k++) {
			const struct fs_entry *fe = &pl->in->fs.v[k];
			const char *name = fe->path + strlen(dir) + 1;
			if (strchr(name, '/') || !S_ISDIR(fe->mode) || !in_image(pl, fe->path) ||
			    !user_may_write(pl, fe))
				continue;
			const char *prog = program_named(pl, name);
			if (!prog)
				continue;
			writes_add(v, n, alloc, xstrdup(fe->path), false, false,
				   xasprintf("%s writes its %s in %s/NAME by convention", prog,
					     places[i][1], places[i][0]));
		}
	}
}

/* A database file by its name: SQLite and Berkeley DB, mostly. */
static bool looks_database(const char *path)
{
	static const char *const suffixes[] = {".db", ".sqlite", ".sqlite3", ".db3"};
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (has_suffix(path, suffixes[i]))
			return true;
	return false;
}

/* Database and spool files the image ships where the runtime user can write them. */
static void predict_data_files(struct planner *pl, struct write **v, size_t *n, size_t *alloc)
{
	for (size_t i = 0; i < pl->in->fs.n; i++) {
		const struct fs_entry *fe = &pl->in->fs.v[i];
		bool spool = path_within(fe->path, "/var/spool");
		if (!S_ISREG(fe->mode) || !(looks_database(fe->path) || spool) ||
		    !in_image(pl, fe->path) || runtime_mounted(fe->path) ||
		    path_within(fe->path, "/etc"))
			continue;
		bool software = false;
		for (size_t k = 0; k < ARRAY_SIZE(program_roots) && !software; k++)
			software = path_within(fe->path, program_roots[k]);
		if (software || !user_may_write(pl, fe))
			continue;
		writes_add(v, n, alloc, xstrdup(fe->path), false, false,
			   xasprintf("the image ships the %s %s, which %s may write",
				     spool ? "spool file" : "database", fe->path, pl->out->user));
	}
}

/* The name passwd gives uid, or NULL. */
static char *user_name(const char *passwd, unsigned uid)
{
	for (const char *line = passwd; line && *line;) {
		const char *end = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 && strtoul(c2 + 1, NULL, 10) == uid && c2[1] >= '0' && c2[1] <= '9')
			return xstrndup(line, (size_t)(c1 - line));
		line = *end ? end + 1 : end;
	}
	return NULL;
}

/*
 * A server started as root (apache, mariadb, squid) switches to an account
 * of its own to do its work: the directories that account owns and may
 * write are where it will write, even before it has.
 */
static void predict_service_dirs(struct planner *pl, struct write **v, size_t *n, size_t *alloc)
{
	if (pl->out->uid != 0)
		return; /* a non-root user's own directories: add_owned_dirs */
	const char *last = NULL;
	for (size_t i = 0; i < pl->in->fs.n; i++) {
		const struct fs_entry *fe = &pl->in->fs.v[i];
		if (!S_ISDIR(fe->mode) || (last && path_within(fe->path, last)))
			continue;
		if (fe->uid == 0 || !(fe->mode & 0200) || !in_image(pl, fe->path) ||
		    runtime_mounted(fe->path) || path_within(fe->path, "/home") ||
		    path_within(fe->path, "/root") || path_within(fe->path, "/etc"))
			continue;
		bool software = false;
		for (size_t k = 0; k < ARRAY_SIZE(program_roots) && !software; k++)
			software = path_within(fe->path, program_roots[k]);
		if (software)
			continue;
		last = fe->path;
		_cleanup_free_ char *name = user_name(pl->in->passwd, fe->uid);
		writes_add(v, n, alloc, xstrdup(fe->path), false, false,
			   name ? xasprintf("%s (uid %u) owns it, an account a server started as "
					    "root switches to for its work",
					    name, fe->uid)
				: xasprintf("uid %u owns it, an account a server started as root "
					    "switches to for its work",
					    fe->uid));
	}
}

/* Scratch space every program may use: temp files come and go unseen. */
static void predict_scratch(struct planner *pl, struct write **v, size_t *n, size_t *alloc)
{
	static const char *const dirs[] = {"/tmp", "/var/tmp"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		writes_add(v, n, alloc, resolve(pl, dirs[i]), false, false,
			   xasprintf("programs write temporary files in %s, and one made and "
				     "deleted at once never shows in the diff",
				     dirs[i]));
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
		writes_add(&writes, &n, &alloc, resolve(&pl, p), false, false, NULL);
	}
	for (size_t k = 0; k < in->etc_rewritten.n; k++)
		writes_add(&writes, &n, &alloc, xstrdup(in->etc_rewritten.v[k]), false, false,
			   NULL);
	for (size_t k = 0; k < in->evidence.n; k++)
		if (in->evidence.v[k].kind == EVIDENCE_READ_ONLY)
			writes_add(&writes, &n, &alloc, resolve(&pl, in->evidence.v[k].path), false,
				   true, NULL);
	add_owned_dirs(&pl, &writes, &n, &alloc);
	program_names(&pl);
	predict_scratch(&pl, &writes, &n, &alloc);
	predict_conventional_dirs(&pl, &writes, &n, &alloc);
	predict_service_dirs(&pl, &writes, &n, &alloc);
	predict_data_files(&pl, &writes, &n, &alloc);

	/* One write per path; a directory written is covered by writes inside it. */
	if (n)
		qsort(writes, n, sizeof(*writes), write_cmp);
	size_t kept = 0;
	for (size_t k = 0; k < n; k++) {
		if (kept && streq(writes[kept - 1].path, writes[k].path)) {
			struct write *w = &writes[kept - 1];
			/* Seen beats anticipated beats predicted. */
			bool seen = write_seen(w) || write_seen(&writes[k]);
			w->anticipated = !seen && (w->anticipated || writes[k].anticipated);
			if (seen || w->anticipated) {
				free(w->predicted);
				w->predicted = NULL;
			}
			w->from_logs |= writes[k].from_logs;
			free(writes[k].predicted);
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
			/* What was seen here is seen below too. */
			if (write_seen(&writes[k]) && writes[k + 1].predicted) {
				free(writes[k + 1].predicted);
				writes[k + 1].predicted = NULL;
				writes[k + 1].from_logs |= writes[k].from_logs;
			}
			free(writes[k].path);
			free(writes[k].predicted);
			continue;
		}
		writes[kept++] = writes[k];
	}
	n = kept;
	for (size_t k = 0; k < n; k++)
		if (writes[k].predicted)
			out->predicted++;
		else
			out->writes++;

	/* Classify each write; group those with the same base. */
	struct classified *cls = xcalloc(n ? n : 1, sizeof(*cls));
	size_t ncls = 0;
	for (size_t k = 0; k < n; k++) {
		const char *p = writes[k].path;
		if (runtime_mounted(p))
			continue;
		bool predicted = writes[k].predicted != NULL;
		char *cover = covered_by(&pl, p);
		if (cover) {
			if (predicted)
				free(cover); /* nothing to say about a guess already served */
			else
				note_add(&out->covered, &out->n_covered, p, cover);
			continue;
		}
		_cleanup_free_ char *cache = bytecode_cache(p);
		if (cache) {
			note_add(
				&out->notes, &out->n_notes, cache,
				xstrdup("Python's bytecode cache: no mount, Python runs without it "
					"(it compiles in memory what it cannot cache)"));
			continue;
		}
		char *base = NULL, *why = NULL;
		enum target_type t = classify(&pl, &writes[k], &base, &why);
		if (t == TT_SKIP)
			continue;
		if (t == TT_BLOCKED && predicted) {
			/* A guess is no blocker; say what would happen if it came true. */
			_cleanup_free_ char *because = why;
			note_add(&out->notes, &out->n_notes, p,
				 xasprintf("%s; if it is written: %s", writes[k].predicted,
					   because));
			free(base);
			continue;
		}
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
	keep_hidden_dirs(&pl, writes, n);
	amend_from_evidence(&pl);
	free(gwrites);
	free(cls);
	r = 0;
out:
	for (size_t k = 0; k < ng; k++) {
		free(groups[k].base);
		free(groups[k].why_type);
	}
	free(groups);
	for (size_t k = 0; k < n; k++) {
		free(writes[k].path);
		free(writes[k].predicted);
	}
	free(writes);
	strv_release(&pl.names);
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
