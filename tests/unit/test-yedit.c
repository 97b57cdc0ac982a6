/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "yedit.h"

static void load(struct yedit *ye, const char *text)
{
	struct rl_error err = {0};
	if (yedit_load(ye, text, strlen(text), "t.yaml", &err) < 0)
		fail_msg("yedit_load: %s", err.msg);
}

static void expect(struct yedit *ye, const char *want)
{
	size_t len;
	char *got = yedit_apply(ye, &len);
	if (strcmp(got, want) != 0)
		fail_msg("got:\n%s\n--- want:\n%s", got, want);
	assert_int_equal(len, strlen(want));
	free(got);
	yedit_release(ye);
}

/* What the Kubernetes editor does with it: nested keys and lists of mappings. */
static void test_kubernetes_shapes(void **state)
{
	(void)state;
	struct yedit ye;
	struct rl_error err = {0};
	load(&ye, "kind: Deployment\n"
		  "spec:\n"
		  "  template:\n"
		  "    spec:\n"
		  "      containers:\n"
		  "      - name: web\n"
		  "        ports:\n"
		  "        - containerPort: 80\n"
		  "      - name: side\n"
		  "        securityContext:\n"
		  "          runAsUser: 1\n");
	struct yenode *pod = yedit_find(ye.root, "spec.template.spec");
	struct yenode *containers = yedit_find(pod, "containers");
	assert_non_null(containers);
	assert_int_equal(containers->n, 2);
	static const char *const mounts[] = {"name: tmp\nmountPath: /tmp"};
	for (size_t i = 0; i < containers->n; i++) {
		assert_int_equal(yedit_set(&ye, containers->kids[i],
					   "securityContext.readOnlyRootFilesystem", "true", &err),
				 0);
		assert_int_equal(
			yedit_append(&ye, containers->kids[i], "volumeMounts", mounts, 1, &err), 0);
	}
	static const char *const vols[] = {
		"name: tmp\nemptyDir:\n  medium: Memory\n  sizeLimit: 64Mi"};
	assert_int_equal(yedit_append(&ye, pod, "volumes", vols, 1, &err), 0);
	expect(&ye, "kind: Deployment\n"
		    "spec:\n"
		    "  template:\n"
		    "    spec:\n"
		    "      containers:\n"
		    "      - name: web\n"
		    "        ports:\n"
		    "        - containerPort: 80\n"
		    "        securityContext:\n"
		    "          readOnlyRootFilesystem: true\n"
		    "        volumeMounts:\n"
		    "        - name: tmp\n"
		    "          mountPath: /tmp\n"
		    "      - name: side\n"
		    "        securityContext:\n"
		    "          runAsUser: 1\n"
		    "          readOnlyRootFilesystem: true\n"
		    "        volumeMounts:\n"
		    "        - name: tmp\n"
		    "          mountPath: /tmp\n"
		    "      volumes:\n"
		    "      - name: tmp\n"
		    "        emptyDir:\n"
		    "          medium: Memory\n"
		    "          sizeLimit: 64Mi\n");
}

/* Kubernetes files hold many documents: each is there, and edits stay in theirs. */
static void test_documents(void **state)
{
	(void)state;
	struct yedit ye;
	struct rl_error err = {0};
	load(&ye, "kind: Service\nmetadata:\n  name: a\n---\nkind: Pod\nspec:\n  containers:\n"
		  "    - name: web\n      image: x\n---\nkind: ConfigMap\n");
	assert_int_equal(ye.n_docs, 3);
	assert_ptr_equal(ye.root, ye.docs[0]);
	assert_string_equal(yenode_scalar(yenode_get(ye.docs[2], "kind")), "ConfigMap");
	struct yenode *c = yedit_find(ye.docs[1], "spec.containers")->kids[0];
	assert_int_equal(yedit_set(&ye, c, "securityContext.readOnlyRootFilesystem", "true", &err),
			 0);
	expect(&ye, "kind: Service\nmetadata:\n  name: a\n---\nkind: Pod\nspec:\n  containers:\n"
		    "    - name: web\n      image: x\n      securityContext:\n"
		    "        readOnlyRootFilesystem: true\n---\nkind: ConfigMap\n");
}

static void test_set_replaces_and_creates(void **state)
{
	(void)state;
	struct yedit ye;
	struct rl_error err = {0};
	/* An existing scalar: only its bytes; a null on the way becomes the mapping. */
	load(&ye, "a:\n    b: false # keep\n    c:\nd: 1\n");
	assert_int_equal(yedit_set(&ye, ye.root, "a.b", "true", &err), 0);
	assert_int_equal(yedit_set(&ye, ye.root, "a.c.e", "x", &err), 0);
	assert_int_equal(yedit_set(&ye, ye.root, "f.g.h", "\"y z\"", &err), 0);
	expect(&ye,
	       "a:\n    b: true # keep\n    c:\n        e: x\nd: 1\nf:\n    g:\n        h: \"y "
	       "z\"\n");
	/* Flow: inline. */
	load(&ye, "a: {b: 1}\nl: [x]\n");
	assert_int_equal(yedit_set(&ye, ye.root, "a.c.d", "2", &err), 0);
	static const char *const items[] = {"y", "k: v"};
	assert_int_equal(yedit_append(&ye, ye.root, "l", items, 2, &err), 0);
	expect(&ye, "a: {b: 1, c: {d: 2}}\nl: [x, y, {k: v}]\n");
	/* A block collection is not replaced by a scalar. */
	load(&ye, "a:\n  b: 1\n");
	assert_int_equal(yedit_set(&ye, ye.root, "a", "x", &err), RL_EPARSE);
	yedit_release(&ye);
}

static void test_lookups(void **state)
{
	(void)state;
	struct yedit ye;
	load(&ye, "base: &b\n  x: 1\n  y: 2\nm:\n  <<: *b\n  y: 3\n");
	struct yenode *m = yenode_get(ye.root, "m");
	const struct yenode *via = NULL;
	assert_string_equal(yenode_scalar(yenode_get_merged(m, "x", &via)), "1");
	assert_non_null(via);
	assert_string_equal(via->anchor, "b");
	assert_string_equal(yenode_scalar(yenode_get_merged(m, "y", &via)), "3");
	assert_null(via);
	assert_null(yenode_get(m, "x"));
	assert_int_equal(ye.step, 2);
	assert_int_equal(ye.seq_indent, 2);
	yedit_release(&ye);
}

static void test_quote(void **state)
{
	(void)state;
	static const struct {
		const char *in, *block, *flow;
	} cases[] = {
		{"/run:mode=0755,uid=1", "/run:mode=0755,uid=1", "\"/run:mode=0755,uid=1\""},
		{"true", "\"true\"", "\"true\""},
		{"12", "\"12\"", "\"12\""},
		{"a: b", "\"a: b\"", "\"a: b\""},
		{"x #y", "\"x #y\"", "\"x #y\""},
		{"", "\"\"", "\"\""},
		{"*x", "\"*x\"", "\"*x\""},
		{"tab\there", "\"tab\\there\"", "\"tab\\there\""},
		{"data", "data", "data"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *b = yedit_quote(cases[i].in, false), *f = yedit_quote(cases[i].in, true);
		assert_string_equal(b, cases[i].block);
		assert_string_equal(f, cases[i].flow);
		free(b);
		free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubernetes_shapes),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_set_replaces_and_creates),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
