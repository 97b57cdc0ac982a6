/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>

#include "clone.h"
#include "fsindex.h"
#include "try.h"

/*
 * What try decides without an engine: when a watched clone's round is
 * decided and what it proved, when a round is no pass after all, when the
 * rounds stop, and what `rootlock try --format json` says.
 */

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);
	if (!v)
		fail_msg("%s: %s", text, jerr.text);
	return v;
}

/* One look at the clone: running or not, and its health, as inspect says them. */
static bool look(const char *state, long long elapsed_ms, struct try_round *r)
{
	_cleanup_free_ char *text = xasprintf("{\"State\": %s}", state);
	json_t *c = load(text);
	bool decided = try_watch_state(c, elapsed_ms, 5, 60, r);
	json_decref(c);
	return decided;
}

static void test_watch_exited_is_a_fail_with_its_code(void **state)
{
	struct try_round r = {0};
	assert_true(look("{\"Running\": false, \"ExitCode\": 3}", 1500, &r));
	assert_false(r.pass);
	assert_string_equal(r.outcome, "it exited with code 3 after 1.5 s");
	try_round_release(&r);
}

static void test_watch_without_healthcheck_settles(void **state)
{
	struct try_round r = {0};
	/* Up, but not yet for the settle time: look again. */
	assert_false(look("{\"Running\": true}", 4999, &r));
	assert_null(r.outcome);
	assert_true(look("{\"Running\": true}", 5000, &r));
	assert_true(r.pass);
	assert_int_equal(r.proof, TRY_PROOF_STARTED);
	assert_string_equal(r.outcome, "stayed up for 5.0 s (no HEALTHCHECK)");
	try_round_release(&r);
}

static void test_watch_healthcheck_decides(void **state)
{
	struct try_round r = {0};
	/* Starting: no settling while a HEALTHCHECK has yet to say. */
	assert_false(
		look("{\"Running\": true, \"Health\": {\"Status\": \"starting\"}}", 30000, &r));
	assert_true(look("{\"Running\": true, \"Health\": {\"Status\": \"healthy\"}}", 2000, &r));
	assert_true(r.pass);
	assert_int_equal(r.proof, TRY_PROOF_HEALTHCHECK);
	assert_string_equal(r.outcome, "healthy after 2.0 s");
	try_round_release(&r);

	struct try_round u = {0};
	assert_true(look("{\"Running\": true, \"Health\": {\"Status\": \"unhealthy\"}}", 10, &u));
	assert_false(u.pass);
	assert_string_equal(u.outcome, "its HEALTHCHECK says unhealthy");
	try_round_release(&u);

	/* Never healthy within --wait: a fail. */
	struct try_round w = {0};
	assert_true(look("{\"Running\": true, \"Health\": {\"Status\": \"starting\"}}", 60000, &w));
	assert_false(w.pass);
	assert_string_equal(w.outcome, "its HEALTHCHECK did not pass within 60 s");
	try_round_release(&w);
}

/* A round that came up, with these log lines. */
static void round_up(struct try_round *r, enum try_proof proof, const char *log)
{
	memset(r, 0, sizeof(*r));
	r->pass = true;
	r->proof = proof;
	r->outcome = xstrdup("healthy after 1.0 s");
	logs_find_evidence(log, &r->evidence, &r->paths);
}

static void test_settle_failed_writes_are_no_pass(void **state)
{
	struct try_round r;
	round_up(&r, TRY_PROOF_HEALTHCHECK, "touch: /var/lib/app/x: Read-only file system\n");
	try_round_settle(&r);
	assert_false(r.pass);
	assert_int_equal(r.proof, TRY_PROOF_NONE);
	assert_string_equal(r.outcome,
			    "healthy after 1.0 s, but its logs report writes that failed");
	try_round_release(&r);

	/* Another complaint (a file it looked for) leaves the pass as it is. */
	round_up(&r, TRY_PROOF_EXEC,
		 "cat: can't open '/etc/app.conf': No such file or directory\n");
	assert_true(r.paths.n > 0);
	try_round_settle(&r);
	assert_true(r.pass);
	assert_int_equal(r.proof, TRY_PROOF_EXEC);
	assert_string_equal(r.outcome, "healthy after 1.0 s");
	try_round_release(&r);

	/* A fail proved nothing, whatever was set before. */
	round_up(&r, TRY_PROOF_STARTED, "");
	r.pass = false;
	try_round_settle(&r);
	assert_int_equal(r.proof, TRY_PROOF_NONE);
	try_round_release(&r);
}

static void test_proof_names_and_strict(void **state)
{
	assert_null(try_proof_name(TRY_PROOF_NONE));
	assert_string_equal(try_proof_name(TRY_PROOF_STARTED), "started");
	assert_string_equal(try_proof_name(TRY_PROOF_HEALTHCHECK), "healthcheck");
	assert_string_equal(try_proof_name(TRY_PROOF_EXEC), "exec");

	struct try_result res = {.pass = true, .proof = TRY_PROOF_STARTED};
	assert_true(try_result_proven(&res, false));
	/* --strict: only started is not proven. */
	assert_false(try_result_proven(&res, true));
	res.proof = TRY_PROOF_HEALTHCHECK;
	assert_true(try_result_proven(&res, true));
	res.proof = TRY_PROOF_EXEC;
	assert_true(try_result_proven(&res, true));
	res.interrupted = true;
	assert_false(try_result_proven(&res, false));
	struct try_result failed = {.pass = false};
	assert_false(try_result_proven(&failed, false));
}

