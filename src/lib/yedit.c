/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "yedit.h"

#include <string.h>
#include <yaml.h>

#define YEDIT_MAX_DEPTH 200
#define YEDIT_MAX_ALIASES 100000

/* One queued change: delete del bytes at at, then insert text there. */
struct yedit_change {
	size_t at, del;
	char *text;   /* "\n" line ends; converted to the file's on apply */
	bool lines;   /* whole lines inserted at a line start */
	int depth;    /* of the collection written into: deeper first at one offset */
	size_t order; /* queue order, last tie-break */
};

struct anchor {
	const char *name;
	struct yenode *node;
};

struct loader {
	yaml_parser_t parser;
	struct yedit *ye;
	struct rl_error *err;
	struct anchor *anchors;
	size_t n_anchors, alloc_anchors;
	size_t aliases;
	/* libyaml's marks count characters; the cursor turns them into byte offsets. */
	size_t cursor_char, cursor_byte;
	size_t bom; /* bytes of a UTF-8 byte order mark, before character 0 */
};

/* The byte offset of character index i (marks arrive nearly in order: walk from the last). */
static size_t byte_of(struct loader *l, size_t i)
{
	const unsigned char *t = (const unsigned char *)l->ye->text;
	size_t len = l->ye->len;
	while (l->cursor_char < i && l->cursor_byte < len) {
		unsigned char c = t[l->cursor_byte];
		size_t w = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		l->cursor_byte += w;
		if (l->cursor_byte > len)
			l->cursor_byte = len;
		l->cursor_char++;
	}
	while (l->cursor_char > i && l->cursor_byte > l->bom) {
		l->cursor_byte--;
		while (l->cursor_byte > l->bom && (t[l->cursor_byte] & 0xc0) == 0x80)
			l->cursor_byte--;
		l->cursor_char--;
	}
	return l->cursor_byte;
}

/* --- loading --------------------------------------------------------------- */

static int parse_error(struct loader *l)
{
	const yaml_parser_t *p = &l->parser;
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
	return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: invalid YAML: %s%s%s", l->ye->filename,
			    m->line + 1, m->column + 1, p->problem ? p->problem : "syntax error",
			    p->context ? " " : "", p->context ? p->context : "");
}

static int next_event(struct loader *l, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&l->parser, ev))
		return parse_error(l);
	return 0;
}

static struct yenode *node_new(struct loader *l, enum yenode_kind kind, const yaml_event_t *ev,
			       struct yenode *parent)
{
	struct yedit *ye = l->ye;
	struct yenode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->start = byte_of(l, ev->start_mark.index);
	n->end = byte_of(l, ev->end_mark.index);
	n->line = (int)ev->start_mark.line + 1;
	n->column = (int)ev->start_mark.column;
	n->parent = parent;
	n->depth = parent ? parent->depth + 1 : 0;
	if (ye->n_all == ye->alloc_all) {
		ye->alloc_all = ye->alloc_all ? ye->alloc_all * 2 : 64;
		ye->all = xrealloc(ye->all, ye->alloc_all * sizeof(*ye->all));
	}
	ye->all[ye->n_all++] = n;
	return n;
}

static void kid_push(struct yenode *parent, struct yenode *kid, size_t *alloc)
{
	if (parent->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		parent->kids = xrealloc(parent->kids, *alloc * sizeof(*parent->kids));
	}
	parent->kids[parent->n++] = kid;
}

static void anchor_add(struct loader *l, const yaml_char_t *name, struct yenode *n)
{
	if (!name)
		return;
	n->anchor = xstrdup((const char *)name);
	if (l->n_anchors == l->alloc_anchors) {
		l->alloc_anchors = l->alloc_anchors ? l->alloc_anchors * 2 : 16;
		l->anchors = xrealloc(l->anchors, l->alloc_anchors * sizeof(*l->anchors));
	}
	l->anchors[l->n_anchors].name = n->anchor;
	l->anchors[l->n_anchors].node = n;
	l->n_anchors++;
}

