/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "lint-walk.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fileio.h"
#include "handoff.h"
#include "lint-suppress.h"
#include "lint.h"
#include "yamldoc.h"

#define LINT_MAX_DEPTH 64
/* Read ahead at most this much: memory follows the largest file, not the tree. */
#define READ_AHEAD_ITEMS 256
#define READ_AHEAD_BYTES (1u << 20)
#define BIG_FILE_BYTES (1u << 20) /* see malloc_trim() below */

void lint_walk_options_init(struct lint_walk_options *o)
{
	*o = (struct lint_walk_options){
		.threads = LINT_WALK_AUTO,
		.parse_below = 256u << 10,
		.parse_when_queued = 4,
	};
}

void lint_item_free(struct lint_item *item)
{
	if (!item)
		return;
	bool big = item->size >= BIG_FILE_BYTES;
	free(item->path);
	strbuf_release(&item->text);
	if (item->parsed)
		ystream_release(item->parsed);
	free(item->parsed);
	free(item->err);
	free(item);
	/*
	 * A big file's tree and findings leave holes in the heap that the next
	 * big file's would not fit: hand the free pages back, so the peak is one
	 * file's, not two files' side by side.
	 */
	if (big)
		malloc_trim(0);
}

static void item_free(void *p)
{
	lint_item_free(p);
}

const char *lint_display_name(const char *path)
{
	return streq(path, "-") ? "<stdin>" : path;
}

struct walker {
	const struct lint_walk_options *o;
	struct handoff *queue; /* to the caller's thread, or NULL to hand each item at once */
	lint_walk_each_fn *each;
	void *userdata;
	/* The listing of the directory being searched, NULL for a path given by the user. */
	const struct lint_listing *listing;
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool is_yaml_name(const char *name)
{
	return has_suffix(name, ".yaml") || has_suffix(name, ".yml") || has_suffix(name, ".json");
}

static bool excluded(const struct walker *w, const char *path)
{
	const struct strv *ex = w->o->excludes;
	for (size_t i = 0; ex && i < ex->n; i++)
		if (fnmatch(ex->v[i], path, 0) == 0 ||
		    fnmatch(ex->v[i], lint_base_name(path), 0) == 0)
			return true;
	return false;
}

static struct rl_error *error_dup(const struct rl_error *err)
{
	return memcpy(xmalloc(sizeof(*err)), err, sizeof(*err));
}

/*
 * Read a YAML file for the caller, and parse it too if it is small and the
 * caller has enough to do meanwhile. Parsing is most of the work: shared
 * between the two threads by who has time, it keeps both cores busy. Big
 * files are always left to the caller, so that two big trees are never in
 * memory at once.
 */
static void read_yaml(struct walker *w, struct lint_item *item)
{
	struct rl_error err = {0};
	struct strbuf *text = &item->text;
	if (read_file_limited(item->path, LINT_MAX_FILE_BYTES, text, &err) < 0) {
		item->err = error_dup(&err);
		return;
	}
	item->size = text->len;
	const char *display = lint_display_name(item->path);
	if (memchr(text->buf, '\0', text->len)) {
		rl_error_set(&err, RL_EPARSE, "%s: binary data, not YAML or JSON", display);
		item->err = error_dup(&err);
		strbuf_release(text);
		return;
	}
	item->has_marker = lint_has_marker(text->buf, text->len);
	if (text->len > w->o->parse_below)
		return;
	if (!w->queue || handoff_queued(w->queue) < w->o->parse_when_queued)
		return;
	item->parsed = xcalloc(1, sizeof(*item->parsed));
	if (ystream_load_unread(text->buf, text->len, display, lint_unread_keys, item->parsed,
				&err) < 0) {
		item->err = error_dup(&err);
		free(steal_pointer(&item->parsed));
	}
	/* The caller looks up suppressions in the text only when it has a marker. */
	if (!item->has_marker || item->err)
		strbuf_release(text);
}

static void hand_over(struct walker *w, enum lint_item_kind kind, const char *path, bool explicit,
		      const struct rl_error *err)
{
	struct lint_item *item = xcalloc(1, sizeof(*item));
	item->kind = kind;
	item->path = xstrdup(path);
	item->explicit = explicit;
	if (w->listing)
		item->listing = *w->listing;
	if (err)
		item->err = error_dup(err);
	if (kind == LINT_ITEM_YAML)
		read_yaml(w, item);
	if (!w->queue) {
		w->each(item, w->userdata);
		return;
	}
	size_t weight = sizeof(*item) + item->text.alloc;
	if (item->parsed)
		weight += ystream_size(item->parsed);
	handoff_put(w->queue, item, weight);
}

static void hand_over_error(struct walker *w, const struct rl_error *err)
{
	hand_over(w, LINT_ITEM_ERROR, "", false, err);
}

static void walk_path(struct walker *w, const char *path, int depth, bool explicit,
		      unsigned char d_type);

static void walk_dir(struct walker *w, const char *path, int depth)
{
	struct rl_error err = {0};
	if (depth > LINT_MAX_DEPTH) {
		rl_error_set(&err, RL_EIO, "%s: directories nested deeper than %d; not searched",
			     path, LINT_MAX_DEPTH);
		hand_over_error(w, &err);
		return;
	}
	struct dirent **names = NULL;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		rl_error_set(&err, RL_EIO, "cannot read directory '%s': %s", path, strerror(errno));
		hand_over_error(w, &err);
		return;
	}
	struct lint_listing ls = {0};
	for (int i = 0; i < n; i++)
		lint_listing_add(&ls, names[i]->d_name);
	/* The children see this listing; a subdirectory's own is theirs while it is searched. */
	const struct lint_listing *outer = w->listing;
	w->listing = &ls;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (!streq(name, ".") && !streq(name, "..") && !streq(name, ".git")) {
			_cleanup_free_ char *child =
				streq(path, ".")
					? xstrdup(name)
					: xasprintf("%s%s%s", path,
						    has_suffix(path, "/") ? "" : "/", name);
			walk_path(w, child, depth + 1, false, names[i]->d_type);
		}
		free(names[i]);
	}
	w->listing = outer;
	free(names);
}

