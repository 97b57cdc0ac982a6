/* SPDX-License-Identifier: MIT */
/*
 * The decision of `rootlock authz`: read a create request exactly as the
 * daemon will, build a workload from it and ask rule_judge().
 *
 * Verified on dockerd 20.10.24 (API 1.41), raw HTTP over its unix socket,
 * body {"Image":"rootlock-test/busybox:latest","HostConfig":{...}}:
 *
 * Routing (gorilla/mux on the percent-DECODED path, case-sensitive):
 *   201 created: POST /v1.41/containers/create, /containers/create,
 *       /v1.41/containers/%63reate, /v1.41/containers%2Fcreate,
 *       /v1.41%2Fcontainers/create, /v1.41.0/..., /v1.12/...,
 *       absolute form "POST http://x/v1.41/containers/create"
 *   301 (path cleaning, nothing created): /v1.41//containers//create,
 *       //v1.41/..., /x/../create, /./, %2e%2e segments
 *   404: /Containers/create, /containers/CREATE, /containers/create/,
 *       /V1.41/..., /containers/create#x, /containers/create;x=1,
 *       method PUT or lower-case "post"
 *   400: /v9.99 (too new), /v1.11, /v., /v1..41 (too old)
 * Query: ?name=a&name=b names it "a" (first wins); ?na%6De=x names it "x";
 *   ?name=a;name=b is a 400 ("invalid semicolon separator in query").
 * Body: Content-Type "application/json; charset=utf-8" and
 *   "APPLICATION/JSON" accepted; missing or text/plain: 400. A UTF-8 BOM:
 *   500. Trailing garbage after the object is IGNORED and the object is
 *   used (a second object too: the first wins). null and {}: 400; empty:
 *   500 EOF. Invalid UTF-8 inside a string: accepted.
 * Keys (Go encoding/json): case-insensitive ("image", "IMAGE",
 *   "hostconfig"/"readonlyrootfs" all work), U+017F folds to "s"
 *   ("ReadonlyRootf\u017f" works), U+0131 does NOT fold to "i" (this Go is
 *   older than 1.21, where it would), \u escapes in keys work. The LAST
 *   duplicate wins, exact or case-variant ("ReadonlyRootfs":true,
 *   "readonlyrootfs":false is writable); a duplicated HostConfig object is
 *   MERGED into the first. HostConfig fields at the top level are read
 *   when HostConfig is absent or null ({"ReadonlyRootfs":true} alone is
 *   read-only) and ignored when it is present. ReadonlyRootfs "true": 500;
 *   null: false. CapAdd "SYS_ADMIN" (a string, not a list) adds SYS_ADMIN.
 *   Labels keys are exact: "Rootlock.Exempt" is another label.
 * Start: POST /v1.23/containers/ID/start with a HostConfig body REPLACES
 *   the HostConfig of a read-only container (it became ReadonlyRootfs
 *   false, Privileged true); at /v1.41 it is a 400. So a start with an
 *   API version below 1.24 is judged like a create.
 * Services: swarm was not initialised; the body is decoded before the
 *   swarm check ({"Name":1} and ContainerSpec.ReadOnly "x" are 400s), with
 *   the same decoder as containers.
 *
 * What this file does with that: the router's view is over-matched (slash
 * runs and dot segments are cleaned, '#' cuts the path) so that a
 * spelling the daemon would refuse may be judged, never the other way.
 * Bodies are parsed with jansson rejecting exact duplicate keys anywhere;
 * on the objects the decision reads, keys equal after Go's folding are
 * ambiguous, and a key that only a newer Go would fold (U+0130, U+0131)
 * onto a field read is ambiguous too. Trailing data, invalid UTF-8, NUL
 * in strings: refused (fail closed) although the daemon accepts some.
 */
#define _GNU_SOURCE
#include "authz.h"

#include <jansson.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "fileio.h"
#include "inspect.h"
#include "jsonprune.h"
#include "report.h"
#include "rule.h"
#include "workload.h"

#define POLICY_MAX_BYTES (1 << 20)

/* ---- policy ---- */

void authz_policy_default(struct authz_policy *ret)
{
	memset(ret, 0, sizeof(*ret));
}

void authz_policy_release(struct authz_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_exempt; i++) {
		free(p->exempt[i].image);
		free(p->exempt[i].name);
		free(p->exempt[i].user);
		free(p->exempt[i].reason);
	}
	free(p->exempt);
	free(p->engine_socket);
	free(p->engine_data_root);
	free(p->source);
	memset(p, 0, sizeof(*p));
}

static int policy_string(json_t *v, const char *key, char **ret, const char *source, size_t i,
			 struct rl_error *err)
{
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return rl_error_set(err, RL_EPARSE, "%s: exempt[%zu].%s must be a non-empty string",
				    source, i, key);
	*ret = xstrdup(json_string_value(v));
	return 0;
}

static int policy_exemption(json_t *entry, const char *source, size_t i, struct authz_exemption *e,
			    struct rl_error *err)
{
	if (!json_is_object(entry))
		return rl_error_set(err, RL_EPARSE, "%s: exempt[%zu] must be an object", source, i);
	const char *key;
	json_t *val;
	int r;
	json_object_foreach (entry, key, val) {
		char **slot = streq(key, "image")    ? &e->image
			      : streq(key, "name")   ? &e->name
			      : streq(key, "user")   ? &e->user
			      : streq(key, "reason") ? &e->reason
						     : NULL;
		if (!slot)
			return rl_error_set(
				err, RL_EPARSE,
				"%s: exempt[%zu] has unknown key \"%s\" (use image, name, "
				"user, reason)",
				source, i, key);
		if ((r = policy_string(val, key, slot, source, i, err)) < 0)
			return r;
	}
	if (!e->reason)
		return rl_error_set(err, RL_EPARSE,
				    "%s: exempt[%zu] has no \"reason\": every exemption needs one",
				    source, i);
	if (!e->image && !e->name && !e->user)
		return rl_error_set(err, RL_EPARSE,
				    "%s: exempt[%zu] matches nothing: give \"image\", \"name\" or "
				    "\"user\"",
				    source, i);
	return 0;
}

int authz_policy_parse(const char *text, size_t len, const char *source, struct authz_policy *ret,
		       struct rl_error *err)
{
	if (!source)
		source = "policy";
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return rl_error_set(err, RL_EPARSE, "%s:%d:%d: not valid JSON: %s", source,
				    jerr.line, jerr.column, jerr.text);

