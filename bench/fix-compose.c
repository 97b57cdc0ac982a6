/* SPDX-License-Identifier: MIT */
/*
 * bench-fix FILE SERVICE [RUNS]: the time fix_compose() and
 * fix_unified_diff() take on FILE for SERVICE, beside libyaml's event parse
 * of the same bytes (the floor: the editor parses with it too). Used by
 * bench/fix. Prints one line per case: name, median ms, best ms.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "fix.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static size_t parse_only(const char *buf, size_t len)
{
	yaml_parser_t p;
	size_t events = 0;
	if (!yaml_parser_initialize(&p))
		abort();
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev))
			break;
		events++;
		int done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (done)
			break;
	}
	yaml_parser_delete(&p);
	return events;
}

static struct plan_mount mounts[] = {
	{.type = PLAN_TMPFS,
	 .target = (char *)"/run",
	 .options = (char *)"mode=0755,uid=101,gid=101,size=64m"},
	{.type = PLAN_TMPFS, .target = (char *)"/tmp", .options = (char *)"size=64m"},
	{.type = PLAN_VOLUME, .target = (char *)"/var/lib/postgresql/data"},
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE SERVICE [RUNS]\n", argv[0]);
		return 2;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 20;
	if (runs < 1)
		runs = 1;
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	fclose(f);
	struct plan plan = {.mounts = mounts, .n_mounts = ARRAY_SIZE(mounts)};
	double *parse = calloc((size_t)runs, sizeof(double));
	double *fix = calloc((size_t)runs, sizeof(double));
	double *both = calloc((size_t)runs, sizeof(double));
	size_t changes = 0, diff_lines = 0;
	for (int i = 0; i <= runs; i++) { /* run 0 warms up */
		double t0 = now();
		(void)parse_only(sb.buf, sb.len);
		double t1 = now();
		struct fix_edit e;
		struct rl_error err = {0};
		if (fix_compose(sb.buf, sb.len, argv[1], argv[2], &plan, 0, &e, &err) < 0) {
			fprintf(stderr, "bench-fix: %s\n", err.msg);
			return 1;
		}
		double t2 = now();
		char *d = fix_unified_diff(sb.buf, sb.len, e.text, e.len, "compose.yaml");
		double t3 = now();
		if (i) {
			parse[i - 1] = t1 - t0;
			fix[i - 1] = t2 - t1;
			both[i - 1] = t3 - t1;
		}
		changes = e.changes;
		diff_lines = 0;
		for (const char *p = d; (p = strchr(p, '\n')); p++)
			diff_lines++;
		free(d);
		fix_edit_release(&e);
	}
	qsort(parse, (size_t)runs, sizeof(double), cmp_double);
	qsort(fix, (size_t)runs, sizeof(double), cmp_double);
	qsort(both, (size_t)runs, sizeof(double), cmp_double);
	printf("parse-only %.3f %.3f\n", parse[runs / 2], parse[0]);
	printf("fix %.3f %.3f\n", fix[runs / 2], fix[0]);
	printf("fix+diff %.3f %.3f\n", both[runs / 2], both[0]);
	printf("changes %zu diff_lines %zu bytes %zu\n", changes, diff_lines, sb.len);
	free(parse);
	free(fix);
	free(both);
	strbuf_release(&sb);
	return 0;
}
