/* SPDX-License-Identifier: MIT */
#include "lint-file.h"

#include <string.h>

#include "lint-override.h"
#include "yamldoc.h"

enum lint_doc_kind lint_classify(const struct ystream *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *root = s->docs[i].root;
		if (!yis_map(root))
			continue;
		if (ymap_get(root, "apiVersion") && ymap_get(root, "kind"))
			return LINT_DOC_KUBE;
		if (i == 0 && yis_map(ymap_get(root, "services")))
			return LINT_DOC_COMPOSE;
	}
	return lint_is_compose_name(lint_base_name(path)) ? LINT_DOC_COMPOSE : LINT_DOC_UNKNOWN;
}

int lint_yaml_item(struct lint_item *item, const struct compose_env *env, struct lint_results *out,
		   enum lint_doc_kind *ret_kind, struct rl_error *err)
{
	const char *path = item->path;
	const char *display = lint_display_name(path);
	struct strbuf *text = &item->text;
	*ret_kind = LINT_DOC_UNKNOWN;
	if (item->err) {
		*err = *item->err;
		return -1;
	}
	struct ystream s = {0};
	if (item->parsed) {
		s = *item->parsed;
		*item->parsed = (struct ystream){0};
	} else {
		if (ystream_load_unread(text->buf, text->len, display, lint_unread_keys, &s, err) <
		    0)
			return -1;
		/* Without a marker no suppression is looked up: the tree no longer needs the
		 * text beside it. */
		if (!item->has_marker)
			strbuf_release(text);
	}
	int r = 0;
	*ret_kind = lint_classify(&s, display);
	switch (*ret_kind) {
	case LINT_DOC_KUBE:
		r = kube_lint(&s, display, out, err);
		break;
	case LINT_DOC_COMPOSE: {
		_cleanup_free_ char *override =
			streq(path, "-")
				? NULL
				: lint_override_for(path, item->explicit ? NULL : &item->listing);
		struct compose_input in[2] = {{.path = display, .parsed = &s}, {.path = override}};
		r = compose_lint(in, override ? 2 : 1, env, out, err);
		break;
	}
	case LINT_DOC_UNKNOWN:
		break;
	}
	ystream_release(&s);
	return r < 0 ? -1 : 0;
}