/* The byte column of offset at (indentation is ASCII, so bytes are columns). */
static int column_of(const char *text, size_t at)
{
	size_t i = at;
	while (i > 0 && text[i - 1] != '\n')
		i--;
	/* A byte order mark takes no column. */
	if (i == 0 && at >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	return (int)(at - i);
}

static int load_node(struct loader *l, yaml_event_t *ev, struct yenode *parent,
		     struct yenode **ret);

static int load_children(struct loader *l, struct yenode *n, yaml_event_type_t end_type)
{
	size_t alloc = 0;
	for (;;) {
		yaml_event_t child;
		int r = next_event(l, &child);
		if (r < 0)
			return r;
		if (child.type == end_type) {
			if (n->flow)
				n->end = byte_of(l, child.end_mark.index);
			else
				n->end = byte_of(l, child.start_mark.index);
			yaml_event_delete(&child);
			return 0;
		}
		struct yenode *kid = NULL;
		r = load_node(l, &child, n, &kid);
		yaml_event_delete(&child);
		if (r < 0)
			return r;
		kid_push(n, kid, &alloc);
	}
}

static int load_node(struct loader *l, yaml_event_t *ev, struct yenode *parent, struct yenode **ret)
{
	const char *text = l->ye->text;
	int depth = parent ? parent->depth + 1 : 0;
	if (depth > YEDIT_MAX_DEPTH)
		return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: nested deeper than %d levels",
				    l->ye->filename, ev->start_mark.line + 1,
				    ev->start_mark.column + 1, YEDIT_MAX_DEPTH);
	struct yenode *n;
	switch (ev->type) {
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		if (++l->aliases > YEDIT_MAX_ALIASES)
			return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: more than %d aliases",
					    l->ye->filename, ev->start_mark.line + 1,
					    ev->start_mark.column + 1, YEDIT_MAX_ALIASES);
		struct yenode *target = NULL;
		for (size_t i = l->n_anchors; i > 0 && !target; i--)
			if (streq(l->anchors[i - 1].name, name))
				target = l->anchors[i - 1].node;
		if (!target)
			return rl_error_set(l->err, RL_EPARSE,
					    "%s:%zu:%zu: alias *%s has no anchor", l->ye->filename,
					    ev->start_mark.line + 1, ev->start_mark.column + 1,
					    name);
		n = node_new(l, YE_ALIAS, ev, parent);
		n->value = xstrdup(name);
		n->target = target;
		*ret = n;
		return 0;
	}
	case YAML_SCALAR_EVENT:
		n = node_new(l, YE_SCALAR, ev, parent);
		n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->block = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
			   ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
		if (ev->data.scalar.tag)
			n->tag = xstrdup((const char *)ev->data.scalar.tag);
		anchor_add(l, ev->data.scalar.anchor, n);
		*ret = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		n = node_new(l, seq ? YE_SEQ : YE_MAP, ev, parent);
		n->flow = seq ? ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
			      : ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
		const yaml_char_t *tag =
			seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
		if (tag)
			n->tag = xstrdup((const char *)tag);
		anchor_add(l, seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor,
			   n);
		n->cstart = byte_of(l, ev->end_mark.index);
		*ret = n;
		int r = load_children(l, n, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT);
		if (r < 0)
			return r;
		if (!n->flow && n->n) {
			n->cstart = n->kids[0]->start;
			n->ccolumn = column_of(text, n->cstart);
			if (seq) {
				/* Items start after "- ": the dash is the last thing before. */
				size_t i = n->kids[0]->start;
				while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
					i--;
				if (i > 0 && text[i - 1] == '-') {
					n->cstart = i - 1;
					n->ccolumn = column_of(text, i - 1);
				}
			}
		}
		return 0;
	}
	default:
		return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: invalid YAML: unexpected event",
				    l->ye->filename, ev->start_mark.line + 1,
				    ev->start_mark.column + 1);
	}
}

/* The most common positive value of counts[1..8], or dflt when none. */
static int most_common(const size_t *counts, int lo, int dflt)
{
	int best = dflt;
	size_t best_n = 0;
	for (int i = lo; i <= 8; i++)
		if (counts[i] > best_n) {
			best_n = counts[i];
			best = i;
		}
	return best;
}

/* Learn the indentation step and sequence indentation from the file. */
static void learn_style(struct yedit *ye)
{
	size_t steps[9] = {0}, seqs[9] = {0};
	for (size_t i = 0; i < ye->n_all; i++) {
		const struct yenode *n = ye->all[i], *p = n->parent;
		if (!p || p->kind != YE_MAP || p->flow || n->flow || !n->n)
			continue;
		if (n->kind != YE_MAP && n->kind != YE_SEQ)
			continue;
		/* Only as a value, on a line of its own. */
		if (n->line == p->kids[0]->line && p->kids[0]->line == n->kids[0]->line)
			continue;
		int d = n->ccolumn - p->ccolumn;
		if (d < 0 || d > 8)
			continue;
		if (n->kind == YE_MAP && d > 0)
			steps[d]++;
		else if (n->kind == YE_SEQ)
			seqs[d]++;
	}
	ye->step = most_common(steps, 1, 2);
	ye->seq_indent = most_common(seqs, 0, ye->step);
	if (seqs[0] && seqs[0] >= seqs[ye->seq_indent])
		ye->seq_indent = 0;
}

int yedit_load(struct yedit *ye, const char *buf, size_t len, const char *filename,
	       struct rl_error *err)
{
	memset(ye, 0, sizeof(*ye));
	ye->text = buf;
	ye->len = len;
	ye->filename = filename;
	const char *nl = memchr(buf, '\n', len);
	ye->eol = nl && nl > buf && nl[-1] == '\r' ? "\r\n" : "\n";

