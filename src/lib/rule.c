/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "rule.h"

#include <fnmatch.h>
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
	const char *drop_bind; /* ... the host path ... */
	const char *drop_bind_end;
	const char *no_pid_ptrace;  /* --pid host with SYS_PTRACE */
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
	.drop_bind = "Recreate it without the bind of",
	.drop_bind_end = " (-v or --mount).",
	.no_pid_ptrace =
		"Recreate it without --pid host, or without --cap-add SYS_PTRACE (or ALL).",
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
	.drop_bind = "remove the `volumes:` entry that binds",
	.drop_bind_end = ".",
	.no_pid_ptrace = "remove `pid: host`, or SYS_PTRACE (or ALL) from `cap_add`.",
	.exempt_source = "label rootlock.exempt",
	.exempt_example = "`labels: {rootlock.exempt: \"vendor image, ticket OPS-1\"}`",
};

/* A live Swarm service: its tasks get what `docker service update` sets (or its stack file). */
static const struct fix_words service_words = {
	.set_readonly = "Update it with `docker service update --read-only` (`read_only: true` in "
			"its stack file).",
	.scratch = " Add `--mount-add type=tmpfs,target=/tmp` for scratch files.",
	.other = " Give each other path it writes a tmpfs mount (pid, lock and socket files, "
		 "caches) or a volume (data that must outlive its tasks)",
	.no_priv = "Update it without privileges; grant only the capabilities it really needs.",
	.no_sysadmin = "Update it without SYS_ADMIN (or ALL) among its added capabilities "
		       "(`cap_add` in its stack file).",
	.drop_bind = "Update it without the bind of",
	.drop_bind_end = " (`docker service update --mount-rm TARGET`).",
	.no_pid_ptrace = "Update it without the host's pid namespace, or without SYS_PTRACE (or "
			 "ALL) among its added capabilities.",
	.exempt_source = "label rootlock.exempt",
	.exempt_example = "--container-label-add rootlock.exempt=\"vendor image, ticket OPS-1\"",
};

static const struct fix_words kube_words = {
	.set_readonly = "set `securityContext.readOnlyRootFilesystem: true`.",
	.scratch = " Mount an emptyDir volume at /tmp for scratch files.",
	.other = " Give each other path it writes an emptyDir (throw-away files) or a persistent "
		 "volume (data that must outlive the pod)",
	.no_priv = "set `securityContext.privileged: false`.",
	.no_sysadmin = "remove SYS_ADMIN (or ALL) from `securityContext.capabilities.add`.",
	.no_escalation = "set `securityContext.allowPrivilegeEscalation: false`.",
	.drop_bind = "remove the hostPath volume",
	.drop_bind_end = ".",
	.no_pid_ptrace = "set `hostPID: false`, or remove SYS_PTRACE (or ALL) from "
			 "`securityContext.capabilities.add`.",
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
	.drop_bind = "remove the `Volume=` (or `PodmanArgs=` -v/--mount) that binds",
	.drop_bind_end = ".",
	.no_pid_ptrace = "remove --pid=host from `PodmanArgs=`, or SYS_PTRACE (or ALL) from "
			 "`AddCapability=` and `PodmanArgs=`.",
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
	if (w->origin.swarm_service)
		return &service_words;
	if (streq(kind, "kubernetes"))
		return &kube_words;
	if (streq(kind, "quadlet"))
		return &quadlet_words;
	if (streq(kind, "compose") || streq(kind, "swarm") || w->origin.compose_service)
		return &compose_words;
	return &docker_words;
}

/* ---- defeaters: ways a read-only / can be rewritten from inside ---- */

/* Where engines keep their layers when nobody says otherwise. */
static const char *const usual_data_roots[] = {
	"/var/lib/docker",
	"/var/lib/containers/storage",
	"/var/lib/containerd",
	"/home/*/.local/share/docker",
	"/home/*/.local/share/containers/storage",
};

/* Directories of a data root that hold layers (storage drivers, snapshotters). */
static const char *const layer_dirs[] = {
	"overlay2", "overlay", "overlay-layers", "aufs",	   "btrfs",
	"zfs",	    "vfs",     "devicemapper",	 "fuse-overlayfs", "io.containerd.snapshotter.*",
};

/* Sockets that answer "create a privileged container" (under /run; /var/run is a link to it). */
static const char *const usual_sockets[] = {
	"/run/docker.sock",
	"/run/podman/podman.sock",
	"/run/containerd/containerd.sock",
	"/run/docker/containerd/containerd.sock",
	"/run/crio/crio.sock",
	"/run/user/*/docker.sock",
	"/run/user/*/podman/podman.sock",
};

/*
 * "/var/run//docker.sock/" -> "/run/docker.sock": one spelling per place.
 * systemd's %t (Quadlet) is /run, or /run/user/UID for a user's units:
 * under /run either way, which is all the socket names need.
 */
