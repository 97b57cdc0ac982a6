/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "config.h"

#define SRC "ops/rootlock.json"

static int parse(const char *text, struct exemptions *ex, struct rl_error *err)
{
	memset(ex, 0, sizeof(*ex));
	return config_parse(text, strlen(text), SRC, ex, err);
}

/* The text must be refused with a message naming the file and containing want. */
static void expect_refused(const char *text, const char *want)
{
	struct exemptions ex;
	struct rl_error err = {0};
	int r = parse(text, &ex, &err);
	if (r != RL_EPARSE)
		fail_msg("accepted (%d): %s", r, text);
	assert_int_equal(err.code, RL_EPARSE);
	if (!str_startswith(err.msg, SRC ":"))
		fail_msg("message does not start with the source: \"%s\"", err.msg);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
	/* Nothing half-built is handed back. */
	assert_null(ex.v);
	assert_int_equal(ex.n, 0);
	assert_null(ex.source);
}

static void test_valid(void **state)
{
	(void)state;
	struct exemptions ex;
	struct rl_error err = {0};
	assert_int_equal(
		parse("{\"exempt\": ["
		      "{\"name\": \"legacy-*\", \"reason\": \"vendor image\"},"
		      "{\"image\": \"vendor/*\", \"id\": \"abc123\", \"reason\": \"OPS-7\"}"
		      "]}",
		      &ex, &err),
		0);
	assert_int_equal(ex.n, 2);
	assert_string_equal(ex.source, SRC);
	assert_string_equal(ex.v[0].name, "legacy-*");
	assert_null(ex.v[0].image);
	assert_null(ex.v[0].id);
	assert_string_equal(ex.v[0].reason, "vendor image");
	assert_null(ex.v[1].name);
	assert_string_equal(ex.v[1].image, "vendor/*");
	assert_string_equal(ex.v[1].id, "abc123");
	assert_string_equal(ex.v[1].reason, "OPS-7");
	exemptions_release(&ex);
	assert_null(ex.v);
	assert_int_equal(ex.n, 0);
	exemptions_release(&ex);
	exemptions_release(NULL);
}

static void test_valid_empty(void **state)
{
	(void)state;
	const char *texts[] = {"{}", "{\"exempt\": []}", " \n{ \"exempt\" : [ ] }\n"};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct exemptions ex;
		struct rl_error err = {0};
		assert_int_equal(parse(texts[i], &ex, &err), 0);
		assert_int_equal(ex.n, 0);
		assert_string_equal(ex.source, SRC);
		assert_null(exemptions_match(&ex, "abc", "web", "nginx"));
		exemptions_release(&ex);
	}
}

static void test_reason_required(void **state)
{
	(void)state;
	expect_refused("{\"exempt\": [{\"name\": \"legacy-*\"}]}", "exempt[0] has no \"reason\"");
	expect_refused("{\"exempt\": [{\"name\": \"a\", \"reason\": \"ok\"}, {\"name\": \"b\"}]}",
		       "exempt[1]");
	expect_refused("{\"exempt\": [{\"name\": \"legacy-*\", \"reason\": \"\"}]}",
		       "exempt[0].reason must be a non-empty string");
	expect_refused("{\"exempt\": [{\"name\": \"legacy-*\", \"reason\": null}]}",
		       "exempt[0].reason");
	expect_refused("{\"exempt\": [{\"name\": \"legacy-*\", \"reason\": 42}]}",
		       "exempt[0].reason");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_refused("{\"exempt\": [], \"exclude\": []}", "unknown key \"exclude\"");
	expect_refused("{\"exmept\": [{\"name\": \"x\", \"reason\": \"y\"}]}",
		       "unknown key \"exmept\"");
	expect_refused(
		"{\"exempt\": [{\"name\": \"x\", \"reason\": \"y\", \"expires\": \"2025\"}]}",
		"exempt[0] has unknown key \"expires\"");
	expect_refused("{\"exempt\": [{\"names\": \"x\", \"reason\": \"y\"}]}",
		       "unknown key \"names\"");
}

