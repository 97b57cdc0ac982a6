/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "yamldoc.h"

static struct ystream load_ok(const char *text)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load(text, strlen(text), "t.yaml", &s, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
	return s;
}

static void load_bad(const char *text, const char *want)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	assert_int_equal(ystream_load(text, strlen(text), "t.yaml", &s, &err), RL_EPARSE);
	if (!strstr(err.msg, want))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
	assert_int_equal(s.n, 0);
}

static void test_positions(void **state)
{
	(void)state;
	struct ystream s = load_ok("services:\n  web:\n    image: nginx\n    read_only: true\n");
	assert_int_equal(s.n, 1);
	struct ynode *web = ymap_get(ymap_get(s.docs[0].root, "services"), "web");
	assert_true(yis_map(web));
	const struct ypair *p = ymap_get_pair(web, "read_only");
	assert_non_null(p);
	assert_int_equal(p->key->line, 4);
	assert_int_equal(p->key->column, 5);
	assert_int_equal(ybool(p->value), 1);
	assert_string_equal(yscalar(ymap_get(web, "image")), "nginx");
	assert_null(ymap_get(web, "privileged"));
	ystream_release(&s);
}

static void test_booleans(void **state)
{
	(void)state;
	struct ystream s =
		load_ok("a: true\nb: False\nc: yes\nd: off\ne: \"true\"\nf: 1\ng: !!bool true\n");
	const struct ynode *r = s.docs[0].root;
	assert_int_equal(ybool(ymap_get(r, "a")), 1);
	assert_int_equal(ybool(ymap_get(r, "b")), 0);
	assert_int_equal(ybool(ymap_get(r, "c")), 1);
	assert_int_equal(ybool(ymap_get(r, "d")), 0);
	/* A quoted "true" is a string, not a boolean. */
	assert_int_equal(ybool(ymap_get(r, "e")), -1);
	assert_int_equal(ybool(ymap_get(r, "f")), -1);
	assert_int_equal(ybool(ymap_get(r, "g")), 1);
	assert_int_equal(ybool(ymap_get(r, "b")), 0);
	assert_int_equal(ybool(NULL), -1);
	ystream_release(&s);
}

static void test_multi_document_and_json(void **state)
{
	(void)state;
	struct ystream s =
		load_ok("---\nkind: Pod\n---\n---\n{\"kind\": \"Deployment\", \"n\": [1, 2]}\n");
	assert_int_equal(s.n, 3);
	assert_string_equal(yscalar(ymap_get(s.docs[0].root, "kind")), "Pod");
	/* An empty document is a null scalar, not a mapping. */
	assert_string_equal(yscalar(s.docs[1].root), "");
	assert_string_equal(yscalar(ymap_get(s.docs[2].root, "kind")), "Deployment");
	assert_int_equal(ymap_get(s.docs[2].root, "n")->n, 2);
	ystream_release(&s);
}

static void test_merge_keys(void **state)
{
	(void)state;
	struct ystream s = load_ok("x-base: &base\n  read_only: true\n  image: a\n"
				   "x-more: &more\n  privileged: true\n  image: b\n"
				   "svc:\n  <<: [*base, *more]\n  image: c\n");
	const struct ynode *svc = ymap_get(s.docs[0].root, "svc");
	/* Explicit keys win; among merges the first listed wins. */
	assert_string_equal(yscalar(ymap_get(svc, "image")), "c");
	assert_int_equal(ybool(ymap_get(svc, "read_only")), 1);
	assert_int_equal(ybool(ymap_get(svc, "privileged")), 1);
	/* The position is the anchor's, where the value is written. */
	assert_int_equal(ymap_get_pair(svc, "read_only")->key->line, 2);
	ystream_release(&s);
}

static void test_tagged_strings_are_not_booleans(void **state)
{
	(void)state;
	struct ystream s = load_ok("a: !!str true\nb: !custom yes\nc: tRuE\n");
	const struct ynode *r = s.docs[0].root;
	assert_int_equal(ybool(ymap_get(r, "a")), -1);
	assert_int_equal(ybool(ymap_get(r, "b")), -1);
	assert_int_equal(ybool(ymap_get(r, "c")), -1);
	ystream_release(&s);
}

static void test_merge_bomb_lookup_is_bounded(void **state)
{
	(void)state;
	/* A self-merge and a chain of merges: a missing key must not take forever. */
	struct ystream s = load_ok("a: &a {<<: [*a, *a, *a, *a]}\n");
	assert_null(ymap_get(ymap_get(s.docs[0].root, "a"), "missing"));
	ystream_release(&s);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "m0: &m0 {k0: v}\n");
	for (int i = 1; i < 16; i++)
		strbuf_addf(&sb, "m%d: &m%d {<<: [*m%d, *m%d, *m%d, *m%d, *m%d, *m%d]}\n", i, i,
			    i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	s = load_ok(sb.buf);
	assert_null(ymap_get(ymap_get(s.docs[0].root, "m15"), "missing"));
	/* A key reachable within the budget is still found. */
	assert_string_equal(yscalar(ymap_get(ymap_get(s.docs[0].root, "m3"), "k0")), "v");
	ystream_release(&s);
	strbuf_release(&sb);
}

