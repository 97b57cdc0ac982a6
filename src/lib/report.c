/* SPDX-License-Identifier: MIT */
#include "report.h"

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

/* Escape valid UTF-8 s into o, which has room for 6 bytes per byte of s. */
static char *escape_into(char *o, const unsigned char *s)
{
	for (;;) {
		unsigned char c = *s;
		/* Most text is printable ASCII: copied as it is. */
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = (char)c;
			s++;
			continue;
		}
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
		strbuf_addstr(sb, "null");
		return;
	}
	_cleanup_free_ char *safe = NULL;
	size_t len = strlen(s);
	/* Only text with a non-ASCII byte can be invalid; then as json_string_safe() does. */
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			if (!utf8_valid((const unsigned char *)s + i)) {
				s = safe = term_sanitize(s);
				len = strlen(s);
			}
			break;
		}
	}
	/* \u00XX is 6 bytes for 1 (a 4-byte character becomes 12), plus the quotes. */
	strbuf_grow(sb, 6 * len + 2);
	char *o = sb->buf + sb->len;
	*o++ = '"';
	o = escape_into(o, (const unsigned char *)s);
	*o++ = '"';
	*o = '\0';
	sb->len = (size_t)(o - sb->buf);
}

/* ,"key": (no comma for the first key), as JSON_COMPACT writes it. */
static void add_key(struct strbuf *sb, const char *key, bool first)
{
	if (!first)
		strbuf_addch(sb, ',');
	strbuf_addch(sb, '"');
	strbuf_addstr(sb, key);
	strbuf_add(sb, "\":", 2);
}

static void add_str_field(struct strbuf *sb, const char *key, const char *value)
{
	add_key(sb, key, false);
	json_add_string(sb, value);
}

static void add_bool_field(struct strbuf *sb, const char *key, bool value)
{
	add_key(sb, key, false);
	strbuf_addstr(sb, value ? "true" : "false");
}

static void add_int_field(struct strbuf *sb, const char *key, long long value)
{
	add_key(sb, key, false);
	strbuf_addf(sb, "%lld", value);
}

static void add_mount(struct strbuf *sb, const struct mount *m)
{
	strbuf_addch(sb, '{');
	add_key(sb, "type", true);
	json_add_string(sb, mount_kind_name(m->kind));
	add_str_field(sb, "target", m->target);
	add_str_field(sb, "source", m->source);
	add_bool_field(sb, "writable", m->writable);
	if (m->kind == MOUNT_TMPFS) {
		add_bool_field(sb, "exec", m->exec);
		add_int_field(sb, "size_bytes", m->size_bytes);
	}
	strbuf_addch(sb, '}');
}

/* "a,b" as a JSON array; like split_files(), empty names between commas are skipped. */
static void add_files(struct strbuf *sb, const char *files)
{
	strbuf_addch(sb, '[');
	bool first = true;
	for (const char *f = files; f && *f;) {
		size_t n = strcspn(f, ",");
		if (n) {
			_cleanup_free_ char *name = xstrndup(f, n);
			if (!first)
				strbuf_addch(sb, ',');
			json_add_string(sb, name);
			first = false;
		}
		f += n + (f[n] == ',');
	}
	strbuf_addch(sb, ']');
}

void result_write_json(struct strbuf *sb, const struct workload *w, const struct judgement *j)
{
	strbuf_addch(sb, '{');
	add_key(sb, "id", true);
	json_add_string(sb, w->id);
	add_str_field(sb, "name", w->name);
	add_str_field(sb, "image", w->image);
	add_str_field(sb, "state", w->state);
	add_bool_field(sb, "readonly_rootfs", w->readonly_rootfs);
	add_bool_field(sb, "privileged", w->privileged);
	add_bool_field(sb, "cap_sys_admin", w->cap_sys_admin);
	add_bool_field(sb, "apparmor_unconfined", w->apparmor_unconfined);
	add_bool_field(sb, "seccomp_unconfined", w->seccomp_unconfined);
	add_str_field(sb, "verdict", verdict_name(j->verdict));
	add_key(sb, "reasons", false);
	strbuf_addch(sb, '[');
	for (size_t i = 0; i < j->reasons.n; i++) {
		if (i)
			strbuf_addch(sb, ',');
		json_add_string(sb, j->reasons.v[i]);
	}
	strbuf_addch(sb, ']');
	add_str_field(sb, "exempt_reason", j->exempt_reason);
	add_str_field(sb, "exempt_source", j->exempt_source);
	add_str_field(sb, "remediation", j->remediation);
	add_key(sb, "mounts", false);
	strbuf_addch(sb, '[');
	for (size_t i = 0; i < w->n_mounts; i++) {
		if (i)
			strbuf_addch(sb, ',');
		add_mount(sb, &w->mounts[i]);
	}
	strbuf_addch(sb, ']');
	const struct origin * or = &w->origin;
	add_key(sb, "compose", false);
	if (or->compose_project || or->compose_service) {
		strbuf_addch(sb, '{');
		add_key(sb, "project", true);
		json_add_string(sb, or->compose_project);
		add_str_field(sb, "service", or->compose_service);
		add_key(sb, "config_files", false);
		add_files(sb, or->compose_files);
		add_str_field(sb, "working_dir", or->compose_workdir);
		strbuf_addch(sb, '}');
	} else {
		strbuf_addstr(sb, "null");
	}
	if (or->file) {
		add_str_field(sb, "file", or->file);
		add_int_field(sb, "line", or->line);
		add_int_field(sb, "column", or->column);
		add_str_field(sb, "kind", or->kind);
		add_str_field(sb, "workload", or->workload);
		add_str_field(sb, "container", or->container);
		add_key(sb, "message", false);
		if (j->reasons.n == 1) {
			json_add_string(sb, j->reasons.v[0]);
		} else {
			_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
			for (size_t i = 0; i < j->reasons.n; i++)
				strbuf_addf(&msg, "%s%s", i ? "; " : "", j->reasons.v[i]);
			json_add_string(sb, strbuf_str(&msg));
		}
	}
	strbuf_addch(sb, '}');
}
