/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "watch.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "inspect.h"
#include "service.h"

/* One event is a few hundred bytes; its labels may make it larger. */
#define EVENT_MAX_BYTES (1 << 20)
#define PING_TIMEOUT_MS 5000
/* A stream that lasted this long was healthy: the next break waits the least again. */
#define HEALTHY_STREAM_MS 10000

/* Containers: create, start, die, destroy, rename, update; services: create, update, remove. */
static const char *const followed_actions[] = {"create", "start",  "die",   "destroy",
					       "rename", "update", "remove"};

struct watched {
	char *id;
	bool service; /* a Swarm service, not a container */
	struct workload w;
	enum verdict verdict;
	struct strv reasons;
	unsigned long long seen; /* the sync generation that last saw it */
	struct watched *next;	 /* hash chain */
};

struct watch {
	struct engine *engine; /* lists, inspects and pings */
	struct engine *stream; /* the event stream, with no timeout */
	struct watch_options opt;
	struct exemptions ex;
	/* Written by the watching thread only; the lock keeps metrics readers out meanwhile. */
	pthread_mutex_t lock;
	struct watched **buckets;
	size_t nbuckets, n;
	size_t counts[2][VERDICT_MAX]; /* [service][verdict] */
	unsigned long long generation;
	unsigned long long events_total;
	long long last_event_nano; /* the newest event seen: where a new stream starts */
	long long last_sync_ms;	   /* wall clock */
	bool engine_up;
	bool synced;
	/* The engine's data root as a sync read it (GET /info), for each event's judgement. */
	struct audit_set engine_facts;
	/* the stream in progress */
	struct events_parser parser;
	long long last_byte_ms;
	bool stream_dead; /* end the stream and reconnect, for the reason in stream_err */
	struct rl_error stream_err;
	bool stopping;
};

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void notice(struct watch *w, enum watch_notice kind, const char *fmt, ...) _printf_(3, 4);
static void notice(struct watch *w, enum watch_notice kind, const char *fmt, ...)
{
	if (!w->opt.on_notice)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	w->opt.on_notice(kind, msg, w->opt.userdata);
}

/* ---- the table of containers, by id ---- */

static struct watched **slot_of(struct watch *w, const char *id, bool service)
{
	struct watched **p = &w->buckets[hash_str(HASH_INIT, id) % w->nbuckets];
	while (*p && !(streq((*p)->id, id) && (*p)->service == service))
		p = &(*p)->next;
	return p;
}

static void grow(struct watch *w)
{
	size_t n = w->nbuckets * 2;
	struct watched **b = xcalloc(n, sizeof(*b));
	for (size_t i = 0; i < w->nbuckets; i++) {
		struct watched *e = w->buckets[i];
		while (e) {
			struct watched *next = e->next;
			size_t k = hash_str(HASH_INIT, e->id) % n;
			e->next = b[k];
			b[k] = e;
			e = next;
		}
	}
	free(w->buckets);
	w->buckets = b;
	w->nbuckets = n;
}

static void watched_free(struct watched *e)
{
	free(e->id);
	workload_release(&e->w);
	strv_release(&e->reasons);
	free(e);
}

static void emit(struct watch *w, const struct watched *e, int old_verdict, int new_verdict,
		 const char *cause)
{
	static const struct strv none = STRV_INIT;
	struct watch_record rec = {
		.time_ms = wall_ms(),
		.engine = engine_host(w->engine),
		.id = e->id,
		.name = e->w.name ? e->w.name : "",
		.image = e->w.image,
		.old_verdict = old_verdict,
		.new_verdict = new_verdict,
		.reasons = new_verdict == WATCH_VERDICT_NONE ? &none : &e->reasons,
		.cause = cause,
		.kind = e->service ? "service" : "container",
	};
	w->opt.on_record(&rec, w->opt.userdata);
}

static void judge(struct watch *w, const struct workload *wl, enum verdict *verdict,
		  struct strv *reasons)
{
	struct judgement j;
	rule_judge(wl, &w->ex, &j);
	*verdict = j.verdict;
	*reasons = j.reasons;
	memset(&j.reasons, 0, sizeof(j.reasons));
	if (j.verdict == VERDICT_EXEMPT)
		strv_addf(reasons, "exempt by %s: %s", j.exempt_source ? j.exempt_source : "?",
			  j.exempt_reason ? j.exempt_reason : "");
	judgement_release(&j);
}

