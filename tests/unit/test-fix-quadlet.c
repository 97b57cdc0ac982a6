/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fix.h"
#include "lint.h"

/* Defined in lint-quadlet.c: one unit from memory, without drop-ins. */
int quadlet_lint_text(const char *path, const char *text, size_t len, struct lint_results *out,
		      struct rl_error *err);

/* A plan like the one nginx gets: /run and /var/cache/nginx tmpfs, one volume. */
static struct plan_mount nginx_mounts[] = {
	{.type = PLAN_TMPFS, .target = "/run", .options = "mode=0755,size=64m"},
	{.type = PLAN_TMPFS,
	 .target = "/var/cache/nginx",
	 .options = "mode=0755,uid=101,gid=101,size=64m"},
	{.type = PLAN_VOLUME, .target = "/var/lib/app", .volume = "web-var-lib-app"},
};
static const struct plan nginx_plan = {.mounts = nginx_mounts,
				       .n_mounts = ARRAY_SIZE(nginx_mounts)};

static void edit_free(struct fix_edit *e)
{
	free(e->text);
	strv_release(&e->notes);
	memset(e, 0, sizeof(*e));
}

/* Fix `in` and compare with `want` byte for byte; returns the number of changes. */
static size_t check_fix(const char *in, const char *want, const struct plan *plan)
{
	struct fix_edit e;
	struct rl_error err = {0};
	int r = fix_quadlet(in, strlen(in), "web.container", plan, &e, &err);
	if (r < 0)
		fail_msg("fix_quadlet: %s", err.msg);
	assert_int_equal(e.len, strlen(e.text));
	assert_string_equal(e.text, want);
	assert_int_equal(e.changes == 0, strcmp(in, want) == 0);
	size_t changes = e.changes;

	/* Fixing the result again changes nothing. */
	struct fix_edit again;
	assert_int_equal(fix_quadlet(e.text, e.len, "web.container", plan, &again, &err), 0);
	assert_string_equal(again.text, e.text);
	assert_int_equal(again.changes, 0);
	edit_free(&again);
	edit_free(&e);
	return changes;
}

static void test_adds_after_last_entry(void **state)
{
	(void)state;
	const char *in = "# web server\n"
			 "[Unit]\n"
			 "Description=web\n"
			 "\n"
			 "[Container]\n"
			 "Image=docker.io/library/nginx\n"
			 "; published\n"
			 "PublishPort=8080:80\n"
			 "# trailing comment of the section\n"
			 "\n"
			 "[Install]\n"
			 "WantedBy=default.target\n";
	const char *want = "# web server\n"
			   "[Unit]\n"
			   "Description=web\n"
			   "\n"
			   "[Container]\n"
			   "Image=docker.io/library/nginx\n"
			   "; published\n"
			   "PublishPort=8080:80\n"
			   "ReadOnly=true\n"
			   "Tmpfs=/run:mode=0755,size=64m\n"
			   "Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\n"
			   "Volume=web-var-lib-app:/var/lib/app\n"
			   "# trailing comment of the section\n"
			   "\n"
			   "[Install]\n"
			   "WantedBy=default.target\n";
	assert_int_equal(check_fix(in, want, &nginx_plan), 4);
}

static void test_readonly_false_changed_in_place(void **state)
{
	(void)state;
	const char *in = "[Container]\n"
			 "ReadOnly = no\n"
			 "Image=nginx\n";
	const char *want = "[Container]\n"
			   "ReadOnly = true\n"
			   "Image=nginx\n"
			   "Tmpfs=/run:mode=0755,size=64m\n"
			   "Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\n"
			   "Volume=web-var-lib-app:/var/lib/app\n";
	assert_int_equal(check_fix(in, want, &nginx_plan), 4);

	/* Only the last ReadOnly= counts: the earlier one stays. */
	in = "[Container]\nReadOnly=false\nImage=nginx\nReadOnly=0\n";
	want = "[Container]\nReadOnly=false\nImage=nginx\nReadOnly=true\n";
	struct plan none = {0};
	assert_int_equal(check_fix(in, want, &none), 1);

	/* Already true, or made so by PodmanArgs: nothing to do. */
	in = "[Container]\nImage=nginx\nReadOnly=yes\n";
	assert_int_equal(check_fix(in, in, &none), 0);
	in = "[Container]\nImage=nginx\nPodmanArgs=--read-only\n";
	assert_int_equal(check_fix(in, in, &none), 0);
}

static void test_nothing_for_mounted_targets(void **state)
{
	(void)state;
	const char *in = "[Container]\n"
			 "Image=nginx\n"
			 "ReadOnly=true\n"
			 "Mount=type=tmpfs,destination=/run/\n"
			 "PodmanArgs=--tmpfs /var/cache/nginx:size=1m\n"
			 "Volume=data:/var/lib/app:Z\n";
	assert_int_equal(check_fix(in, in, &nginx_plan), 0);

	in = "[Container]\n"
	     "Image=nginx\n"
	     "ReadOnly=true\n"
	     "Tmpfs=/run\n"
	     "PodmanArgs=-v /srv/app:/var/lib/app --mount type=tmpfs,dst=/var/cache/nginx\n";
	assert_int_equal(check_fix(in, in, &nginx_plan), 0);
}