	struct authz_policy p = {0};
	int r = 0;
	if (!json_is_object(root)) {
		r = rl_error_set(
			err, RL_EPARSE,
			"%s: expected {\"deny_defeatable\": BOOL, \"allow_label_exemption\": "
			"BOOL, \"exempt\": [...]}",
			source);
		goto out;
	}
	const char *key;
	json_t *val;
	json_object_foreach (root, key, val) {
		if (streq(key, "deny_defeatable") || streq(key, "allow_label_exemption")) {
			if (!json_is_boolean(val)) {
				r = rl_error_set(err, RL_EPARSE, "%s: \"%s\" must be true or false",
						 source, key);
				goto out;
			}
			if (streq(key, "deny_defeatable"))
				p.deny_defeatable = json_is_true(val);
			else
				p.allow_label_exemption = json_is_true(val);
		} else if (streq(key, "engine_socket") || streq(key, "engine_data_root")) {
			const char *path = json_string_value(val);
			if (!path || path[0] != '/') {
				r = rl_error_set(err, RL_EPARSE,
						 "%s: \"%s\" must be an absolute path", source,
						 key);
				goto out;
			}
			char **dst = streq(key, "engine_socket") ? &p.engine_socket
								 : &p.engine_data_root;
			free(*dst);
			*dst = xstrdup(path);
		} else if (streq(key, "exempt")) {
			if (!json_is_array(val)) {
				r = rl_error_set(err, RL_EPARSE, "%s: \"exempt\" must be a list",
						 source);
				goto out;
			}
			size_t n = json_array_size(val);
			p.exempt = xcalloc(n ? n : 1, sizeof(*p.exempt));
			for (size_t i = 0; i < n; i++) {
				p.n_exempt++;
				r = policy_exemption(json_array_get(val, i), source, i,
						     &p.exempt[i], err);
				if (r < 0)
					goto out;
			}
		} else {
			r = rl_error_set(err, RL_EPARSE,
					 "%s: unknown key \"%s\" (use deny_defeatable, "
					 "allow_label_exemption, exempt, engine_socket, "
					 "engine_data_root)",
					 source, key);
			goto out;
		}
	}
	p.source = xstrdup(source);
	*ret = p;
	memset(&p, 0, sizeof(p));
out:
	authz_policy_release(&p);
	json_decref(root);
	return r;
}

int authz_policy_load(const char *path, struct authz_policy *ret, struct rl_error *err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int r = read_file_limited(path, POLICY_MAX_BYTES, &sb, err);
	if (r < 0)
		return r;
	return authz_policy_parse(strbuf_str(&sb), sb.len, path, ret, err);
}

/* ---- the router's view of a URI ---- */

/* Percent-decode s[0..n) into sb; plus_space for query strings. */
static void percent_decode(struct strbuf *sb, const char *s, size_t n, bool plus_space)
{
	strbuf_grow(sb, n);
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hex_digit(s[i + 1])) >= 0 &&
		    (lo = hex_digit(s[i + 2])) >= 0) {
			strbuf_addch(sb, (char)(hi << 4 | lo));
			i += 2;
		} else if (plus_space && s[i] == '+') {
			strbuf_addch(sb, ' ');
		} else {
			strbuf_addch(sb, s[i]);
		}
	}
}

/* Where the path of a request-target starts and ends, as Go's server splits it. */
static void uri_path_span(const char *uri, const char **ret_start, size_t *ret_len)
{
	const char *p = uri;
	size_t end = strcspn(uri, "?#");
	/* Absolute form, "http://host/path": Go routes the path part. */
	if ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')) {
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789+-.");
		if (k < end && p[k] == ':') {
			p += k + 1;
			end -= k + 1;
			if (end >= 2 && p[0] == '/' && p[1] == '/') {
				size_t a = 2;
				while (a < end && p[a] != '/')
					a++;
				p += a;
				end -= a;
			}
		}
	}
	*ret_start = p;
	*ret_len = end;
}

/* The decoded, cleaned path and the /vX.Y version (NULL when none); both new strings. */
static void route_parse(const char *uri, char **ret_path, char **ret_version)
{
	const char *start;
	size_t n;
	uri_path_span(uri ? uri : "", &start, &n);
	_cleanup_strbuf_ struct strbuf dec = STRBUF_INIT;
	percent_decode(&dec, start, n, false);

	/* Split into segments, dropping empty ones and resolving "." and "..". */
	struct strbuf out = STRBUF_INIT;
	strbuf_grow(&out, dec.len + 1);
	const char *s = strbuf_str(&dec);
	size_t len = strlen(s); /* a decoded NUL ends the path: over-match, never under */
	size_t i = 0;
	while (i < len) {
		while (i < len && s[i] == '/')
			i++;
		size_t j = i;
		while (j < len && s[j] != '/')
			j++;
		size_t seg = j - i;
		if (seg == 0) {
			/* keep one trailing slash: the daemon 404s /containers/create/ */
			if (i == len && len > 0 && s[len - 1] == '/' && out.len > 0)
				strbuf_addch(&out, '/');
		} else if (seg == 1 && s[i] == '.') {
			if (j == len && out.len > 0)
				strbuf_addch(&out, '/');
		} else if (seg == 2 && s[i] == '.' && s[i + 1] == '.') {
			while (out.len > 0 && out.buf[out.len - 1] != '/')
				out.len--;
			if (out.len > 0)
				out.len--;
			out.buf[out.len] = '\0';
			if (j == len && out.len > 0)
				strbuf_addch(&out, '/');
		} else {
			strbuf_addch(&out, '/');
			strbuf_add(&out, s + i, seg);
		}
		i = j;
	}
	if (out.len == 0)
		strbuf_addch(&out, '/');

	char *version = NULL;
	const char *path = strbuf_str(&out);
	if (path[1] == 'v') {
		size_t k = strspn(path + 2, "0123456789.");
		if (k > 0 && (path[2 + k] == '/' || path[2 + k] == '\0')) {
			version = xstrndup(path + 2, k);
			memmove(out.buf, path + 2 + k, out.len - (2 + k) + 1);
			out.len -= 2 + k;
			if (out.len == 0)
				strbuf_addch(&out, '/');
		}
	}
	*ret_path = strbuf_detach(&out);
	*ret_version = version;
}

char *authz_route_path(const char *uri)
{
	char *path, *version;
	route_parse(uri, &path, &version);
	free(version);
	return path;
}