	struct loader l = {.ye = ye, .err = err};
	/* Offsets are bytes of UTF-8: other encodings are refused, a UTF-8 BOM skipped. */
	if (len >= 2 && ((buf[0] == '\xfe' && buf[1] == '\xff') ||
			 (buf[0] == '\xff' && buf[1] == '\xfe') || !buf[0] || !buf[1]))
		return rl_error_set(err, RL_EPARSE, "%s: not UTF-8 text", filename);
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		l.bom = l.cursor_byte = 3;
	/*
	 * Lines end in \n or \r\n here; YAML also breaks lines at a lone \r and
	 * at U+0085, U+2028 and U+2029, which would put lines where the editor sees none.
	 */
	int line = 1;
	for (size_t i = 0; i < len; i++) {
		const char *p = buf + i;
		if (*p == '\n')
			line++;
		if ((*p == '\r' && (i + 1 == len || p[1] != '\n')) ||
		    (len - i >= 2 && !memcmp(p, "\xc2\x85", 2)) ||
		    (len - i >= 3 &&
		     (!memcmp(p, "\xe2\x80\xa8", 3) || !memcmp(p, "\xe2\x80\xa9", 3))))
			return rl_error_set(err, RL_EPARSE,
					    "%s:%d: a line break other than \\n or \\r\\n (a lone "
					    "carriage return or a Unicode line separator)",
					    filename, line);
		/* libyaml counts one there as a column where the editor counts three bytes. */
		if (i >= l.bom && len - i >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
			return rl_error_set(err, RL_EPARSE,
					    "%s:%d: a byte-order mark inside the file (U+FEFF): "
					    "remove it, then run rootlock fix again",
					    filename, line);
	}
	if (!yaml_parser_initialize(&l.parser))
		die_oom();
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
	int r = 0;
	for (bool done = false; !done && r == 0;) {
		yaml_event_t ev;
		if ((r = next_event(&l, &ev)) < 0)
			break;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			ye->n_docs++;
			/* Anchors do not cross documents. */
			l.n_anchors = 0;
			break;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		default: {
			struct yenode *root = NULL;
			r = load_node(&l, &ev, NULL, &root);
			if (r == 0) {
				ye->docs = xrealloc(ye->docs, ye->n_docs * sizeof(*ye->docs));
				ye->docs[ye->n_docs - 1] = root;
				if (ye->n_docs == 1)
					ye->root = root;
			}
			break;
		}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&l.parser);
	free(l.anchors);
	if (r < 0) {
		yedit_release(ye);
		return r;
	}
	learn_style(ye);
	return 0;
}

void yedit_release(struct yedit *ye)
{
	if (!ye)
		return;
	for (size_t i = 0; i < ye->n_all; i++) {
		struct yenode *n = ye->all[i];
		free(n->anchor);
		free(n->tag);
		free(n->value);
		free(n->kids);
		free(n);
	}
	free(ye->all);
	free(ye->docs);
	for (size_t i = 0; i < ye->n_changes; i++)
		free(ye->changes[i].text);
	free(ye->changes);
	memset(ye, 0, sizeof(*ye));
}

/* --- lookups --------------------------------------------------------------- */

struct yenode *yenode_resolve(struct yenode *n)
{
	while (n && n->kind == YE_ALIAS)
		n = n->target;
	return n;
}

const char *yenode_scalar(const struct yenode *n)
{
	n = yenode_resolve((struct yenode *)n);
	return n && n->kind == YE_SCALAR ? n->value : NULL;
}

bool yenode_is_null(const struct yenode *n)
{
	n = yenode_resolve((struct yenode *)n);
	if (!n || n->kind != YE_SCALAR || !n->plain || n->tag)
		return false;
	return !n->value[0] || streq(n->value, "~") || streq(n->value, "null") ||
	       streq(n->value, "Null") || streq(n->value, "NULL");
}

static ssize_t pair_index(const struct yenode *map, const char *key)
{
	map = yenode_resolve((struct yenode *)map);
	if (!map || map->kind != YE_MAP)
		return -1;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (streq(yenode_scalar(map->kids[i]), key))
			return (ssize_t)i;
	return -1;
}

struct yenode *yenode_get(const struct yenode *map, const char *key)
{
	ssize_t i = pair_index(map, key);
	return i < 0 ? NULL : yenode_resolve((struct yenode *)map)->kids[i + 1];
}

struct yenode *yenode_get_key(const struct yenode *map, const char *key)
{
	ssize_t i = pair_index(map, key);
	return i < 0 ? NULL : yenode_resolve((struct yenode *)map)->kids[i];
}

static struct yenode *get_merged(const struct yenode *map, const char *key,
				 const struct yenode **via, int depth, int *budget)
{
	map = yenode_resolve((struct yenode *)map);
	/* Merges of merges, and merge lists, are bounded: no input makes this exponential. */
	if (!map || map->kind != YE_MAP || depth > 32 || --*budget < 0)
		return NULL;
	struct yenode *own = yenode_get(map, key);
	if (own && !streq(key, "<<"))
		return yenode_resolve(own);
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		if (!streq(yenode_scalar(map->kids[i]), "<<") || !map->kids[i]->plain)
			continue;
		struct yenode *m = yenode_resolve(map->kids[i + 1]);
		size_t n = m && m->kind == YE_SEQ ? m->n : 1;
		for (size_t j = 0; j < n; j++) {
			struct yenode *src =
				m && m->kind == YE_SEQ ? yenode_resolve(m->kids[j]) : m;
			const struct yenode *inner = NULL;
			struct yenode *v = get_merged(src, key, &inner, depth + 1, budget);
			if (v) {
				*via = inner ? inner : src;
				return v;
			}
		}
	}
	return NULL;
}

struct yenode *yenode_get_merged(const struct yenode *map, const char *key,
				 const struct yenode **via)
{
	const struct yenode *unused;
	if (!via)
		via = &unused;
	*via = NULL;
	int budget = 1000;
	return get_merged(map, key, via, 0, &budget);
}

struct yenode *yedit_find(const struct yenode *from, const char *path)
{
	struct yenode *n = yenode_resolve((struct yenode *)from);
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k && n; k = strtok_r(NULL, ".", &save))
		n = yenode_resolve(yenode_get(n, k));
	return n;
}

const struct yenode *yedit_alias_of(const struct yedit *ye, const struct yenode *n)
{
	for (size_t i = 0; i < ye->n_all; i++)
		if (ye->all[i]->kind == YE_ALIAS && ye->all[i]->target == n)
			return ye->all[i];
	return NULL;
}

/* A block scalar with keep chomping (|+, >+): its trailing blank lines are content. */
static bool keeps_trailing_lines(const struct yedit *ye, const struct yenode *n)
{
	for (size_t i = n->start; i < n->end && ye->text[i] != '\n'; i++)
		if (ye->text[i] == '|' || ye->text[i] == '>') {
			for (i++; i < n->end && ye->text[i] != '\n' && ye->text[i] != ' '; i++)
				if (ye->text[i] == '+')
					return true;
			return false;
		}
	return false;
}

size_t yenode_content_end(const struct yedit *ye, const struct yenode *n)
{
	if (n->kind == YE_SCALAR && n->block) {
		if (keeps_trailing_lines(ye, n))
			return n->end;
		size_t e = n->end;
		while (e > n->start && strchr(" \t\r\n", ye->text[e - 1]))
			e--;
		return e;
	}
	if ((n->kind == YE_MAP || n->kind == YE_SEQ) && !n->flow && n->n)
		return yenode_content_end(ye, n->kids[n->n - 1]);
	return n->end;
}

/* --- quoting and emitting -------------------------------------------------- */

