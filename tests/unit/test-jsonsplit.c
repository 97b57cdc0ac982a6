/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "fileio.h"
#include "jsonsplit.h"

#define BIG (1 << 20)

struct collected {
	struct strv elements;
	size_t fail_at; /* 1-based element that the callback refuses; 0 = none */
	size_t calls;
};

static int collect(const char *element, size_t len, void *userdata, struct rl_error *err)
{
	struct collected *c = userdata;
	c->calls++;
	if (c->fail_at && c->calls == c->fail_at)
		return rl_error_set(err, RL_EIO, "callback refused element %zu", c->calls);
	strv_push(&c->elements, xstrndup(element, len));
	return 0;
}

/* Feed text in chunks of at most chunk bytes, then finish; returns the first error. */
static int split_in_chunks(const char *text, size_t len, size_t chunk, size_t max,
			   struct collected *c, struct rl_error *err)
{
	struct jsonsplit s;
	jsonsplit_init(&s, max, collect, c);
	int r = 0;
	for (size_t off = 0; off < len && r == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		r = jsonsplit_feed(&s, text + off, n, err);
	}
	if (r == 0)
		r = jsonsplit_finish(&s, err);
	jsonsplit_release(&s);
	return r;
}

static int split_all(const char *text, size_t chunk, size_t max, struct collected *c,
		     struct rl_error *err)
{
	return split_in_chunks(text, strlen(text), chunk, max, c, err);
}

/* Split text every way that matters and expect the same elements each time. */
static void expect_elements(const char *text, const char *const *want, size_t n)
{
	const size_t chunks[] = {strlen(text) + 1, 1, 2, 3, 7};
	for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
		struct collected c = {STRV_INIT, 0, 0};
		struct rl_error err = {0};
		int r = split_all(text, chunks[k], BIG, &c, &err);
		if (r != 0)
			fail_msg("chunk %zu: %s", chunks[k], err.msg);
		if (c.elements.n != n)
			fail_msg("chunk %zu: %zu elements, want %zu", chunks[k], c.elements.n, n);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(c.elements.v[i], want[i]);
		strv_release(&c.elements);
	}
}

static void expect_error(const char *text, size_t max, const char *msg_part)
{
	const size_t chunks[] = {strlen(text) + 1, 1};
	for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
		struct collected c = {STRV_INIT, 0, 0};
		struct rl_error err = {0};
		int r = split_all(text, chunks[k], max, &c, &err);
		strv_release(&c.elements);
		if (r != RL_EPARSE)
			fail_msg("'%s' in chunks of %zu: got %d, want RL_EPARSE", text, chunks[k],
				 r);
		if (msg_part && !strstr(err.msg, msg_part))
			fail_msg("'%s': message \"%s\" lacks \"%s\"", text, err.msg, msg_part);
	}
}

static void test_real_container_list(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	struct rl_error err = {0};
	assert_int_equal(read_file_limited(TEST_DATA "/list/containers.json", BIG, &sb, &err), 0);
	json_t *tree = json_loadb(sb.buf, sb.len, 0, NULL);
	assert_true(json_is_array(tree));
	size_t n = json_array_size(tree);
	assert_true(n >= 7);

	const size_t chunks[] = {sb.len, 1, 13, 4096};
	for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
		struct collected c = {STRV_INIT, 0, 0};
		assert_int_equal(split_in_chunks(sb.buf, sb.len, chunks[k], BIG, &c, &err), 0);
		assert_int_equal(c.elements.n, n);
		for (size_t i = 0; i < n; i++) {
			/* Each piece is exactly the element the whole parse sees. */
			json_t *piece = json_loads(c.elements.v[i], 0, NULL);
			assert_non_null(piece);
			assert_true(json_equal(piece, json_array_get(tree, i)));
			json_decref(piece);
		}
		strv_release(&c.elements);
	}
	json_decref(tree);
	strbuf_release(&sb);
}

