/* SPDX-License-Identifier: MIT */
/* libFuzzer target: Kubernetes manifests, from YAML bytes to lint findings. */
#include <stddef.h>
#include <stdint.h>

#include "lint.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load((const char *)data, size, "fuzz.yaml", &s, &err) < 0)
		return 0;
	struct lint_results r = {0};
	(void)kube_lint(&s, "fuzz.yaml", &r, &err);
	/* Judge every container too: the rule reads what the parser filled in. */
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].standalone)
			continue;
		struct judgement j;
		rule_judge(&r.v[i].w, NULL, &j);
		judgement_release(&j);
	}
	lint_results_release(&r);
	ystream_release(&s);
	return 0;
}
