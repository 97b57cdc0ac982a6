/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../fuzz/fixcheck.h"
#include "fix.h"

/* The plan most cases use: two tmpfs mounts (one without options) and a volume. */
static struct plan_mount web_mounts[] = {
	{.type = PLAN_TMPFS, .target = (char *)"/run", .options = (char *)"mode=0755,uid=101"},
	{.type = PLAN_TMPFS, .target = (char *)"/tmp"},
	{.type = PLAN_VOLUME, .target = (char *)"/var/cache/nginx"},
};
static const struct plan web_plan = {.mounts = web_mounts, .n_mounts = ARRAY_SIZE(web_mounts)};

static struct plan_mount tmp_mount[] = {
	{.type = PLAN_TMPFS, .target = (char *)"/tmp", .options = (char *)"size=64m"},
};
static const struct plan tmp_plan = {.mounts = tmp_mount, .n_mounts = 1};

static struct plan_mount vol_mount[] = {
	{.type = PLAN_VOLUME, .target = (char *)"/data"},
};
static const struct plan vol_plan = {.mounts = vol_mount, .n_mounts = 1};

/*
 * Fix service in input with plan: the text must be want, byte for byte, with
 * changes settings; the trees must differ by exactly the additions; a second
 * run must find nothing to do. Returns the notes, joined, for checks.
 */
static char *fix_ok(const char *input, const char *service, const struct plan *plan, unsigned flags,
		    const char *want, size_t changes)
{
	struct fix_edit e;
	struct rl_error err = {0};
	if (fix_compose(input, strlen(input), "compose.yaml", service, plan, flags, &e, &err) < 0)
		fail_msg("fix_compose: %s", err.msg);
	if (strcmp(e.text, want) != 0)
		fail_msg("got:\n%s\n--- want:\n%s", e.text, want);
	assert_int_equal(e.len, strlen(want));
	assert_int_equal(e.changes, changes);
	struct fixcheck c = {0};
	if (fixcheck_compose(&c, input, strlen(input), e.text, e.len, service, plan, changes) < 0)
		fail_msg("round trip: %s", c.why);

	struct fix_edit again;
	if (fix_compose(e.text, e.len, "compose.yaml", service, plan, 0, &again, &err) < 0)
		fail_msg("second fix_compose: %s", err.msg);
	assert_int_equal(again.changes, 0);
	assert_string_equal(again.text, e.text);
	fix_edit_release(&again);

	struct strbuf notes = STRBUF_INIT;
	for (size_t i = 0; i < e.notes.n; i++)
		strbuf_addf(&notes, "%s\n", e.notes.v[i]);
	fix_edit_release(&e);
	return strbuf_detach(&notes);
}

static void fix_bad(const char *input, const char *service, unsigned flags, const char *want)
{
	struct fix_edit e;
	struct rl_error err = {0};
	assert_int_equal(fix_compose(input, strlen(input), "compose.yaml", service, &web_plan,
				     flags, &e, &err),
			 RL_EPARSE);
	if (!strstr(err.msg, want))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
	assert_null(strchr(err.msg, '\n'));
	assert_null(e.text);
}

static void test_block_all_absent(void **state)
{
	(void)state;
	_cleanup_free_ char *notes = fix_ok("# the shop\n"
					    "services:\n"
					    "  web:\n"
					    "    image: nginx # pinned\n"
					    "    ports:\n"
					    "      - \"80:80\"\n"
					    "\n"
					    "  # the database\n"
					    "  db:\n"
					    "    image: postgres\n"
					    "\n"
					    "# end\n",
					    "web", &web_plan, 0,
					    "# the shop\n"
					    "services:\n"
					    "  web:\n"
					    "    image: nginx # pinned\n"
					    "    ports:\n"
					    "      - \"80:80\"\n"
					    "    read_only: true\n"
					    "    tmpfs:\n"
					    "      - /run:mode=0755,uid=101\n"
					    "      - /tmp\n"
					    "    volumes:\n"
					    "      - web-var-cache-nginx:/var/cache/nginx\n"
					    "\n"
					    "  # the database\n"
					    "  db:\n"
					    "    image: postgres\n"
					    "\n"
					    "# end\n"
					    "volumes:\n"
					    "  web-var-cache-nginx:\n",
					    4);
	assert_non_null(strstr(notes, "compose.yaml:3: service \"web\""));
}

