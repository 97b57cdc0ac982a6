/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "workload.h"

/* Sizes as users write them for --tmpfs and --mount tmpfs-size. */

static void test_parse_size_units(void **state)
{
	(void)state;
	assert_int_equal(parse_size("0"), 0);
	assert_int_equal(parse_size("1024"), 1024);
	assert_int_equal(parse_size("4k"), 4096);
	assert_int_equal(parse_size("64m"), 64LL << 20);
	assert_int_equal(parse_size("64M"), 64LL << 20);
	assert_int_equal(parse_size("1g"), 1LL << 30);
	assert_int_equal(parse_size("1G"), 1LL << 30);
	assert_int_equal(parse_size("2t"), 2LL << 40);
	/* The "b" some people add is tolerated. */
	assert_int_equal(parse_size("64mb"), 64LL << 20);
	assert_int_equal(parse_size("64MB"), 64LL << 20);
	assert_int_equal(parse_size("1gB"), 1LL << 30);
}

static void test_parse_size_invalid(void **state)
{
	(void)state;
	const char *bad[] = {
		"",    "bad",  "m",	"-1",	"+5",	" 64m", "64 m",
		"64x", "64mm", "64mbb", "1.5g", "64m ", "0x10", "k64",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse_size(bad[i]) != -1)
			fail_msg("parse_size(\"%s\") = %lld, want -1", bad[i], parse_size(bad[i]));
	}
	assert_int_equal(parse_size(NULL), -1);
}

static void test_parse_size_overflow(void **state)
{
	(void)state;
	/* Beyond what strtoull holds. */
	assert_int_equal(parse_size("99999999999999999999999"), -1);
	/* Fits unsigned, not signed. */
	assert_int_equal(parse_size("9223372036854775808"), -1);
	/* The largest value still fits. */
	assert_int_equal(parse_size("9223372036854775807"), LLONG_MAX);
	/* The multiplier pushes it over. */
	assert_int_equal(parse_size("8589934592g"), -1);
	assert_int_equal(parse_size("9007199254740992k"), -1);
	assert_int_equal(parse_size("8388607t"), 8388607LL << 40);
	assert_int_equal(parse_size("8388608t"), -1);
}

static void expect_size(long long bytes, const char *want)
{
	char buf[32];
	memset(buf, 'X', sizeof(buf));
	const char *got = format_size(bytes, buf, sizeof(buf));
	assert_ptr_equal(got, buf);
	if (strcmp(got, want) != 0)
		fail_msg("format_size(%lld) = \"%s\", want \"%s\"", bytes, got, want);
}

static void test_format_size(void **state)
{
	(void)state;
	expect_size(0, "0B");
	expect_size(512, "512B");
	expect_size(1023, "1023B");
	expect_size(1024, "1K");
	expect_size(1536, "1.5K");
	expect_size(16LL << 20, "16M");
	expect_size(64LL << 20, "64M");
	expect_size(1LL << 30, "1G");
	expect_size(3LL << 29, "1.5G");
	expect_size(5LL << 40, "5T");
	/* Round trip: what parse_size reads, format_size writes back. */
	char buf[32];
	assert_string_equal(format_size(parse_size("64m"), buf, sizeof(buf)), "64M");
}

static void test_format_size_truncates_safely(void **state)
{
	(void)state;
	char buf[3];
	format_size(64LL << 20, buf, sizeof(buf));
	assert_string_equal(buf, "64");
}

static void test_tmpfs_options_defaults(void **state)
{
	(void)state;
	/* Docker mounts --tmpfs noexec and writable unless told otherwise. */
	struct mount m = {.exec = true, .writable = false};
	mount_parse_tmpfs_options(&m, "");
	assert_false(m.exec);
	assert_true(m.writable);
	assert_int_equal(m.size_bytes, 0);

	struct mount n = {.exec = true, .writable = false};
	mount_parse_tmpfs_options(&n, NULL);
	assert_false(n.exec);
	assert_true(n.writable);
}