static char *normalize_path(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path;
	if (str_startswith(p, "%t/")) {
		strbuf_addstr(&sb, "/run");
		p += 2;
	}
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n && !(n == 1 && p[0] == '.')) {
			strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p = end;
	}
	if (!sb.len)
		strbuf_addch(&sb, '/');
	char *s = strbuf_detach(&sb);
	if (streq(s, "/var/run") || str_startswith(s, "/var/run/")) {
		char *t = xstrdup(s + 4);
		free(s);
		s = t;
	}
	return s;
}

static size_t path_depth(const char *path)
{
	size_t n = 0;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			n++;
	return n;
}

/* The first depth components of pattern, "/a/b/c" with 2 -> "/a/b". */
static char *path_head(const char *pattern, size_t depth)
{
	if (!depth)
		return xstrdup("/");
	const char *p = pattern;
	for (size_t i = 0; i < depth && p; i++)
		p = strchr(p + 1, '/');
	return p ? xstrndup(pattern, (size_t)(p - pattern)) : xstrdup(pattern);
}

static bool path_matches(const char *pattern, const char *path)
{
	return fnmatch(pattern, path, FNM_PATHNAME) == 0;
}

/* path is pattern's place, or a directory above it (so holds it). */
static bool path_at_or_above(const char *path, const char *pattern)
{
	size_t depth = path_depth(path);
	if (depth > path_depth(pattern))
		return false;
	_cleanup_free_ char *head = path_head(pattern, depth);
	return path_matches(head, path);
}

/* path is inside pattern's place, in one of the directories that hold layers. */
static bool path_in_layers(const char *path, const char *pattern)
{
	size_t depth = path_depth(pattern);
	if (path_depth(path) <= depth)
		return false;
	_cleanup_free_ char *head = path_head(path, depth);
	if (!path_matches(pattern, head))
		return false;
	const char *rest = path + strlen(head) + 1;
	_cleanup_free_ char *first = xstrndup(rest, strcspn(rest, "/"));
	for (size_t i = 0; i < ARRAY_SIZE(layer_dirs); i++)
		if (fnmatch(layer_dirs[i], first, 0) == 0)
			return true;
	return false;
}

static bool socket_exposed(const struct workload *w, const char *src, const char **ret_socket,
			   bool *ret_exact)
{
	_cleanup_free_ char *own = w->engine_socket ? normalize_path(w->engine_socket) : NULL;
	for (size_t i = 0; i <= ARRAY_SIZE(usual_sockets); i++) {
		const char *sock = i < ARRAY_SIZE(usual_sockets) ? usual_sockets[i] : own;
		if (!sock || !path_at_or_above(src, sock))
			continue;
		*ret_exact = path_depth(src) == path_depth(sock);
		*ret_socket = i < ARRAY_SIZE(usual_sockets) ? usual_sockets[i] : w->engine_socket;
		return true;
	}
	return false;
}

enum data_root_relation { DR_NONE, DR_ROOT, DR_ABOVE, DR_LAYERS };

/*
 * Its own layers are in its engine's data root: when the engine said where
 * (audit), that one alone; else the usual places. A directory above a
 * rootless one (a home directory) is not flagged by pattern alone: binding
 * one's home is common, and a defeater only under rootless Docker.
 */
static enum data_root_relation data_root_relation(const struct workload *w, const char *src,
						  const char **ret_root)
{
	_cleanup_free_ char *own = w->engine_data_root ? normalize_path(w->engine_data_root) : NULL;
	size_t n = own ? 1 : ARRAY_SIZE(usual_data_roots);
	for (size_t i = 0; i < n; i++) {
		const char *root = own ? own : usual_data_roots[i];
		bool pattern = strpbrk(root, "*?[") != NULL;
		*ret_root = own ? w->engine_data_root : root;
		if (path_at_or_above(src, root)) {
			if (path_depth(src) == path_depth(root))
				return DR_ROOT;
			if (!pattern)
				return DR_ABOVE;
		}
		if (path_in_layers(src, root))
			return DR_LAYERS;
	}
	return DR_NONE;
}

/*
 * Every defeater of a read-only /: one reason each, and the fix for it in
 * the words of w's source (without the "In FILE" part). The one place that
 * knows them, for every door.
 */