static void test_crlf_and_no_final_newline(void **state)
{
	(void)state;
	const char *in = "[Container]\r\nImage=nginx\r\n\r\n[Install]\r\nWantedBy=default.target";
	const char *want = "[Container]\r\nImage=nginx\r\nReadOnly=true\r\n"
			   "Tmpfs=/run:mode=0755,size=64m\r\n"
			   "Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\r\n"
			   "Volume=web-var-lib-app:/var/lib/app\r\n"
			   "\r\n[Install]\r\nWantedBy=default.target";
	check_fix(in, want, &nginx_plan);

	/* The section ends the file, without a final newline: still none after. */
	in = "[Container]\nImage=nginx";
	want = "[Container]\nImage=nginx\nReadOnly=true\nTmpfs=/run:mode=0755,size=64m\n"
	       "Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\n"
	       "Volume=web-var-lib-app:/var/lib/app";
	check_fix(in, want, &nginx_plan);

	/*
	 * Found by fuzz-fixquadlet: an empty ReadOnly= ends the file. Its value
	 * comes before the lines added after it, not at their end.
	 */
	in = "[Container]\nImage=nginx\nReadOnly=";
	want = "[Container]\nImage=nginx\nReadOnly=true\nTmpfs=/run:mode=0755,size=64m\n"
	       "Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\n"
	       "Volume=web-var-lib-app:/var/lib/app";
	check_fix(in, want, &nginx_plan);

	/* An empty section: the lines go under its header. */
	in = "[Container]\n\n[Service]\nRestart=always\n";
	want = "[Container]\nReadOnly=true\n\n[Service]\nRestart=always\n";
	struct plan none = {0};
	check_fix(in, want, &none);
}

static void test_continuation_lines(void **state)
{
	(void)state;
	/* The last entry runs over three lines, with a comment between two. */
	const char *in = "[Container]\n"
			 "Image=nginx\n"
			 "PodmanArgs=--log-level=info \\\n"
			 "# between\n"
			 "  --pull=never \\\n"
			 "  --quiet\n"
			 "[Install]\n";
	const char *want = "[Container]\n"
			   "Image=nginx\n"
			   "PodmanArgs=--log-level=info \\\n"
			   "# between\n"
			   "  --pull=never \\\n"
			   "  --quiet\n"
			   "ReadOnly=true\n"
			   "[Install]\n";
	struct plan none = {0};
	check_fix(in, want, &none);

	/*
	 * A backslash that ends the file joins nothing, and must join no new
	 * line: the new lines go before that entry, which keeps its value.
	 */
	in = "[Container]\nImage=nginx\\\\\n";
	want = "[Container]\nReadOnly=true\nImage=nginx\\\\\n";
	check_fix(in, want, &none);
	/* After a header that ends so, the backslash goes (it still says [Container]). */
	in = "[Container]\\";
	want = "[Container]\nReadOnly=true";
	check_fix(in, want, &none);
	/* A continued ReadOnly= that ends the file so: changed, the new lines before it. */
	in = "[Container]\nImage=nginx\nReadOnly=n\\\n o\\";
	want = "[Container]\nImage=nginx\nTmpfs=/run:mode=0755,size=64m\n"
	       "Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\n"
	       "Volume=web-var-lib-app:/var/lib/app\nReadOnly=true\\";
	check_fix(in, want, &nginx_plan);
	/* An empty Tmpfs= there would empty the list the new lines start: refused. */
	in = "[Container]\nTmpfs=\\";
	struct fix_edit e;
	struct rl_error err = {0};
	assert_int_equal(fix_quadlet(in, strlen(in), "web.container", &nginx_plan, &e, &err),
			 RL_EPARSE);
	assert_true(str_startswith(err.msg, "web.container:2: "));
	assert_null(e.text);
	assert_int_equal(e.notes.n, 0);

	/* A ReadOnly= line continued over two lines is replaced whole. */
	in = "[Container]\nReadOnly=fal\\\nse\nImage=nginx\n";
	want = "[Container]\nReadOnly=true\nImage=nginx\n";
	check_fix(in, want, &none);
}

static void test_last_container_section(void **state)
{
	(void)state;
	const char *in = "[Container]\nImage=nginx\n[Service]\nRestart=always\n"
			 "[Container]\nPublishPort=80\n\n[Install]\n";
	const char *want = "[Container]\nImage=nginx\n[Service]\nRestart=always\n"
			   "[Container]\nPublishPort=80\nReadOnly=true\n\n[Install]\n";
	struct plan none = {0};
	check_fix(in, want, &none);
}