/* Take wl (moved) as the container's current state; report a change of verdict. */
static void apply(struct watch *w, struct workload *wl, const char *cause, bool service)
{
	if (engine_is_podman(w->engine) && !service)
		wl->origin.cli = "podman";
	enum verdict verdict;
	struct strv reasons;
	judge(w, wl, &verdict, &reasons);

	pthread_mutex_lock(&w->lock);
	struct watched **slot = slot_of(w, wl->id, service);
	struct watched *e = *slot;
	int old = WATCH_VERDICT_NONE;
	if (e) {
		old = (int)e->verdict;
		w->counts[service][e->verdict]--;
		workload_release(&e->w);
		strv_release(&e->reasons);
	} else {
		e = xcalloc(1, sizeof(*e));
		e->id = xstrdup(wl->id);
		e->service = service;
		*slot = e;
		w->n++;
	}
	e->w = *wl;
	memset(wl, 0, sizeof(*wl));
	e->verdict = verdict;
	e->reasons = reasons;
	e->seen = w->generation;
	w->counts[service][verdict]++;
	if (w->n > w->nbuckets)
		grow(w);
	pthread_mutex_unlock(&w->lock);

	if (old != (int)verdict)
		emit(w, e, old, (int)verdict, cause);
}

/* A container is gone: forget it and report it when it was known. */
static void forget(struct watch *w, const char *id, const char *cause, bool service)
{
	pthread_mutex_lock(&w->lock);
	struct watched **slot = slot_of(w, id, service);
	struct watched *e = *slot;
	if (e) {
		*slot = e->next;
		w->n--;
		w->counts[service][e->verdict]--;
	}
	pthread_mutex_unlock(&w->lock);
	if (!e)
		return;
	emit(w, e, (int)e->verdict, WATCH_VERDICT_NONE, cause);
	watched_free(e);
}

/* ---- life cycle ---- */

int watch_new(struct engine *e, struct exemptions *ex, const struct watch_options *opt,
	      struct watch **ret, struct rl_error *err)
{
	struct engine *stream = NULL;
	int r = engine_dup(e, &stream, err);
	if (r < 0)
		return r;
	engine_set_timeout(stream, 0);
	struct watch *w = xcalloc(1, sizeof(*w));
	w->engine = e;
	w->stream = stream;
	w->opt = *opt;
	if (w->opt.backoff_min_ms <= 0)
		w->opt.backoff_min_ms = 250;
	if (w->opt.backoff_max_ms < w->opt.backoff_min_ms)
		w->opt.backoff_max_ms = w->opt.backoff_min_ms > 5000 ? w->opt.backoff_min_ms : 5000;
	if (w->opt.ping_after_ms <= 0)
		w->opt.ping_after_ms = 30000;
	if (ex) {
		w->ex = *ex;
		memset(ex, 0, sizeof(*ex));
	}
	pthread_mutex_init(&w->lock, NULL);
	w->nbuckets = 64;
	w->buckets = xcalloc(w->nbuckets, sizeof(*w->buckets));
	*ret = w;
	return 0;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nbuckets; i++) {
		struct watched *e = w->buckets[i];
		while (e) {
			struct watched *next = e->next;
			watched_free(e);
			e = next;
		}
	}
	free(w->buckets);
	pthread_mutex_destroy(&w->lock);
	exemptions_release(&w->ex);
	audit_set_release(&w->engine_facts);
	engine_free(w->stream);
	engine_free(w->engine);
	free(w);
}

/* ---- sync ---- */

/* What the last list of its kind did not have was removed meanwhile. */
static void forget_unseen(struct watch *w, bool service, const char *cause)
{
	struct strv gone = STRV_INIT;
	for (size_t i = 0; i < w->nbuckets; i++)
		for (struct watched *e = w->buckets[i]; e; e = e->next)
			if (e->service == service && e->seen != w->generation)
				strv_add(&gone, e->id);
	for (size_t i = 0; i < gone.n; i++)
		forget(w, gone.v[i], cause, service);
	strv_release(&gone);
}

void watch_reconcile(struct watch *w, struct audit_set *set, const char *cause)
{
	w->generation++;
	bool unsure = false;
	for (size_t i = 0; i < set->n; i++) {
		struct audit_item *item = &set->items[i];
		if (item->status == AUDIT_ITEM_OK) {
			apply(w, &item->w, cause, false);
		} else if (item->status == AUDIT_ITEM_ERROR) {
			notice(w, WATCH_NOTICE_ITEM_ERROR, "%s", item->error);
			/* Not judged now, and not gone either: which one it was is not known. */
			unsure = true;
		}
		/* AUDIT_ITEM_GONE: removed between list and inspect, like any absent one. */
	}
	if (!unsure)
		forget_unseen(w, false, cause);
	pthread_mutex_lock(&w->lock);
	w->last_sync_ms = wall_ms();
	w->synced = true;
	pthread_mutex_unlock(&w->lock);
}

