/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include "fix.h"
#include "yedit.h"

void fix_edit_release(struct fix_edit *e)
{
	if (!e)
		return;
	free(e->text);
	strv_release(&e->notes);
	memset(e, 0, sizeof(*e));
}

char *fix_compose_volume_name(const char *service, const char *target)
{
	struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *joined = xasprintf("%s-%s", service ? service : "",
						target && strcmp(target, "/") ? target : "root");
	/* Compose volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*; one dash for any run of others. */
	for (const char *p = joined; *p; p++) {
		bool ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.';
		if (ok)
			strbuf_addch(&sb, *p);
		else if (sb.len && sb.buf[sb.len - 1] != '-')
			strbuf_addch(&sb, '-');
	}
	while (sb.len && sb.buf[sb.len - 1] == '-')
		sb.buf[--sb.len] = '\0';
	if (!sb.len || !isalnum((unsigned char)sb.buf[0])) {
		_cleanup_free_ char *rest = strbuf_detach(&sb);
		return xasprintf("v%s%s", *rest ? "-" : "", rest);
	}
	return strbuf_detach(&sb);
}

/* A target as compared: no trailing slash (but "/"). */
static char *target_norm(const char *s, size_t len)
{
	while (len > 1 && s[len - 1] == '/')
		len--;
	return xstrndup(s, len);
}

/* The container path of a tmpfs short entry "TARGET[:OPTIONS]". */
static char *tmpfs_target(const char *entry)
{
	const char *colon = strchr(entry, ':');
	return target_norm(entry, colon ? (size_t)(colon - entry) : strlen(entry));
}

/* The container path of a volumes short entry "[SRC:]TARGET[:MODE]". */
static char *volume_target(const char *entry)
{
	const char *first = strchr(entry, ':');
	if (!first)
		return target_norm(entry, strlen(entry));
	const char *t = first + 1;
	const char *second = strchr(t, ':');
	return target_norm(t, second ? (size_t)(second - t) : strlen(t));
}

/* Everything the service mounts already, from its merged view. */
static void existing_targets(const struct yenode *svc, struct strv *out)
{
	struct yenode *tmpfs = yenode_get_merged(svc, "tmpfs", NULL);
	if (tmpfs && tmpfs->kind == YE_SCALAR && tmpfs->value[0])
		strv_push(out, tmpfs_target(tmpfs->value));
	for (size_t i = 0; tmpfs && tmpfs->kind == YE_SEQ && i < tmpfs->n; i++) {
		const char *s = yenode_scalar(tmpfs->kids[i]);
		if (s)
			strv_push(out, tmpfs_target(s));
	}
	struct yenode *vols = yenode_get_merged(svc, "volumes", NULL);
	for (size_t i = 0; vols && vols->kind == YE_SEQ && i < vols->n; i++) {
		struct yenode *item = yenode_resolve(vols->kids[i]);
		const char *s = yenode_scalar(item);
		if (s) {
			strv_push(out, volume_target(s));
			continue;
		}
		const char *t = yenode_scalar(yenode_get_merged(item, "target", NULL));
		if (t)
			strv_push(out, target_norm(t, strlen(t)));
	}
}

static bool is_true(const struct yenode *n)
{
	n = yenode_resolve((struct yenode *)n);
	return n && n->kind == YE_SCALAR && n->plain && !n->tag &&
	       (streq(n->value, "true") || streq(n->value, "True") || streq(n->value, "TRUE"));
}

/* What the service lacks. */
struct additions {
	bool read_only;
	struct strv tmpfs;   /* short entries, as YAML fragments */
	struct strv volumes; /* "NAME:TARGET" */
	struct strv decls;   /* volume names to declare */
};

static void additions_release(struct additions *a)
{
	strv_release(&a->tmpfs);
	strv_release(&a->volumes);
	strv_release(&a->decls);
}

/* Is name declared under the top-level volumes (or about to be)? */
static bool declared(const struct yenode *root, const struct additions *a, const char *name)
{
	if (strv_contains(&a->decls, name))
		return true;
	const struct yenode *vols = yenode_get_merged(root, "volumes", NULL);
	return vols && vols->kind == YE_MAP && yenode_get_merged(vols, name, NULL);
}

