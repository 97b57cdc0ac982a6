/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "leftovers.h"

/*
 * What try tells the user when something it made could not be removed: one
 * command per thing, for the engine it used, safe to paste into a shell.
 * (Removing itself is tested on a real engine that finishes requests late,
 * tests/cli/slow-engine.bats.)
 */

static void test_commands_name_each_thing(void **state)
{
	(void)state;
	struct leftovers l = {.label = xstrdup("rootlock-try-42-00ff")};
	strv_add(&l.containers, "rootlock-try-42-1");
	strv_add(&l.volumes, "rootlock-try-42-1-1");
	strv_add(&l.volumes, "rootlock-try-42-1-2");
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	leftovers_commands(&l, "unix:///var/run/docker.sock", &out);
	assert_string_equal(
		strbuf_str(&out),
		"docker -H unix:///var/run/docker.sock rm --force --volumes rootlock-try-42-1\n"
		"docker -H unix:///var/run/docker.sock volume rm --force rootlock-try-42-1-1\n"
		"docker -H unix:///var/run/docker.sock volume rm --force rootlock-try-42-1-2\n"
		"docker -H unix:///var/run/docker.sock ps --all --filter "
		"label=rootlock.try=rootlock-try-42-00ff\n");
	leftovers_release(&l);
}

/* A host the user typed is quoted, and a control byte never reaches the terminal raw. */
static void test_commands_quote_the_host(void **state)
{
	(void)state;
	struct leftovers l = {.label = xstrdup("v")};
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	leftovers_commands(&l, "unix:///tmp/my engine/d.sock", &out);
	assert_string_equal(strbuf_str(&out),
			    "docker -H 'unix:///tmp/my engine/d.sock' ps --all --filter "
			    "label=rootlock.try=v\n");
	strbuf_reset(&out);
	leftovers_commands(&l, "unix:///tmp/\x1b]0;x\x07/d.sock", &out);
	for (const char *p = strbuf_str(&out); *p; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	leftovers_release(&l);
}

/* Nothing left: only the line that lists the run's label. */
static void test_commands_when_nothing_is_left(void **state)
{
	(void)state;
	struct leftovers l = {.label = xstrdup("run")};
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	leftovers_commands(&l, "tcp://127.0.0.1:2376", &out);
	assert_string_equal(
		strbuf_str(&out),
		"docker -H tcp://127.0.0.1:2376 ps --all --filter label=rootlock.try=run\n");
	leftovers_release(&l);
	leftovers_release(&l); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_name_each_thing),
		cmocka_unit_test(test_commands_quote_the_host),
		cmocka_unit_test(test_commands_when_nothing_is_left),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