static bool plain_safe(const char *s, bool flow)
{
	size_t n = strlen(s);
	if (!n || strchr(" \t", s[0]) || strchr(" \t", s[n - 1]))
		return false;
	if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) && !(s[0] == '-' && n > 1 && s[1] != ' ') &&
	    !(s[0] == ':' && n > 1 && s[1] != ' ' && !flow))
		return false;
	if (strstr(s, ": ") || strstr(s, " #") || s[n - 1] == ':')
		return false;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
		if (flow && strchr(",[]{}", *p))
			return false;
		if (flow && *p == ':' && (!p[1] || strchr(",[]{}", p[1])))
			return false;
	}
	/* Words that would read back as something other than a string. */
	static const char *const special[] = {"true", "false", "yes", "no", "on",
					      "off",  "null",  "~",   "y",  "n"};
	for (size_t i = 0; i < ARRAY_SIZE(special); i++)
		if (strcasecmp(s, special[i]) == 0)
			return false;
	char *endp;
	(void)strtod(s, &endp);
	if (!*endp)
		return false;
	return true;
}

static void add_double_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)*p);
		} else if (*p == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (*p == '\t') {
			strbuf_addstr(sb, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addf(sb, "\\x%02x", *p);
		} else {
			strbuf_addch(sb, (char)*p);
		}
	}
	strbuf_addch(sb, '"');
}

char *yedit_quote(const char *s, bool flow)
{
	if (plain_safe(s, flow))
		return xstrdup(s);
	struct strbuf sb = STRBUF_INIT;
	add_double_quoted(&sb, s);
	return strbuf_detach(&sb);
}

struct emitter {
	struct strbuf *sb;
	const struct yedit *style; /* the file written into */
	const char *src;	   /* the text the emitted nodes come from */
	bool json;		   /* flow output with JSON's quoting */
	int depth;
	bool overflow; /* a recursive alias or an alias bomb: the output is not usable */
};

/* Inherited entries are written out whole: bound what aliases can make of them. */
#define EMIT_MAX_BYTES ((size_t)1 << 20)

static void spaces(struct strbuf *sb, int n)
{
	for (int i = 0; i < n; i++)
		strbuf_addch(sb, ' ');
}

static bool single_line(const struct emitter *e, const struct yenode *n)
{
	return !memchr(e->src + n->start, '\n', n->end - n->start);
}

static bool json_bare(const char *s)
{
	if (streq(s, "true") || streq(s, "false") || streq(s, "null"))
		return true;
	char *endp;
	(void)strtod(s, &endp);
	return *s && !*endp && strspn(s, "0123456789+-.eE") == strlen(s);
}

/*
 * A plain scalar that reads the same inside [] or {}: no flow indicators,
 * and no colon either (parsers differ on "a:b" in flow context).
 */
static bool flow_plain_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if (strchr(",[]{}:", *p) || (*p == '#' && p > s && p[-1] == ' '))
			return false;
	return true;
}

static void emit_flow(struct emitter *e, const struct yenode *n, bool is_key)
{
	struct strbuf *sb = e->sb;
	if (e->overflow || e->depth > YEDIT_MAX_DEPTH || sb->len > EMIT_MAX_BYTES) {
		e->overflow = true;
		return;
	}
	if (n->kind == YE_ALIAS) {
		e->depth++;
		emit_flow(e, yenode_resolve((struct yenode *)n), is_key);
		e->depth--;
		return;
	}
	if (n->kind == YE_SCALAR) {
		if (e->json) {
			if (n->plain && !is_key && json_bare(n->value))
				strbuf_addstr(sb, n->value);
			else
				add_double_quoted(sb, n->value);
		} else if (n->block || !single_line(e, n) || n->anchor ||
			   (n->plain && !flow_plain_ok(n->value))) {
			if (n->plain && yenode_is_null(n))
				strbuf_addstr(sb, "null");
			else
				add_double_quoted(sb, n->value);
		} else if (n->tag && !n->plain) {
			add_double_quoted(sb, n->value);
		} else {
			strbuf_add(sb, e->src + n->start, n->end - n->start);
		}
		return;
	}
	bool map = n->kind == YE_MAP;
	e->depth++;
	strbuf_addch(sb, map ? '{' : '[');
	for (size_t i = 0; i < n->n; i += map ? 2 : 1) {
		if (i)
			strbuf_addstr(sb, ", ");
		emit_flow(e, n->kids[i], map);
		if (map) {
			strbuf_addstr(sb, ": ");
			emit_flow(e, n->kids[i + 1], false);
		}
	}
	strbuf_addch(sb, map ? '}' : ']');
	e->depth--;
}

static void emit_raw(struct emitter *e, const struct yenode *n)
{
	if (n->kind == YE_SCALAR && single_line(e, n) && !n->block)
		strbuf_add(e->sb, e->src + n->start, n->end - n->start);
	else
		emit_flow(e, n, false);
}

static bool block_collection(const struct yenode *n)
{
	return (n->kind == YE_MAP || n->kind == YE_SEQ) && !n->flow && n->n;
}

static void emit_block_seq(struct emitter *e, const struct yenode *seq, int col);
static void emit_block_pairs(struct emitter *e, const struct yenode *map, int col,
			     bool inline_first);

/* The value part after "key:" for a new block pair at column col: " x\n" or "\n  ...". */
static void emit_block_value(struct emitter *e, const struct yenode *v, int col)
{
	if (block_collection(v) && v->kind == YE_MAP) {
		strbuf_addch(e->sb, '\n');
		emit_block_pairs(e, v, col + e->style->step, false);
	} else if (block_collection(v)) {
		strbuf_addch(e->sb, '\n');
		emit_block_seq(e, v, col + e->style->seq_indent);
	} else {
		if (!(v->kind == YE_SCALAR && v->plain && !v->value[0])) {
			strbuf_addch(e->sb, ' ');
			emit_raw(e, v);
		}
		strbuf_addch(e->sb, '\n');
	}
}

