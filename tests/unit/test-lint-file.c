/* SPDX-License-Identifier: MIT */
/*
 * One file of the walk, linted as what it is: each test writes files in a
 * fresh temporary directory, makes the item the walk would hand on, and
 * checks what kind the file was taken for and what was found in it.
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

#include "fileio.h"
#include "scratch.h"
#include "lint-file.h"
#include "lint-suppress.h"
#include "yamldoc.h"

struct fixture {
	char dir[PATH_MAX];
	struct lint_results out;
	struct compose_env env;
	struct rl_error err;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	if (scratch_dir_make(fx->dir, "lintfile") < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	lint_results_release(&fx->out);
	scratch_dir_remove(fx->dir);
	free(fx);
	return 0;
}

static void put(struct fixture *fx, const char *name, const char *text)
{
	scratch_put(fx->dir, name, text);
}

/* The item the walk hands on for name, read but not parsed; explicit: named by the user. */
static struct lint_item *item_for(struct fixture *fx, const char *name, bool explicit)
{
	struct lint_item *item = xcalloc(1, sizeof(*item));
	item->kind = LINT_ITEM_YAML;
	item->path = xasprintf("%s/%s", fx->dir, name);
	item->explicit = explicit;
	assert_int_equal(read_file_limited(item->path, 1 << 20, &item->text, &fx->err), 0);
	item->size = item->text.len;
	item->has_marker = lint_has_marker(item->text.buf, item->text.len);
	return item;
}

static enum lint_doc_kind classify_text(const char *name, const char *text)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	assert_int_equal(ystream_load(text, strlen(text), name, &s, &err), 0);
	enum lint_doc_kind kind = lint_classify(&s, name);
	ystream_release(&s);
	return kind;
}

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(classify_text("x.yaml", "apiVersion: v1\nkind: Pod\n"), LINT_DOC_KUBE);
	assert_int_equal(classify_text("x.yaml", "services:\n  web: {image: nginx}\n"),
			 LINT_DOC_COMPOSE);
	/* JSON is YAML: a manifest from `kubectl get -o json`. */
	assert_int_equal(classify_text("x.json", "{\"apiVersion\": \"v1\", \"kind\": \"List\"}"),
			 LINT_DOC_KUBE);
	/* Manifests after a first document that is neither. */
	assert_int_equal(classify_text("x.yaml", "a: 1\n---\napiVersion: v1\nkind: Pod\n"),
			 LINT_DOC_KUBE);
	/* services: in a later document does not make a Compose file. */
	assert_int_equal(classify_text("x.yaml", "a: 1\n---\nservices: {}\n"), LINT_DOC_UNKNOWN);
	assert_int_equal(classify_text("x.yaml", "services: [web]\n"), LINT_DOC_UNKNOWN);
	/* A Compose name is a Compose file even before it has services. */
	assert_int_equal(classify_text("dir/compose.yaml", "name: empty\n"), LINT_DOC_COMPOSE);
	assert_int_equal(classify_text("dir/values.yaml", "name: empty\n"), LINT_DOC_UNKNOWN);
}

static const char base[] = "services:\n  web:\n    image: nginx\n";
static const char override[] = "services:\n  web:\n    read_only: true\n";

/* The override beside a base file is merged: its read_only counts. */
static void test_override_merged(void **state)
{
	struct fixture *fx = *state;
	put(fx, "compose.yaml", base);
	put(fx, "compose.override.yaml", override);
	struct lint_item *item = item_for(fx, "compose.yaml", true);
	enum lint_doc_kind kind;
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), 0);
	assert_int_equal(kind, LINT_DOC_COMPOSE);
	assert_int_equal(fx->out.n, 1);
	assert_true(fx->out.v[0].w.readonly_rootfs);
	lint_item_free(item);

	/* Found in a directory whose listing has no override: the base alone. */
	lint_results_release(&fx->out);
	item = item_for(fx, "compose.yaml", false);
	lint_listing_add(&item->listing, "compose.yaml");
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), 0);
	assert_int_equal(fx->out.n, 1);
	assert_false(fx->out.v[0].w.readonly_rootfs);
	lint_item_free(item);

	/* With the override in the listing, merged again. */
	lint_results_release(&fx->out);
	item = item_for(fx, "compose.yaml", false);
	lint_listing_add(&item->listing, "compose.yaml");
	lint_listing_add(&item->listing, "compose.override.yaml");
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), 0);
	assert_true(fx->out.v[0].w.readonly_rootfs);
	lint_item_free(item);
}

