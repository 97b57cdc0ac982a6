/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "yamldoc.h"

#include <string.h>
#include <yaml.h>

struct anchor {
	char *name;
	struct ynode *node;
};

struct loader {
	yaml_parser_t parser;
	const char *filename;
	struct ydoc *doc;
	struct ychunk *chunks; /* the stream's, for all its documents */
	struct anchor *anchors;
	size_t n_anchors, alloc_anchors;
	size_t aliases;
	struct rl_error *err;
	const char *const *unread; /* see ystream_load_unread(), or NULL */
	uint64_t unread_first[4];  /* bit c: some unread key starts with byte c */
	int anchored;		   /* anchored collections being read: none are left unread */
	/*
	 * The children of the collections being read, innermost last. A
	 * collection's are copied out at its end, at their final count, so no
	 * child array is ever grown or freed on its own.
	 */
	struct ynode **items;
	size_t n_items, alloc_items;
	struct ypair *pairs;
	size_t n_pairs, alloc_pairs;
};

/* A bump allocator: nodes, child arrays and strings are carved from chunks, freed together. */
struct ychunk {
	struct ychunk *next;
	size_t used, cap;
	max_align_t data[];
};

/*
 * Chunks start small, so a small file costs little and reuses the heap, and
 * double up to 1 MiB: those are above the mmap threshold (see main.c), so a
 * big file's tree goes back to the system when the file is done.
 */
#define CHUNK_MIN ((size_t)16 << 10)
#define CHUNK_MAX ((size_t)1 << 20)

/* A fresh chunk with room for size bytes; the caller's chunk_alloc() takes them. */
static __attribute__((noinline)) struct ychunk *chunk_add(struct loader *l, size_t size)
{
	struct ychunk *c = l->chunks;
	size_t cap = c ? c->cap * 2 : CHUNK_MIN;
	if (cap > CHUNK_MAX)
		cap = CHUNK_MAX;
	if (cap < size)
		cap = size;
	struct ychunk *fresh = xmalloc(sizeof(*fresh) + cap);
	fresh->used = 0;
	fresh->cap = cap;
	fresh->next = c;
	l->chunks = fresh;
	return fresh;
}

/*
 * size bytes at a multiple of align (a power of two, at most max_align_t's).
 * Inline: it runs for every node and scalar of every file.
 */
static inline void *chunk_alloc(struct loader *l, size_t size, size_t align)
{
	struct ychunk *c = l->chunks;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || at > c->cap || c->cap - at < size) {
		c = chunk_add(l, size);
		at = 0;
	}
	c->used = at + size;
	return (char *)c->data + at;
}

static char *doc_strndup(struct loader *l, const char *s, size_t len)
{
	char *p = chunk_alloc(l, len + 1, 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static struct ynode *node_new(struct loader *l, enum ynode_kind kind, const yaml_mark_t *mark)
{
	struct ynode *n = chunk_alloc(l, sizeof(*n), _Alignof(struct ynode));
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (int)mark->line + 1;
	n->column = (int)mark->column + 1;
	l->doc->n_all++;
	return n;
}

static void chunks_free(struct ychunk *c)
{
	for (struct ychunk *next; c; c = next) {
		next = c->next;
		free(c);
	}
}

size_t ystream_size(const struct ystream *s)
{
	size_t size = s->n * sizeof(*s->docs);
	for (const struct ychunk *c = s->chunks; c; c = c->next)
		size += sizeof(*c) + c->cap;
	return size;
}

void ystream_release(struct ystream *s)
{
	if (!s)
		return;
	chunks_free(s->chunks);
	free(s->docs);
	memset(s, 0, sizeof(*s));
}

static void anchors_reset(struct loader *l)
{
	for (size_t i = 0; i < l->n_anchors; i++)
		free(l->anchors[i].name);
	l->n_anchors = 0;
}

static void anchor_add(struct loader *l, const yaml_char_t *name, struct ynode *node)
{
	if (!name)
		return;
	/* A later anchor of the same name shadows the earlier one. */
	if (l->n_anchors == l->alloc_anchors) {
		l->alloc_anchors = l->alloc_anchors ? l->alloc_anchors * 2 : 16;
		l->anchors = xrealloc(l->anchors, l->alloc_anchors * sizeof(*l->anchors));
	}
	l->anchors[l->n_anchors].name = xstrdup((const char *)name);
	l->anchors[l->n_anchors].node = node;
	l->n_anchors++;
}

static struct ynode *anchor_find(struct loader *l, const char *name)
{
	for (size_t i = l->n_anchors; i > 0; i--)
		if (streq(l->anchors[i - 1].name, name))
			return l->anchors[i - 1].node;
	return NULL;
}

static int parse_error(struct loader *l)
{
	const yaml_parser_t *p = &l->parser;
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
	return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: invalid YAML: %s%s%s", l->filename,
			    m->line + 1, m->column + 1, p->problem ? p->problem : "syntax error",
			    p->context ? " " : "", p->context ? p->context : "");
}

static int next_event(struct loader *l, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&l->parser, ev))
		return parse_error(l);
	return 0;
}

