/* SPDX-License-Identifier: MIT */
/*
 * fix_kube(): whatever a manifest holds, refuse it with one line and no
 * text, or hand back YAML that loads, that a second fix leaves alone, that
 * is the input itself when nothing changed, and in which lint's Kubernetes
 * reader finds every container of the image read-only with a tmpfs at each
 * planned path (unless a note says why a container was left as it was).
 */
#include <stdint.h>
#include <string.h>

#include "fix.h"
#include "lint.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Defined in fix-kube.c. */
char *fix_kube_image_normalize(const char *ref);

static struct plan_mount mounts[] = {
	{.type = PLAN_TMPFS, .target = "/tmp", .options = "size=8m"},
	{.type = PLAN_TMPFS, .target = "/run", .options = "mode=0755,uid=1,size=64k"},
	{.type = PLAN_VOLUME, .target = "/data", .volume = "app-data"},
};
static const struct plan plan = {.mounts = mounts, .n_mounts = ARRAY_SIZE(mounts)};

static void edit_free(struct fix_edit *e)
{
	free(e->text);
	strv_release(&e->notes);
}

static bool noted(const struct fix_edit *e, const char *part)
{
	for (size_t i = 0; i < e->notes.n; i++)
		if (strstr(e->notes.v[i], part))
			return true;
	return false;
}

static bool mounted(const struct workload *w, const char *target)
{
	size_t n = strlen(target);
	for (size_t i = 0; i < w->n_mounts; i++)
		if (strncmp(w->mounts[i].target, target, n) == 0 &&
		    strspn(w->mounts[i].target + n, "/") == strlen(w->mounts[i].target + n))
			return true;
	return false;
}

/* lint's view of the fixed text: each container of the image read-only, every tmpfs there. */
static void check_lint(const struct fix_edit *e)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load(e->text, e->len, "fuzz.yaml", &s, &err) < 0)
		abort();
	/* Merge keys and notes on containers left alone make lint's view differ on purpose. */
	if (noted(e, "anchored") || noted(e, "init container") || strstr(e->text, "<<")) {
		ystream_release(&s);
		return;
	}
	struct lint_results r = {0};
	(void)kube_lint(&s, "fuzz.yaml", &r, &err);
	_cleanup_free_ char *want = fix_kube_image_normalize("app");
	for (size_t i = 0; i < r.n; i++) {
		const struct workload *w = &r.v[i].w;
		if (r.v[i].standalone || !w->image)
			continue;
		_cleanup_free_ char *got = fix_kube_image_normalize(w->image);
		if (!streq(got, want))
			continue;
		if (!w->readonly_rootfs || !mounted(w, "/tmp") || !mounted(w, "/run"))
			abort();
	}
	lint_results_release(&r);
	ystream_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct fix_edit e, again;
	struct rl_error err = {0};

	int r = fix_kube(in, size, "fuzz.yaml", "app", &plan, &e, &err);
	if (r < 0) {
		if (r != RL_EPARSE || !str_startswith(err.msg, "fuzz.yaml") || e.text || e.notes.n)
			abort();
		return 0;
	}
	if (!e.text || e.text[e.len] != '\0')
		abort();
	if (e.changes == 0 && (e.len != size || memcmp(e.text, in, size) != 0))
		abort();
	check_lint(&e);
	if (fix_kube(e.text, e.len, "fuzz.yaml", "app", &plan, &again, &err) < 0 || again.changes ||
	    again.len != e.len || memcmp(again.text, e.text, e.len) != 0)
		abort();
	edit_free(&again);
	edit_free(&e);
	return 0;
}