static void test_tmpfs_options_exec_last_wins(void **state)
{
	(void)state;
	struct mount m = {0};
	mount_parse_tmpfs_options(&m, "rw,exec,size=16m");
	assert_true(m.exec);
	assert_true(m.writable);
	assert_int_equal(m.size_bytes, 16LL << 20);

	mount_parse_tmpfs_options(&m, "exec,noexec");
	assert_false(m.exec);
	mount_parse_tmpfs_options(&m, "noexec,exec");
	assert_true(m.exec);
	/* Prefixes and look-alikes are not "exec". */
	mount_parse_tmpfs_options(&m, "execute,noexecx,exec=1");
	assert_false(m.exec);
}

static void test_tmpfs_options_ro_and_size(void **state)
{
	(void)state;
	struct mount m = {0};
	mount_parse_tmpfs_options(&m, "ro,size=1g");
	assert_false(m.writable);
	assert_int_equal(m.size_bytes, 1LL << 30);

	mount_parse_tmpfs_options(&m, "ro,rw");
	assert_true(m.writable);

	struct mount k = {0};
	mount_parse_tmpfs_options(&k, "size=65536k,mode=1777");
	assert_int_equal(k.size_bytes, 64LL << 20);

	/* A size that does not parse leaves the size unknown (unlimited). */
	struct mount b = {0};
	mount_parse_tmpfs_options(&b, "size=lots,exec");
	assert_int_equal(b.size_bytes, 0);
	assert_true(b.exec);

	/* Empty items between commas are harmless. */
	struct mount e = {0};
	mount_parse_tmpfs_options(&e, ",,exec,,size=2m,");
	assert_true(e.exec);
	assert_int_equal(e.size_bytes, 2LL << 20);
}

static void test_mount_kind_names(void **state)
{
	(void)state;
	assert_string_equal(mount_kind_name(MOUNT_TMPFS), "tmpfs");
	assert_string_equal(mount_kind_name(MOUNT_VOLUME), "volume");
	assert_string_equal(mount_kind_name(MOUNT_ANONYMOUS), "anonymous volume");
	assert_string_equal(mount_kind_name(MOUNT_BIND), "bind");
	assert_string_equal(mount_kind_name(MOUNT_OTHER), "other");
	assert_string_equal(mount_kind_name(MOUNT_KIND_MAX), "other");
	assert_string_equal(mount_kind_name((enum mount_kind)1000), "other");
}

static void test_add_mount_copies(void **state)
{
	(void)state;
	struct workload w;
	workload_init(&w);
	char target[] = "/data";
	char source[] = "shop_data";
	struct mount m = {
		.kind = MOUNT_VOLUME, .target = target, .source = source, .writable = true};
	workload_add_mount(&w, &m);
	struct mount t = {.kind = MOUNT_TMPFS, .target = "/tmp", .size_bytes = 42};
	workload_add_mount(&w, &t);
	/* The caller's buffers may change or go away afterwards. */
	target[1] = 'X';
	source[0] = 'X';
	assert_int_equal(w.n_mounts, 2);
	assert_string_equal(w.mounts[0].target, "/data");
	assert_string_equal(w.mounts[0].source, "shop_data");
	assert_int_equal(w.mounts[0].kind, MOUNT_VOLUME);
	assert_true(w.mounts[0].writable);
	assert_string_equal(w.mounts[1].target, "/tmp");
	assert_null(w.mounts[1].source);
	assert_int_equal(w.mounts[1].size_bytes, 42);

	workload_release(&w);
	assert_int_equal(w.n_mounts, 0);
	assert_null(w.mounts);
	workload_release(&w); /* twice is harmless */
	workload_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_units),
		cmocka_unit_test(test_parse_size_invalid),
		cmocka_unit_test(test_parse_size_overflow),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_format_size_truncates_safely),
		cmocka_unit_test(test_tmpfs_options_defaults),
		cmocka_unit_test(test_tmpfs_options_exec_last_wins),
		cmocka_unit_test(test_tmpfs_options_ro_and_size),
		cmocka_unit_test(test_mount_kind_names),
		cmocka_unit_test(test_add_mount_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