static void item_push(struct loader *l, struct ynode *item)
{
	if (l->n_items == l->alloc_items) {
		l->alloc_items = l->alloc_items ? l->alloc_items * 2 : 64;
		l->items = xrealloc(l->items, l->alloc_items * sizeof(*l->items));
	}
	l->items[l->n_items++] = item;
}

static void pair_push(struct loader *l, struct ynode *key, struct ynode *value)
{
	if (l->n_pairs == l->alloc_pairs) {
		l->alloc_pairs = l->alloc_pairs ? l->alloc_pairs * 2 : 64;
		l->pairs = xrealloc(l->pairs, l->alloc_pairs * sizeof(*l->pairs));
	}
	l->pairs[l->n_pairs].key = key;
	l->pairs[l->n_pairs].value = value;
	l->n_pairs++;
}

_Static_assert(sizeof(struct ynode) <= 32, "nodes are many: keep them small");

/*
 * Move the children pushed since base into the document, as seq's items.
 * A file is at most a few hundred MB, so a count fits n's 32 bits.
 */
static void seq_finish(struct loader *l, struct ynode *seq, size_t base)
{
	size_t n = l->n_items - base;
	seq->n = (uint32_t)n;
	if (n) {
		seq->items = chunk_alloc(l, n * sizeof(*seq->items), _Alignof(struct ynode *));
		memcpy(seq->items, l->items + base, n * sizeof(*seq->items));
	}
	l->n_items = base;
}

static void map_finish(struct loader *l, struct ynode *map, size_t base)
{
	size_t n = l->n_pairs - base;
	map->n = (uint32_t)n;
	if (n) {
		map->pairs = chunk_alloc(l, n * sizeof(*map->pairs), _Alignof(struct ypair));
		memcpy(map->pairs, l->pairs + base, n * sizeof(*map->pairs));
	}
	l->n_pairs = base;
}

static int load_node(struct loader *l, yaml_event_t *ev, int depth, bool names, struct ynode **ret);

static int depth_error(struct loader *l, const yaml_event_t *ev)
{
	return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: nested deeper than %d levels",
			    l->filename, ev->start_mark.line + 1, ev->start_mark.column + 1,
			    YAML_MAX_DEPTH);
}