/* The pairs of map at column col; the first one's indentation already written when inline. */
static void emit_block_pairs(struct emitter *e, const struct yenode *map, int col,
			     bool inline_first)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct yenode *k = map->kids[i], *v = map->kids[i + 1];
		if (i || !inline_first)
			spaces(e->sb, col);
		emit_raw(e, k);
		strbuf_addch(e->sb, ':');
		emit_block_value(e, v, col);
	}
}

static void emit_block_item(struct emitter *e, const struct yenode *item, int col)
{
	spaces(e->sb, col);
	strbuf_addstr(e->sb, "- ");
	if (block_collection(item) && item->kind == YE_MAP) {
		emit_block_pairs(e, item, col + 2, true);
		return;
	}
	if (block_collection(item))
		emit_flow(e, item, false);
	else
		emit_raw(e, item);
	strbuf_addch(e->sb, '\n');
}

static void emit_block_seq(struct emitter *e, const struct yenode *seq, int col)
{
	for (size_t i = 0; i < seq->n; i++)
		emit_block_item(e, seq->kids[i], col);
}

/* A fragment, parsed. */
struct fragment {
	struct yedit ye;
	struct yenode *node; /* never NULL: an empty fragment is an empty scalar */
	struct yenode empty;
};

static int fragment_load(struct fragment *f, const char *text, struct rl_error *err)
{
	memset(f, 0, sizeof(*f));
	int r = yedit_load(&f->ye, text, strlen(text), "(fragment)", err);
	if (r < 0)
		return r;
	f->node = f->ye.root;
	if (!f->node) {
		f->empty.kind = YE_SCALAR;
		f->empty.plain = true;
		f->empty.value = (char *)"";
		f->node = &f->empty;
	}
	return 0;
}

static void fragment_release(struct fragment *f)
{
	yedit_release(&f->ye);
}

/* Flow mappings with quoted keys are JSON, or written like it: keep to that. */
static bool json_like(const struct yenode *coll)
{
	if (!coll->flow || !coll->n)
		return false;
	const struct yenode *first = coll->kids[0];
	return first->kind == YE_SCALAR && !first->plain && !first->block && coll->kind == YE_MAP;
}

/* --- queueing changes ------------------------------------------------------ */

static void queue(struct yedit *ye, size_t at, size_t del, char *text, bool lines, int depth)
{
	if (ye->n_changes == ye->alloc_changes) {
		ye->alloc_changes = ye->alloc_changes ? ye->alloc_changes * 2 : 8;
		ye->changes = xrealloc(ye->changes, ye->alloc_changes * sizeof(*ye->changes));
	}
	ye->changes[ye->n_changes] = (struct yedit_change){
		.at = at,
		.del = del,
		.text = text,
		.lines = lines,
		.depth = depth,
		.order = ye->n_changes,
	};
	ye->n_changes++;
}

size_t yedit_pending(const struct yedit *ye)
{
	return ye->n_changes;
}

/* The start of the line after the one holding offset at (or the end of the text). */
static size_t line_after(const struct yedit *ye, size_t at)
{
	if (at > 0 && at <= ye->len && ye->text[at - 1] == '\n')
		return at;
	const char *nl = memchr(ye->text + at, '\n', ye->len - at);
	return nl ? (size_t)(nl - ye->text) + 1 : ye->len;
}

/* Only blank lines and comments from at to the end of the text. */
static bool only_comments_after(const struct yedit *ye, size_t at)
{
	bool comment = false;
	for (size_t i = at; i < ye->len; i++) {
		char c = ye->text[i];
		if (c == '\n')
			comment = false;
		else if (c == '#')
			comment = true;
		else if (!comment && !strchr(" \t\r", c))
			return false;
	}
	return true;
}

/* Where new pairs or items of the block collection coll go. */
static size_t block_insert_at(const struct yedit *ye, const struct yenode *coll)
{
	if (coll == ye->root && ye->n_docs == 1 &&
	    only_comments_after(ye, yenode_content_end(ye, coll)))
		return ye->len;
	return line_after(ye, yenode_content_end(ye, coll));
}

/*
 * Does coll end with a block scalar that runs to the end of a file without
 * a final newline? A line added after it would add a newline to its value.
 */
static bool ends_in_open_block_scalar(const struct yedit *ye, const struct yenode *coll)
{
	if (!ye->len || ye->text[ye->len - 1] == '\n')
		return false;
	const struct yenode *n = coll;
	while ((n->kind == YE_MAP || n->kind == YE_SEQ) && !n->flow && n->n) {
		const struct yenode *last = n->kids[n->n - 1];
		/* "? |" with no value: the key is what ends the file. */
		bool empty = last->kind == YE_SCALAR && last->plain && !last->value[0];
		n = n->kind == YE_MAP && n->n >= 2 && empty ? n->kids[n->n - 2] : last;
	}
	return n->kind == YE_SCALAR && n->block;
}

static bool fragment_is_scalar(const struct fragment *f)
{
	return f->node->kind == YE_SCALAR;
}

/* A key written with "?", or one that is not a scalar: its column is not the mapping's. */
const struct yenode *yedit_explicit_key(const struct yedit *ye, const struct yenode *map)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct yenode *k = map->kids[i];
		if (k->kind != YE_SCALAR)
			return k;
		/* What lies before the key since the last value: blanks, comments, or a "?". */
		size_t from = i ? map->kids[i - 1]->end : map->start;
		bool comment = false;
		for (size_t at = from; at < k->start; at++) {
			char c = ye->text[at];
			if (c == '\n')
				comment = false;
			else if (c == '#')
				comment = true;
			else if (c == '?' && !comment)
				return k;
		}
	}
	return NULL;
}

