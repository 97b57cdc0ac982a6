/* SPDX-License-Identifier: MIT */
#include "jsonprune.h"

#include <string.h>

#define PRUNE_MAX_DEPTH 64
#define PRUNE_MAX_KEYS 256
#define PRUNE_MAX_NAME 64 /* longer keys match no field */

struct pruner {
	const char *p, *end;
	struct strbuf *out; /* NULL while skipping */
};

static bool prune_value(struct pruner *s, int depth, const struct json_prune_field *field);

static void prune_ws(struct pruner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool prune_hex4(const char *p, unsigned *ret)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	*ret = v;
	return true;
}

/* Printable ASCII but '"' and '\\': what a value's string holds mostly, skipped in one go. */
static bool plain_char(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* A string at s->p, not copied; key: no escapes, and its folded name and hash. */
static bool prune_string(struct pruner *s, bool key, char *name, unsigned long long *hash)
{
	const char *p = s->p + 1, *end = s->end;
	unsigned long long h = HASH_INIT;
	size_t n = 0;
	for (;;) {
		if (!key)
			while (p < end && plain_char((unsigned char)*p))
				p++;
		if (p >= end)
			return false;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20 || c >= 0x80)
			return false;
		if (c == '\\') {
			if (key || p + 1 >= end)
				return false;
			char e = p[1];
			if (e == 'u') {
				unsigned cp, lo;
				if (end - p < 6 || !prune_hex4(p + 2, &cp) || cp == 0 ||
				    (cp >= 0xdc00 && cp < 0xe000))
					return false;
				p += 6;
				if (cp >= 0xd800 && cp < 0xdc00) {
					if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
					    !prune_hex4(p + 2, &lo) || lo < 0xdc00 || lo >= 0xe000)
						return false;
					p += 6;
				}
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || e == '\0')
				return false;
			p += 2;
			continue;
		}
		if (key) {
			char f = c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c;
			h = (h ^ (unsigned char)f) * 1099511628211ULL;
			if (n + 1 < PRUNE_MAX_NAME)
				name[n] = f;
			n++;
		}
		p++;
	}
	if (key) {
		h = (h ^ 0xff) * 1099511628211ULL;
		*hash = h ? h : 1;
		/* Too long to be a field name: matches none. */
		name[n < PRUNE_MAX_NAME ? n : 0] = '\0';
	}
	s->p = p + 1;
	return true;
}

static bool prune_number(struct pruner *s)
{
	const char *p = s->p, *end = s->end;
	if (p < end && *p == '-')
		p++;
	const char *digits = p;
	if (p < end && *p == '0') {
		p++;
	} else {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	size_t int_len = (size_t)(p - digits);
	if (int_len == 0)
		return false;
	bool real = false;
	if (p < end && *p == '.') {
		const char *f = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == f)
			return false;
		real = true;
	}
	/* Exponents and long numbers may overflow, which jansson refuses: not here. */
	if (p < end && (*p == 'e' || *p == 'E'))
		return false;
	if (real ? int_len > 300 : int_len > 18)
		return false;
	s->p = p;
	return true;
}

static const struct json_prune_field *prune_find(const struct json_prune_spec *spec,
						 const char *name)
{
	for (size_t i = 0; spec && i < spec->n; i++) {
		const char *f = spec->fields[i].name;
		if (name[0] == f[0] && strcmp(name, f) == 0)
			return &spec->fields[i];
	}
	return NULL;
}