static void test_simple_elements(void **state)
{
	(void)state;
	const char *want[] = {"{\"a\":1}", "{\"b\":[2,3]}", "{}"};
	expect_elements("[{\"a\":1},{\"b\":[2,3]},{}]", want, 3);
	/* Whitespace around elements and commas is not part of an element. */
	expect_elements(" \n[ {\"a\":1} ,\r\n\t{\"b\":[2,3]},{} ]\n ", want, 3);
}

static void test_nested(void **state)
{
	(void)state;
	const char *want[] = {"{\"a\":{\"b\":[1,{\"c\":[[],{}]}]}}", "{\"x\":[{},{}]}"};
	expect_elements("[{\"a\":{\"b\":[1,{\"c\":[[],{}]}]}},{\"x\":[{},{}]}]", want, 2);
}

static void test_strings_with_structure(void **state)
{
	(void)state;
	const char *want[] = {
		"{\"a\":\"}{][,\"}",	 "{\"b\":\"say \\\"}\\\" ]\"}",	    "{\"c\":\"\\\\\"}",
		"{\"d\":\"\\\\\\\"}\"}", "{\"e\":\"\\u007d\",\"f\":\"]\"}",
	};
	expect_elements("[{\"a\":\"}{][,\"},"
			"{\"b\":\"say \\\"}\\\" ]\"},"
			"{\"c\":\"\\\\\"},"
			"{\"d\":\"\\\\\\\"}\"},"
			"{\"e\":\"\\u007d\",\"f\":\"]\"}]",
			want, ARRAY_SIZE(want));
	/* Keys may hold them too. */
	const char *keys[] = {"{\"}\":1,\"[\":{\"{\":\"]\"}}"};
	expect_elements("[{\"}\":1,\"[\":{\"{\":\"]\"}}]", keys, 1);
}

static void test_empty_array(void **state)
{
	(void)state;
	expect_elements("[]", NULL, 0);
	expect_elements(" [ \n ] \n", NULL, 0);
}

static void test_truncated(void **state)
{
	(void)state;
	const char *cut[] = {"",	   "  ",	  "[",		 "[{",
			     "[{\"a\":1}", "[{\"a\":1},", "[{\"a\":\"}", "[{\"a\":\"\\"};
	for (size_t i = 0; i < ARRAY_SIZE(cut); i++) {
		struct collected c = {STRV_INIT, 0, 0};
		struct rl_error err = {0};
		struct jsonsplit s;
		jsonsplit_init(&s, BIG, collect, &c);
		assert_int_equal(jsonsplit_feed(&s, cut[i], strlen(cut[i]), &err), 0);
		int r = jsonsplit_finish(&s, &err);
		if (r != RL_EPARSE)
			fail_msg("'%s': finish gave %d, want RL_EPARSE", cut[i], r);
		assert_non_null(strstr(err.msg, "cut off"));
		jsonsplit_release(&s);
		strv_release(&c.elements);
	}
}

static void test_cut_off_reports_offset(void **state)
{
	(void)state;
	struct collected c = {STRV_INIT, 0, 0};
	struct rl_error err = {0};
	assert_int_equal(split_all("[{\"a\":1},{\"b\"", 4, BIG, &c, &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "13 bytes"));
	/* What was complete before the cut was still delivered. */
	assert_int_equal(c.elements.n, 1);
	strv_release(&c.elements);
}

static void test_trailing_garbage(void **state)
{
	(void)state;
	expect_error("[]x", BIG, "after the end");
	expect_error("[{}] []", BIG, "after the end");
	expect_error("[{}]]", BIG, "after the end");
	expect_error("[{}],", BIG, "after the end");
}

static void test_not_an_array(void **state)
{
	(void)state;
	expect_error("{\"a\":1}", BIG, "expected an array");
	expect_error("\"[]\"", BIG, "expected an array");
	expect_error("null", BIG, "expected an array");
	expect_error("x[]", BIG, "expected an array");
}

static void test_non_object_element(void **state)
{
	(void)state;
	expect_error("[1]", BIG, "expected an object");
	expect_error("[\"{}\"]", BIG, "expected an object");
	expect_error("[[]]", BIG, "expected an object");
	expect_error("[null]", BIG, "expected an object");
	expect_error("[{},2]", BIG, "expected an object");
	expect_error("[,{}]", BIG, "expected an object");
	expect_error("[{},,{}]", BIG, "expected an object");
}