static void test_read_only_replaced(void **state)
{
	(void)state;
	static const char *const falses[] = {"false", "no", "\"false\"", "'true'", "off", "~"};
	for (size_t i = 0; i < ARRAY_SIZE(falses); i++) {
		char in[256], want[256];
		snprintf(in, sizeof(in),
			 "services:\n  web:\n    read_only: %s  # not yet\n    image: x\n",
			 falses[i]);
		snprintf(want, sizeof(want),
			 "services:\n  web:\n    read_only: true  # not yet\n    image: x\n");
		free(fix_ok(in, "web", &(struct plan){0}, 0, want, 1));
	}
	/* Empty value: the value goes after the colon, the comment stays. */
	free(fix_ok("services:\n  web:\n    read_only:  # later\n    image: x\n", "web",
		    &(struct plan){0}, 0,
		    "services:\n  web:\n    read_only: true  # later\n    image: x\n", 1));
}

static void test_nothing_to_do(void **state)
{
	(void)state;
	const char *in = "services:\n"
			 "  web:\n"
			 "    read_only: true\n"
			 "    tmpfs:\n"
			 "      - /run:size=1m\n"
			 "    volumes:\n"
			 "      - type: tmpfs\n"
			 "        target: /tmp/\n"
			 "      - cache:/var/cache/nginx:rw\n";
	free(fix_ok(in, "web", &web_plan, 0, in, 0));
}

static void test_tmpfs_scalar_becomes_list(void **state)
{
	(void)state;
	free(fix_ok("services:\n  web:\n    tmpfs: /run # scratch\n    read_only: true\n", "web",
		    &tmp_plan, 0,
		    "services:\n  web:\n    tmpfs: # scratch\n      - /run\n      - "
		    "/tmp:size=64m\n    read_only: true\n",
		    1));
}

static void test_null_and_long_syntax_lists(void **state)
{
	(void)state;
	/* An empty tmpfs: becomes the list; its comment stays on the key's line. */
	free(fix_ok("services:\n  web:\n    tmpfs:  # later\n    read_only: true\n", "web",
		    &tmp_plan, 0,
		    "services:\n  web:\n    tmpfs:  # later\n      - /tmp:size=64m\n"
		    "    read_only: true\n",
		    1));
	/* After a long-syntax entry, at the dashes' column. */
	free(fix_ok("services:\n  web:\n    read_only: true\n    volumes:\n    - type: bind\n"
		    "      source: ./a\n      target: /a\n\n    image: x\n",
		    "web", &vol_plan, 0,
		    "services:\n  web:\n    read_only: true\n    volumes:\n    - type: bind\n"
		    "      source: ./a\n      target: /a\n    - web-data:/data\n\n    image: x\n"
		    "volumes:\n  web-data:\n",
		    1));
}

static void test_flow_lists(void **state)
{
	(void)state;
	free(fix_ok(
		"services:\n  web:\n    tmpfs: [/run]\n    read_only: true\n", "web", &tmp_plan, 0,
		"services:\n  web:\n    tmpfs: [/run, \"/tmp:size=64m\"]\n    read_only: true\n",
		1));
	free(fix_ok("services:\n  web:\n    tmpfs: []\n    read_only: true\n", "web", &web_plan, 0,
		    "services:\n  web:\n    tmpfs: [\"/run:mode=0755,uid=101\", /tmp]\n"
		    "    read_only: true\n"
		    "    volumes:\n      - web-var-cache-nginx:/var/cache/nginx\n"
		    "volumes:\n  web-var-cache-nginx:\n",
		    3));
}

