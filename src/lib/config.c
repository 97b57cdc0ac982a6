/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <string.h>

#include "fileio.h"

#define CONFIG_MAX_BYTES (1 << 20)

static void exemption_release(struct exemption *e)
{
	free(e->name);
	free(e->image);
	free(e->id);
	free(e->reason);
}

void exemptions_release(struct exemptions *ex)
{
	if (!ex)
		return;
	for (size_t i = 0; i < ex->n; i++)
		exemption_release(&ex->v[i]);
	free(ex->v);
	free(ex->source);
	memset(ex, 0, sizeof(*ex));
}

static int take_string(json_t *entry, const char *key, char **ret, const char *source, size_t index,
		       struct rl_error *err)
{
	json_t *v = json_object_get(entry, key);
	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return rl_error_set(err, RL_EPARSE, "%s: exempt[%zu].%s must be a non-empty string",
				    source, index, key);
	*ret = xstrdup(json_string_value(v));
	return 0;
}

int config_parse(const char *text, size_t len, const char *source, struct exemptions *ret,
		 struct rl_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return rl_error_set(err, RL_EPARSE, "%s:%d:%d: not valid JSON: %s", source,
				    jerr.line, jerr.column, jerr.text);

	struct exemptions ex = {0};
	int r = 0;
	json_t *list = json_object_get(root, "exempt");
	if (!json_is_object(root) || (list && !json_is_array(list))) {
		r = rl_error_set(
			err, RL_EPARSE,
			"%s: expected {\"exempt\": [{\"name\": GLOB, \"reason\": TEXT}, ...]}",
			source);
		goto out;
	}
	const char *key;
	json_t *val;
	json_object_foreach (root, key, val) {
		if (!streq(key, "exempt")) {
			r = rl_error_set(err, RL_EPARSE, "%s: unknown key \"%s\"", source, key);
			goto out;
		}
	}
	size_t n = json_array_size(list);
	ex.v = xcalloc(n, sizeof(*ex.v));
	for (size_t i = 0; i < n; i++) {
		json_t *entry = json_array_get(list, i);
		struct exemption *e = &ex.v[ex.n++];
		if (!json_is_object(entry)) {
			r = rl_error_set(err, RL_EPARSE, "%s: exempt[%zu] must be an object",
					 source, i);
			goto out;
		}
		json_object_foreach (entry, key, val) {
			if (!streq(key, "name") && !streq(key, "image") && !streq(key, "id") &&
			    !streq(key, "reason")) {
				r = rl_error_set(
					err, RL_EPARSE,
					"%s: exempt[%zu] has unknown key \"%s\" (use name, "
					"image, id, reason)",
					source, i, key);
				goto out;
			}
		}
		if ((r = take_string(entry, "name", &e->name, source, i, err)) < 0 ||
		    (r = take_string(entry, "image", &e->image, source, i, err)) < 0 ||
		    (r = take_string(entry, "id", &e->id, source, i, err)) < 0 ||
		    (r = take_string(entry, "reason", &e->reason, source, i, err)) < 0)
			goto out;
		if (!e->reason) {
			r = rl_error_set(
				err, RL_EPARSE,
				"%s: exempt[%zu] has no \"reason\": every exemption needs one",
				source, i);
			goto out;
		}
		if (!e->name && !e->image && !e->id) {
			r = rl_error_set(err, RL_EPARSE,
					 "%s: exempt[%zu] matches nothing: give \"name\", "
					 "\"image\" or \"id\"",
					 source, i);
			goto out;
		}
	}
	ex.source = xstrdup(source);
	*ret = ex;
	memset(&ex, 0, sizeof(ex));
out:
	exemptions_release(&ex);
	json_decref(root);
	return r;
}

int config_load(const char *path, struct exemptions *ret, struct rl_error *err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int r = read_file_limited(path, CONFIG_MAX_BYTES, &sb, err);
	if (r < 0)
		return r;
	return config_parse(strbuf_str(&sb), sb.len, path, ret, err);
}

const struct exemption *exemptions_match(const struct exemptions *ex, const char *id,
					 const char *name, const char *image)
{
	if (!ex)
		return NULL;
	for (size_t i = 0; i < ex->n; i++) {
		const struct exemption *e = &ex->v[i];
		if (e->name && (!name || fnmatch(e->name, name, 0) != 0))
			continue;
		if (e->image && (!image || fnmatch(e->image, image, 0) != 0))
			continue;
		if (e->id && (!id || !str_startswith(id, e->id)))
			continue;
		return e;
	}
	return NULL;
}
