/* SPDX-License-Identifier: MIT */
/*
 * Compose (and Swarm stack) files, read the way `docker compose` reads them
 * (the compose-spec as compose-go implements it): services merged across -f
 * files and YAML documents, extends, include, anchors and << merge keys,
 * ${VAR} interpolation with the project's .env, !reset and !override. Each
 * service becomes one workload whose origin is its read_only key, or its
 * name when it has none.
 *
 * Bad input: a file that cannot be read or parsed (given, extended or
 * included) fails the whole call, as it fails `docker compose`. A file that
 * parses but has the wrong shape (services not a mapping, a service that is
 * a string, an extends or include cycle, a missing base service) gives a
 * stand-alone fail finding where it stands, and everything else is still
 * linted.
 *
 * Bounded work: aliases let a small file point at one big node from many
 * places, and yamldoc never copies, so every map entry and list item read
 * here is counted; past WORK_MAX the call fails rather than run for hours.
 * Merge keys are followed with a visited set, so `<<: [*a, *a, ...]` costs
 * each map once.
 */
#define _GNU_SOURCE
#include "lint.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fileio.h"
#include "inspect.h"
#include "yamldoc.h"

#define COMPOSE_MAX_BYTES LINT_MAX_FILE_BYTES /* as the walk reads files */
#define ENV_FILE_MAX_BYTES (1u << 20)
#define EXTENDS_MAX_DEPTH 16
#define INCLUDE_MAX_DEPTH 16
#define MAX_FILES 512
#define MERGE_MAX_DEPTH 16
#define MERGE_MAX_MAPS 64
#define INTERP_MAX_DEPTH 16
#define WORK_MAX 20000000u

/* --- a string -> index table, so a file with many services stays linear --- */

struct strindex {
	const char **keys; /* borrowed: they must outlive the table */
	size_t *vals;
	size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t *strindex_find(const struct strindex *si, const char *key)
{
	if (!si->cap)
		return NULL;
	for (size_t i = str_hash(key) & (si->cap - 1);; i = (i + 1) & (si->cap - 1)) {
		if (!si->keys[i])
			return NULL;
		if (streq(si->keys[i], key))
			return &si->vals[i];
	}
}

static void strindex_insert(struct strindex *si, const char *key, size_t val)
{
	size_t i = str_hash(key) & (si->cap - 1);
	while (si->keys[i])
		i = (i + 1) & (si->cap - 1);
	si->keys[i] = key;
	si->vals[i] = val;
	si->n++;
}

/* Set key to val (key not present yet). */
static void strindex_put(struct strindex *si, const char *key, size_t val)
{
	if ((si->n + 1) * 2 > si->cap) {
		struct strindex bigger = {.cap = si->cap ? si->cap * 2 : 16};
		bigger.keys = xcalloc(bigger.cap, sizeof(*bigger.keys));
		bigger.vals = xcalloc(bigger.cap, sizeof(*bigger.vals));
		for (size_t i = 0; i < si->cap; i++)
			if (si->keys[i])
				strindex_insert(&bigger, si->keys[i], si->vals[i]);
		free(si->keys);
		free(si->vals);
		*si = bigger;
	}
	strindex_insert(si, key, val);
}

static void strindex_release(struct strindex *si)
{
	free(si->keys);
	free(si->vals);
	memset(si, 0, sizeof(*si));
}

/* --- state of one call --- */

struct cfile {
	char *path; /* as findings show it */
	char *key;  /* identity, for the cache and cycles; see file_key() */
	char *dir;  /* extends' relative paths start here */
	struct ystream own;
	const struct ystream *docs; /* &own, or the caller's */
};

/* One service on the way through extends, for cycle detection. */
struct link {
	const struct cfile *file;
	const char *service;
	int line, column; /* its extends key */
};

struct ctx {
	struct cfile **files;
	size_t n_files;
	struct lint_results res; /* moved to the caller's results on success */
	struct strv finding_keys;
	struct strindex findings; /* so a cycle seen from each member is reported once */
	size_t work;
	bool over;
	struct rl_error *err;
	struct link chain[EXTENDS_MAX_DEPTH + 1];
	size_t n_chain;
	/* Files being loaded, for include cycles; via[k] includes loading[k + 1]. */
	const struct cfile *loading[INCLUDE_MAX_DEPTH + 1];
	const struct ynode *via[INCLUDE_MAX_DEPTH + 1];
	size_t n_loading;
};

/* Count work; false once the budget is spent (and from then on). */
static bool spend(struct ctx *c, size_t units)
{
	c->work += units;
	if (c->work > WORK_MAX)
		c->over = true;
	return !c->over;
}

/* A stand-alone fail at a place in f; the same one twice is reported once. */
_printf_(6, 7) static void finding(struct ctx *c, const struct cfile *f, int line, int column,
				   const char *service, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *key = xasprintf("%s:%d:%d:%s", f->path, line, column, msg);
	if (strindex_find(&c->findings, key)) {
		free(key);
		return;
	}
	strv_push(&c->finding_keys, key);
	strindex_put(&c->findings, key, 0);
	lint_add_finding(&c->res, f->path, line, column, "compose", service, VERDICT_FAIL, "%s",
			 msg);
}

/* --- YAML access that follows merge keys without repeating work --- */

static bool is_merge_key(const struct ynode *k)
{
	return k && k->kind == YNODE_SCALAR && k->plain && streq(k->value, "<<");
}

static bool has_tag(const struct ynode *n, const char *tag)
{
	return n && streq(n->tag, tag);
}

/* null, ~, or nothing at all, as YAML has them */
static bool is_null(const struct ynode *n)
{
	if (!n)
		return true;
	if (n->kind != YNODE_SCALAR)
		return false;
	if (n->tag && strstr(n->tag, ":null"))
		return true;
	if (!n->plain || (n->tag && !streq(n->tag, "!reset") && !streq(n->tag, "!override")))
		return false;
	const char *v = n->value;
	return !*v || streq(v, "~") || streq(v, "null") || streq(v, "Null") || streq(v, "NULL");
}

struct seen {
	const struct ynode *v[MERGE_MAX_MAPS];
	size_t n;
};

static bool seen_add(struct seen *s, const struct ynode *n)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == n)
			return false;
	if (s->n == MERGE_MAX_MAPS)
		return false;
	s->v[s->n++] = n;
	return true;
}

/*
 * As ymap_get_pair: explicit keys first, then merged maps in order. A map
 * already searched is not searched again: it would not have the key the
 * second time either.
 */
static const struct ypair *find_in(struct ctx *c, const struct ynode *map, const char *key,
				   struct seen *s, int depth)
{
	if (!yis_map(map) || depth > MERGE_MAX_DEPTH || !seen_add(s, map) || !spend(c, map->n))
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct ypair *p = &map->pairs[i];
		if (!is_merge_key(p->key) && streq(yscalar(p->key), key))
			return p;
	}
	for (size_t i = 0; i < map->n; i++) {
		const struct ypair *p = &map->pairs[i];
		if (!is_merge_key(p->key))
			continue;
		const struct ypair *found = NULL;
		if (yis_seq(p->value)) {
			for (size_t k = 0; k < p->value->n && !found && spend(c, 1); k++)
				found = find_in(c, p->value->items[k], key, s, depth + 1);
		} else {
			found = find_in(c, p->value, key, s, depth + 1);
		}
		if (found)
			return found;
	}
	return NULL;
}

static const struct ypair *cpair(struct ctx *c, const struct ynode *map, const char *key)
{
	struct seen s = {.n = 0};
	return find_in(c, map, key, &s, 0);
}

static const struct ynode *cget(struct ctx *c, const struct ynode *map, const char *key)
{
	const struct ypair *p = cpair(c, map, key);
	return p ? p->value : NULL;
}

struct pairs {
	const struct ypair **v;
	size_t n, alloc;
};

