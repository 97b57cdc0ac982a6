/* SPDX-License-Identifier: MIT */
/* libFuzzer target: Kubernetes manifests, from YAML bytes to lint findings. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lint.h"
#include "report.h"
#include "yamldoc.h"

#include "findings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loaded as the CLI does, leaving unread keys empty, the findings are the same. */
static void check_unread_same(const uint8_t *data, size_t size, const struct lint_results *full)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load_unread((const char *)data, size, "fuzz.yaml", lint_unread_keys, &s, &err) <
	    0)
		__builtin_trap();
	struct lint_results r = {0};
	(void)kube_lint(&s, "fuzz.yaml", &r, &err);
	_cleanup_strbuf_ struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	findings_text(full, &a);
	findings_text(&r, &b);
	if (!streq(strbuf_str(&a), strbuf_str(&b)))
		__builtin_trap();
	lint_results_release(&r);
	ystream_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load((const char *)data, size, "fuzz.yaml", &s, &err) < 0)
		return 0;
	struct lint_results r = {0};
	(void)kube_lint(&s, "fuzz.yaml", &r, &err);
	check_unread_same(data, size, &r);
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
