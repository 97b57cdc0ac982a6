/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "jsonprune.h"

/*
 * A spec like a reader's: Top.Keep kept (objects emptied), Top.Inner gone
 * into for its Wanted, Top.Whole kept with all it holds.
 */
static const struct json_prune_field inner_fields[] = {
	{"wanted", JSON_PRUNE_KEEP, NULL},
	{"a.very.long.label.name.of.fifty.characters.or.so.xx", JSON_PRUNE_KEEP, NULL},
};
static const struct json_prune_spec inner = {inner_fields, ARRAY_SIZE(inner_fields)};
static const struct json_prune_field top_fields[] = {
	{"keep", JSON_PRUNE_KEEP, NULL},
	{"inner", JSON_PRUNE_INTO, &inner},
	{"whole", JSON_PRUNE_WHOLE, NULL},
};
static const struct json_prune_spec top = {top_fields, ARRAY_SIZE(top_fields)};

/* The pruned text of json, or NULL when it is refused. */
static char *pruned(const char *json)
{
	struct strbuf out = STRBUF_INIT;
	if (!json_prune(json, strlen(json), &top, &out)) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out);
}

static void expect_pruned(const char *json, const char *want)
{
	char *got = pruned(json);
	if (!got)
		fail_msg("refused: %s", json);
	assert_string_equal(got, want);
	free(got);
}

static void expect_refused(const char *json)
{
	char *got = pruned(json);
	if (got)
		fail_msg("pruned %s into %s, want it refused", json, got);
}

static void test_keeps_only_the_spec(void **state)
{
	(void)state;
	expect_pruned("{}", "{}");
	expect_pruned(" {\"Drop\": 1, \"Keep\": \"x\", \"Other\": [1, {\"a\": 2}]} \n",
		      "{\"Keep\":\"x\"}");
	/* Keys keep their case and their order; values their text. */
	expect_pruned("{\"whole\":{\"b\":1,\"a\":[true,null]},\"KEEP\":-1.50}",
		      "{\"whole\":{\"b\":1,\"a\":[true,null]},\"KEEP\":-1.50}");
	/* An object kept for its type is emptied; one gone into keeps its fields. */
	expect_pruned("{\"Keep\":{\"a\":1},\"Inner\":{\"Wanted\":\"\\u00e9\",\"x\":{},\"Keep\":2}}",
		      "{\"Keep\":{},\"Inner\":{\"Wanted\":\"\\u00e9\"}}");
	/* Arrays are kept as they are, objects in them too. */
	expect_pruned("{\"Inner\":[{\"x\":1}],\"Whole\":\"s\"}",
		      "{\"Inner\":[{\"x\":1}],\"Whole\":\"s\"}");
	/* Names are matched at their own level only, and in full. */
	expect_pruned("{\"Wanted\":1,\"Inner\":{\"Inner\":{\"Wanted\":1},\"Want\":2}}",
		      "{\"Inner\":{}}");
	expect_pruned(
		"{\"Inner\":{\"a.very.long.label.name.of.fifty.characters.or.so.xx\":\"y\"}}",
		"{\"Inner\":{\"a.very.long.label.name.of.fifty.characters.or.so.xx\":\"y\"}}");
}

static void test_refuses_what_is_not_plain(void **state)
{
	(void)state;
	/* Not JSON, or not an object, or more after it. */
	expect_refused("");
	expect_refused("[]");
	expect_refused("\"Keep\"");
	expect_refused("{\"Keep\":1");
	expect_refused("{\"Keep\":1} x");
	expect_refused("{\"Keep\":1}{}");
	expect_refused("{\"Keep\":01}");
	expect_refused("{\"Keep\":tru}");
	expect_refused("{\"Keep\":[1,]}");
	expect_refused("{\"Keep\" 1}");
	/* What jansson might refuse or read otherwise, in a field dropped or not. */
	expect_refused("{\"Drop\":\"caf\xc3\xa9\"}");
	expect_refused("{\"Drop\":1e3}");
	expect_refused("{\"Drop\":1234567890123456789}");
	expect_refused("{\"Drop\":\"\\u0000\"}");
	expect_refused("{\"Drop\":\"\\ud800\"}");
	expect_refused("{\"Drop\":\"\\udc00\\ud800\"}");
	expect_refused("{\"Drop\":\"\\x\"}");
	expect_refused("{\"Drop\":\"tab\there\"}");
	/* Keys with escapes, duplicates and case variants, at any depth. */
	expect_refused("{\"K\\u0065ep\":1}");
	expect_refused("{\"Keep\":1,\"Keep\":2}");
	expect_refused("{\"Keep\":1,\"keep\":2}");
	expect_refused("{\"Drop\":{\"a\":1,\"A\":2}}");
	expect_refused("{\"Drop\":[{\"a\":1,\"a\":2}]}");
}

/* 63 objects in one another, and a number in the last: 64 levels, the most. */
static void test_depth_limit(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 63; i++)
		strbuf_addstr(&sb, "{\"d\":");
	strbuf_addstr(&sb, "1");
	for (int i = 0; i < 63; i++)
		strbuf_addch(&sb, '}');
	char *got = pruned(strbuf_str(&sb));
	assert_non_null(got);
	assert_string_equal(got, "{}");
	free(got);
	strbuf_reset(&sb);
	for (int i = 0; i < 64; i++)
		strbuf_addstr(&sb, "{\"d\":");
	strbuf_addstr(&sb, "1");
	for (int i = 0; i < 64; i++)
		strbuf_addch(&sb, '}');
	expect_refused(strbuf_str(&sb));
	strbuf_release(&sb);
}

/* Objects of more keys than it tracks are refused, not half checked. */
static void test_many_keys(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"Keep\":true");
	for (int i = 0; i < 255; i++)
		strbuf_addf(&sb, ",\"k%d\":%d", i, i);
	strbuf_addch(&sb, '}');
	expect_pruned(strbuf_str(&sb), "{\"Keep\":true}");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "{\"Keep\":true");
	for (int i = 0; i < 256; i++)
		strbuf_addf(&sb, ",\"k%d\":%d", i, i);
	strbuf_addch(&sb, '}');
	expect_refused(strbuf_str(&sb));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_only_the_spec),
		cmocka_unit_test(test_refuses_what_is_not_plain),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