/* Whether the value ev of key is one to keep empty (see ystream_load_unread()). */
static bool unread_value(const struct loader *l, const struct ynode *key, const yaml_event_t *ev)
{
	if (ev->type == YAML_SEQUENCE_START_EVENT) {
		if (ev->data.sequence_start.anchor)
			return false;
	} else if (ev->type != YAML_MAPPING_START_EVENT || ev->data.mapping_start.anchor) {
		return false;
	}
	if (key->kind != YNODE_SCALAR)
		return false;
	unsigned char c = (unsigned char)key->value[0];
	/* Most keys are ruled out by their first byte, without a string compare. */
	if (!(l->unread_first[c >> 6] & ((uint64_t)1 << (c & 63))))
		return false;
	for (const char *const *k = l->unread; *k; k++)
		if ((unsigned char)**k == c && streq(*k, key->value))
			return true;
	return false;
}

static int skip_node(struct loader *l, yaml_event_t *ev, int depth);

/*
 * Read the children of the collection ev started, at depth + 1, keeping no
 * node but anchored ones.
 */
static int skip_children(struct loader *l, const yaml_event_t *ev, int depth)
{
	bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
	for (;;) {
		yaml_event_t child;
		int r = next_event(l, &child);
		if (r < 0)
			return r;
		if (child.type == (seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT)) {
			yaml_event_delete(&child);
			return 0;
		}
		r = skip_node(l, &child, depth + 1);
		yaml_event_delete(&child);
		if (r < 0)
			return r;
		if (seq)
			continue;
		yaml_event_t value;
		if ((r = next_event(l, &value)) < 0)
			return r;
		r = skip_node(l, &value, depth + 1);
		yaml_event_delete(&value);
		if (r < 0)
			return r;
	}
}

/* As load_node(), with the same checks and errors, but only anchored nodes are kept. */
static int skip_node(struct loader *l, yaml_event_t *ev, int depth)
{
	bool anchored = (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.anchor) ||
			(ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor) ||
			(ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor);
	/* An alias is checked and counted there; an anchored node is kept for aliases to it. */
	if (anchored || ev->type == YAML_ALIAS_EVENT) {
		struct ynode *unused = NULL;
		return load_node(l, ev, depth, false, &unused);
	}
	if (depth > YAML_MAX_DEPTH)
		return depth_error(l, ev);
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return skip_children(l, ev, depth);
	default: {
		struct ynode *unused = NULL;
		return load_node(l, ev, depth, false,
				 &unused); /* its error for an unexpected event */
	}
	}
}

/* An unread value: the collection ev starts, kept empty. */
static int load_unread(struct loader *l, yaml_event_t *ev, int depth, struct ynode **ret)
{
	if (depth > YAML_MAX_DEPTH)
		return depth_error(l, ev);
	bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
	const yaml_char_t *tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
	struct ynode *n = node_new(l, seq ? YNODE_SEQ : YNODE_MAP, &ev->start_mark);
	if (tag)
		n->tag = doc_strndup(l, (const char *)tag, strlen((const char *)tag));
	*ret = n;
	return skip_children(l, ev, depth);
}

/*
 * A map's keys are names, not fields, under `services` (a service may be
 * called `build` or `data`) and merged in with `<<`: their values are all kept.
 */
static bool names_below(const struct ynode *key)
{
	const char *k = yscalar(key);
	return k && (streq(k, "services") || streq(k, "<<"));
}

/*
 * Build the node that starts with ev (already read). Sequences and
 * mappings read their children until their end event. names: a mapping's
 * keys (a sequence's items') are names (see names_below()).
 */