static void test_refusals(void **state)
{
	(void)state;
	struct fix_edit e;
	struct rl_error err = {0};
	const char *in = "[Service]\nExecStart=/bin/true\n";
	assert_int_equal(fix_quadlet(in, strlen(in), "web.container", &nginx_plan, &e, &err),
			 RL_EPARSE);
	assert_string_equal(err.msg, "web.container: no [Container] section: not a Quadlet "
				     ".container unit");
	assert_null(e.text);

	in = "[Container]\nImage=nginx\nPodmanArgs=--read-only=false\n";
	assert_int_equal(fix_quadlet(in, strlen(in), "web.container", &nginx_plan, &e, &err),
			 RL_EPARSE);
	assert_non_null(strstr(err.msg, "--read-only=false"));

	in = "[Container]\nnot a key\n";
	assert_int_equal(fix_quadlet(in, strlen(in), "web.container", &nginx_plan, &e, &err),
			 RL_EPARSE);
	assert_true(str_startswith(err.msg, "web.container:2:"));

	assert_int_equal(fix_quadlet_dropin(in, strlen(in), "web.container", &nginx_plan, &e, &err),
			 RL_EPARSE);
}

static void test_unwritable_values_left_out(void **state)
{
	(void)state;
	struct plan_mount m[] = {
		{.type = PLAN_TMPFS, .target = "/srv/my files", .options = "size=1m"},
		{.type = PLAN_TMPFS, .target = "/run", .options = "size=1m,x=\"y\""},
		{.type = PLAN_VOLUME, .target = "/var/lib/%data"},
		/* No usable name from the plan: one made of the unit's and the path's. */
		{.type = PLAN_VOLUME, .target = "/var/lib/db/", .volume = "-bad name"},
	};
	struct plan plan = {.mounts = m, .n_mounts = ARRAY_SIZE(m)};
	const char *in = "[Container]\nImage=pg\nReadOnly=true\n";
	struct fix_edit e;
	struct rl_error err = {0};
	assert_int_equal(fix_quadlet(in, strlen(in), "units/db.container", &plan, &e, &err), 0);
	assert_string_equal(e.text, "[Container]\nImage=pg\nReadOnly=true\n"
				    "Volume=db-var-lib-db:/var/lib/db\n");
	assert_int_equal(e.changes, 1);
	size_t left_out = 0;
	for (size_t i = 0; i < e.notes.n; i++)
		left_out += strstr(e.notes.v[i], "by hand") != NULL;
	assert_int_equal(left_out, 3);
	edit_free(&e);
}

static void test_dropin(void **state)
{
	(void)state;
	struct fix_edit e;
	struct rl_error err = {0};
	const char *unit = "[Container]\nImage=nginx\nReadOnly=false\nTmpfs=/run\n";
	assert_int_equal(
		fix_quadlet_dropin(unit, strlen(unit), "web.container", &nginx_plan, &e, &err), 0);
	assert_string_equal(e.text, "[Container]\n"
				    "ReadOnly=true\n"
				    "Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\n"
				    "Volume=web-var-lib-app:/var/lib/app\n");
	assert_int_equal(e.changes, 3);
	edit_free(&e);

	/* The unit says it all: an empty drop-in, no changes. */
	unit = "[Container]\r\nImage=nginx\r\nReadOnly=true\r\nTmpfs=/run\r\n"
	       "Tmpfs=/var/cache/nginx\r\nVolume=x:/var/lib/app\r\n";
	assert_int_equal(
		fix_quadlet_dropin(unit, strlen(unit), "web.container", &nginx_plan, &e, &err), 0);
	assert_string_equal(e.text, "");
	assert_int_equal(e.len, 0);
	assert_int_equal(e.changes, 0);
	edit_free(&e);

	/* CRLF units get CRLF drop-ins. */
	unit = "[Container]\r\nImage=nginx\r\n";
	struct plan none = {0};
	assert_int_equal(fix_quadlet_dropin(unit, strlen(unit), "web.container", &none, &e, &err),
			 0);
	assert_string_equal(e.text, "[Container]\r\nReadOnly=true\r\n");
	edit_free(&e);
}

/* The edited unit, read by lint's Quadlet reader: read-only, every planned target mounted. */
static void test_round_trip_with_lint_reader(void **state)
{
	(void)state;
	const char *in = "[Container]\nImage=nginx\nVolatileTmp=true\nReadOnly=off\n";
	struct fix_edit e;
	struct rl_error err = {0};
	assert_int_equal(fix_quadlet(in, strlen(in), "web.container", &nginx_plan, &e, &err), 0);
	struct lint_results res = {0};
	assert_int_equal(quadlet_lint_text("web.container", e.text, e.len, &res, &err), 0);
	assert_int_equal(res.n, 1);
	const struct workload *w = &res.v[0].w;
	assert_true(w->readonly_rootfs);
	for (size_t i = 0; i < nginx_plan.n_mounts; i++) {
		bool found = false;
		for (size_t k = 0; k < w->n_mounts; k++)
			found |= streq(w->mounts[k].target, nginx_plan.mounts[i].target);
		assert_true(found);
	}
	lint_results_release(&res);
	edit_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adds_after_last_entry),
		cmocka_unit_test(test_readonly_false_changed_in_place),
		cmocka_unit_test(test_nothing_for_mounted_targets),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_continuation_lines),
		cmocka_unit_test(test_last_container_section),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_unwritable_values_left_out),
		cmocka_unit_test(test_dropin),
		cmocka_unit_test(test_round_trip_with_lint_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
