/* SPDX-License-Identifier: MIT */
/*
 * Suppressions: `# rootlock:ignore REASON` on a finding's line or the line
 * above silences it, a marker without a reason does not, and --config
 * exemptions apply as in audit. Texts are given at hand, or written to a
 * temporary file when a test needs one read from disk.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "lint-suppress.h"

static const char compose_text[] = "services:\n"					   /* 1 */
				   "  web:\n"						   /* 2 */
				   "    image: nginx # rootlock:ignore vendor image  \r\n" /* 3 */
				   "  db:\n"						   /* 4 */
				   "    # rootlock:ignore   needs /var/lib written\n"	   /* 5 */
				   "    image: postgres\n"				   /* 6 */
				   "  cache:\n"						   /* 7 */
				   "    image: redis # rootlock:ignore\n"		   /* 8 */
				   "  queue:\n"						   /* 9 */
				   "    image: rootlock:ignore-me\n"			   /* 10 */
				   "    # rootlock:ignore too far above\n"		   /* 11 */
				   "\n"							   /* 12 */
				   "    image: rabbitmq\n";				   /* 13 */

static struct strbuf text_buf;

static struct lint_text at_hand(const char *path)
{
	strbuf_reset(&text_buf);
	strbuf_addstr(&text_buf, compose_text);
	return (struct lint_text){
		.path = path,
		.text = &text_buf,
		.has_marker = lint_has_marker(text_buf.buf, text_buf.len),
	};
}

static int teardown(void **state)
{
	(void)state;
	strbuf_release(&text_buf);
	return 0;
}

static void test_has_marker(void **state)
{
	(void)state;
	const char with[] = "a: 1 # rootlock:ignore why\n";
	const char without[] = "a: 1 # rootlock: ignore\n";
	assert_true(lint_has_marker(with, strlen(with)));
	assert_false(lint_has_marker(without, strlen(without)));
	assert_false(lint_has_marker(NULL, 0));
}

static void test_same_line_and_line_above(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	bool missing;
	_cleanup_free_ char *same = lint_suppression_at(&t, "compose.yaml", 3, true, &missing);
	assert_non_null(same);
	assert_string_equal(same, "vendor image"); /* trailing blanks and CR cut */
	assert_false(missing);
	_cleanup_free_ char *below = lint_suppression_at(&t, "compose.yaml", 4, true, &missing);
	assert_non_null(below); /* line 3's marker covers the line after it */
	assert_string_equal(below, "vendor image");
	_cleanup_free_ char *above = lint_suppression_at(&t, "compose.yaml", 6, true, &missing);
	assert_non_null(above);
	assert_string_equal(above, "needs /var/lib written");
}

static void test_only_those_two_lines(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	bool missing;
	/* Line 11's marker is two lines above line 13. */
	assert_null(lint_suppression_at(&t, "compose.yaml", 13, true, &missing));
	assert_false(missing);
	assert_null(lint_suppression_at(&t, "compose.yaml", 2, true, &missing));
	assert_null(lint_suppression_at(&t, "compose.yaml", 0, true, &missing));
	assert_null(lint_suppression_at(&t, "compose.yaml", 3, false, &missing));
}

static void test_marker_outside_a_comment(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	bool missing;
	/* Line 10 holds the marker in a value, not a comment: only line 11 counts for 12. */
	assert_null(lint_suppression_at(&t, "compose.yaml", 10, true, &missing));
	assert_false(missing);
}

static void test_marker_without_reason(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	bool missing;
	assert_null(lint_suppression_at(&t, "compose.yaml", 8, true, &missing));
	assert_true(missing);
}

/* The text at hand is another file's: this one is read from disk. */
static void test_other_file_read_from_disk(void **state)
{
	(void)state;
	char path[] = "/tmp/rootlock-suppress-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char other[] = "x:\n  y: 1 # rootlock:ignore from the included file\n";
	assert_int_equal(write(fd, other, strlen(other)), (ssize_t)strlen(other));
	close(fd);
	struct lint_text t = at_hand("compose.yaml");
	bool missing;
	_cleanup_free_ char *r = lint_suppression_at(&t, path, 2, true, &missing);
	_cleanup_free_ char *none = lint_suppression_at(NULL, path, 1, true, &missing);
	unlink(path);
	assert_non_null(r);
	assert_string_equal(r, "from the included file");
	assert_null(none);
	/* Standard input cannot be read twice, a missing file suppresses nothing. */
	assert_null(lint_suppression_at(NULL, "<stdin>", 3, true, &missing));
	assert_null(lint_suppression_at(NULL, "/nonexistent/compose.yaml", 3, true, &missing));
}