static void test_unindented_sequences_four_spaces(void **state)
{
	(void)state;
	free(fix_ok("services:\n"
		    "    web:\n"
		    "        image: x\n"
		    "        ports:\n"
		    "        - 80:80\n",
		    "web", &web_plan, 0,
		    "services:\n"
		    "    web:\n"
		    "        image: x\n"
		    "        ports:\n"
		    "        - 80:80\n"
		    "        read_only: true\n"
		    "        tmpfs:\n"
		    "        - /run:mode=0755,uid=101\n"
		    "        - /tmp\n"
		    "        volumes:\n"
		    "        - web-var-cache-nginx:/var/cache/nginx\n"
		    "volumes:\n"
		    "    web-var-cache-nginx:\n",
		    4));
}

static void test_crlf_and_no_final_newline(void **state)
{
	(void)state;
	free(fix_ok("services:\r\n  web:\r\n    image: x\r\n", "web", &tmp_plan, 0,
		    "services:\r\n  web:\r\n    image: x\r\n    read_only: true\r\n    tmpfs:\r\n"
		    "      - /tmp:size=64m\r\n",
		    2));
	/* The last line had no newline: it gets one, the new last line has none. */
	free(fix_ok("services:\n  web:\n    image: x", "web", &vol_plan, 0,
		    "services:\n  web:\n    image: x\n    read_only: true\n    volumes:\n"
		    "      - web-data:/data\nvolumes:\n  web-data:",
		    2));
	free(fix_ok("services:\r\n  web:\r\n    image: x", "web", &tmp_plan, 0,
		    "services:\r\n  web:\r\n    image: x\r\n    read_only: true\r\n    tmpfs:\r\n"
		    "      - /tmp:size=64m",
		    2));
}

/* libyaml counts characters, the editor bytes: text before the edit that is not ASCII. */
static void test_utf8_and_bom(void **state)
{
	(void)state;
	free(fix_ok("\xef\xbb\xbf# caf\xc3\xa9 \xf0\x9f\x90\xb3\nservices:\n  web:\n"
		    "    image: \"r\xc3\xa9sum\xc3\xa9\"\nvolumes:\n  \xc3\xa9t\xc3\xa9: {}\n",
		    "web", &vol_plan, 0,
		    "\xef\xbb\xbf# caf\xc3\xa9 \xf0\x9f\x90\xb3\nservices:\n  web:\n"
		    "    image: \"r\xc3\xa9sum\xc3\xa9\"\n    read_only: true\n    volumes:\n"
		    "      - web-data:/data\nvolumes:\n  \xc3\xa9t\xc3\xa9: {}\n  web-data:\n",
		    2));
	/* The mark is no indentation. */
	free(fix_ok("\xef\xbb\xbfservices:\n", "web", &vol_plan, FIX_COMPOSE_CREATE_SERVICE,
		    "\xef\xbb\xbfservices:\n  web:\n    read_only: true\n    volumes:\n"
		    "      - web-data:/data\nvolumes:\n  web-data:\n",
		    2));
}

static void test_block_scalars(void **state)
{
	(void)state;
	/* The mapping's end is at the next key: the new keys go after the text, not the gap. */
	free(fix_ok(
		"services:\n  web:\n    command: |\n      run\n      this\n\n  # db\n  db:\n"
		"    image: y\n",
		"web", &tmp_plan, 0,
		"services:\n  web:\n    command: |\n      run\n      this\n    read_only: true\n"
		"    tmpfs:\n      - /tmp:size=64m\n\n  # db\n  db:\n    image: y\n",
		2));
	/*
	 * A block scalar ends the file without a newline: a line after it would
	 * add one to its value, so the new keys go first in their mappings.
	 */
	free(fix_ok("services:\n  web:\n    read_only: true\n    command: |\n      run", "web",
		    &vol_plan, 0,
		    "volumes:\n  web-data:\nservices:\n  web:\n    volumes:\n"
		    "      - web-data:/data\n    read_only: true\n    command: |\n      run",
		    1));
	/* |+ keeps its trailing blank line: the new keys go after it. */
	free(fix_ok("services:\n  web:\n    command: |+\n      run\n\n  db:\n    image: y\n", "web",
		    &tmp_plan, 0,
		    "services:\n  web:\n    command: |+\n      run\n\n    read_only: true\n"
		    "    tmpfs:\n      - /tmp:size=64m\n  db:\n    image: y\n",
		    2));
}

