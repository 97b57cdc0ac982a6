/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fix.h"

/*
 * fix's file set: read once, written all or nothing, in a scratch
 * directory: mode and owner kept, a symlink's target written, a file that
 * changed after it was read (or cannot be written) stops every write.
 */

static char *scratch(void)
{
	char tmpl[] = "/tmp/rl-fixfiles.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static char *slurp(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

/* Entries in dir, so a test can see no temp file was left behind. */
static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!streq(e->d_name, ".") && !streq(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void remove_tree(const char *dir)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void set_text(struct fix_file *f, const char *text)
{
	struct fix_edit e = {.text = xstrdup(text), .len = strlen(text), .changes = 1};
	fix_file_take(f, &e);
	fix_edit_release(&e);
}

static void test_relative_path(void **state)
{
	(void)state;
	struct {
		const char *cwd, *abs, *want;
	} cases[] = {
		{"/srv/app", "/srv/app/compose.yaml", "compose.yaml"},
		{"/srv/app", "/srv/app/deploy/compose.yaml", "deploy/compose.yaml"},
		{"/srv/app", "/srv/other/compose.yaml", "../other/compose.yaml"},
		{"/srv/app/sub", "/etc/compose.yaml", "../../../etc/compose.yaml"},
		{"/", "/srv/compose.yaml", "srv/compose.yaml"},
		/* A shared prefix that is not a directory: /srv/app is not in /srv/ap. */
		{"/srv/ap", "/srv/app/compose.yaml", "../app/compose.yaml"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *got = fix_relative_path(cases[i].cwd, cases[i].abs);
		assert_string_equal(got, cases[i].want);
	}
}

static void test_write_keeps_mode_and_symlink(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = scratch();
	put(dir, "a.yaml", "a: 1\n", 0640);
	put(dir, "b.yaml", "b: 1\n", 0600);
	_cleanup_free_ char *link = xasprintf("%s/link.yaml", dir);
	assert_int_equal(symlink("b.yaml", link), 0);
	_cleanup_free_ char *a_path = xasprintf("%s/a.yaml", dir);

	struct fix_files fs = {0};
	struct rl_error err = {0};
	struct fix_file *a = fix_files_get(&fs, a_path, false, &err);
	assert_non_null(a);
	set_text(a, "a: 2\n");
	struct fix_file *l = fix_files_get(&fs, link, false, &err);
	assert_non_null(l);
	assert_string_equal(l->old, "b: 1\n");
	set_text(l, "b: 2\n");
	/* Asked again, the same entry: one read per file. */
	assert_ptr_equal(fix_files_get(&fs, a_path, false, &err), &fs.v[0]);

	assert_int_equal(fix_files_write(&fs, &err), 0);
	assert_true(fs.v[0].written && fs.v[1].written);
	_cleanup_free_ char *a_now = slurp(dir, "a.yaml");
	_cleanup_free_ char *b_now = slurp(dir, "b.yaml");
	assert_string_equal(a_now, "a: 2\n");
	assert_string_equal(b_now, "b: 2\n");
	struct stat st;
	assert_int_equal(stat(a_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(link, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(entries(dir), 3);
	fix_files_release(&fs);
	remove_tree(dir);
}

static void test_changed_after_read_writes_nothing(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = scratch();
	put(dir, "a.yaml", "a: 1\n", 0644);
	put(dir, "b.yaml", "b: 1\n", 0644);
	_cleanup_free_ char *a_path = xasprintf("%s/a.yaml", dir);
	_cleanup_free_ char *b_path = xasprintf("%s/b.yaml", dir);
	struct fix_files fs = {0};
	struct rl_error err = {0};
	set_text(fix_files_get(&fs, a_path, false, &err), "a: 2\n");
	set_text(fix_files_get(&fs, b_path, false, &err), "b: 2\n");
	/* Someone saves b (same length) while fix was planning. */
	put(dir, "b.yaml", "b: 9\n", 0644);

	assert_int_equal(fix_files_write(&fs, &err), RL_EIO);
	assert_non_null(strstr(err.msg, "changed after it was read"));
	assert_non_null(strstr(err.msg, "b.yaml"));
	/* a is untouched although its own check passed, and no temp file stays. */
	_cleanup_free_ char *a_now = slurp(dir, "a.yaml");
	_cleanup_free_ char *b_now = slurp(dir, "b.yaml");
	assert_string_equal(a_now, "a: 1\n");
	assert_string_equal(b_now, "b: 9\n");
	assert_false(fs.v[0].written || fs.v[1].written);
	assert_int_equal(entries(dir), 2);
	fix_files_release(&fs);
	remove_tree(dir);
}

static void test_not_writable_writes_nothing(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = scratch();
	put(dir, "a.yaml", "a: 1\n", 0444);
	_cleanup_free_ char *a_path = xasprintf("%s/a.yaml", dir);
	struct fix_files fs = {0};
	struct rl_error err = {0};
	set_text(fix_files_get(&fs, a_path, false, &err), "a: 2\n");
	/* Refused even for root, who could write it: the mode says not to. */
	assert_int_equal(fix_files_write(&fs, &err), RL_EIO);
	assert_non_null(strstr(err.msg, "is not writable (mode 0444)"));
	_cleanup_free_ char *a_now = slurp(dir, "a.yaml");
	assert_string_equal(a_now, "a: 1\n");
	assert_int_equal(entries(dir), 1);
	fix_files_release(&fs);
	remove_tree(dir);
}

static void test_new_file_and_bad_paths(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = scratch();
	_cleanup_free_ char *override = xasprintf("%s/compose.override.yaml", dir);
	struct fix_files fs = {0};
	struct rl_error err = {0};
	struct fix_file *o = fix_files_get(&fs, override, true, &err);
	assert_non_null(o);
	assert_null(o->old);
	set_text(o, "services: {}\n");
	assert_int_equal(fix_files_write(&fs, &err), 0);
	_cleanup_free_ char *now = slurp(dir, "compose.override.yaml");
	assert_string_equal(now, "services: {}\n");
	struct stat st;
	assert_int_equal(stat(override, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	fix_files_release(&fs);

	/* A file that must exist and does not; a directory. */
	_cleanup_free_ char *gone = xasprintf("%s/gone.yaml", dir);
	assert_null(fix_files_get(&fs, gone, false, &err));
	assert_int_equal(err.code, RL_EIO);
	assert_non_null(strstr(err.msg, "cannot read"));
	assert_null(fix_files_get(&fs, dir, false, &err));
	assert_non_null(strstr(err.msg, "is not a regular file"));
	fix_files_release(&fs);
	remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative_path),
		cmocka_unit_test(test_write_keeps_mode_and_symlink),
		cmocka_unit_test(test_changed_after_read_writes_nothing),
		cmocka_unit_test(test_not_writable_writes_nothing),
		cmocka_unit_test(test_new_file_and_bad_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
