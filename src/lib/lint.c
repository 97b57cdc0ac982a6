/* SPDX-License-Identifier: MIT */
#include "lint.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const lint_unread_keys[] = {
	/* Kubernetes containers and pods */
	"env",
	"envFrom",
	"resources",
	"livenessProbe",
	"readinessProbe",
	"startupProbe",
	"lifecycle",
	"ports",
	"args",
	"command",
	"affinity",
	"tolerations",
	"nodeSelector",
	"topologySpreadConstraints",
	"selector",
	"strategy",
	/* Kubernetes objects: ConfigMap and Secret data, what a cluster dump adds */
	"data",
	"stringData",
	"binaryData",
	"status",
	"managedFields",
	/* Compose services */
	"environment",
	"healthcheck",
	"depends_on",
	"logging",
	"build",
	"ulimits",
	"extra_hosts",
	"sysctls",
	"entrypoint",
	NULL,
};

static struct lint_finding *grow(struct lint_results *r)
{
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 16;
		r->v = xrealloc(r->v, r->alloc * sizeof(*r->v));
	}
	struct lint_finding *f = &r->v[r->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

void lint_add_workload(struct lint_results *r, struct workload *w)
{
	struct lint_finding *f = grow(r);
	f->w = *w;
	workload_init(w);
}

void origin_set(struct origin *o, const char *file, int line, int column, const char *kind,
		const char *workload, const char *container)
{
	free(o->file);
	free(o->workload);
	free(o->container);
	o->file = file ? xstrdup(file) : NULL;
	o->line = line;
	o->column = column;
	o->kind = kind;
	o->workload = workload ? xstrdup(workload) : NULL;
	o->container = container ? xstrdup(container) : NULL;
}

void lint_add_finding(struct lint_results *r, const char *file, int line, int column,
		      const char *kind, const char *workload, enum verdict v, const char *fmt, ...)
{
	struct lint_finding *f = grow(r);
	workload_init(&f->w);
	origin_set(&f->w.origin, file, line, column, kind, workload, NULL);
	f->standalone = true;
	f->verdict = v;
	va_list ap;
	va_start(ap, fmt);
	f->message = xvasprintf(fmt, ap);
	va_end(ap);
}

void lint_results_release(struct lint_results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		workload_release(&r->v[i].w);
		free(r->v[i].message);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

const char *compose_env_get(const struct compose_env *env, const char *name)
{
	/* As with docker compose: the shell's environment wins over env files. */
	const char *v = env->use_process_env ? getenv(name) : NULL;
	if (v)
		return v;
	size_t len = strlen(name);
	/* Later entries win, as later --env-file files do. */
	for (size_t i = env->vars.n; i > 0; i--) {
		const char *kv = env->vars.v[i - 1];
		if (strncmp(kv, name, len) == 0 && kv[len] == '=')
			return kv + len + 1;
	}
	return NULL;
}
