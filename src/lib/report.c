/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <stdint.h>
#include <string.h>

#include "term.h"

static const struct reporter *const reporters[] = {
	&reporter_table, &reporter_text,  &reporter_json, &reporter_jsonl,
	&reporter_sarif, &reporter_junit, &reporter_csv,
};

const struct reporter *reporter_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(reporters); i++)
		if (streq(reporters[i]->name, name))
			return reporters[i];
	return NULL;
}

const char *reporter_names(void)
{
	return "table, text, json, jsonl, sarif, junit, csv";
}

/* Invalid UTF-8 (from a file, say) is kept visible as \xNN text, not dropped. */
json_t *json_string_safe(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (!v) {
		_cleanup_free_ char *safe = term_sanitize(s);
		v = json_string(safe);
	}
	return v;
}

void judgement_describe(struct strbuf *sb, const struct judgement *j)
{
	if (j->verdict == VERDICT_EXEMPT) {
		strbuf_addstr(sb, "exempt: ");
		strbuf_add_sanitized(sb, j->exempt_reason);
		strbuf_addstr(sb, " (");
		strbuf_add_sanitized(sb, j->exempt_source);
		strbuf_addstr(sb, ")");
		return;
	}
	for (size_t i = 0; i < j->reasons.n; i++) {
		if (i)
			strbuf_addstr(sb, "; ");
		strbuf_add_sanitized(sb, j->reasons.v[i]);
	}
}

char *result_display_name(const struct workload *w)
{
	const char *name = !str_empty(w->name) ? w->name : w->id ? w->id : "";
	return w->origin.swarm_service ? xasprintf("service %s", name) : xstrdup(name);
}

void summary_describe_total(struct strbuf *sb, const struct report_summary *s)
{
	size_t containers = s->total - s->services;
	strbuf_addf(sb, "%zu container%s", containers, containers == 1 ? "" : "s");
	if (s->services)
		strbuf_addf(sb, " and %zu service%s", s->services, s->services == 1 ? "" : "s");
}

/* Audit results (no file) say what they are: a container or a Swarm service. */
static const char *result_kind(const struct workload *w)
{
	if (w->origin.file)
		return NULL;
	return w->origin.swarm_service ? "service" : "container";
}

static json_t *string_or_null(const char *s)
{
	return json_string_safe(s);
}

static json_t *mount_to_json(const struct mount *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(mount_kind_name(m->kind)));
	json_object_set_new(o, "target", json_string_safe(m->target));
	json_object_set_new(o, "source", string_or_null(m->source));
	json_object_set_new(o, "writable", json_boolean(m->writable));
	if (m->kind == MOUNT_TMPFS) {
		json_object_set_new(o, "exec", json_boolean(m->exec));
		json_object_set_new(o, "size_bytes", json_integer(m->size_bytes));
	}
	return o;
}

static json_t *split_files(const char *files)
{
	json_t *a = json_array();
	if (!files)
		return a;
	_cleanup_free_ char *copy = xstrdup(files);
	char *save = NULL;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string_safe(f));
	return a;
}