/* Docker's versions.LessThan: dotted numbers, a part that is not a number counts as 0. */
static bool version_less(const char *a, const char *b)
{
	while (*a || *b) {
		long x = 0, y = 0;
		for (; *a && *a != '.'; a++)
			if (x < 1000000)
				x = x * 10 + (*a - '0');
		for (; *b && *b != '.'; b++)
			if (y < 1000000)
				y = y * 10 + (*b - '0');
		if (x != y)
			return x < y;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return false;
}

/* ---- the query string ---- */

struct query {
	char *name;	/* first "name" value, decoded */
	bool ambiguous; /* ';' separators: the daemon refuses, we trust no name */
	bool rollback;	/* a non-empty rollback=... */
};

static void query_release(struct query *q)
{
	free(q->name);
}

static void query_parse(const char *uri, struct query *q)
{
	memset(q, 0, sizeof(*q));
	const char *s = uri ? strchr(uri, '?') : NULL;
	if (!s)
		return;
	s++;
	if (strchr(s, ';'))
		q->ambiguous = true;
	_cleanup_strbuf_ struct strbuf key = STRBUF_INIT;
	while (*s) {
		size_t n = strcspn(s, "&;");
		size_t eq = 0;
		while (eq < n && s[eq] != '=')
			eq++;
		strbuf_reset(&key);
		percent_decode(&key, s, eq, true);
		const char *val = eq < n ? s + eq + 1 : s + n;
		size_t vlen = eq < n ? n - eq - 1 : 0;
		if (streq(strbuf_str(&key), "name") && !q->name) {
			struct strbuf v = STRBUF_INIT;
			percent_decode(&v, val, vlen, true);
			q->name = strbuf_detach(&v);
		} else if (strcasecmp(strbuf_str(&key), "rollback") == 0 && vlen > 0) {
			q->rollback = true;
		}
		s += n;
		if (*s)
			s++;
	}
	if (q->ambiguous) {
		free(q->name);
		q->name = NULL;
	}
}

/* ---- base64 (Go's StdEncoding, padded, as encoding/json writes []byte) ---- */

static const signed char b64_table[256] = {
	['A'] = 1,  ['B'] = 2,	['C'] = 3,  ['D'] = 4,	['E'] = 5,  ['F'] = 6,	['G'] = 7,
	['H'] = 8,  ['I'] = 9,	['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
	['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
	['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
	['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
	['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
	['/'] = 64,
};

/* The 6-bit value of c, or -1; the table holds value + 1 so that 0 means "not base64". */
static int b64val(unsigned char c)
{
	return b64_table[c] - 1;
}

/* Decodes into a new buffer; -1 when not base64. */
static int b64_decode(const char *s, size_t n, char **ret, size_t *ret_len)
{
	if (n % 4)
		return -1;
	char *out = xmalloc(n / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];
			if (c == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64val(c)) < 0) {
				free(out);
				return -1;
			}
		}
		unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
			     (unsigned)v[3];
		out[o++] = (char)(w >> 16);
		if (pad < 2)
			out[o++] = (char)(w >> 8 & 0xff);
		if (pad < 1)
			out[o++] = (char)(w & 0xff);
	}
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	return 0;
}

/* ---- reading a body the way Go's encoding/json does ---- */

/*
 * Fold a key the way Go matches it to a field name: ASCII case, U+017F to
 * "s", U+212A to "k" (every Go version); *loose when it holds U+0130 or
 * U+0131, which only Go 1.21 and later fold to "i".
 */
static void fold_key(struct strbuf *sb, const char *key, bool *loose)
{
	size_t n = strlen(key);
	strbuf_reset(sb);
	strbuf_grow(sb, n + 1);
	char *o = sb->buf;
	*loose = false;
	const unsigned char *p = (const unsigned char *)key;
	for (; *p; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*o++ = (char)(*p + 32);
		} else if (*p < 0x80) {
			*o++ = (char)*p;
		} else if (p[0] == 0xc5 && p[1] == 0xbf) {
			*o++ = 's';
			p++;
		} else if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) {
			*o++ = 'k';
			p += 2;
		} else if (p[0] == 0xc4 && (p[1] == 0xb0 || p[1] == 0xb1)) {
			*o++ = 'i';
			*loose = true;
			p++;
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	sb->len = (size_t)(o - sb->buf);
}

struct field {
	const char *name;  /* folded (lower-case) */
	const char *label; /* as written in messages */
	json_t *val;
};

enum why {
	WHY_NONE,
	WHY_NO_BODY,
	WHY_ENCODING,
	WHY_TOO_BIG,
	WHY_INVALID,
	WHY_TRAILING,
	WHY_NOT_OBJECT,
	WHY_AMBIGUOUS,
	WHY_TYPE,
};

static const char *why_reason(enum why w)
{
	switch (w) {
	case WHY_NO_BODY:
		return "no body";
	case WHY_ENCODING:
		return "body not base64";
	case WHY_TOO_BIG:
		return "body too big";
	case WHY_INVALID:
		return "invalid body";
	case WHY_TRAILING:
		return "trailing data";
	case WHY_NOT_OBJECT:
		return "body not an object";
	case WHY_AMBIGUOUS:
		return "ambiguous body";
	case WHY_TYPE:
		return "wrong type";
	default:
		return "refused";
	}
}

struct reader {
	const char *what; /* "container create", ... */
	enum why why;
	struct strbuf detail; /* the first problem, one line */
	struct strbuf fold;
};

/* One line of printable ASCII, for Msg and reason: the daemon shows it to users. */
static void add_safe(struct strbuf *sb, const char *s, size_t max)
{
	if (!s)
		return;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n < max; p++, n++)
		strbuf_addch(sb, *p >= 0x20 && *p < 0x7f ? (char)*p : '?');
	if (s[n])
		strbuf_addstr(sb, "...");
}

_printf_(3, 4) static bool reader_fail(struct reader *r, enum why why, const char *fmt, ...)
{
	if (r->why != WHY_NONE)
		return false;
	r->why = why;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *s = xvasprintf(fmt, ap);
	va_end(ap);
	add_safe(&r->detail, s, 400);
	return false;
}

/*
 * Walk obj once: fill fields[] by folded name; two keys equal after
 * folding (any keys, not only the fields) make it ambiguous.
 */
static bool read_fields(struct reader *r, json_t *obj, const char *where, struct field *fields,
			size_t n)
{
	struct hashset seen = {0};
	const char *key;
	json_t *val;
	bool ok = true;
	json_object_foreach (obj, key, val) {
		bool loose;
		fold_key(&r->fold, key, &loose);
		if (!hashset_add(&seen, hash_str(HASH_INIT, strbuf_str(&r->fold)))) {
			ok = reader_fail(r, WHY_AMBIGUOUS,
					 "%s has two keys that differ only in case (\"%s\"): the "
					 "daemon reads the last one",
					 where, key);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (!streq(strbuf_str(&r->fold), fields[i].name))
				continue;
			if (loose) {
				ok = reader_fail(r, WHY_AMBIGUOUS,
						 "%s has the key \"%s\", which only some Go "
						 "versions read as %s",
						 where, key, fields[i].label);
				goto out;
			}
			fields[i].val = val;
		}
	}
out:
	hashset_release(&seen);
	return ok;
}

static const char *json_type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static bool wrong_type(struct reader *r, const char *where, const char *label, json_t *v,
		       const char *want)
{
	return reader_fail(r, WHY_TYPE, "%s%s%s is %s, not %s", where, *where ? "." : "", label,
			   json_type_name(v), want);
}

/* null and absent are false, as in Go. */
static bool get_bool(struct reader *r, const char *where, const struct field *f, bool *ret)
{
	*ret = false;
	if (!f->val || json_is_null(f->val))
		return true;
	if (!json_is_boolean(f->val))
		return wrong_type(r, where, f->label, f->val, "true or false");
	*ret = json_is_true(f->val);
	return true;
}

/* A string without NUL (jansson refuses NUL here anyway); NULL when absent or null. */
static bool get_string(struct reader *r, const char *where, const struct field *f, const char **ret)
{
	*ret = NULL;
	if (!f->val || json_is_null(f->val))
		return true;
	if (!json_is_string(f->val))
		return wrong_type(r, where, f->label, f->val, "a string");
	*ret = json_string_value(f->val);
	return true;
}

/* An object, or NULL when absent or null. */
static bool get_object(struct reader *r, const char *where, const struct field *f, json_t **ret)
{
	*ret = NULL;
	if (!f->val || json_is_null(f->val))
		return true;
	if (!json_is_object(f->val))
		return wrong_type(r, where, f->label, f->val, "an object");
	*ret = f->val;
	return true;
}

/* A list of strings (null items are ""); a lone string when strslice allows it. */
static bool get_strings(struct reader *r, const char *where, const struct field *f,
			bool lone_string, bool (*match)(const char *), bool *ret_any)
{
	if (!f->val || json_is_null(f->val))
		return true;
	if (lone_string && json_is_string(f->val)) {
		if (match(json_string_value(f->val)))
			*ret_any = true;
		return true;
	}
	if (!json_is_array(f->val))
		return wrong_type(r, where, f->label, f->val, "a list of strings");
	size_t i;
	json_t *v;
	json_array_foreach (f->val, i, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			return wrong_type(r, where, f->label, v, "a list of strings");
		if (match(json_string_value(v)))
			*ret_any = true;
	}
	return true;
}

static bool opt_apparmor(const char *s)
{
	return security_opt_unconfined(s, "apparmor");
}

static bool opt_seccomp(const char *s)
{
	return security_opt_unconfined(s, "seccomp");
}

/* Labels: map[string]string; only rootlock.exempt (exact key, as Go maps are) is read. */
static bool read_labels(struct reader *r, const char *where, json_t *labels, struct workload *w)
{
	if (!labels)
		return true;
	if (!read_fields(r, labels, where, NULL, 0))
		return false;
	json_t *v = json_object_get(labels, LABEL_EXEMPT);
	if (!v)
		return true;
	if (!json_is_string(v) && !json_is_null(v))
		return wrong_type(r, where, LABEL_EXEMPT, v, "a string");
	w->has_exempt_label = true;
	w->exempt_reason = xstrdup(json_is_string(v) ? json_string_value(v) : "");
	return true;
}

/*
 * Binds: "SOURCE:TARGET[:OPTIONS]"; a SOURCE that is not an absolute path
 * names a volume. Only binds matter to the rule (the engine's socket, its
 * data root, the host's /), so a volume is kept as one without its source.
 */
static void add_bind_spec(struct workload *w, const char *spec)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *target = strchr(copy, ':');
	if (!target)
		return; /* an anonymous volume */
	*target++ = '\0';
	char *opts = strchr(target, ':');
	if (opts)
		*opts++ = '\0';
	struct mount m = {.kind = copy[0] == '/' ? MOUNT_BIND : MOUNT_VOLUME,
			  .target = target,
			  .source = copy,
			  .writable = true};
	_cleanup_free_ char *o = opts ? xstrdup(opts) : NULL;
	char *save = NULL;
	for (char *t = o ? strtok_r(o, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		m.writable = streq(t, "ro") ? false : streq(t, "rw") ? true : m.writable;
	workload_add_mount(w, &m);
}

static bool read_binds(struct reader *r, const char *where, const struct field *f,
		       struct workload *w)
{
	if (!f->val || json_is_null(f->val))
		return true;
	if (!json_is_array(f->val))
		return wrong_type(r, where, f->label, f->val, "a list of strings");
	size_t i;
	json_t *v;
	json_array_foreach (f->val, i, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			return wrong_type(r, where, f->label, v, "a list of strings");
		add_bind_spec(w, json_string_value(v));
	}
	return true;
}

/* Mounts: [{"Type": "bind", "Source": ..., "Target": ..., "ReadOnly": ...}]. */
static bool read_mounts(struct reader *r, const char *where, const struct field *f,
			struct workload *w)
{
	if (!f->val || json_is_null(f->val))
		return true;
	if (!json_is_array(f->val))
		return wrong_type(r, where, f->label, f->val, "a list of objects");
	size_t i;
	json_t *v;
	json_array_foreach (f->val, i, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_object(v))
			return wrong_type(r, where, f->label, v, "a list of objects");
		struct field mf[] = {{"type", "Type", NULL},
				     {"source", "Source", NULL},
				     {"target", "Target", NULL},
				     {"readonly", "ReadOnly", NULL}};
		const char *type, *source, *target;
		bool ro;
		_cleanup_free_ char *at = xasprintf("%s%sMounts[%zu]", where, *where ? "." : "", i);
		if (!read_fields(r, v, at, mf, ARRAY_SIZE(mf)) ||
		    !get_string(r, at, &mf[0], &type) || !get_string(r, at, &mf[1], &source) ||
		    !get_string(r, at, &mf[2], &target) || !get_bool(r, at, &mf[3], &ro))
			return false;
		struct mount m = {.kind = streq(type, "bind") ? MOUNT_BIND : MOUNT_OTHER,
				  .target = (char *)(target ? target : ""),
				  .source = (char *)source,
				  .writable = !ro};
		workload_add_mount(w, &m);
	}
	return true;
}

static bool read_pid_mode(struct reader *r, const char *where, const struct field *f,
			  struct workload *w)
{
	const char *mode;
	if (!get_string(r, where, f, &mode))
		return false;
	w->pid_host = streq(mode, "host");
	return true;
}

enum { HC_RO, HC_PRIV, HC_CAPADD, HC_SECOPT, HC_BINDS, HC_MOUNTS, HC_PIDMODE, HC_N };

static void hc_fields(struct field *f)
{
	f[HC_RO] = (struct field){"readonlyrootfs", "ReadonlyRootfs", NULL};
	f[HC_PRIV] = (struct field){"privileged", "Privileged", NULL};
	f[HC_CAPADD] = (struct field){"capadd", "CapAdd", NULL};
	f[HC_SECOPT] = (struct field){"securityopt", "SecurityOpt", NULL};
	f[HC_BINDS] = (struct field){"binds", "Binds", NULL};
	f[HC_MOUNTS] = (struct field){"mounts", "Mounts", NULL};
	f[HC_PIDMODE] = (struct field){"pidmode", "PidMode", NULL};
}

static bool read_host_config(struct reader *r, const char *where, const struct field *f,
			     struct workload *w)
{
	return get_bool(r, where, &f[HC_RO], &w->readonly_rootfs) &&
	       get_bool(r, where, &f[HC_PRIV], &w->privileged) &&
	       get_strings(r, where, &f[HC_CAPADD], true, cap_grants_sys_admin,
			   &w->cap_sys_admin) &&
	       get_strings(r, where, &f[HC_CAPADD], true, cap_grants_sys_ptrace,
			   &w->cap_sys_ptrace) &&
	       get_strings(r, where, &f[HC_SECOPT], false, opt_apparmor, &w->apparmor_unconfined) &&
	       get_strings(r, where, &f[HC_SECOPT], false, opt_seccomp, &w->seccomp_unconfined) &&
	       read_binds(r, where, &f[HC_BINDS], w) && read_mounts(r, where, &f[HC_MOUNTS], w) &&
	       read_pid_mode(r, where, &f[HC_PIDMODE], w);
}

/*
 * Exec create: ExecConfig. Only Privileged is read; the container is not
 * seen from here, so it is taken to be read-only (the case that matters).
 */
static bool read_exec(struct reader *r, json_t *body, struct workload *w)
{
	struct field f[] = {{"privileged", "Privileged", NULL}};
	bool privileged;
	if (!read_fields(r, body, "the body", f, ARRAY_SIZE(f)) ||
	    !get_bool(r, "", &f[0], &privileged))
		return false;
	/* Nor its seccomp profile: it may be one that lets the exec remount. */
	w->readonly_rootfs = true;
	w->seccomp_custom = true;
	if (privileged)
		w->privileged_exec = xstrdup("requested");
	return true;
}

/*
 * Container create: container.Config and (deprecated) HostConfig fields at
 * the top level, the real HostConfig under "HostConfig". The daemon reads
 * the top-level HostConfig fields only when "HostConfig" is absent or null;
 * both at once is refused as ambiguous.
 */
static bool read_container_create(struct reader *r, json_t *body, struct workload *w)
{
	enum { F_IMAGE = HC_N, F_HOSTCONFIG, F_LABELS, F_N };
	struct field top[F_N];
	hc_fields(top);
	top[F_IMAGE] = (struct field){"image", "Image", NULL};
	top[F_HOSTCONFIG] = (struct field){"hostconfig", "HostConfig", NULL};
	top[F_LABELS] = (struct field){"labels", "Labels", NULL};
	if (!read_fields(r, body, "the body", top, F_N))
		return false;
	const char *image;
	json_t *hc, *labels;
	if (!get_string(r, "", &top[F_IMAGE], &image) ||
	    !get_object(r, "", &top[F_HOSTCONFIG], &hc) ||
	    !get_object(r, "", &top[F_LABELS], &labels))
		return false;
	if (image)
		w->image = xstrdup(image);
	if (hc) {
		for (size_t i = 0; i < HC_N; i++)
			if (top[i].val)
				return reader_fail(r, WHY_AMBIGUOUS,
						   "%s is given both at the top level and in "
						   "HostConfig",
						   top[i].label);
		struct field f[HC_N];
		hc_fields(f);
		if (!read_fields(r, hc, "HostConfig", f, HC_N) ||
		    !read_host_config(r, "HostConfig", f, w))
			return false;
	} else if (!read_host_config(r, "", top, w)) {
		return false;
	}
	return read_labels(r, "Labels", labels, w);
}

/* Start below API 1.24: the body is a whole HostConfig that replaces the container's. */
static bool read_start_host_config(struct reader *r, json_t *body, struct workload *w)
{
	struct field f[HC_N];
	hc_fields(f);
	return read_fields(r, body, "the body", f, HC_N) && read_host_config(r, "", f, w);
}

/*
 * Service create/update: swarm.ServiceSpec. The label exemption reads
 * TaskTemplate.ContainerSpec.Labels, the labels the task containers carry
 * (what `rootlock audit` sees later), not the service's own Labels.
 */
static bool read_service(struct reader *r, json_t *body, struct workload *w)
{
	struct field top[] = {{"name", "Name", NULL}, {"tasktemplate", "TaskTemplate", NULL}};
	struct field tt[] = {{"containerspec", "ContainerSpec", NULL}};
	struct field cs[] = {{"image", "Image", NULL},
			     {"labels", "Labels", NULL},
			     {"readonly", "ReadOnly", NULL},
			     {"capabilityadd", "CapabilityAdd", NULL},
			     {"mounts", "Mounts", NULL}};
	const char *name, *image;
	json_t *task, *spec, *labels;
	if (!read_fields(r, body, "the body", top, ARRAY_SIZE(top)) ||
	    !get_string(r, "", &top[0], &name) || !get_object(r, "", &top[1], &task))
		return false;
	if (name)
		w->name = xstrdup(name);
	if (!task)
		return true;
	if (!read_fields(r, task, "TaskTemplate", tt, ARRAY_SIZE(tt)) ||
	    !get_object(r, "TaskTemplate", &tt[0], &spec))
		return false;
	if (!spec)
		return true;
	const char *where = "TaskTemplate.ContainerSpec";
	if (!read_fields(r, spec, where, cs, ARRAY_SIZE(cs)) ||
	    !get_string(r, where, &cs[0], &image) || !get_object(r, where, &cs[1], &labels) ||
	    !get_bool(r, where, &cs[2], &w->readonly_rootfs) ||
	    !get_strings(r, where, &cs[3], false, cap_grants_sys_admin, &w->cap_sys_admin) ||
	    !get_strings(r, where, &cs[3], false, cap_grants_sys_ptrace, &w->cap_sys_ptrace) ||
	    !read_mounts(r, where, &cs[4], w))
		return false;
	if (image)
		w->image = xstrdup(image);
	return read_labels(r, "TaskTemplate.ContainerSpec.Labels", labels, w);
}

/* ---- the body, pruned: a fast path in front of jansson ---- */

/*
 * Only these fields (folded) are kept of a body before jansson parses it
 * (json_prune()); hostconfig, labels, tasktemplate and containerspec are
 * gone into at any depth, any other object is kept only for its type. A
 * body too odd to prune is parsed whole: the decision is the same.
 */
static const struct json_prune_spec body_fields;
static const struct json_prune_field body_field_list[] = {
	{"hostconfig", JSON_PRUNE_INTO, &body_fields},
	{"labels", JSON_PRUNE_INTO, &body_fields},
	{"tasktemplate", JSON_PRUNE_INTO, &body_fields},
	{"containerspec", JSON_PRUNE_INTO, &body_fields},
	{"image", JSON_PRUNE_KEEP, NULL},
	{"readonlyrootfs", JSON_PRUNE_KEEP, NULL},
	{"privileged", JSON_PRUNE_KEEP, NULL},
	{"capadd", JSON_PRUNE_KEEP, NULL},
	{"securityopt", JSON_PRUNE_KEEP, NULL},
	{"name", JSON_PRUNE_KEEP, NULL},
	{"readonly", JSON_PRUNE_KEEP, NULL},
	{"capabilityadd", JSON_PRUNE_KEEP, NULL},
	{LABEL_EXEMPT, JSON_PRUNE_KEEP, NULL},
	{"binds", JSON_PRUNE_KEEP, NULL},
	{"mounts", JSON_PRUNE_KEEP, NULL},
	{"pidmode", JSON_PRUNE_KEEP, NULL},
};
static const struct json_prune_spec body_fields = {body_field_list, ARRAY_SIZE(body_field_list)};

/* ---- the plugin request ---- */

/*
 * The AuthZReq is small except for RequestBody, a long base64 string that
 * jansson would copy byte by byte; a strict scanner that keeps only the
 * four strings we use is several times faster. Anything that is not one
 * JSON object (duplicate keys on those four included) is refused.
 */
enum outer_type { OUTER_ABSENT, OUTER_NULL, OUTER_STRING, OUTER_OTHER };

struct outer_field {
	enum outer_type type;
	struct strbuf val;
	bool has_nul;
};

struct scan {
	const char *p, *end;
};

static void scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static void add_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (char)(0xc0 | cp >> 6));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (char)(0xe0 | cp >> 12));
		strbuf_addch(sb, (char)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (char)(0xf0 | cp >> 18));
		strbuf_addch(sb, (char)(0x80 | (cp >> 12 & 0x3f)));
		strbuf_addch(sb, (char)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	}
}