/* The services of one list (an empty set where the engine is no manager). */
static void reconcile_service_set(struct watch *w, struct audit_set *set, const char *cause)
{
	w->generation++;
	for (size_t i = 0; i < set->n; i++) {
		struct audit_item *item = &set->items[i];
		if (item->status != AUDIT_ITEM_OK) {
			notice(w, WATCH_NOTICE_ITEM_ERROR, "%s", item->error);
			return; /* which services are gone is not known */
		}
		apply(w, &item->w, cause, true);
	}
	forget_unseen(w, true, cause);
}

void watch_reconcile_services(struct watch *w, json_t *services, const char *cause)
{
	struct audit_set set = {0};
	audit_services_from_json(services, NULL, &set);
	reconcile_service_set(w, &set, cause);
	audit_set_release(&set);
}

/* Services exist only on a Swarm manager; elsewhere there are none to judge. */
static int sync_services(struct watch *w, const char *cause, struct rl_error *err)
{
	struct audit_set set = {0};
	int r = audit_collect_services(w->engine, NULL, NULL, &set, err);
	if (r < 0)
		return r;
	reconcile_service_set(w, &set, cause);
	audit_set_release(&set);
	return 0;
}

/* A set that read GET /info leaves what it learned for the events that follow. */
static void keep_engine_facts(struct watch *w, struct audit_set *set)
{
	if (!set->info_read)
		return;
	audit_set_release(&w->engine_facts);
	w->engine_facts.info_read = true;
	w->engine_facts.data_root = steal_ptr(&set->data_root);
}

int watch_sync(struct watch *w, const char *cause, struct rl_error *err)
{
	struct audit_query q = {0};
	struct audit_set set = {0};
	int r = audit_collect(w->engine, &q, NULL, NULL, &set, err);
	if (r < 0)
		return r;
	watch_reconcile(w, &set, cause);
	keep_engine_facts(w, &set);
	audit_set_release(&set);
	return sync_services(w, cause, err);
}

/* ---- events ---- */

static bool followed(const char *action)
{
	for (size_t i = 0; i < ARRAY_SIZE(followed_actions); i++)
		if (streq(action, followed_actions[i]))
			return true;
	return false;
}

/* A container's event: judged from what audit reads for it, defeaters and all. */
static int judge_container(struct watch *w, const struct engine_event *ev, struct rl_error *err)
{
	struct audit_set set = {0};
	int r = audit_collect_one(w->engine, ev->id, &w->engine_facts, &set, err);
	if (r < 0)
		return r; /* the engine is going away: reconnect and reconcile */
	keep_engine_facts(w, &set);
	struct audit_item *item = &set.items[0];
	if (item->status == AUDIT_ITEM_GONE)
		/* Removed between the event and the inspect: it is destroyed. */
		forget(w, ev->id, "destroy", false);
	else if (item->status == AUDIT_ITEM_ERROR)
		notice(w, WATCH_NOTICE_ITEM_ERROR, "%s", item->error);
	else
		apply(w, &item->w, ev->action, false);
	audit_set_release(&set);
	return 0;
}

int watch_handle_event(struct watch *w, const struct engine_event *ev, struct rl_error *err)
{
	pthread_mutex_lock(&w->lock);
	w->events_total++;
	if (ev->time_nano > w->last_event_nano)
		w->last_event_nano = ev->time_nano;
	pthread_mutex_unlock(&w->lock);
	bool service = streq(ev->type, "service");
	if ((!service && !streq(ev->type, "container")) || !followed(ev->action))
		return 0;
	if (streq(ev->action, service ? "remove" : "destroy")) {
		forget(w, ev->id, ev->action, service);
		return 0;
	}
	if (!service)
		return judge_container(w, ev, err);
	_cleanup_free_ char *id = url_escape(ev->id);
	_cleanup_free_ char *path = xasprintf("/services/%s", id);
	json_t *answer = NULL;
	int r = engine_get_json(w->engine, path, &answer, err);
	if (r == RL_ENOTFOUND) {
		/* Removed between the event and the inspect: it is gone. */
		rl_error_clear(err);
		forget(w, ev->id, "remove", true);
		return 0;
	}
	if (r < 0)
		return r; /* the engine is going away: reconnect and reconcile */
	struct workload wl;
	struct rl_error item_err = {0};
	r = workload_from_service(answer, &wl, &item_err);
	json_decref(answer);
	if (r < 0) {
		notice(w, WATCH_NOTICE_ITEM_ERROR, "%s", item_err.msg);
		return 0;
	}
	apply(w, &wl, ev->action, true);
	return 0;
}

