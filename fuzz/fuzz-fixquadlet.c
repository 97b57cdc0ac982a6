/* SPDX-License-Identifier: MIT */
/*
 * fix_quadlet(): whatever a unit holds, refuse it with one line and no text,
 * or hand back a unit that lint's Quadlet reader finds read-only with every
 * planned target mounted, that keeps the input's bytes in order around what
 * it added, and that a second fix leaves alone.
 */
#include <stdint.h>
#include <string.h>

#include "fix.h"
#include "lint.h"

/* Defined in lint-quadlet.c; lint.h leaves it out on purpose. */
int quadlet_lint_text(const char *path, const char *text, size_t len, struct lint_results *out,
		      struct rl_error *err);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct plan_mount mounts[] = {
	{.type = PLAN_TMPFS, .target = "/run", .options = "mode=0755,size=64m"},
	{.type = PLAN_TMPFS, .target = "/tmp"},
	{.type = PLAN_VOLUME, .target = "/var/lib/app/", .volume = "app-data"},
};
static const struct plan plan = {.mounts = mounts, .n_mounts = ARRAY_SIZE(mounts)};

/* Is every byte of small found in big, in order (what an insertion-only edit keeps)? */
static bool subsequence(const char *small, size_t n_small, const char *big, size_t n_big)
{
	size_t i = 0;
	for (size_t k = 0; k < n_big && i < n_small; k++)
		if (big[k] == small[i])
			i++;
	return i == n_small;
}

static void edit_free(struct fix_edit *e)
{
	free(e->text);
	strv_release(&e->notes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char path[] = "units/app.container";
	const char *in = (const char *)data;
	struct fix_edit e, again, dropin;
	struct rl_error err = {0};

	struct rl_error derr = {0};
	int r = fix_quadlet(in, size, path, &plan, &e, &err);
	int rd = fix_quadlet_dropin(in, size, path, &plan, &dropin, &derr);
	/* A refusal names the file and hands back nothing. */
	if ((r < 0 && (r != RL_EPARSE || !str_startswith(err.msg, path) || e.text || e.notes.n)) ||
	    (rd < 0 &&
	     (rd != RL_EPARSE || !str_startswith(derr.msg, path) || dropin.text || dropin.notes.n)))
		abort();
	/* Only the unit itself can have no place for new lines; a drop-in always has. */
	if (r != rd && !(r < 0 && strstr(err.msg, "empty Tmpfs= or Volume=")))
		abort();
	if (rd == 0 && r < 0)
		edit_free(&dropin);
	if (r < 0)
		return 0;
	if (!e.text || e.text[e.len] != '\0' || (e.changes == 0) != (dropin.changes == 0))
		abort();
	if (e.changes == 0 && (e.len != size || memcmp(e.text, in, size) != 0))
		abort();
	if ((dropin.changes == 0) != (dropin.len == 0) ||
	    (dropin.len && !str_startswith(dropin.text, "[Container]")))
		abort();
	/*
	 * A changed ReadOnly= value, or a backslash ending the file, drops a few
	 * bytes; otherwise everything stays in order.
	 */
	bool changed_value = false;
	for (size_t i = 0; i < e.notes.n; i++)
		changed_value |= strstr(e.notes.v[i], "where it said otherwise") != NULL ||
				 strstr(e.notes.v[i], "the backslash that ended") != NULL;
	if (!changed_value && !subsequence(in, size, e.text, e.len))
		abort();

	struct lint_results res = {0};
	if (quadlet_lint_text(path, e.text, e.len, &res, &err) < 0 || res.n != 1)
		abort();
	const struct workload *w = &res.v[0].w;
	if (!w->readonly_rootfs)
		abort();
	for (size_t i = 0; i < plan.n_mounts; i++) {
		bool found = false;
		for (size_t k = 0; k < w->n_mounts && !found; k++)
			found = streq(w->mounts[k].target,
				      i == 2 ? "/var/lib/app" : mounts[i].target);
		if (!found)
			abort();
	}
	lint_results_release(&res);

	if (fix_quadlet(e.text, e.len, path, &plan, &again, &err) < 0 || again.changes ||
	    again.len != e.len || memcmp(again.text, e.text, e.len) != 0)
		abort();
	edit_free(&again);
	edit_free(&dropin);
	edit_free(&e);
	return 0;
}