static bool scan_hex4(struct scan *s, unsigned *ret)
{
	if (s->end - s->p < 4)
		return false;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(s->p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	s->p += 4;
	*ret = v;
	return true;
}

/* A string at s->p (the opening quote); decoded into out unless NULL. */
static bool scan_string(struct scan *s, struct strbuf *out, bool *has_nul)
{
	if (s->p >= s->end || *s->p != '"')
		return false;
	s->p++;
	for (;;) {
		const char *run = s->p;
		while (s->p < s->end && *s->p != '"' && *s->p != '\\' &&
		       (unsigned char)*s->p >= 0x20)
			s->p++;
		if (out)
			strbuf_add(out, run, (size_t)(s->p - run));
		if (s->p >= s->end || (unsigned char)*s->p < 0x20)
			return false;
		if (*s->p == '"') {
			s->p++;
			return true;
		}
		s->p++; /* backslash */
		if (s->p >= s->end)
			return false;
		char c = *s->p++;
		unsigned cp;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			cp = (unsigned char)c;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (!scan_hex4(s, &cp))
				return false;
			if (cp >= 0xd800 && cp < 0xdc00) {
				unsigned lo;
				if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
					return false;
				s->p += 2;
				if (!scan_hex4(s, &lo) || lo < 0xdc00 || lo >= 0xe000)
					return false;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return false;
			}
			break;
		default:
			return false;
		}
		if (cp == 0 && has_nul)
			*has_nul = true;
		if (out)
			add_utf8(out, cp);
	}
}

