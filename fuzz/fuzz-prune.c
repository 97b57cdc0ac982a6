/* SPDX-License-Identifier: MIT */
/*
 * The pruned parse audit uses against the whole one: any bytes, read as an
 * inspect answer and as a container list entry, must give the same
 * reading (workload, ExecIDs, judgement, every report format) whether
 * jansson parses the answer or json_prune()'s copy of it. And the pruner
 * alone, with authz's and audit's specs, must never crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include "prunecheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect_same(const struct strbuf *whole, const struct strbuf *cut)
{
	if (streq(strbuf_str(whole), strbuf_str(cut)))
		return;
	fprintf(stderr, "pruned:\n%s\nwhole:\n%s\n", strbuf_str(cut), strbuf_str(whole));
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct strbuf whole = STRBUF_INIT, cut = STRBUF_INIT;
	prunecheck_read(&whole, text, size, false, NULL);
	prunecheck_read(&cut, text, size, true, NULL);
	expect_same(&whole, &cut);

	strbuf_reset(&whole);
	strbuf_reset(&cut);
	prunecheck_list_entry(&whole, text, size, false);
	prunecheck_list_entry(&cut, text, size, true);
	expect_same(&whole, &cut);

	/* A pruned copy is itself plain JSON that prunes to itself. */
	strbuf_reset(&cut);
	if (json_prune(text, size, &inspect_fields_read, &cut)) {
		struct strbuf again = STRBUF_INIT;
		if (!json_prune(strbuf_str(&cut), cut.len, &inspect_fields_read, &again) ||
		    !streq(strbuf_str(&cut), strbuf_str(&again)))
			abort();
		strbuf_release(&again);
	}
	strbuf_release(&whole);
	strbuf_release(&cut);
	return 0;
}
