/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"
#include "rule.h"
#include "workload.h"

/*
 * What the lint parsers produce: workloads whose origin says where they are
 * defined (file, line and column of the key to change, or of the
 * service/container when the key is missing), plus stand-alone findings that
 * are not a container's verdict (e.g. a pod-level field that has no effect).
 * Every parser appends here; lint_judge() (lint-suppress.h) judges and
 * suppresses, lint_seen_first() (lint-dedup.h) drops a finding met twice.
 */

/* lint reads no file bigger than this (a file read for its suppressions neither). */
#define LINT_MAX_FILE_BYTES (64u << 20)

struct lint_finding {
	struct workload w; /* the workload; for a stand-alone finding only origin is set */
	bool standalone;   /* not judged by the rule: verdict and message are fixed */
	enum verdict verdict;
	char *message;
};

struct lint_results {
	struct lint_finding *v;
	size_t n, alloc;
};

/* Takes ownership of *w (it is cleared). */
void lint_add_workload(struct lint_results *r, struct workload *w);
/* A finding at a place, not tied to the rule; kind/workload/container may be NULL. */
_printf_(8, 9) void lint_add_finding(struct lint_results *r, const char *file, int line, int column,
				     const char *kind, const char *workload, enum verdict v,
				     const char *fmt, ...);
void lint_results_release(struct lint_results *r);

/* Fill a workload's origin fields (copies the strings). */
void origin_set(struct origin *o, const char *file, int line, int column, const char *kind,
		const char *workload, const char *container);

/*
 * Environment for Compose interpolation, as `docker compose` has it: the
 * process environment first, then --env-file files (later ones win).
 */
struct compose_env {
	struct strv vars; /* "NAME=value" */
	bool use_process_env;
};
const char *compose_env_get(const struct compose_env *env, const char *name);
/* Add the variables of a dotenv file (`--env-file`), read as docker compose reads it. */
int compose_env_load(const char *path, struct compose_env *env, struct rl_error *err);

/*
 * The parsers. Each returns 0 when the input was read and parsed, or an
 * error (also when it found nothing to check). Findings go to out.
 */

/*
 * Keys neither linter ever reads under, at any level: a file for compose_lint()
 * or kube_lint() may be loaded with ystream_load_unread() with these, so that
 * environments, probes, resources and the like cost no tree. A key a rule
 * starts to read must leave this list.
 */
extern const char *const lint_unread_keys[];

/* One Compose file; parsed is the file already loaded, or NULL to read path. */
struct ystream;
struct compose_input {
	const char *path;
	const struct ystream *parsed;
};

/*
 * Compose (and Swarm stack) files of one project, merged in order like
 * `docker compose -f a -f b`. The caller adds compose.override.yaml.
 */
int compose_lint(const struct compose_input *files, size_t n_files, const struct compose_env *env,
		 struct lint_results *out, struct rl_error *err);

/* Kubernetes manifests: YAML (multi-document) or JSON, `kind: List` included. */
int kube_lint(const struct ystream *docs, const char *file, struct lint_results *out,
	      struct rl_error *err);

/* A Podman Quadlet .container unit with its NAME.container.d/ *.conf drop-ins. */
int quadlet_lint(const char *path, struct lint_results *out, struct rl_error *err);