static int load_node(struct loader *l, yaml_event_t *ev, int depth, bool names, struct ynode **ret)
{
	struct ynode *n = NULL;
	int r = 0;
	if (depth > YAML_MAX_DEPTH)
		return depth_error(l, ev);
	switch (ev->type) {
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		if (++l->aliases > YAML_MAX_ALIASES)
			return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: more than %d aliases",
					    l->filename, ev->start_mark.line + 1,
					    ev->start_mark.column + 1, YAML_MAX_ALIASES);
		n = anchor_find(l, name);
		if (!n)
			return rl_error_set(l->err, RL_EPARSE,
					    "%s:%zu:%zu: alias *%s has no anchor", l->filename,
					    ev->start_mark.line + 1, ev->start_mark.column + 1,
					    name);
		*ret = n;
		return 0;
	}
	case YAML_SCALAR_EVENT:
		n = node_new(l, YNODE_SCALAR, &ev->start_mark);
		n->value =
			doc_strndup(l, (const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (ev->data.scalar.tag)
			n->tag = doc_strndup(l, (const char *)ev->data.scalar.tag,
					     strlen((const char *)ev->data.scalar.tag));
		anchor_add(l, ev->data.scalar.anchor, n);
		*ret = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		n = node_new(l, YNODE_SEQ, &ev->start_mark);
		if (ev->data.sequence_start.tag)
			n->tag = doc_strndup(l, (const char *)ev->data.sequence_start.tag,
					     strlen((const char *)ev->data.sequence_start.tag));
		anchor_add(l, ev->data.sequence_start.anchor, n);
		/* Aliases may read an anchored node anywhere: all of it is kept. */
		bool seq_anchored = ev->data.sequence_start.anchor;
		l->anchored += seq_anchored;
		size_t first_item = l->n_items;
		for (;;) {
			yaml_event_t child;
			if ((r = next_event(l, &child)) < 0)
				return r;
			if (child.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&child);
				break;
			}
			struct ynode *item = NULL;
			r = load_node(l, &child, depth + 1, names, &item);
			yaml_event_delete(&child);
			if (r < 0)
				return r;
			item_push(l, item);
		}
		seq_finish(l, n, first_item);
		l->anchored -= seq_anchored;
		*ret = n;
		return 0;
	case YAML_MAPPING_START_EVENT:
		n = node_new(l, YNODE_MAP, &ev->start_mark);
		if (ev->data.mapping_start.tag)
			n->tag = doc_strndup(l, (const char *)ev->data.mapping_start.tag,
					     strlen((const char *)ev->data.mapping_start.tag));
		anchor_add(l, ev->data.mapping_start.anchor, n);
		bool map_anchored = ev->data.mapping_start.anchor;
		l->anchored += map_anchored;
		size_t first_pair = l->n_pairs;
		for (;;) {
			yaml_event_t kev, vev;
			if ((r = next_event(l, &kev)) < 0)
				return r;
			if (kev.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&kev);
				break;
			}
			struct ynode *key = NULL, *value = NULL;
			r = load_node(l, &kev, depth + 1, false, &key);
			yaml_event_delete(&kev);
			if (r < 0)
				return r;
			if ((r = next_event(l, &vev)) < 0)
				return r;
			if (l->unread && !names && !l->anchored && unread_value(l, key, &vev))
				r = load_unread(l, &vev, depth + 1, &value);
			else
				r = load_node(l, &vev, depth + 1, names_below(key), &value);
			yaml_event_delete(&vev);
			if (r < 0)
				return r;
			pair_push(l, key, value);
		}
		map_finish(l, n, first_pair);
		l->anchored -= map_anchored;
		*ret = n;
		return 0;
	default:
		return rl_error_set(l->err, RL_EPARSE, "%s:%zu:%zu: unexpected YAML event",
				    l->filename, ev->start_mark.line + 1,
				    ev->start_mark.column + 1);
	}
}

int ystream_load(const char *buf, size_t len, const char *filename, struct ystream *ret,
		 struct rl_error *err)
{
	return ystream_load_unread(buf, len, filename, NULL, ret, err);
}

