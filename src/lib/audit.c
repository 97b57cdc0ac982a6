/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "audit.h"

#include <fnmatch.h>
#include <pthread.h>
#include <string.h>

#include "inspect.h"
#include "jsonsplit.h"
#include "service.h"

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
	free(set->data_root);
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

/* GET /containers/{id}/json, the id escaped for the path. */
static char *inspect_path(const char *id)
{
	_cleanup_free_ char *esc = url_escape(id);
	return xasprintf("/containers/%s/json", esc);
}

struct list_state {
	const struct audit_query *q;
	struct strv paths; /* inspect_path() of each container selected */
};

static int on_list_entry(const char *text, size_t len, void *userdata, struct rl_error *err)
{
	struct list_state *st = userdata;
	struct list_entry le;
	int r = list_entry_parse(text, len, &le, err);
	if (r < 0)
		return r;
	if (matches_any(&st->q->name_globs, le.name) && matches_any(&st->q->image_globs, le.image))
		strv_push(&st->paths, inspect_path(le.id));
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

/* What audit reads of GET /info: the engine's data root, and whether it is a Swarm manager. */
static const struct json_prune_field swarm_fields[] = {
	{"controlavailable", JSON_PRUNE_KEEP, NULL},
};
static const struct json_prune_spec swarm_read = {swarm_fields, ARRAY_SIZE(swarm_fields)};
static const struct json_prune_field info_fields[] = {
	{"dockerrootdir", JSON_PRUNE_KEEP, NULL},
	{"swarm", JSON_PRUNE_INTO, &swarm_read},
};
static const struct json_prune_spec info_fields_read = {info_fields, ARRAY_SIZE(info_fields)};

static void note_info(struct audit_set *set, json_t *info)
{
	const char *root = json_string_value(json_object_get(info, "DockerRootDir"));
	set->info_read = true;
	set->data_root = str_empty(root) ? NULL : xstrdup(root);
	set->swarm_manager =
		json_is_true(json_object_get(json_object_get(info, "Swarm"), "ControlAvailable"));
}

struct inspect_state {
	struct audit_set *set;
	struct strv *exec_ids; /* every item's running exec sessions */
	size_t *exec_owner;    /* the item each of exec_ids belongs to */
	size_t done;
	audit_progress_fn progress;
	void *userdata;
};

/* Exec sessions are looked at only where one could defeat a read-only /. */
static void note_exec_ids(struct inspect_state *st, size_t index, json_t *ids)
{
	if (!st->set->items[index].w.readonly_rootfs)
		return;
	json_t *v;
	size_t i;
	json_array_foreach (ids, i, v) {
		const char *id = json_string_value(v);
		/* Like container ids, it goes into a request path. */
		if (str_empty(id) || strlen(id) > 128 ||
		    strspn(id, "0123456789abcdefABCDEF") != strlen(id))
			continue;
		st->exec_owner =
			xrealloc(st->exec_owner, (st->exec_ids->n + 1) * sizeof(*st->exec_owner));
		st->exec_owner[st->exec_ids->n] = index;
		strv_add(st->exec_ids, id);
	}
}

static void on_inspected(size_t index, json_t *answer, const struct rl_error *item_err,
			 void *userdata)
{
	struct inspect_state *st = userdata;
	/* GET /info, asked beside the inspects (the last path); unanswered, it is not known. */
	if (index == st->set->n) {
		if (answer)
			note_info(st->set, answer);
		return;
	}
	struct audit_item *item = &st->set->items[index];
	if (answer) {
		struct rl_error err = {0};
		if (workload_from_inspect(answer, &item->w, &err) == 0) {
			item->status = AUDIT_ITEM_OK;
			note_exec_ids(st, index, json_object_get(answer, "ExecIDs"));
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

struct exec_state {
	struct audit_set *set;
	const struct strv *ids;
	const size_t *owner;
};

static void on_exec(size_t index, json_t *answer, const struct rl_error *item_err, void *userdata)
{
	struct exec_state *st = userdata;
	struct workload *w = &st->set->items[st->owner[index]].w;
	/* One that ended in between is no defeater; neither is an unreadable answer. */
	if (answer && exec_session_privileged(answer) && !w->privileged_exec)
		w->privileged_exec = xstrdup(st->ids->v[index]);
}

/* A privileged exec into a read-only container defeats it while it runs. */
static int audit_exec_sessions(struct engine *e, struct audit_set *set, const struct strv *ids,
			       const size_t *owner, struct rl_error *err)
{
	if (!ids->n)
		return 0;
	char **paths = xcalloc(ids->n + 1, sizeof(char *));
	for (size_t i = 0; i < ids->n; i++)
		paths[i] = xasprintf("/exec/%s/json", ids->v[i]);
	struct exec_state st = {.set = set, .ids = ids, .owner = owner};
	int r = engine_get_many(e, paths, ids->n, on_exec, &st, err);
	for (size_t i = 0; i < ids->n; i++)
		free(paths[i]);
	free(paths);
	return r;
}

/*
 * Where the engine keeps its layers and which socket it answers on: binds
 * of those defeat a read-only /. Without /info the rule still knows the
 * usual places.
 */
static void audit_engine_facts(struct engine *e, struct audit_set *set,
			       const struct audit_set *known)
{
	if (known && known->info_read) {
		set->info_read = true;
		set->data_root = known->data_root ? xstrdup(known->data_root) : NULL;
		set->swarm_manager = known->swarm_manager;
	}
	const char *host = engine_host(e);
	const char *sock = str_startswith(host, "unix://") ? host + strlen("unix://") : NULL;
	for (size_t i = 0; i < set->n; i++) {
		struct workload *w = &set->items[i].w;
		if (set->items[i].status != AUDIT_ITEM_OK)
			continue;
		w->engine_data_root = set->data_root ? xstrdup(set->data_root) : NULL;
		w->engine_socket = str_empty(sock) ? NULL : xstrdup(sock);
	}
}

/*
 * Inspect each of paths (inspect_path(); released here), then what the rule
 * needs besides: exec sessions, engine facts. GET /info (when known has not
 * read it and there are paths) is asked beside the inspects, so that the
 * engine works on it meanwhile.
 */
static int inspect_paths(struct engine *e, struct strv *paths, const struct audit_set *known,
			 audit_progress_fn progress, void *userdata, struct audit_set *ret,
			 struct rl_error *err)
{
	struct audit_set set = {.n = paths->n};
	set.items = xcalloc(set.n, sizeof(*set.items));
	bool ask_info = set.n && !(known && known->info_read);
	if (ask_info)
		strv_add(paths, "/info");
	const struct json_prune_spec **keep = xcalloc(paths->n + 1, sizeof(*keep));
	for (size_t i = 0; i < set.n; i++)
		keep[i] = &inspect_fields_read;
	if (ask_info)
		keep[set.n] = &info_fields_read;
	struct strv exec_ids = STRV_INIT;
	struct inspect_state st = {
		.set = &set, .exec_ids = &exec_ids, .progress = progress, .userdata = userdata};
	int r = engine_get_many_pruned(e, paths->v, paths->n, keep, on_inspected, &st, err);
	strv_release(paths);
	free(keep);
	if (r == 0)
		r = audit_exec_sessions(e, &set, &exec_ids, st.exec_owner, err);
	if (r == 0)
		audit_engine_facts(e, &set, known);
	strv_release(&exec_ids);
	free(st.exec_owner);
	if (r < 0) {
		audit_set_release(&set);
		return r;
	}
	*ret = set;
	return 0;
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
		strv_release(&ls.paths);
		return r == RL_EPARSE ? RL_EENGINE : r;
	}

	return inspect_paths(e, &ls.paths, NULL, progress, userdata, ret, err);
}

int audit_collect_one(struct engine *e, const char *id, const struct audit_set *known_root,
		      struct audit_set *ret, struct rl_error *err)
{
	struct strv paths = STRV_INIT;
	strv_push(&paths, inspect_path(id));
	return inspect_paths(e, &paths, known_root, NULL, NULL, ret, err);
}

/* label=KEY[=VALUE] filters, as the engine applies them to containers, on Spec.Labels. */
static bool service_labels_match(const struct strv *filters, json_t *service)
{
	json_t *labels = json_object_get(json_object_get(service, "Spec"), "Labels");
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->v[i];
		const char *eq = strchr(f, '=');
		_cleanup_free_ char *key = eq ? xstrndup(f, (size_t)(eq - f)) : xstrdup(f);
		json_t *v = json_object_get(labels, key);
		if (!v || (eq && !streq(json_string_value(v), eq + 1)))
			return false;
	}
	return true;
}

/* Whether the query selects this service (by its labels, name and image); NULL: all. */
static bool service_selected(const struct audit_query *q, json_t *service)
{
	if (!q)
		return true;
	json_t *spec = json_object_get(service, "Spec");
	const char *name = json_string_value(json_object_get(spec, "Name"));
	const char *image = json_string_value(json_object_get(
		json_object_get(json_object_get(spec, "TaskTemplate"), "ContainerSpec"), "Image"));
	return service_labels_match(&q->labels, service) && matches_any(&q->name_globs, name) &&
	       matches_any(&q->image_globs, image);
}

void audit_services_from_json(json_t *services, const struct audit_query *q, struct audit_set *ret)
{
	struct audit_set set = {0};
	set.items = xcalloc(json_array_size(services) + 1, sizeof(*set.items));
	for (size_t i = 0; i < json_array_size(services); i++) {
		json_t *service = json_array_get(services, i);
		if (!service_selected(q, service))
			continue;
		struct audit_item *item = &set.items[set.n++];
		struct rl_error err = {0};
		if (workload_from_service(service, &item->w, &err) == 0) {
			item->status = AUDIT_ITEM_OK;
		} else {
			workload_init(&item->w);
			item->status = AUDIT_ITEM_ERROR;
			item->error = xstrdup(err.msg);
		}
	}
	*ret = set;
}

/* audit_collect_services(), knowing from known (when it read /info) whether e is a manager. */
static int collect_services(struct engine *e, const struct audit_query *q,
			    const struct audit_set *known, bool *ret_manager, struct audit_set *ret,
			    struct rl_error *err)
{
	bool manager;
	int r;
	if (known && known->info_read) {
		manager = known->swarm_manager;
	} else {
		json_t *info = NULL;
		r = engine_get_json(e, "/info", &info, err);
		if (r < 0)
			return r;
		manager = json_is_true(
			json_object_get(json_object_get(info, "Swarm"), "ControlAvailable"));
		json_decref(info);
	}
	if (ret_manager)
		*ret_manager = manager;
	json_t *services = NULL;
	if (manager) {
		r = engine_get_json(e, "/services", &services, err);
		if (r < 0) {
			rl_error_prefix(err, "list the Swarm services");
			return r;
		}
		if (!json_is_array(services)) {
			json_decref(services);
			return rl_error_set(err, RL_EENGINE,
					    "the engine at %s sent a service list that is no array",
					    engine_host(e));
		}
	}
	audit_services_from_json(services, q, ret);
	json_decref(services);
	return 0;
}

int audit_collect_services(struct engine *e, const struct audit_query *q, bool *ret_manager,
			   struct audit_set *ret, struct rl_error *err)
{
	return collect_services(e, q, NULL, ret_manager, ret, err);
}

void audit_engine_release(struct audit_engine *e)
{
	if (!e)
		return;
	endpoint_release(&e->endpoint);
	free(e->label);
	audit_set_release(&e->set);
	audit_set_release(&e->services);
	memset(e, 0, sizeof(*e));
}

int audit_services_or_none(struct engine *e, const struct audit_query *q, struct audit_set *ret,
			   struct rl_error *err)
{
	return audit_services_after(e, q, NULL, ret, err);
}

int audit_services_after(struct engine *e, const struct audit_query *q,
			 const struct audit_set *containers, struct audit_set *ret,
			 struct rl_error *err)
{
	bool manager = false;
	struct audit_set set = {0};
	int r = collect_services(e, q, containers, &manager, &set, err);
	if (r < 0 && manager)
		return r;
	if (r < 0) {
		/* No /info (an engine that is not Docker's, say): no services to report. */
		rl_error_clear(err);
		memset(&set, 0, sizeof(set));
	}
	*ret = set;
	return 0;
}

struct engine_job {
	struct audit_engine *target;
	const struct engine_options *opt;
	const struct audit_query *q;
	pthread_t thread;
	bool started;
};

static void *audit_one_engine(void *userdata)
{
	struct engine_job *job = userdata;
	struct audit_engine *t = job->target;
	struct engine *e = NULL;
	t->status = engine_open(&t->endpoint, job->opt, &e, &t->err);
	if (t->status == 0)
		t->status = engine_negotiate(e, &t->err);
	if (t->status == 0)
		t->status = audit_collect(e, job->q, NULL, NULL, &t->set, &t->err);
	if (t->status == 0)
		t->status = audit_services_after(e, job->q, &t->set, &t->services, &t->err);
	if (t->status == 0) {
		t->podman = engine_is_podman(e);
		for (size_t i = 0; i < t->set.n; i++) {
			t->set.items[i].w.origin.engine = t->label;
			if (t->podman)
				t->set.items[i].w.origin.cli = "podman";
		}
		for (size_t i = 0; i < t->services.n; i++)
			t->services.items[i].w.origin.engine = t->label;
	}
	engine_free(e);
	return NULL;
}

size_t audit_collect_engines(struct audit_engine *engines, size_t n,
			     const struct engine_options *opt, const struct audit_query *q)
{
	struct engine_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	for (size_t i = 0; i < n; i++) {
		jobs[i] = (struct engine_job){.target = &engines[i], .opt = opt, .q = q};
		jobs[i].started =
			pthread_create(&jobs[i].thread, NULL, audit_one_engine, &jobs[i]) == 0;
		/* No thread to spare: audit this one here, the rest still in parallel. */
		if (!jobs[i].started)
			audit_one_engine(&jobs[i]);
	}
	size_t answered = 0;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].started)
			pthread_join(jobs[i].thread, NULL);
		if (engines[i].status == 0)
			answered++;
	}
	free(jobs);
	return answered;
}