static void test_last_lines(void **state)
{
	_cleanup_strv_ struct strv out = STRV_INIT;
	try_last_lines("a\nb\n\nc\nd\n", 3, &out);
	/* The last three lines are "", "c", "d" (after the final newline, none). */
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "c");
	assert_string_equal(out.v[1], "d");
}

/* --- when the rounds stop ------------------------------------------------------- */

static void add_dir(struct fs_index *idx, const char *path)
{
	struct fs_stat st = {.mode = S_IFDIR | 0755};
	fs_index_add_stat(idx, path, &st);
}

/* A container running as root whose tree has /var/cache/app and /var/lib/app. */
static void input(struct plan_input *in)
{
	memset(in, 0, sizeof(*in));
	in->container = load("{\"Id\": \"c0ffee\", \"Name\": \"/web\", \"Image\": \"sha256:1\","
			     " \"Config\": {\"Image\": \"example/web:1\", \"User\": \"\","
			     "  \"Cmd\": [\"web\"], \"Hostname\": \"c0ffee123456\"},"
			     " \"HostConfig\": {}, \"Mounts\": []}");
	in->image = json_pack("{s:{s:n}}", "Config", "Volumes");
	in->changes = json_array();
	struct fs_index tree = {0};
	static const char *const dirs[] = {
		"/",	    "/etc",	    "/var", "/var/cache", "/var/cache/app",
		"/var/lib", "/var/lib/app", "/tmp", "/usr"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		add_dir(&tree, dirs[i]);
	fs_index_merge(&in->fs, &tree);
	fs_index_release(&tree);
	in->passwd = xstrdup("root:x:0:0:root:/root:/bin/sh\n");
	in->group = xstrdup("root:x:0:\n");
	in->volume_prefix = xstrdup("web");
}

static bool has_mount(const struct plan *p, const char *target)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		if (streq(p->mounts[i].target, target))
			return true;
	return false;
}

static void failed_round(struct try_round *r, const char *log)
{
	memset(r, 0, sizeof(*r));
	r->outcome = xstrdup("it exited with code 1 after 0.2 s");
	logs_find_evidence(log, &r->evidence, &r->paths);
}

static void test_amend_stops_when_nothing_is_new(void **state)
{
	struct plan_input in;
	input(&in);
	struct plan p = {0};
	struct rl_error err = {0};
	assert_int_equal(plan_build(&in, &p, &err), 0);
	assert_false(has_mount(&p, "/var/cache/app"));

	/* New evidence that moves a mount: another round. */
	struct try_round r;
	failed_round(&r, "touch: /var/cache/app/x: Read-only file system\n");
	assert_int_equal(try_amend(&in, &r, &p, &err), 1);
	assert_true(has_mount(&p, "/var/cache/app"));
	size_t mounts = p.n_mounts;

	/* The same evidence again: nothing new, no round, the plan kept. */
	assert_int_equal(try_amend(&in, &r, &p, &err), 0);
	assert_int_equal(p.n_mounts, mounts);
	try_round_release(&r);

	/* New evidence that moves no mount: the same mounts, no round. */
	failed_round(&r, "cat: can't open '/etc/app.conf': No such file or directory\n");
	assert_true(r.paths.n > 0);
	assert_int_equal(try_amend(&in, &r, &p, &err), 0);
	assert_int_equal(p.n_mounts, mounts);
	assert_true(has_mount(&p, "/var/cache/app"));
	try_round_release(&r);

	/* No evidence at all: no round. */
	failed_round(&r, "segfault\n");
	assert_int_equal(r.paths.n, 0);
	assert_int_equal(try_amend(&in, &r, &p, &err), 0);
	try_round_release(&r);

	plan_release(&p);
	plan_input_release(&in);
}

static void test_same_mounts(void **state)
{
	struct plan_mount a[] = {{.type = PLAN_TMPFS, .target = "/tmp", .options = "mode=1777"},
				 {.type = PLAN_VOLUME, .target = "/data", .volume = "web-data"}};
	struct plan_mount b[] = {{.type = PLAN_TMPFS, .target = "/tmp", .options = "mode=1777"},
				 {.type = PLAN_VOLUME, .target = "/data", .volume = "web-data"}};
	struct plan pa = {.mounts = a, .n_mounts = 2}, pb = {.mounts = b, .n_mounts = 2};
	assert_true(try_same_mounts(&pa, &pb));
	b[0].options = "mode=1777,exec";
	assert_false(try_same_mounts(&pa, &pb));
	b[0].options = NULL;
	a[0].options = NULL;
	assert_true(try_same_mounts(&pa, &pb));
	b[1].type = PLAN_TMPFS;
	assert_false(try_same_mounts(&pa, &pb));
	b[1].type = PLAN_VOLUME;
	b[1].target = "/srv";
	assert_false(try_same_mounts(&pa, &pb));
	pb.n_mounts = 1;
	assert_false(try_same_mounts(&pa, &pb));
}