static void test_top_level_volumes(void **state)
{
	(void)state;
	/* Flow: a flow entry; the name taken by another volume gets a suffix. */
	free(fix_ok(
		"services:\n  web:\n    read_only: true\nvolumes: {web-data: {external: true}}\n",
		"web", &vol_plan, 0,
		"services:\n  web:\n    read_only: true\n    volumes:\n"
		"      - web-data-2:/data\n"
		"volumes: {web-data: {external: true}, web-data-2: {}}\n",
		1));
	/* Block, with quoted entries in the service: the new entry is quoted too. */
	free(fix_ok("services:\n  web:\n    read_only: true\n    volumes:\n      - 'a:/a'\n"
		    "volumes:\n  a:\n\n# more later\n",
		    "web", &vol_plan, 0,
		    "services:\n  web:\n    read_only: true\n    volumes:\n      - 'a:/a'\n"
		    "      - 'web-data:/data'\nvolumes:\n  a:\n  web-data:\n\n# more later\n",
		    1));
	/* An empty top-level volumes: becomes the mapping. */
	free(fix_ok("services:\n  web:\n    read_only: true\nvolumes:\n", "web", &vol_plan, 0,
		    "services:\n  web:\n    read_only: true\n    volumes:\n"
		    "      - web-data:/data\nvolumes:\n  web-data:\n",
		    1));
}

static void test_merge_keys(void **state)
{
	(void)state;
	const char *in = "x-base: &base\n"
			 "  image: x\n"
			 "  read_only: false\n"
			 "  tmpfs:\n"
			 "    - /run\n"
			 "  volumes:\n"
			 "    - type: bind\n"
			 "      source: ./conf\n"
			 "      target: /conf\n"
			 "services:\n"
			 "  web:\n"
			 "    <<: *base\n"
			 "    ports: [\"80:80\"]\n"
			 "  api:\n"
			 "    <<: *base\n";
	_cleanup_free_ char *notes = fix_ok(in, "web", &web_plan, 0,
					    "x-base: &base\n"
					    "  image: x\n"
					    "  read_only: false\n"
					    "  tmpfs:\n"
					    "    - /run\n"
					    "  volumes:\n"
					    "    - type: bind\n"
					    "      source: ./conf\n"
					    "      target: /conf\n"
					    "services:\n"
					    "  web:\n"
					    "    <<: *base\n"
					    "    ports: [\"80:80\"]\n"
					    "    read_only: true\n"
					    "    tmpfs:\n"
					    "      - /run\n"
					    "      - /tmp\n"
					    "    volumes:\n"
					    "      - {type: bind, source: ./conf, target: /conf}\n"
					    "      - web-var-cache-nginx:/var/cache/nginx\n"
					    "  api:\n"
					    "    <<: *base\n"
					    "volumes:\n"
					    "  web-var-cache-nginx:\n",
					    3);
	assert_non_null(strstr(notes, "tmpfs of service \"web\" came through a merge key from "
				      "&base (line 1)"));
	assert_non_null(strstr(notes, "read_only of service \"web\" came false"));
	/* The service's own list is an alias: it becomes a list of the service's own. */
	_cleanup_free_ char *alias_notes =
		fix_ok("x-t: &t [/run]\nservices:\n  web:\n    read_only: true\n    tmpfs: *t\n",
		       "web", &tmp_plan, 0,
		       "x-t: &t [/run]\nservices:\n  web:\n    read_only: true\n    tmpfs:\n"
		       "      - /run\n      - /tmp:size=64m\n",
		       1);
	assert_non_null(strstr(alias_notes, "compose.yaml:5: tmpfs of service \"web\" was the "
					    "alias *t (line 1): the service now repeats its "
					    "entries (1), then the new ones"));
	/* A list of merges: the first that has the key gives it. */
	free(fix_ok("x-a: &a\n  read_only: true\nx-b: &b\n  tmpfs: [/tmp]\n"
		    "services:\n  web:\n    <<: [*a, *b]\n    image: x\n",
		    "web", &tmp_plan, 0,
		    "x-a: &a\n  read_only: true\nx-b: &b\n  tmpfs: [/tmp]\n"
		    "services:\n  web:\n    <<: [*a, *b]\n    image: x\n",
		    0));
}