static void finding(struct lint_finding *f, const char *kind, int line)
{
	memset(f, 0, sizeof(*f));
	workload_init(&f->w);
	f->w.name = xstrdup("web");
	origin_set(&f->w.origin, "compose.yaml", line, 5, kind, "web", "web");
}

static void test_judge_suppressed(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	struct lint_finding f;
	finding(&f, "compose", 3);
	struct judgement j;
	lint_judge(&f, NULL, &t, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	assert_string_equal(j.exempt_reason, "vendor image");
	assert_string_equal(j.exempt_source, "rootlock:ignore in compose.yaml");
	assert_null(j.remediation);
	judgement_release(&j);

	/* Without the text's marker on those lines, the writable root fails. */
	workload_release(&f.w);
	finding(&f, "compose", 2);
	lint_judge(&f, NULL, &t, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	assert_non_null(j.remediation);
	judgement_release(&j);
	workload_release(&f.w);
}

static void test_judge_refuses_marker_without_reason(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	struct lint_finding f;
	finding(&f, "compose", 8);
	struct judgement j;
	lint_judge(&f, NULL, &t, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	assert_string_equal(j.reasons.v[j.reasons.n - 1],
			    "`# rootlock:ignore` needs a reason, so it does not count");
	judgement_release(&j);
	workload_release(&f.w);
}

/* A unit file has no end-of-line comments: only the line above counts. */
static void test_judge_quadlet_line_above_only(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	struct lint_finding f;
	finding(&f, "quadlet", 3);
	struct judgement j;
	lint_judge(&f, NULL, &t, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	judgement_release(&j);
	workload_release(&f.w);
	finding(&f, "quadlet", 4);
	lint_judge(&f, NULL, &t, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	judgement_release(&j);
	workload_release(&f.w);
}

static void test_judge_config_exemption(void **state)
{
	(void)state;
	const char config[] = "{\"exempt\":[{\"name\":\"web\",\"reason\":\"legacy\"}]}";
	struct exemptions ex = {0};
	struct rl_error err = {0};
	assert_int_equal(config_parse(config, strlen(config), "rootlock.json", &ex, &err), 0);
	struct lint_finding f;
	finding(&f, "compose", 2);
	struct judgement j;
	lint_judge(&f, &ex, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	assert_string_equal(j.exempt_reason, "legacy");
	assert_string_equal(j.exempt_source, "rootlock.json");
	judgement_release(&j);
	workload_release(&f.w);
	exemptions_release(&ex);
}

static void test_judge_standalone(void **state)
{
	(void)state;
	struct lint_text t = at_hand("compose.yaml");
	struct lint_results r = {0};
	lint_add_finding(&r, "compose.yaml", 2, 3, "compose", "web", VERDICT_WARN, "%s",
			 "a note that is not the rule's");
	lint_add_finding(&r, "compose.yaml", 6, 3, "compose", "db", VERDICT_WARN, "%s",
			 "a note silenced");
	struct judgement j;
	lint_judge(&r.v[0], NULL, &t, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	assert_int_equal(j.reasons.n, 1);
	assert_string_equal(j.reasons.v[0], "a note that is not the rule's");
	judgement_release(&j);
	lint_judge(&r.v[1], NULL, &t, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	judgement_release(&j);
	lint_results_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_has_marker),
		cmocka_unit_test_teardown(test_same_line_and_line_above, teardown),
		cmocka_unit_test_teardown(test_only_those_two_lines, teardown),
		cmocka_unit_test_teardown(test_marker_outside_a_comment, teardown),
		cmocka_unit_test_teardown(test_marker_without_reason, teardown),
		cmocka_unit_test_teardown(test_other_file_read_from_disk, teardown),
		cmocka_unit_test_teardown(test_judge_suppressed, teardown),
		cmocka_unit_test_teardown(test_judge_refuses_marker_without_reason, teardown),
		cmocka_unit_test_teardown(test_judge_quadlet_line_above_only, teardown),
		cmocka_unit_test_teardown(test_judge_config_exemption, teardown),
		cmocka_unit_test_teardown(test_judge_standalone, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
