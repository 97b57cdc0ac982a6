/* SPDX-License-Identifier: MIT */
/*
 * lint's walk: each test builds a tree in a fresh temporary directory, walks
 * it and checks the items handed on (which files, in what order, with what
 * errors where), on one thread and on two, and what the walk read ahead.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lint-walk.h"
#include "scratch.h"
#include "yamldoc.h"

struct fixture {
	char dir[PATH_MAX];
	struct strv paths, excludes;
	struct lint_walk_options o;
	struct lint_item **items; /* as handed on */
	size_t n;
};

/* Remove everything in the directory at (at, name), whatever the depth of the tree. */
static void remove_under(int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0) {
			remove_under(fd, e->d_name);
			unlinkat(fd, e->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	if (scratch_dir_make(fx->dir, "walk") < 0)
		return -1;
	lint_walk_options_init(&fx->o);
	fx->o.paths = &fx->paths;
	fx->o.excludes = &fx->excludes;
	*state = fx;
	return 0;
}

static void items_release(struct fixture *fx)
{
	for (size_t i = 0; i < fx->n; i++)
		lint_item_free(fx->items[i]);
	free(fx->items);
	fx->items = NULL;
	fx->n = 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	items_release(fx);
	strv_release(&fx->paths);
	strv_release(&fx->excludes);
	/* nftw() cannot reach below PATH_MAX: remove what is under fx->dir by descriptor. */
	remove_under(AT_FDCWD, fx->dir);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Make rel under the fixture's directory, its parent directories too. */
static void put(struct fixture *fx, const char *rel, const char *text)
{
	scratch_put(fx->dir, rel, text);
}

static void link_to(struct fixture *fx, const char *target, const char *rel)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", fx->dir, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void add_path(struct fixture *fx, const char *rel)
{
	strv_push(&fx->paths, rel ? xasprintf("%s/%s", fx->dir, rel) : xstrdup(fx->dir));
}

static void collect(struct lint_item *item, void *userdata)
{
	struct fixture *fx = userdata;
	fx->items = xrealloc(fx->items, (fx->n + 1) * sizeof(*fx->items));
	fx->items[fx->n++] = item;
}

/*
 * The items as lines: "yaml a/compose.yaml", "quadlet b/app.container",
 * "error MESSAGE" with the directory cut from paths, "*" after an explicit one.
 */
static char *describe(struct fixture *fx)
{
	struct strbuf sb = STRBUF_INIT;
	size_t cut = strlen(fx->dir) + 1;
	for (size_t i = 0; i < fx->n; i++) {
		const struct lint_item *it = fx->items[i];
		const char *path = strlen(it->path) >= cut ? it->path + cut : it->path;
		switch (it->kind) {
		case LINT_ITEM_YAML:
			strbuf_addf(&sb, "yaml %s%s\n", path, it->explicit ? "*" : "");
			break;
		case LINT_ITEM_QUADLET:
			strbuf_addf(&sb, "quadlet %s%s\n", path, it->explicit ? "*" : "");
			break;
		case LINT_ITEM_ERROR: {
			const char *msg = it->err->msg;
			const char *in = strstr(msg, fx->dir);
			strbuf_addf(&sb, "error %.*s%s\n", (int)(in ? in - msg : (int)strlen(msg)),
				    msg, in ? in + cut : "");
			break;
		}
		}
	}
	return strbuf_detach(&sb);
}

static char *walk(struct fixture *fx, enum lint_walk_threads threads)
{
	items_release(fx);
	fx->o.threads = threads;
	lint_walk(&fx->o, collect, fx);
	return describe(fx);
}

static void make_tree(struct fixture *fx)
{
	put(fx, "a/compose.yaml", "services:\n  web:\n    image: nginx\n");
	put(fx, "a/compose.override.yaml", "services:\n  web:\n    read_only: true\n");
	put(fx, "a/notes.txt", "not linted\n");
	put(fx, "a/k8s.yml", "apiVersion: v1\nkind: Pod\n");
	put(fx, "a/data.JSON", "{}\n");
	put(fx, "b/app.container", "[Container]\nImage=nginx\n");
	put(fx, "b/app.container.d/ro.conf", "[Container]\nReadOnly=true\n");
	put(fx, "b/app.container.d/seen-with-unit.yaml", "a: 1\n");
	put(fx, ".git/config.yaml", "a: 1\n");
	put(fx, "c/docker-compose.override.yml", "services: {}\n");
	put(fx, "d/skip-me.yaml", "a: 1\n");
	put(fx, "d/vendor/x.yaml", "a: 1\n");
	put(fx, "d/kept.yaml", "a: 1\n");
	link_to(fx, "a", "link-to-dir");
	link_to(fx, "a/k8s.yml", "link-to-file.yaml");
	link_to(fx, "nowhere.yaml", "dangling.yaml");
}

static const char tree_items[] = "yaml a/compose.yaml\n"
				 "yaml a/data.JSON\n"
				 "yaml a/k8s.yml\n"
				 "quadlet b/app.container\n"
				 "yaml c/docker-compose.override.yml\n"
				 "yaml d/kept.yaml\n"
				 "yaml link-to-file.yaml\n";

static void test_walk_finds_what_lint_checks(void **state)
{
	struct fixture *fx = *state;
	make_tree(fx);
	add_path(fx, NULL);
	strv_add(&fx->excludes, "skip-me.yaml"); /* by file name */
	strv_add(&fx->excludes, "*/vendor");	 /* by path: the directory is not searched */
	_cleanup_free_ char *got = walk(fx, LINT_WALK_ONE_THREAD);
	assert_string_equal(got, tree_items);
	/* Each file knows its directory's listing: the override beside compose.yaml. */
	assert_true(fx->items[0]->listing.override & 1u);
	assert_true(fx->items[0]->listing.compose & 1u);
	assert_int_equal(fx->items[3]->listing.override, 0);
}

static void test_two_threads_hand_on_the_same(void **state)
{
	struct fixture *fx = *state;
	make_tree(fx);
	add_path(fx, NULL);
	add_path(fx, "missing");
	add_path(fx, "a");
	strv_add(&fx->excludes, "skip-me.yaml");
	strv_add(&fx->excludes, "*/vendor");
	_cleanup_free_ char *one = walk(fx, LINT_WALK_ONE_THREAD);
	_cleanup_free_ char *two = walk(fx, LINT_WALK_TWO_THREADS);
	_cleanup_free_ char *want = xasprintf("%serror cannot read 'missing': No such file or "
					      "directory\nyaml a/compose.yaml\nyaml a/data.JSON\n"
					      "yaml a/k8s.yml\n",
					      tree_items);
	assert_string_equal(one, want);
	assert_string_equal(two, want);
	_cleanup_free_ char *any = walk(fx, LINT_WALK_AUTO);
	assert_string_equal(any, want);
}

/* What the user names is taken as given: any file, a linked directory, an exclusion ignored. */
static void test_explicit_paths(void **state)
{
	struct fixture *fx = *state;
	make_tree(fx);
	add_path(fx, "a/notes.txt");
	add_path(fx, "link-to-dir");
	add_path(fx, "d/skip-me.yaml");
	add_path(fx, "a/compose.override.yaml");
	add_path(fx, "b/app.container");
	add_path(fx, "dangling.yaml");
	strv_add(&fx->excludes, "skip-me.yaml");
	_cleanup_free_ char *got = walk(fx, LINT_WALK_ONE_THREAD);
	assert_string_equal(got, "yaml a/notes.txt*\n"
				 "yaml link-to-dir/compose.yaml\n"
				 "yaml link-to-dir/data.JSON\n"
				 "yaml link-to-dir/k8s.yml\n"
				 "yaml d/skip-me.yaml*\n"
				 "yaml a/compose.override.yaml*\n"
				 "quadlet b/app.container*\n"
				 "error cannot read 'dangling.yaml': No such file or directory\n");
}

static void test_too_deep(void **state)
{
	struct fixture *fx = *state;
	struct strbuf rel = STRBUF_INIT;
	for (int i = 0; i < 70; i++)
		strbuf_addstr(&rel, "d/");
	strbuf_addstr(&rel, "deep.yaml");
	put(fx, strbuf_str(&rel), "a: 1\n");
	put(fx, "shallow.yaml", "a: 1\n");
	strbuf_release(&rel);
	add_path(fx, NULL);
	_cleanup_free_ char *got = walk(fx, LINT_WALK_ONE_THREAD);
	assert_non_null(strstr(got, "; not searched\n"));
	assert_non_null(strstr(got, "error d/d/"));
	assert_null(strstr(got, "deep.yaml"));
	assert_non_null(strstr(got, "yaml shallow.yaml\n"));
	assert_int_equal(fx->n, 2);
}

static void test_unreadable_directory(void **state)
{
	struct fixture *fx = *state;
	/* Permissions mean nothing to root: test_directory_too_long_to_open stops it. */
	if (geteuid() == 0)
		return;
	put(fx, "closed/x.yaml", "a: 1\n");
	put(fx, "open.yaml", "a: 1\n");
	_cleanup_free_ char *closed = xasprintf("%s/closed", fx->dir);
	assert_int_equal(chmod(closed, 0), 0);
	add_path(fx, NULL);
	_cleanup_free_ char *got = walk(fx, LINT_WALK_TWO_THREADS);
	chmod(closed, 0700);
	assert_string_equal(got, "error cannot read directory 'closed': Permission denied\n"
				 "yaml open.yaml\n");
}

static bool is_z_yaml(const char *path)
{
	return streq(strrchr(path, '/'), "/z.yaml");
}

/*
 * A directory the walk lists but cannot open (here its path is longer than
 * PATH_MAX, which stops root too): an error in its place, the rest walked.
 */
static void test_directory_too_long_to_open(void **state)
{
	struct fixture *fx = *state;
	char name[250];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	int fd = open(fx->dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	size_t len = strlen(fx->dir);
	while (len <= PATH_MAX) {
		assert_int_equal(mkdirat(fd, name, 0700), 0);
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
		len += 1 + strlen(name);
	}
	close(fd);
	put(fx, "z.yaml", "a: 1\n");
	add_path(fx, NULL);
	_cleanup_free_ char *got = walk(fx, LINT_WALK_TWO_THREADS);
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->items[0]->kind, LINT_ITEM_ERROR);
	assert_true(str_startswith(got, "error cannot read directory 'nnn"));
	/* (the message is cut at its 1 KiB, before the reason) */
	assert_int_equal(fx->items[1]->kind, LINT_ITEM_YAML);
	assert_true(is_z_yaml(fx->items[1]->path));
}

/* The walk reads each YAML file for the linter, and marks those that hold a marker. */
static void test_read_ahead(void **state)
{
	struct fixture *fx = *state;
	put(fx, "a.yaml", "services:\n  web:\n    image: nginx # rootlock:ignore why\n");
	put(fx, "b.yaml", "services:\n  web:\n    image: nginx\n");
	put(fx, "c.yaml", "x");
	_cleanup_free_ char *c = xasprintf("%s/c.yaml", fx->dir);
	FILE *fp = fopen(c, "w");
	fwrite("a: 1\n\0\1\2", 1, 8, fp);
	fclose(fp);
	add_path(fx, NULL);
	free(walk(fx, LINT_WALK_ONE_THREAD));
	assert_int_equal(fx->n, 3);
	assert_true(fx->items[0]->has_marker);
	assert_false(fx->items[1]->has_marker);
	assert_string_equal(strbuf_str(&fx->items[1]->text),
			    "services:\n  web:\n    image: nginx\n");
	assert_int_equal(fx->items[1]->size, fx->items[1]->text.len);
	assert_null(fx->items[1]->err);
	/* One thread parses nothing ahead: the linter does, in turn. */
	assert_null(fx->items[0]->parsed);
	assert_null(fx->items[1]->parsed);
	assert_non_null(fx->items[2]->err);
	assert_non_null(strstr(fx->items[2]->err->msg, "c.yaml: binary data, not YAML or JSON"));
	assert_null(fx->items[2]->text.buf);
}

/* On two threads the walk parses small files while the linter has enough waiting. */
static void test_parse_ahead(void **state)
{
	struct fixture *fx = *state;
	put(fx, "a.yaml", "a: 1 # rootlock:ignore why\n");	    /* 27 bytes */
	put(fx, "b.yaml", "services:\n  web:\n    image: nginx\n"); /* 34 */
	put(fx, "c.yaml", "services:\n  web:\n    image: nginx\n    read_only: true\n"); /* 54 */
	put(fx, "d.yaml", "services: [\n");
	add_path(fx, NULL);
	fx->o.parse_when_queued = 0; /* always: the walk parses what is small enough */
	fx->o.parse_below = 40;
	_cleanup_free_ char *got = walk(fx, LINT_WALK_TWO_THREADS);
	assert_int_equal(fx->n, 4);
	/* With a marker, the text stays for the suppressions. */
	assert_non_null(fx->items[0]->parsed);
	assert_true(fx->items[0]->has_marker);
	assert_non_null(fx->items[0]->text.buf);
	/* Without, only the tree goes on. */
	assert_non_null(fx->items[1]->parsed);
	assert_int_equal(fx->items[1]->parsed->n, 1);
	assert_null(fx->items[1]->text.buf);
	/* Too big to parse ahead: left to the linter, text and all. */
	assert_null(fx->items[2]->parsed);
	assert_non_null(fx->items[2]->text.buf);
	/* A parse error is the item's, at its place. */
	assert_null(fx->items[3]->parsed);
	assert_non_null(fx->items[3]->err);
	assert_non_null(strstr(fx->items[3]->err->msg, "d.yaml"));

	/* One thread never parses ahead, whatever the options. */
	_cleanup_free_ char *one = walk(fx, LINT_WALK_ONE_THREAD);
	assert_string_equal(one, got);
	for (size_t i = 0; i < fx->n; i++)
		assert_null(fx->items[i]->parsed);
}

static void test_display_name(void **state)
{
	(void)state;
	assert_string_equal(lint_display_name("-"), "<stdin>");
	assert_string_equal(lint_display_name("a/-"), "a/-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk_finds_what_lint_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_threads_hand_on_the_same, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_too_long_to_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_ahead, setup, teardown),
		cmocka_unit_test(test_display_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
