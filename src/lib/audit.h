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
	bool info_read;	    /* GET /info answered (it is asked only when there are items) */
	char *data_root;    /* then: its DockerRootDir, or NULL */
	bool swarm_manager; /* then: Swarm.ControlAvailable */
};

/* Called after each inspect answer: done of total. */
typedef void (*audit_progress_fn)(size_t done, size_t total, void *userdata);

int audit_collect(struct engine *e, const struct audit_query *q, audit_progress_fn progress,
		  void *userdata, struct audit_set *ret, struct rl_error *err);
/*
 * One container by id, judged from exactly what audit_collect() reads for
 * each (inspect, exec sessions, the engine's data root and socket): watch
 * uses it on each event, so both doors see the same defeaters. A container
 * already removed is one AUDIT_ITEM_GONE item. known_root: the data root an
 * earlier set read (its info_read and data_root), so that GET /info, slow on
 * a busy engine, is not asked again for every container; NULL to ask it.
 */
int audit_collect_one(struct engine *e, const char *id, const struct audit_set *known_root,
		      struct audit_set *ret, struct rl_error *err);
void audit_set_release(struct audit_set *set);

/*
 * The Swarm services of a manager (GET /info Swarm.ControlAvailable, then
 * GET /services), each read by workload_from_service(): what audit reports
 * beside the containers and watch follows. An engine that is no manager has
 * none: an empty set, and /services is not asked. ret_manager (may be NULL)
 * says whether it is one, set as soon as /info answered, so that a caller can
 * tell a manager that failed to list from an engine that is none. q (NULL:
 * every service) selects by name and image globs and by label=KEY[=VALUE]
 * on the service's own labels (Spec.Labels); running_only does not apply.
 */
int audit_collect_services(struct engine *e, const struct audit_query *q, bool *ret_manager,
			   struct audit_set *ret, struct rl_error *err);
/* The same from a GET /services answer (NULL: no services); an unusable entry is an
 * AUDIT_ITEM_ERROR item. */
void audit_services_from_json(json_t *services, const struct audit_query *q, struct audit_set *ret);
/*
 * What audit reports: the services of a manager; none where /info does not
 * answer (an engine that is not Docker's); an error only when a manager
 * failed to list them, since the report would lack them silently.
 */
int audit_services_or_none(struct engine *e, const struct audit_query *q, struct audit_set *ret,
			   struct rl_error *err);
/*
 * The same after audit_collect(): where that set read GET /info, whether the
 * engine is a manager is taken from it instead of asking /info again (slow
 * on a busy engine); else as audit_services_or_none().
 */
int audit_services_after(struct engine *e, const struct audit_query *q,
			 const struct audit_set *containers, struct audit_set *ret,
			 struct rl_error *err);

/*
 * One engine of an audit of several. label names it in every result
 * (origin.engine): the context's name, else the host as written.
 */
struct audit_engine {
	struct endpoint endpoint; /* in; taken (cleared) by audit_collect_engines() */
	char *label;
	bool podman;
	int status; /* 0, or <0 with err filled: unreachable or the audit failed */
	struct rl_error err;
	struct audit_set set;
	struct audit_set services; /* on a Swarm manager */
};

/*
 * Audit n engines at once, one thread and one engine handle each; every
 * engine's outcome lands in its own entry, so one that does not answer
 * costs the others nothing. Returns how many answered.
 */
size_t audit_collect_engines(struct audit_engine *engines, size_t n,
			     const struct engine_options *opt, const struct audit_query *q);
void audit_engine_release(struct audit_engine *e);
void audit_query_release(struct audit_query *q);