static void test_flow_service(void **state)
{
	(void)state;
	free(fix_ok("services:\n  web: {image: x, tmpfs: [/run]}\n", "web", &web_plan, 0,
		    "services:\n  web: {image: x, tmpfs: [/run, /tmp], read_only: true, "
		    "volumes: [\"web-var-cache-nginx:/var/cache/nginx\"]}\n"
		    "volumes:\n  web-var-cache-nginx:\n",
		    3));
	free(fix_ok("services:\n  web: {}\n", "web", &web_plan, 0,
		    "services:\n  web: {read_only: true, tmpfs: [\"/run:mode=0755,uid=101\", "
		    "/tmp], volumes: [\"web-var-cache-nginx:/var/cache/nginx\"]}\n"
		    "volumes:\n  web-var-cache-nginx:\n",
		    4));
	/* A flow key without a value: the service gets both. */
	free(fix_ok("{\"services\": {\"web\"}}", "web", &tmp_plan, 0,
		    "{\"services\": {\"web\": {\"read_only\": true, \"tmpfs\": "
		    "[\"/tmp:size=64m\"]}}}",
		    2));
	free(fix_ok("{\"services\": {\"web\": {\"image\": \"x\"}}}\n", "web", &web_plan, 0,
		    "{\"services\": {\"web\": {\"image\": \"x\", \"read_only\": true, \"tmpfs\": "
		    "[\"/run:mode=0755,uid=101\", \"/tmp\"], \"volumes\": "
		    "[\"web-var-cache-nginx:/var/cache/nginx\"]}}, \"volumes\": "
		    "{\"web-var-cache-nginx\": {}}}\n",
		    4));
}

static void test_create_service(void **state)
{
	(void)state;
	const char *whole = "services:\n"
			    "  web:\n"
			    "    read_only: true\n"
			    "    tmpfs:\n"
			    "      - /tmp:size=64m\n";
	free(fix_ok("", "web", &tmp_plan, FIX_COMPOSE_CREATE_SERVICE, whole, 2));
	free(fix_ok("# override\n", "web", &tmp_plan, FIX_COMPOSE_CREATE_SERVICE,
		    "# override\nservices:\n  web:\n    read_only: true\n    tmpfs:\n"
		    "      - /tmp:size=64m\n",
		    2));
	free(fix_ok("services:\n", "web", &vol_plan, FIX_COMPOSE_CREATE_SERVICE,
		    "services:\n  web:\n    read_only: true\n    volumes:\n      - web-data:/data\n"
		    "volumes:\n  web-data:\n",
		    2));
	free(fix_ok("services:\n  db:\n    image: y\n", "web", &tmp_plan,
		    FIX_COMPOSE_CREATE_SERVICE,
		    "services:\n  db:\n    image: y\n  web:\n    read_only: true\n    tmpfs:\n"
		    "      - /tmp:size=64m\n",
		    2));
	free(fix_ok("name: shop\n", "web", &tmp_plan, FIX_COMPOSE_CREATE_SERVICE,
		    "name: shop\nservices:\n  web:\n    read_only: true\n    tmpfs:\n"
		    "      - /tmp:size=64m\n",
		    2));
}