/*
 * d_type is what the directory said the entry is (DT_UNKNOWN when it did not
 * say, or for a path given by the user).
 */
static void walk_path(struct walker *w, const char *path, int depth, bool explicit,
		      unsigned char d_type)
{
	struct rl_error err = {0};
	if (!explicit && excluded(w, path))
		return;
	if (streq(path, "-")) {
		hand_over(w, LINT_ITEM_YAML, path, true, NULL);
		return;
	}
	struct stat st;
	/*
	 * Symbolic links to directories are not followed, so a link loop cannot
	 * trap us. Plain files and directories as the directory listed them need
	 * no lstat(): in a big tree that is most entries.
	 */
	if (d_type == DT_REG || d_type == DT_DIR) {
		st.st_mode = d_type == DT_REG ? S_IFREG : S_IFDIR;
	} else if (lstat(path, &st) < 0) {
		rl_error_set(&err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
		hand_over_error(w, &err);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) < 0) {
			if (explicit) {
				rl_error_set(&err, RL_EIO, "cannot read '%s': %s", path,
					     strerror(errno));
				hand_over_error(w, &err);
			}
			return;
		}
		if (S_ISDIR(st.st_mode) && !explicit)
			return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (has_suffix(path, ".container.d") && !explicit)
			return; /* drop-ins: read with their unit */
		walk_dir(w, path, depth);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		if (explicit) {
			rl_error_set(&err, RL_EIO, "'%s' is not a regular file", path);
			hand_over_error(w, &err);
		}
		return;
	}
	if (has_suffix(path, ".container")) {
		hand_over(w, LINT_ITEM_QUADLET, path, explicit, NULL);
	} else if (is_yaml_name(path) || explicit) {
		if (!explicit && lint_is_merged_override(path, w->listing))
			return;
		hand_over(w, LINT_ITEM_YAML, path, explicit, NULL);
	}
}

static void *walk_main(void *arg)
{
	struct walker *w = arg;
	const struct strv *paths = w->o->paths;
	for (size_t i = 0; paths && i < paths->n; i++)
		walk_path(w, paths->v[i], 0, true, DT_UNKNOWN);
	if (w->queue)
		handoff_close(w->queue);
	return NULL;
}

/* Whether this process may run on more than one CPU: else a second thread only costs switches. */
static bool several_cpus(void)
{
	cpu_set_t set;
	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

void lint_walk(const struct lint_walk_options *o, lint_walk_each_fn *each, void *userdata)
{
	struct walker w = {.o = o, .each = each, .userdata = userdata};
	pthread_t thread;
	bool two = o->threads == LINT_WALK_TWO_THREADS ||
		   (o->threads == LINT_WALK_AUTO && several_cpus());
	if (two) {
		w.queue = handoff_new(READ_AHEAD_ITEMS, READ_AHEAD_BYTES);
		if (pthread_create(&thread, NULL, walk_main, &w) != 0)
			handoff_free(steal_pointer(&w.queue), NULL);
	}
	if (!w.queue) {
		walk_main(&w); /* walks and hands each item on in turn */
		return;
	}
	struct lint_item *item;
	while ((item = handoff_take(w.queue)))
		each(item, userdata);
	pthread_join(thread, NULL);
	handoff_free(w.queue, item_free);
}
