/* SPDX-License-Identifier: MIT */
/*
 * The container list as it streams in. The same bytes are split twice, in
 * one chunk and in two at a point derived from the data; with no size limit
 * in play both must hand on the same elements and end the same way. Each
 * element goes through list_entry_parse as audit does.
 */
#include <stdint.h>
#include <string.h>

#include "inspect.h"
#include "jsonsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	struct strbuf all; /* every element, NUL-separated */
	size_t n;
};

static int on_element(const char *text, size_t len, void *userdata, struct rl_error *err)
{
	struct seen *s = userdata;
	strbuf_add(&s->all, text, len);
	strbuf_addch(&s->all, '\0');
	s->n++;
	struct list_entry le;
	int r = list_entry_parse(text, len, &le, err);
	if (r == 0)
		list_entry_release(&le);
	/* Half the time an invalid entry stops the split, as in audit. */
	return (s->n & 1) ? 0 : r;
}

static uint32_t hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static int split(const uint8_t *data, size_t size, size_t cut, size_t max, struct seen *s,
		 struct rl_error *err)
{
	struct jsonsplit js;
	jsonsplit_init(&js, max, on_element, s);
	int r = jsonsplit_feed(&js, (const char *)data, cut, err);
	if (r == 0)
		r = jsonsplit_feed(&js, (const char *)data + cut, size - cut, err);
	if (r == 0)
		r = jsonsplit_finish(&js, err);
	jsonsplit_release(&js);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h = hash(data, size);
	size_t cut = size ? h % (size + 1) : 0;
	struct rl_error err = {0};

	struct seen whole = {STRBUF_INIT, 0}, parts = {STRBUF_INIT, 0};
	int r1 = split(data, size, size, 1 << 20, &whole, &err);
	int r2 = split(data, size, cut, 1 << 20, &parts, &err);
	if (r1 != r2 || whole.n != parts.n || whole.all.len != parts.all.len ||
	    (whole.all.len && memcmp(whole.all.buf, parts.all.buf, whole.all.len) != 0))
		abort();
	strbuf_release(&whole.all);
	strbuf_release(&parts.all);

	/* A small limit: the refusal path, in pieces of the same cut. */
	struct seen small = {STRBUF_INIT, 0};
	split(data, size, cut, 64 + (h >> 24), &small, &err);
	strbuf_release(&small.all);
	return 0;
}
