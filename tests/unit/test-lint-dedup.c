/* SPDX-License-Identifier: MIT */
/* Finding de-duplication: the same finding twice is reported once, two findings twice. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lint-dedup.h"

static struct lint_results results;

static int teardown(void **state)
{
	(void)state;
	lint_results_release(&results);
	return 0;
}

/* A workload finding at file:line:column (borrowed: valid until the next one is made). */
static const struct lint_finding *workload_at(const char *file, int line, int column,
					      const char *workload, const char *container)
{
	struct workload w;
	workload_init(&w);
	origin_set(&w.origin, file, line, column, "compose", workload, container);
	lint_add_workload(&results, &w);
	return &results.v[results.n - 1];
}

static const struct lint_finding *standalone_at(const char *file, int line, const char *message)
{
	lint_add_finding(&results, file, line, 3, "kubernetes", "pod", VERDICT_WARN, "%s", message);
	return &results.v[results.n - 1];
}

static void test_same_finding_twice_is_dropped(void **state)
{
	(void)state;
	struct lint_seen seen = {0};
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "web", "web")));
	/* The same file reached again (an include, a path given twice). */
	assert_false(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "web", "web")));
	assert_false(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "web", "web")));
	lint_seen_release(&seen);
}

static void test_different_findings_are_kept(void **state)
{
	(void)state;
	struct lint_seen seen = {0};
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "web", "web")));
	assert_true(lint_seen_first(&seen, workload_at("other.yaml", 3, 5, "web", "web")));
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 4, 5, "web", "web")));
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 3, 6, "web", "web")));
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "db", "web")));
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "web", "sidecar")));
	/* A field's value never runs into the next: "ab"+"c" is not "a"+"bc". */
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "we", "bweb")));
	assert_true(lint_seen_first(&seen, workload_at("compose.yaml", 3, 5, "webw", "eb")));
	/* Many findings: each is kept once, whatever the set has grown to. */
	for (int line = 100; line < 1100; line++)
		assert_true(lint_seen_first(&seen, workload_at("big.yaml", line, 1, "s", "s")));
	for (int line = 100; line < 1100; line++)
		assert_false(lint_seen_first(&seen, workload_at("big.yaml", line, 1, "s", "s")));
	lint_seen_release(&seen);
}

static void test_standalone_findings_by_message(void **state)
{
	(void)state;
	struct lint_seen seen = {0};
	assert_true(
		lint_seen_first(&seen, standalone_at("pod.yaml", 7, "hostUsers has no effect")));
	assert_false(
		lint_seen_first(&seen, standalone_at("pod.yaml", 7, "hostUsers has no effect")));
	/* Two notes at one place are two findings. */
	assert_true(lint_seen_first(&seen, standalone_at("pod.yaml", 7, "another note")));
	/* A workload where a note stands is another finding too. */
	assert_true(lint_seen_first(&seen, workload_at("pod.yaml", 7, 3, "pod", NULL)));
	lint_seen_release(&seen);
}

static void test_key_ignores_a_workloads_message(void **state)
{
	(void)state;
	struct lint_finding a = *workload_at("compose.yaml", 1, 1, "web", "web");
	a.message = "one";
	struct lint_finding b = a;
	b.message = "two";
	assert_true(lint_finding_key(&a) == lint_finding_key(&b));
	a.standalone = b.standalone = true;
	assert_true(lint_finding_key(&a) != lint_finding_key(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_same_finding_twice_is_dropped, teardown),
		cmocka_unit_test_teardown(test_different_findings_are_kept, teardown),
		cmocka_unit_test_teardown(test_standalone_findings_by_message, teardown),
		cmocka_unit_test_teardown(test_key_ignores_a_workloads_message, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