static void pairs_collect(struct ctx *c, const struct ynode *map, struct seen *s,
			  struct strindex *keys, struct pairs *out, int depth)
{
	if (!yis_map(map) || depth > MERGE_MAX_DEPTH || !seen_add(s, map))
		return;
	for (size_t i = 0; i < map->n && spend(c, 1); i++) {
		const struct ypair *p = &map->pairs[i];
		const char *k = yscalar(p->key);
		if (is_merge_key(p->key) || !k || strindex_find(keys, k))
			continue;
		strindex_put(keys, k, 0);
		if (out->n == out->alloc) {
			out->alloc = out->alloc ? out->alloc * 2 : 16;
			out->v = xrealloc(out->v, out->alloc * sizeof(*out->v));
		}
		out->v[out->n++] = p;
	}
	for (size_t i = 0; i < map->n; i++) {
		const struct ypair *p = &map->pairs[i];
		if (!is_merge_key(p->key))
			continue;
		if (yis_seq(p->value))
			for (size_t k = 0; k < p->value->n && spend(c, 1); k++)
				pairs_collect(c, p->value->items[k], s, keys, out, depth + 1);
		else
			pairs_collect(c, p->value, s, keys, out, depth + 1);
	}
}

/*
 * Every entry of a mapping with scalar keys, merged keys included, each key
 * once (an explicit key hides a merged one). Free ret->v.
 */
static void map_entries(struct ctx *c, const struct ynode *map, struct pairs *ret)
{
	struct seen s = {.n = 0};
	struct strindex keys = {0};
	memset(ret, 0, sizeof(*ret));
	pairs_collect(c, map, &s, &keys, ret, 0);
	strindex_release(&keys);
}

/* --- paths --- */

/* "a/./b/../c" -> "a/c", lexically (the path may not exist). */
static char *path_clean(const char *path)
{
	bool abs = path[0] == '/';
	_cleanup_free_ char *copy = xstrdup(path);
	struct strv parts = STRV_INIT;
	char *save = NULL;
	for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (streq(p, "."))
			continue;
		if (streq(p, "..")) {
			if (parts.n && !streq(parts.v[parts.n - 1], "..")) {
				free(parts.v[--parts.n]);
				continue;
			}
			if (abs)
				continue;
		}
		strv_add(&parts, p);
	}
	struct strbuf sb = STRBUF_INIT;
	if (abs)
		strbuf_addch(&sb, '/');
	for (size_t i = 0; i < parts.n; i++)
		strbuf_addf(&sb, "%s%s", i ? "/" : "", parts.v[i]);
	strv_release(&parts);
	if (!sb.len)
		strbuf_addch(&sb, '.');
	return strbuf_detach(&sb);
}

static char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* rel relative to dir, as findings should show it. */
static char *path_join(const char *dir, const char *rel)
{
	if (rel[0] == '/' || streq(dir, "."))
		return path_clean(rel);
	_cleanup_free_ char *joined = xasprintf("%s/%s", dir, rel);
	return path_clean(joined);
}

static char *path_key(const char *path)
{
	if (streq(path, "-"))
		return xstrdup("-");
	char *real = realpath(path, NULL);
	return real ? real : path_clean(path);
}

/* --- files --- */

static void cfile_free(struct cfile *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->key);
	free(f->dir);
	ystream_release(&f->own);
	free(f);
}

/*
 * A file's identity, resolved when first compared: realpath() costs a
 * readlink() per path component, and most projects are one file that is
 * never compared with another.
 */
static const char *file_key(const struct cfile *f)
{
	struct cfile *own = (struct cfile *)f; /* every cfile is the ctx's, on the heap */
	if (!own->key)
		own->key = path_key(own->path);
	return own->key;
}

static struct cfile *file_cached(struct ctx *c, const char *key)
{
	for (size_t i = 0; i < c->n_files; i++)
		if (streq(file_key(c->files[i]), key))
			return c->files[i];
	return NULL;
}

/*
 * A file that extends or include names must be a regular file: a FIFO or
 * /dev/stdin would block, /dev/zero would be read up to the size limit.
 * (The caller's own files may be pipes: `-f <(...)` is common.)
 */
