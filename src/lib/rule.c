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

/* How each kind of source spells the fixes. */
struct fix_words {
	const char *set_readonly;
	const char *scratch; /* how to keep /tmp writable */
	const char *other;   /* where the other writes go */
	const char *no_priv;
	const char *no_sysadmin;
	const char *no_escalation;
	const char *exempt_source;  /* where an exemption is written */
	const char *exempt_example; /* one, with a reason */
};

static const struct fix_words docker_words = {
	.set_readonly = "Recreate it with --read-only.",
	.scratch = " Add --tmpfs /tmp for scratch files.",
	.other = " Give each other path it writes a tmpfs (pid, lock and socket files, caches) "
		 "or a volume (data that must outlive it)",
	.no_priv = "Recreate it without --privileged; grant only the capabilities it really needs.",
	.no_sysadmin = "Recreate it without --cap-add SYS_ADMIN (or ALL).",
	.exempt_source = "label rootlock.exempt",
	.exempt_example = "--label rootlock.exempt=\"vendor image, ticket OPS-1\"",
};

static const struct fix_words compose_words = {
	.set_readonly = "set `read_only: true`.",
	.scratch = " Add `tmpfs: [/tmp]` for scratch files.",
	.other = " Give each other path it writes a `tmpfs:` entry (pid, lock and socket files, "
		 "caches) or a volume (data that must outlive it)",
	.no_priv = "remove `privileged: true`; grant only the capabilities it really needs.",
	.no_sysadmin = "remove SYS_ADMIN (or ALL) from `cap_add`.",
	.exempt_source = "label rootlock.exempt",
	.exempt_example = "`labels: {rootlock.exempt: \"vendor image, ticket OPS-1\"}`",
};

static const struct fix_words kube_words = {
	.set_readonly = "set `securityContext.readOnlyRootFilesystem: true`.",
	.scratch = " Mount an emptyDir volume at /tmp for scratch files.",
	.other = " Give each other path it writes an emptyDir (throw-away files) or a persistent "
		 "volume (data that must outlive the pod)",
	.no_priv = "set `securityContext.privileged: false`.",
	.no_sysadmin = "remove SYS_ADMIN (or ALL) from `securityContext.capabilities.add`.",
	.no_escalation = "set `securityContext.allowPrivilegeEscalation: false`.",
	.exempt_source = "annotation rootlock.io/exempt",
	.exempt_example = "`rootlock.io/exempt: \"app=vendor image, ticket OPS-1\"`",
};

static const struct fix_words quadlet_words = {
	/* PodmanArgs= come last on podman's command line: they can undo either setting. */
	.set_readonly = "set `ReadOnly=true` in [Container], with no `--read-only=false` in "
			"`PodmanArgs=` (it would win).",
	.scratch = " Keep `ReadOnlyTmpfs=true` (the default) for /tmp, /var/tmp and /run.",
	.other = " Give each other path it writes a `Tmpfs=` line or a `Volume=` (data that must "
		 "outlive it)",
	.no_priv = "remove --privileged from `PodmanArgs=`.",
	.no_sysadmin = "remove SYS_ADMIN (or ALL) from `AddCapability=` and any `--cap-add` in "
		       "`PodmanArgs=`.",
	.exempt_source = "Label=rootlock.exempt",
	.exempt_example = "`Label=rootlock.exempt=\"vendor image, ticket OPS-1\"`",
};

static bool has_writable_mount_at(const struct workload *w, const char *path)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (w->mounts[i].writable && streq(w->mounts[i].target, path))
			return true;
	return false;
}

static const struct fix_words *words_for(const struct workload *w)
{
	const char *kind = w->origin.kind;
	if (streq(kind, "kubernetes"))
		return &kube_words;
	if (streq(kind, "quadlet"))
		return &quadlet_words;
	if (streq(kind, "compose") || streq(kind, "swarm") || w->origin.compose_service)
		return &compose_words;
	return &docker_words;
}

