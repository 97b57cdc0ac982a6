/* SPDX-License-Identifier: MIT */
#pragma once
/*
 * The round-trip property of fix_compose(), shared by the fuzz target and
 * the unit tests: loaded with the project's own YAML loader (not the
 * editor's), the edited file's tree is the original's plus exactly the
 * additions: services.S.read_only true; S's tmpfs and volumes lists (as the
 * merged view has them) start with the original's entries and go on with
 * entries for the plan's targets only; the top-level volumes gain exactly
 * the names those volume entries use; nothing else differs. And every
 * target of the plan is mounted afterwards, and changes counts the entries
 * added (plus one when read_only was not already true).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fix.h"
#include "yamldoc.h"

struct fixcheck {
	char why[512];
	long budget; /* comparisons left: alias-heavy inputs stop the check, not the run */
	int depth;   /* recursive aliases too */
};

_printf_(2, 3) static int fixcheck_fail(struct fixcheck *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* How a plain scalar reads: 0 string, 1 bool, 2 null, 3 number. */
static int fixcheck_type(const struct ynode *n)
{
	if (!n->plain)
		return 0;
	const char *v = n->value;
	if (ybool(n) >= 0)
		return 1;
	if (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	    !strcmp(v, "NULL"))
		return 2;
	char *end;
	(void)strtod(v, &end);
	return *end ? 0 : 3;
}

static bool fixcheck_eq(struct fixcheck *c, const struct ynode *a, const struct ynode *b);

/* Every key of map's merged view, calling fn until it returns false. */
static bool fixcheck_keys(struct fixcheck *c, const struct ynode *map,
			  bool (*fn)(struct fixcheck *, const char *, void *), void *arg, int depth)
{
	if (!map || map->kind != YNODE_MAP || depth > 20 || c->budget-- <= 0)
		return true;
	for (uint32_t i = 0; i < map->n; i++) {
		const char *k = yscalar(map->pairs[i].key);
		if (!k)
			continue;
		if (!strcmp(k, "<<") && map->pairs[i].key->plain) {
			const struct ynode *m = map->pairs[i].value;
			if (m->kind == YNODE_SEQ) {
				for (uint32_t j = 0; j < m->n; j++)
					if (!fixcheck_keys(c, m->items[j], fn, arg, depth + 1))
						return false;
			} else if (!fixcheck_keys(c, m, fn, arg, depth + 1)) {
				return false;
			}
			continue;
		}
		if (!fn(c, k, arg))
			return false;
	}
	return true;
}

struct fixcheck_pair {
	const struct ynode *a, *b;
	const char *skip[4]; /* keys compared elsewhere */
};

static bool fixcheck_key_eq(struct fixcheck *c, const char *k, void *arg)
{
	const struct fixcheck_pair *p = arg;
	for (size_t i = 0; i < 4 && p->skip[i]; i++)
		if (!strcmp(k, p->skip[i]))
			return true;
	const struct ynode *va = ymap_get(p->a, k), *vb = ymap_get(p->b, k);
	if (!va || !vb) {
		fixcheck_fail(c, "key %s is in one tree only", k);
		return false;
	}
	if (!fixcheck_eq(c, va, vb)) {
		if (!strstr(c->why, " under "))
			snprintf(c->why + strlen(c->why), sizeof(c->why) - strlen(c->why),
				 " under %s", k);
		return false;
	}
	return true;
}

/* Maps equal in their merged views, but for the keys in skip. */
static bool fixcheck_map_eq(struct fixcheck *c, const struct ynode *a, const struct ynode *b,
			    const char *const *skip)
{
	struct fixcheck_pair p = {a, b, {0}};
	for (size_t i = 0; skip && skip[i] && i < 4; i++)
		p.skip[i] = skip[i];
	if (!fixcheck_keys(c, a, fixcheck_key_eq, &p, 0))
		return false;
	struct fixcheck_pair q = {b, a, {0}};
	memcpy(q.skip, p.skip, sizeof(q.skip));
	return fixcheck_keys(c, b, fixcheck_key_eq, &q, 0);
}

static bool fixcheck_eq(struct fixcheck *c, const struct ynode *a, const struct ynode *b)
{
	if (c->budget-- <= 0 || a == b || c->depth > 40)
		return true;
	if (a->kind != b->kind) {
		fixcheck_fail(c, "kinds differ");
		return false;
	}
	if ((a->tag || b->tag) && (!a->tag || !b->tag || strcmp(a->tag, b->tag))) {
		fixcheck_fail(c, "tags differ");
		return false;
	}
	switch (a->kind) {
	case YNODE_SCALAR:
		if (strcmp(a->value, b->value) || fixcheck_type(a) != fixcheck_type(b)) {
			fixcheck_fail(c, "scalar %s changed", a->value);
			return false;
		}
		return true;
	case YNODE_SEQ:
		if (a->n != b->n) {
			fixcheck_fail(c, "a sequence changed length");
			return false;
		}
		c->depth++;
		for (uint32_t i = 0; i < a->n; i++)
			if (!fixcheck_eq(c, a->items[i], b->items[i])) {
				c->depth--;
				return false;
			}
		c->depth--;
		return true;
	default: {
		c->depth++;
		bool eq = fixcheck_map_eq(c, a, b, NULL);
		c->depth--;
		return eq;
	}
	}
}

/* Is target one of the plan's, of that type (and, for a tmpfs, with those options)? */
static bool fixcheck_planned(const struct plan *plan, enum plan_mount_type type, const char *target,
			     size_t len, const char *options)
{
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct plan_mount *m = &plan->mounts[i];
		if (m->type != type || strlen(m->target) != len || strncmp(m->target, target, len))
			continue;
		if (type == PLAN_VOLUME)
			return true;
		const char *want = m->options && *m->options ? m->options : NULL;
		if ((!want && !options) || (want && options && !strcmp(want, options)))
			return true;
	}
	return false;
}