json_t *result_to_json(const struct workload *w, const struct judgement *j)
{
	json_t *o = json_object();
	if (w->origin.engine)
		json_object_set_new(o, "engine", json_string_safe(w->origin.engine));
	if (result_kind(w))
		json_object_set_new(o, "kind", json_string(result_kind(w)));
	json_object_set_new(o, "id", string_or_null(w->id));
	json_object_set_new(o, "name", string_or_null(w->name));
	json_object_set_new(o, "image", string_or_null(w->image));
	json_object_set_new(o, "state", string_or_null(w->state));
	json_object_set_new(o, "readonly_rootfs", json_boolean(w->readonly_rootfs));
	json_object_set_new(o, "privileged", json_boolean(w->privileged));
	json_object_set_new(o, "cap_sys_admin", json_boolean(w->cap_sys_admin));
	json_object_set_new(o, "apparmor_unconfined", json_boolean(w->apparmor_unconfined));
	json_object_set_new(o, "seccomp_unconfined", json_boolean(w->seccomp_unconfined));
	json_object_set_new(o, "verdict", json_string(verdict_name(j->verdict)));
	json_t *reasons = json_array();
	for (size_t i = 0; i < j->reasons.n; i++)
		json_array_append_new(reasons, json_string_safe(j->reasons.v[i]));
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "exempt_reason", string_or_null(j->exempt_reason));
	json_object_set_new(o, "exempt_source", string_or_null(j->exempt_source));
	json_object_set_new(o, "remediation", string_or_null(j->remediation));
	json_t *mounts = json_array();
	for (size_t i = 0; i < w->n_mounts; i++)
		json_array_append_new(mounts, mount_to_json(&w->mounts[i]));
	json_object_set_new(o, "mounts", mounts);
	const struct origin * or = &w->origin;
	if (or->compose_project || or->compose_service) {
		json_t *c = json_object();
		json_object_set_new(c, "project", string_or_null(or->compose_project));
		json_object_set_new(c, "service", string_or_null(or->compose_service));
		json_object_set_new(c, "config_files", split_files(or->compose_files));
		json_object_set_new(c, "working_dir", string_or_null(or->compose_workdir));
		json_object_set_new(o, "compose", c);
	} else {
		json_object_set_new(o, "compose", json_null());
	}
	if (or->file) {
		json_object_set_new(o, "file", json_string_safe(or->file));
		json_object_set_new(o, "line", json_integer(or->line));
		json_object_set_new(o, "column", json_integer(or->column));
		json_object_set_new(o, "kind", string_or_null(or->kind));
		json_object_set_new(o, "workload", string_or_null(or->workload));
		json_object_set_new(o, "container", string_or_null(or->container));
		struct strbuf msg = STRBUF_INIT;
		for (size_t i = 0; i < j->reasons.n; i++)
			strbuf_addf(&msg, "%s%s", i ? "; " : "", j->reasons.v[i]);
		json_object_set_new(o, "message", json_string_safe(strbuf_str(&msg)));
		strbuf_release(&msg);
	}
	return o;
}

/*
 * The JSON reporters write results directly, as jansson would write
 * result_to_json() with JSON_ENSURE_ASCII | JSON_COMPACT | JSON_PRESERVE_ORDER:
 * a tree of json_t per result cost more than linting the file did.
 */

/* Append n bytes; inline, since results are written a few bytes at a time. */
static inline void put(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->alloc - sb->len <= n)
		strbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

#define PUT_LIT(sb, lit) put((sb), "" lit, sizeof(lit) - 1)

/* Whether s is UTF-8 as jansson takes it: no overlong forms, surrogates or code points past
 * U+10FFFF. */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned char c = *s;
		size_t len;
		unsigned int cp;
		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		s += len;
	}
	return true;
}

static char *put_u16(char *o, unsigned int u)
{
	static const char hex[] = "0123456789ABCDEF";
	*o++ = '\\';
	*o++ = 'u';
	*o++ = hex[(u >> 12) & 0xf];
	*o++ = hex[(u >> 8) & 0xf];
	*o++ = hex[(u >> 4) & 0xf];
	*o++ = hex[u & 0xf];
	return o;
}