int yedit_map_add(struct yedit *ye, struct yenode *map, const char *key, const char *value,
		  struct rl_error *err)
{
	map = yenode_resolve(map);
	if (!map || map->kind != YE_MAP)
		return rl_error_set(err, RL_EPARSE, "%s: cannot add %s: not a mapping",
				    ye->filename, key);
	const struct yenode *complex = map->flow ? NULL : yedit_explicit_key(ye, map);
	if (complex)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: an explicit (?) or non-scalar key in this mapping: "
				    "rootlock does not write beside it",
				    ye->filename, complex->line);
	struct fragment f;
	int r = fragment_load(&f, value, err);
	if (r < 0)
		return r;
	struct strbuf sb = STRBUF_INIT;
	struct emitter e = {.sb = &sb, .style = ye, .src = f.ye.text, .json = json_like(map)};
	_cleanup_free_ char *qkey = yedit_quote(key, map->flow);
	if (map->flow) {
		size_t at = map->n ? map->kids[map->n - 1]->end : map->cstart;
		if (map->n || map->added)
			strbuf_addstr(&sb, ", ");
		if (e.json)
			add_double_quoted(&sb, key);
		else
			strbuf_addstr(&sb, qkey);
		strbuf_addstr(&sb, ": ");
		emit_flow(&e, f.node, false);
		queue(ye, at, 0, strbuf_detach(&sb), false, map->depth);
	} else {
		int col = map->n ? map->ccolumn : 0;
		spaces(&sb, col);
		strbuf_addstr(&sb, qkey);
		strbuf_addch(&sb, ':');
		emit_block_value(&e, f.node, col);
		size_t at = block_insert_at(ye, map);
		if (at == ye->len && ends_in_open_block_scalar(ye, map)) {
			/* Then the new pair goes first: key order means nothing to Compose. */
			at = map->cstart - (size_t)map->ccolumn;
			if (column_of(ye->text, map->cstart) != map->ccolumn ||
			    (at > 0 && ye->text[at - 1] != '\n')) {
				strbuf_release(&sb);
				fragment_release(&f);
				return rl_error_set(
					err, RL_EPARSE,
					"%s:%d: cannot add %s after a block scalar that "
					"ends the file without a newline",
					ye->filename, map->line, key);
			}
		}
		queue(ye, at, 0, strbuf_detach(&sb), true, map->depth);
	}
	map->added++;
	fragment_release(&f);
	return 0;
}

/* The index of value among map's values, or -1. */
static ssize_t value_index(const struct yenode *map, const struct yenode *value)
{
	for (size_t i = 1; i < map->n; i += 2)
		if (map->kids[i] == value)
			return (ssize_t)i;
	return -1;
}

int yedit_replace_value(struct yedit *ye, struct yenode *map, struct yenode *value,
			const char *fragment, struct rl_error *err)
{
	ssize_t vi = value_index(map, value);
	if (vi < 0)
		return rl_error_set(err, RL_EPARSE, "%s: internal: value not in its mapping",
				    ye->filename);
	if (value->anchor && yedit_alias_of(ye, value))
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: the value is anchored (&%s) and used elsewhere: "
				    "changing it would change that too",
				    ye->filename, value->line, value->anchor);
	if ((value->kind == YE_MAP || value->kind == YE_SEQ) && !value->flow)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: cannot replace a block collection in place",
				    ye->filename, value->line);
	const struct yenode *complex = map->flow ? NULL : yedit_explicit_key(ye, map);
	if (complex)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: an explicit (?) or non-scalar key in this mapping: "
				    "rootlock does not write beside it",
				    ye->filename, complex->line);
	struct fragment f;
	int r = fragment_load(&f, fragment, err);
	if (r < 0)
		return r;
	struct strbuf sb = STRBUF_INIT;
	struct emitter e = {.sb = &sb, .style = ye, .src = f.ye.text, .json = json_like(map)};
	const struct yenode *key = map->kids[vi - 1];
	bool empty = value->start == value->end;
	/* Block value into a block mapping: remove the old bytes, write the lines below. */
	if (!map->flow && block_collection(f.node)) {
		size_t from = value->start;
		while (from > key->end && (ye->text[from - 1] == ' ' || ye->text[from - 1] == '\t'))
			from--;
		if (value->end > from)
			queue(ye, from, value->end - from, xstrdup(""), false, map->depth);
		int col = column_of(ye->text, key->start);
		if (f.node->kind == YE_MAP)
			emit_block_pairs(&e, f.node, col + ye->step, false);
		else
			emit_block_seq(&e, f.node, col + ye->seq_indent);
		queue(ye, line_after(ye, value->end), 0, strbuf_detach(&sb), true, map->depth + 1);
	} else {
		/* A flow key may stand alone ({a}): its value needs the colon too. */
		bool colon = value->start > key->end &&
			     memchr(ye->text + key->end, ':', value->start - key->end);
		if (empty && map->flow && !colon &&
		    memchr(ye->text + key->start, '\n', key->end - key->start)) {
			/* "key: value" is a one-line affair: a key over lines stands alone only. */
			strbuf_release(&sb);
			fragment_release(&f);
			return rl_error_set(err, RL_EPARSE,
					    "%s:%d: a key over several lines cannot take a value",
					    ye->filename, key->line);
		}
		if (empty && map->flow && !colon)
			strbuf_addstr(&sb, ": ");
		else if (empty && !map->flow)
			strbuf_addch(&sb, ' ');
		if (map->flow || !fragment_is_scalar(&f))
			emit_flow(&e, f.node, false);
		else
			emit_raw(&e, f.node);
		queue(ye, value->start, value->end - value->start, strbuf_detach(&sb), false,
		      map->depth);
	}
	fragment_release(&f);
	return 0;
}

