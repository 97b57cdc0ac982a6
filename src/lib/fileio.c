/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Make room for at least 4 KiB more, and the NUL. */
static size_t room_for_more(struct strbuf *sb)
{
	if (sb->alloc - sb->len < 4096)
		strbuf_grow(sb, 65536);
	return sb->alloc - sb->len - 1;
}

static int too_large(const char *path, size_t max, struct rl_error *err)
{
	return rl_error_set(err, RL_EIO, "'%s' is larger than %zu bytes", path, max);
}

/* Standard input, through stdio like anything else that may read it. */
static int read_stdin(size_t max, struct strbuf *sb, struct rl_error *err)
{
	for (;;) {
		size_t room = room_for_more(sb);
		size_t n = fread(sb->buf + sb->len, 1, room, stdin);
		sb->len += n;
		sb->buf[sb->len] = '\0';
		if (sb->len > max)
			return too_large("-", max, err);
		if (n < room)
			break;
	}
	if (ferror(stdin))
		return rl_error_set(err, RL_EIO, "cannot read '-': %s", strerror(errno));
	return 0;
}

int read_file_limited(const char *path, size_t max, struct strbuf *sb, struct rl_error *err)
{
	if (streq(path, "-"))
		return read_stdin(max, sb, err);
	/* Plain open() and read(): lint reads thousands of files, stdio's buffer is a copy too
	 * many. */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rl_error_set(err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
	/* A regular file's size is known: refuse a huge one unread, size the buffer once. */
	struct stat st;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (regular) {
		if ((unsigned long long)st.st_size > max)
			return too_large(path, max, err);
		if (!sb->buf) {
			/* Exactly the size (and room to see EOF), not the next power of two. */
			sb->alloc = (size_t)st.st_size + 2;
			sb->buf = xmalloc(sb->alloc);
			sb->buf[0] = '\0';
		}
	}
	for (;;) {
		size_t room = room_for_more(sb);
		ssize_t n = read(fd, sb->buf + sb->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rl_error_set(err, RL_EIO, "cannot read '%s': %s", path,
					    strerror(errno));
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
		if (sb->len > max)
			return too_large(path, max, err);
		/* A regular file reads short only at its end; a pipe may at any time. */
		if (n == 0 || (regular && (size_t)n < room))
			break;
	}
	return 0;
}

/* "-" is stdout, as "-" is stdin where a command reads a file. */
static bool is_stdout(const char *path)
{
	return !path || streq(path, "-");
}

FILE *output_open(const char *path, char **tmp_path)
{
	if (is_stdout(path))
		return stdout;
	*tmp_path = xasprintf("%s.tmp", path);
	return fopen(*tmp_path, "w");
}

int output_close(FILE *out, const char *path, const char *tmp_path)
{
	if (is_stdout(path))
		return fflush(out) == 0 && !ferror(out) ? 0 : -1;
	bool ok = !ferror(out);
	int saved = ok ? 0 : EIO;
	if (fclose(out) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp_path, path) == 0)
		return 0;
	if (ok)
		saved = errno;
	unlink(tmp_path);
	errno = saved;
	return -1;
}

void output_discard(FILE *out, const char *path, const char *tmp_path)
{
	if (is_stdout(path)) {
		fflush(out);
		return;
	}
	fclose(out);
	unlink(tmp_path);
}