static void find_defeaters(const struct workload *w, struct strv *reasons, struct strv *fixes)
{
	const struct fix_words *fw = words_for(w);
	for (size_t i = 0; i < w->n_mounts; i++) {
		const struct mount *m = &w->mounts[i];
		if (m->kind != MOUNT_BIND || str_empty(m->source) ||
		    (m->source[0] != '/' && !str_startswith(m->source, "%t/")))
			continue;
		_cleanup_free_ char *src = normalize_path(m->source);
		const char *sock = NULL, *root = NULL;
		bool exact = false;
		bool exposed = socket_exposed(w, src, &sock, &exact);
		enum data_root_relation dr =
			m->writable ? data_root_relation(w, src, &root) : DR_NONE;
		if (exposed && exact) {
			strv_addf(reasons,
				  "read-only, but the engine's socket %s is bound at %s%s: a "
				  "process inside can have the engine start a privileged "
				  "container that rewrites this one's layers",
				  m->source, m->target,
				  m->writable ? "" : " (read-only does not help)");
		} else if (m->writable && streq(src, "/")) {
			strv_addf(
				reasons,
				"read-only, but the host's / is bound writable at %s: a process "
				"inside can write into its own layers under the engine's data root",
				m->target);
		} else if (dr == DR_ROOT) {
			strv_addf(
				reasons,
				"read-only, but the engine's data root %s is bound writable at %s: "
				"a process inside can write into its own layers, which are its /",
				m->source, m->target);
		} else if (dr == DR_ABOVE) {
			strv_addf(reasons,
				  "read-only, but %s, which holds the engine's data root %s, is "
				  "bound "
				  "writable at %s: a process inside can write into its own layers, "
				  "which are its /",
				  m->source, root, m->target);
		} else if (dr == DR_LAYERS) {
			strv_addf(reasons,
				  "read-only, but %s, where the engine keeps container layers, is "
				  "bound writable at %s: a process inside can write into its own "
				  "layers, which are its /",
				  m->source, m->target);
		} else if (exposed) {
			strv_addf(reasons,
				  "read-only, but %s, which holds the engine's socket %s, is bound "
				  "at "
				  "%s%s: a process inside can have the engine start a privileged "
				  "container that rewrites this one's layers",
				  m->source, sock, m->target,
				  m->writable ? "" : " (read-only does not help)");
		} else {
			continue;
		}
		strv_addf(fixes, "%s %s%s", fw->drop_bind, m->source, fw->drop_bind_end);
	}
	if (w->pid_host && w->cap_sys_ptrace) {
		strv_add(reasons, "read-only, but it shares the host's processes (pid host) with "
				  "CAP_SYS_PTRACE: /proc/PID/root of a host process reaches the "
				  "host's filesystem and this container's layers in it");
		strv_add(fixes, fw->no_pid_ptrace);
	}
	/*
	 * An exec keeps the container's seccomp filter, and the engine's default
	 * one forbids mount unless the container itself had CAP_SYS_ADMIN (then
	 * it warns already): seen on Engine 26, where the privileged exec runs
	 * but its remount is refused, and succeeds with seccomp=unconfined.
	 */
	if (w->privileged_exec && (w->seccomp_unconfined || w->seccomp_custom)) {
		strv_addf(reasons,
			  "read-only, but a privileged exec session (%.12s) runs in it: it holds "
			  "every capability and AppArmor does not confine it, and with %s seccomp "
			  "profile nothing forbids `mount -o remount,rw /`",
			  w->privileged_exec, w->seccomp_unconfined ? "no" : "its own");
		strv_addf(fixes,
			  "End the privileged exec session %.12s; exec into a read-only container "
			  "without --privileged.",
			  w->privileged_exec);
	}
}

bool rule_has_defeaters(const struct workload *w)
{
	struct strv reasons = STRV_INIT, fixes = STRV_INIT;
	find_defeaters(w, &reasons, &fixes);
	bool any = reasons.n > 0;
	strv_release(&reasons);
	strv_release(&fixes);
	return any;
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

static char *remediation_for(const struct workload *w, enum verdict v,
			     const struct strv *defeat_fixes)
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
		if (w->id && w->name && !w->origin.swarm_service)
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
		for (size_t i = 0; i < defeat_fixes->n; i++)
			strbuf_addf(&sb, "%s%s%s", sb.len ? " " : "", where, defeat_fixes->v[i]);
	}
	return sb.len ? strbuf_detach(&sb) : (strbuf_release(&sb), NULL);
}

void rule_judge(const struct workload *w, const struct exemptions *ex, struct judgement *ret)
{
	struct judgement j = {0};
	struct strv defeat_reasons = STRV_INIT, defeat_fixes = STRV_INIT;
	if (w->readonly_rootfs)
		find_defeaters(w, &defeat_reasons, &defeat_fixes);

	if (!w->readonly_rootfs) {
		j.verdict = VERDICT_FAIL;
		strv_add(&j.reasons, "the root filesystem is writable");
	} else if (w->privileged || w->cap_sys_admin || w->allow_privilege_escalation ||
		   defeat_reasons.n) {
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
		for (size_t i = 0; i < defeat_reasons.n; i++)
			strv_add(&j.reasons, defeat_reasons.v[i]);
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

	j.remediation = remediation_for(w, j.verdict, &defeat_fixes);
	strv_release(&defeat_reasons);
	strv_release(&defeat_fixes);
	*ret = j;
}