static int on_event(const struct engine_event *ev, void *userdata, struct rl_error *err)
{
	return watch_handle_event(userdata, ev, err);
}

static bool stream_sink(const char *data, size_t len, void *userdata, struct rl_error *err)
{
	struct watch *w = userdata;
	w->last_byte_ms = now_ms();
	return events_feed(&w->parser, data, len, err) == 0;
}

static bool ask_tick(struct watch *w)
{
	if (w->stopping)
		return false;
	if (w->opt.tick && !w->opt.tick(w, w->opt.userdata))
		w->stopping = true;
	return !w->stopping;
}

/*
 * The engine sends nothing while nothing happens, so silence alone proves
 * nothing: after a while of it, ask the engine whether it is still there.
 */
static bool ping_when_silent(struct watch *w)
{
	if (!ask_tick(w))
		return false;
	if (now_ms() - w->last_byte_ms < w->opt.ping_after_ms)
		return true;
	long saved = engine_timeout_ms(w->engine);
	engine_set_timeout(w->engine, PING_TIMEOUT_MS);
	struct rl_error err = {0};
	_cleanup_free_ char *value = NULL;
	int r = engine_head(w->engine, "/_ping", "Api-Version", &value, &err);
	engine_set_timeout(w->engine, saved);
	w->last_byte_ms = now_ms();
	if (r < 0) {
		rl_error_set(&w->stream_err, RL_ENOANSWER,
			     "the engine at %s stopped answering /_ping", engine_host(w->engine));
		w->stream_dead = true;
		return false;
	}
	return true;
}

/*
 * A stream can fall silent while the engine still answers (a stuck events
 * goroutine, a proxy that buffers): listing everything now and then bounds
 * how long a change can go unseen.
 */
static bool resync_due(struct watch *w)
{
	if (w->opt.resync_ms <= 0 || wall_ms() - w->last_sync_ms < w->opt.resync_ms)
		return true;
	struct rl_error err = {0};
	if (watch_sync(w, "periodic", &err) == 0)
		return true;
	rl_error_set(&w->stream_err, err.code ? err.code : RL_EENGINE,
		     "the periodic re-list failed: %s", err.msg);
	w->stream_dead = true;
	return false;
}

static bool stream_tick(void *userdata)
{
	struct watch *w = userdata;
	return ping_when_silent(w) && resync_due(w);
}

static char *events_path(struct watch *w, long long since_nano)
{
	json_t *events = json_array();
	for (size_t i = 0; i < ARRAY_SIZE(followed_actions); i++)
		json_array_append_new(events, json_string(followed_actions[i]));
	json_t *filters =
		json_pack("{s:[s,s], s:o}", "type", "container", "service", "event", events);
	_cleanup_free_ char *text = json_dumps(filters, JSON_COMPACT);
	json_decref(filters);
	_cleanup_free_ char *esc = url_escape(text);
	return xasprintf("/events?since=%lld.%09lld&filters=%s", since_nano / 1000000000LL,
			 since_nano % 1000000000LL, esc);
}

/* Follow the stream from since_nano until it breaks (<0) or tick stops it (0). */
static int follow(struct watch *w, long long since_nano, struct rl_error *err)
{
	_cleanup_free_ char *path = events_path(w, since_nano);
	events_parser_init(&w->parser, EVENT_MAX_BYTES, on_event, w);
	w->last_byte_ms = now_ms();
	w->stream_dead = false;
	rl_error_clear(&w->stream_err);
	int r = engine_get_stream_ticking(w->stream, path, stream_sink, stream_tick, w, err);
	events_parser_release(&w->parser);
	if (w->stream_dead) {
		*err = w->stream_err;
		return err->code;
	}
	if (r == 0 && !w->stopping)
		return rl_error_set(err, RL_ENOANSWER, "the engine at %s ended its event stream",
				    engine_host(w->engine));
	return r;
}