/* The bytes that go out as they are: printable ASCII but " and \\ (so not the final NUL). */
static inline bool plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Whether any of the 8 bytes in w is zero (exact as to whether, not as to which). */
static inline uint64_t any_zero(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

/* Whether any of the 8 bytes in w is not a plain_byte(). */
static inline bool any_special(uint64_t w)
{
	uint64_t below_space = (w - 0x20 * ONES) & ~w & HIGHS;
	return (w & HIGHS) | below_space | any_zero(w ^ ('"' * ONES)) | any_zero(w ^ ('\\' * ONES));
}

/*
 * Escape s (n bytes, then a NUL) into o, which has room for 6 bytes per
 * byte of s. NULL when s is not valid UTF-8 (checked at its first non-ASCII
 * byte, once).
 */
static char *escape_into(char *o, const unsigned char *s, size_t n)
{
	const unsigned char *end = s + n;
	bool checked = false;
	for (;;) {
		/* Most text is plain: 8 bytes at a time up to the first byte that is not. */
		for (uint64_t w; end - s >= 8; s += 8, o += 8) {
			memcpy(&w, s, 8);
			if (any_special(w))
				break;
			memcpy(o, &w, 8);
		}
		while (plain_byte(*s))
			*o++ = (char)*s++;
		unsigned char c = *s;
		if (!c)
			return o;
		if (c < 0x80) {
			s++;
			char short_form = c == '"'    ? '"'
					  : c == '\\' ? '\\'
					  : c == '\b' ? 'b'
					  : c == '\f' ? 'f'
					  : c == '\n' ? 'n'
					  : c == '\r' ? 'r'
					  : c == '\t' ? 't'
						      : 0;
			if (short_form) {
				*o++ = '\\';
				*o++ = short_form;
			} else {
				o = put_u16(o, c);
			}
			continue;
		}
		if (!checked) {
			if (!utf8_valid(s))
				return NULL;
			checked = true;
		}
		size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		unsigned int cp = c & (0x7fu >> len);
		for (size_t i = 1; i < len; i++)
			cp = (cp << 6) | (s[i] & 0x3f);
		s += len;
		if (cp < 0x10000) {
			o = put_u16(o, cp);
		} else {
			/* Outside the BMP: a UTF-16 surrogate pair. */
			cp -= 0x10000;
			o = put_u16(o, 0xd800 | (cp >> 10));
			o = put_u16(o, 0xdc00 | (cp & 0x3ff));
		}
	}
}

void json_add_string(struct strbuf *sb, const char *s)
{
	if (!s) {
		PUT_LIT(sb, "null");
		return;
	}
	_cleanup_free_ char *safe = NULL;
	for (;;) {
		/* \u00XX is 6 bytes for 1 (a 4-byte character becomes 12), plus the quotes. */
		size_t len = strlen(s);
		strbuf_grow(sb, 6 * len + 2);
		char *o = sb->buf + sb->len;
		*o++ = '"';
		o = escape_into(o, (const unsigned char *)s, len);
		if (o) {
			*o++ = '"';
			*o = '\0';
			sb->len = (size_t)(o - sb->buf);
			return;
		}
		/* Invalid UTF-8: as json_string_safe() does, the sanitized text (always valid). */
		s = safe = term_sanitize(s);
	}
}

static void put_int(struct strbuf *sb, long long v)
{
	char digits[24], *p = digits + sizeof(digits);
	/* Unsigned, so that LLONG_MIN negates. */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	put(sb, p, (size_t)(digits + sizeof(digits) - p));
}

/* ,"key":value (the first key of an object is written with its brace). */
#define PUT_STR(sb, key, value)                                                                    \
	do {                                                                                       \
		PUT_LIT(sb, ",\"" key "\":");                                                      \
		json_add_string(sb, value);                                                        \
	} while (0)
#define PUT_BOOL(sb, key, value)                                                                   \
	do {                                                                                       \
		if (value)                                                                         \
			PUT_LIT(sb, ",\"" key "\":true");                                          \
		else                                                                               \
			PUT_LIT(sb, ",\"" key "\":false");                                         \
	} while (0)
#define PUT_INT(sb, key, value)                                                                    \
	do {                                                                                       \
		PUT_LIT(sb, ",\"" key "\":");                                                      \
		put_int(sb, value);                                                                \
	} while (0)

static void add_mount(struct strbuf *sb, const struct mount *m)
{
	PUT_LIT(sb, "{\"type\":");
	json_add_string(sb, mount_kind_name(m->kind));
	PUT_STR(sb, "target", m->target);
	PUT_STR(sb, "source", m->source);
	PUT_BOOL(sb, "writable", m->writable);
	if (m->kind == MOUNT_TMPFS) {
		PUT_BOOL(sb, "exec", m->exec);
		PUT_INT(sb, "size_bytes", m->size_bytes);
	}
	PUT_LIT(sb, "}");
}

/* "a,b" as a JSON array; like split_files(), empty names between commas are skipped. */
static void add_files(struct strbuf *sb, const char *files)
{
	PUT_LIT(sb, "[");
	bool first = true;
	for (const char *f = files; f && *f;) {
		size_t n = strcspn(f, ",");
		if (n) {
			_cleanup_free_ char *name = xstrndup(f, n);
			if (!first)
				PUT_LIT(sb, ",");
			json_add_string(sb, name);
			first = false;
		}
		f += n + (f[n] == ',');
	}
	PUT_LIT(sb, "]");
}

void result_write_json(struct strbuf *sb, const struct workload *w, const struct judgement *j)
{
	PUT_LIT(sb, "{");
	if (w->origin.engine) {
		PUT_LIT(sb, "\"engine\":");
		json_add_string(sb, w->origin.engine);
		PUT_LIT(sb, ",");
	}
	if (result_kind(w)) {
		PUT_LIT(sb, "\"kind\":");
		json_add_string(sb, result_kind(w));
		PUT_LIT(sb, ",");
	}
	PUT_LIT(sb, "\"id\":");
	json_add_string(sb, w->id);
	PUT_STR(sb, "name", w->name);
	PUT_STR(sb, "image", w->image);
	PUT_STR(sb, "state", w->state);
	PUT_BOOL(sb, "readonly_rootfs", w->readonly_rootfs);
	PUT_BOOL(sb, "privileged", w->privileged);
	PUT_BOOL(sb, "cap_sys_admin", w->cap_sys_admin);
	PUT_BOOL(sb, "apparmor_unconfined", w->apparmor_unconfined);
	PUT_BOOL(sb, "seccomp_unconfined", w->seccomp_unconfined);
	PUT_STR(sb, "verdict", verdict_name(j->verdict));
	PUT_LIT(sb, ",\"reasons\":[");
	for (size_t i = 0; i < j->reasons.n; i++) {
		if (i)
			PUT_LIT(sb, ",");
		json_add_string(sb, j->reasons.v[i]);
	}
	PUT_LIT(sb, "]");
	PUT_STR(sb, "exempt_reason", j->exempt_reason);
	PUT_STR(sb, "exempt_source", j->exempt_source);
	PUT_STR(sb, "remediation", j->remediation);
	PUT_LIT(sb, ",\"mounts\":[");
	for (size_t i = 0; i < w->n_mounts; i++) {
		if (i)
			PUT_LIT(sb, ",");
		add_mount(sb, &w->mounts[i]);
	}
	PUT_LIT(sb, "]");
	const struct origin * or = &w->origin;
	if (or->compose_project || or->compose_service) {
		PUT_LIT(sb, ",\"compose\":{\"project\":");
		json_add_string(sb, or->compose_project);
		PUT_STR(sb, "service", or->compose_service);
		PUT_LIT(sb, ",\"config_files\":");
		add_files(sb, or->compose_files);
		PUT_STR(sb, "working_dir", or->compose_workdir);
		PUT_LIT(sb, "}");
	} else {
		PUT_LIT(sb, ",\"compose\":null");
	}
	if (or->file) {
		PUT_STR(sb, "file", or->file);
		PUT_INT(sb, "line", or->line);
		PUT_INT(sb, "column", or->column);
		PUT_STR(sb, "kind", or->kind);
		PUT_STR(sb, "workload", or->workload);
		PUT_STR(sb, "container", or->container);
		if (j->reasons.n == 1) {
			PUT_STR(sb, "message", j->reasons.v[0]);
		} else {
			_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
			for (size_t i = 0; i < j->reasons.n; i++)
				strbuf_addf(&msg, "%s%s", i ? "; " : "", j->reasons.v[i]);
			PUT_STR(sb, "message", strbuf_str(&msg));
		}
	}
	PUT_LIT(sb, "}");
}