static void plan_additions(const struct yenode *root, const struct yenode *svc,
			   const char *filename, const char *service, const struct plan *plan,
			   struct additions *a, struct strv *notes)
{
	_cleanup_strv_ struct strv mounted = STRV_INIT;
	if (svc)
		existing_targets(svc, &mounted);
	a->read_only = !svc || !is_true(yenode_get_merged(svc, "read_only", NULL));
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct plan_mount *m = &plan->mounts[i];
		if (!m->target || !*m->target)
			continue;
		_cleanup_free_ char *t = target_norm(m->target, strlen(m->target));
		if (strv_contains(&mounted, t)) {
			strv_addf(notes, "%s: service \"%s\" already mounts %s: left as it is",
				  filename, service, t);
			continue;
		}
		strv_add(&mounted, t);
		if (m->type == PLAN_TMPFS) {
			_cleanup_free_ char *entry = m->options && *m->options
							     ? xasprintf("%s:%s", t, m->options)
							     : xstrdup(t);
			strv_push(&a->tmpfs, yedit_quote(entry, false));
			continue;
		}
		_cleanup_free_ char *base = fix_compose_volume_name(service, t);
		char *name = xstrdup(base);
		for (int k = 2; declared(root, a, name); k++) {
			free(name);
			name = xasprintf("%s-%d", base, k);
		}
		_cleanup_free_ char *entry = xasprintf("%s:%s", name, t);
		strv_push(&a->volumes, yedit_quote(entry, false));
		strv_push(&a->decls, name);
	}
}

/* The additions as one block mapping fragment: a new service's body. */
static char *service_fragment(const struct additions *a)
{
	struct strbuf sb = STRBUF_INIT;
	if (a->read_only)
		strbuf_addstr(&sb, "read_only: true\n");
	if (a->tmpfs.n)
		strbuf_addstr(&sb, "tmpfs:\n");
	for (size_t i = 0; i < a->tmpfs.n; i++)
		strbuf_addf(&sb, "  - %s\n", a->tmpfs.v[i]);
	if (a->volumes.n)
		strbuf_addstr(&sb, "volumes:\n");
	for (size_t i = 0; i < a->volumes.n; i++)
		strbuf_addf(&sb, "  - %s\n", a->volumes.v[i]);
	return strbuf_detach(&sb);
}

static size_t count_changes(const struct additions *a)
{
	return (a->read_only ? 1 : 0) + a->tmpfs.n + a->volumes.n;
}

/* Pair indexes of key in map, for duplicates. */
static size_t find_pairs(const struct yenode *map, const char *key, size_t *first, size_t *second)
{
	size_t n = 0;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		if (!streq(yenode_scalar(map->kids[i]), key))
			continue;
		if (n == 0)
			*first = i;
		else if (n == 1)
			*second = i;
		n++;
	}
	return n;
}

static int twice(const struct yedit *ye, const struct yenode *map, const char *what,
		 const char *key, struct rl_error *err)
{
	size_t a = 0, b = 0;
	if (find_pairs(map, key, &a, &b) < 2)
		return 0;
	return rl_error_set(err, RL_EPARSE, "%s:%d: %s \"%s\" is defined twice (first at line %d)",
			    ye->filename, map->kids[b]->line, what, key, map->kids[a]->line);
}

/*
 * Extend the list key (tmpfs or volumes) of the service with entries. When
 * the list comes only through a merge key, the service gets its own list:
 * the inherited entries, then the new ones.
 */