static void test_errors(void **state)
{
	(void)state;
	fix_bad("services:\n  web: [\n", "web", 0, "compose.yaml:");
	fix_bad("services:\n  db:\n    image: x\n", "web", 0, "compose.yaml:1: no service \"web\"");
	fix_bad("", "web", 0, "no services");
	fix_bad("services:\n  web:\n    image: a\n  web:\n    image: b\n", "web", 0,
		"compose.yaml:4: service \"web\" is defined twice (first at line 2)");
	fix_bad("x: &x\n  image: a\nservices:\n  web: *x\n", "web", 0,
		"compose.yaml:4: service \"web\" is an alias of &x (line 1)");
	fix_bad("x: &s\n  web:\n    image: a\nservices: *s\n", "web", 0,
		"compose.yaml:4: services is an alias (*s)");
	fix_bad("services:\n  web: &w\n    image: a\n  api: *w\n", "web", 0,
		"compose.yaml:2: service \"web\" is anchored (&w) and reused at line 4");
	fix_bad("services:\n  web:\n    image: a\n    tmpfs: &t [/run]\n  api:\n    tmpfs: *t\n",
		"web", 0, "anchored (&t) and used elsewhere");
	fix_bad("services:\r  web:\r    image: x\r", "web", 0,
		"compose.yaml:1: a line break other");
	fix_bad("services:\n  web:\n    image: \"a\xe2\x80\xa8\" \"b\"\n", "web", 0,
		"compose.yaml:3: a line break other");
	fix_bad("services:\n  web:\n    ? image\n    : x\n", "web", 0,
		"compose.yaml:3: an explicit (?) or non-scalar key");
	fix_bad("x: &all\n  web:\n    image: a\nservices:\n  <<: *all\n", "web",
		FIX_COMPOSE_CREATE_SERVICE,
		"compose.yaml:4: service \"web\" comes whole through a merge key from &all (line "
		"1)");
	fix_bad("services:\n  ?\n    db\n  : {}\n", "web", FIX_COMPOSE_CREATE_SERVICE,
		"compose.yaml:3: an explicit (?) or non-scalar key");
	/* Found by fuzz-fixcompose: a BOM past the start shifts libyaml's columns. */
	fix_bad("\xef\xbb\xbf\xef\xbb\xbfx: 1\n/a:\n", "web", FIX_COMPOSE_CREATE_SERVICE,
		"compose.yaml:1: a byte-order mark inside the file");
	fix_bad("services:\n  web:\n    image: \"a\xef\xbb\xbf\"\n", "web", 0,
		"compose.yaml:3: a byte-order mark inside the file");
	/* Found by fuzz-fixcompose: a service under "?" with a mapping on the ":" line. */
	fix_bad("services:\n  ?\n  : {image: a}\n  ? web\n  : image: b\n", "web", 0,
		"compose.yaml:2: an explicit (?) or non-scalar key among the services");
	fix_bad("x: &top\n  services:\n    web:\n      image: a\n<<: *top\n", "web", 0,
		"compose.yaml:1: the top-level services comes through a merge key from &top");
	fix_bad("services:\n  web:\n    tmpfs:\n      !!str /run\n", "web", 0,
		"compose.yaml:4: tmpfs is not a list");
	fix_bad("- a\n", "web", FIX_COMPOSE_CREATE_SERVICE,
		"compose.yaml:1: the file is not a mapping");
	/* Found by fuzz-fixcompose: top-level volumes merged into another mapping. */
	fix_bad("volumes: &v\n  data: {}\nx:\n  <<: *v\nservices:\n  web:\n    image: a\n", "web",
		0, "compose.yaml:1: the top-level volumes is anchored (&v) and reused at line 4");
	/* Found by fuzz-fixcompose: "<<" asked for as a service (it was written as one). */
	fix_bad("services:\n  <<: {}\n  volumes:\n", "<<", FIX_COMPOSE_CREATE_SERVICE,
		"compose.yaml: \"<<\" is a merge key, not a service name");
}

