/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"
#include "util.h"

/*
 * GET /events: the engine sends one JSON object per event, each followed by
 * a newline, for as long as the connection lasts. The parser takes the bytes
 * as they arrive, in any pieces, and hands each complete event on.
 */

struct engine_event {
	char *type;	     /* "container", "service", ...; "container" for pre-1.22 events */
	char *action;	     /* "create", "rename", "exec_start: sh", ... */
	char *id;	     /* the object's id */
	char *name;	     /* Actor.Attributes.name, or NULL */
	long long time_nano; /* timeNano, else time in seconds * 1e9; 0 when absent */
};

void engine_event_release(struct engine_event *ev);
/* One event's JSON text; RL_EPARSE when it is not an object with an id and an action. */
int engine_event_parse(const char *text, size_t len, struct engine_event *ret,
		       struct rl_error *err);

/* Called with each event (borrowed); a negative return stops the feed with that error. */
typedef int (*events_fn)(const struct engine_event *ev, void *userdata, struct rl_error *err);

struct events_parser {
	events_fn fn;
	void *userdata;
	size_t max_event; /* bytes; a longer event is refused */
	int depth;
	bool in_string;
	bool escape;
	size_t offset; /* bytes consumed, for messages */
	struct strbuf cur;
};

void events_parser_init(struct events_parser *p, size_t max_event, events_fn fn, void *userdata);
/* RL_EPARSE when the stream is not a sequence of JSON objects. */
int events_feed(struct events_parser *p, const char *data, size_t len, struct rl_error *err);
void events_parser_release(struct events_parser *p);