static int extend_list(struct yedit *ye, struct yenode *svc, const char *key,
		       const struct strv *entries, const char *service, struct strv *notes,
		       struct rl_error *err)
{
	if (!entries->n)
		return 0;
	struct yenode *own = yenode_get(svc, key);
	const struct yenode *via = NULL;
	struct yenode *merged = yenode_get_merged(svc, key, &via);
	if (own && own->kind == YE_ALIAS) {
		via = yenode_resolve(own);
		merged = yenode_resolve(own);
	} else if (own || !merged) {
		return yedit_append(ye, svc, key, (const char *const *)entries->v, entries->n, err);
	}
	/* Inherited: the service repeats them in a list of its own. */
	struct strv all = STRV_INIT;
	size_t n_inherited = merged->kind == YE_SEQ ? merged->n : !yenode_is_null(merged);
	for (size_t i = 0; i < n_inherited; i++) {
		char *item = yedit_node_flow(ye, merged->kind == YE_SEQ ? merged->kids[i] : merged);
		if (!item) {
			strv_release(&all);
			return rl_error_set(err, RL_EPARSE,
					    "%s:%d: %s of service \"%s\" comes from an alias too "
					    "deep or big to repeat in the service",
					    ye->filename, svc->line, key, service);
		}
		strv_push(&all, item);
	}
	size_t inherited = all.n;
	for (size_t i = 0; i < entries->n; i++)
		strv_add(&all, entries->v[i]);
	int r;
	if (own) {
		_cleanup_free_ char *frag = NULL;
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < all.n; i++)
			strbuf_addf(&sb, "- %s\n", all.v[i]);
		frag = strbuf_detach(&sb);
		r = yedit_replace_value(ye, svc, own, frag, err);
		if (r == 0)
			strv_addf(notes,
				  "%s:%d: %s of service \"%s\" was the alias *%s (line %d): the "
				  "service now repeats its entries (%zu), then the new ones",
				  ye->filename, own->line, key, service, own->value, via->line,
				  inherited);
	} else {
		r = yedit_append(ye, svc, key, (const char *const *)all.v, all.n, err);
		if (r == 0)
			strv_addf(notes,
				  "%s:%d: %s of service \"%s\" came through a merge key from &%s "
				  "(line %d): the service now repeats the inherited entries (%zu), "
				  "then the new ones",
				  ye->filename, svc->line, key, service,
				  via->anchor ? via->anchor : "?", via->line, inherited);
	}
	strv_release(&all);
	return r;
}

static int set_read_only(struct yedit *ye, struct yenode *svc, const char *service,
			 struct strv *notes, struct rl_error *err)
{
	struct yenode *own = yenode_get(svc, "read_only");
	if (own && (own->kind == YE_SCALAR || own->kind == YE_ALIAS)) {
		if (own->kind == YE_SCALAR && (own->anchor || own->tag || own->block))
			return rl_error_set(err, RL_EPARSE,
					    "%s:%d: read_only of service \"%s\" carries an anchor "
					    "or tag: rootlock does not rewrite it",
					    ye->filename, own->line, service);
		return yedit_replace_value(ye, svc, own, "true", err);
	}
	if (own)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: read_only of service \"%s\" is not a "
				    "scalar",
				    ye->filename, own->line, service);
	const struct yenode *via = NULL;
	if (yenode_get_merged(svc, "read_only", &via) && via)
		strv_addf(notes,
			  "%s:%d: read_only of service \"%s\" came false through a merge key from "
			  "&%s (line %d): set true in the service itself",
			  ye->filename, svc->line, service, via->anchor ? via->anchor : "?",
			  via->line);
	return yedit_map_add(ye, svc, "read_only", "true", err);
}

/* Declare the new volumes under the top-level volumes:, creating it when absent. */
static int declare_volumes(struct yedit *ye, const struct additions *a, struct strv *notes,
			   struct rl_error *err)
{
	if (!a->decls.n)
		return 0;
	struct yenode *root = ye->root;
	struct yenode *vols = yenode_get(root, "volumes");
	struct strbuf sb = STRBUF_INIT;
	int r = 0;
	const struct yenode *user = vols && vols->anchor ? yedit_alias_of(ye, vols) : NULL;
	if (vols && vols->kind == YE_ALIAS) {
		r = rl_error_set(err, RL_EPARSE,
				 "%s:%d: the top-level volumes is an alias (*%s): rootlock cannot "
				 "declare volumes there",
				 ye->filename, vols->line, vols->value);
	} else if (user) {
		r = rl_error_set(
			err, RL_EPARSE,
			"%s:%d: the top-level volumes is anchored (&%s) and reused at line "
			"%d: declaring volumes there would change that too",
			ye->filename, vols->line, vols->anchor, user->line);
	} else if (!vols || yenode_is_null(vols)) {
		for (size_t i = 0; i < a->decls.n; i++) {
			_cleanup_free_ char *q = yedit_quote(a->decls.v[i], false);
			strbuf_addf(&sb, "%s: {}\n", q);
		}
		_cleanup_free_ char *frag = strbuf_detach(&sb);
		/* Block files get "NAME:" lines, as Compose's documentation writes them. */
		if (!root->flow)
			for (char *p = frag; (p = strstr(p, ": {}\n"));)
				memmove(p + 1, p + 4, strlen(p + 4) + 1);
		r = vols ? yedit_replace_value(ye, root, vols, frag, err)
			 : yedit_map_add(ye, root, "volumes", frag, err);
	} else if (vols->kind == YE_MAP) {
		for (size_t i = 0; i < a->decls.n && r == 0; i++)
			r = yedit_map_add(ye, vols, a->decls.v[i], vols->flow ? "{}" : "", err);
	} else {
		r = rl_error_set(err, RL_EPARSE, "%s:%d: the top-level volumes is not a mapping",
				 ye->filename, vols->line);
	}
	strbuf_release(&sb);
	if (r == 0)
		strv_addf(notes, "%s: declared %zu volume%s under the top-level volumes",
			  ye->filename, a->decls.n, a->decls.n == 1 ? "" : "s");
	return r;
}

