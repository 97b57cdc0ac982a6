/* SPDX-License-Identifier: MIT */
/*
 * The event stream as it arrives: the same bytes fed in one piece and in two
 * at a point derived from the data must hand on the same events and end the
 * same way; a small size limit exercises the refusal.
 */
#include <stdint.h>
#include <string.h>

#include "events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	struct strbuf all;
	size_t n;
};

static int on_event(const struct engine_event *ev, void *userdata, struct rl_error *err)
{
	struct seen *s = userdata;
	strbuf_addf(&s->all, "%s|%s|%s|%s|%lld", ev->type, ev->action, ev->id,
		    ev->name ? ev->name : "", ev->time_nano);
	strbuf_addch(&s->all, '\0');
	s->n++;
	return 0;
}

static int feed(const uint8_t *data, size_t size, size_t cut, size_t max, struct seen *s,
		struct rl_error *err)
{
	struct events_parser p;
	events_parser_init(&p, max, on_event, s);
	int r = events_feed(&p, (const char *)data, cut, err);
	if (r == 0)
		r = events_feed(&p, (const char *)data + cut, size - cut, err);
	events_parser_release(&p);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	size_t cut = size ? h % (size + 1) : 0;
	struct rl_error err = {0};
	struct seen whole = {STRBUF_INIT, 0}, parts = {STRBUF_INIT, 0};
	int r1 = feed(data, size, size, 1 << 20, &whole, &err);
	int r2 = feed(data, size, cut, 1 << 20, &parts, &err);
	if (r1 != r2 || whole.n != parts.n || whole.all.len != parts.all.len ||
	    (whole.all.len && memcmp(whole.all.buf, parts.all.buf, whole.all.len) != 0))
		abort();
	strbuf_release(&whole.all);
	strbuf_release(&parts.all);
	struct seen small = {STRBUF_INIT, 0};
	feed(data, size, cut, 64 + (h >> 24), &small, &err);
	strbuf_release(&small.all);
	return 0;
}