static void test_no_matcher(void **state)
{
	(void)state;
	/* An exemption without a matcher would silently exempt nothing (or all). */
	expect_refused("{\"exempt\": [{\"reason\": \"because\"}]}", "exempt[0] matches nothing");
	expect_refused("{\"exempt\": [{\"name\": \"\", \"reason\": \"because\"}]}",
		       "exempt[0].name must be a non-empty string");
	expect_refused("{\"exempt\": [{\"image\": [\"a\"], \"reason\": \"because\"}]}",
		       "exempt[0].image");
	expect_refused("{\"exempt\": [{\"id\": 123, \"reason\": \"because\"}]}", "exempt[0].id");
}

static void test_wrong_shapes(void **state)
{
	(void)state;
	expect_refused("[]", "expected {\"exempt\"");
	expect_refused("\"exempt\"", SRC ":1:");
	expect_refused("{\"exempt\": {\"name\": \"x\", \"reason\": \"y\"}}",
		       "expected {\"exempt\"");
	expect_refused("{\"exempt\": [\"legacy-*\"]}", "exempt[0] must be an object");
	expect_refused("{\"exempt\": [{\"name\": \"a\", \"reason\": \"b\"}, null]}",
		       "exempt[1] must be an object");
}

static void test_not_json_has_position(void **state)
{
	(void)state;
	expect_refused("", "not valid JSON");
	expect_refused("exempt: []", SRC ":1:");
	/* The position points at the line of the mistake. */
	expect_refused("{\n  \"exempt\": [\n    {\"name\": \"x\" \"reason\": \"y\"}\n  ]\n}\n",
		       SRC ":3:");
	expect_refused("{\"exempt\": []} trailing", "not valid JSON");
	expect_refused("{\"exempt\": [}", SRC ":1:");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	/* A second "exempt" would silently replace the first list. */
	expect_refused("{\"exempt\": [{\"name\": \"a\", \"reason\": \"r\"}],\n"
		       " \"exempt\": []}",
		       "duplicate");
	expect_refused("{\"exempt\": [{\"name\": \"a\", \"name\": \"*\", \"reason\": \"r\"}]}",
		       "duplicate");
	expect_refused("{\"exempt\": [{\"name\": \"a\", \"reason\": \"r\", \"reason\": \"\"}]}",
		       SRC ":1:");
}

static void test_length_is_respected(void **state)
{
	(void)state;
	/* Only len bytes count: the rest of the buffer is not part of the file. */
	const char *text = "{\"exempt\": []}{\"garbage\"";
	struct exemptions ex = {0};
	struct rl_error err = {0};
	assert_int_equal(config_parse(text, strlen("{\"exempt\": []}"), SRC, &ex, &err), 0);
	exemptions_release(&ex);
}

static void test_load_file(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	struct rl_error err = {0};
	assert_int_equal(config_load(TEST_DATA "/config/valid.json", &ex, &err), 0);
	assert_int_equal(ex.n, 3);
	assert_string_equal(ex.source, TEST_DATA "/config/valid.json");
	assert_string_equal(ex.v[2].id, "cd1dd538721f");
	assert_string_equal(ex.v[2].name, "batch-*");
	const struct exemption *e = exemptions_match(&ex, "deadbeef", "legacy-billing", "x:1");
	assert_non_null(e);
	assert_string_equal(e->reason, "vendor image writes to /opt, ticket OPS-42");
	exemptions_release(&ex);
}

static void test_load_syntax_error_names_file(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	struct rl_error err = {0};
	assert_int_equal(config_load(TEST_DATA "/config/trailing-comma.json", &ex, &err),
			 RL_EPARSE);
	assert_true(str_startswith(err.msg, TEST_DATA "/config/trailing-comma.json:4:"));
	assert_null(ex.v);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	struct rl_error err = {0};
	const char *path = TEST_DATA "/config/does-not-exist.json";
	assert_int_equal(config_load(path, &ex, &err), RL_EIO);
	assert_int_equal(err.code, RL_EIO);
	assert_non_null(strstr(err.msg, path));
	assert_null(ex.v);
	/* A directory is not a config file either. */
	rl_error_clear(&err);
	assert_int_equal(config_load(TEST_DATA "/config", &ex, &err), RL_EIO);
	assert_null(ex.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_empty),
		cmocka_unit_test(test_reason_required),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_no_matcher),
		cmocka_unit_test(test_wrong_shapes),
		cmocka_unit_test(test_not_json_has_position),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_length_is_respected),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_syntax_error_names_file),
		cmocka_unit_test(test_load_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
