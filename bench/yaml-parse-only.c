/* SPDX-License-Identifier: MIT */
/*
 * yaml-parse-only PATH...: the limit for `rootlock lint`, used by bench/lint.
 *
 * It walks the same trees (recursively, .git skipped, symbolic links not
 * followed), reads every .yaml/.yml/.json file whole and runs libyaml's
 * event parser over all of it, and does nothing else: no tree, no checks,
 * no report. A linter built on libyaml cannot read a tree faster than this,
 * so rootlock's throughput is judged as a share of it.
 *
 * Prints one line: files=N bytes=N events=N errors=N. A file libyaml rejects
 * counts as an error and the walk goes on, as rootlock's does.
 *
 * Built by bench/lint: cc -O2 yaml-parse-only.c $(pkg-config --cflags --libs yaml-0.1)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static unsigned long long n_files, n_bytes, n_events, n_errors;

/* One buffer for every file, grown to the largest: reading is not what we measure. */
static unsigned char *buf;
static size_t buf_cap;

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int is_yaml_name(const char *name)
{
	return has_suffix(name, ".yaml") || has_suffix(name, ".yml") || has_suffix(name, ".json");
}

static int read_whole(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	for (;;) {
		if (n == buf_cap) {
			buf_cap = buf_cap ? buf_cap * 2 : 1 << 16;
			buf = realloc(buf, buf_cap);
			if (!buf) {
				perror("realloc");
				exit(1);
			}
		}
		ssize_t r = read(fd, buf + n, buf_cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return 0;
}

static void parse_file(const char *path)
{
	size_t len;
	if (read_whole(path, &len) < 0) {
		fprintf(stderr, "yaml-parse-only: %s: %s\n", path, strerror(errno));
		n_errors++;
		return;
	}
	n_files++;
	n_bytes += len;

	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		fputs("yaml-parse-only: out of memory\n", stderr);
		exit(1);
	}
	yaml_parser_set_input_string(&parser, buf, len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			n_errors++;
			break;
		}
		n_events++;
		int done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (done)
			break;
	}
	yaml_parser_delete(&parser);
}

static void walk(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "yaml-parse-only: %s: %s\n", path, strerror(errno));
		n_errors++;
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git"))
			continue;
		char *child;
		if (asprintf(&child, "%s/%s", path, name) < 0) {
			perror("asprintf");
			exit(1);
		}
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			type = lstat(child, &st) < 0 ? DT_UNKNOWN
			       : S_ISDIR(st.st_mode) ? DT_DIR
			       : S_ISREG(st.st_mode) ? DT_REG
						     : DT_UNKNOWN;
		}
		if (type == DT_DIR)
			walk(child);
		else if (type == DT_REG && is_yaml_name(name))
			parse_file(child);
		free(child);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			walk(argv[i]);
		else
			parse_file(argv[i]);
	}
	printf("files=%llu bytes=%llu events=%llu errors=%llu\n", n_files, n_bytes, n_events,
	       n_errors);
	free(buf);
	return 0;
}
