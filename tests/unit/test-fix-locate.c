/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fix-locate.h"
#include "plan.h"

/*
 * fix_locate(): from a Compose container's labels to the file and service
 * fix writes, on real project trees under tests/data/fix-locate; and
 * plan_from_json() on what plan and try write.
 */

#define DIR TEST_DATA "/fix-locate"

static bool notes_mention(const struct fix_place *p, const char *what)
{
	for (size_t i = 0; i < p->notes.n; i++)
		if (strstr(p->notes.v[i], what))
			return true;
	return false;
}

static int locate(const char *files, const char *service, struct fix_place *p, struct rl_error *err)
{
	json_t *c = json_pack("{s:s, s:{s:{s:s, s:s, s:s, s:s}}}", "Name", "/proj-web-1", "Config",
			      "Labels", "com.docker.compose.project", "proj",
			      "com.docker.compose.service", service,
			      "com.docker.compose.project.config_files", files,
			      "com.docker.compose.project.working_dir", DIR);
	int r = fix_locate(c, p, err);
	json_decref(c);
	return r;
}

static void test_single_file(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate(DIR "/single/compose.yaml", "db", &p, &err), 0);
	assert_string_equal(p.file, DIR "/single/compose.yaml");
	assert_string_equal(p.service, "db");
	assert_string_equal(p.project, "proj");
	assert_int_equal(p.notes.n, 0);
	fix_place_release(&p);
}

/* Relative config files are the working directory's. */
static void test_relative_to_working_dir(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate("single/compose.yaml", "web", &p, &err), 0);
	assert_string_equal(p.file, DIR "/single/compose.yaml");
	fix_place_release(&p);
}

static void test_include_path_and_string(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate(DIR "/include/compose.yaml", "db", &p, &err), 0);
	assert_string_equal(p.file, DIR "/include/sub/db.yaml");
	assert_true(notes_mention(&p, "includes"));
	fix_place_release(&p);
	assert_int_equal(locate(DIR "/include/compose.yaml", "cache", &p, &err), 0);
	assert_string_equal(p.file, DIR "/include/sub/cache.yaml");
	fix_place_release(&p);
	assert_int_equal(locate(DIR "/include/compose.yaml", "web", &p, &err), 0);
	assert_string_equal(p.file, DIR "/include/compose.yaml");
	assert_int_equal(p.notes.n, 0);
	fix_place_release(&p);
}

/* -f a -f b: the last file that sets read_only, else the first that defines it. */
static void test_merge_picks_and_says_why(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	const char *files = DIR "/merge/compose.yaml," DIR "/merge/compose.override.yaml," DIR
				"/merge/compose.prod.yaml";
	assert_int_equal(locate(files, "web", &p, &err), 0);
	assert_string_equal(p.file, DIR "/merge/compose.override.yaml");
	assert_true(notes_mention(&p, "the last that sets read_only"));
	assert_int_equal(p.files.n, 3);
	fix_place_release(&p);
	assert_int_equal(locate(files, "db", &p, &err), 0);
	assert_string_equal(p.file, DIR "/merge/compose.yaml");
	assert_true(notes_mention(&p, "defined in 3 files"));
	assert_true(notes_mention(&p, "none sets read_only"));
	fix_place_release(&p);
}

static void test_extends_writes_the_extending_service(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate(DIR "/extends/compose.yaml", "web", &p, &err), 0);
	assert_string_equal(p.service, "web");
	assert_true(notes_mention(&p, "extends \"base\""));
	fix_place_release(&p);
	assert_int_equal(locate(DIR "/extends/compose.yaml", "api", &p, &err), 0);
	assert_true(notes_mention(&p, "extends \"base\""));
	fix_place_release(&p);
}

static void test_not_compose(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	json_t *c = json_pack("{s:s, s:{s:{s:s}}}", "Name", "/plain", "Config", "Labels", "a", "b");
	assert_int_equal(fix_locate(c, &p, &err), RL_EUSAGE);
	assert_non_null(strstr(err.msg, "plain is not managed by Compose"));
	assert_non_null(strstr(err.msg, "rootlock plan --format run plain"));
	json_decref(c);
	/* No labels at all. */
	c = json_pack("{s:s, s:{}}", "Name", "/bare", "Config");
	assert_int_equal(fix_locate(c, &p, &err), RL_EUSAGE);
	json_decref(c);
}