static bool scan_digits(struct scan *s)
{
	const char *start = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start;
}

static bool scan_value(struct scan *s, int depth)
{
	if (depth > 512 || s->p >= s->end)
		return false;
	char c = *s->p;
	if (c == '"')
		return scan_string(s, NULL, NULL);
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		s->p++;
		scan_ws(s);
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return true;
		}
		for (;;) {
			if (c == '{') {
				if (!scan_string(s, NULL, NULL))
					return false;
				scan_ws(s);
				if (s->p >= s->end || *s->p++ != ':')
					return false;
				scan_ws(s);
			}
			if (!scan_value(s, depth + 1))
				return false;
			scan_ws(s);
			if (s->p >= s->end)
				return false;
			if (*s->p == close) {
				s->p++;
				return true;
			}
			if (*s->p++ != ',')
				return false;
			scan_ws(s);
		}
	}
	static const char *const words[] = {"true", "false", "null"};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(s->end - s->p) >= n && memcmp(s->p, words[i], n) == 0) {
			s->p += n;
			return true;
		}
	}
	if (c == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!scan_digits(s))
		return false;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!scan_digits(s))
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!scan_digits(s))
			return false;
	}
	return true;
}

enum { OUT_METHOD, OUT_URI, OUT_USER, OUT_BODY, OUT_N };

