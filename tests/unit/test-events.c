/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "events.h"
#include "fileio.h"

struct seen {
	struct strv lines; /* "type action id name time" per event */
	int stop_at;	   /* 1-based event the callback refuses; 0 = none */
	int calls;
};

static int collect(const struct engine_event *ev, void *userdata, struct rl_error *err)
{
	struct seen *s = userdata;
	if (++s->calls == s->stop_at)
		return rl_error_set(err, RL_EIO, "refused event %d", s->calls);
	strv_addf(&s->lines, "%s %s %s %s %lld", ev->type, ev->action, ev->id,
		  ev->name ? ev->name : "-", ev->time_nano);
	return 0;
}

/* Feed text in pieces of chunk bytes; returns the first error. */
static int feed(const char *text, size_t len, size_t chunk, size_t max, struct seen *s,
		struct rl_error *err)
{
	struct events_parser p;
	events_parser_init(&p, max, collect, s);
	int r = 0;
	for (size_t off = 0; off < len && r == 0; off += chunk)
		r = events_feed(&p, text + off, len - off < chunk ? len - off : chunk, err);
	events_parser_release(&p);
	return r;
}

static void read_fixture(struct strbuf *sb)
{
	struct rl_error err = {0};
	assert_int_equal(read_file_limited(TEST_DATA "/events/docker20.jsonl", 1 << 20, sb, &err),
			 0);
}

/* The real engine's stream, in every piece size: the same seven events. */
static void test_real_stream_any_pieces(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	read_fixture(&sb);
	const size_t chunks[] = {1, 2, 7, 64, 1000, 1 << 20};
	for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
		struct seen s = {0};
		struct rl_error err = {0};
		assert_int_equal(feed(sb.buf, sb.len, chunks[c], 1 << 20, &s, &err), 0);
		assert_int_equal(s.lines.n, 7);
		const char *id = "9e35cc969e8c3f41fe8def6012180f78067715700137bd0b120a55c2c3734ae6";
		_cleanup_free_ char *first =
			xasprintf("container create %s evA 1796539308176406380", id);
		assert_string_equal(s.lines.v[0], first);
		assert_true(str_startswith(s.lines.v[1], "container rename"));
		assert_non_null(strstr(s.lines.v[1], " evB "));
		assert_true(str_startswith(s.lines.v[6], "container destroy"));
		strv_release(&s.lines);
	}
}

/* Events before API 1.22 had only status, id and time. */
static void test_old_format(void **state)
{
	const char *text =
		"{\"status\":\"create\",\"id\":\"abc\",\"from\":\"x\",\"time\":1500000000}";
	struct engine_event ev;
	struct rl_error err = {0};
	assert_int_equal(engine_event_parse(text, strlen(text), &ev, &err), 0);
	assert_string_equal(ev.type, "container");
	assert_string_equal(ev.action, "create");
	assert_string_equal(ev.id, "abc");
	assert_null(ev.name);
	assert_true(ev.time_nano == 1500000000LL * 1000000000LL);
	engine_event_release(&ev);
}

/* Braces and quotes inside strings do not end an event early. */
static void test_strings_with_braces(void **state)
{
	const char *text =
		"{\"Type\":\"container\",\"Action\":\"rename\",\"Actor\":{\"ID\":\"a1\","
		"\"Attributes\":{\"name\":\"x}\\\"{y\"}},\"timeNano\":5}\n"
		"  {\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n\"}}";
	struct seen s = {0};
	struct rl_error err = {0};
	assert_int_equal(feed(text, strlen(text), 3, 4096, &s, &err), 0);
	assert_int_equal(s.lines.n, 2);
	assert_string_equal(s.lines.v[0], "container rename a1 x}\"{y 5");
	assert_string_equal(s.lines.v[1], "network connect n - 0");
	strv_release(&s.lines);
}

static void expect_parse_error(const char *text, size_t max, const char *what)
{
	struct seen s = {0};
	struct rl_error err = {0};
	assert_int_equal(feed(text, strlen(text), 5, max, &s, &err), RL_EPARSE);
	if (!strstr(err.msg, what))
		fail_msg("expected '%s' in '%s'", what, err.msg);
	strv_release(&s.lines);
}

static void test_refused(void **state)
{
	expect_parse_error("[{\"id\":\"x\"}]", 4096, "expected an object");
	expect_parse_error("{\"Type\":\"container\",\"Action\":\"start\"}", 4096, "Actor.ID");
	expect_parse_error("{\"Type\":\"container\",\"Actor\":{\"ID\":\"a\"}}", 4096, "Action");
	expect_parse_error("{\"Type\":\"container\" \"Action\":1}", 4096, "not JSON");
	expect_parse_error(
		"{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"a\","
		"\"Attributes\":{\"name\":\"0123456789012345678901234567890123456789\"}}}",
		64, "too large");
}

/* A refusal from the callback stops the feed with its error. */
static void test_callback_stops(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	read_fixture(&sb);
	struct seen s = {.stop_at = 3};
	struct rl_error err = {0};
	assert_int_equal(feed(sb.buf, sb.len, 100, 1 << 20, &s, &err), RL_EIO);
	assert_int_equal(s.lines.n, 2);
	strv_release(&s.lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_stream_any_pieces), cmocka_unit_test(test_old_format),
		cmocka_unit_test(test_strings_with_braces),    cmocka_unit_test(test_refused),
		cmocka_unit_test(test_callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
