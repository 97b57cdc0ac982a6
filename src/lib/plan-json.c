/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <string.h>

#include "plan.h"

/*
 * plan_from_json(): the reader for what plan and try write with --format
 * json. The file is the user's (or anyone's): every field is checked, and a
 * target or option that could not be written back as a Compose short-syntax
 * entry or a unit line (a control byte, a colon) is refused.
 */

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static char *opt_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

static int notes_from_json(const json_t *a, struct plan_note **ret, size_t *n)
{
	if (!json_is_array(a))
		return 0;
	size_t count = json_array_size(a);
	*ret = xcalloc(count ? count : 1, sizeof(**ret));
	for (size_t i = 0; i < count; i++) {
		const json_t *o = json_array_get(a, i);
		(*ret)[*n].path = opt_str(o, "path");
		(*ret)[*n].why = opt_str(o, "why");
		if (!(*ret)[*n].path)
			(*ret)[*n].path = xstrdup("");
		if (!(*ret)[*n].why)
			(*ret)[*n].why = xstrdup("");
		(*n)++;
	}
	return 0;
}

/* What a mount must be to be written back into a Compose entry or a unit line. */
static int mount_check(bool is_volume, const char *target, const char *options, const char *volume,
		       size_t i, const char *source, struct rl_error *err)
{
	if (!target || target[0] != '/' || has_control(target) || strchr(target, ':'))
		return rl_error_set(err, RL_EPARSE,
				    "%s: mount %zu: \"target\" must be an absolute path without a "
				    "colon or control character",
				    source, i + 1);
	if (options && (has_control(options) || strpbrk(options, ": ")))
		return rl_error_set(
			err, RL_EPARSE,
			"%s: mount %zu (%s): \"options\" must be a comma-separated list "
			"without spaces or colons",
			source, i + 1, target);
	if (is_volume && (str_empty(volume) || has_control(volume) || strpbrk(volume, ":/ ")))
		return rl_error_set(
			err, RL_EPARSE,
			"%s: mount %zu (%s): a volume needs a \"volume\" name (letters, "
			"digits, - _ .)",
			source, i + 1, target);
	return 0;
}

int plan_check(const struct plan *p, const char *source, struct rl_error *err)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct plan_mount *m = &p->mounts[i];
		int r = mount_check(m->type == PLAN_VOLUME, m->target,
				    m->type == PLAN_TMPFS ? m->options : NULL, m->volume, i, source,
				    err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int mount_from_json(const json_t *o, size_t i, const char *source, struct plan_mount *m,
			   struct rl_error *err)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *target = json_string_value(json_object_get(o, "target"));
	const char *options = json_string_value(json_object_get(o, "options"));
	const char *volume = json_string_value(json_object_get(o, "volume"));
	const char *basis = json_string_value(json_object_get(o, "basis"));
	if (!streq(type, "tmpfs") && !streq(type, "volume"))
		return rl_error_set(err, RL_EPARSE,
				    "%s: mount %zu: \"type\" must be \"tmpfs\" or \"volume\"",
				    source, i + 1);
	int r = mount_check(streq(type, "volume"), target, options, volume, i, source, err);
	if (r < 0)
		return r;
	m->type = streq(type, "tmpfs") ? PLAN_TMPFS : PLAN_VOLUME;
	m->basis = streq(basis, "seen") ? PLAN_SEEN : PLAN_PREDICTED;
	m->target = xstrdup(target);
	m->options = m->type == PLAN_TMPFS && options ? xstrdup(options) : NULL;
	m->volume = m->type == PLAN_VOLUME ? xstrdup(volume) : NULL;
	m->why = opt_str(o, "why");
	if (!m->why)
		m->why = xstrdup("");
	return 0;
}

