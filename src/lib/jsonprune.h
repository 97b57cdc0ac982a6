/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util.h"

/*
 * A JSON document cut down to the fields its reader uses, for jansson to
 * parse in place of the whole: jansson builds every object of a document
 * (an inspect answer has hundreds of keys, a docker CLI create body ~100)
 * only for the reader to look at a dozen. json_prune() writes a copy that
 * keeps, in every object, only the keys a spec names, in their order; the
 * reader then sees the same values in the copy as in the whole document.
 *
 * It does so only when the document is plain enough that what jansson
 * makes of the copy cannot depend on what was dropped, checked over the
 * whole text: valid JSON that jansson accepts for certain (ASCII only, no
 * exponent or long numbers, no \u0000, paired surrogates, depth <= 64,
 * only whitespace after it), an object at the top, no escapes in keys, and
 * in no object two keys that are equal once folded to lower case (so no
 * duplicate, and no case variant a case-blind reader would confuse). Any
 * other document returns false: parse the whole of it, as before; the
 * answer is the same either way, only its cost differs.
 */

struct json_prune_spec;

enum json_prune_keep {
	JSON_PRUNE_KEEP,  /* the value as it is, but an object emptied ({}: for its type) */
	JSON_PRUNE_INTO,  /* an object pruned by .into; any other value as it is */
	JSON_PRUNE_WHOLE, /* the value as it is, an object with all it holds */
};

struct json_prune_field {
	const char *name; /* lower case; keys match it in any case */
	enum json_prune_keep keep;
	const struct json_prune_spec *into; /* JSON_PRUNE_INTO: the object's own fields */
};

/* The keys kept in one object. Arrays are always kept as they are. */
struct json_prune_spec {
	const struct json_prune_field *fields;
	size_t n;
};

/* The copy of text[0..len) appended to out, or false (out then holds nothing useful). */
bool json_prune(const char *text, size_t len, const struct json_prune_spec *spec,
		struct strbuf *out);

/*
 * text parsed by jansson (json_loadb() with flags) as a whole would be, but
 * from its copy cut down to keep's fields (in scratch) when it can be; NULL
 * with jerr filled when the whole text is not what jansson takes. keep NULL:
 * the whole text, always.
 */
json_t *json_load_pruned(const char *text, size_t len, size_t flags,
			 const struct json_prune_spec *keep, struct strbuf *scratch,
			 json_error_t *jerr);