/* A path from a clone's logs that no Compose entry or unit line can hold: fix writes no such plan.
 */
static void test_plan_check_refuses_what_cannot_be_written(void **state)
{
	struct plan_mount m[] = {
		{.type = PLAN_TMPFS, .target = "/var/cache/app", .options = "mode=0755"},
		{.type = PLAN_VOLUME, .target = "/data", .volume = "web-data"}};
	struct plan p = {.mounts = m, .n_mounts = 2};
	struct rl_error err = {0};
	assert_int_equal(plan_check(&p, "rootlock try", &err), 0);
	m[0].target = "/var/cache/a:b";
	assert_int_equal(plan_check(&p, "rootlock try", &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "rootlock try: mount 1"));
	m[0].target = "/var/cache/a\nb";
	assert_int_equal(plan_check(&p, "rootlock try", &err), RL_EPARSE);
	m[0].target = "/var/cache/app";
	m[0].options = "mode=0755 ,exec";
	assert_int_equal(plan_check(&p, "rootlock try", &err), RL_EPARSE);
	m[0].options = NULL;
	m[1].volume = "../x";
	assert_int_equal(plan_check(&p, "rootlock try", &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "mount 2 (/data)"));
}

/* --- the report ------------------------------------------------------------------ */

static void test_result_to_json(void **state)
{
	struct try_result res = {0};
	res.target = xstrdup("web");
	res.image = xstrdup("example/web:1");
	res.rounds = xcalloc(2, sizeof(*res.rounds));
	res.n_rounds = 2;
	failed_round(&res.rounds[0], "touch: /var/cache/app/x: Read-only file system\n");
	round_up(&res.rounds[1], TRY_PROOF_EXEC, "");
	strv_add(&res.rounds[1].evidence, "line one\nline two");
	res.pass = true;
	res.proof = TRY_PROOF_EXEC;
	res.run_line = xstrdup("docker run --read-only example/web:1");
	json_t *doc = try_result_to_json(&res);
	_cleanup_free_ char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(doc);
	assert_non_null(strstr(text, "\"kind\":\"container\""));
	assert_non_null(strstr(text, "\"target\":\"web\""));
	assert_non_null(strstr(text, "\"image\":\"example/web:1\""));
	assert_non_null(strstr(text, "\"proof\":\"exec\""));
	assert_non_null(strstr(text, "\"run\":\"docker run --read-only example/web:1\""));
	/* The last round's evidence, exact: the newline kept. */
	assert_non_null(strstr(text, "\"evidence\":[\"line one\\nline two\"]"));
	assert_non_null(strstr(text, "\"paths\":[\"/var/cache/app/x\"]"));
	assert_non_null(strstr(text, "\"mounts\":[]"));

	json_t *parsed = load(text);
	json_t *rounds = json_object_get(parsed, "rounds");
	assert_int_equal(json_array_size(rounds), 2);
	json_t *first = json_array_get(rounds, 0);
	assert_int_equal(json_integer_value(json_object_get(first, "round")), 1);
	assert_string_equal(json_string_value(json_object_get(first, "verdict")), "fail");
	assert_true(json_is_null(json_object_get(first, "proof")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(rounds, 1), "proof")),
			    "exec");
	assert_string_equal(json_string_value(json_object_get(parsed, "verdict")), "pass");
	json_t *evidence = json_object_get(parsed, "evidence");
	assert_int_equal(json_array_size(evidence), 1);
	assert_string_equal(json_string_value(json_array_get(evidence, 0)), "line one\nline two");
	json_decref(parsed);

	/* A fail proves nothing; an image is its own target; no run line is null. */
	res.pass = false;
	res.is_image = true;
	free(res.run_line);
	res.run_line = NULL;
	free(res.rounds[1].outcome);
	res.rounds[1].outcome = NULL;
	doc = try_result_to_json(&res);
	assert_true(json_is_null(json_object_get(doc, "proof")));
	assert_true(json_is_null(json_object_get(doc, "run")));
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "image");
	assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "fail");
	json_t *last = json_array_get(json_object_get(doc, "rounds"), 1);
	assert_string_equal(json_string_value(json_object_get(last, "outcome")), "interrupted");
	json_decref(doc);
	try_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch_exited_is_a_fail_with_its_code),
		cmocka_unit_test(test_watch_without_healthcheck_settles),
		cmocka_unit_test(test_watch_healthcheck_decides),
		cmocka_unit_test(test_settle_failed_writes_are_no_pass),
		cmocka_unit_test(test_proof_names_and_strict),
		cmocka_unit_test(test_last_lines),
		cmocka_unit_test(test_amend_stops_when_nothing_is_new),
		cmocka_unit_test(test_same_mounts),
		cmocka_unit_test(test_plan_check_refuses_what_cannot_be_written),
		cmocka_unit_test(test_result_to_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
