/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <string.h>

int read_file_limited(const char *path, size_t max, struct strbuf *sb, struct rl_error *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	bool is_stdin = streq(path, "-");
	if (!is_stdin && !(f = fopen(path, "rb")))
		return rl_error_set(err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
	FILE *in = is_stdin ? stdin : f;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (sb->len + n > max)
			return rl_error_set(err, RL_EIO, "'%s' is larger than %zu bytes", path,
					    max);
		strbuf_add(sb, buf, n);
	}
	if (ferror(in))
		return rl_error_set(err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
	if (!sb->buf)
		strbuf_grow(sb, 0);
	return 0;
}
