/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fix.h"

void fix_files_release(struct fix_files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].path);
		free(fs->v[i].shown);
		free(fs->v[i].old);
		free(fs->v[i].text);
	}
	free(fs->v);
	*fs = (struct fix_files){0};
}

char *fix_relative_path(const char *cwd, const char *abs)
{
	if (streq(cwd, "/"))
		return xstrdup(abs + 1);
	if (str_startswith(abs, cwd) && abs[strlen(cwd)] == '/')
		return xstrdup(abs + strlen(cwd) + 1);
	/* Up from cwd to the last directory both share, then down. */
	size_t common = 0;
	for (size_t i = 0; cwd[i] && cwd[i] == abs[i]; i++)
		if (cwd[i] == '/')
			common = i;
	struct strbuf sb = STRBUF_INIT;
	for (const char *c = cwd + common; *c; c++)
		if (*c == '/')
			strbuf_addstr(&sb, "../");
	strbuf_addstr(&sb, abs + common + 1);
	return strbuf_detach(&sb);
}

/* path as the diff names it: relative to the current directory. */
static char *shown_path(const char *path)
{
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	_cleanup_free_ char *real_dir = realpath(*dir ? dir : "/", NULL);
	if (!real_dir || !cwd)
		return xstrdup(path);
	_cleanup_free_ char *abs =
		xasprintf("%s/%s", streq(real_dir, "/") ? "" : real_dir, slash ? slash + 1 : path);
	return fix_relative_path(cwd, abs);
}

struct fix_file *fix_files_get(struct fix_files *fs, const char *path, bool missing_ok,
			       struct rl_error *err)
{
	for (size_t i = 0; i < fs->n; i++)
		if (streq(fs->v[i].path, path))
			return &fs->v[i];
	struct fix_file f = {.path = xstrdup(path)};
	if (stat(path, &f.st) < 0) {
		int e = errno;
		if (!(missing_ok && e == ENOENT)) {
			free(f.path);
			rl_error_set(err, RL_EIO, "cannot read '%s': %s", path, strerror(e));
			return NULL;
		}
		f.st.st_mode = 0;
	} else {
		if (!S_ISREG(f.st.st_mode)) {
			free(f.path);
			rl_error_set(err, RL_EIO, "'%s' is not a regular file", path);
			return NULL;
		}
		struct strbuf sb = STRBUF_INIT;
		if (read_file_limited(path, FIX_MAX_FILE, &sb, err) < 0) {
			strbuf_release(&sb);
			free(f.path);
			return NULL;
		}
		f.old_len = sb.len;
		f.old = sb.buf ? strbuf_detach(&sb) : xstrdup("");
		f.text = xstrndup(f.old, f.old_len);
		f.len = f.old_len;
	}
	f.shown = shown_path(path);
	fs->v = xrealloc(fs->v, (fs->n + 1) * sizeof(*fs->v));
	fs->v[fs->n] = f;
	return &fs->v[fs->n++];
}

void fix_file_take(struct fix_file *f, struct fix_edit *e)
{
	free(f->text);
	f->text = steal_pointer(&e->text);
	f->len = e->len;
	f->changes += e->changes;
}

/* --- writing ----------------------------------------------------------------- */