static bool scan_request(const char *text, size_t len, struct outer_field *f)
{
	static const char *const names[OUT_N] = {"RequestMethod", "RequestUri", "User",
						 "RequestBody"};
	struct scan s = {text, text + len};
	_cleanup_strbuf_ struct strbuf key = STRBUF_INIT;
	scan_ws(&s);
	if (s.p >= s.end || *s.p++ != '{')
		return false;
	scan_ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
		goto end;
	}
	for (;;) {
		strbuf_reset(&key);
		bool nul = false;
		if (!scan_string(&s, &key, &nul))
			return false;
		scan_ws(&s);
		if (s.p >= s.end || *s.p++ != ':')
			return false;
		scan_ws(&s);
		struct outer_field *o = NULL;
		for (size_t i = 0; i < OUT_N && !nul; i++)
			if (key.len == strlen(names[i]) && memcmp(key.buf, names[i], key.len) == 0)
				o = &f[i];
		if (o && o->type != OUTER_ABSENT)
			return false; /* a duplicate: which one would the daemon mean? */
		if (o && s.p < s.end && *s.p == '"') {
			o->type = OUTER_STRING;
			if (!scan_string(&s, &o->val, &o->has_nul))
				return false;
		} else {
			const char *start = s.p;
			if (!scan_value(&s, 1))
				return false;
			if (o)
				o->type = (s.p - start == 4 && memcmp(start, "null", 4) == 0)
						  ? OUTER_NULL
						  : OUTER_OTHER;
		}
		scan_ws(&s);
		if (s.p >= s.end)
			return false;
		if (*s.p == '}') {
			s.p++;
			break;
		}
		if (*s.p++ != ',')
			return false;
		scan_ws(&s);
	}
end:
	scan_ws(&s);
	return s.p == s.end;
}

static char *outer_string(struct outer_field *f)
{
	if (f->type != OUTER_STRING || f->has_nul)
		return NULL;
	return strbuf_detach(&f->val);
}

/* ---- the decision ---- */

void authz_decision_release(struct authz_decision *d)
{
	if (!d)
		return;
	free(d->msg);
	free(d->reason);
	free(d->method);
	free(d->uri);
	free(d->user);
	free(d->name);
	free(d->image);
	memset(d, 0, sizeof(*d));
}

static void set_deny(struct authz_decision *d, const char *reason, char *msg)
{
	d->would_deny = true;
	free(d->reason);
	free(d->msg);
	d->reason = xstrdup(reason);
	d->msg = msg;
}

static void set_allow(struct authz_decision *d, char *reason)
{
	d->would_deny = false;
	free(d->reason);
	d->reason = reason;
}

static const char *kind_words(enum authz_kind k, bool start)
{
	if (start)
		return "container start with a HostConfig body (API below 1.24)";
	switch (k) {
	case AUTHZ_CONTAINER_CREATE:
		return "container create";
	case AUTHZ_SERVICE_CREATE:
		return "service create";
	case AUTHZ_SERVICE_UPDATE:
		return "service update";
	case AUTHZ_CONTAINER_EXEC:
		return "exec create";
	default:
		return "request";
	}
}

/* "container NAME (IMAGE)", safe for Msg. */
static void add_subject(struct strbuf *sb, const struct authz_decision *d)
{
	if (d->kind == AUTHZ_CONTAINER_EXEC)
		strbuf_addstr(sb, "a privileged exec into container ");
	else
		strbuf_addstr(sb, d->kind == AUTHZ_CONTAINER_CREATE ? "container " : "service ");
	add_safe(sb, d->name ? d->name : "(unnamed)", 128);
	if (d->image) {
		strbuf_addstr(sb, " (");
		add_safe(sb, d->image, 200);
		strbuf_addch(sb, ')');
	}
}

