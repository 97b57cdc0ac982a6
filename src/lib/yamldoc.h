/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

#include "error.h"

/*
 * YAML (and JSON, which is YAML) loaded with libyaml into a small tree that
 * keeps each node's line and column, so findings can point at the key to
 * change. Aliases point at their anchor's node (nothing is copied), so an
 * alias bomb costs no memory; merge keys (<<) are resolved at lookup.
 * All nodes, child arrays and strings belong to their ystream (kept in chunks, so a big
 * file costs few allocations) and are freed with it.
 */

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode;

struct ypair {
	struct ynode *key;
	struct ynode *value;
};

/* 32 bytes: a big file has hundreds of thousands of these. */
struct ynode {
	uint8_t kind; /* enum ynode_kind */
	bool plain;   /* scalar written without quotes (so `true` is a boolean) */
	int line;     /* 1-based */
	int column;   /* 1-based */
	uint32_t n;   /* items or pairs */
	char *tag;    /* explicit tag such as "!!str", or NULL */
	/* By kind; check it first (yscalar() does). */
	union {
		char *value;	      /* scalar text */
		struct ynode **items; /* sequence */
		struct ypair *pairs;  /* mapping, in document order */
	};
};

struct ychunk;

struct ydoc {
	struct ynode *root; /* NULL, or an empty scalar, for an empty document */
	size_t n_all;	    /* nodes made */
};

struct ystream {
	struct ydoc *docs;
	size_t n;
	/* Every node, child array and string of all the documents, for freeing:
	 * one list, so that many small documents do not each start a chunk. */
	struct ychunk *chunks;
};

#define YAML_MAX_DEPTH 200
#define YAML_MAX_ALIASES 100000

/* Parse every document in buf. On a syntax error, err says "file:line:col: ...". */
int ystream_load(const char *buf, size_t len, const char *filename, struct ystream *ret,
		 struct rl_error *err);
/*
 * As ystream_load(), but the value of a key named in unread (NULL-terminated),
 * when it is a mapping or sequence without an anchor, is kept as an empty one
 * (its position and tag kept): its events are still parsed and checked, as
 * deeply, with the same errors, and anchors in it are kept whole for aliases
 * elsewhere. For readers that never look inside those keys.
 */
int ystream_load_unread(const char *buf, size_t len, const char *filename,
			const char *const *unread, struct ystream *ret, struct rl_error *err);
void ystream_release(struct ystream *s);
/* The memory the stream holds, in bytes. */
size_t ystream_size(const struct ystream *s);

/* The value for key in a mapping, following << merge keys; NULL if absent. */
struct ynode *ymap_get(const struct ynode *map, const char *key);
/* The pair whose key is key (for the key's own position); merges followed. */
const struct ypair *ymap_get_pair(const struct ynode *map, const char *key);
/* A scalar's text, or NULL for other kinds. */
const char *yscalar(const struct ynode *n);
bool yis_map(const struct ynode *n);
bool yis_seq(const struct ynode *n);
/* YAML 1.1/1.2 booleans as Compose and Kubernetes read them: 1 true, 0 false, -1 neither. */
int ybool(const struct ynode *n);