struct pending {
	char *tmp;    /* the new text, complete and synced, beside the file */
	char *target; /* what it replaces: the file, or a symlink's target */
};
/* Write f's text into a temp file beside where it goes; nothing replaced yet. */
static int write_temp(const struct fix_file *f, struct pending *p, struct rl_error *err)
{
	bool exists = f->old != NULL;
	p->target = exists ? realpath(f->path, NULL) : xstrdup(f->path);
	if (!p->target)
		return rl_error_set(err, RL_EIO, "cannot resolve '%s': %s", f->path,
				    strerror(errno));
	if (exists && (access(p->target, W_OK) < 0 || !(f->st.st_mode & 0222)))
		return rl_error_set(err, RL_EIO,
				    "'%s' is not writable (mode %04o): nothing written; make it "
				    "writable or apply the diff yourself",
				    f->path, (unsigned)(f->st.st_mode & 07777));
	const char *slash = strrchr(p->target, '/');
	_cleanup_free_ char *dir =
		slash ? xstrndup(p->target, (size_t)(slash - p->target)) : xstrdup(".");
	if (!*dir) {
		free(dir);
		dir = xstrdup("/");
	}
	if (!exists && mkdir(dir, 0755) < 0 && errno != EEXIST)
		return rl_error_set(err, RL_EIO, "cannot make '%s': %s", dir, strerror(errno));
	p->tmp = xasprintf("%s/.%s.rootlock-XXXXXX", dir, slash ? slash + 1 : p->target);
	int fd = mkstemp(p->tmp);
	if (fd < 0) {
		int e = errno;
		free(p->tmp);
		p->tmp = NULL;
		return rl_error_set(err, RL_EIO, "cannot write in '%s': %s; nothing written", dir,
				    strerror(e));
	}
	int r = 0;
	for (size_t off = 0; off < f->len && r == 0;) {
		ssize_t n = write(fd, f->text + off, f->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = rl_error_set(err, RL_EIO, "cannot write '%s': %s", p->tmp,
					 strerror(errno));
		else
			off += (size_t)n;
	}
	mode_t mode = exists ? (f->st.st_mode & 07777) : 0644;
	if (r == 0 && fchmod(fd, mode) < 0)
		r = rl_error_set(err, RL_EIO, "cannot set the mode of '%s': %s", p->tmp,
				 strerror(errno));
	/* The owner is kept; only root may give a file away, and then it must. */
	if (r == 0 && exists && fchown(fd, f->st.st_uid, f->st.st_gid) < 0 &&
	    (f->st.st_uid != geteuid() || errno != EPERM))
		r = rl_error_set(err, RL_EIO, "cannot keep the owner of '%s' (uid %u): %s", f->path,
				 (unsigned)f->st.st_uid, strerror(errno));
	if (r == 0 && fsync(fd) < 0)
		r = rl_error_set(err, RL_EIO, "cannot sync '%s': %s", p->tmp, strerror(errno));
	close(fd);
	return r;
}

/* Is the file still what was read? Checked just before it is replaced. */
static int unchanged_since_read(const struct fix_file *f, const struct pending *p,
				struct rl_error *err)
{
	struct strbuf now = STRBUF_INIT;
	struct rl_error rerr = {0};
	int r = 0;
	if (!f->old) {
		if (access(p->target, F_OK) == 0)
			r = rl_error_set(err, RL_EIO,
					 "'%s' appeared after fix looked; nothing written: run fix "
					 "again",
					 f->path);
	} else if (read_file_limited(p->target, FIX_MAX_FILE, &now, &rerr) < 0) {
		r = rl_error_set(err, RL_EIO,
				 "'%s' changed after it was read (%s); nothing written", f->path,
				 rerr.msg);
	} else if (now.len != f->old_len || (now.len && memcmp(now.buf, f->old, now.len) != 0)) {
		r = rl_error_set(err, RL_EIO,
				 "'%s' changed after it was read; nothing written: run fix again",
				 f->path);
	}
	strbuf_release(&now);
	return r;
}

static void sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	_cleanup_close_ int fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
}

int fix_files_write(struct fix_files *fs, struct rl_error *err)
{
	struct pending *p = xcalloc(fs->n ? fs->n : 1, sizeof(*p));
	int r = 0;
	for (size_t i = 0; i < fs->n && r == 0; i++)
		if (fs->v[i].changes)
			r = write_temp(&fs->v[i], &p[i], err);
	for (size_t i = 0; i < fs->n && r == 0; i++)
		if (fs->v[i].changes)
			r = unchanged_since_read(&fs->v[i], &p[i], err);
	for (size_t i = 0; i < fs->n && r == 0; i++) {
		if (!fs->v[i].changes)
			continue;
		if (rename(p[i].tmp, p[i].target) < 0) {
			r = rl_error_set(err, RL_EIO, "cannot replace '%s': %s", fs->v[i].path,
					 strerror(errno));
			break;
		}
		free(p[i].tmp);
		p[i].tmp = NULL;
		sync_dir_of(p[i].target);
		fs->v[i].written = true;
	}
	for (size_t i = 0; i < fs->n; i++) {
		if (p[i].tmp)
			unlink(p[i].tmp);
		free(p[i].tmp);
		free(p[i].target);
	}
	free(p);
	return r;
}
