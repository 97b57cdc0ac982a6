/* SPDX-License-Identifier: MIT */
#pragma once

#include "audit.h"
#include "config.h"
#include "engine.h"
#include "events.h"
#include "rule.h"

/*
 * rootlock watch: every container judged when it appears or changes. A full
 * audit first (audit_collect() and the one rule), then GET /events for
 * containers; each event's container is inspected and judged again. The
 * verdict of every container is kept, and each change of verdict is handed
 * to on_record. When the stream breaks or the engine restarts, it waits
 * (bounded exponential backoff), lists every container again and reconciles:
 * what was created or removed meanwhile is reported like an event. On a Swarm
 * manager, services are judged the same way (TaskTemplate.ContainerSpec).
 */

/* A container not known before, or no longer there. */
#define WATCH_VERDICT_NONE (-1)

struct watch_record {
	long long time_ms;	    /* wall clock, ms since the epoch */
	const char *engine;	    /* the engine's host, as -H spells it */
	const char *id;		    /* the full container id */
	const char *name;	    /* without the leading '/' */
	const char *image;	    /* may be NULL when removed before ever inspected */
	int old_verdict;	    /* enum verdict, or WATCH_VERDICT_NONE: first seen */
	int new_verdict;	    /* enum verdict, or WATCH_VERDICT_NONE: removed */
	const struct strv *reasons; /* for the new verdict; empty when removed */
	const char *cause; /* "audit", "resync", "config", or the event: "create", "destroy"... */
	const char *kind;  /* "container" or "service" (a Swarm service, on a manager) */
};

enum watch_notice {
	WATCH_NOTICE_DISCONNECTED, /* the engine or its event stream is gone; retrying */
	WATCH_NOTICE_RECONNECTED,  /* listed and reconciled again */
	WATCH_NOTICE_ITEM_ERROR,   /* one container could not be judged; the rest go on */
};

struct watch;
typedef void (*watch_record_fn)(const struct watch_record *rec, void *userdata);
typedef void (*watch_notice_fn)(enum watch_notice kind, const char *msg, void *userdata);
/* Asked at least once a second while watching; false stops watch_run(). */
typedef bool (*watch_tick_fn)(struct watch *w, void *userdata);

struct watch_options {
	watch_record_fn on_record;
	watch_notice_fn on_notice; /* may be NULL */
	watch_tick_fn tick;	   /* may be NULL: never stops */
	void *userdata;
	long backoff_min_ms; /* first wait before a reconnect (default 250) */
	long backoff_max_ms; /* the longest (default 5000) */
	long ping_after_ms;  /* a silent stream is checked with /_ping after (default 30000) */
	long resync_ms;	     /* every container listed again this long after the last sync
			      * (0: never), as the stream may miss what the engine does */
};

/*
 * e is taken (and freed by watch_free); it should be negotiated already.
 * ex may be NULL; its exemptions are moved into the watch (*ex is cleared).
 */
int watch_new(struct engine *e, struct exemptions *ex, const struct watch_options *opt,
	      struct watch **ret, struct rl_error *err);
void watch_free(struct watch *w);

/* List and inspect every container and reconcile with what is known. */
int watch_sync(struct watch *w, const char *cause, struct rl_error *err);
/* Reconcile with an audit's answers: the core of watch_sync(), for tests too. */
void watch_reconcile(struct watch *w, struct audit_set *set, const char *cause);
/* The same for GET /services (a JSON array; NULL: not a manager, so none). */
void watch_reconcile_services(struct watch *w, json_t *services, const char *cause);

/*
 * Follow the engine until tick says stop (returns 0); the first call syncs
 * first unless watch_sync() was called. Errors of the engine are retried,
 * never returned; only an unusable setup is (e.g. a bad engine address).
 */
int watch_run(struct watch *w, struct rl_error *err);

/* One event, as the stream hands it on. */
int watch_handle_event(struct watch *w, const struct engine_event *ev, struct rl_error *err);

/* New exemptions (moved from *ex): every container is judged again. */
void watch_set_exemptions(struct watch *w, struct exemptions *ex);

/* Prometheus text exposition format (version 0.0.4) of the current state. */
char *watch_metrics(struct watch *w);
/* How many containers are known, and how many with verdict v. */
size_t watch_count(struct watch *w, int v);

/* A Prometheus label value, escaped as the text format says. */
void prom_add_label_value(struct strbuf *sb, const char *value);
