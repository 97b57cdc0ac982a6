/* SPDX-License-Identifier: MIT */
/*
 * Kubernetes manifests: find every pod spec, and judge each of its
 * containers (containers, initContainers, ephemeralContainers alike) on its
 * own securityContext, which is the only place Kubernetes reads
 * readOnlyRootFilesystem from.
 */
#include "lint.h"
#include "yamldoc.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define KIND "kubernetes"
#define EXEMPT_ANNOTATION "rootlock.io/exempt"

/* A List inside a List is legal but rare; a chain of aliased Lists must not eat the stack. */
#define MAX_LIST_DEPTH 8

/*
 * Aliases let a few bytes name the same container list or volume list many
 * times over (N aliased containers, each with M aliased mounts, each looked
 * up among V aliased volumes is N*M*V steps). Count the work and give up
 * past a bound no real manifest comes near: a 10000-pod `kubectl get -o
 * yaml` takes about two million steps.
 */
#define MAX_STEPS (1L << 24)

/* Nodes already seen, so an object aliased twice (or a List containing itself) is read once. */
struct ptrset {
	const void **v;
	size_t n, alloc;
};

static size_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

/* False when p was there already. */
static bool ptrset_add(struct ptrset *s, const void *p)
{
	if ((s->n + 1) * 2 > s->alloc) {
		struct ptrset bigger = {.alloc = s->alloc ? s->alloc * 2 : 64};
		bigger.v = xcalloc(bigger.alloc, sizeof(*bigger.v));
		for (size_t i = 0; i < s->alloc; i++)
			if (s->v[i])
				ptrset_add(&bigger, s->v[i]);
		free(s->v);
		*s = bigger;
	}
	size_t mask = s->alloc - 1;
	for (size_t i = ptr_hash(p) & mask;; i = (i + 1) & mask) {
		if (!s->v[i]) {
			s->v[i] = p;
			s->n++;
			return true;
		}
		if (s->v[i] == p)
			return false;
	}
}

struct kube_ctx {
	const char *file;
	struct lint_results *out;
	struct ptrset seen;
	long steps;
	const struct ynode *over_at; /* where the budget ran out */
};

static bool spend(struct kube_ctx *ctx, const struct ynode *at, long n)
{
	if (ctx->over_at)
		return false;
	ctx->steps += n;
	if (ctx->steps > MAX_STEPS) {
		ctx->over_at = at;
		return false;
	}
	return true;
}

/* Where a pod spec lives in each kind that has one. */
struct pod_path {
	const char *kind;
	const char *path[5];
};

static const struct pod_path pod_paths[] = {
	{"Pod", {"spec"}},
	{"Deployment", {"spec", "template", "spec"}},
	{"StatefulSet", {"spec", "template", "spec"}},
	{"DaemonSet", {"spec", "template", "spec"}},
	{"ReplicaSet", {"spec", "template", "spec"}},
	{"ReplicationController", {"spec", "template", "spec"}},
	{"Job", {"spec", "template", "spec"}},
	{"CronJob", {"spec", "jobTemplate", "spec", "template", "spec"}},
	{"PodTemplate", {"template", "spec"}},
	{"DeploymentConfig", {"spec", "template", "spec"}}, /* OpenShift */
};

static const char *const container_lists[] = {"containers", "initContainers",
					      "ephemeralContainers"};

/* A YAML null: the field is as good as absent, so nothing to complain about. */
static bool is_null(const struct ynode *n)
{
	const char *v = yscalar(n);
	if (!v || !n->plain || n->tag)
		return false;
	return !*v || streq(v, "~") || streq(v, "null") || streq(v, "Null") || streq(v, "NULL");
}

/*
 * A boolean field: true only when it is a real true. Anything else that is
 * not a boolean or null is rejected by the API server, so say so rather
 * than quietly reading it as false.
 */
static bool bool_field(const struct ynode *map, const char *key, struct strv *notes)
{
	const struct ypair *p = ymap_get_pair(map, key);
	if (!p)
		return false;
	int b = ybool(p->value);
	if (b >= 0)
		return b == 1;
	if (is_null(p->value))
		return false;
	const char *v = yscalar(p->value);
	if (v)
		strv_addf(notes, "%s is \"%.60s%s\", not a boolean: Kubernetes rejects it", key, v,
			  strlen(v) > 60 ? "..." : "");
	else
		strv_addf(notes, "%s is a %s, not a boolean: Kubernetes rejects it", key,
			  yis_seq(p->value) ? "list" : "mapping");
	return false;
}

