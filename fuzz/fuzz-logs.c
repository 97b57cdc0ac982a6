/* SPDX-License-Identifier: MIT */
/*
 * What `try` reads from a clone: its log answer (multiplexed or raw), the
 * evidence in it (EROFS, ENOENT, EACCES, noexec messages), and the /etc files Docker wrote. The
 * input is byte 0        flags: bit 0 TTY, bits 1-7 the files' times bytes 1-2     n,
 * little-endian: the next n bytes are the log answer the rest      hosts, hostname, the expected
 * hostname and the ExtraHosts JSON, separated by NUL bytes
 */
#include <stdint.h>
#include <string.h>

#include "clone.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void find_evidence(const char *text, struct strv *lines, struct plan_evidence_list *paths)
{
	size_t n_lines = 1;
	for (const char *p = text; *p; p++)
		n_lines += *p == '\n';
	size_t before = lines->n;
	logs_find_evidence(text, lines, paths);
	check(lines->n - before <= n_lines);
	for (size_t i = before; i < lines->n; i++)
		check(strlen(lines->v[i]) <= 500 && !strchr(lines->v[i], '\n'));
	for (size_t i = 0; i < paths->n; i++) {
		const char *p = paths->v[i].path;
		size_t len = strlen(p);
		/* Absolute, more than "/", no trailing '/' or '.', each pair once. */
		check(p[0] == '/' && len > 1 && p[len - 1] != '/' && p[len - 1] != '.');
		check(paths->v[i].kind <= EVIDENCE_NOEXEC);
		for (size_t k = i + 1; k < paths->n; k++)
			check(strcmp(p, paths->v[k].path) != 0 ||
			      paths->v[i].kind != paths->v[k].kind);
	}
}

/* The next NUL-separated part of the rest, as an owned string; NULL when none is left. */
static char *next_part(const char **p, const char *end)
{
	if (*p >= end)
		return NULL;
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));
	const char *stop = nul ? nul : end;
	char *part = xstrndup(*p, (size_t)(stop - *p));
	*p = nul ? nul + 1 : end;
	return part;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	unsigned flags = data[0];
	size_t n = (size_t)data[1] | (size_t)data[2] << 8;
	const char *rest = (const char *)data + 3;
	const char *end = (const char *)data + size;
	if (n > (size_t)(end - rest))
		n = (size_t)(end - rest);

	struct strv lines = STRV_INIT;
	struct plan_evidence_list paths = {0};
	for (int tty = 0; tty <= 1; tty++) {
		struct strbuf out = STRBUF_INIT;
		logs_demux(rest, n, tty, &out);
		/* Demultiplexing only ever drops frame headers. */
		check(tty ? out.len == n : out.len <= n);
		find_evidence(strbuf_str(&out), &lines, &paths);
		strbuf_release(&out);
	}

	const char *p = rest + n;
	char *hosts = next_part(&p, end);
	char *hostname = next_part(&p, end);
	char *expect = next_part(&p, end);
	char *extra_text = next_part(&p, end);
	json_t *extra = extra_text ? json_loads(extra_text, JSON_DECODE_ANY, NULL) : NULL;
	/* The /etc files are text too: a path in them is fair game for the log scan. */
	if (hosts)
		find_evidence(hosts, &lines, &paths);

	long long hosts_mtime = (flags >> 1) & 3 ? 1700000000LL : 0;
	long long resolv_mtime = hosts_mtime + (long long)((flags >> 3) & 7);
	struct strv etc = STRV_INIT;
	plan_detect_etc_writes(hosts, hostname, expect, extra, hosts_mtime, resolv_mtime, &etc);
	check(etc.n <= 3);
	for (size_t i = 0; i < etc.n; i++) {
		check(strcmp(etc.v[i], "/etc/hosts") == 0 ||
		      strcmp(etc.v[i], "/etc/hostname") == 0 ||
		      strcmp(etc.v[i], "/etc/resolv.conf") == 0);
		for (size_t k = i + 1; k < etc.n; k++)
			check(strcmp(etc.v[i], etc.v[k]) != 0);
	}
	/* No files, no changes. */
	if (!hosts && !hostname)
		check(etc.n == 0 || (etc.n == 1 && strcmp(etc.v[0], "/etc/resolv.conf") == 0));

	strv_release(&etc);
	json_decref(extra);
	free(extra_text);
	free(expect);
	free(hostname);
	free(hosts);
	plan_evidence_release(&paths);
	strv_release(&lines);
	return 0;
}