/* The list under key in svc's merged view, as items (a scalar is a list of one). */
static size_t fixcheck_list(const struct ynode *svc, const char *key, const struct ynode **one,
			    const struct ynode *const **items)
{
	const struct ynode *v = svc ? ymap_get(svc, key) : NULL;
	if (!v || (v->kind == YNODE_SCALAR && v->plain && !*v->value))
		return 0;
	if (v->kind == YNODE_SEQ) {
		*items = (const struct ynode *const *)v->items;
		return v->n;
	}
	*one = v;
	*items = one;
	return 1;
}

/* Does the merged view of svc mount target? */
static bool fixcheck_mounts(const struct ynode *svc, const char *target)
{
	const struct ynode *one;
	const struct ynode *const *items;
	size_t tlen = strlen(target);
	size_t n = fixcheck_list(svc, "tmpfs", &one, &items);
	for (size_t i = 0; i < n; i++) {
		const char *s = yscalar(items[i]);
		if (s && !strncmp(s, target, tlen) && (!s[tlen] || s[tlen] == ':'))
			return true;
	}
	n = fixcheck_list(svc, "volumes", &one, &items);
	for (size_t i = 0; i < n; i++) {
		const char *s = yscalar(items[i]);
		const char *t = s ? strchr(s, ':') : yscalar(ymap_get(items[i], "target"));
		if (s && !t)
			t = s;
		else if (s)
			t++;
		if (t && !strncmp(t, target, tlen) &&
		    (!t[tlen] || t[tlen] == ':' || (t[tlen] == '/' && !t[tlen + 1])))
			return true;
	}
	return false;
}

/*
 * 0 when edited is orig plus exactly the additions for service under plan,
 * with changes as counted; -1 with c->why otherwise.
 */