int yedit_seq_append(struct yedit *ye, struct yenode *seq, const char *const *items, size_t n,
		     struct rl_error *err)
{
	if (!seq || seq->kind != YE_SEQ)
		return rl_error_set(err, RL_EPARSE, "%s: cannot append: not a sequence",
				    ye->filename);
	if (!n)
		return 0;
	if (!seq->flow && !seq->n)
		return rl_error_set(err, RL_EPARSE, "%s:%d: cannot append to an empty sequence",
				    ye->filename, seq->line);
	struct strbuf sb = STRBUF_INIT;
	bool first = !seq->n && !seq->added;
	bool quoted_items = seq->n && seq->kids[0]->kind == YE_SCALAR && !seq->kids[0]->plain &&
			    !seq->kids[0]->block;
	for (size_t i = 0; i < n; i++) {
		struct fragment f;
		int r = fragment_load(&f, items[i], err);
		if (r < 0) {
			strbuf_release(&sb);
			return r;
		}
		struct emitter e = {.sb = &sb, .style = ye, .src = f.ye.text};
		if (seq->flow) {
			if (!first)
				strbuf_addstr(&sb, ", ");
			emit_flow(&e, f.node, false);
		} else if (quoted_items && fragment_is_scalar(&f) && f.node->plain &&
			   !yenode_is_null(f.node)) {
			/* The list quotes its entries: so do the new ones. */
			spaces(&sb, seq->ccolumn);
			strbuf_addstr(&sb, "- ");
			if (ye->text[seq->kids[0]->start] == '\'' && !strchr(f.node->value, '\''))
				strbuf_addf(&sb, "'%s'", f.node->value);
			else
				add_double_quoted(&sb, f.node->value);
			strbuf_addch(&sb, '\n');
		} else {
			emit_block_item(&e, f.node, seq->ccolumn);
		}
		first = false;
		fragment_release(&f);
	}
	if (!seq->flow && block_insert_at(ye, seq) == ye->len &&
	    ends_in_open_block_scalar(ye, seq)) {
		strbuf_release(&sb);
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: cannot append after a block scalar that ends the file "
				    "without a newline",
				    ye->filename, seq->line);
	}
	seq->added += n;
	if (seq->flow)
		queue(ye, seq->n ? seq->kids[seq->n - 1]->end : seq->cstart, 0, strbuf_detach(&sb),
		      false, seq->depth);
	else
		queue(ye, block_insert_at(ye, seq), 0, strbuf_detach(&sb), true, seq->depth);
	return 0;
}

/* A fragment that nests keys[0..n) around tail (a fragment for the last key's value). */
static char *nest(char **keys, size_t n, const char *tail)
{
	struct strbuf sb = STRBUF_INIT;
	if (!strchr(tail, '\n')) {
		/* The last key on one line with its value. */
		for (size_t i = 0; i < n; i++) {
			spaces(&sb, (int)i * 2);
			_cleanup_free_ char *q = yedit_quote(keys[i], false);
			strbuf_addf(&sb, "%s:%s", q, i + 1 < n ? "\n" : "");
		}
		if (n && *tail)
			strbuf_addf(&sb, " %s", tail);
		else if (!n)
			strbuf_addstr(&sb, tail);
		return strbuf_detach(&sb);
	}
	for (size_t i = 0; i < n; i++) {
		spaces(&sb, (int)i * 2);
		_cleanup_free_ char *q = yedit_quote(keys[i], false);
		strbuf_addf(&sb, "%s:\n", q);
	}
	/* The tail's lines, indented under the last key. */
	for (const char *line = tail; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len) {
			spaces(&sb, (int)n * 2);
			strbuf_add(&sb, line, len);
		}
		strbuf_addch(&sb, '\n');
		line += len + (nl ? 1 : 0);
	}
	return strbuf_detach(&sb);
}

static size_t split_path(const char *path, char ***keys)
{
	struct strv sv = STRV_INIT;
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save))
		strv_add(&sv, k);
	*keys = sv.v;
	return sv.n;
}

static void keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/*
 * Walk keys[0..n-1) from map; where one is missing or null, write the rest
 * (with tail as the last key's value) there and set *done. Otherwise *last
 * is the mapping that holds (or will hold) keys[n-1].
 */
static int walk_or_create(struct yedit *ye, struct yenode *map, char **keys, size_t n,
			  const char *tail, struct yenode **last, bool *done, struct rl_error *err)
{
	*done = false;
	map = yenode_resolve(map);
	for (size_t i = 0; i + 1 < n; i++) {
		struct yenode *v = yenode_get(map, keys[i]);
		if (!v || yenode_is_null(v)) {
			_cleanup_free_ char *frag = nest(keys + i + 1, n - i - 1, tail);
			*done = true;
			if (!v)
				return yedit_map_add(ye, map, keys[i], frag, err);
			return yedit_replace_value(ye, map, v, frag, err);
		}
		if (v->kind == YE_ALIAS)
			return rl_error_set(err, RL_EPARSE,
					    "%s:%d: %s is an alias (*%s): writing into it would "
					    "change its anchor's other users",
					    ye->filename, v->line, keys[i], v->value);
		if (v->kind != YE_MAP)
			return rl_error_set(err, RL_EPARSE, "%s:%d: %s is not a mapping",
					    ye->filename, v->line, keys[i]);
		map = v;
	}
	*last = map;
	return 0;
}

int yedit_set(struct yedit *ye, struct yenode *map, const char *path, const char *value,
	      struct rl_error *err)
{
	char **keys;
	size_t n = split_path(path, &keys);
	struct yenode *last = NULL;
	bool done = false;
	int r = n ? walk_or_create(ye, map, keys, n, value, &last, &done, err)
		  : rl_error_set(err, RL_EUSAGE, "empty path");
	if (r < 0 || done)
		goto out;
	struct yenode *v = yenode_get(last, keys[n - 1]);
	if (!v)
		r = yedit_map_add(ye, last, keys[n - 1], value, err);
	else if (v->kind == YE_SCALAR || v->kind == YE_ALIAS)
		r = yedit_replace_value(ye, last, v, value, err);
	else
		r = rl_error_set(err, RL_EPARSE, "%s:%d: %s is not a scalar", ye->filename, v->line,
				 keys[n - 1]);
out:
	keys_free(keys, n);
	return r;
}

