/* SPDX-License-Identifier: MIT */
#include "events.h"

#include <jansson.h>
#include <string.h>

void engine_event_release(struct engine_event *ev)
{
	if (!ev)
		return;
	free(ev->type);
	free(ev->action);
	free(ev->id);
	free(ev->name);
	memset(ev, 0, sizeof(*ev));
}

static char *string_or_null(json_t *v)
{
	const char *s = json_string_value(v);
	return s ? xstrdup(s) : NULL;
}

int engine_event_parse(const char *text, size_t len, struct engine_event *ret, struct rl_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return rl_error_set(err, RL_EPARSE, "an event is not JSON (%s)", jerr.text);
	struct engine_event ev = {0};
	int r = 0;
	if (!json_is_object(root)) {
		r = rl_error_set(err, RL_EPARSE, "an event is not a JSON object");
		goto out;
	}
	json_t *actor = json_object_get(root, "Actor");
	/* API 1.22 added Type, Action and Actor; older engines sent status and id. */
	ev.type = string_or_null(json_object_get(root, "Type"));
	if (!ev.type && !actor)
		ev.type = xstrdup("container");
	ev.action = string_or_null(json_object_get(root, "Action"));
	if (!ev.action)
		ev.action = string_or_null(json_object_get(root, "status"));
	ev.id = string_or_null(json_object_get(actor, "ID"));
	if (!ev.id)
		ev.id = string_or_null(json_object_get(root, "id"));
	ev.name = string_or_null(json_object_get(json_object_get(actor, "Attributes"), "name"));
	json_t *nano = json_object_get(root, "timeNano"), *sec = json_object_get(root, "time");
	if (json_is_integer(nano) && json_integer_value(nano) > 0)
		ev.time_nano = json_integer_value(nano);
	else if (json_is_integer(sec) && json_integer_value(sec) > 0 &&
		 json_integer_value(sec) < 9000000000LL)
		ev.time_nano = json_integer_value(sec) * 1000000000LL;
	if (!ev.type || !ev.action || !ev.id || !*ev.id) {
		r = rl_error_set(err, RL_EPARSE, "an event has no %s",
				 !ev.type     ? "Type"
				 : !ev.action ? "Action"
					      : "Actor.ID");
		goto out;
	}
	*ret = ev;
	memset(&ev, 0, sizeof(ev));
out:
	engine_event_release(&ev);
	json_decref(root);
	return r;
}

void events_parser_init(struct events_parser *p, size_t max_event, events_fn fn, void *userdata)
{
	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->userdata = userdata;
	p->max_event = max_event;
}

void events_parser_release(struct events_parser *p)
{
	strbuf_release(&p->cur);
}

static int bad(struct events_parser *p, struct rl_error *err, const char *what)
{
	return rl_error_set(err, RL_EPARSE, "invalid event stream at byte %zu: %s", p->offset,
			    what);
}

static int hand_on(struct events_parser *p, struct rl_error *err)
{
	struct engine_event ev;
	int r = engine_event_parse(p->cur.buf, p->cur.len, &ev, err);
	strbuf_reset(&p->cur);
	if (r < 0) {
		rl_error_prefix(err, "at byte %zu of the event stream", p->offset);
		return r;
	}
	r = p->fn(&ev, p->userdata, err);
	engine_event_release(&ev);
	return r;
}

int events_feed(struct events_parser *p, const char *data, size_t len, struct rl_error *err)
{
	size_t start = 0; /* where the current event's bytes begin in data */
	for (size_t i = 0; i < len; i++, p->offset++) {
		char c = data[i];
		if (p->depth == 0) {
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
				continue;
			if (c != '{')
				return bad(p, err, "expected an object");
			p->depth = 1;
			start = i;
			continue;
		}
		if (p->in_string) {
			if (p->escape)
				p->escape = false;
			else if (c == '\\')
				p->escape = true;
			else if (c == '"')
				p->in_string = false;
			continue;
		}
		if (c == '"') {
			p->in_string = true;
		} else if (c == '{' || c == '[') {
			p->depth++;
		} else if ((c == '}' || c == ']') && --p->depth == 0) {
			if (p->cur.len + (i + 1 - start) > p->max_event)
				return bad(p, err, "an event is too large");
			strbuf_add(&p->cur, data + start, i + 1 - start);
			int r = hand_on(p, err);
			if (r < 0)
				return r;
		}
	}
	if (p->depth > 0) {
		if (p->cur.len + (len - start) > p->max_event)
			return bad(p, err, "an event is too large");
		strbuf_add(&p->cur, data + start, len - start);
	}
	return 0;
}