static int edit_service(struct yedit *ye, struct yenode *services, struct yenode *svc,
			const char *service, const struct additions *a, struct strv *notes,
			struct rl_error *err)
{
	if (!svc || yenode_is_null(svc)) {
		_cleanup_free_ char *frag = service_fragment(a);
		if (!svc)
			return yedit_map_add(ye, services, service, frag, err);
		return yedit_replace_value(ye, services, svc, frag, err);
	}
	int r = 0;
	if (a->read_only)
		r = set_read_only(ye, svc, service, notes, err);
	if (r == 0)
		r = extend_list(ye, svc, "tmpfs", &a->tmpfs, service, notes, err);
	if (r == 0)
		r = extend_list(ye, svc, "volumes", &a->volumes, service, notes, err);
	return r;
}

/* "NAME:\n" and the new service's body below it, indented by indent. */
static char *named_service(const char *service, const struct additions *a, const char *indent)
{
	_cleanup_free_ char *q = yedit_quote(service, false);
	_cleanup_free_ char *body = service_fragment(a);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s:\n", q);
	for (char *line = body; *line;) {
		char *nl = strchr(line, '\n');
		strbuf_addstr(&sb, indent);
		strbuf_add(&sb, line, (size_t)(nl - line) + 1);
		line = nl + 1;
	}
	return strbuf_detach(&sb);
}

