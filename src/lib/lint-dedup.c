/* SPDX-License-Identifier: MIT */
#include "lint-dedup.h"

/* As hash_str() does, over an int's four bytes: no printing it first (a finding has three). */
static unsigned long long hash_int(unsigned long long h, int v)
{
	unsigned int u = (unsigned int)v;
	for (int i = 0; i < 4; i++, u >>= 8)
		h = (h ^ (u & 0xff)) * 1099511628211ULL;
	return h;
}

unsigned long long lint_finding_key(const struct lint_finding *f)
{
	const struct origin *o = &f->w.origin;
	unsigned long long h = hash_str(HASH_INIT, o->file);
	h = hash_int(hash_int(hash_int(h, o->line), o->column), f->standalone);
	h = hash_str(h, NULL); /* a separator, as after a string */
	h = hash_str(h, o->workload);
	h = hash_str(h, o->container);
	return hash_str(h, f->standalone ? f->message : NULL);
}

bool lint_seen_first(struct lint_seen *seen, const struct lint_finding *f)
{
	return hashset_add(&seen->keys, lint_finding_key(f));
}

void lint_seen_release(struct lint_seen *seen)
{
	hashset_release(&seen->keys);
}