static void test_file_gone(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate(DIR "/moved/compose.yaml", "web", &p, &err), RL_EIO);
	assert_non_null(strstr(err.msg, "is gone"));
	assert_non_null(strstr(err.msg, "Compose project \"proj\""));
	assert_null(p.file);
	assert_int_equal(p.files.n, 0);
}

static void test_invalid_yaml(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate(DIR "/invalid/compose.yaml", "web", &p, &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "invalid/compose.yaml:"));
	assert_null(strchr(err.msg, '\n'));
}

static void test_defined_twice(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate(DIR "/twice/compose.yaml", "web", &p, &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "twice/compose.yaml:4: service \"web\" is defined twice"));
	assert_int_equal(locate(DIR "/include-twice/compose.yaml", "db", &p, &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "defined twice"));
	assert_non_null(strstr(err.msg, "other.yaml:2"));
}

static void test_cannot_place(void **state)
{
	struct fix_place p = {0};
	struct rl_error err = {0};
	assert_int_equal(locate(DIR "/single/compose.yaml", "ghost", &p, &err), RL_EPARSE);
	assert_non_null(strstr(err.msg, "cannot place"));
	assert_non_null(strstr(err.msg, "--override"));
}

/* --- plan_from_json ------------------------------------------------------- */

static const char plan_output[] =
	"{\"plans\": [{\"container\": \"a\", \"image\": \"img-a\", \"mounts\": []},"
	" {\"container\": \"web\", \"id\": \"abc\", \"image\": \"nginx:1\", \"user\": \"root\","
	"  \"uid\": 0, \"gid\": 0, \"writes\": 2, \"predicted\": 1,"
	"  \"mounts\": [{\"type\": \"tmpfs\", \"target\": \"/run\", \"basis\": \"seen\","
	"    \"options\": \"mode=0755,size=64m\", \"why\": \"pid file\"},"
	"   {\"type\": \"volume\", \"target\": \"/var/lib/x\", \"basis\": \"predicted\","
	"    \"volume\": \"web-var-lib-x\", \"why\": \"data\"}],"
	"  \"blockers\": [], \"covered\": [], \"notes\": [{\"path\": \"/p\", \"why\": \"w\"}]}]}";

static void test_plan_from_plan_output(void **state)
{
	struct plan p = {0};
	struct rl_error err = {0};
	char *image = NULL;
	assert_int_equal(
		plan_from_json(plan_output, strlen(plan_output), "p.json", "web", &p, &image, &err),
		0);
	assert_string_equal(image, "nginx:1");
	assert_int_equal(p.n_mounts, 2);
	assert_int_equal(p.mounts[0].type, PLAN_TMPFS);
	assert_int_equal(p.mounts[0].basis, PLAN_SEEN);
	assert_string_equal(p.mounts[0].target, "/run");
	assert_string_equal(p.mounts[0].options, "mode=0755,size=64m");
	assert_int_equal(p.mounts[1].type, PLAN_VOLUME);
	assert_string_equal(p.mounts[1].volume, "web-var-lib-x");
	assert_null(p.mounts[1].options);
	assert_int_equal(p.n_notes, 1);
	free(image);
	plan_release(&p);
	/* Several plans and no name that matches: which one is not guessed. */
	assert_int_equal(
		plan_from_json(plan_output, strlen(plan_output), "p.json", "other", &p, NULL, &err),
		RL_EUSAGE);
	assert_non_null(strstr(err.msg, "holds 2 plans"));
}