/* "In compose.yaml, service "web": " and the like; "" for a plain container. */
static char *where_for(const struct workload *w)
{
	const struct origin *o = &w->origin;
	if (streq(o->kind, "kubernetes"))
		return xasprintf("In %s, container \"%s\" of %s: ", o->file, o->container,
				 o->workload);
	if (streq(o->kind, "quadlet"))
		return xasprintf("In %s: ", o->file);
	if (o->file)
		return xasprintf("In %s, service \"%s\": ", o->file, o->workload);
	if (o->compose_service)
		return xasprintf("In %s, service \"%s\": ",
				 o->compose_files ? o->compose_files : "the Compose file",
				 o->compose_service);
	return xstrdup("");
}

static char *remediation_for(const struct workload *w, enum verdict v)
{
	const struct fix_words *fw = words_for(w);
	_cleanup_free_ char *where = where_for(w);
	struct strbuf sb = STRBUF_INIT;

	if (v == VERDICT_FAIL) {
		strbuf_addf(&sb, "%s%s", where, fw->set_readonly);
		if (!has_writable_mount_at(w, "/tmp"))
			strbuf_addstr(&sb, fw->scratch);
		strbuf_addstr(&sb, fw->other);
		/* Only a live container has something to diff. */
		if (w->id && w->name)
			strbuf_addf(&sb, "; `%s diff %s` lists what it has written so far",
				    w->origin.cli ? w->origin.cli : "docker", w->name);
		strbuf_addch(&sb, '.');
	} else if (v == VERDICT_WARN) {
		if (w->privileged)
			strbuf_addf(&sb, "%s%s", where, fw->no_priv);
		if (w->cap_sys_admin)
			strbuf_addf(&sb, "%s%s%s", sb.len ? " " : "", where, fw->no_sysadmin);
		if (w->allow_privilege_escalation && fw->no_escalation)
			strbuf_addf(&sb, "%s%s%s", sb.len ? " " : "", where, fw->no_escalation);
	}
	return sb.len ? strbuf_detach(&sb) : (strbuf_release(&sb), NULL);
}

void rule_judge(const struct workload *w, const struct exemptions *ex, struct judgement *ret)
{
	struct judgement j = {0};

	if (!w->readonly_rootfs) {
		j.verdict = VERDICT_FAIL;
		strv_add(&j.reasons, "the root filesystem is writable");
	} else if (w->privileged || w->cap_sys_admin || w->allow_privilege_escalation) {
		j.verdict = VERDICT_WARN;
		if (w->privileged)
			strv_add(&j.reasons, "read-only, but privileged: a process inside can "
					     "remount / read-write");
		if (w->cap_sys_admin)
			strv_add(&j.reasons, "read-only, but CAP_SYS_ADMIN is added: `mount -o "
					     "remount,rw /` works inside");
		if (w->allow_privilege_escalation)
			strv_add(&j.reasons, "read-only, but allowPrivilegeEscalation is true: a "
					     "setuid program can gain the privileges to undo it");
	} else {
		j.verdict = VERDICT_PASS;
		strv_add(&j.reasons, "the root filesystem is read-only");
	}

	for (size_t i = 0; i < w->notes.n; i++)
		strv_add(&j.reasons, w->notes.v[i]);

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
			j.exempt_source = xstrdup(words_for(w)->exempt_source);
		} else if (e) {
			j.exempt_reason = xstrdup(e->reason);
			j.exempt_source = xstrdup(ex->source);
		} else if (w->has_exempt_label) {
			strv_addf(&j.reasons,
				  "the %s has no reason, so it does not count: write why, e.g. %s",
				  words_for(w)->exempt_source, words_for(w)->exempt_example);
		}
		if (j.exempt_reason)
			j.verdict = VERDICT_EXEMPT;
	}

	j.remediation = remediation_for(w, j.verdict);
	*ret = j;
}