/* "- a\n- b\n": items as one block sequence fragment. */
static char *seq_fragment(const char *const *items, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const char *line = items[i];
		for (bool first = true; *line || first; first = false) {
			const char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			strbuf_addstr(&sb, first ? "- " : "  ");
			strbuf_add(&sb, line, len);
			strbuf_addch(&sb, '\n');
			line += len + (nl ? 1 : 0);
		}
	}
	return strbuf_detach(&sb);
}

int yedit_append(struct yedit *ye, struct yenode *map, const char *path, const char *const *items,
		 size_t n, struct rl_error *err)
{
	if (!n)
		return 0;
	char **keys;
	size_t nk = split_path(path, &keys);
	_cleanup_free_ char *tail = seq_fragment(items, n);
	struct yenode *last = NULL;
	bool done = false;
	int r = nk ? walk_or_create(ye, map, keys, nk, tail, &last, &done, err)
		   : rl_error_set(err, RL_EUSAGE, "empty path");
	if (r < 0 || done)
		goto out;
	struct yenode *v = yenode_get(last, keys[nk - 1]);
	if (!v) {
		r = yedit_map_add(ye, last, keys[nk - 1], tail, err);
	} else if (yenode_is_null(v) && v->kind == YE_SCALAR) {
		r = yedit_replace_value(ye, last, v, tail, err);
	} else if (v->kind == YE_SEQ) {
		if (v->anchor && yedit_alias_of(ye, v))
			r = rl_error_set(err, RL_EPARSE,
					 "%s:%d: %s is anchored (&%s) and used elsewhere: "
					 "appending would change that too",
					 ye->filename, v->line, keys[nk - 1], v->anchor);
		else
			r = yedit_seq_append(ye, v, items, n, err);
	} else if (v->kind == YE_SCALAR && !v->block && !v->tag && !v->anchor &&
		   !memchr(ye->text + yenode_get_key(last, keys[nk - 1])->start, '\n',
			   v->end - yenode_get_key(last, keys[nk - 1])->start)) {
		/* "key: value" on one line, untagged: it becomes a list that keeps it first. */
		struct strbuf sb = STRBUF_INIT;
		strbuf_add(&sb, ye->text + v->start, v->end - v->start);
		strbuf_addch(&sb, '\n');
		_cleanup_free_ char *kept = strbuf_detach(&sb);
		const char **all = xcalloc(n + 1, sizeof(*all));
		all[0] = kept;
		memcpy(all + 1, items, n * sizeof(*items));
		_cleanup_free_ char *frag = seq_fragment(all, n + 1);
		free(all);
		if (v->anchor && yedit_alias_of(ye, v))
			r = rl_error_set(err, RL_EPARSE,
					 "%s:%d: %s is anchored (&%s) and used elsewhere",
					 ye->filename, v->line, keys[nk - 1], v->anchor);
		else
			r = yedit_replace_value(ye, last, v, frag, err);
	} else {
		r = rl_error_set(err, RL_EPARSE, "%s:%d: %s is not a list", ye->filename, v->line,
				 keys[nk - 1]);
	}
out:
	keys_free(keys, nk);
	return r;
}

void yedit_append_text(struct yedit *ye, const char *text)
{
	queue(ye, ye->len, 0, xstrdup(text), true, -1);
}

char *yedit_node_flow(const struct yedit *ye, const struct yenode *n)
{
	struct strbuf sb = STRBUF_INIT;
	struct emitter e = {.sb = &sb, .style = ye, .src = ye->text};
	emit_flow(&e, n, false);
	if (e.overflow) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* --- applying -------------------------------------------------------------- */

static int change_cmp(const void *a, const void *b)
{
	const struct yedit_change *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void add_converted(struct strbuf *sb, const char *text, size_t len, const char *eol)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			strbuf_addstr(sb, eol);
		else
			strbuf_addch(sb, text[i]);
	}
}

char *yedit_apply(const struct yedit *ye, size_t *len)
{
	struct yedit_change *sorted = xcalloc(ye->n_changes + 1, sizeof(*sorted));
	if (ye->n_changes)
		memcpy(sorted, ye->changes, ye->n_changes * sizeof(*sorted));
	qsort(sorted, ye->n_changes, sizeof(*sorted), change_cmp);
	struct strbuf sb = STRBUF_INIT;
	strbuf_grow(&sb, ye->len + 256);
	/* Lines added after a last line that has no newline: one before them, none after. */
	bool open_end = ye->len && ye->text[ye->len - 1] != '\n';
	struct strbuf tail = STRBUF_INIT;
	size_t cursor = 0;
	for (size_t i = 0; i < ye->n_changes; i++) {
		const struct yedit_change *c = &sorted[i];
		if (c->at > cursor) {
			strbuf_add(&sb, ye->text + cursor, c->at - cursor);
			cursor = c->at;
		}
		if (c->lines && c->at == ye->len && open_end)
			strbuf_addstr(&tail, c->text);
		else
			add_converted(&sb, c->text, strlen(c->text), ye->eol);
		if (c->at + c->del > cursor)
			cursor = c->at + c->del;
	}
	if (cursor < ye->len)
		strbuf_add(&sb, ye->text + cursor, ye->len - cursor);
	if (tail.len) {
		strbuf_addstr(&sb, ye->eol);
		size_t n = tail.len;
		if (tail.buf[n - 1] == '\n')
			n--;
		add_converted(&sb, tail.buf, n, ye->eol);
	}
	strbuf_release(&tail);
	free(sorted);
	*len = sb.len;
	return strbuf_detach(&sb);
}