int ystream_load_unread(const char *buf, size_t len, const char *filename,
			const char *const *unread, struct ystream *ret, struct rl_error *err)
{
	struct loader l = {.filename = filename, .err = err, .unread = unread};
	for (const char *const *k = unread; k && *k; k++) {
		unsigned char c = (unsigned char)**k;
		l.unread_first[c >> 6] |= (uint64_t)1 << (c & 63);
	}
	struct ystream s = {0};
	int r = 0;
	if (!yaml_parser_initialize(&l.parser))
		die_oom();
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		if ((r = next_event(&l, &ev)) < 0)
			break;
		yaml_event_type_t type = ev.type;
		if (type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			if ((s.n & (s.n - 1)) == 0) /* doubling: n is a power of two when full */
				s.docs = xrealloc(s.docs, (s.n ? s.n * 2 : 1) * sizeof(*s.docs));
			memset(&s.docs[s.n], 0, sizeof(*s.docs));
			l.doc = &s.docs[s.n++];
			anchors_reset(&l);
			yaml_event_t root;
			if ((r = next_event(&l, &root)) < 0)
				break;
			if (root.type != YAML_DOCUMENT_END_EVENT)
				r = load_node(&l, &root, 0, false, &l.doc->root);
			yaml_event_delete(&root);
			if (r < 0)
				break;
			continue;
		}
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
	}
	anchors_reset(&l);
	free(l.anchors);
	free(l.items);
	free(l.pairs);
	yaml_parser_delete(&l.parser);
	s.chunks = l.chunks;
	if (r < 0) {
		ystream_release(&s);
		return r;
	}
	*ret = s;
	return 0;
}

const char *yscalar(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR ? n->value : NULL;
}
bool yis_map(const struct ynode *n)
{
	return n && n->kind == YNODE_MAP;
}
bool yis_seq(const struct ynode *n)
{
	return n && n->kind == YNODE_SEQ;
}

/*
 * Merges can name the same map many times over (`<<: [*a, *a, *a]`, nested):
 * a budget of visited maps keeps every lookup linear in the worst case.
 */
#define MERGE_VISIT_BUDGET 1024

static const struct ypair *map_find(const struct ynode *map, const char *key, int depth,
				    int *budget)
{
	if (!yis_map(map) || depth > 16 || --*budget < 0)
		return NULL;
	/* The first byte rules out most keys without a call; "<<" is never looked up itself. */
	bool merges = false, find = !streq(key, "<<");
	for (size_t i = 0; i < map->n; i++) {
		const char *k = yscalar(map->pairs[i].key);
		if (!k)
			continue;
		merges |= k[0] == '<';
		if (find && k[0] == key[0] && streq(k, key))
			return &map->pairs[i];
	}
	if (!merges)
		return NULL;
	/* Explicit keys win over merged ones; earlier merges over later ones. */
	for (size_t i = 0; i < map->n; i++) {
		const struct ypair *p = &map->pairs[i];
		if (!streq(yscalar(p->key), "<<") || !p->key->plain)
			continue;
		const struct ypair *found = NULL;
		if (yis_map(p->value))
			found = map_find(p->value, key, depth + 1, budget);
		else if (yis_seq(p->value))
			for (size_t k = 0; k < p->value->n && !found && *budget > 0; k++)
				found = map_find(p->value->items[k], key, depth + 1, budget);
		if (found)
			return found;
	}
	return NULL;
}

const struct ypair *ymap_get_pair(const struct ynode *map, const char *key)
{
	int budget = MERGE_VISIT_BUDGET;
	return map_find(map, key, 0, &budget);
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ymap_get_pair(map, key);
	return p ? p->value : NULL;
}

int ybool(const struct ynode *n)
{
	const char *v = yscalar(n);
	if (!v)
		return -1;
	/* A plain untagged scalar, or one tagged as a boolean; "!!str true" is a string. */
	bool bool_tag = streq(n->tag, "tag:yaml.org,2002:bool");
	if (!(n->plain && !n->tag) && !bool_tag)
		return -1;
	/* YAML 1.1 spellings, which Kubernetes and Compose both accept. */
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					  "on",	  "On",	  "ON",	  "y",	 "Y"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
					 "off",	  "Off",   "OFF",   "n",  "N"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (streq(v, yes[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (streq(v, no[i]))
			return 0;
	return -1;
}
