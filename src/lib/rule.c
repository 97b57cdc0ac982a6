/* SPDX-License-Identifier: MIT */
#include "rule.h"

#include <string.h>

const char *verdict_name(enum verdict v)
{
	static const char *const names[VERDICT_MAX] = {
		[VERDICT_PASS] = "pass",
		[VERDICT_WARN] = "warn",
		[VERDICT_FAIL] = "fail",
		[VERDICT_EXEMPT] = "exempt",
	};
	return v < VERDICT_MAX ? names[v] : "unknown";
}

void judgement_release(struct judgement *j)
{
	if (!j)
		return;
	strv_release(&j->reasons);
	free(j->exempt_reason);
	free(j->exempt_source);
	free(j->remediation);
	memset(j, 0, sizeof(*j));
}

void workload_describe_mounts(const struct workload *w, struct strv *ret)
{
	for (size_t i = 0; i < w->n_mounts; i++) {
		const struct mount *m = &w->mounts[i];
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%s %s", mount_kind_name(m->kind), m->target);
		struct strv opts = STRV_INIT;
		if (m->kind == MOUNT_TMPFS) {
			strv_add(&opts, m->exec ? "exec" : "noexec");
			char size[32];
			if (m->size_bytes > 0)
				strv_add(&opts, format_size(m->size_bytes, size, sizeof(size)));
		} else if (m->source && m->kind != MOUNT_ANONYMOUS) {
			strv_addf(&opts, "from %s", m->source);
		}
		if (!m->writable)
			strv_add(&opts, "read-only");
		for (size_t k = 0; k < opts.n; k++)
			strbuf_addf(&sb, "%s%s", k ? ", " : " (", opts.v[k]);
		if (opts.n)
			strbuf_addch(&sb, ')');
		strv_release(&opts);
		strv_push(ret, strbuf_detach(&sb));
	}
}

static bool has_writable_mount_at(const struct workload *w, const char *path)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (w->mounts[i].writable && streq(w->mounts[i].target, path))
			return true;
	return false;
}

/* Where the writes must go once / is read-only: the advice after the flag. */
static void add_write_advice(const struct workload *w, struct strbuf *sb, bool compose)
{
	if (!has_writable_mount_at(w, "/tmp"))
		strbuf_addstr(sb, compose ? " Add `tmpfs: [/tmp]` for scratch files."
					  : " Add --tmpfs /tmp for scratch files.");
	strbuf_addstr(sb, " Give each other path it writes a tmpfs (pid, lock and socket files, "
			  "caches) or a volume (data that must outlive it)");
	if (w->name)
		strbuf_addf(sb, "; `docker diff %s` lists what it has written so far", w->name);
	strbuf_addch(sb, '.');
}

static char *remediation_for(const struct workload *w, enum verdict v)
{
	const struct origin *o = &w->origin;
	bool compose = o->compose_service != NULL;
	struct strbuf sb = STRBUF_INIT;

	if (v == VERDICT_FAIL) {
		if (compose)
			strbuf_addf(&sb, "In %s, service \"%s\": set `read_only: true`.",
				    o->compose_files ? o->compose_files : "the Compose file",
				    o->compose_service);
		else
			strbuf_addstr(&sb, "Recreate it with --read-only.");
		add_write_advice(w, &sb, compose);
	} else if (v == VERDICT_WARN) {
		const char *where = "";
		_cleanup_free_ char *where_buf = NULL;
		if (compose)
			where = where_buf =
				xasprintf("In %s, service \"%s\": ",
					  o->compose_files ? o->compose_files : "the Compose file",
					  o->compose_service);
		if (w->privileged)
			strbuf_addf(&sb, "%s%s; grant only the capabilities it really needs.",
				    where,
				    compose ? "remove `privileged: true`"
					    : "Recreate it without --privileged");
		if (w->cap_sys_admin)
			strbuf_addf(&sb, "%s%s%s.", sb.len ? " " : "", where,
				    compose ? "remove SYS_ADMIN (or ALL) from `cap_add`"
					    : "Recreate it without --cap-add SYS_ADMIN (or ALL)");
	}
	return sb.len ? strbuf_detach(&sb) : (strbuf_release(&sb), NULL);
}

void rule_judge(const struct workload *w, const struct exemptions *ex, struct judgement *ret)
{
	struct judgement j = {0};

	if (!w->readonly_rootfs) {
		j.verdict = VERDICT_FAIL;
		strv_add(&j.reasons, "the root filesystem is writable");
	} else if (w->privileged || w->cap_sys_admin) {
		j.verdict = VERDICT_WARN;
		if (w->privileged)
			strv_add(&j.reasons, "read-only, but privileged: a process inside can "
					     "remount / read-write");
		if (w->cap_sys_admin)
			strv_add(&j.reasons, "read-only, but CAP_SYS_ADMIN is added: `mount -o "
					     "remount,rw /` works inside");
	} else {
		j.verdict = VERDICT_PASS;
		strv_add(&j.reasons, "the root filesystem is read-only");
	}

	/* Unconfined profiles remove a second lock; they matter once / is read-only. */
	if (w->readonly_rootfs) {
		if (w->apparmor_unconfined)
			strv_add(&j.reasons, "AppArmor is unconfined: no profile forbids mount");
		if (w->seccomp_unconfined)
			strv_add(&j.reasons, "seccomp is unconfined: no filter forbids mount");
	}

	if (j.verdict != VERDICT_PASS) {
		const struct exemption *e = exemptions_match(ex, w->id, w->name, w->image);
		if (w->has_exempt_label && !str_empty(w->exempt_reason)) {
			j.exempt_reason = xstrdup(w->exempt_reason);
			j.exempt_source = xstrdup("label rootlock.exempt");
		} else if (e) {
			j.exempt_reason = xstrdup(e->reason);
			j.exempt_source = xstrdup(ex->source);
		} else if (w->has_exempt_label) {
			strv_add(&j.reasons,
				 "the label rootlock.exempt has no reason, so it does not "
				 "count: write why, e.g. rootlock.exempt=\"vendor image, "
				 "ticket OPS-1\"");
		}
		if (j.exempt_reason)
			j.verdict = VERDICT_EXEMPT;
	}

	j.remediation = remediation_for(w, j.verdict);
	*ret = j;
}