static void set_up(struct watch *w, bool up)
{
	pthread_mutex_lock(&w->lock);
	w->engine_up = up;
	pthread_mutex_unlock(&w->lock);
}

/* Wait ms, asking tick at least every 100 ms; false when told to stop. */
static bool pause_ms(struct watch *w, long ms)
{
	long long until = now_ms() + ms;
	while (ask_tick(w)) {
		long long left = until - now_ms();
		if (left <= 0)
			return true;
		struct timespec ts = {0, (left > 100 ? 100 : left) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return false;
}

int watch_run(struct watch *w, struct rl_error *err)
{
	long backoff = w->opt.backoff_min_ms;
	bool need_sync = !w->synced, reconnecting = false, reported_down = false;
	while (ask_tick(w)) {
		struct rl_error e = {0};
		if (need_sync) {
			/* The engine may have been upgraded while away: negotiate again. */
			long long started = wall_ms();
			int r = engine_negotiate(w->engine, &e);
			if (r == 0)
				r = watch_sync(w, reconnecting ? "resync" : "audit", &e);
			if (r < 0) {
				set_up(w, false);
				/* Once per outage, not once per attempt. */
				if (!reported_down)
					notice(w, WATCH_NOTICE_DISCONNECTED,
					       "%s; trying again every %.2f to %.2f s", e.msg,
					       backoff / 1000.0, w->opt.backoff_max_ms / 1000.0);
				reported_down = true;
				if (!pause_ms(w, backoff))
					break;
				backoff = backoff * 2 > w->opt.backoff_max_ms
						  ? w->opt.backoff_max_ms
						  : backoff * 2;
				continue;
			}
			/* The stream speaks the version just negotiated. */
			struct engine *stream = NULL;
			if (engine_dup(w->engine, &stream, &e) == 0) {
				engine_free(w->stream);
				w->stream = stream;
				engine_set_timeout(w->stream, 0);
			}
			/* Events from before the list are replayed: judging twice is harmless. */
			if (!w->last_event_nano)
				w->last_event_nano = (started - 1000) * 1000000LL;
			if (reconnecting)
				notice(w, WATCH_NOTICE_RECONNECTED,
				       "reconnected to the engine at %s; %zu containers",
				       engine_host(w->engine), w->n);
			need_sync = false;
			reported_down = false;
		}
		set_up(w, true);
		long long began = now_ms();
		int r = follow(w, w->last_event_nano, &e);
		if (r == 0 && w->stopping)
			break;
		set_up(w, false);
		if (now_ms() - began >= HEALTHY_STREAM_MS)
			backoff = w->opt.backoff_min_ms;
		notice(w, WATCH_NOTICE_DISCONNECTED, "%s; reconnecting in %.2f s", e.msg,
		       backoff / 1000.0);
		if (!pause_ms(w, backoff))
			break;
		backoff = backoff * 2 > w->opt.backoff_max_ms ? w->opt.backoff_max_ms : backoff * 2;
		need_sync = true;
		reconnecting = true;
	}
	set_up(w, false);
	(void)err;
	return 0;
}

void watch_set_exemptions(struct watch *w, struct exemptions *ex)
{
	pthread_mutex_lock(&w->lock);
	exemptions_release(&w->ex);
	w->ex = *ex;
	memset(ex, 0, sizeof(*ex));
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < w->nbuckets; i++)
		for (struct watched *e = w->buckets[i]; e; e = e->next) {
			enum verdict verdict;
			struct strv reasons;
			judge(w, &e->w, &verdict, &reasons);
			pthread_mutex_lock(&w->lock);
			int old = (int)e->verdict;
			w->counts[e->service][e->verdict]--;
			w->counts[e->service][verdict]++;
			e->verdict = verdict;
			strv_release(&e->reasons);
			e->reasons = reasons;
			pthread_mutex_unlock(&w->lock);
			if (old != (int)verdict)
				emit(w, e, old, (int)verdict, "config");
		}
}

/* ---- metrics ---- */

void prom_add_label_value(struct strbuf *sb, const char *value)
{
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*p == '"')
			strbuf_addstr(sb, "\\\"");
		else if (*p == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *p);
	}
}

static void add_label(struct strbuf *sb, const char *name, const char *value, bool first)
{
	strbuf_addf(sb, "%s%s=\"", first ? "" : ",", name);
	prom_add_label_value(sb, value);
	strbuf_addch(sb, '"');
}