static void judge_workload(const struct authz_policy *p, const char *user, struct workload *w,
			   bool label_seen, struct authz_decision *d)
{
	/* rule_judge knows name/image/id globs; the user matcher is ours, so filter first. */
	struct exemptions ex = {.source = p->source ? p->source : (char *)"the authz policy"};
	struct exemption stack[16];
	ex.v = p->n_exempt <= ARRAY_SIZE(stack) ? stack : xcalloc(p->n_exempt, sizeof(*ex.v));
	for (size_t i = 0; i < p->n_exempt; i++) {
		const struct authz_exemption *e = &p->exempt[i];
		if (e->user && !streq(e->user, user))
			continue;
		ex.v[ex.n++] = (struct exemption){
			.name = e->name, .image = e->image, .id = NULL, .reason = e->reason};
	}
	struct judgement j;
	rule_judge(w, &ex, &j);
	if (ex.v != stack)
		free(ex.v);

	struct strbuf sb = STRBUF_INIT;
	switch (j.verdict) {
	case VERDICT_PASS:
		set_allow(d, xstrdup("read-only"));
		break;
	case VERDICT_EXEMPT:
		strbuf_addstr(&sb, "exempt: ");
		add_safe(&sb, j.exempt_reason, 200);
		strbuf_addstr(&sb, " (");
		add_safe(&sb, j.exempt_source, 200);
		strbuf_addch(&sb, ')');
		set_allow(d, strbuf_detach(&sb));
		break;
	case VERDICT_WARN:
		if (!p->deny_defeatable) {
			set_allow(d, xstrdup("read-only, defeatable (allowed by policy)"));
			break;
		}
		strbuf_addstr(&sb, "rootlock: ");
		add_subject(&sb, d);
		if (d->kind == AUTHZ_CONTAINER_EXEC) {
			strbuf_addstr(
				&sb,
				" is refused: it would hold every capability, unconfined by "
				"AppArmor, and where the container's seccomp profile allows mount "
				"it can remount a read-only / read-write (this plugin does not see "
				"the container, so it refuses every privileged exec): exec without "
				"--privileged");
			set_deny(d, "defeatable", strbuf_detach(&sb));
			break;
		}
		if (rule_has_defeaters(w)) {
			/* The rule's reasons and fixes, one after the other, on one line. */
			strbuf_addstr(&sb, " would have a read-only root filesystem that a process "
					   "inside can rewrite: ");
			for (size_t i = 0; i < j.reasons.n; i++) {
				const char *why = j.reasons.v[i];
				if (!str_startswith(why, "read-only, but "))
					continue;
				strbuf_addstr(&sb, i ? "; " : "");
				add_safe(&sb, why + strlen("read-only, but "), 400);
			}
			strbuf_addstr(&sb, ". ");
			add_safe(&sb, j.remediation, 800);
			set_deny(d, "defeatable", strbuf_detach(&sb));
			break;
		}
		strbuf_addf(&sb,
			    " would have a read-only root filesystem that a process inside can "
			    "remount read-write (%s%s%s): %s",
			    w->privileged ? "privileged" : "",
			    w->privileged && w->cap_sys_admin ? ", " : "",
			    w->cap_sys_admin ? "CAP_SYS_ADMIN added" : "",
			    d->kind == AUTHZ_CONTAINER_CREATE
				    ? "drop --privileged and --cap-add SYS_ADMIN/ALL"
				    : "drop --cap-add SYS_ADMIN/ALL");
		set_deny(d, "defeatable", strbuf_detach(&sb));
		break;
	default:
		strbuf_addstr(&sb, "rootlock: ");
		add_subject(&sb, d);
		if (d->kind == AUTHZ_CONTAINER_CREATE)
			strbuf_addstr(&sb,
				      " would have a writable root filesystem: add --read-only "
				      "(and --tmpfs for the paths it writes; `rootlock plan` "
				      "finds them)");
		else
			strbuf_addstr(&sb,
				      " would have a writable root filesystem: add --read-only to "
				      "`docker service create/update` (and --mount type=tmpfs for "
				      "the paths it writes; `rootlock plan` finds them)");
		if (label_seen && !w->has_exempt_label)
			strbuf_addstr(&sb, "; the rootlock.exempt label is not honoured by this "
					   "plugin's policy");
		else if (w->has_exempt_label && str_empty(w->exempt_reason))
			strbuf_addstr(&sb, "; a rootlock.exempt label without a reason does not "
					   "count");
		set_deny(d, "writable", strbuf_detach(&sb));
		break;
	}
	judgement_release(&j);
}

/* Decode the body, read it, judge it. Leaves d->reason/msg/would_deny set. */
static void judge_request(const struct authz_policy *p, struct outer_field *b64,
			  const struct query *q, bool start, struct authz_decision *d)
{
	struct reader r = {.what = kind_words(d->kind, start)};
	struct workload w;
	workload_init(&w);
	_cleanup_free_ char *body = NULL;
	size_t body_len = 0;
	json_t *doc = NULL;
	bool label_seen = false;
	struct strbuf pruned = STRBUF_INIT;

	if (b64->type == OUTER_ABSENT || b64->type == OUTER_NULL ||
	    (b64->type == OUTER_STRING && b64->val.len == 0)) {
		reader_fail(&r, WHY_NO_BODY, "the daemon sent it without its body");
		goto out;
	}
	if (b64->type != OUTER_STRING) {
		reader_fail(&r, WHY_ENCODING, "RequestBody is not base64 text");
		goto out;
	}
	size_t enc = b64->val.len;
	if (enc / 4 * 3 > (size_t)AUTHZ_MAX_BODY + 2) {
		reader_fail(&r, WHY_TOO_BIG, "its body is larger than %d bytes", AUTHZ_MAX_BODY);
		goto out;
	}
	if (b64_decode(strbuf_str(&b64->val), enc, &body, &body_len) < 0) {
		reader_fail(&r, WHY_ENCODING, "its body is not valid base64");
		goto out;
	}
	if (body_len > (size_t)AUTHZ_MAX_BODY) {
		reader_fail(&r, WHY_TOO_BIG, "its body is larger than %d bytes", AUTHZ_MAX_BODY);
		goto out;
	}
	/* The daemon ignores a start body of 7 bytes or less ("{}", "null"). */
	if (start && body_len <= 7) {
		d->kind = AUTHZ_OTHER;
		set_allow(d, xstrdup("not judged"));
		goto out;
	}

	if (json_prune(body, body_len, &body_fields, &pruned)) {
		free(body);
		body_len = pruned.len;
		body = strbuf_detach(&pruned);
	}
	strbuf_release(&pruned);
	json_error_t jerr;
	doc = json_loadb(body, body_len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
	if (!doc) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			reader_fail(&r, WHY_AMBIGUOUS,
				    "its body repeats a key (%s): the daemon reads the last one",
				    jerr.text);
		else
			reader_fail(&r, WHY_INVALID, "its body is not valid JSON (%d:%d: %s)",
				    jerr.line, jerr.column, jerr.text);
		goto out;
	}
	size_t used = (size_t)jerr.position;
	while (used < body_len && strchr(" \t\r\n", body[used]) && body[used])
		used++;
	if (used < body_len) {
		reader_fail(&r, WHY_TRAILING, "its body has data after the JSON value");
		goto out;
	}
	if (!json_is_object(doc)) {
		reader_fail(&r, WHY_NOT_OBJECT, "its body is %s, not a JSON object",
			    json_type_name(doc));
		goto out;
	}

	bool ok;
	if (d->kind == AUTHZ_CONTAINER_EXEC) {
		ok = read_exec(&r, doc, &w);
		if (ok && !w.privileged_exec) {
			set_allow(d, xstrdup("not privileged"));
			goto out;
		}
	} else if (start) {
		ok = read_start_host_config(&r, doc, &w);
	} else if (d->kind == AUTHZ_CONTAINER_CREATE) {
		ok = read_container_create(&r, doc, &w);
	} else {
		w.origin.kind = "swarm";
		ok = read_service(&r, doc, &w);
	}
	if (!ok)
		goto out;

	if (d->kind == AUTHZ_CONTAINER_CREATE && !w.name && q->name)
		w.name = xstrdup(q->name);
	if (d->kind == AUTHZ_CONTAINER_EXEC && d->name)
		w.name = xstrdup(d->name);
	free(d->name);
	d->name = w.name ? xstrdup(w.name) : NULL;
	d->image = w.image ? xstrdup(w.image) : NULL;
	label_seen = w.has_exempt_label;
	/* Where this daemon listens and keeps its layers, when the policy says. */
	w.engine_socket = p->engine_socket ? xstrdup(p->engine_socket) : NULL;
	w.engine_data_root = p->engine_data_root ? xstrdup(p->engine_data_root) : NULL;
	if (!p->allow_label_exemption) {
		w.has_exempt_label = false;
		free(w.exempt_reason);
		w.exempt_reason = NULL;
	}
	judge_workload(p, d->user, &w, label_seen, d);

out:
	if (r.why != WHY_NONE) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "rootlock: this %s is refused (fail closed): ", r.what);
		strbuf_addstr(&sb, strbuf_str(&r.detail));
		set_deny(d, why_reason(r.why), strbuf_detach(&sb));
	}
	json_decref(doc);
	workload_release(&w);
	strbuf_release(&r.detail);
	strbuf_release(&r.fold);
}

