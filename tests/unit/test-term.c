/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "term.h"

/* What a terminal would receive for a container name or label. */
static void expect_sanitized(const char *in, const char *want)
{
	char *got = term_sanitize(in);
	assert_non_null(got);
	if (strcmp(got, want) != 0) {
		char *shown = term_sanitize(got); /* keep the test output itself safe */
		free(got);
		fail_msg("term_sanitize gave \"%s\", want \"%s\"", shown, want);
	}
	free(got);
}

static bool has_control_bytes(const char *s)
{
	unsigned char prev = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; prev = *p++)
		if (*p < 0x20 || *p == 0x7f || (prev == 0xc2 && *p >= 0x80 && *p <= 0x9f))
			return true;
	return false;
}

static bool is_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80)
			return false;
	return true;
}

static void test_c0_controls(void **state)
{
	(void)state;
	/* A window-title sequence and a colour change must not take effect. */
	expect_sanitized("evil\x1b]0;pwned\x07", "evil\\x1b]0;pwned\\x07");
	expect_sanitized("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	expect_sanitized("a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd");
	expect_sanitized("\x01\x1f", "\\x01\\x1f");
	expect_sanitized("x\by", "x\\x08y");
}

static void test_del(void **state)
{
	(void)state;
	expect_sanitized("rub\x7fout", "rub\\x7fout");
}

static void test_c1_controls(void **state)
{
	(void)state;
	/* U+009B is CSI on terminals that honour 8-bit controls. */
	expect_sanitized("a\xc2\x9b"
			 "31mb",
			 "a\\xc2\\x9b31mb");
	expect_sanitized("\xc2\x80\xc2\x9f", "\\xc2\\x80\\xc2\\x9f");
	/* Raw C1 bytes (not UTF-8) are invalid and escaped as well. */
	expect_sanitized("\x9b", "\\x9b");
	/* U+00A0 just after the C1 range is printable. */
	expect_sanitized("\xc2\xa0", "\xc2\xa0");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	expect_sanitized("\xff", "\\xff");
	expect_sanitized("\xfe\xfe", "\\xfe\\xfe");
	expect_sanitized("a\x80z", "a\\x80z");	      /* lone continuation byte */
	expect_sanitized("\xe6\x97", "\\xe6\\x97");   /* cut off at the end */
	expect_sanitized("\xe6\x97z", "\\xe6\\x97z"); /* cut off before ASCII */
	expect_sanitized("\xc3", "\\xc3");
	expect_sanitized("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80"); /* 5 bytes */
	expect_sanitized("\xed\xa0\x80", "\\xed\\xa0\\x80");		       /* surrogate */
	expect_sanitized("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	       /* > U+10FFFF */
}

static void test_overlong(void **state)
{
	(void)state;
	/* Overlong '/' and NUL, classic filter bypasses. */
	expect_sanitized("\xc0\xaf", "\\xc0\\xaf");
	expect_sanitized("\xc1\xbf", "\\xc1\\xbf");
	expect_sanitized("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	expect_sanitized("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	expect_sanitized("\xc0\x80", "\\xc0\\x80");
	/* Overlong ESC. */
	expect_sanitized("\xc0\x9b", "\\xc0\\x9b");
}

static void test_valid_utf8_passes(void **state)
{
	(void)state;
	expect_sanitized("caf\xc3\xa9", "caf\xc3\xa9");				  /* café */
	expect_sanitized("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"); /* 日本 */
	expect_sanitized("\xf0\x9f\x90\xb3", "\xf0\x9f\x90\xb3");		  /* U+1F433 */
	expect_sanitized("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");		  /* U+10FFFF */
	expect_sanitized("\xe0\xa0\x80", "\xe0\xa0\x80");			  /* U+0800 */
	expect_sanitized("web-1_x.y:latest ~!@#$%^&*()", "web-1_x.y:latest ~!@#$%^&*()");
	expect_sanitized("", "");
}

static void test_backslash_doubled(void **state)
{
	(void)state;
	/* Otherwise a name spelled "\x1b" could pass for an escaped ESC. */
	expect_sanitized("a\\b", "a\\\\b");
	expect_sanitized("\\x1b", "\\\\x1b");
	char *real = term_sanitize("\x1b");
	char *fake = term_sanitize("\\x1b");
	assert_string_not_equal(real, fake);
	free(real);
	free(fake);
}

static void test_null_and_append(void **state)
{
	(void)state;
	char *s = term_sanitize(NULL);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "name: ");
	strbuf_add_sanitized(&sb, "x\x1by");
	strbuf_add_sanitized(&sb, NULL);
	strbuf_add_sanitized(&sb, "\xc3\xa9");
	assert_string_equal(strbuf_str(&sb), "name: x\\x1by\xc3\xa9");
	strbuf_release(&sb);

	/* An empty input still gives a usable buffer. */
	struct strbuf empty = STRBUF_INIT;
	strbuf_add_sanitized(&empty, "");
	assert_non_null(empty.buf);
	assert_string_equal(empty.buf, "");
	strbuf_release(&empty);
}

static void test_no_control_byte_survives(void **state)
{
	(void)state;
	/* Every single byte and every two-byte pair. */
	char in[3] = {0};
	for (int a = 1; a < 256; a++) {
		for (int b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			char *out = term_sanitize(in);
			if (has_control_bytes(out))
				fail_msg("control byte survived for %02x %02x", a, b);
			/* Non-ASCII survives only as the valid sequence it was. */
			if (!is_ascii(out) && strcmp(out, in) != 0)
				fail_msg("%02x %02x came out partly raw", a, b);
			free(out);
		}
	}
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(term_width(""), 0);
	assert_int_equal(term_width("web-writable"), 12);
	assert_int_equal(term_width("caf\xc3\xa9"), 4);
	assert_int_equal(term_width("\xf0\x9f\x90\xb3x"), 2);
	/* The escapes a sanitized string contains are plain ASCII columns. */
	char *s = term_sanitize("a\x1b");
	assert_int_equal(term_width(s), strlen("a\\x1b"));
	free(s);
	/* Sanitized invalid bytes no longer confuse the count. */
	s = term_sanitize("\x80\x80\x80");
	assert_int_equal(term_width(s), 12);
	free(s);
}

/* What a terminal would receive for text of several lines after indent. */
static void expect_lines(const char *in, const char *indent, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_sanitized_lines(&sb, indent, in);
	const char *got = strbuf_str(&sb);
	if (strcmp(got, want) != 0) {
		char *shown = term_sanitize(got);
		strbuf_release(&sb);
		fail_msg("strbuf_add_sanitized_lines gave \"%s\"", shown);
	}
	strbuf_release(&sb);
}

static void test_lines_split(void **state)
{
	(void)state;
	/* Each line its own, after the indent; the final newline adds no empty line. */
	expect_lines("a\nb\n", "  | ", "  | a\n  | b\n");
	expect_lines("a\nb", "  | ", "  | a\n  | b\n");
	/* A blank line inside the text stays, as the program printed it. */
	expect_lines("a\n\nb\n", "> ", "> a\n> \n> b\n");
	expect_lines("", "> ", "");
	expect_lines(NULL, "> ", "");
	expect_lines("\n", "> ", "> \n");
}

static void test_lines_crlf(void **state)
{
	(void)state;
	/* CRLF ends a line; a lone CR could overwrite what the line showed, so it stays escaped. */
	expect_lines("a\r\nb\r\n", "  ", "  a\n  b\n");
	expect_lines("a\rb\n", "  ", "  a\\x0db\n");
	expect_lines("a\r", "  ", "  a\\x0d\n");
}

static void test_lines_sanitized(void **state)
{
	(void)state;
	/* Every line is sanitized on its own: an ESC in the second line is escaped. */
	expect_lines("ok\n\x1b[2Jgone\n", "  | ", "  | ok\n  | \\x1b[2Jgone\n");
	expect_lines("tab\there\n", "", "tab\\x09here\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c0_controls),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_backslash_doubled),
		cmocka_unit_test(test_null_and_append),
		cmocka_unit_test(test_no_control_byte_survives),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_lines_split),
		cmocka_unit_test(test_lines_crlf),
		cmocka_unit_test(test_lines_sanitized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
