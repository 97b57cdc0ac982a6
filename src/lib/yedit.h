/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "util.h"

/*
 * yedit: minimal edits to YAML text. The file is parsed once with libyaml's
 * event API into a tree that keeps every node's byte range; edits are
 * queued as insertions and replacements of whole lines (or of one scalar)
 * in the original bytes and applied together by yedit_apply(), so every
 * byte the edits do not name stays as it was. New text follows the file's
 * own style: its indentation step, whether block sequences under a key are
 * indented, its line ending (CRLF stays CRLF), a missing final newline,
 * flow or block style of the collection written into, and quoted keys in
 * flow (JSON) mappings.
 *
 * New values are given as YAML fragments in block style with 2-space
 * indentation and "\n" line ends ("true", "/run:size=64m", "name: x\n
 * emptyDir:\n  medium: Memory"); scalars are copied as written, so quote
 * them with yedit_quote() when they need it. Every document of a stream is
 * loaded (docs); root is the first. Nodes are borrowed from the yedit and
 * live as long as it.
 */

enum yenode_kind { YE_SCALAR, YE_SEQ, YE_MAP, YE_ALIAS };

struct yenode {
	enum yenode_kind kind;
	bool flow;	       /* a flow collection ({} or []) */
	bool plain;	       /* a plain scalar (not quoted, not a block scalar) */
	bool block;	       /* a block scalar (| or >) */
	int line;	       /* 1-based, of the node's start (its anchor or tag included) */
	int column;	       /* 0-based */
	size_t start;	       /* byte range as libyaml marks it (anchor and tag included) */
	size_t end;	       /* scalars, aliases, flow collections: just past the node */
	size_t cstart;	       /* collections: where their content starts (first key or dash) */
	int ccolumn;	       /* block collections: the column of their keys or dashes */
	char *anchor;	       /* &name, or NULL */
	char *tag;	       /* explicit tag, or NULL */
	char *value;	       /* scalar text; alias: the anchor's name */
	struct yenode *target; /* alias: the node it names */
	struct yenode *parent;
	int depth; /* 0 for the root */
	/* Sequence: items; mapping: keys and values interleaved (kids[2i], kids[2i+1]). */
	struct yenode **kids;
	size_t n;
	size_t added; /* pairs or items queued into it so far */
};

struct yedit_change;

struct yedit {
	const char *text; /* borrowed: the original bytes */
	size_t len;
	const char *filename;
	struct yenode *root;  /* the first document's root, or NULL for an empty file */
	struct yenode **docs; /* every document's root (a multi-document file), n_docs of them */
	size_t n_docs;
	const char *eol;     /* "\n" or "\r\n", the file's own */
	int step;	     /* indentation step of nested block mappings */
	int seq_indent;	     /* columns from a key to the dashes of its block sequence */
	struct yenode **all; /* every node, for freeing */
	size_t n_all, alloc_all;
	struct yedit_change *changes;
	size_t n_changes, alloc_changes;
};

/* Parse buf (borrowed: it must outlive ye). Errors: RL_EPARSE "FILE:LINE:COL: ...". */
int yedit_load(struct yedit *ye, const char *buf, size_t len, const char *filename,
	       struct rl_error *err);
void yedit_release(struct yedit *ye);

/* An alias's node (followed to the end), or n itself. */
struct yenode *yenode_resolve(struct yenode *n);
/* A mapping's own value for key (merge keys not followed); NULL if absent. */
struct yenode *yenode_get(const struct yenode *map, const char *key);
/* The key node of that pair. */
struct yenode *yenode_get_key(const struct yenode *map, const char *key);
/*
 * The value for key as the merged view has it: the map's own, else from its
 * << merge keys in order. *via: NULL when the map's own, else the merged
 * mapping it came from (the anchored node). Aliases are resolved.
 */
struct yenode *yenode_get_merged(const struct yenode *map, const char *key,
				 const struct yenode **via);
/* A scalar's text (aliases followed), or NULL. */
const char *yenode_scalar(const struct yenode *n);
/* A null value: empty, ~, null (plain). */
bool yenode_is_null(const struct yenode *n);
/* The node at a dotted path of own keys ("spec.template.spec"), aliases followed; or NULL. */
struct yenode *yedit_find(const struct yenode *from, const char *path);
/* Where n's content really ends: before trailing blank lines and comments. */
size_t yenode_content_end(const struct yedit *ye, const struct yenode *n);
/* Is n (an anchored node) named by an alias anywhere? Returns the first such alias. */
const struct yenode *yedit_alias_of(const struct yedit *ye, const struct yenode *n);

/* A key of block mapping map written with "?", or not a scalar; NULL when none. */
const struct yenode *yedit_explicit_key(const struct yedit *ye, const struct yenode *map);

/*
 * s as a YAML scalar: plain when that reads back as the same string (in
 * flow context when flow), else double-quoted.
 */
char *yedit_quote(const char *s, bool flow);

/*
 * Set key in map (a mapping node) to the fragment value. An existing scalar
 * value is replaced (only its bytes: a comment on the line stays); an
 * existing null value is replaced; another existing value is an error.
 * path may be dotted ("securityContext.readOnlyRootFilesystem"): missing
 * mappings on the way are created.
 */
int yedit_set(struct yedit *ye, struct yenode *map, const char *path, const char *value,
	      struct rl_error *err);
/*
 * Append the fragments items[0..n) to the sequence under path (dotted, own
 * keys) in map; the key (and mappings on the way) are created when absent,
 * a null value becomes the sequence, and a one-line scalar becomes a
 * sequence that keeps it first ("tmpfs: /run"). A sequence anchored and
 * aliased elsewhere is refused (appending would change its other users).
 */
int yedit_append(struct yedit *ye, struct yenode *map, const char *path, const char *const *items,
		 size_t n, struct rl_error *err);
/* Append items to the sequence seq itself. */
int yedit_seq_append(struct yedit *ye, struct yenode *seq, const char *const *items, size_t n,
		     struct rl_error *err);
/* Add a pair key: value (a fragment) at the end of map (the key must be absent). */
int yedit_map_add(struct yedit *ye, struct yenode *map, const char *key, const char *value,
		  struct rl_error *err);
/*
 * Replace the value node of key in its block mapping by the fragment value
 * (the old value's bytes are removed; a comment after it on its line stays).
 */
int yedit_replace_value(struct yedit *ye, struct yenode *map, struct yenode *value,
			const char *fragment, struct rl_error *err);
/* Insert raw text (lines ending in "\n", converted to the file's ending) at the end of the file. */
void yedit_append_text(struct yedit *ye, const char *text);

/*
 * n (aliases resolved) in flow style, scalars as written where flow allows:
 * "{a: 1, b: [x]}". NULL when aliases make it recursive or bigger than 1 MiB.
 */
char *yedit_node_flow(const struct yedit *ye, const struct yenode *n);

/* How many changes are queued. */
size_t yedit_pending(const struct yedit *ye);
/* The original text with every queued change applied; NUL-terminated. */
char *yedit_apply(const struct yedit *ye, size_t *len);