/*
 * Found by fuzz-fixcompose: a block scalar key ("? |") ends the file with no
 * newline; a line after it would add one to the key, so services goes first.
 */
static void test_block_key_ends_the_file(void **state)
{
	(void)state;
	free(fix_ok("x:\n ? |\n   0", "web", &tmp_plan, FIX_COMPOSE_CREATE_SERVICE,
		    "services:\n   web:\n      read_only: true\n      tmpfs:\n"
		    "         - /tmp:size=64m\nx:\n ? |\n   0",
		    2));
}

static void test_volume_names(void **state)
{
	(void)state;
	char *n = fix_compose_volume_name("db", "/var/lib/postgresql");
	assert_string_equal(n, "db-var-lib-postgresql");
	free(n);
	n = fix_compose_volume_name("web", "/srv/my data//x/");
	assert_string_equal(n, "web-srv-my-data-x");
	free(n);
	n = fix_compose_volume_name("-x", "/");
	assert_string_equal(n, "x-root");
	free(n);
}

/* --- the diff ----------------------------------------------------------------- */

static void test_diff_hunks(void **state)
{
	(void)state;
	const char *old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
	const char *new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";
	_cleanup_free_ char *d = fix_unified_diff(old, strlen(old), new, strlen(new), "x.yaml");
	assert_string_equal(d, "--- a/x.yaml\n+++ b/x.yaml\n"
			       "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n"
			       "@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n");
	_cleanup_free_ char *same = fix_unified_diff(old, strlen(old), old, strlen(old), "x");
	assert_string_equal(same, "");
}

static void test_diff_newline_crlf_new_file(void **state)
{
	(void)state;
	_cleanup_free_ char *d = fix_unified_diff("a\r\nb", 4, "a\r\nb\r\nc", 7, "f");
	assert_string_equal(d, "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\r\n-b\n"
			       "\\ No newline at end of file\n+b\r\n+c\n"
			       "\\ No newline at end of file\n");
	_cleanup_free_ char *n = fix_unified_diff(NULL, 0, "x\ny\n", 4, "o.yaml");
	assert_string_equal(n, "--- /dev/null\n+++ b/o.yaml\n@@ -0,0 +1,2 @@\n+x\n+y\n");
	_cleanup_free_ char *one = fix_unified_diff("x\n", 2, "y\n", 2, "f");
	assert_string_equal(one, "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+y\n");
}

static void test_diff_big_file(void **state)
{
	(void)state;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	for (int i = 0; i < 10000; i++) {
		strbuf_addf(&a, "line %d\n", i);
		if (i == 9000)
			strbuf_addstr(&b, "inserted\n");
		if (i != 5000)
			strbuf_addf(&b, "line %d\n", i);
	}
	long long t0 = now_ms();
	_cleanup_free_ char *d = fix_unified_diff(a.buf, a.len, b.buf, b.len, "big");
	assert_true(now_ms() - t0 < 1000);
	assert_string_equal(
		d, "--- a/big\n+++ b/big\n"
		   "@@ -4998,7 +4998,6 @@\n line 4997\n line 4998\n line 4999\n-line 5000\n"
		   " line 5001\n line 5002\n line 5003\n"
		   "@@ -8998,6 +8997,7 @@\n line 8997\n line 8998\n line 8999\n+inserted\n"
		   " line 9000\n line 9001\n line 9002\n");
	/* Everything different: past the search's bound it is still a correct diff. */
	struct strbuf c = STRBUF_INIT;
	for (int i = 0; i < 5000; i++)
		strbuf_addf(&c, "other %d\n", i);
	_cleanup_free_ char *all = fix_unified_diff(a.buf, a.len, c.buf, c.len, "big");
	assert_non_null(strstr(all, "@@ -1,10000 +1,5000 @@\n-line 0\n"));
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&c);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	struct strbuf sb = STRBUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	fclose(f);
	*len = sb.len;
	return strbuf_detach(&sb);
}