static void test_plan_from_try_output(void **state)
{
	static const char pass[] = "{\"target\": \"web\", \"kind\": \"container\", \"image\": "
				   "\"nginx\", \"verdict\": \"pass\", \"proof\": \"exec\","
				   " \"plan\": {\"mounts\": [{\"type\": \"tmpfs\", \"target\": "
				   "\"/tmp\", \"options\": \"mode=1777\"}]}}";
	static const char fail[] = "{\"target\": \"web\", \"kind\": \"container\", \"verdict\": "
				   "\"fail\", \"plan\": {\"mounts\": []}}";
	static const char image[] = "{\"target\": \"redis:7\", \"kind\": \"image\", \"verdict\": "
				    "\"pass\", \"plan\": {\"mounts\": []}}";
	struct plan p = {0};
	struct rl_error err = {0};
	char *img = NULL;
	assert_int_equal(plan_from_json(pass, strlen(pass), "t.json", NULL, &p, &img, &err), 0);
	assert_string_equal(img, "nginx");
	assert_int_equal(p.n_mounts, 1);
	free(img);
	plan_release(&p);
	assert_int_equal(plan_from_json(fail, strlen(fail), "t.json", NULL, &p, &img, &err),
			 RL_EUSAGE);
	assert_non_null(strstr(err.msg, "try did not prove this plan (verdict fail)"));
	assert_int_equal(plan_from_json(image, strlen(image), "t.json", NULL, &p, &img, &err), 0);
	assert_string_equal(img, "redis:7");
	free(img);
	plan_release(&p);
}

static void test_plan_from_json_refuses_bad_input(void **state)
{
	static const char *const bad[] = {
		"not json",
		"[]",
		"{}",
		"{\"plans\": []}",
		"{\"mounts\": [{\"type\": \"bind\", \"target\": \"/x\"}]}",
		"{\"mounts\": [{\"type\": \"tmpfs\", \"target\": \"relative\"}]}",
		"{\"mounts\": [{\"type\": \"tmpfs\", \"target\": \"/a:b\"}]}",
		"{\"mounts\": [{\"type\": \"tmpfs\", \"target\": \"/a\\nb\"}]}",
		"{\"mounts\": [{\"type\": \"tmpfs\", \"target\": \"/a\", \"options\": \"x y\"}]}",
		"{\"mounts\": [{\"type\": \"volume\", \"target\": \"/a\"}]}",
		"{\"mounts\": [{\"type\": \"volume\", \"target\": \"/a\", \"volume\": \"a/b\"}]}",
		"{\"mounts\": [], \"mounts\": []}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct plan p = {0};
		struct rl_error err = {0};
		char *img = NULL;
		assert_true(plan_from_json(bad[i], strlen(bad[i]), "x.json", NULL, &p, &img, &err) <
			    0);
		assert_null(img);
		assert_int_equal(p.n_mounts, 0);
		assert_null(strchr(err.msg, '\n'));
	}
}

/* What plan_to_json() writes, plan_from_json() reads back the same. */
static void test_plan_round_trip(void **state)
{
	struct plan p = {0}, q = {0};
	struct rl_error err = {0};
	assert_int_equal(
		plan_from_json(plan_output, strlen(plan_output), "p.json", "web", &p, NULL, &err),
		0);
	json_t *o = plan_to_json(&p);
	char *text = json_dumps(o, 0);
	assert_int_equal(plan_from_json(text, strlen(text), "again", NULL, &q, NULL, &err), 0);
	json_t *o2 = plan_to_json(&q);
	assert_true(json_equal(o, o2));
	json_decref(o);
	json_decref(o2);
	free(text);
	plan_release(&p);
	plan_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_file),
		cmocka_unit_test(test_relative_to_working_dir),
		cmocka_unit_test(test_include_path_and_string),
		cmocka_unit_test(test_merge_picks_and_says_why),
		cmocka_unit_test(test_extends_writes_the_extending_service),
		cmocka_unit_test(test_not_compose),
		cmocka_unit_test(test_file_gone),
		cmocka_unit_test(test_invalid_yaml),
		cmocka_unit_test(test_defined_twice),
		cmocka_unit_test(test_cannot_place),
		cmocka_unit_test(test_plan_from_plan_output),
		cmocka_unit_test(test_plan_from_try_output),
		cmocka_unit_test(test_plan_from_json_refuses_bad_input),
		cmocka_unit_test(test_plan_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
