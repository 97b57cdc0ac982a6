/* SPDX-License-Identifier: MIT */
#pragma once

#include "engine.h"
#include "workload.h"

/* Gather the containers an audit covers, as workloads, from a live engine. */

struct audit_query {
	bool running_only;
	struct strv labels;	 /* label=KEY[=VALUE], passed to the engine */
	struct strv name_globs;	 /* any may match */
	struct strv image_globs; /* any may match */
};

enum audit_item_status {
	AUDIT_ITEM_OK,
	AUDIT_ITEM_GONE,  /* removed between list and inspect */
	AUDIT_ITEM_ERROR, /* the engine's answer for it was unusable */
};

struct audit_item {
	enum audit_item_status status;
	struct workload w;
	char *error; /* AUDIT_ITEM_ERROR: what went wrong */
};

struct audit_set {
	struct audit_item *items; /* in the engine's list order */
	size_t n;
};

/* Called after each inspect answer: done of total. */
typedef void (*audit_progress_fn)(size_t done, size_t total, void *userdata);

int audit_collect(struct engine *e, const struct audit_query *q, audit_progress_fn progress,
		  void *userdata, struct audit_set *ret, struct rl_error *err);
/*
 * One container by id, judged from exactly what audit_collect() reads for
 * each (inspect, exec sessions, the engine's data root and socket): watch
 * uses it on each event, so both doors see the same defeaters. A container
 * already removed is one AUDIT_ITEM_GONE item.
 */
int audit_collect_one(struct engine *e, const char *id, struct audit_set *ret,
		      struct rl_error *err);
void audit_set_release(struct audit_set *set);
void audit_query_release(struct audit_query *q);