/*
 * The diff from old (NULL: no file) to new, as git apply and patch -p1 take
 * it: both accept it, and patch turns old into new byte for byte.
 */
static void check_applies(const char *old, size_t old_len, const char *new_text, size_t new_len)
{
	char dir[] = "/tmp/rootlock-fixdiff.XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *file = xasprintf("%s/compose.yaml", dir);
	_cleanup_free_ char *patch = xasprintf("%s/fix.diff", dir);
	if (old)
		write_file(file, old, old_len);
	_cleanup_free_ char *d = fix_unified_diff(old, old_len, new_text, new_len, "compose.yaml");
	write_file(patch, d, strlen(d));
	_cleanup_free_ char *git = xasprintf("cd %s && git apply --check fix.diff", dir);
	_cleanup_free_ char *dry = xasprintf("cd %s && patch -s -p1 --dry-run <fix.diff", dir);
	_cleanup_free_ char *real = xasprintf("cd %s && patch -s -p1 <fix.diff", dir);
	if (system(git) != 0 || system(dry) != 0)
		fail_msg("the patch does not apply:\n%s", d);
	assert_int_equal(system(real), 0);
	size_t len;
	_cleanup_free_ char *got = read_file(file, &len);
	assert_int_equal(len, new_len);
	assert_memory_equal(got, new_text, len);
	_cleanup_free_ char *rm = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(rm), 0);
}

static void test_diff_applies(void **state)
{
	(void)state;
	if (system("command -v git >/dev/null && command -v patch >/dev/null") != 0)
		skip();
	static const char *const inputs[] = {
		"services:\n  web:\n    image: x\n  db:\n    image: y\n",
		"services:\r\n  web:\r\n    image: x\r\n",
		"services:\n  web:\n    image: x",
		"# c\nservices:\n  web:\n    image: x\n    tmpfs: /run\n\n# 1\n# 2\n# 3\n# 4\n# 5\n"
		"# 6\n# 7\n# 8\nx-last: 1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		struct fix_edit e;
		struct rl_error err = {0};
		assert_int_equal(fix_compose(inputs[i], strlen(inputs[i]), "compose.yaml", "web",
					     &web_plan, 0, &e, &err),
				 0);
		check_applies(inputs[i], strlen(inputs[i]), e.text, e.len);
		fix_edit_release(&e);
	}
	struct fix_edit e;
	struct rl_error err = {0};
	assert_int_equal(fix_compose("", 0, "compose.override.yaml", "web", &web_plan,
				     FIX_COMPOSE_CREATE_SERVICE, &e, &err),
			 0);
	check_applies(NULL, 0, e.text, e.len);
	fix_edit_release(&e);
	/* Lines that lose their newline, and a first line changed. */
	check_applies("a\nb\nc\n", 6, "A\nb\nc", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_all_absent),
		cmocka_unit_test(test_read_only_replaced),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_tmpfs_scalar_becomes_list),
		cmocka_unit_test(test_null_and_long_syntax_lists),
		cmocka_unit_test(test_flow_lists),
		cmocka_unit_test(test_unindented_sequences_four_spaces),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_utf8_and_bom),
		cmocka_unit_test(test_block_scalars),
		cmocka_unit_test(test_top_level_volumes),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_flow_service),
		cmocka_unit_test(test_create_service),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_block_key_ends_the_file),
		cmocka_unit_test(test_volume_names),
		cmocka_unit_test(test_diff_hunks),
		cmocka_unit_test(test_diff_newline_crlf_new_file),
		cmocka_unit_test(test_diff_big_file),
		cmocka_unit_test(test_diff_applies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
