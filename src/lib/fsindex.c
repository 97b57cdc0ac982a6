/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "fsindex.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

char *path_normalize(const char *path)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = path;
	strbuf_addch(&out, '/');
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out.buf, '/');
			out.len = slash == out.buf ? 1 : (size_t)(slash - out.buf);
			out.buf[out.len] = '\0';
		} else {
			if (out.len > 1)
				strbuf_addch(&out, '/');
			strbuf_add(&out, p, len);
		}
		p = end;
	}
	return strbuf_detach(&out);
}

bool path_within(const char *path, const char *dir)
{
	if (streq(dir, "/"))
		return path[0] == '/';
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = *a == '/' ? 1 : (unsigned char)*a;
		unsigned char y = *b == '/' ? 1 : (unsigned char)*b;
		if (x != y || !x)
			return x - y;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fs_entry *)a)->path, ((const struct fs_entry *)b)->path);
}

/* Equal paths keep the order the tar listed them in. */
static int entry_seq_cmp(const void *a, const void *b)
{
	const struct fs_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

void fs_index_release(struct fs_index *idx)
{
	free(idx->v);
	strv_release(&idx->strings);
	memset(idx, 0, sizeof(*idx));
}

/* The tar names an entry relative to the basename of the path asked for. */
static char *entry_path(const char *asked, const char *name)
{
	_cleanup_free_ char *joined = NULL;
	if (streq(asked, "/")) {
		joined = xasprintf("/%s", name);
	} else {
		_cleanup_free_ char *dir = xstrdup(asked);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		joined = xasprintf("%s/%s", dir, name);
	}
	return path_normalize(joined);
}

#define CAPTURE_MAX (1 << 20)

static bool wanted(const struct fs_index *idx, const char *path)
{
	for (const char *const *c = idx->capture; c && *c; c++)
		if (streq(*c, path))
			return true;
	return false;
}

struct reader {
	struct archive *a;
	const char *asked;
	size_t max_entries;
	struct fs_index *idx;
	struct rl_error err;
	int rc;
};

static void read_entries(struct reader *r)
{
	struct archive_entry *entry;
	int ar;
	while ((ar = archive_read_next_header(r->a, &entry)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
		size_t count = r->idx->budget ? atomic_fetch_add(r->idx->budget, 1) : r->idx->n;
		if (count >= r->max_entries) {
			r->idx->truncated = true;
			break;
		}
		const char *name = archive_entry_pathname(entry);
		if (!name)
			continue;
		struct fs_index *idx = r->idx;
		char *path = entry_path(r->asked, name);
		if (idx->stop_below && path_within(path, idx->stop_below) &&
		    !streq(path, idx->stop_below)) {
			free(path);
			idx->stopped = true;
			break;
		}
		if (idx->n == idx->alloc) {
			idx->alloc = idx->alloc ? 2 * idx->alloc : 256;
			idx->v = xrealloc(idx->v, idx->alloc * sizeof(*idx->v));
		}
		struct fs_entry *fe = &idx->v[idx->n++];
		strv_push(&idx->strings, path);
		fe->path = path;
		fe->link = NULL;
		const char *link = archive_entry_symlink(entry);
		if (link) {
			strv_add(&idx->strings, link);
			fe->link = idx->strings.v[idx->strings.n - 1];
		}
		fe->uid = (unsigned)archive_entry_uid(entry);
		fe->gid = (unsigned)archive_entry_gid(entry);
		fe->mode = archive_entry_mode(entry);
		fe->size = archive_entry_size(entry);
		fe->mtime = (long long)archive_entry_mtime(entry);
		fe->seq = idx->seq_base + idx->n;
		fe->content = NULL;
		if (S_ISREG(fe->mode) && fe->size <= CAPTURE_MAX && wanted(idx, path)) {
			struct strbuf data = STRBUF_INIT;
			char chunk[8192];
			la_ssize_t got;
			while ((got = archive_read_data(r->a, chunk, sizeof(chunk))) > 0)
				strbuf_add(&data, chunk, (size_t)got);
			strv_push(&idx->strings, strbuf_detach(&data));
			fe->content = idx->strings.v[idx->strings.n - 1];
			continue;
		}
		archive_read_data_skip(r->a);
	}
	if (ar != ARCHIVE_EOF && ar != ARCHIVE_OK && ar != ARCHIVE_WARN && !r->idx->truncated) {
		const char *why = archive_error_string(r->a);
		r->rc = rl_error_set(&r->err, RL_EPARSE,
				     "the archive of %s is not a valid tar (%s)", r->asked,
				     why ? why : "unknown error");
	}
}

static void finish(struct fs_index *idx)
{
	if (idx->n)
		qsort(idx->v, idx->n, sizeof(*idx->v), entry_seq_cmp);
	/* A path listed twice keeps its last entry. */
	size_t w = 0;
	for (size_t i = 0; i < idx->n; i++) {
		if (w > 0 && streq(idx->v[w - 1].path, idx->v[i].path))
			w--;
		idx->v[w++] = idx->v[i];
	}
	idx->n = w;
}

static struct archive *new_reader(void)
{
	struct archive *a = archive_read_new();
	if (!a)
		die_oom();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	return a;
}

int fs_index_from_tar(const void *data, size_t len, const char *path, size_t max_entries,
		      struct fs_index *idx, struct rl_error *err)
{
	struct reader r = {
		.a = new_reader(), .asked = path, .max_entries = max_entries, .idx = idx};
	if (archive_read_open_memory(r.a, data, len) != ARCHIVE_OK) {
		r.rc = rl_error_set(&r.err, RL_EPARSE, "the archive of %s is not a valid tar",
				    path);
	} else {
		read_entries(&r);
	}
	archive_read_free(r.a);
	finish(idx);
	if (r.rc < 0)
		*err = r.err;
	return r.rc;
}

/*
 * libarchive pulls, libcurl pushes: the answer is written into one end of a
 * socket pair while a thread reads the tar from the other, so a whole
 * container filesystem streams through in constant memory.
 */
struct pump {
	int fd;
	bool reader_gone;
	unsigned long long bytes;
};

static bool pump_sink(const char *data, size_t len, void *userdata, struct rl_error *err)
{
	struct pump *p = userdata;
	p->bytes += len;
	while (len > 0) {
		ssize_t w = send(p->fd, data, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* The reader stopped (limit reached or bad tar): it says why. */
			p->reader_gone = true;
			rl_error_set(err, RL_EPARSE, "the archive reader stopped");
			return false;
		}
		data += w;
		len -= (size_t)w;
	}
	return true;
}

struct threaded_reader {
	struct reader r;
	int fd;
};

static void *reader_main(void *arg)
{
	struct threaded_reader *t = arg;
	/* Opening already reads (to sniff compression), so it happens here too. */
	if (archive_read_open_fd(t->r.a, t->fd, 64 * 1024) != ARCHIVE_OK)
		t->r.rc = rl_error_set(&t->r.err, RL_EPARSE, "the archive of %s is not a valid tar",
				       t->r.asked);
	else
		read_entries(&t->r);
	/* Unblock the writer if we stopped early. */
	shutdown(t->fd, SHUT_RD);
	return NULL;
}

int fs_index_load(struct engine *e, const char *id, const char *path, size_t max_entries,
		  struct fs_index *idx, struct rl_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return rl_error_set(err, RL_EIO, "cannot create a socket pair: %s",
				    strerror(errno));
	struct threaded_reader t = {
		.r = {.a = new_reader(), .asked = path, .max_entries = max_entries, .idx = idx},
		.fd = sv[1],
	};
	struct reader *rd = &t.r;
	pthread_t thread;
	if (pthread_create(&thread, NULL, reader_main, &t) != 0) {
		archive_read_free(rd->a);
		close(sv[0]);
		close(sv[1]);
		return rl_error_set(err, RL_EIO, "cannot start a reader thread");
	}
	_cleanup_free_ char *escaped = url_escape(path);
	_cleanup_free_ char *url = xasprintf("/containers/%s/archive?path=%s", id, escaped);
	struct pump p = {.fd = sv[0]};
	struct rl_error get_err = {0};
	int rc = engine_get_stream(e, url, pump_sink, &p, &get_err);
	idx->tar_bytes += p.bytes;
	idx->requests++;
	/* EOF for the reader: it finishes what it has. */
	shutdown(sv[0], SHUT_WR);
	pthread_join(thread, NULL);
	close(sv[0]);
	archive_read_free(rd->a);
	close(sv[1]);
	finish(idx);
	if (rc < 0 && !(p.reader_gone && rd->rc == 0)) {
		*err = get_err;
		return rc;
	}
	if (rd->rc < 0) {
		*err = rd->err;
		return rd->rc;
	}
	return 0;
}

void fs_index_merge(struct fs_index *dst, struct fs_index *src)
{
	if (dst->n + src->n > dst->alloc) {
		dst->alloc = dst->n + src->n;
		dst->v = xrealloc(dst->v, dst->alloc * sizeof(*dst->v));
	}
	/* An empty part has no array at all: memcpy must not see its NULL. */
	if (src->n)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	/* The strings move as they are: the entries point into them. */
	for (size_t i = 0; i < src->strings.n; i++)
		strv_push(&dst->strings, src->strings.v[i]);
	free(src->strings.v);
	src->strings = (struct strv)STRV_INIT;
	dst->truncated |= src->truncated;
	dst->tar_bytes += src->tar_bytes;
	dst->requests += src->requests;
	free(src->v);
	src->v = NULL;
	src->n = src->alloc = 0;
	finish(dst);
}

mode_t fs_mode_from_go(unsigned long long go_mode)
{
	/* Go keeps the file type and the set-id and sticky bits in the top bits. */
	static const struct {
		unsigned bit;
		mode_t mode;
	} bits[] = {
		{31, S_IFDIR}, {27, S_IFLNK}, {25, S_IFIFO}, {24, S_IFSOCK},
		{23, S_ISUID}, {22, S_ISGID}, {20, S_ISVTX},
	};
	mode_t mode = (mode_t)(go_mode & 0777);
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
		if (go_mode & (1ULL << bits[i].bit))
			mode |= bits[i].mode;
	if (go_mode & (1ULL << 26)) /* a device: a character one when bit 21 says so */
		mode |= go_mode & (1ULL << 21) ? S_IFCHR : S_IFBLK;
	if (!(mode & S_IFMT))
		mode |= S_IFREG;
	return mode;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64, padding optional; NULL if it is not base64. */
static char *b64_text(const char *s)
{
	struct strbuf out = STRBUF_INIT;
	unsigned acc = 0;
	int bits = 0;
	for (; *s && *s != '='; s++) {
		int v = b64_value(*s);
		if (v < 0) {
			strbuf_release(&out);
			return NULL;
		}
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(&out, (char)(acc >> bits & 0xff));
		}
	}
	return strbuf_detach(&out);
}

int container_stat(struct engine *e, const char *id, const char *path, struct fs_stat *st,
		   struct rl_error *err)
{
	_cleanup_free_ char *escaped = url_escape(path);
	_cleanup_free_ char *url = xasprintf("/containers/%s/archive?path=%s", id, escaped);
	_cleanup_free_ char *header = NULL;
	int r = engine_head(e, url, "X-Docker-Container-Path-Stat", &header, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = header ? b64_text(header) : NULL;
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	json_t *mode = json_object_get(o, "mode");
	if (!json_is_integer(mode)) {
		json_decref(o);
		return rl_error_set(err, RL_EENGINE,
				    "the engine's answer to HEAD %s has no readable "
				    "X-Docker-Container-Path-Stat",
				    url);
	}
	*st = (struct fs_stat){
		.mode = fs_mode_from_go((unsigned long long)json_integer_value(mode)),
		.size = (long long)json_integer_value(json_object_get(o, "size")),
	};
	/* "2024-05-01T10:00:00.5+02:00": seconds, and the zone the engine wrote it in. */
	const char *mtime = json_string_value(json_object_get(o, "mtime"));
	struct tm tm = {0};
	const char *rest = mtime ? strptime(mtime, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (rest) {
		long long t = (long long)timegm(&tm);
		rest += strspn(rest, ".0123456789");
		int hh = 0, mm = 0;
		if ((*rest == '+' || *rest == '-') && sscanf(rest + 1, "%d:%d", &hh, &mm) == 2)
			t -= (*rest == '+' ? 1 : -1) * (hh * 3600LL + mm * 60LL);
		st->mtime = t;
	}
	const char *link = json_string_value(json_object_get(o, "linkTarget"));
	if (S_ISLNK(st->mode) && link && *link)
		st->link = xstrdup(link);
	json_decref(o);
	return 0;
}

void fs_index_add_stat(struct fs_index *idx, const char *path, const struct fs_stat *st)
{
	if (idx->n == idx->alloc) {
		idx->alloc = idx->alloc ? 2 * idx->alloc : 256;
		idx->v = xrealloc(idx->v, idx->alloc * sizeof(*idx->v));
	}
	char *owned = path_normalize(path);
	strv_push(&idx->strings, owned);
	const char *link = NULL;
	if (st->link) {
		strv_add(&idx->strings, st->link);
		link = idx->strings.v[idx->strings.n - 1];
	}
	idx->v[idx->n] = (struct fs_entry){.path = owned,
					   .link = link,
					   .mode = st->mode,
					   .size = st->size,
					   .mtime = st->mtime,
					   .seq = idx->seq_base + idx->n + 1};
	idx->n++;
}

const struct fs_entry *fs_index_find(const struct fs_index *idx, const char *path)
{
	struct fs_entry key = {.path = path};
	if (!idx->n)
		return NULL;
	return bsearch(&key, idx->v, idx->n, sizeof(*idx->v), entry_cmp);
}

size_t fs_index_below(const struct fs_index *idx, const char *dir, size_t *first)
{
	_cleanup_free_ char *prefix = streq(dir, "/") ? xstrdup("/") : xasprintf("%s/", dir);
	size_t plen = strlen(prefix);
	size_t lo = 0, hi = idx->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(idx->v[mid].path, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t i = lo;
	while (i < idx->n && strncmp(idx->v[i].path, prefix, plen) == 0)
		i++;
	/* The root "/" is not below itself. */
	if (lo < i && streq(idx->v[lo].path, "/"))
		lo++;
	*first = lo;
	return i - lo;
}

char *fs_index_resolve(const struct fs_index *idx, const char *path)
{
	_cleanup_free_ char *todo = path_normalize(path);
	for (int hops = 0; hops < 40; hops++) {
		/* Find the first component, from the left, that is a symlink. */
		bool followed = false;
		for (char *p = todo + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			const struct fs_entry *fe = fs_index_find(idx, todo);
			if (fe && fe->link && S_ISLNK(fe->mode)) {
				_cleanup_free_ char *dir = xstrdup(todo);
				*strrchr(dir, '/') = '\0';
				*p = saved;
				_cleanup_free_ char *joined =
					fe->link[0] == '/' ? xasprintf("%s%s", fe->link, p)
							   : xasprintf("%s/%s%s", dir, fe->link, p);
				free(todo);
				todo = path_normalize(joined);
				followed = true;
				break;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
		if (!followed)
			break;
	}
	return steal_pointer(&todo);
}

const char *fs_index_content(const struct fs_index *idx, const char *path, long long *mtime)
{
	const struct fs_entry *fe = fs_index_find(idx, path);
	if (!fe || !fe->content)
		return NULL;
	if (mtime)
		*mtime = fe->mtime;
	return fe->content;
}

int container_read_file(struct engine *e, const char *id, const char *path, size_t max, char **ret,
			long long *mtime, struct rl_error *err)
{
	_cleanup_free_ char *escaped = url_escape(path);
	_cleanup_free_ char *url = xasprintf("/containers/%s/archive?path=%s", id, escaped);
	/* The file and its tar header and padding. */
	struct engine_buffer c = {.max = max + 4096};
	int r = engine_get_stream(e, url, engine_buffer_sink, &c, err);
	if (r < 0) {
		strbuf_release(&c.buf);
		return r;
	}
	struct archive *a = new_reader();
	struct archive_entry *entry;
	r = rl_error_set(err, RL_EPARSE, "the engine's archive of %s holds no file", path);
	if (archive_read_open_memory(a, c.buf.buf, c.buf.len) == ARCHIVE_OK &&
	    archive_read_next_header(a, &entry) == ARCHIVE_OK) {
		struct strbuf content = STRBUF_INIT;
		char chunk[8192];
		la_ssize_t got;
		while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0 && content.len < max)
			strbuf_add(&content, chunk, (size_t)got);
		if (mtime)
			*mtime = (long long)archive_entry_mtime(entry);
		*ret = strbuf_detach(&content);
		rl_error_clear(err);
		r = 0;
	}
	archive_read_free(a);
	strbuf_release(&c.buf);
	return r;
}