static int check_regular(struct ctx *c, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return rl_error_set(c->err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return rl_error_set(c->err, RL_EIO, "cannot read '%s': not a regular file", path);
	return 0;
}

/*
 * The file at path, read and parsed once per call. parsed, when given, is
 * the caller's tree for it; top is true for the caller's files.
 */
static int file_open(struct ctx *c, const char *path, const struct ystream *parsed, bool top,
		     struct cfile **ret)
{
	/* The caller's parsed file is not looked up: its key can wait. */
	_cleanup_free_ char *key = parsed ? NULL : path_key(path);
	struct cfile *f = parsed ? NULL : file_cached(c, key);
	if (f) {
		*ret = f;
		return 0;
	}
	if (!top) {
		int r = check_regular(c, path);
		if (r < 0)
			return r;
	}
	if (c->n_files >= MAX_FILES)
		return rl_error_set(c->err, RL_EPARSE,
				    "%s: more than %d Compose files in one project", path,
				    MAX_FILES);
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->key = steal_pointer(&key);
	f->dir = path_dirname(path);
	if (parsed) {
		f->docs = parsed;
	} else {
		struct strbuf text = STRBUF_INIT;
		int r = read_file_limited(path, COMPOSE_MAX_BYTES, &text, c->err);
		if (r >= 0 && memchr(text.buf, '\0', text.len))
			r = rl_error_set(c->err, RL_EPARSE, "%s: binary data, not YAML", path);
		if (r >= 0)
			r = ystream_load_unread(text.buf, text.len, path, lint_unread_keys, &f->own,
						c->err);
		strbuf_release(&text);
		if (r < 0) {
			cfile_free(f);
			return r;
		}
		f->docs = &f->own;
	}
	c->files = xrealloc(c->files, (c->n_files + 1) * sizeof(*c->files));
	c->files[c->n_files++] = f;
	*ret = f;
	return 0;
}

/* --- interpolation, as compose-go's template package does it --- */

struct interp {
	const struct compose_env *env;
	char *unset; /* the first variable that was not set (it became "") */
	char *error; /* why the value cannot be resolved */
};

static void interp_release(struct interp *ip)
{
	free(ip->unset);
	free(ip->error);
}

_printf_(2, 3) static bool interp_fail(struct interp *ip, const char *fmt, ...)
{
	if (!ip->error) {
		va_list ap;
		va_start(ap, fmt);
		ip->error = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool var_start(char ch)
{
	return ch == '_' || isalpha((unsigned char)ch);
}

static bool var_char(char ch)
{
	return ch == '_' || isalnum((unsigned char)ch);
}

static const char *lookup(struct interp *ip, const char *name, size_t len)
{
	_cleanup_free_ char *n = xstrndup(name, len);
	const char *v = ip->env ? compose_env_get(ip->env, n) : NULL;
	if (!v && !ip->unset)
		ip->unset = xstrdup(n);
	return v;
}

static bool expand_into(struct interp *ip, const char *s, size_t len, struct strbuf *out,
			int depth);

/* The inside of ${...}: NAME, then nothing or one of :- - :? ? :+ + and a word. */
static bool expand_braced(struct interp *ip, const char *s, size_t len, struct strbuf *out,
			  int depth)
{
	size_t n = 0;
	while (n < len && var_char(s[n]))
		n++;
	if (!n || !var_start(s[0]))
		return interp_fail(ip, "\"${%.*s}\" is not a valid variable reference", (int)len,
				   s);
	_cleanup_free_ char *name = xstrndup(s, n);
	const char *value = ip->env ? compose_env_get(ip->env, name) : NULL;
	if (n == len) {
		if (value)
			strbuf_addstr(out, value);
		else
			lookup(ip, s, n);
		return true;
	}
	const char *op = s + n;
	bool colon = *op == ':';
	if (colon)
		op++;
	if (op >= s + len)
		return interp_fail(ip, "\"${%.*s}\" is not a valid variable reference", (int)len,
				   s);
	const char *word = op + 1;
	size_t wlen = (size_t)(s + len - word);
	bool missing = !value || (colon && !*value);
	switch (*op) {
	case '-':
		if (missing)
			return expand_into(ip, word, wlen, out, depth + 1);
		strbuf_addstr(out, value);
		return true;
	case '?':
		if (missing) {
			struct strbuf msg = STRBUF_INIT;
			if (wlen)
				expand_into(ip, word, wlen, &msg, depth + 1);
			interp_fail(ip, "%s is %s%s%s", name, value ? "empty" : "not set",
				    msg.len ? ": " : "", msg.len ? msg.buf : "");
			strbuf_release(&msg);
			return false;
		}
		strbuf_addstr(out, value);
		return true;
	case '+':
		if (!missing)
			return expand_into(ip, word, wlen, out, depth + 1);
		return true;
	default:
		return interp_fail(ip, "\"${%.*s}\" is not a valid variable reference", (int)len,
				   s);
	}
}

/* Expand $VAR, ${...} and $$ in s[0..len) into out; false when it cannot be. */
static bool expand_into(struct interp *ip, const char *s, size_t len, struct strbuf *out, int depth)
{
	if (depth > INTERP_MAX_DEPTH)
		return interp_fail(ip, "variables nested deeper than %d", INTERP_MAX_DEPTH);
	size_t i = 0;
	while (i < len) {
		if (s[i] != '$') {
			strbuf_addch(out, s[i++]);
			continue;
		}
		char next = i + 1 < len ? s[i + 1] : '\0';
		if (next == '$') {
			strbuf_addch(out, '$');
			i += 2;
		} else if (var_start(next)) {
			size_t j = i + 1;
			while (j < len && var_char(s[j]))
				j++;
			const char *v = lookup(ip, s + i + 1, j - i - 1);
			if (v)
				strbuf_addstr(out, v);
			i = j;
		} else if (next == '{') {
			/* The closing brace, skipping nested ${...} in a default. */
			size_t j = i + 2;
			int nest = 0;
			for (; j < len; j++) {
				if (s[j] == '$' && j + 1 < len && s[j + 1] == '{') {
					nest++;
					j++;
				} else if (s[j] == '}' && nest-- == 0) {
					break;
				}
			}
			if (j >= len)
				return interp_fail(ip, "\"${\" is not closed");
			if (!expand_braced(ip, s + i + 2, j - i - 2, out, depth))
				return false;
			i = j + 1;
		} else {
			return interp_fail(ip, "a \"$\" that starts no variable (write $$ for a "
					       "literal $)");
		}
	}
	return true;
}

/* s interpolated, or NULL (ip->error says why). */
static char *interp_str(struct interp *ip, const char *s)
{
	struct strbuf out = STRBUF_INIT;
	if (!expand_into(ip, s, strlen(s), &out, 0)) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out); /* "" when nothing was added */
}

/*
 * A string field where a failure matters less than the verdict: as Compose
 * has it when it can resolve it, else as written.
 */
static char *expand(const struct compose_env *env, const char *s)
{
	struct interp ip = {.env = env};
	char *r = strchr(s, '$') ? interp_str(&ip, s) : xstrdup(s);
	interp_release(&ip);
	return r ? r : xstrdup(s);
}

static char *expand_node(const struct compose_env *env, const struct ynode *n)
{
	const char *s = yscalar(n);
	return s && !is_null(n) ? expand(env, s) : NULL;
}

/* compose-go's cast for boolean fields: the YAML 1.1 words, any case. */
static int compose_bool(const char *s)
{
	static const char *const yes[] = {"y", "yes", "true", "on"};
	static const char *const no[] = {"n", "no", "false", "off"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

enum bres {
	B_UNSET,
	B_FALSE,
	B_TRUE,
	B_BAD, /* *why says why */
};

/*
 * A boolean field: a YAML boolean, or a string that interpolates to one.
 * fallback is the default to suggest when a variable is not set.
 */
static enum bres read_bool(const struct ynode *v, const struct compose_env *env, const char *key,
			   const char *fallback, char **why)
{
	if (is_null(v))
		return B_UNSET;
	const char *text = yscalar(v);
	if (!text) {
		*why = xasprintf("%s is a %s, not true or false", key,
				 yis_map(v) ? "mapping" : "list");
		return B_BAD;
	}
	int b = ybool(v);
	if (b >= 0)
		return b ? B_TRUE : B_FALSE;
	struct interp ip = {.env = env};
	_cleanup_free_ char *res = interp_str(&ip, text);
	if (res && (b = compose_bool(res)) >= 0) {
		interp_release(&ip);
		return b ? B_TRUE : B_FALSE;
	}
	if (!res)
		*why = xasprintf("%s is \"%s\", which cannot be resolved: %s", key, text, ip.error);
	else if (ip.unset)
		*why = xasprintf("%s is \"%s\", which cannot be resolved: %s is not set (set it, "
				 "or give a default: ${%s:-%s})",
				 key, text, ip.unset, ip.unset, fallback);
	else if (!streq(res, text))
		*why = xasprintf("%s is \"%s\", which resolves to \"%s\": not true or false", key,
				 text, res);
	else
		*why = xasprintf("%s is \"%s\": not true or false", key, text);
	interp_release(&ip);
	return B_BAD;
}

/* --- .env files --- */

/* One KEY=VALUE line of a dotenv file, as compose's dotenv reads it. */
static void dotenv_line(char *line, struct compose_env *env)
{
	line += strspn(line, " \t");
	if (!*line || *line == '#')
		return;
	if (str_startswith(line, "export ") || str_startswith(line, "export\t"))
		line += 7 + strspn(line + 7, " \t");
	size_t klen = strcspn(line, "= \t");
	if (!klen)
		return;
	char *key = line;
	char *p = line + klen + strspn(line + klen, " \t");
	/*
	 * A bare NAME takes its value from the process environment, which
	 * compose_env_get() consults anyway.
	 */
	if (*p != '=')
		return;
	key[klen] = '\0';
	p++;
	p += strspn(p, " \t");
	struct strbuf val = STRBUF_INIT;
	bool interpolate = true;
	if (*p == '\'') {
		char *end = strchr(p + 1, '\'');
		strbuf_add(&val, p + 1, end ? (size_t)(end - p - 1) : strlen(p + 1));
		interpolate = false;
	} else if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				strbuf_addch(&val, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
			} else {
				strbuf_addch(&val, *p);
			}
		}
	} else {
		/* An unquoted value ends at " #" (a comment) and loses trailing blanks. */
		size_t n = 0;
		for (; p[n]; n++)
			if (p[n] == '#' && n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				break;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		strbuf_add(&val, p, n);
	}
	_cleanup_free_ char *value = NULL;
	if (interpolate && val.buf && strchr(val.buf, '$'))
		value = expand(env, val.buf);
	strv_addf(&env->vars, "%s=%s", key, value ? value : val.buf ? val.buf : "");
	strbuf_release(&val);
}

/*
 * Add the variables of a dotenv file to env. A missing optional file (the
 * default .env) is no error; a named one must exist.
 */
static int env_read_file(const char *path, bool optional, struct compose_env *env,
			 struct rl_error *err)
{
	struct stat st;
	bool found = stat(path, &st) == 0;
	if (!found || !S_ISREG(st.st_mode)) {
		if (optional)
			return 0;
		return rl_error_set(err, RL_EIO, "cannot read '%s': %s", path,
				    found ? "not a regular file" : strerror(errno));
	}
	struct strbuf text = STRBUF_INIT;
	int r = read_file_limited(path, ENV_FILE_MAX_BYTES, &text, err);
	if (r < 0) {
		strbuf_release(&text);
		return r;
	}
	char *save = NULL;
	for (char *line = text.len ? strtok_r(text.buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		dotenv_line(line, env);
	strbuf_release(&text);
	return 0;
}

int compose_env_load(const char *path, struct compose_env *env, struct rl_error *err)
{
	return env_read_file(path, false, env, err);
}

/* --- one service, as read from one place and merged with others --- */

enum field {
	F_READ_ONLY,
	F_PRIVILEGED,
	F_CONTAINER_NAME,
	F_IMAGE,
	F_DEPLOY,
	F_CAP_ADD,
	F_SECURITY_OPT,
	F_TMPFS,
	F_VOLUMES,
	F_LABELS,
	F_PID,
	F_MAX,
};

static const char *const field_keys[F_MAX] = {
	[F_READ_ONLY] = "read_only",
	[F_PRIVILEGED] = "privileged",
	[F_CONTAINER_NAME] = "container_name",
	[F_IMAGE] = "image",
	[F_DEPLOY] = "deploy",
	[F_CAP_ADD] = "cap_add",
	[F_SECURITY_OPT] = "security_opt",
	[F_TMPFS] = "tmpfs",
	[F_VOLUMES] = "volumes",
	[F_LABELS] = "labels",
	[F_PID] = "pid",
};

/* How a field is set where it is read; merging is by the compose-spec's rules. */
enum fstate {
	FS_UNSET,
	FS_SET,	     /* override a scalar, merge a list or mapping */
	FS_OVERRIDE, /* !override: replace a list or mapping whole */
	FS_RESET,    /* !reset: remove what earlier files set */
};

struct where {
	const struct cfile *file;
	int line, column;
};

struct mounts {
	struct mount *v;
	size_t n;
};

struct svc {
	char *name;
	struct where at;	  /* its name key (in the first file that defines it) */
	const struct cfile *file; /* where its definition is, for include duplicates */
	const struct ynode *node;
	enum fstate st[F_MAX];
	bool readonly;
	struct where ro_at; /* the read_only key that set it last */
	char *ro_note;
	bool privileged;
	char *priv_note;
	char *container_name;
	char *pid; /* "host" shares the host's processes */
	char *image;
	bool deploy;
	struct strv caps, secopts;
	struct mounts tmpfs, volumes; /* one per target */
	struct strv labels;	      /* "key=value", one per key */
	struct strv notes;
};

static void mounts_clear(struct mounts *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->v[i].target);
		free(ms->v[i].source);
	}
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}

/* Add m (taking its strings); a mount at the same target is replaced. */
static void mounts_put(struct ctx *c, struct mounts *ms, struct mount *m)
{
	spend(c, ms->n);
	for (size_t i = 0; i < ms->n; i++) {
		if (streq(ms->v[i].target, m->target)) {
			free(ms->v[i].target);
			free(ms->v[i].source);
			ms->v[i] = *m;
			return;
		}
	}
	ms->v = xrealloc(ms->v, (ms->n + 1) * sizeof(*ms->v));
	ms->v[ms->n++] = *m;
}

static void mounts_copy_in(struct ctx *c, struct mounts *dst, const struct mounts *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct mount m = src->v[i];
		m.target = xstrdup(m.target);
		m.source = m.source ? xstrdup(m.source) : NULL;
		mounts_put(c, dst, &m);
	}
}

/* A set of strings, as Compose merges cap_add and security_opt. */
static void set_add(struct ctx *c, struct strv *set, const char *s)
{
	spend(c, set->n);
	if (!strv_contains(set, s))
		strv_add(set, s);
}

static void label_put(struct ctx *c, struct strv *labels, const char *key, size_t klen,
		      const char *value)
{
	spend(c, labels->n);
	char *kv = xasprintf("%.*s=%s", (int)klen, key, value);
	for (size_t i = 0; i < labels->n; i++) {
		if (strncmp(labels->v[i], key, klen) == 0 && labels->v[i][klen] == '=') {
			free(labels->v[i]);
			labels->v[i] = kv;
			return;
		}
	}
	strv_push(labels, kv);
}

static void svc_init(struct svc *s)
{
	memset(s, 0, sizeof(*s));
}

static void svc_release(struct svc *s)
{
	free(s->name);
	free(s->ro_note);
	free(s->priv_note);
	free(s->container_name);
	free(s->pid);
	free(s->image);
	strv_release(&s->caps);
	strv_release(&s->secopts);
	mounts_clear(&s->tmpfs);
	mounts_clear(&s->volumes);
	strv_release(&s->labels);
	strv_release(&s->notes);
	svc_init(s);
}

static void replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

/* Clear field f of s, for !reset and !override. */
static void svc_clear(struct svc *s, enum field f)
{
	switch (f) {
	case F_READ_ONLY:
		s->readonly = false;
		replace_str(&s->ro_note, NULL);
		break;
	case F_PRIVILEGED:
		s->privileged = false;
		replace_str(&s->priv_note, NULL);
		break;
	case F_CONTAINER_NAME:
		replace_str(&s->container_name, NULL);
		break;
	case F_PID:
		replace_str(&s->pid, NULL);
		break;
	case F_IMAGE:
		replace_str(&s->image, NULL);
		break;
	case F_DEPLOY:
		s->deploy = false;
		break;
	case F_CAP_ADD:
		strv_release(&s->caps);
		break;
	case F_SECURITY_OPT:
		strv_release(&s->secopts);
		break;
	case F_TMPFS:
		mounts_clear(&s->tmpfs);
		break;
	case F_VOLUMES:
		mounts_clear(&s->volumes);
		break;
	case F_LABELS:
		strv_release(&s->labels);
		break;
	case F_MAX:
		break;
	}
}

/* Merge src over dst, as a later -f file or an extending service does. */
static void svc_merge(struct ctx *c, struct svc *dst, const struct svc *src)
{
	for (enum field f = 0; f < F_MAX; f++) {
		enum fstate st = src->st[f];
		if (st == FS_UNSET)
			continue;
		if (st != FS_SET)
			svc_clear(dst, f);
		dst->st[f] = st == FS_RESET ? FS_UNSET : FS_SET;
		if (st == FS_RESET)
			continue;
		switch (f) {
		case F_READ_ONLY:
			dst->readonly = src->readonly;
			dst->ro_at = src->ro_at;
			replace_str(&dst->ro_note, src->ro_note);
			break;
		case F_PRIVILEGED:
			dst->privileged = src->privileged;
			replace_str(&dst->priv_note, src->priv_note);
			break;
		case F_CONTAINER_NAME:
			replace_str(&dst->container_name, src->container_name);
			break;
		case F_PID:
			replace_str(&dst->pid, src->pid);
			break;
		case F_IMAGE:
			replace_str(&dst->image, src->image);
			break;
		case F_DEPLOY:
			dst->deploy = src->deploy;
			break;
		case F_CAP_ADD:
			for (size_t i = 0; i < src->caps.n; i++)
				set_add(c, &dst->caps, src->caps.v[i]);
			break;
		case F_SECURITY_OPT:
			for (size_t i = 0; i < src->secopts.n; i++)
				set_add(c, &dst->secopts, src->secopts.v[i]);
			break;
		case F_TMPFS:
			mounts_copy_in(c, &dst->tmpfs, &src->tmpfs);
			break;
		case F_VOLUMES:
			mounts_copy_in(c, &dst->volumes, &src->volumes);
			break;
		case F_LABELS:
			for (size_t i = 0; i < src->labels.n; i++) {
				const char *kv = src->labels.v[i];
				size_t klen = strcspn(kv, "=");
				label_put(c, &dst->labels, kv, klen, kv[klen] ? kv + klen + 1 : "");
			}
			break;
		case F_MAX:
			break;
		}
	}
	for (size_t i = 0; i < src->notes.n; i++)
		set_add(c, &dst->notes, src->notes.v[i]);
}

/* --- reading one service's keys --- */

/* Where one document of one file is read: its services, environment and includes. */
struct project;
struct layer {
	const struct cfile *file;
	const struct ynode *services;
	const struct compose_env *env;
	const struct project *included; /* services its include: brought in */
};

static void read_bool_field(struct ctx *c, const struct layer *L, const struct ypair *p,
			    struct svc *s, enum field f)
{
	char *why = NULL;
	bool ro = f == F_READ_ONLY;
	enum bres b = read_bool(p->value, L->env, field_keys[f], ro ? "true" : "false", &why);
	if (b == B_UNSET) {
		/* `read_only:` with no value sets nothing, as in compose-go. */
		s->st[f] = FS_UNSET;
		return;
	}
	if (ro) {
		s->readonly = b == B_TRUE;
		s->ro_at = (struct where){L->file, p->key->line, p->key->column};
		s->ro_note = why;
	} else {
		/* One that may be privileged is counted as privileged. */
		s->privileged = b == B_TRUE || b == B_BAD;
		if (why)
			s->priv_note = xasprintf("%s; counted as privileged", why);
		free(why);
	}
}

static void read_string_list(struct ctx *c, const struct layer *L, const struct ynode *v,
			     struct strv *out)
{
	if (yscalar(v) && !is_null(v)) {
		_cleanup_free_ char *s = expand(L->env, yscalar(v));
		set_add(c, out, s);
		return;
	}
	for (size_t i = 0; yis_seq(v) && i < v->n && spend(c, 1); i++) {
		_cleanup_free_ char *s = expand_node(L->env, v->items[i]);
		if (s)
			set_add(c, out, s);
	}
}

/* "/run" or "/run:size=64m,exec" */
static bool tmpfs_parse(const char *spec, struct mount *m)
{
	const char *colon = strchr(spec, ':');
	size_t tlen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (!tlen)
		return false;
	memset(m, 0, sizeof(*m));
	m->kind = MOUNT_TMPFS;
	mount_parse_tmpfs_options(m, colon ? colon + 1 : NULL);
	m->target = xstrndup(spec, tlen);
	return true;
}

static void add_note(struct ctx *c, struct svc *s, char *owned)
{
	spend(c, s->notes.n);
	if (strv_contains(&s->notes, owned))
		free(owned);
	else
		strv_push(&s->notes, owned);
}

static void read_tmpfs(struct ctx *c, const struct layer *L, const struct ynode *v, struct svc *s)
{
	struct strv specs = STRV_INIT;
	read_string_list(c, L, v, &specs);
	for (size_t i = 0; i < specs.n; i++) {
		struct mount m;
		if (tmpfs_parse(specs.v[i], &m))
			mounts_put(c, &s->tmpfs, &m);
		else
			add_note(c, s,
				 xasprintf("tmpfs entry \"%s\" has no path; ignored", specs.v[i]));
	}
	strv_release(&specs);
}

/* C:\ or C:/ as compose-go spots a Windows drive in a volume spec. */
static bool windows_drive(const char *s, size_t len)
{
	return len == 1 && isalpha((unsigned char)s[0]);
}

/* compose-go's isFilePath: a bind mount rather than a named volume. */
static bool is_file_path(const char *src)
{
	if (str_empty(src))
		return false;
	if (src[0] == '.' || src[0] == '/' || src[0] == '~' || str_startswith(src, "\\\\"))
		return true;
	return isalpha((unsigned char)src[0]) && src[1] == ':';
}

/* Short syntax: "DST", "SRC:DST" or "SRC:DST:MODE", as compose-go's ParseVolume. */
static bool volume_parse(const char *spec, struct mount *m)
{
	size_t len = strlen(spec);
	memset(m, 0, sizeof(*m));
	m->writable = true;
	if (!len)
		return false;
	if (len <= 2) {
		m->kind = MOUNT_ANONYMOUS;
		m->target = xstrdup(spec);
		return true;
	}
	char *parts[3] = {NULL, NULL, NULL};
	size_t n = 0;
	bool ok = true;
	const char *start = spec;
	for (const char *p = spec;; p++) {
		if (*p == ':' && windows_drive(start, (size_t)(p - start)))
			continue;
		if (*p && *p != ':')
			continue;
		if (p == start || n == 3) {
			ok = false; /* an empty part, or too many colons */
			break;
		}
		parts[n++] = xstrndup(start, (size_t)(p - start));
		if (!*p)
			break;
		start = p + 1;
	}
	if (ok && n == 1) {
		m->kind = MOUNT_ANONYMOUS;
		m->target = steal_pointer(&parts[0]);
	} else if (ok) {
		m->kind = is_file_path(parts[0]) ? MOUNT_BIND : MOUNT_VOLUME;
		m->source = steal_pointer(&parts[0]);
		m->target = steal_pointer(&parts[1]);
		_cleanup_free_ char *opts = steal_pointer(&parts[2]);
		char *save = NULL;
		for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o;
		     o = strtok_r(NULL, ",", &save)) {
			if (streq(o, "ro"))
				m->writable = false;
			else if (streq(o, "rw"))
				m->writable = true;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		free(parts[i]);
	return ok;
}

/* Long syntax: {type, source, target, read_only, tmpfs: {size}}. */
static bool volume_parse_long(struct ctx *c, const struct layer *L, const struct ynode *v,
			      struct mount *m, char **why)
{
	_cleanup_free_ char *type = expand_node(L->env, cget(c, v, "type"));
	_cleanup_free_ char *target = expand_node(L->env, cget(c, v, "target"));
	_cleanup_free_ char *source = expand_node(L->env, cget(c, v, "source"));
	memset(m, 0, sizeof(*m));
	if (str_empty(target) || str_empty(type)) {
		*why = xasprintf("the volumes entry at line %d has no %s; ignored", v->line,
				 str_empty(target) ? "target" : "type");
		return false;
	}
	char *ignored = NULL;
	enum bres ro = read_bool(cget(c, v, "read_only"), L->env, "read_only", "true", &ignored);
	free(ignored);
	m->writable = ro != B_TRUE;
	if (streq(type, "volume")) {
		m->kind = str_empty(source) ? MOUNT_ANONYMOUS : MOUNT_VOLUME;
	} else if (streq(type, "bind")) {
		m->kind = MOUNT_BIND;
	} else if (streq(type, "tmpfs")) {
		m->kind = MOUNT_TMPFS;
		/* --mount type=tmpfs is noexec as well; Compose has no exec option for it. */
		_cleanup_free_ char *size =
			expand_node(L->env, cget(c, cget(c, v, "tmpfs"), "size"));
		long long bytes = size ? parse_size(size) : -1;
		if (bytes > 0)
			m->size_bytes = bytes;
	} else {
		m->kind = MOUNT_OTHER;
		/* An image mount cannot be written, whatever read_only says. */
		if (streq(type, "image"))
			m->writable = false;
	}
	m->target = steal_pointer(&target);
	if (m->kind != MOUNT_TMPFS && !str_empty(source))
		m->source = steal_pointer(&source);
	return true;
}

static void read_volumes(struct ctx *c, const struct layer *L, const struct ynode *v, struct svc *s)
{
	for (size_t i = 0; yis_seq(v) && i < v->n && spend(c, 1); i++) {
		const struct ynode *item = v->items[i];
		struct mount m;
		char *why = NULL;
		if (yis_map(item)) {
			if (volume_parse_long(c, L, item, &m, &why))
				mounts_put(c, &s->volumes, &m);
			else
				add_note(c, s, why);
			continue;
		}
		_cleanup_free_ char *spec = expand_node(L->env, item);
		if (!spec)
			continue;
		if (volume_parse(spec, &m))
			mounts_put(c, &s->volumes, &m);
		else
			add_note(c, s, xasprintf("volume \"%s\" is not valid; ignored", spec));
	}
}

static void read_labels(struct ctx *c, const struct layer *L, const struct ynode *v, struct svc *s)
{
	if (yis_map(v)) {
		struct pairs ps;
		map_entries(c, v, &ps);
		for (size_t i = 0; i < ps.n; i++) {
			const char *key = yscalar(ps.v[i]->key);
			const struct ynode *val = ps.v[i]->value;
			if (val && !yscalar(val))
				continue;
			_cleanup_free_ char *value = expand_node(L->env, val);
			label_put(c, &s->labels, key, strlen(key), value ? value : "");
		}
		free(ps.v);
		return;
	}
	for (size_t i = 0; yis_seq(v) && i < v->n && spend(c, 1); i++) {
		_cleanup_free_ char *kv = expand_node(L->env, v->items[i]);
		if (!kv)
			continue;
		size_t klen = strcspn(kv, "=");
		label_put(c, &s->labels, kv, klen, kv[klen] ? kv + klen + 1 : "");
	}
}

/* The keys of one service definition (merge keys followed), without extends. */
static void svc_read(struct ctx *c, const struct layer *L, const struct ypair *def, struct svc *s)
{
	svc_init(s);
	s->name = xstrdup(yscalar(def->key));
	s->at = (struct where){L->file, def->key->line, def->key->column};
	s->file = L->file;
	s->node = def->value;
	const struct ynode *m = def->value;
	for (enum field f = 0; f < F_MAX && yis_map(m); f++) {
		const struct ypair *p = cpair(c, m, field_keys[f]);
		if (!p)
			continue;
		const struct ynode *v = p->value;
		s->st[f] = has_tag(v, "!reset")	     ? FS_RESET
			   : has_tag(v, "!override") ? FS_OVERRIDE
						     : FS_SET;
		if (s->st[f] == FS_RESET)
			continue;
		/* A key with no value sets nothing (a `deploy:` key still says Swarm). */
		if (is_null(v) && f != F_DEPLOY) {
			s->st[f] = FS_UNSET;
			continue;
		}
		switch (f) {
		case F_READ_ONLY:
		case F_PRIVILEGED:
			read_bool_field(c, L, p, s, f);
			break;
		case F_CONTAINER_NAME:
			s->container_name = expand_node(L->env, v);
			break;
		case F_PID:
			s->pid = expand_node(L->env, v);
			break;
		case F_IMAGE:
			s->image = expand_node(L->env, v);
			break;
		case F_DEPLOY:
			s->deploy = true;
			break;
		case F_CAP_ADD:
			read_string_list(c, L, v, &s->caps);
			break;
		case F_SECURITY_OPT:
			read_string_list(c, L, v, &s->secopts);
			break;
		case F_TMPFS:
			read_tmpfs(c, L, v, s);
			break;
		case F_VOLUMES:
			read_volumes(c, L, v, s);
			break;
		case F_LABELS:
			read_labels(c, L, v, s);
			break;
		case F_MAX:
			break;
		}
	}
}

/* --- a project: services by name, in the order they first appear --- */

struct project {
	struct svc *v;
	size_t n, alloc;
	struct strindex idx; /* name -> index; keys are the svcs' names */
};

static struct svc *project_find(const struct project *p, const char *name)
{
	size_t *i = strindex_find(&p->idx, name);
	return i ? &p->v[*i] : NULL;
}

/* Add s, taking it (s is cleared). */
static void project_add(struct project *p, struct svc *s)
{
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 8;
		p->v = xrealloc(p->v, p->alloc * sizeof(*p->v));
	}
	p->v[p->n] = *s;
	svc_init(s);
	strindex_put(&p->idx, p->v[p->n].name, p->n);
	p->n++;
}

static void project_release(struct project *p)
{
	for (size_t i = 0; i < p->n; i++)
		svc_release(&p->v[i]);
	free(p->v);
	strindex_release(&p->idx);
	memset(p, 0, sizeof(*p));
}

/* Lay src over dst like a later -f file, and empty src. */
static void project_layer(struct ctx *c, struct project *dst, struct project *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct svc *s = &src->v[i];
		struct svc *d = project_find(dst, s->name);
		if (d) {
			svc_merge(c, d, s);
			svc_release(s);
		} else {
			project_add(dst, s);
		}
	}
	project_release(src);
}

/* --- extends --- */

static int svc_resolve(struct ctx *c, const struct layer *L, const struct ypair *def,
		       struct svc *ret);

/* name's definition in the first document of f that has one. */
static const struct ypair *service_in_file(struct ctx *c, const struct cfile *f, const char *name,
					   const struct ynode **services)
{
	for (size_t d = 0; d < f->docs->n; d++) {
		const struct ynode *sv = cget(c, f->docs->docs[d].root, "services");
		const struct ypair *p = yis_map(sv) ? cpair(c, sv, name) : NULL;
		if (p) {
			*services = sv;
			return p;
		}
	}
	return NULL;
}

static bool link_before(const struct link *a, const struct link *b)
{
	int r = strcmp(a->file->path, b->file->path);
	if (r)
		return r < 0;
	return a->line != b->line ? a->line < b->line : a->column < b->column;
}

/*
 * chain[k..] extends back to chain[k]. Reported at the member whose extends
 * key comes first, so the cycle gives one finding whichever member it is
 * reached from.
 */
static void report_extends_cycle(struct ctx *c, size_t k)
{
	size_t len = c->n_chain - k, first = k;
	bool one_file = true;
	for (size_t i = k; i < c->n_chain; i++) {
		if (link_before(&c->chain[i], &c->chain[first]))
			first = i;
		if (!streq(file_key(c->chain[i].file), file_key(c->chain[k].file)))
			one_file = false;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t j = 0; j <= len; j++) {
		const struct link *l = &c->chain[k + (first - k + j) % len];
		strbuf_addf(&sb, "%s%s%s%s", j ? " -> " : "", one_file ? "" : l->file->path,
			    one_file ? "" : ":", l->service);
	}
	const struct link *at = &c->chain[first];
	finding(c, at->file, at->line, at->column, at->service,
		"extends cycle: %s; docker compose refuses it", sb.buf);
	strbuf_release(&sb);
}

/*
 * The service own extends, resolved into base (*found false when there is
 * none to use: a finding says why).
 */
static int extends_base(struct ctx *c, const struct layer *L, const struct svc *own,
			const struct ypair *ext, struct svc *base, bool *found)
{
	const struct ynode *v = ext->value;
	int line = ext->key->line, column = ext->key->column;
	_cleanup_free_ char *name = NULL, *file = NULL;
	if (yis_map(v)) {
		name = expand_node(L->env, cget(c, v, "service"));
		file = expand_node(L->env, cget(c, v, "file"));
	} else {
		name = expand_node(L->env, v);
	}
	if (str_empty(name)) {
		finding(c, L->file, line, column, own->name,
			"extends of service \"%s\" names no service", own->name);
		return 0;
	}
	if (c->n_chain >= EXTENDS_MAX_DEPTH) {
		finding(c, L->file, line, column, own->name,
			"extends chain of service \"%s\" is longer than %d services", own->name,
			EXTENDS_MAX_DEPTH);
		return 0;
	}

	struct layer B = *L;
	const struct ypair *def = NULL;
	if (!str_empty(file)) {
		_cleanup_free_ char *path = path_join(L->file->dir, file);
		struct cfile *bf;
		int r = file_open(c, path, NULL, false, &bf);
		if (r < 0) {
			rl_error_prefix(c->err, "%s:%d:%d: extends", L->file->path, line, column);
			return r;
		}
		B.file = bf;
		B.services = NULL;
		B.included = NULL;
		def = service_in_file(c, bf, name, &B.services);
	} else if (yis_map(L->services)) {
		def = cpair(c, L->services, name);
	}

	c->chain[c->n_chain++] = (struct link){L->file, own->name, line, column};
	int r = 0;
	for (size_t k = 0; k < c->n_chain; k++) {
		if (streq(file_key(c->chain[k].file), file_key(B.file)) &&
		    streq(c->chain[k].service, name)) {
			report_extends_cycle(c, k);
			goto out;
		}
	}
	/* Without file:, a service that include: brought in will do. */
	const struct svc *inc =
		!def && str_empty(file) && L->included ? project_find(L->included, name) : NULL;
	if (inc) {
		svc_merge(c, base, inc);
		*found = true;
	} else if (!def) {
		finding(c, L->file, line, column, own->name,
			"service \"%s\" extends \"%s\", which %s does not define", own->name, name,
			B.file->path);
	} else if (!yis_map(def->value) && !is_null(def->value)) {
		finding(c, L->file, line, column, own->name,
			"service \"%s\" extends \"%s\", which is not a mapping", own->name, name);
	} else {
		r = svc_resolve(c, &B, def, base);
		*found = r >= 0;
	}
out:
	c->n_chain--;
	return r;
}

/* One service with what it extends merged under it. */
static int svc_resolve(struct ctx *c, const struct layer *L, const struct ypair *def,
		       struct svc *ret)
{
	struct svc own, base;
	svc_read(c, L, def, &own);
	svc_init(&base);
	const struct ypair *ext = yis_map(def->value) ? cpair(c, def->value, "extends") : NULL;
	bool found = false;
	int r = 0;
	if (ext && !is_null(ext->value) && !has_tag(ext->value, "!reset"))
		r = extends_base(c, L, &own, ext, &base, &found);
	if (r < 0 || !found) {
		svc_release(&base);
		if (r < 0)
			svc_release(&own);
		else
			*ret = own;
		return r;
	}
	/* The extending service's keys win; it keeps its own name and place. */
	svc_merge(c, &base, &own);
	free(base.name);
	base.name = steal_pointer(&own.name);
	base.at = own.at;
	base.file = own.file;
	base.node = own.node;
	svc_release(&own);
	*ret = base;
	return 0;
}

/* --- files, documents and include --- */

static int load_file(struct ctx *c, const struct cfile *f, const char *workdir,
		     const struct compose_env *env, struct project *out);

static int load_services(struct ctx *c, const struct layer *L, struct project *out)
{
	struct pairs ps;
	map_entries(c, L->services, &ps);
	int r = 0;
	for (size_t i = 0; i < ps.n && !c->over; i++) {
		const struct ypair *def = ps.v[i];
		const char *name = yscalar(def->key);
		if (!yis_map(def->value) && !is_null(def->value)) {
			finding(c, L->file, def->key->line, def->key->column, name,
				"service \"%s\" must be a mapping of its settings", name);
			continue;
		}
		struct svc s;
		if ((r = svc_resolve(c, L, def, &s)) < 0)
			break;
		project_add(out, &s);
	}
	free(ps.v);
	return r;
}

static void read_string_or_list(const struct compose_env *env, const struct ynode *v,
				struct strv *out)
{
	if (yscalar(v)) {
		char *s = expand_node(env, v);
		if (s)
			strv_push(out, s);
		return;
	}
	for (size_t i = 0; yis_seq(v) && i < v->n; i++) {
		char *s = expand_node(env, v->items[i]);
		if (s)
			strv_push(out, s);
	}
}

/* The environment of an included project: its env files, then the includer's (which win). */
static int include_env(struct ctx *c, const struct compose_env *env, const char *workdir,
		       const char *projdir, const struct strv *env_files, struct compose_env *ret)
{
	int r = 0;
	ret->use_process_env = env->use_process_env;
	for (size_t i = 0; i < env_files->n && r >= 0; i++) {
		_cleanup_free_ char *p = path_join(workdir, env_files->v[i]);
		r = env_read_file(p, false, ret, c->err);
	}
	if (!env_files->n) {
		_cleanup_free_ char *p = path_join(projdir, ".env");
		r = env_read_file(p, true, ret, c->err);
	}
	for (size_t i = 0; i < env->vars.n; i++)
		strv_add(&ret->vars, env->vars.v[i]);
	return r;
}

/* Bring the services of an included project into inc; one name twice is refused. */
static void include_import(struct ctx *c, struct project *sub, struct project *inc)
{
	for (size_t i = 0; i < sub->n; i++) {
		struct svc *s = &sub->v[i];
		const struct svc *d = project_find(inc, s->name);
		if (!d) {
			project_add(inc, s);
		} else if (d->node != s->node) {
			/* The same file included twice is fine; two definitions are not. */
			finding(c, s->at.file, s->at.line, s->at.column, s->name,
				"service \"%s\" is also defined in %s, included too; docker "
				"compose "
				"refuses that",
				s->name, d->at.file->path);
		}
	}
	project_release(sub);
}

/*
 * loading[k..] includes loading[k] again (through item, in the last one).
 * Reported at the include entry of the member with the first path, so the
 * cycle reads the same whichever of its files the lint started from.
 */
static void report_include_cycle(struct ctx *c, const struct ynode *item, size_t k)
{
	size_t len = c->n_loading - k, first = k;
	c->via[c->n_loading - 1] = item;
	for (size_t i = k; i < c->n_loading; i++)
		if (strcmp(c->loading[i]->path, c->loading[first]->path) < 0)
			first = i;
	struct strbuf sb = STRBUF_INIT;
	for (size_t j = 0; j <= len; j++)
		strbuf_addf(&sb, "%s%s", j ? " -> " : "",
			    c->loading[k + (first - k + j) % len]->path);
	const struct ynode *at = c->via[first];
	finding(c, c->loading[first], at->line, at->column, NULL,
		"include cycle: %s; docker compose refuses it", sb.buf);
	strbuf_release(&sb);
}

/* One entry of include: a path (or several, merged like -f) with its options. */
static int include_one(struct ctx *c, const struct cfile *f, const char *workdir,
		       const struct compose_env *env, const struct ynode *item, struct project *inc)
{
	struct strv paths = STRV_INIT, env_files = STRV_INIT;
	_cleanup_free_ char *projdir = NULL;
	if (yis_map(item)) {
		read_string_or_list(env, cget(c, item, "path"), &paths);
		read_string_or_list(env, cget(c, item, "env_file"), &env_files);
		char *pd = expand_node(env, cget(c, item, "project_directory"));
		if (!str_empty(pd))
			projdir = path_join(workdir, pd);
		free(pd);
	} else {
		read_string_or_list(env, item, &paths);
	}
	struct cfile **files = xcalloc(paths.n, sizeof(*files));
	struct compose_env sub_env = {0};
	struct project sub = {0};
	int r = 0;
	if (!paths.n) {
		finding(c, f, item->line, item->column, NULL, "include entry names no file");
		goto out;
	}
	if (c->n_loading > INCLUDE_MAX_DEPTH) {
		finding(c, f, item->line, item->column, NULL, "include nested deeper than %d files",
			INCLUDE_MAX_DEPTH);
		goto out;
	}
	for (size_t i = 0; i < paths.n; i++) {
		_cleanup_free_ char *path = path_join(workdir, paths.v[i]);
		if ((r = file_open(c, path, NULL, false, &files[i])) < 0) {
			rl_error_prefix(c->err, "%s:%d:%d: include", f->path, item->line,
					item->column);
			goto out;
		}
		for (size_t k = 0; k < c->n_loading; k++) {
			if (streq(file_key(c->loading[k]), file_key(files[i]))) {
				report_include_cycle(c, item, k);
				goto out;
			}
		}
	}
	if (!projdir)
		projdir = xstrdup(files[0]->dir);
	if ((r = include_env(c, env, workdir, projdir, &env_files, &sub_env)) < 0) {
		rl_error_prefix(c->err, "%s:%d:%d: include", f->path, item->line, item->column);
		goto out;
	}
	c->via[c->n_loading - 1] = item;
	for (size_t i = 0; i < paths.n && r >= 0; i++) {
		struct project one = {0};
		r = load_file(c, files[i], projdir, &sub_env, &one);
		project_layer(c, &sub, &one);
	}
	if (r >= 0)
		include_import(c, &sub, inc);
out:
	project_release(&sub);
	strv_release(&sub_env.vars);
	free(files);
	strv_release(&paths);
	strv_release(&env_files);
	return r;
}

static int load_includes(struct ctx *c, const struct cfile *f, const char *workdir,
			 const struct compose_env *env, const struct ynode *root,
			 struct project *inc)
{
	const struct ypair *p = cpair(c, root, "include");
	if (!p || is_null(p->value))
		return 0;
	if (!yis_seq(p->value)) {
		finding(c, f, p->key->line, p->key->column, NULL, "include must be a list");
		return 0;
	}
	for (size_t i = 0; i < p->value->n && !c->over; i++) {
		int r = include_one(c, f, workdir, env, p->value->items[i], inc);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One YAML document of a Compose file: its includes, then its own services. */
static int load_document(struct ctx *c, const struct cfile *f, const char *workdir,
			 const struct compose_env *env, const struct ynode *root,
			 struct project *out)
{
	struct project inc = {0}, own = {0};
	int r = load_includes(c, f, workdir, env, root, &inc);
	const struct ypair *sp = r < 0 ? NULL : cpair(c, root, "services");
	if (sp && !is_null(sp->value) && !yis_map(sp->value)) {
		finding(c, f, sp->key->line, sp->key->column, NULL,
			"services must be a mapping of service names to their settings");
	} else if (sp && yis_map(sp->value)) {
		struct layer L = {f, sp->value, env, &inc};
		r = load_services(c, &L, &own);
	}
	if (r >= 0) {
		for (size_t i = 0; i < inc.n; i++) {
			struct svc *s = &inc.v[i];
			const struct svc *d = project_find(&own, s->name);
			if (!d)
				project_add(&own, s);
			else
				finding(c, f, d->at.line, d->at.column, d->name,
					"service \"%s\" is also defined in %s, which this file "
					"includes; docker compose refuses that",
					d->name, s->at.file->path);
		}
		project_layer(c, out, &own);
	}
	project_release(&inc);
	project_release(&own);
	return r;
}

static int load_file(struct ctx *c, const struct cfile *f, const char *workdir,
		     const struct compose_env *env, struct project *out)
{
	int r = 0;
	c->loading[c->n_loading++] = f;
	for (size_t d = 0; d < f->docs->n && r >= 0 && !c->over; d++) {
		const struct ynode *root = f->docs->docs[d].root;
		if (is_null(root))
			continue;
		if (!yis_map(root)) {
			finding(c, f, root->line, root->column, NULL,
				"a Compose file must be a mapping at the top level");
			continue;
		}
		/* Later documents lay over earlier ones, like -f files. */
		struct project one = {0};
		r = load_document(c, f, workdir, env, root, &one);
		project_layer(c, out, &one);
	}
	c->n_loading--;
	return r;
}

/* --- workloads --- */

static void emit(struct ctx *c, const struct svc *s)
{
	struct workload w;
	workload_init(&w);
	bool ro_set = s->st[F_READ_ONLY] == FS_SET || s->st[F_READ_ONLY] == FS_OVERRIDE;
	const struct where *at = ro_set ? &s->ro_at : &s->at;
	origin_set(&w.origin, at->file->path, at->line, at->column, s->deploy ? "swarm" : "compose",
		   s->name, s->name);
	w.name = xstrdup(str_empty(s->container_name) ? s->name : s->container_name);
	w.image = s->image ? xstrdup(s->image) : NULL;
	w.readonly_rootfs = s->readonly;
	w.privileged = s->privileged;
	for (size_t i = 0; i < s->caps.n; i++)
		if (cap_grants_sys_admin(s->caps.v[i]))
			w.cap_sys_admin = true;
	for (size_t i = 0; i < s->caps.n; i++)
		if (cap_grants_sys_ptrace(s->caps.v[i]))
			w.cap_sys_ptrace = true;
	w.pid_host = streq(s->pid, "host");
	for (size_t i = 0; i < s->secopts.n; i++) {
		if (security_opt_unconfined(s->secopts.v[i], "apparmor"))
			w.apparmor_unconfined = true;
		if (security_opt_unconfined(s->secopts.v[i], "seccomp"))
			w.seccomp_unconfined = true;
	}
	for (size_t i = 0; i < s->tmpfs.n; i++)
		workload_add_mount(&w, &s->tmpfs.v[i]);
	for (size_t i = 0; i < s->volumes.n; i++)
		workload_add_mount(&w, &s->volumes.v[i]);
	/* As audit does: reports should not depend on the order in the file. */
	workload_sort_mounts(&w);
	static const char exempt[] = LABEL_EXEMPT "=";
	for (size_t i = 0; i < s->labels.n; i++) {
		if (str_startswith(s->labels.v[i], exempt)) {
			w.has_exempt_label = true;
			w.exempt_reason = xstrdup(s->labels.v[i] + strlen(exempt));
		}
	}
	if (s->ro_note)
		strv_add(&w.notes, s->ro_note);
	if (s->priv_note)
		strv_add(&w.notes, s->priv_note);
	for (size_t i = 0; i < s->notes.n; i++)
		strv_add(&w.notes, s->notes.v[i]);
	lint_add_workload(&c->res, &w);
}

/* Hand what was found to the caller, only once the whole project was read. */
static void results_move(struct lint_results *from, struct lint_results *to)
{
	for (size_t i = 0; i < from->n; i++) {
		struct lint_finding *lf = &from->v[i];
		const struct origin *o = &lf->w.origin;
		if (lf->standalone)
			lint_add_finding(to, o->file, o->line, o->column, o->kind, o->workload,
					 lf->verdict, "%s", lf->message);
		else
			lint_add_workload(to, &lf->w);
	}
	lint_results_release(from);
}

/*
 * The project's environment: --env-file variables when there are any, else
 * the .env beside the first file, as docker compose reads it by default.
 */
static int project_env(struct ctx *c, const struct compose_input *first,
		       const struct compose_env *env, struct compose_env *ret)
{
	ret->use_process_env = env ? env->use_process_env : true;
	if (env && env->vars.n) {
		for (size_t i = 0; i < env->vars.n; i++)
			strv_add(&ret->vars, env->vars.v[i]);
		return 0;
	}
	_cleanup_free_ char *dir = path_dirname(first->path);
	_cleanup_free_ char *dotenv = path_join(dir, ".env");
	return env_read_file(dotenv, true, ret, c->err);
}

int compose_lint(const struct compose_input *files, size_t n_files, const struct compose_env *env,
		 struct lint_results *out, struct rl_error *err)
{
	if (!files || !n_files || !files[0].path)
		return rl_error_set(err, RL_EUSAGE, "no Compose file to lint");
	struct ctx c = {.err = err};
	struct compose_env penv = {0};
	struct project p = {0};
	int r = project_env(&c, &files[0], env, &penv);
	for (size_t i = 0; i < n_files && r >= 0 && !c.over; i++) {
		struct cfile *f;
		if (!files[i].path)
			continue;
		if ((r = file_open(&c, files[i].path, files[i].parsed, true, &f)) < 0)
			break;
		struct project one = {0};
		r = load_file(&c, f, f->dir, &penv, &one);
		project_layer(&c, &p, &one);
	}
	if (r >= 0 && c.over)
		r = rl_error_set(err, RL_EPARSE,
				 "%s: more than %u entries to read (aliases repeating big nodes?); "
				 "not linted",
				 files[0].path, WORK_MAX);
	if (r >= 0) {
		for (size_t i = 0; i < p.n; i++)
			emit(&c, &p.v[i]);
		results_move(&c.res, out);
	}
	project_release(&p);
	lint_results_release(&c.res);
	strindex_release(&c.findings);
	strv_release(&c.finding_keys);
	strv_release(&penv.vars);
	for (size_t i = 0; i < c.n_files; i++)
		cfile_free(c.files[i]);
	free(c.files);
	return r < 0 ? r : 0;
}