/* Only a base file's name brings its override: stack.yaml is linted alone. */
static void test_no_override_for_other_names(void **state)
{
	struct fixture *fx = *state;
	put(fx, "stack.yaml", base);
	put(fx, "compose.override.yaml", override);
	struct lint_item *item = item_for(fx, "stack.yaml", true);
	enum lint_doc_kind kind;
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), 0);
	assert_int_equal(kind, LINT_DOC_COMPOSE);
	assert_int_equal(fx->out.n, 1);
	assert_false(fx->out.v[0].w.readonly_rootfs);
	lint_item_free(item);
}

static void test_kubernetes(void **state)
{
	struct fixture *fx = *state;
	put(fx, "pod.yaml",
	    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
	    "  containers:\n  - name: app\n    image: nginx\n");
	struct lint_item *item = item_for(fx, "pod.yaml", false);
	enum lint_doc_kind kind;
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), 0);
	assert_int_equal(kind, LINT_DOC_KUBE);
	assert_int_equal(fx->out.n, 1);
	assert_string_equal(fx->out.v[0].w.origin.container, "app");
	/* No marker: the text is no longer needed once parsed. */
	assert_null(item->text.buf);
	lint_item_free(item);
}

static void test_neither(void **state)
{
	struct fixture *fx = *state;
	put(fx, "values.yaml", "replicas: 3 # rootlock:ignore why\n");
	struct lint_item *item = item_for(fx, "values.yaml", true);
	enum lint_doc_kind kind;
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), 0);
	assert_int_equal(kind, LINT_DOC_UNKNOWN);
	assert_int_equal(fx->out.n, 0);
	/* A marker keeps the text for the suppressions. */
	assert_non_null(item->text.buf);
	lint_item_free(item);
}

/* The tree the walk parsed is used, not parsed again. */
static void test_parsed_by_the_walk(void **state)
{
	struct fixture *fx = *state;
	put(fx, "app.yaml", base);
	struct lint_item *item = item_for(fx, "app.yaml", false);
	/* What the walk parsed differs from the file: only the tree can have given it. */
	const char other[] = "services:\n  api:\n    image: nginx\n    read_only: true\n";
	item->parsed = xcalloc(1, sizeof(*item->parsed));
	assert_int_equal(ystream_load(other, strlen(other), item->path, item->parsed, &fx->err), 0);
	enum lint_doc_kind kind;
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), 0);
	assert_int_equal(fx->out.n, 1);
	assert_string_equal(fx->out.v[0].w.origin.workload, "api");
	assert_true(fx->out.v[0].w.readonly_rootfs);
	assert_int_equal(item->parsed->n, 0); /* taken */
	lint_item_free(item);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	put(fx, "broken.yaml", "services: [\n");
	struct lint_item *item = item_for(fx, "broken.yaml", false);
	enum lint_doc_kind kind = LINT_DOC_KUBE;
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), -1);
	assert_int_equal(kind, LINT_DOC_UNKNOWN);
	assert_non_null(strstr(fx->err.msg, "broken.yaml:"));
	lint_item_free(item);

	/* An item the walk could not read carries its error through. */
	item = xcalloc(1, sizeof(*item));
	item->kind = LINT_ITEM_YAML;
	item->path = xstrdup("gone.yaml");
	item->err = xcalloc(1, sizeof(*item->err));
	rl_error_set(item->err, RL_EIO, "cannot open 'gone.yaml'");
	rl_error_clear(&fx->err);
	assert_int_equal(lint_yaml_item(item, &fx->env, &fx->out, &kind, &fx->err), -1);
	assert_int_equal(kind, LINT_DOC_UNKNOWN);
	assert_int_equal(fx->err.code, RL_EIO);
	assert_string_equal(fx->err.msg, "cannot open 'gone.yaml'");
	lint_item_free(item);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test_setup_teardown(test_override_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_override_for_other_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kubernetes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neither, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parsed_by_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
