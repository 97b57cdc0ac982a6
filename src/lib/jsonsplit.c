/* SPDX-License-Identifier: MIT */
#include "jsonsplit.h"

#include <string.h>

void jsonsplit_init(struct jsonsplit *s, size_t max_element, jsonsplit_fn fn, void *userdata)
{
	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->userdata = userdata;
	s->max_element = max_element;
}

void jsonsplit_release(struct jsonsplit *s)
{
	strbuf_release(&s->cur);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int bad(struct jsonsplit *s, struct rl_error *err, const char *what)
{
	return rl_error_set(err, RL_EPARSE, "invalid JSON array at byte %zu: %s", s->offset, what);
}

int jsonsplit_feed(struct jsonsplit *s, const char *data, size_t len, struct rl_error *err)
{
	size_t start = 0; /* where the current element's bytes begin in data */
	for (size_t i = 0; i < len; i++, s->offset++) {
		char c = data[i];
		if (s->depth > 0) {
			if (s->in_string) {
				if (s->escape)
					s->escape = false;
				else if (c == '\\')
					s->escape = true;
				else if (c == '"')
					s->in_string = false;
				continue;
			}
			if (c == '"')
				s->in_string = true;
			else if (c == '{' || c == '[')
				s->depth++;
			else if (c == '}' || c == ']') {
				if (--s->depth == 0) {
					if (s->cur.len + (i + 1 - start) > s->max_element)
						return bad(s, err, "an element is too large");
					strbuf_add(&s->cur, data + start, i + 1 - start);
					int r = s->fn(s->cur.buf, s->cur.len, s->userdata, err);
					strbuf_reset(&s->cur);
					if (r < 0)
						return r;
					s->expect_comma = true;
				}
			}
			continue;
		}
		if (is_space(c))
			continue;
		if (s->done)
			return bad(s, err, "data after the end of the array");
		if (!s->started) {
			if (c != '[')
				return bad(s, err, "expected an array");
			s->started = true;
		} else if (c == ']' && !s->after_comma) {
			s->done = true;
		} else if (s->expect_comma) {
			if (c != ',')
				return bad(s, err, "expected ',' or ']'");
			s->expect_comma = false;
			s->after_comma = true;
		} else if (c == '{') {
			s->after_comma = false;
			s->depth = 1;
			start = i;
		} else {
			return bad(s, err, "expected an object");
		}
	}
	if (s->depth > 0) {
		if (s->cur.len + (len - start) > s->max_element)
			return bad(s, err, "an element is too large");
		strbuf_add(&s->cur, data + start, len - start);
	}
	return 0;
}

int jsonsplit_finish(struct jsonsplit *s, struct rl_error *err)
{
	if (!s->done)
		return rl_error_set(err, RL_EPARSE, "JSON array cut off after %zu bytes",
				    s->offset);
	return 0;
}
