/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"
#include "lint-override.h"

/*
 * The files lint checks, found in the paths given: directories are searched
 * recursively (not .git, not symbolic links to directories, not a unit's
 * NAME.container.d/ drop-ins, not an override merged with its base, not what
 * the excludes name), and YAML and JSON files (and Quadlet .container units)
 * are handed on as items, in the order found, with the errors met on the way
 * in their place.
 *
 * The walk may run on a thread of its own and read each YAML file ahead, so
 * that opening, listing and reading overlap with parsing; it may parse small
 * files too while the linter has enough waiting (the result is the same
 * whoever parses). Items reach the caller on the calling thread, in walk
 * order, however many threads there are. Read-ahead is bounded in items and
 * bytes, so memory follows the largest file, not the size of the tree.
 */

enum lint_item_kind {
	LINT_ITEM_YAML,	   /* YAML or JSON (or anything given by name, or "-" for stdin) */
	LINT_ITEM_QUADLET, /* a .container unit: read by quadlet_lint() */
	LINT_ITEM_ERROR,   /* a path that could not be searched: see err */
};

struct ystream;

struct lint_item {
	enum lint_item_kind kind;
	char *path;		     /* "" for LINT_ITEM_ERROR */
	bool explicit;		     /* given by the user, not found in a directory */
	struct lint_listing listing; /* of the file's directory, unless explicit */
	/* LINT_ITEM_YAML: */
	size_t size;		/* of the file */
	struct strbuf text;	/* the file, read; released once parsed unless it has a marker */
	bool has_marker;	/* it holds a rootlock:ignore (see lint-suppress.h) */
	struct ystream *parsed; /* the walk parsed it too, or NULL */
	struct rl_error *err;	/* LINT_ITEM_ERROR, or a file that could not be read or parsed */
};

/* After a big file, the heap's free pages go back to the system (see lint-walk.c). */
void lint_item_free(struct lint_item *item);

/* "-" is shown as "<stdin>" (borrowed). */
const char *lint_display_name(const char *path);

enum lint_walk_threads {
	LINT_WALK_AUTO,	       /* a thread of its own when the process may use several CPUs */
	LINT_WALK_ONE_THREAD,  /* walk and lint in turn: nothing is parsed ahead */
	LINT_WALK_TWO_THREADS, /* a thread of its own (one thread if it cannot start) */
};

struct lint_walk_options {
	const struct strv *paths; /* files, directories or "-" */
	/* fnmatch globs, against the path and the file name; may be NULL */
	const struct strv *excludes;
	enum lint_walk_threads threads;
	size_t parse_below;	  /* with two threads, the walk parses files up to this size */
	size_t parse_when_queued; /* ... while at least this many items wait for the caller */
};
/* The defaults: LINT_WALK_AUTO, and parsing ahead tuned for two cores. */
void lint_walk_options_init(struct lint_walk_options *o);

/* Takes ownership of item. */
typedef void lint_walk_each_fn(struct lint_item *item, void *userdata);

/* Walk o->paths, calling each on the calling thread for every item, in walk order. */
void lint_walk(const struct lint_walk_options *o, lint_walk_each_fn *each, void *userdata);