static int compose_edit(struct yedit *ye, const char *service, const struct plan *plan,
			unsigned flags, struct fix_edit *out, struct rl_error *err)
{
	bool create = flags & FIX_COMPOSE_CREATE_SERVICE;
	const char *file = ye->filename;
	struct yenode *root = ye->root;
	_cleanup_(additions_release) struct additions a = {0};
	int r;

	/* In YAML "<<" is a merge key: no mapping can hold a service by that name. */
	if (streq(service, "<<"))
		return rl_error_set(err, RL_EPARSE, "%s: \"<<\" is a merge key, not a service name",
				    file);
	if (root && root->kind == YE_SCALAR && root->end > root->start)
		return rl_error_set(err, RL_EPARSE, "%s:%d: the file is not a mapping", file,
				    root->line);
	if (!root || root->kind == YE_SCALAR) {
		/* Empty, or comments only: the whole text is new. */
		if (!create)
			return rl_error_set(err, RL_EPARSE, "%s: no services in the file", file);
		plan_additions(NULL, NULL, file, service, plan, &a, &out->notes);
		_cleanup_free_ char *svc = named_service(service, &a, "    ");
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "services:\n  %s", svc);
		if (a.decls.n)
			strbuf_addstr(&sb, "volumes:\n");
		for (size_t i = 0; i < a.decls.n; i++) {
			_cleanup_free_ char *qn = yedit_quote(a.decls.v[i], false);
			strbuf_addf(&sb, "  %s:\n", qn);
		}
		_cleanup_free_ char *text = strbuf_detach(&sb);
		yedit_append_text(ye, text);
		out->changes = count_changes(&a);
		strv_addf(&out->notes, "%s: new service \"%s\"", file, service);
		return 0;
	}
	if (root->kind != YE_MAP)
		return rl_error_set(err, RL_EPARSE, "%s:%d: the file is not a mapping", file,
				    root->line);
	if ((r = twice(ye, root, "key", "services", err)) < 0 ||
	    (r = twice(ye, root, "key", "volumes", err)) < 0)
		return r;
	/* A top-level key of its own would shadow the one a merge key brings in. */
	static const char *const top[] = {"services", "volumes"};
	for (size_t i = 0; i < ARRAY_SIZE(top); i++) {
		const struct yenode *via = NULL;
		if (!yenode_get(root, top[i]) && yenode_get_merged(root, top[i], &via))
			return rl_error_set(
				err, RL_EPARSE,
				"%s:%d: the top-level %s comes through a merge key from "
				"&%s: rootlock cannot write it in place",
				file, via ? via->line : root->line, top[i],
				via && via->anchor ? via->anchor : "?");
	}
	struct yenode *services = yenode_get(root, "services");
	int services_line = services ? yenode_get_key(root, "services")->line : 0;
	if (services && services->kind == YE_ALIAS)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: services is an alias (*%s): rootlock cannot write a "
				    "service there without changing its anchor",
				    file, services->line, services->value);
	if (!services || yenode_is_null(services)) {
		if (!create && !services)
			return rl_error_set(err, RL_EPARSE, "%s: no services in the file", file);
		if (!create)
			return rl_error_set(err, RL_EPARSE, "%s:%d: no service \"%s\"", file,
					    services_line, service);
		plan_additions(root, NULL, file, service, plan, &a, &out->notes);
		_cleanup_free_ char *frag = named_service(service, &a, "  ");
		r = services ? yedit_replace_value(ye, root, services, frag, err)
			     : yedit_map_add(ye, root, "services", frag, err);
		if (r < 0)
			return r;
		strv_addf(&out->notes, "%s: new service \"%s\"", file, service);
		goto declare;
	}
	if (services->kind != YE_MAP)
		return rl_error_set(err, RL_EPARSE, "%s:%d: services is not a mapping", file,
				    services->line);
	if ((r = twice(ye, services, "service", service, err)) < 0)
		return r;
	/* A service under a "?" key may sit on a line of its own making: not ours to guess. */
	const struct yenode *complex = services->flow ? NULL : yedit_explicit_key(ye, services);
	if (complex)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: an explicit (?) or non-scalar key among the services: "
				    "rootlock does not write beside it",
				    file, complex->line);
	struct yenode *svc = yenode_get(services, service);
	const struct yenode *svc_via = NULL;
	if (!svc && yenode_get_merged(services, service, &svc_via))
		return rl_error_set(
			err, RL_EPARSE,
			"%s:%d: service \"%s\" comes whole through a merge key from &%s "
			"(line %d): a service of its own would replace the merged one",
			file, services_line, service,
			svc_via && svc_via->anchor ? svc_via->anchor : "?",
			svc_via ? svc_via->line : 0);
	if (!svc && !create)
		return rl_error_set(err, RL_EPARSE, "%s:%d: no service \"%s\"", file, services_line,
				    service);
	if (svc && svc->kind == YE_ALIAS)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: service \"%s\" is an alias of &%s (line %d): writing "
				    "it would change that service too",
				    file, svc->line, service, svc->value, svc->target->line);
	if (svc && !yenode_is_null(svc) && svc->kind != YE_MAP)
		return rl_error_set(err, RL_EPARSE, "%s:%d: service \"%s\" is not a mapping", file,
				    svc->line, service);
	if (svc && svc->anchor) {
		const struct yenode *user = yedit_alias_of(ye, svc);
		if (user)
			return rl_error_set(err, RL_EPARSE,
					    "%s:%d: service \"%s\" is anchored (&%s) and reused at "
					    "line %d: writing it would change that too",
					    file, svc->line, service, svc->anchor, user->line);
	}
	plan_additions(root, svc, file, service, plan, &a, &out->notes);
	if (!count_changes(&a))
		return 0;
	if ((r = edit_service(ye, services, svc, service, &a, &out->notes, err)) < 0)
		return r;
	strv_addf(&out->notes, "%s:%d: service \"%s\":%s%s%s", file,
		  svc ? yenode_get_key(services, service)->line : services_line, service,
		  a.read_only ? " read_only: true" : "", a.tmpfs.n ? " + tmpfs" : "",
		  a.volumes.n ? " + volumes" : "");
declare:
	if ((r = declare_volumes(ye, &a, &out->notes, err)) < 0)
		return r;
	out->changes = count_changes(&a);
	return 0;
}

int fix_compose(const char *buf, size_t len, const char *filename, const char *service,
		const struct plan *plan, unsigned flags, struct fix_edit *out, struct rl_error *err)
{
	memset(out, 0, sizeof(*out));
	struct yedit ye;
	int r = yedit_load(&ye, buf, len, filename, err);
	if (r < 0)
		return r;
	r = compose_edit(&ye, service, plan, flags, out, err);
	if (r < 0) {
		yedit_release(&ye);
		fix_edit_release(out);
		return r;
	}
	out->text = yedit_apply(&ye, &out->len);
	yedit_release(&ye);
	return 0;
}