static int plan_object(const json_t *o, const char *source, struct plan *out, struct rl_error *err)
{
	const json_t *mounts = json_object_get(o, "mounts");
	if (!json_is_array(mounts))
		return rl_error_set(err, RL_EPARSE, "%s: the plan has no \"mounts\" list", source);
	size_t n = json_array_size(mounts);
	out->mounts = xcalloc(n ? n : 1, sizeof(*out->mounts));
	for (size_t i = 0; i < n; i++) {
		const json_t *m = json_array_get(mounts, i);
		if (!json_is_object(m))
			return rl_error_set(err, RL_EPARSE, "%s: mount %zu is not an object",
					    source, i + 1);
		int r = mount_from_json(m, i, source, &out->mounts[out->n_mounts], err);
		if (r < 0)
			return r;
		out->n_mounts++;
	}
	notes_from_json(json_object_get(o, "blockers"), &out->blockers, &out->n_blockers);
	notes_from_json(json_object_get(o, "covered"), &out->covered, &out->n_covered);
	notes_from_json(json_object_get(o, "notes"), &out->notes, &out->n_notes);
	out->user = opt_str(o, "user");
	out->uid = (unsigned)json_integer_value(json_object_get(o, "uid"));
	out->gid = (unsigned)json_integer_value(json_object_get(o, "gid"));
	out->writes = (size_t)json_integer_value(json_object_get(o, "writes"));
	out->predicted = (size_t)json_integer_value(json_object_get(o, "predicted"));
	return 0;
}

/* From {"plans":[...]}: the one, or the one named. */
static const json_t *pick_plan(const json_t *plans, const char *source, const char *name,
			       struct rl_error *err)
{
	size_t n = json_array_size(plans);
	if (n == 0) {
		rl_error_set(err, RL_EPARSE, "%s: \"plans\" is empty", source);
		return NULL;
	}
	if (name)
		for (size_t i = 0; i < n; i++) {
			const json_t *p = json_array_get(plans, i);
			if (streq(json_string_value(json_object_get(p, "container")), name) ||
			    streq(json_string_value(json_object_get(p, "id")), name))
				return p;
		}
	if (n == 1)
		return json_array_get(plans, 0);
	rl_error_set(err, RL_EUSAGE,
		     "%s holds %zu plans and none is for \"%.128s\": name the container, or "
		     "keep one plan per file",
		     source, n, name ? name : "");
	return NULL;
}

int plan_from_json(const char *buf, size_t len, const char *source, const char *name,
		   struct plan *out, char **ret_image, struct rl_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return rl_error_set(err, RL_EPARSE, "%s:%d:%d: not JSON: %s", source, jerr.line,
				    jerr.column, jerr.text);
	int r = 0;
	const json_t *plan = NULL;
	const char *image = NULL;
	if (!json_is_object(doc)) {
		r = rl_error_set(err, RL_EPARSE,
				 "%s: not a plan (an object from `rootlock plan --format json` or "
				 "`rootlock try --format json`)",
				 source);
	} else if (json_is_array(json_object_get(doc, "plans"))) {
		plan = pick_plan(json_object_get(doc, "plans"), source, name, err);
		if (!plan)
			r = err->code;
		image = json_string_value(json_object_get(plan, "image"));
	} else if (json_is_object(json_object_get(doc, "plan"))) {
		const char *verdict = json_string_value(json_object_get(doc, "verdict"));
		if (!streq(verdict, "pass"))
			r = rl_error_set(err, RL_EUSAGE,
					 "%s: try did not prove this plan (verdict %s): nothing to "
					 "write until `rootlock try` passes",
					 source, verdict ? verdict : "missing");
		plan = json_object_get(doc, "plan");
		image = json_string_value(json_object_get(doc, "image"));
		/* try given an image names it as its target. */
		if (!image && streq(json_string_value(json_object_get(doc, "kind")), "image"))
			image = json_string_value(json_object_get(doc, "target"));
	} else if (json_is_array(json_object_get(doc, "mounts"))) {
		plan = doc;
		image = json_string_value(json_object_get(doc, "image"));
	} else {
		r = rl_error_set(err, RL_EPARSE,
				 "%s: no plan in it (expected \"plans\" from `rootlock plan "
				 "--format json` or \"plan\" from `rootlock try --format json`)",
				 source);
	}
	if (r == 0)
		r = plan_object(plan, source, out, err);
	if (r == 0 && ret_image)
		*ret_image = image ? xstrdup(image) : NULL;
	if (r < 0)
		plan_release(out);
	json_decref(doc);
	return r;
}
