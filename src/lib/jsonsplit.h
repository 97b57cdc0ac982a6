/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"

/*
 * Splits a JSON array of objects into its elements as bytes arrive, so a
 * list of thousands of containers never has to be one parsed tree. Each
 * complete element is handed to the callback as text; json_loadb() on it
 * does the real validation.
 */

typedef int (*jsonsplit_fn)(const char *element, size_t len, void *userdata, struct rl_error *err);

struct jsonsplit {
	jsonsplit_fn fn;
	void *userdata;
	size_t max_element;
	int depth;
	bool in_string;
	bool escape;
	bool started;
	bool expect_comma;
	bool after_comma; /* a ']' here would be a trailing comma */
	bool done;
	size_t offset; /* bytes consumed, for messages */
	struct strbuf cur;
};

void jsonsplit_init(struct jsonsplit *s, size_t max_element, jsonsplit_fn fn, void *userdata);
int jsonsplit_feed(struct jsonsplit *s, const char *data, size_t len, struct rl_error *err);
/* Call at end of input: fails when the array was not closed. */
int jsonsplit_finish(struct jsonsplit *s, struct rl_error *err);
void jsonsplit_release(struct jsonsplit *s);