static int fixcheck_compose(struct fixcheck *c, const char *orig, size_t orig_len,
			    const char *edited, size_t edited_len, const char *service,
			    const struct plan *plan, size_t changes)
{
	struct ystream a = {0}, b = {0};
	struct rl_error err = {0};
	int r = -1;
	if (c->budget == 0)
		c->budget = 20000;
	c->why[0] = '\0';
	if (ystream_load(orig, orig_len, "orig", &a, &err) < 0)
		return fixcheck_fail(c, "the original does not load: %.200s", err.msg);
	if (ystream_load(edited, edited_len, "edited", &b, &err) < 0) {
		ystream_release(&a);
		return fixcheck_fail(c, "the edited text does not load: %.200s", err.msg);
	}
	const struct ynode *ra = a.n ? a.docs[0].root : NULL, *rb = b.n ? b.docs[0].root : NULL;
	if (a.n > 1 || b.n > 1 ? a.n != b.n : false) {
		fixcheck_fail(c, "the number of documents changed");
		goto out;
	}
	if (!rb || rb->kind != YNODE_MAP) {
		fixcheck_fail(c, "the edited file is not a mapping");
		goto out;
	}
	if (ra && ra->kind == YNODE_SCALAR && !*ra->value)
		ra = NULL;
	static const char *const top_skip[] = {"services", "volumes", NULL};
	if (ra && !fixcheck_map_eq(c, ra, rb, top_skip))
		goto out;
	const struct ynode *sa = ra ? ymap_get(ra, "services") : NULL,
			   *sb = ymap_get(rb, "services");
	const char *svc_skip[] = {service, NULL};
	if (sa && sa->kind == YNODE_MAP && !fixcheck_map_eq(c, sa, sb, svc_skip))
		goto out;
	const struct ynode *oa = sa ? ymap_get(sa, service) : NULL, *ob = ymap_get(sb, service);
	if (!ob || ob->kind != YNODE_MAP) {
		fixcheck_fail(c, "service %s is not a mapping after the edit", service);
		goto out;
	}
	if (oa && oa->kind == YNODE_SCALAR)
		oa = NULL;
	static const char *const mount_skip[] = {"read_only", "tmpfs", "volumes", NULL};
	if (oa && !fixcheck_map_eq(c, oa, ob, mount_skip))
		goto out;
	size_t counted = 0;
	const struct ynode *ro = ymap_get(ob, "read_only");
	if (!ro || ybool(ro) != 1 || !ro->plain) {
		fixcheck_fail(c, "read_only is not true");
		goto out;
	}
	const struct ynode *ro_before = oa ? ymap_get(oa, "read_only") : NULL;
	if (!ro_before || ybool(ro_before) != 1 || !ro_before->plain ||
	    strcmp(ro_before->value, ro->value))
		counted++;

	/* The volume names the new entries use. */
	const char *new_names[64];
	size_t n_names = 0;
	static const char *const lists[] = {"tmpfs", "volumes"};
	for (size_t l = 0; l < 2; l++) {
		const struct ynode *one_a, *one_b;
		const struct ynode *const *ia, *const *ib;
		size_t na = fixcheck_list(oa, lists[l], &one_a, &ia);
		size_t nb = fixcheck_list(ob, lists[l], &one_b, &ib);
		if (nb < na) {
			fixcheck_fail(c, "%s lost entries", lists[l]);
			goto out;
		}
		for (size_t i = 0; i < na; i++)
			if (!fixcheck_eq(c, ia[i], ib[i]))
				goto out;
		for (size_t i = na; i < nb; i++) {
			const char *s = yscalar(ib[i]);
			if (!s) {
				fixcheck_fail(c, "a new %s entry is not a string", lists[l]);
				goto out;
			}
			const char *colon = strchr(s, ':');
			bool ok;
			if (l == 0) {
				ok = fixcheck_planned(plan, PLAN_TMPFS, s,
						      colon ? (size_t)(colon - s) : strlen(s),
						      colon ? colon + 1 : NULL);
			} else {
				ok = colon && fixcheck_planned(plan, PLAN_VOLUME, colon + 1,
							       strlen(colon + 1), NULL);
				if (ok && n_names < 64)
					new_names[n_names++] = s;
			}
			if (!ok) {
				fixcheck_fail(c, "unplanned new entry %s", s);
				goto out;
			}
			counted++;
		}
	}
	/* Top-level volumes: the original's, plus exactly the new names. */
	const struct ynode *va = ra ? ymap_get(ra, "volumes") : NULL, *vb = ymap_get(rb, "volumes");
	if (va && va->kind == YNODE_SCALAR && !*va->value)
		va = NULL;
	size_t n_va = va && va->kind == YNODE_MAP ? va->n : 0;
	size_t n_vb = vb && vb->kind == YNODE_MAP ? vb->n : 0;
	if (va && va->kind != YNODE_MAP && (!vb || !fixcheck_eq(c, va, vb)))
		goto out;
	for (size_t i = 0; i < n_va; i++) {
		const char *k = yscalar(va->pairs[i].key);
		const struct ynode *v = k ? ymap_get(vb, k) : NULL;
		if (k && strcmp(k, "<<") && (!v || !fixcheck_eq(c, ymap_get(va, k), v)))
			goto out;
	}
	if (n_vb != n_va + n_names) {
		fixcheck_fail(c, "the top-level volumes gained other than the new names");
		goto out;
	}
	for (size_t i = 0; i < n_names; i++) {
		size_t len = (size_t)(strchr(new_names[i], ':') - new_names[i]);
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)len, new_names[i]);
		const struct ynode *d = ymap_get(vb, name);
		if (!d || (va && ymap_get(va, name)) ||
		    !((d->kind == YNODE_SCALAR && d->plain && !*d->value) ||
		      (d->kind == YNODE_MAP && !d->n))) {
			fixcheck_fail(c, "volume %s is not declared new and empty", name);
			goto out;
		}
	}
	for (size_t i = 0; i < plan->n_mounts; i++)
		if (!fixcheck_mounts(ob, plan->mounts[i].target)) {
			fixcheck_fail(c, "%s is not mounted after the edit",
				      plan->mounts[i].target);
			goto out;
		}
	if (counted != changes) {
		snprintf(c->why, sizeof(c->why), "changes says %zu, the trees %zu", changes,
			 counted);
		goto out;
	}
	r = 0;
out:
	ystream_release(&a);
	ystream_release(&b);
	return r;
}
