/* SPDX-License-Identifier: MIT */
/*
 * A container's tree as the engine streams it: whatever tar bytes arrive,
 * reading them and asking the index about its own entries (lookups, the
 * entries below a directory, symlinks followed, loops included) must not
 * crash, leak or hang, and the index must keep its promises.
 */
#include <stdint.h>
#include <string.h>

#include "fsindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the run: libFuzzer keeps the input that broke a promise. */
static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_resolved(const struct fs_index *idx, const char *path)
{
	char *r = fs_index_resolve(idx, path);
	check(r && r[0] == '/');
	char *again = path_normalize(r);
	/* Resolving returns a normalized path. */
	check(strcmp(again, r) == 0);
	free(again);
	free(r);
}

static void exercise(const struct fs_index *idx)
{
	for (size_t i = 0; i < idx->n; i++) {
		const struct fs_entry *fe = &idx->v[i];
		/* Every entry is absolute and normalized, and listed once, in order. */
		check(fe->path[0] == '/');
		char *norm = path_normalize(fe->path);
		check(strcmp(norm, fe->path) == 0);
		free(norm);
		check(path_within(fe->path, "/"));
		check(i == 0 || strcmp(idx->v[i - 1].path, fe->path) < 0);
		check(fs_index_find(idx, fe->path) == fe);

		size_t first = 0, n = fs_index_below(idx, fe->path, &first);
		check(first <= idx->n && n <= idx->n - first);
		for (size_t k = first; k < first + n; k++)
			check(path_within(idx->v[k].path, fe->path) &&
			      strcmp(idx->v[k].path, fe->path) != 0);

		check_resolved(idx, fe->path);
		if (fe->link) {
			/* Where the link points, as a relative or an absolute name. */
			char *target = fe->link[0] == '/'
					       ? xstrdup(fe->link)
					       : xasprintf("%s/../%s", fe->path, fe->link);
			check_resolved(idx, target);
			free(target);
		}
		(void)fs_index_content(idx, fe->path, NULL);
	}
	/* Names the tree may not hold. */
	check_resolved(idx, "/var/run/app.pid");
	check_resolved(idx, "/a/b/../c/./d");
	check(fs_index_find(idx, "/no/such/path") == NULL ||
	      strcmp(fs_index_find(idx, "/no/such/path")->path, "/no/such/path") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const capture[] = {"/etc/passwd", "/etc/hosts", "/a", NULL};
	/* Both the archive of "/" and of a directory, and a limit the input can reach. */
	const char *asked = (size & 1) ? "/var/lib" : "/";
	size_t max_entries = (size & 2) ? 8 : 4096;
	struct fs_index idx = {.capture = capture};
	struct rl_error err = {0};
	if (fs_index_from_tar(data, size, asked, max_entries, &idx, &err) < 0)
		check(err.msg[0] != '\0');
	check(idx.n <= max_entries);
	exercise(&idx);
	fs_index_release(&idx);
	return 0;
}