static void test_alias_shares_node(void **state)
{
	(void)state;
	struct ystream s = load_ok("a: &x {k: v}\nb: *x\n");
	assert_ptr_equal(ymap_get(s.docs[0].root, "a"), ymap_get(s.docs[0].root, "b"));
	ystream_release(&s);
}

static void test_syntax_error_has_position(void **state)
{
	(void)state;
	load_bad("services:\n  web: [\n", "t.yaml:");
	load_bad("a: b\n c: d\n", "t.yaml:2:");
	load_bad("a: *nothing\n", "alias *nothing has no anchor");
}

static void test_alias_bomb_is_cheap_or_refused(void **state)
{
	(void)state;
	/* Nine levels of ten aliases each: a billion leaves if expanded. */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (char c = 'b'; c <= 'j'; c++)
		strbuf_addf(&sb, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c,
			    c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1,
			    c - 1);
	struct ystream s = load_ok(sb.buf);
	/* Nodes are shared, not copied: a handful of nodes, not a billion. */
	assert_true(s.docs[0].n_all < 200);
	ystream_release(&s);

	strbuf_reset(&sb);
	strbuf_addstr(&sb, "a: &a x\nb: [");
	for (int i = 0; i < YAML_MAX_ALIASES + 1; i++)
		strbuf_addstr(&sb, "*a,");
	strbuf_addstr(&sb, "*a]\n");
	load_bad(sb.buf, "aliases");
	strbuf_release(&sb);
}

static void test_deep_nesting_refused(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < YAML_MAX_DEPTH + 10; i++)
		strbuf_addch(&sb, '[');
	for (int i = 0; i < YAML_MAX_DEPTH + 10; i++)
		strbuf_addch(&sb, ']');
	load_bad(sb.buf, "nested deeper");
	strbuf_release(&sb);
}

/* Unread values: empty but placed and tagged; their anchors kept; the same errors as a full load.
 */
static void test_unread_keys(void **state)
{
	(void)state;
	static const char *const unread[] = {"env", NULL};
	const char *text = "c:\n  env: !!seq [{a: &x {b: 1}}, [*x], c]\n  sc: *x\n  name: n\n"
			   "  more: {env: [1], envy: [2], env2: {}}\n  env: plain\n";
	struct ystream s = {0};
	struct rl_error err = {0};
	assert_int_equal(ystream_load_unread(text, strlen(text), "t.yaml", unread, &s, &err), 0);
	const struct ynode *c = ymap_get(s.docs[0].root, "c");
	const struct ynode *env = c->pairs[0].value;
	assert_true(yis_seq(env));
	assert_int_equal(env->n, 0);
	assert_int_equal(env->line, 2);
	assert_int_equal(env->column, 8);
	assert_string_equal(env->tag, "tag:yaml.org,2002:seq");
	assert_string_equal(yscalar(ymap_get(ymap_get(c, "sc"), "b")), "1");
	assert_string_equal(yscalar(ymap_get(c, "name")), "n");
	const struct ynode *more = ymap_get(c, "more");
	assert_int_equal(ymap_get(more, "env")->n, 0);
	assert_int_equal(ymap_get(more, "envy")->n, 1);
	assert_true(yis_map(ymap_get(more, "env2")));
	assert_string_equal(yscalar(c->pairs[4].value), "plain"); /* scalars are kept */
	ystream_release(&s);

	/* Under services and <<, keys are names: a service may be called env. */
	text = "services: {env: {image: x}}\nm: {<<: [{env: [1]}], k: {<<: {env: [2]}}}\n";
	assert_int_equal(ystream_load_unread(text, strlen(text), "t.yaml", unread, &s, &err), 0);
	const struct ynode *root = s.docs[0].root;
	assert_string_equal(yscalar(ymap_get(ymap_get(ymap_get(root, "services"), "env"), "image")),
			    "x");
	assert_int_equal(ymap_get(ymap_get(root, "m"), "env")->n, 1);
	assert_int_equal(ymap_get(ymap_get(ymap_get(root, "m"), "k"), "env")->n, 1);
	ystream_release(&s);

	static const char *const bad[] = {
		"env: [*nowhere]\n",
		"env: "
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		"[[[["
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
		"env: {a: [b}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct rl_error full = {0}, part = {0};
		struct ystream a = {0}, b = {0};
		assert_int_equal(ystream_load(bad[i], strlen(bad[i]), "t.yaml", &a, &full),
				 RL_EPARSE);
		assert_int_equal(
			ystream_load_unread(bad[i], strlen(bad[i]), "t.yaml", unread, &b, &part),
			RL_EPARSE);
		assert_string_equal(full.msg, part.msg);
	}
}

static void test_empty_input(void **state)
{
	(void)state;
	struct ystream s = load_ok("");
	assert_int_equal(s.n, 0);
	ystream_release(&s);
	s = load_ok("# only a comment\n");
	assert_int_equal(s.n, 0);
	ystream_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_multi_document_and_json),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_alias_shares_node),
		cmocka_unit_test(test_tagged_strings_are_not_booleans),
		cmocka_unit_test(test_merge_bomb_lookup_is_bounded),
		cmocka_unit_test(test_syntax_error_has_position),
		cmocka_unit_test(test_alias_bomb_is_cheap_or_refused),
		cmocka_unit_test(test_deep_nesting_refused),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_unread_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