static int by_name(const void *a, const void *b)
{
	const struct watched *x = *(const struct watched *const *)a;
	const struct watched *y = *(const struct watched *const *)b;
	int c = strcmp(x->w.name ? x->w.name : "", y->w.name ? y->w.name : "");
	return c ? c : strcmp(x->id, y->id);
}

size_t watch_count(struct watch *w, int v)
{
	pthread_mutex_lock(&w->lock);
	size_t n = v < 0 || v >= VERDICT_MAX ? w->n : w->counts[0][v] + w->counts[1][v];
	pthread_mutex_unlock(&w->lock);
	return n;
}

char *watch_metrics(struct watch *w)
{
	struct strbuf sb = STRBUF_INIT;
	pthread_mutex_lock(&w->lock);
	strbuf_addstr(&sb, "# HELP rootlock_containers Containers on the engine, by verdict.\n"
			   "# TYPE rootlock_containers gauge\n");
	for (int v = 0; v < VERDICT_MAX; v++)
		strbuf_addf(&sb, "rootlock_containers{verdict=\"%s\"} %zu\n", verdict_name(v),
			    w->counts[0][v]);
	strbuf_addstr(&sb, "# HELP rootlock_services Swarm services (on a manager), by verdict.\n"
			   "# TYPE rootlock_services gauge\n");
	for (int v = 0; v < VERDICT_MAX; v++)
		strbuf_addf(&sb, "rootlock_services{verdict=\"%s\"} %zu\n", verdict_name(v),
			    w->counts[1][v]);

	struct watched **all = xcalloc(w->n + 1, sizeof(*all));
	size_t n = 0;
	for (size_t i = 0; i < w->nbuckets; i++)
		for (struct watched *e = w->buckets[i]; e; e = e->next)
			all[n++] = e;
	qsort(all, n, sizeof(*all), by_name);
	strbuf_addstr(&sb, "# HELP rootlock_container_info Each container and its verdict.\n"
			   "# TYPE rootlock_container_info gauge\n");
	for (size_t i = 0; i < n; i++) {
		const struct watched *e = all[i];
		if (e->service)
			continue;
		strbuf_addstr(&sb, "rootlock_container_info{");
		add_label(&sb, "id", e->id, true);
		add_label(&sb, "name", e->w.name, false);
		add_label(&sb, "image", e->w.image, false);
		add_label(&sb, "verdict", verdict_name(e->verdict), false);
		add_label(&sb, "compose_project", e->w.origin.compose_project, false);
		add_label(&sb, "compose_service", e->w.origin.compose_service, false);
		strbuf_addstr(&sb, "} 1\n");
	}
	strbuf_addstr(&sb, "# HELP rootlock_service_info Each Swarm service and its verdict.\n"
			   "# TYPE rootlock_service_info gauge\n");
	for (size_t i = 0; i < n; i++) {
		const struct watched *e = all[i];
		if (!e->service)
			continue;
		strbuf_addstr(&sb, "rootlock_service_info{");
		add_label(&sb, "id", e->id, true);
		add_label(&sb, "name", e->w.name, false);
		add_label(&sb, "image", e->w.image, false);
		add_label(&sb, "verdict", verdict_name(e->verdict), false);
		strbuf_addstr(&sb, "} 1\n");
	}
	free(all);

	strbuf_addf(&sb,
		    "# HELP rootlock_engine_up Whether the engine answers and its events are "
		    "followed.\n"
		    "# TYPE rootlock_engine_up gauge\n"
		    "rootlock_engine_up %d\n"
		    "# HELP rootlock_events_total Container events received from the engine.\n"
		    "# TYPE rootlock_events_total counter\n"
		    "rootlock_events_total %llu\n",
		    w->engine_up ? 1 : 0, w->events_total);
	strbuf_addstr(&sb, "# HELP rootlock_last_sync_timestamp_seconds When every container was "
			   "last listed and judged.\n"
			   "# TYPE rootlock_last_sync_timestamp_seconds gauge\n");
	strbuf_addf(&sb, "rootlock_last_sync_timestamp_seconds %lld.%03lld\n",
		    w->last_sync_ms / 1000, w->last_sync_ms % 1000);
	pthread_mutex_unlock(&w->lock);
	strbuf_addstr(&sb, "# HELP rootlock_build_info The version of rootlock.\n"
			   "# TYPE rootlock_build_info gauge\n"
			   "rootlock_build_info{version=\"" ROOTLOCK_VERSION "\"} 1\n");
	return strbuf_detach(&sb);
}