/*
 * An emptyDir sizeLimit is a Kubernetes quantity: "64Mi" is binary and
 * "64M" decimal. Fractions and exponents are rare for sizes; they read as
 * unknown (0), as does anything else parse_size would not take.
 */
static long long quantity_bytes(const char *s)
{
	if (str_empty(s) || !isdigit((unsigned char)*s))
		return 0;
	size_t digits = strspn(s, "0123456789");
	const char *suffix = s + digits;
	_cleanup_free_ char *num = xstrndup(s, digits);
	long long n = parse_size(num);
	if (n < 0)
		return 0;
	if (!*suffix)
		return n;
	if (strchr("KMGT", suffix[0]) && streq(suffix + 1, "i")) {
		_cleanup_free_ char *t = xasprintf("%s%c", num, tolower((unsigned char)suffix[0]));
		long long v = parse_size(t);
		return v > 0 ? v : 0;
	}
	const char *decimal = "kMGT";
	const char *u = strchr(decimal, suffix[0]);
	if (u && !suffix[1]) {
		long long mult = 1000;
		for (long k = u - decimal; k > 0; k--)
			mult *= 1000;
		return n > LLONG_MAX / mult ? 0 : n * mult;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

/*
 * The annotation rootlock.io/exempt holds one or more "container=reason"
 * entries separated by newlines or ';' -- not commas, because reasons are
 * prose and often have one ("vendor image, ticket OPS-1"). "*" stands for
 * every container; an entry naming the container wins over "*", and the
 * first of several wins. An entry without '=' names a container but gives
 * no reason, which the rule then reports as not counting.
 */
static bool exempt_lookup(const char *value, const char *container, char **reason)
{
	if (!value)
		return false;
	_cleanup_free_ char *copy = xstrdup(value);
	const char *star = NULL;
	char *save = NULL;
	for (char *e = strtok_r(copy, ";\n", &save); e; e = strtok_r(NULL, ";\n", &save)) {
		char *eq = strchr(e, '=');
		char *why = (char *)"";
		if (eq) {
			*eq = '\0';
			why = trim(eq + 1);
		}
		const char *name = trim(e);
		if (streq(name, container)) {
			*reason = xstrdup(why);
			return true;
		}
		if (streq(name, "*") && !star)
			star = why;
	}
	if (!star)
		return false;
	*reason = xstrdup(star);
	return true;
}

/* What one pod spec's containers share. */
struct pod {
	const char *workload;	     /* "<Kind>/<name>" */
	const struct ynode *volumes; /* spec.volumes */
	const struct ynode *claims;  /* StatefulSet volumeClaimTemplates */
	const char *exempt;	     /* the exemption annotation's value */
	bool host_pid;		     /* spec.hostPID: true */
};

/* The item of seq whose name (or metadata.name) is name. */
static const struct ynode *find_named(struct kube_ctx *ctx, const struct ynode *seq,
				      const char *name, bool in_metadata)
{
	if (!yis_seq(seq) || !spend(ctx, seq, (long)seq->n))
		return NULL;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *item = seq->items[i];
		const struct ynode *m = in_metadata ? ymap_get(item, "metadata") : item;
		if (streq(yscalar(ymap_get(m, "name")), name))
			return item;
	}
	return NULL;
}

/* Kubernetes mounts these read-only whatever the volumeMount says. */
static const char *const readonly_volume_types[] = {"configMap", "secret", "projected",
						    "downwardAPI"};

static void classify_volume(const struct ynode *vol, const char *name, struct mount *m,
			    char **source)
{
	const struct ypair *p;
	if ((p = ymap_get_pair(vol, "emptyDir"))) {
		/* Only medium: Memory is a tmpfs; the default lives on the node's disk. */
		if (streq(yscalar(ymap_get(p->value, "medium")), "Memory")) {
			m->kind = MOUNT_TMPFS;
			/* Kubernetes mounts it without noexec. */
			m->exec = true;
			m->size_bytes = quantity_bytes(yscalar(ymap_get(p->value, "sizeLimit")));
		} else {
			m->kind = MOUNT_VOLUME;
			*source = xstrdup("emptyDir");
		}
		return;
	}
	if ((p = ymap_get_pair(vol, "persistentVolumeClaim"))) {
		const char *claim = yscalar(ymap_get(p->value, "claimName"));
		m->kind = MOUNT_VOLUME;
		*source = xstrdup(claim ? claim : name);
		return;
	}
	if ((p = ymap_get_pair(vol, "hostPath"))) {
		const char *path = yscalar(ymap_get(p->value, "path"));
		m->kind = MOUNT_BIND;
		*source = path ? xstrdup(path) : NULL;
		return;
	}
	m->kind = MOUNT_OTHER;
	for (size_t i = 0; i < ARRAY_SIZE(readonly_volume_types); i++) {
		if (ymap_get_pair(vol, readonly_volume_types[i])) {
			m->writable = false;
			*source = xstrdup(readonly_volume_types[i]);
			return;
		}
	}
	/* nfs, csi, ephemeral...: name the type, the one key besides "name". */
	for (size_t i = 0; yis_map(vol) && i < vol->n; i++) {
		const char *key = yscalar(vol->pairs[i].key);
		if (key && !streq(key, "name") && !streq(key, "<<")) {
			*source = xstrdup(key);
			return;
		}
	}
	*source = xstrdup(name);
}

static void add_mounts(struct kube_ctx *ctx, const struct pod *pod, const struct ynode *c,
		       struct workload *w)
{
	const struct ynode *vms = ymap_get(c, "volumeMounts");
	if (!yis_seq(vms))
		return;
	for (size_t i = 0; i < vms->n; i++) {
		const struct ynode *vm = vms->items[i];
		if (!spend(ctx, vm, 1))
			return;
		const char *target = yscalar(ymap_get(vm, "mountPath"));
		if (str_empty(target))
			continue;
		const char *name = yscalar(ymap_get(vm, "name"));
		struct mount m = {
			.kind = MOUNT_OTHER,
			.target = (char *)target,
			.writable = ybool(ymap_get(vm, "readOnly")) != 1,
		};
		_cleanup_free_ char *source = NULL;
		const struct ynode *vol = name ? find_named(ctx, pod->volumes, name, false) : NULL;
		if (vol) {
			classify_volume(vol, name, &m, &source);
		} else if (name && find_named(ctx, pod->claims, name, true)) {
			m.kind = MOUNT_VOLUME;
			source = xstrdup(name);
		} else {
			/* No such volume: the API server rejects the pod; show the name. */
			source = name ? xstrdup(name) : NULL;
		}
		m.source = source;
		workload_add_mount(w, &m);
	}
}

static void lint_container(struct kube_ctx *ctx, const struct pod *pod, const char *list,
			   size_t idx, const struct ynode *c)
{
	struct workload w;
	workload_init(&w);

	const char *name = yscalar(ymap_get(c, "name"));
	w.name = name ? xstrdup(name) : xasprintf("%s[%zu]", list, idx);
	const char *image = yscalar(ymap_get(c, "image"));
	w.image = image ? xstrdup(image) : NULL;

	/* Point at the key to change, or at what should get it. */
	const struct ypair *scp = ymap_get_pair(c, "securityContext");
	const struct ynode *sc = scp ? scp->value : NULL;
	const struct ypair *rop = ymap_get_pair(sc, "readOnlyRootFilesystem");
	const struct ynode *at = rop ? rop->key : scp ? scp->key : c;

	w.readonly_rootfs = bool_field(sc, "readOnlyRootFilesystem", &w.notes);
	w.privileged = bool_field(sc, "privileged", &w.notes);
	/*
	 * Only an explicit true. Unset also lets setuid programs escalate,
	 * but it is every manifest's default: warning on it would drown the
	 * containers that ask for more.
	 */
	w.allow_privilege_escalation = bool_field(sc, "allowPrivilegeEscalation", &w.notes);
	const struct ynode *add = ymap_get(ymap_get(sc, "capabilities"), "add");
	for (size_t i = 0; yis_seq(add) && i < add->n; i++) {
		w.cap_sys_admin |= cap_grants_sys_admin(yscalar(add->items[i]));
		w.cap_sys_ptrace |= cap_grants_sys_ptrace(yscalar(add->items[i]));
	}
	w.pid_host = pod->host_pid;

	add_mounts(ctx, pod, c, &w);

	if (exempt_lookup(pod->exempt, w.name, &w.exempt_reason))
		w.has_exempt_label = true;

	origin_set(&w.origin, ctx->file, at->line, at->column, KIND, pod->workload, w.name);
	lint_add_workload(ctx->out, &w);
}

static void lint_pod_spec(struct kube_ctx *ctx, const struct pod *pod, const struct ynode *spec)
{
	/*
	 * PodSecurityContext has no such field, so the API server drops it
	 * (or rejects it under strict validation): it never reaches a
	 * container, and people who write it believe they are covered.
	 */
	const struct ypair *p =
		ymap_get_pair(ymap_get(spec, "securityContext"), "readOnlyRootFilesystem");
	if (p)
		lint_add_finding(ctx->out, ctx->file, p->key->line, p->key->column, KIND,
				 pod->workload, VERDICT_WARN,
				 "readOnlyRootFilesystem in the pod's securityContext has no "
				 "effect: Kubernetes reads it only on each container's "
				 "securityContext");

	for (size_t l = 0; l < ARRAY_SIZE(container_lists); l++) {
		const struct ynode *list = ymap_get(spec, container_lists[l]);
		if (!yis_seq(list))
			continue;
		for (size_t i = 0; i < list->n; i++) {
			const struct ynode *c = list->items[i];
			if (!spend(ctx, c, 1))
				return;
			if (yis_map(c))
				lint_container(ctx, pod, container_lists[l], i, c);
		}
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && streq(s + ls - lx, suffix);
}

/* hint: the kind of a typed list's items (PodList items carry no kind). */
static void lint_object(struct kube_ctx *ctx, const struct ynode *obj, const char *hint, int depth)
{
	if (!yis_map(obj) || ctx->over_at || !ptrset_add(&ctx->seen, obj))
		return;
	const struct ypair *kp = ymap_get_pair(obj, "kind");
	const char *kind = kp ? yscalar(kp->value) : hint;
	if (str_empty(kind))
		return;

	/* `kubectl get -o yaml` gives a List; the API's own lists are PodList and such. */
	if (ends_with(kind, "List")) {
		const struct ynode *items = ymap_get(obj, "items");
		if (!yis_seq(items) || depth >= MAX_LIST_DEPTH)
			return;
		_cleanup_free_ char *item_kind =
			streq(kind, "List") ? NULL : xstrndup(kind, strlen(kind) - 4);
		for (size_t i = 0; i < items->n; i++) {
			if (!spend(ctx, items->items[i], 1))
				return;
			lint_object(ctx, items->items[i], item_kind, depth + 1);
		}
		return;
	}

	const struct pod_path *pp = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(pod_paths) && !pp; i++)
		if (streq(kind, pod_paths[i].kind))
			pp = &pod_paths[i];
	if (!pp)
		return;
	const struct ynode *spec = obj;
	for (size_t i = 0; i < ARRAY_SIZE(pp->path) && pp->path[i]; i++)
		spec = ymap_get(spec, pp->path[i]);
	if (!yis_map(spec))
		return;

	const struct ynode *meta = ymap_get(obj, "metadata");
	const char *name = yscalar(ymap_get(meta, "name"));
	if (str_empty(name))
		name = yscalar(ymap_get(meta, "generateName"));
	_cleanup_free_ char *workload = xasprintf("%s/%s", kind, str_empty(name) ? "-" : name);

	struct pod pod = {
		.workload = workload,
		.volumes = ymap_get(spec, "volumes"),
		.claims = streq(kind, "StatefulSet")
				  ? ymap_get(ymap_get(obj, "spec"), "volumeClaimTemplates")
				  : NULL,
		.exempt = yscalar(ymap_get(ymap_get(meta, "annotations"), EXEMPT_ANNOTATION)),
		.host_pid = ybool(ymap_get(spec, "hostPID")) == 1,
	};
	lint_pod_spec(ctx, &pod, spec);
}

int kube_lint(const struct ystream *docs, const char *file, struct lint_results *out,
	      struct rl_error *err)
{
	struct kube_ctx ctx = {.file = file, .out = out};
	for (size_t i = 0; i < docs->n; i++)
		lint_object(&ctx, docs->docs[i].root, NULL, 0);
	free(ctx.seen.v);
	if (ctx.over_at)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d:%d: more containers, mounts and volumes than can be "
				    "checked (%ld steps): do aliases repeat them?",
				    file, ctx.over_at->line, ctx.over_at->column, MAX_STEPS);
	return 0;
}
