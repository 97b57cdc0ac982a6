/* SPDX-License-Identifier: MIT */
/*
 * A scratch directory for unit tests that read files: made under $TMPDIR
 * (or /tmp), filled with scratch_put(), removed with all it holds. Include
 * it after cmocka.h, in a file that defines _GNU_SOURCE first.
 */
#pragma once

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* dir[PATH_MAX] becomes a new directory named after what; -1 if it cannot. */
static inline int scratch_dir_make(char *dir, const char *what)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, PATH_MAX, "%s/rootlock-%s-XXXXXX", tmp ? tmp : "/tmp", what);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int scratch_rm_entry(const char *path, const struct stat *st, int flag,
				   struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void scratch_dir_remove(const char *dir)
{
	nftw(dir, scratch_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write dir/rel with text, making the directories it names below dir. */
static inline void scratch_put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	FILE *fp = fopen(path, "w");
	if (!fp)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(text, fp);
	fclose(fp);
	free(path);
}