static void test_missing_comma(void **state)
{
	(void)state;
	expect_error("[{}{}]", BIG, "expected ','");
	expect_error("[{\"a\":1} {\"b\":2}]", BIG, "expected ','");
	expect_error("[{};{}]", BIG, "expected ','");
}

static void test_error_names_offset(void **state)
{
	(void)state;
	struct collected c = {STRV_INIT, 0, 0};
	struct rl_error err = {0};
	assert_int_equal(split_all("[{},{} x]", 1, BIG, &c, &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "byte 7"));
	strv_release(&c.elements);
}

/* 70 bytes: {"id":"" plus 60 x plus "} */
#define LARGE "{\"id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"

static void test_element_at_max_ok(void **state)
{
	(void)state;
	assert_int_equal(strlen(LARGE), 70);
	const size_t chunks[] = {1, 5, 100};
	for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
		struct collected c = {STRV_INIT, 0, 0};
		struct rl_error err = {0};
		assert_int_equal(split_all("[" LARGE "," LARGE "]", chunks[k], 70, &c, &err), 0);
		assert_int_equal(c.elements.n, 2);
		strv_release(&c.elements);
	}
}

static void test_element_too_large_in_pieces(void **state)
{
	(void)state;
	const size_t chunks[] = {1, 5, 50};
	for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
		struct collected c = {STRV_INIT, 0, 0};
		struct rl_error err = {0};
		int r = split_all("[{\"a\":1}," LARGE "]", chunks[k], 40, &c, &err);
		if (r != RL_EPARSE)
			fail_msg("chunks of %zu: a 70-byte element passed a 40-byte limit",
				 chunks[k]);
		assert_non_null(strstr(err.msg, "too large"));
		/* The oversized element never reached the callback. */
		assert_int_equal(c.elements.n, 1);
		strv_release(&c.elements);
	}
}

static void test_element_too_large_in_one_chunk(void **state)
{
	(void)state;
	/* The limit protects memory; it must hold however the bytes arrive. */
	const size_t chunks[] = {1000, 40};
	for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
		struct collected c = {STRV_INIT, 0, 0};
		struct rl_error err = {0};
		int r = split_all("[{\"a\":1}," LARGE "]", chunks[k], 40, &c, &err);
		strv_release(&c.elements);
		if (r != RL_EPARSE)
			fail_msg("chunks of %zu: a 70-byte element passed a 40-byte limit "
				 "(got %d, %zu calls)",
				 chunks[k], r, c.calls);
	}
}

static void test_callback_error_propagates(void **state)
{
	(void)state;
	const size_t chunks[] = {100, 1};
	for (size_t k = 0; k < ARRAY_SIZE(chunks); k++) {
		struct collected c = {STRV_INIT, 2, 0};
		struct rl_error err = {0};
		int r = split_all("[{\"n\":1},{\"n\":2},{\"n\":3}]", chunks[k], BIG, &c, &err);
		assert_int_equal(r, RL_EIO);
		assert_string_equal(err.msg, "callback refused element 2");
		/* Nothing after the refused element was handed on. */
		assert_int_equal(c.calls, 2);
		assert_int_equal(c.elements.n, 1);
		assert_string_equal(c.elements.v[0], "{\"n\":1}");
		strv_release(&c.elements);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_container_list),
		cmocka_unit_test(test_simple_elements),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_strings_with_structure),
		cmocka_unit_test(test_empty_array),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_cut_off_reports_offset),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_not_an_array),
		cmocka_unit_test(test_non_object_element),
		cmocka_unit_test(test_missing_comma),
		cmocka_unit_test(test_error_names_offset),
		cmocka_unit_test(test_element_at_max_ok),
		cmocka_unit_test(test_element_too_large_in_pieces),
		cmocka_unit_test(test_element_too_large_in_one_chunk),
		cmocka_unit_test(test_callback_error_propagates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
