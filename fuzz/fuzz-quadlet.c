/* SPDX-License-Identifier: MIT */
/*
 * Quadlet .container units: whatever a unit file holds, parse it or refuse
 * it with a file:line message, never crash, leak or hand back half a result.
 * Drop-ins need a directory, so the target drives the in-memory entry point.
 */
#include <stdint.h>
#include <string.h>

#include "lint.h"
#include "rule.h"

/* Defined in lint-quadlet.c; lint.h leaves it out on purpose. */
int quadlet_lint_text(const char *path, const char *text, size_t len, struct lint_results *out,
		      struct rl_error *err);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char path[] = "units/fuzz@x-y.container";
	struct lint_results res = {0};
	struct rl_error err = {0};

	int r = quadlet_lint_text(path, (const char *)data, size, &res, &err);
	if (r < 0) {
		/* A refusal names the file and line, and adds nothing. */
		if (r != RL_EPARSE || !str_startswith(err.msg, "units/fuzz@x-y.container:") ||
		    res.n)
			abort();
		lint_results_release(&res);
		return 0;
	}
	if (res.n != 1)
		abort();
	const struct workload *w = &res.v[0].w;
	if (!w->name || !streq(w->origin.kind, "quadlet") || !streq(w->origin.file, path) ||
	    w->origin.line < 1 || w->origin.column != 1 ||
	    !streq(w->origin.workload, "fuzz@x-y.container"))
		abort();
	for (size_t i = 0; i < w->n_mounts; i++)
		if (!w->mounts[i].target || w->mounts[i].kind >= MOUNT_KIND_MAX)
			abort();
	if (w->has_exempt_label != (w->exempt_reason != NULL))
		abort();

	struct judgement j;
	rule_judge(w, NULL, &j);
	if (j.verdict >= VERDICT_MAX || !j.reasons.n)
		abort();
	judgement_release(&j);
	struct strv lines = STRV_INIT;
	workload_describe_mounts(w, &lines);
	strv_release(&lines);

	lint_results_release(&res);
	return 0;
}
