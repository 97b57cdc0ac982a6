/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdatomic.h>
#include <sys/types.h>

#include "engine.h"
#include "error.h"

/*
 * What a container's filesystem holds: one entry per path, read from the
 * tar stream the engine sends for GET /containers/{id}/archive. Plan uses it
 * for owners, modes, symlinks and "does the image already have files here".
 * Entries are sorted by path, so everything under a directory is one range.
 */
struct fs_entry {
	const char *path; /* absolute, no trailing slash; "/" for the root */
	const char *link; /* symlink target, or NULL */
	unsigned uid, gid;
	mode_t mode; /* with the S_IFMT type bits */
	long long size;
	long long mtime;
	const char *content; /* for paths in fs_index.capture only: the bytes, NUL-ended */
	size_t seq;	     /* position in the tar */
};

struct fs_index {
	struct fs_entry *v;
	size_t n, alloc;
	struct strv strings; /* owns every path and link */
	bool truncated;	     /* stopped at max_entries */
	/* Set before loading: regular files (up to 1 MiB) whose bytes to keep. */
	const char *const *capture;
	/* Set before loading: entries counted here, against max_entries, when
	 * several indexes are loaded at once to be merged (NULL: this one's n). */
	atomic_size_t *budget;
	/* Set before loading: stop reading at the first entry below this path
	 * (the tar lists a directory's contents right after it); then stopped. */
	const char *stop_below;
	bool stopped;
	size_t seq_base;	      /* added to seq: keeps merged parts in order */
	unsigned long long tar_bytes; /* archive bytes the engine sent */
	unsigned long long requests;  /* archive GETs and HEADs sent */
};

/* Read the tree at `path` in container `id`; at most max_entries entries. */
int fs_index_load(struct engine *e, const char *id, const char *path, size_t max_entries,
		  struct fs_index *idx, struct rl_error *err);
/* The same from tar bytes in memory, as if they were the archive of `path`. */
int fs_index_from_tar(const void *data, size_t len, const char *path, size_t max_entries,
		      struct fs_index *idx, struct rl_error *err);
void fs_index_release(struct fs_index *idx);
/* Move every entry of src into dst (entries stay sorted); src is emptied. */
void fs_index_merge(struct fs_index *dst, struct fs_index *src);

/* What HEAD .../archive says of one path: no owner, so only where owners do not matter. */
struct fs_stat {
	mode_t mode; /* with the S_IFMT type bits */
	long long size;
	long long mtime;
	char *link; /* symlink: its target, fully resolved in the container; else NULL */
};
/* Stat path in container `id` (RL_ENOTFOUND if it does not exist). */
int container_stat(struct engine *e, const char *id, const char *path, struct fs_stat *st,
		   struct rl_error *err);
/* Add an entry for path as st describes it (owner root); unsorted until merged. */
void fs_index_add_stat(struct fs_index *idx, const char *path, const struct fs_stat *st);
/* Go's os.FileMode, as the engine's stat holds it, as a mode_t. */
mode_t fs_mode_from_go(unsigned long long go_mode);

/* One file's bytes out of a container (GET .../archive of path); at most max. */
int container_read_file(struct engine *e, const char *id, const char *path, size_t max, char **ret,
			long long *mtime, struct rl_error *err);

/* The bytes of a captured file, or NULL. */
const char *fs_index_content(const struct fs_index *idx, const char *path, long long *mtime);

/* The entry for an exact path, or NULL. */
const struct fs_entry *fs_index_find(const struct fs_index *idx, const char *path);
/* The entries strictly below directory dir: *first is the index of the first. */
size_t fs_index_below(const struct fs_index *idx, const char *dir, size_t *first);
/*
 * path with every symlink in it followed (at most 40), as the kernel would
 * inside the container. Paths that do not exist are returned as far as they
 * resolve. Returns an owned string.
 */
char *fs_index_resolve(const struct fs_index *idx, const char *path);

/* Normalize an absolute path: collapse "//", "/./", "/../"; no trailing '/'. */
char *path_normalize(const char *path);
/* strcmp, but '/' sorts first, so a directory is followed by its contents. */
int path_cmp(const char *a, const char *b);
/* Is path equal to dir or below it? */
bool path_within(const char *path, const char *dir);
