/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "audit.h"

#include <fnmatch.h>
#include <string.h>

#include "inspect.h"
#include "jsonsplit.h"

#define LIST_ENTRY_MAX_BYTES (4 << 20)

void audit_query_release(struct audit_query *q)
{
	strv_release(&q->labels);
	strv_release(&q->name_globs);
	strv_release(&q->image_globs);
}

void audit_set_release(struct audit_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		workload_release(&set->items[i].w);
		free(set->items[i].error);
	}
	free(set->items);
	memset(set, 0, sizeof(*set));
}

static bool matches_any(const struct strv *globs, const char *s)
{
	if (!globs->n)
		return true;
	for (size_t i = 0; i < globs->n; i++)
		if (s && fnmatch(globs->v[i], s, 0) == 0)
			return true;
	return false;
}

struct list_state {
	const struct audit_query *q;
	struct strv ids;
};

static int on_list_entry(const char *text, size_t len, void *userdata, struct rl_error *err)
{
	struct list_state *st = userdata;
	struct list_entry le;
	int r = list_entry_parse(text, len, &le, err);
	if (r < 0)
		return r;
	if (matches_any(&st->q->name_globs, le.name) && matches_any(&st->q->image_globs, le.image))
		strv_push(&st->ids, steal_pointer(&le.id));
	list_entry_release(&le);
	return 0;
}

static bool list_sink(const char *data, size_t len, void *userdata, struct rl_error *err)
{
	return jsonsplit_feed(userdata, data, len, err) == 0;
}

static char *list_path(const struct audit_query *q)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "/containers/json");
	if (!q->running_only)
		strbuf_addstr(&sb, "?all=1");
	if (q->labels.n) {
		json_t *labels = json_array();
		for (size_t i = 0; i < q->labels.n; i++)
			json_array_append_new(labels, json_string(q->labels.v[i]));
		json_t *filters = json_pack("{s:o}", "label", labels);
		_cleanup_free_ char *text = json_dumps(filters, JSON_COMPACT);
		json_decref(filters);
		_cleanup_free_ char *esc = url_escape(text);
		strbuf_addf(&sb, "%sfilters=%s", q->running_only ? "?" : "&", esc);
	}
	return strbuf_detach(&sb);
}

struct inspect_state {
	struct audit_set *set;
	size_t done;
	audit_progress_fn progress;
	void *userdata;
};

static void on_inspected(size_t index, json_t *answer, const struct rl_error *item_err,
			 void *userdata)
{
	struct inspect_state *st = userdata;
	struct audit_item *item = &st->set->items[index];
	if (answer) {
		struct rl_error err = {0};
		if (workload_from_inspect(answer, &item->w, &err) == 0) {
			item->status = AUDIT_ITEM_OK;
		} else {
			item->status = AUDIT_ITEM_ERROR;
			item->error = xstrdup(err.msg);
		}
	} else if (item_err->code == RL_ENOTFOUND) {
		item->status = AUDIT_ITEM_GONE;
	} else {
		item->status = AUDIT_ITEM_ERROR;
		item->error = xstrdup(item_err->msg);
	}
	if (st->progress)
		st->progress(++st->done, st->set->n, st->userdata);
}

int audit_collect(struct engine *e, const struct audit_query *q, audit_progress_fn progress,
		  void *userdata, struct audit_set *ret, struct rl_error *err)
{
	struct list_state ls = {.q = q};
	struct jsonsplit split;
	jsonsplit_init(&split, LIST_ENTRY_MAX_BYTES, on_list_entry, &ls);
	_cleanup_free_ char *path = list_path(q);
	int r = engine_get_stream(e, path, list_sink, &split, err);
	if (r == 0)
		r = jsonsplit_finish(&split, err);
	jsonsplit_release(&split);
	if (r < 0) {
		if (r == RL_EPARSE)
			rl_error_prefix(err, "the engine at %s sent a bad container list",
					engine_host(e));
		strv_release(&ls.ids);
		return r == RL_EPARSE ? RL_EENGINE : r;
	}

	struct audit_set set = {.n = ls.ids.n};
	set.items = xcalloc(set.n, sizeof(*set.items));
	char **paths = xcalloc(set.n + 1, sizeof(char *));
	for (size_t i = 0; i < set.n; i++)
		paths[i] = xasprintf("/containers/%s/json", ls.ids.v[i]);
	struct inspect_state st = {.set = &set, .progress = progress, .userdata = userdata};
	r = engine_get_many(e, paths, set.n, on_inspected, &st, err);
	for (size_t i = 0; i < set.n; i++)
		free(paths[i]);
	free(paths);
	strv_release(&ls.ids);
	if (r < 0) {
		audit_set_release(&set);
		return r;
	}
	*ret = set;
	return 0;
}
