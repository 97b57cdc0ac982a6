/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int read_file_limited(const char *path, size_t max, struct strbuf *sb, struct rl_error *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	bool is_stdin = streq(path, "-");
	if (!is_stdin && !(f = fopen(path, "rb")))
		return rl_error_set(err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
	FILE *in = is_stdin ? stdin : f;
	/* A regular file's size is known: refuse a huge one unread, size the buffer once. */
	struct stat st;
	if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > max)
			return rl_error_set(err, RL_EIO, "'%s' is larger than %zu bytes", path,
					    max);
		if (!sb->buf) {
			/* Exactly the size (and room to see EOF), not the next power of two. */
			sb->alloc = (size_t)st.st_size + 2;
			sb->buf = xmalloc(sb->alloc);
			sb->buf[0] = '\0';
		}
	}
	for (;;) {
		if (sb->alloc - sb->len < 4096)
			strbuf_grow(sb, 65536);
		size_t room = sb->alloc - sb->len - 1;
		size_t n = fread(sb->buf + sb->len, 1, room, in);
		sb->len += n;
		sb->buf[sb->len] = '\0';
		if (sb->len > max)
			return rl_error_set(err, RL_EIO, "'%s' is larger than %zu bytes", path,
					    max);
		if (n < room)
			break;
	}
	if (ferror(in))
		return rl_error_set(err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
	return 0;
}
