/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: fix_compose() on any input with a fixed plan. When it
 * succeeds, the edited text loads and its tree is the original's plus
 * exactly the additions (fixcheck.h); a second run finds nothing to do; the
 * diff between the two is empty exactly when they are equal.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct plan_mount mounts[] = {
	{.type = PLAN_TMPFS,
	 .target = (char *)"/run",
	 .options = (char *)"mode=0755,uid=101,size=64m"},
	{.type = PLAN_TMPFS, .target = (char *)"/tmp"},
	{.type = PLAN_VOLUME, .target = (char *)"/var/lib/data"},
};
static const struct plan plan = {.mounts = mounts, .n_mounts = ARRAY_SIZE(mounts)};

/* The first service the file names, or "web" (then created, as in an override). */
static char *pick_service(const char *text, size_t len)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	char *name = NULL;
	if (ystream_load(text, len, "fuzz.yaml", &s, &err) == 0 && s.n) {
		const struct ynode *services = ymap_get(s.docs[0].root, "services");
		if (services && services->kind == YNODE_MAP && services->n &&
		    yscalar(services->pairs[0].key) && strlen(yscalar(services->pairs[0].key)) < 64)
			name = strdup(yscalar(services->pairs[0].key));
	}
	ystream_release(&s);
	return name ? name : strdup("web");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *service = pick_service(text, size);
	struct fix_edit e;
	struct rl_error err = {0};
	if (fix_compose(text, size, "fuzz.yaml", service, &plan, FIX_COMPOSE_CREATE_SERVICE, &e,
			&err) < 0) {
		if (!err.msg[0] || strchr(err.msg, '\n'))
			abort();
		free(service);
		return 0;
	}
	struct fixcheck c = {0};
	struct ystream probe = {0};
	/* The property needs the original to load in the project's loader too. */
	bool loads = ystream_load(text, size, "fuzz.yaml", &probe, &err) == 0;
	ystream_release(&probe);
	if (loads &&
	    fixcheck_compose(&c, text, size, e.text, e.len, service, &plan, e.changes) < 0) {
		fprintf(stderr, "round trip: %s\n", c.why);
		abort();
	}
	struct fix_edit again;
	if (fix_compose(e.text, e.len, "fuzz.yaml", service, &plan, 0, &again, &err) < 0) {
		fprintf(stderr, "second run: %s\n", err.msg);
		abort();
	}
	if (again.changes || again.len != e.len || memcmp(again.text, e.text, e.len)) {
		fprintf(stderr, "second run changed %zu settings\n", again.changes);
		abort();
	}
	char *diff = fix_unified_diff(text, size, e.text, e.len, "compose.yaml");
	bool same = size == e.len && !memcmp(text, e.text, size);
	if (same != !*diff || (e.changes && same))
		abort();
	free(diff);
	fix_edit_release(&again);
	fix_edit_release(&e);
	free(service);
	return 0;
}
