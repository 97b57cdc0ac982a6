/* SPDX-License-Identifier: MIT */
#include "workload.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

void workload_init(struct workload *w)
{
	memset(w, 0, sizeof(*w));
}

static void origin_release(struct origin *o)
{
	free(o->compose_project);
	free(o->compose_service);
	free(o->compose_files);
	free(o->compose_workdir);
	free(o->file);
	free(o->workload);
	free(o->container);
}

void workload_release(struct workload *w)
{
	if (!w)
		return;
	free(w->id);
	free(w->name);
	free(w->image);
	free(w->state);
	for (size_t i = 0; i < w->n_mounts; i++) {
		free(w->mounts[i].target);
		free(w->mounts[i].source);
	}
	free(w->mounts);
	free(w->exempt_reason);
	free(w->privileged_exec);
	free(w->engine_data_root);
	free(w->engine_socket);
	origin_release(&w->origin);
	strv_release(&w->notes);
	workload_init(w);
}

void workload_add_mount(struct workload *w, const struct mount *m)
{
	w->mounts = xrealloc(w->mounts, (w->n_mounts + 1) * sizeof(*w->mounts));
	struct mount *dst = &w->mounts[w->n_mounts++];
	*dst = *m;
	dst->target = xstrdup(m->target);
	dst->source = m->source ? xstrdup(m->source) : NULL;
}

const char *mount_kind_name(enum mount_kind k)
{
	static const char *const names[MOUNT_KIND_MAX] = {
		[MOUNT_TMPFS] = "tmpfs",
		[MOUNT_VOLUME] = "volume",
		[MOUNT_ANONYMOUS] = "anonymous volume",
		[MOUNT_BIND] = "bind",
		[MOUNT_OTHER] = "other",
	};
	return k < MOUNT_KIND_MAX ? names[k] : "other";
}

bool cap_grants_sys_admin(const char *cap)
{
	if (!cap)
		return false;
	if (str_casestartswith(cap, "CAP_"))
		cap += 4;
	return strcasecmp(cap, "SYS_ADMIN") == 0 || strcasecmp(cap, "ALL") == 0;
}

bool cap_grants_sys_ptrace(const char *cap)
{
	if (!cap)
		return false;
	if (str_casestartswith(cap, "CAP_"))
		cap += 4;
	return strcasecmp(cap, "SYS_PTRACE") == 0 || strcasecmp(cap, "ALL") == 0;
}

bool security_opt_unconfined(const char *opt, const char *what)
{
	size_t n = strlen(what);
	return opt && strncmp(opt, what, n) == 0 && (opt[n] == '=' || opt[n] == ':') &&
	       streq(opt + n + 1, "unconfined");
}

static int mount_cmp(const void *a, const void *b)
{
	const struct mount *x = a, *y = b;
	int r = strcmp(x->target, y->target);
	return r ? r : (int)x->kind - (int)y->kind;
}

void workload_sort_mounts(struct workload *w)
{
	if (w->n_mounts > 1)
		qsort(w->mounts, w->n_mounts, sizeof(*w->mounts), mount_cmp);
}

long long parse_size(const char *s)
{
	if (str_empty(s) || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned long long mult = 1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mult = 1ULL << 10;
		break;
	case 'm':
		mult = 1ULL << 20;
		break;
	case 'g':
		mult = 1ULL << 30;
		break;
	case 't':
		mult = 1ULL << 40;
		break;
	default:
		return -1;
	}
	if (*end) {
		end++;
		if (tolower((unsigned char)*end) == 'b') /* "64mb" */
			end++;
		if (*end)
			return -1;
	}
	if (n > (unsigned long long)LLONG_MAX / mult)
		return -1;
	return (long long)(n * mult);
}

const char *format_size(long long bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	if (bytes < 1024) {
		snprintf(buf, len, "%lldB", bytes);
		return buf;
	}
	double v = (double)bytes;
	int u = -1;
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (v == (double)(long long)v)
		snprintf(buf, len, "%lld%c", (long long)v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

void mount_parse_tmpfs_options(struct mount *m, const char *options)
{
	/* Docker mounts --tmpfs noexec unless "exec" is given; last one wins. */
	m->exec = false;
	m->writable = true;
	if (!options)
		return;
	_cleanup_free_ char *copy = xstrdup(options);
	char *save = NULL;
	for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		if (streq(opt, "exec"))
			m->exec = true;
		else if (streq(opt, "noexec"))
			m->exec = false;
		else if (streq(opt, "ro"))
			m->writable = false;
		else if (streq(opt, "rw"))
			m->writable = true;
		else if (str_startswith(opt, "size=")) {
			long long sz = parse_size(opt + 5);
			if (sz >= 0)
				m->size_bytes = sz;
		}
	}
}
