/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "endpoint.h"
#include "error.h"
#include "jsonprune.h"

/*
 * A client for the Docker Engine API (also Podman's compatible API) over a
 * unix socket or TCP with TLS. Everything but engine_call() and
 * engine_call_stream() is a GET (or HEAD) and changes nothing; only `try` calls
 * those.
 */

/*
 * The newest API version we speak: that of Docker Engine 26, the newest
 * engine we are tested on. What a create means depends on the version it is
 * made in (from 1.44 a read-only bind is read-only with everything mounted
 * under it too), so try's clone must be made in the version the user's
 * docker client speaks to that engine, not an older one.
 */
#define ENGINE_CLIENT_API_VERSION "1.45"
#define ENGINE_MIN_API_VERSION "1.24"

struct engine;

struct engine_options {
	long timeout_ms; /* per request; 0 = no limit */
	size_t max_body; /* the largest single answer accepted */
	int parallel;	 /* connections for engine_get_many() */
};

/* Takes ownership of *ep (it is cleared). */
int engine_open(struct endpoint *ep, const struct engine_options *opt, struct engine **ret,
		struct rl_error *err);
/* A second handle on the same engine, for a request in another thread. */
int engine_dup(const struct engine *e, struct engine **ret, struct rl_error *err);
void engine_free(struct engine *e);
static inline void engine_freep(struct engine **e)
{
	engine_free(*e);
}
#define _cleanup_engine_ _cleanup_(engine_freep)

/* Ask the engine which API version to speak; the lower of its and ours. */
int engine_negotiate(struct engine *e, struct rl_error *err);
const char *engine_api_version(const struct engine *e);	   /* borrowed */
const char *engine_server_version(const struct engine *e); /* borrowed, may be NULL */
/* Whether the engine is Podman's Docker-compatible API (after engine_negotiate()). */
bool engine_is_podman(const struct engine *e);
const char *engine_host(const struct engine *e); /* borrowed */
/* The limit on each request from now on (ms; 0 = none), and the one in force. */
void engine_set_timeout(struct engine *e, long timeout_ms);
long engine_timeout_ms(const struct engine *e);

/* GET a versioned path ("/containers/json") and parse its JSON answer. */
int engine_get_json(struct engine *e, const char *path, json_t **ret, struct rl_error *err);

/*
 * GET a versioned path and hand its body to sink in chunks as it arrives,
 * so a big answer need not sit in memory. sink returns false to abort,
 * having filled err.
 */
typedef bool (*engine_sink_fn)(const char *data, size_t len, void *userdata, struct rl_error *err);
int engine_get_stream(struct engine *e, const char *path, engine_sink_fn sink, void *userdata,
		      struct rl_error *err);

/*
 * The same, for an answer with no end (GET /events): tick is called about
 * once a second at least, also while nothing arrives, and returns false to
 * end the stream, which then returns 0. No per-request timeout applies to it
 * when the engine's is 0 (engine_set_timeout()).
 */
typedef bool (*engine_tick_fn)(void *userdata);
int engine_get_stream_ticking(struct engine *e, const char *path, engine_sink_fn sink,
			      engine_tick_fn tick, void *userdata, struct rl_error *err);

/*
 * HEAD a versioned path: *value gets the answer's header `name` (owned; NULL
 * when absent). RL_ENOTFOUND for a 404. Reads only, like a GET.
 */
int engine_head(struct engine *e, const char *path, const char *name, char **value,
		struct rl_error *err);

/*
 * A sink for engine_get_stream() and engine_call_stream() that keeps the
 * answer in memory, at most max bytes: past that the rest is dropped
 * (truncate, for logs whose start is enough) or the request fails.
 */
struct engine_buffer {
	struct strbuf buf;
	size_t max;
	bool truncate;
};
bool engine_buffer_sink(const char *data, size_t len, void *userdata, struct rl_error *err);

/*
 * GET n paths over several connections at once. done() is called once per
 * path, in completion order, with the parsed answer (borrowed; NULL on
 * error) and the error for that path (code RL_ENOTFOUND for a 404).
 * Returns an error only when the engine cannot be reached at all.
 */
typedef void (*engine_done_fn)(size_t index, json_t *answer, const struct rl_error *err,
			       void *userdata);
int engine_get_many(struct engine *e, char *const *paths, size_t n, engine_done_fn done,
		    void *userdata, struct rl_error *err);
/*
 * The same, with the answer to paths[i] cut down to the fields of keep[i]
 * (json_prune(); NULL: all of it) before it is parsed, where it can be:
 * done() sees the same values of those fields, for less work per answer.
 */
int engine_get_many_pruned(struct engine *e, char *const *paths, size_t n,
			   const struct json_prune_spec *const *keep, engine_done_fn done,
			   void *userdata, struct rl_error *err);

/*
 * Any method (POST, DELETE) on a versioned path, with an optional JSON body.
 * *ret gets the parsed answer, or NULL when the engine sent none (204) or
 * said the object already was so (304). ret may be NULL.
 */
int engine_call(struct engine *e, const char *method, const char *path, json_t *request,
		json_t **ret, struct rl_error *err);
/* The same, handing the answer's body to sink as it arrives. */
int engine_call_stream(struct engine *e, const char *method, const char *path, json_t *request,
		       engine_sink_fn sink, void *userdata, struct rl_error *err);

/* Compare API versions "1.41" and "1.43": <0, 0, >0. */
int api_version_cmp(const char *a, const char *b);

/* Percent-encode s for a query string. */
char *url_escape(const char *s);