/* /containers/{name:.*}/start: the name, or NULL. */
static char *start_target(const char *path)
{
	const char *pre = "/containers/", *suf = "/start";
	size_t n = strlen(path), lp = strlen(pre), ls = strlen(suf);
	if (n < lp + ls || strncmp(path, pre, lp) != 0 || strcmp(path + n - ls, suf) != 0)
		return NULL;
	return xstrndup(path + lp, n - lp - ls);
}

/* /containers/{name}/exec: the name, or NULL. */
static char *exec_target(const char *path)
{
	const char *pre = "/containers/", *suf = "/exec";
	size_t n = strlen(path), lp = strlen(pre), ls = strlen(suf);
	if (n <= lp + ls || strncmp(path, pre, lp) != 0 || strcmp(path + n - ls, suf) != 0 ||
	    memchr(path + lp, '/', n - lp - ls))
		return NULL;
	return xstrndup(path + lp, n - lp - ls);
}

static bool service_update_path(const char *path)
{
	const char *pre = "/services/", *suf = "/update";
	size_t n = strlen(path), lp = strlen(pre), ls = strlen(suf);
	if (n <= lp + ls || strncmp(path, pre, lp) != 0 || strcmp(path + n - ls, suf) != 0)
		return false;
	return memchr(path + lp, '/', n - lp - ls) == NULL;
}

void authz_decide(const struct authz_policy *p, enum authz_mode mode, const char *request,
		  size_t len, struct authz_decision *ret)
{
	struct authz_decision d = {.kind = AUTHZ_OTHER};
	struct authz_policy none;
	if (!p) {
		authz_policy_default(&none);
		p = &none;
	}
	struct outer_field f[OUT_N] = {0};
	if (!request || !scan_request(request, len, f)) {
		set_deny(&d, "invalid plugin request",
			 xstrdup("rootlock: the authorization request is not a JSON object; "
				 "refusing (fail closed)"));
		goto done;
	}
	d.method = outer_string(&f[OUT_METHOD]);
	d.uri = outer_string(&f[OUT_URI]);
	d.user = outer_string(&f[OUT_USER]);
	if (!d.method || !d.uri) {
		set_deny(&d, "invalid plugin request",
			 xstrdup("rootlock: the authorization request has no RequestMethod or "
				 "RequestUri; refusing (fail closed)"));
		goto done;
	}

	/* The router matches the method exactly; over-match its case, never under. */
	if (strcasecmp(d.method, "POST") != 0) {
		set_allow(&d, xstrdup("not judged"));
		goto done;
	}
	char *path, *version;
	route_parse(d.uri, &path, &version);
	bool start = false;
	char *target = NULL;
	if (streq(path, "/containers/create")) {
		d.kind = AUTHZ_CONTAINER_CREATE;
	} else if (streq(path, "/services/create")) {
		d.kind = AUTHZ_SERVICE_CREATE;
	} else if (service_update_path(path)) {
		d.kind = AUTHZ_SERVICE_UPDATE;
	} else if (p->deny_defeatable && (target = exec_target(path))) {
		/* Only a defeater to judge: without deny_defeatable every exec is let through. */
		d.kind = AUTHZ_CONTAINER_EXEC;
	} else if (version && version_less(version, "1.24") && (target = start_target(path))) {
		/* The kind enum has no start: it is judged as the create it amounts to. */
		d.kind = AUTHZ_CONTAINER_CREATE;
		start = true;
	}
	free(path);
	free(version);
	if (d.kind == AUTHZ_OTHER) {
		free(target);
		set_allow(&d, xstrdup("not judged"));
		goto done;
	}

	struct query q;
	query_parse(d.uri, &q);
	if (start || d.kind == AUTHZ_CONTAINER_EXEC)
		d.name = target;
	else if (d.kind == AUTHZ_CONTAINER_CREATE && q.name)
		d.name = xstrdup(q.name);
	judge_request(p, &f[OUT_BODY], &q, start, &d);
	if (d.kind == AUTHZ_SERVICE_UPDATE && q.rollback && !d.would_deny)
		set_deny(&d, "rollback",
			 xstrdup("rootlock: a service rollback restores a spec this plugin "
				 "cannot see; refusing (fail closed): send the previous spec as "
				 "an update instead"));
	query_release(&q);

done:
	if (!d.reason)
		d.reason = xstrdup(d.would_deny ? "refused" : "allowed");
	if (d.would_deny && !d.msg)
		d.msg = xstrdup("rootlock: refused");
	d.allow = mode == AUTHZ_WARN || !d.would_deny;
	for (size_t i = 0; i < OUT_N; i++)
		strbuf_release(&f[i].val);
	*ret = d;
}

/* NULL, or text without bytes above 0x7f. */
static bool ascii_only(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

char *authz_decision_log_line(const struct authz_decision *d, long long unix_ms)
{
	long long sec = unix_ms / 1000, ms = unix_ms % 1000;
	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	char stamp[64] = "1970-01-01T00:00:00";
	if (gmtime_r(&t, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	char when[96];
	snprintf(when, sizeof(when), "%s.%03lldZ", stamp, ms);

	const char *decision = !d->allow ? "deny" : d->would_deny ? "warn" : "allow";
	/*
	 * ASCII text (the usual case) is written directly: json_add_string()
	 * escapes it byte for byte as json_dumps() does; anything else goes
	 * through jansson as before.
	 */
	if (ascii_only(d->user) && ascii_only(d->method) && ascii_only(d->uri) &&
	    ascii_only(d->name) && ascii_only(d->image) && ascii_only(d->reason)) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_grow(&sb, 256);
		strbuf_addstr(&sb, "{\"time\":");
		json_add_string(&sb, when);
		strbuf_addstr(&sb, ",\"user\":");
		json_add_string(&sb, d->user);
		strbuf_addstr(&sb, ",\"method\":");
		json_add_string(&sb, d->method);
		strbuf_addstr(&sb, ",\"uri\":");
		json_add_string(&sb, d->uri);
		strbuf_addstr(&sb, ",\"name\":");
		json_add_string(&sb, d->name);
		strbuf_addstr(&sb, ",\"image\":");
		json_add_string(&sb, d->image);
		strbuf_addstr(&sb, ",\"decision\":");
		json_add_string(&sb, decision);
		strbuf_addstr(&sb, ",\"reason\":");
		json_add_string(&sb, d->reason);
		strbuf_addch(&sb, '}');
		return strbuf_detach(&sb);
	}
	json_t *o = json_object();
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "user", json_string_safe(d->user));
	json_object_set_new(o, "method", json_string_safe(d->method));
	json_object_set_new(o, "uri", json_string_safe(d->uri));
	json_object_set_new(o, "name", json_string_safe(d->name));
	json_object_set_new(o, "image", json_string_safe(d->image));
	json_object_set_new(o, "decision", json_string(decision));
	json_object_set_new(o, "reason", json_string_safe(d->reason));
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line)
		die_oom();
	return line;
}
