/* SPDX-License-Identifier: MIT */
/*
 * Override detection: each test makes files in a fresh temporary directory
 * and asks which override docker compose would merge with a base file, and
 * whether an override is one the walk leaves to its base.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lint-override.h"
#include "scratch.h"
#include "util.h"

struct fixture {
	char dir[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	if (scratch_dir_make(fx->dir, "override") < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	scratch_dir_remove(fx->dir);
	free(fx);
	return 0;
}

static char *touch(struct fixture *fx, const char *name)
{
	char *path = xasprintf("%s/%s", fx->dir, name);
	scratch_put(fx->dir, name, "services: {}\n");
	return path;
}

/* The listing the walk would make of a directory holding names. */
static struct lint_listing listing_of(const char *const *names, size_t n)
{
	struct lint_listing ls = {0};
	for (size_t i = 0; i < n; i++)
		lint_listing_add(&ls, names[i]);
	return ls;
}

static void test_names(void **state)
{
	(void)state;
	assert_true(lint_is_compose_name("compose.yaml"));
	assert_true(lint_is_compose_name("docker-compose.yml"));
	assert_false(lint_is_compose_name("compose.override.yaml"));
	assert_false(lint_is_compose_name("Compose.yaml")); /* docker compose is exact too */
	assert_false(lint_is_compose_name("stack.yaml"));
	assert_true(lint_is_override_name("compose.override.yml"));
	assert_true(lint_is_override_name("docker-compose.override.yaml"));
	assert_false(lint_is_override_name("compose.yaml"));
	assert_string_equal(lint_base_name("a/b/compose.yaml"), "compose.yaml");
	assert_string_equal(lint_base_name("compose.yaml"), "compose.yaml");
}

static void test_override_found_beside_base(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *base = touch(fx, "compose.yaml");
	_cleanup_free_ char *over = touch(fx, "compose.override.yml");
	_cleanup_free_ char *found = lint_override_for(base, NULL);
	assert_non_null(found);
	assert_string_equal(found, over);

	/* The walk's listing says the same without looking at names it lacks. */
	const char *names[] = {".", "..", "compose.yaml", "compose.override.yml"};
	struct lint_listing ls = listing_of(names, ARRAY_SIZE(names));
	_cleanup_free_ char *listed = lint_override_for(base, &ls);
	assert_non_null(listed);
	assert_string_equal(listed, over);
}

static void test_override_of_docker_compose_name(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *base = touch(fx, "docker-compose.yml");
	_cleanup_free_ char *over = touch(fx, "docker-compose.override.yaml");
	_cleanup_free_ char *found = lint_override_for(base, NULL);
	assert_non_null(found);
	assert_string_equal(found, over);
}

static void test_override_first_name_wins(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *base = touch(fx, "compose.yaml");
	free(touch(fx, "docker-compose.override.yml")); /* second in docker compose's order */
	_cleanup_free_ char *first = touch(fx, "compose.override.yaml");
	_cleanup_free_ char *found = lint_override_for(base, NULL);
	assert_non_null(found);
	assert_string_equal(found, first);
}

static void test_no_override(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *base = touch(fx, "compose.yaml");
	assert_null(lint_override_for(base, NULL));
	/* Only a base file has one: stack.yaml beside an override is not merged with it. */
	_cleanup_free_ char *over = touch(fx, "compose.override.yaml");
	_cleanup_free_ char *stack = touch(fx, "stack.yaml");
	assert_null(lint_override_for(stack, NULL));
	/* Nor is an override its own base. */
	assert_null(lint_override_for(over, NULL));
}

/* A name the listing lacks is not looked for, even when it has appeared since. */
static void test_listing_is_trusted(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *base = touch(fx, "compose.yaml");
	_cleanup_free_ char *over = touch(fx, "compose.override.yaml");
	const char *base_only[] = {"compose.yaml"};
	struct lint_listing ls = listing_of(base_only, ARRAY_SIZE(base_only));
	assert_null(lint_override_for(base, &ls));
	const char *override_only[] = {"compose.override.yaml"};
	ls = listing_of(override_only, ARRAY_SIZE(override_only));
	assert_false(lint_is_merged_override(over, &ls));
}

static void test_relative_path(void **state)
{
	struct fixture *fx = *state;
	free(touch(fx, "compose.yaml"));
	free(touch(fx, "compose.override.yaml"));
	char old[PATH_MAX];
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(fx->dir), 0);
	_cleanup_free_ char *found = lint_override_for("compose.yaml", NULL);
	bool merged = lint_is_merged_override("compose.override.yaml", NULL);
	assert_int_equal(chdir(old), 0);
	assert_non_null(found);
	assert_string_equal(found, "compose.override.yaml");
	assert_true(merged);
}

static void test_merged_override(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *over = touch(fx, "compose.override.yaml");
	/* Alone, an override is a file of its own and is linted as such. */
	assert_false(lint_is_merged_override(over, NULL));
	_cleanup_free_ char *base = touch(fx, "docker-compose.yaml");
	assert_true(lint_is_merged_override(over, NULL));
	const char *names[] = {"compose.override.yaml", "docker-compose.yaml"};
	struct lint_listing ls = listing_of(names, ARRAY_SIZE(names));
	assert_true(lint_is_merged_override(over, &ls));
	/* A base file is never a merged override. */
	assert_false(lint_is_merged_override(base, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_override_found_beside_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_of_docker_compose_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_override_first_name_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_is_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merged_override, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