/* An object at s->p; written to s->out (when set) with only spec's fields (all: NULL). */
static bool prune_object(struct pruner *s, int depth, const struct json_prune_spec *spec)
{
	unsigned long long hashes[PRUNE_MAX_KEYS];
	size_t n = 0;
	struct strbuf *out = s->out;
	bool first = true;
	if (out)
		strbuf_addch(out, '{');
	s->p++;
	prune_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		goto done;
	}
	for (;;) {
		if (s->p >= s->end || *s->p != '"' || n == PRUNE_MAX_KEYS)
			return false;
		const char *key = s->p;
		char name[PRUNE_MAX_NAME];
		if (!prune_string(s, true, name, &hashes[n]))
			return false;
		for (size_t i = 0; i < n; i++)
			if (hashes[i] == hashes[n])
				return false;
		size_t key_len = (size_t)(s->p - key);
		n++;
		prune_ws(s);
		if (s->p >= s->end || *s->p++ != ':')
			return false;
		prune_ws(s);
		const struct json_prune_field *field = out ? prune_find(spec, name) : NULL;
		if (field) {
			if (!first)
				strbuf_addch(out, ',');
			first = false;
			strbuf_add(out, key, key_len);
			strbuf_addch(out, ':');
		}
		s->out = field ? out : NULL;
		if (!prune_value(s, depth + 1, field))
			return false;
		s->out = out;
		prune_ws(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == '}') {
			s->p++;
			break;
		}
		if (*s->p++ != ',')
			return false;
		prune_ws(s);
	}
done:
	if (out)
		strbuf_addch(out, '}');
	return true;
}

static bool prune_array(struct pruner *s, int depth)
{
	s->p++;
	prune_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return true;
	}
	for (;;) {
		if (!prune_value(s, depth + 1, NULL))
			return false;
		prune_ws(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == ']') {
			s->p++;
			return true;
		}
		if (*s->p++ != ',')
			return false;
		prune_ws(s);
	}
}

/*
 * A value at s->p, checked; written to s->out when set (it is for a kept
 * field): pruned by the field's spec when it is an object to go into,
 * emptied when it is one kept for its type, else as it is.
 */
static bool prune_value(struct pruner *s, int depth, const struct json_prune_field *field)
{
	if (depth > PRUNE_MAX_DEPTH || s->p >= s->end)
		return false;
	struct strbuf *out = s->out;
	const char *start = s->p;
	char c = *s->p;
	bool ok;
	if (c == '{' && out && field->keep == JSON_PRUNE_INTO)
		return prune_object(s, depth, field->into);
	if (c == '{') {
		s->out = NULL;
		ok = prune_object(s, depth, NULL);
		s->out = out;
		if (ok && out && field->keep == JSON_PRUNE_KEEP) {
			strbuf_addstr(out, "{}");
			return true;
		}
	} else if (c == '[') {
		s->out = NULL;
		ok = prune_array(s, depth);
		s->out = out;
	} else if (c == '"') {
		ok = prune_string(s, false, NULL, NULL);
	} else if (c == 't' && s->end - s->p >= 4 && memcmp(s->p, "true", 4) == 0) {
		s->p += 4;
		ok = true;
	} else if (c == 'f' && s->end - s->p >= 5 && memcmp(s->p, "false", 5) == 0) {
		s->p += 5;
		ok = true;
	} else if (c == 'n' && s->end - s->p >= 4 && memcmp(s->p, "null", 4) == 0) {
		s->p += 4;
		ok = true;
	} else {
		ok = prune_number(s);
	}
	if (ok && out)
		strbuf_add(out, start, (size_t)(s->p - start));
	return ok;
}

bool json_prune(const char *text, size_t len, const struct json_prune_spec *spec,
		struct strbuf *out)
{
	struct pruner s = {text, text + len, out};
	prune_ws(&s);
	if (s.p >= s.end || *s.p != '{' || !prune_object(&s, 1, spec))
		return false;
	prune_ws(&s);
	return s.p == s.end;
}

json_t *json_load_pruned(const char *text, size_t len, size_t flags,
			 const struct json_prune_spec *keep, struct strbuf *scratch,
			 json_error_t *jerr)
{
	json_t *root = NULL;
	if (keep) {
		strbuf_reset(scratch);
		/* An object, valid, plain and without duplicates: flags change nothing. */
		if (json_prune(text, len, keep, scratch))
			root = json_loadb(strbuf_str(scratch), scratch->len, 0, jerr);
	}
	/* Refused (or, never seen, a copy jansson would not take): the whole text. */
	if (!root)
		root = json_loadb(text, len, flags, jerr);
	return root;
}
