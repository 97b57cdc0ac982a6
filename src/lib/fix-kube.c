/* SPDX-License-Identifier: MIT */
/*
 * fix for Kubernetes manifests: for each container whose image is the
 * plan's, securityContext.readOnlyRootFilesystem: true, and an emptyDir
 * (medium: Memory) with its volumeMount for each tmpfs-class path. A path
 * whose data must persist gets a note: a PersistentVolumeClaim is the
 * operator's choice, and an emptyDir there would lose the data silently.
 *
 * Every document is edited on its own with yedit, which edits the first
 * document of what it loads: the file is cut where documents start, and
 * line numbers in notes and errors are made the file's again.
 */
#define _GNU_SOURCE
#include "fix.h"

#include "workload.h"
#include "yamldoc.h"
#include "yedit.h"

#include <string.h>
#include <yaml.h>

/* Where a pod spec lives in each kind that has one (as lint-kube.c reads them). */
struct pod_path {
	const char *kind;
	const char *path;
};

static const struct pod_path pod_paths[] = {
	{"Pod", "spec"},
	{"Deployment", "spec.template.spec"},
	{"StatefulSet", "spec.template.spec"},
	{"DaemonSet", "spec.template.spec"},
	{"ReplicaSet", "spec.template.spec"},
	{"ReplicationController", "spec.template.spec"},
	{"Job", "spec.template.spec"},
	{"CronJob", "spec.jobTemplate.spec.template.spec"},
	{"PodTemplate", "template.spec"},
	{"DeploymentConfig", "spec.template.spec"}, /* OpenShift */
};

/* Nested Lists deeper than this are not manifests anyone wrote. */
#define MAX_LIST_DEPTH 8

/* --- image references ------------------------------------------------------ */

/*
 * An image reference as Docker and the kubelet normalise it:
 * "nginx" is "docker.io/library/nginx:latest", "index.docker.io/x/y" is
 * "docker.io/x/y:latest"; a digest stays, and a reference with a digest
 * only gets no tag.
 */
char *fix_kube_image_normalize(const char *ref);

char *fix_kube_image_normalize(const char *ref)
{
	_cleanup_free_ char *copy = xstrdup(ref);
	char *digest = strchr(copy, '@');
	if (digest)
		*digest++ = '\0';
	char *slash = strrchr(copy, '/');
	char *colon = strrchr(slash ? slash : copy, ':');
	const char *tag = NULL;
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
	}
	/* The first component is a registry when it has a dot or a port, or is localhost. */
	const char *domain = "docker.io", *path = copy;
	char *first = strchr(copy, '/');
	if (first) {
		*first = '\0';
		if (strchr(copy, '.') || strchr(copy, ':') || streq(copy, "localhost")) {
			domain = streq(copy, "index.docker.io") ? "docker.io" : copy;
			path = first + 1;
		} else {
			*first = '/';
		}
	}
	bool library = streq(domain, "docker.io") && !strchr(path, '/');
	if (!tag && !digest)
		tag = "latest";
	return xasprintf("%s/%s%s%s%s%s%s", domain, library ? "library/" : "", path, tag ? ":" : "",
			 tag ? tag : "", digest ? "@" : "", digest ? digest : "");
}

static bool same_image(const char *a, const char *b)
{
	if (str_empty(a) || str_empty(b))
		return false;
	_cleanup_free_ char *na = fix_kube_image_normalize(a);
	_cleanup_free_ char *nb = fix_kube_image_normalize(b);
	return streq(na, nb);
}

/* --- names and sizes --------------------------------------------------------- */

/* A DNS-1123 label from a path: "/var/cache/nginx" -> "var-cache-nginx". */
static char *volume_name_for(const char *target)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = target; *p && sb.len < 55; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (ok)
			strbuf_addch(&sb, c);
		else if (sb.len && sb.buf[sb.len - 1] != '-')
			strbuf_addch(&sb, '-');
	}
	while (sb.len && sb.buf[sb.len - 1] == '-')
		sb.buf[--sb.len] = '\0';
	if (!sb.len)
		strbuf_addstr(&sb, "scratch");
	return strbuf_detach(&sb);
}

/* A tmpfs option list's size= as a Kubernetes quantity ("64m" -> "64Mi"); NULL if none. */
static char *size_limit(const char *options)
{
	if (!options)
		return NULL;
	_cleanup_free_ char *copy = xstrdup(options);
	char *save = NULL;
	const char *size = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (str_startswith(o, "size="))
			size = o + 5;
	if (!size)
		return NULL;
	long long bytes = parse_size(size);
	if (bytes <= 0)
		return NULL;
	static const struct {
		long long unit;
		const char *suffix;
	} units[] = {{1LL << 40, "Ti"}, {1LL << 30, "Gi"}, {1LL << 20, "Mi"}, {1LL << 10, "Ki"}};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (bytes % units[i].unit == 0)
			return xasprintf("%lld%s", bytes / units[i].unit, units[i].suffix);
	return xasprintf("%lld", bytes);
}

/*
 * Does a tmpfs option list set an owner, which an emptyDir cannot carry? (Its
 * mode, 0777, lets anyone write: a narrower mode= matters less.)
 */
static bool has_owner(const char *options)
{
	if (!options)
		return false;
	_cleanup_free_ char *copy = xstrdup(options);
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (str_startswith(o, "uid=") || str_startswith(o, "gid="))
			return true;
	return false;
}

static char *clean_target(const char *t)
{
	char *s = xstrdup(t);
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/* --- one document ------------------------------------------------------------ */

struct kube_fix {
	const char *filename;
	const char *image;
	const struct plan *plan;
	struct fix_edit *out;
	size_t matched; /* containers whose image is the plan's */
	int line_base;	/* lines of the file before the document being edited */
};

static bool plain_true(const struct yenode *n)
{
	const char *v = yenode_scalar(n);
	n = yenode_resolve((struct yenode *)n);
	return v && n->plain && !n->tag &&
	       (streq(v, "true") || streq(v, "True") || streq(v, "TRUE"));
}

/* Does the pod spec have a volume of this name? */
static bool pod_has_volume(const struct yenode *volumes, const char *name, const struct strv *added)
{
	if (strv_contains(added, name))
		return true;
	volumes = yenode_resolve((struct yenode *)volumes);
	if (!volumes || volumes->kind != YE_SEQ)
		return false;
	for (size_t i = 0; i < volumes->n; i++)
		if (streq(yenode_scalar(yenode_get(volumes->kids[i], "name")), name))
			return true;
	return false;
}

static bool container_mounts(const struct yenode *c, const char *target)
{
	const struct yenode *mounts = yenode_resolve(yenode_get(c, "volumeMounts"));
	if (!mounts || mounts->kind != YE_SEQ)
		return false;
	for (size_t i = 0; i < mounts->n; i++) {
		const char *p = yenode_scalar(yenode_get(mounts->kids[i], "mountPath"));
		if (!p)
			continue;
		_cleanup_free_ char *clean = clean_target(p);
		if (streq(clean, target))
			return true;
	}
	return false;
}

/* What the pod spec gets: new volumes, once each, whichever container needs them. */
struct pod_edit {
	struct strv volume_items; /* fragments */
	struct strv added_names;
	struct strv added_targets; /* the path each added name serves */
};

static void pod_edit_release(struct pod_edit *pe)
{
	strv_release(&pe->volume_items);
	strv_release(&pe->added_names);
	strv_release(&pe->added_targets);
}

/* The name of the emptyDir serving target: one added for it already, or a new free one. */
static const char *pod_volume_for(struct pod_edit *pe, const struct yenode *volumes,
				  const char *target, const char *options)
{
	for (size_t i = 0; i < pe->added_targets.n; i++)
		if (streq(pe->added_targets.v[i], target))
			return pe->added_names.v[i];
	_cleanup_free_ char *base = volume_name_for(target);
	_cleanup_free_ char *name = xstrdup(base);
	for (int k = 2; pod_has_volume(volumes, name, &pe->added_names); k++) {
		free(name);
		name = xasprintf("%s-%d", base, k);
	}
	_cleanup_free_ char *limit = size_limit(options);
	strv_addf(&pe->volume_items, "name: %s\nemptyDir:\n  medium: Memory%s%s", name,
		  limit ? "\n  sizeLimit: " : "", limit ? limit : "");
	strv_add(&pe->added_targets, target);
	strv_push(&pe->added_names, steal_pointer(&name));
	return pe->added_names.v[pe->added_names.n - 1];
}

static const char *container_name(const struct yenode *c)
{
	const char *n = yenode_scalar(yenode_get(c, "name"));
	return str_empty(n) ? "-" : n;
}

static int fix_container(struct kube_fix *kf, struct yedit *ye, const char *workload,
			 struct yenode *c, struct pod_edit *pe, const struct yenode *volumes,
			 struct rl_error *err)
{
	const char *cname = container_name(c);
	struct strv mount_items = STRV_INIT;
	int r = 0;

	if (c->anchor && yedit_alias_of(ye, c)) {
		strv_addf(
			&kf->out->notes,
			"%s:%d: %s container %s is anchored (&%s) and used elsewhere: not changed, "
			"edit it by hand",
			kf->filename, kf->line_base + c->line, workload, cname, c->anchor);
		return 0;
	}
	kf->matched++;

	const struct yenode *ro = yedit_find(c, "securityContext.readOnlyRootFilesystem");
	if (!plain_true(ro)) {
		r = yedit_set(ye, c, "securityContext.readOnlyRootFilesystem", "true", err);
		if (r < 0)
			goto out;
		strv_addf(&kf->out->notes,
			  "%s:%d: %s container %s: securityContext.readOnlyRootFilesystem: true",
			  kf->filename, kf->line_base + c->line, workload, cname);
		kf->out->changes++;
	}

	for (size_t i = 0; i < kf->plan->n_mounts; i++) {
		const struct plan_mount *m = &kf->plan->mounts[i];
		if (!m->target || m->target[0] != '/')
			continue;
		_cleanup_free_ char *target = clean_target(m->target);
		if (container_mounts(c, target)) {
			strv_addf(&kf->out->notes,
				  "%s:%d: %s container %s mounts %s already; left as it is",
				  kf->filename, kf->line_base + c->line, workload, cname, target);
			continue;
		}
		if (m->type == PLAN_VOLUME) {
			strv_addf(&kf->out->notes,
				  "%s:%d: %s container %s: %s needs storage that persists: add a "
				  "PersistentVolumeClaim and mount it there (no emptyDir written)",
				  kf->filename, kf->line_base + c->line, workload, cname, target);
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++) {
			_cleanup_free_ char *t = clean_target(kf->plan->mounts[k].target);
			dup = streq(t, target);
		}
		if (dup)
			continue;
		const char *name = pod_volume_for(pe, volumes, target, m->options);
		_cleanup_free_ char *path = yedit_quote(target, false);
		strv_addf(&mount_items, "name: %s\nmountPath: %s", name, path);
		if (has_owner(m->options))
			strv_addf(
				&kf->out->notes,
				"%s:%d: %s container %s: an emptyDir has no owner (the "
				"plan's %s for %s): give the pod a securityContext.fsGroup if the "
				"app must own it",
				kf->filename, kf->line_base + c->line, workload, cname, m->options,
				target);
	}
	if (mount_items.n) {
		r = yedit_append(ye, c, "volumeMounts", (const char *const *)mount_items.v,
				 mount_items.n, err);
		if (r < 0)
			goto out;
		strv_addf(&kf->out->notes,
			  "%s:%d: %s container %s: %zu emptyDir volumeMount(s) (medium: Memory)",
			  kf->filename, kf->line_base + c->line, workload, cname, mount_items.n);
		kf->out->changes += mount_items.n;
	}
out:
	strv_release(&mount_items);
	return r;
}

static int fix_pod_spec(struct kube_fix *kf, struct yedit *ye, const char *workload,
			struct yenode *spec, struct rl_error *err)
{
	struct pod_edit pe = {STRV_INIT, STRV_INIT, STRV_INIT};
	const struct yenode *volumes = yenode_get(spec, "volumes");
	int r = 0;

	struct yenode *init = yenode_resolve(yenode_get(spec, "initContainers"));
	for (size_t i = 0; init && init->kind == YE_SEQ && i < init->n; i++) {
		struct yenode *c = yenode_resolve(init->kids[i]);
		if (c && c->kind == YE_MAP &&
		    same_image(yenode_scalar(yenode_get(c, "image")), kf->image))
			strv_addf(&kf->out->notes,
				  "%s:%d: %s init container %s runs the image too, but not the "
				  "command the plan was learned from: not changed",
				  kf->filename, kf->line_base + c->line, workload,
				  container_name(c));
	}

	struct yenode *containers = yenode_resolve(yenode_get(spec, "containers"));
	for (size_t i = 0; containers && containers->kind == YE_SEQ && i < containers->n && r == 0;
	     i++) {
		struct yenode *c = yenode_resolve(containers->kids[i]);
		if (!c || c->kind != YE_MAP ||
		    !same_image(yenode_scalar(yenode_get(c, "image")), kf->image))
			continue;
		r = fix_container(kf, ye, workload, c, &pe, volumes, err);
	}
	if (r == 0 && pe.volume_items.n) {
		if (spec->anchor && yedit_alias_of(ye, spec))
			r = rl_error_set(err, RL_EPARSE,
					 "%s:%d: the pod spec of %s is anchored (&%s) and used "
					 "elsewhere: adding volumes would change that too",
					 kf->filename, kf->line_base + spec->line, workload,
					 spec->anchor);
		else
			r = yedit_append(ye, spec, "volumes",
					 (const char *const *)pe.volume_items.v, pe.volume_items.n,
					 err);
		if (r == 0)
			kf->out->changes += pe.volume_items.n;
	}
	pod_edit_release(&pe);
	return r;
}

static int fix_object(struct kube_fix *kf, struct yedit *ye, struct yenode *obj, const char *hint,
		      int depth, struct rl_error *err)
{
	obj = yenode_resolve(obj);
	if (!obj || obj->kind != YE_MAP)
		return 0;
	const char *kind = yenode_scalar(yenode_get(obj, "kind"));
	if (!kind)
		kind = hint;
	if (str_empty(kind))
		return 0;

	size_t kl = strlen(kind);
	if (kl >= 4 && streq(kind + kl - 4, "List")) {
		struct yenode *items = yenode_resolve(yenode_get(obj, "items"));
		if (!items || items->kind != YE_SEQ || depth >= MAX_LIST_DEPTH)
			return 0;
		_cleanup_free_ char *item_kind =
			streq(kind, "List") ? NULL : xstrndup(kind, kl - 4);
		for (size_t i = 0; i < items->n; i++) {
			int r = fix_object(kf, ye, items->kids[i], item_kind, depth + 1, err);
			if (r < 0)
				return r;
		}
		return 0;
	}

	const struct pod_path *pp = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(pod_paths) && !pp; i++)
		if (streq(kind, pod_paths[i].kind))
			pp = &pod_paths[i];
	if (!pp)
		return 0;
	struct yenode *spec = yedit_find(obj, pp->path);
	if (!spec || spec->kind != YE_MAP)
		return 0;
	const char *name = yenode_scalar(yedit_find(obj, "metadata.name"));
	_cleanup_free_ char *workload = xasprintf("%s/%s", kind, str_empty(name) ? "-" : name);
	return fix_pod_spec(kf, ye, workload, spec, err);
}

/* --- documents ---------------------------------------------------------------- */

/*
 * libyaml (0.2.5) marks positions in characters, not bytes, and not
 * counting a byte order mark: where a document starts, in bytes, needs
 * offsets[i], the byte where character i starts (offsets[n] the end). NULL
 * when the two are the same.
 */
static size_t *char_offsets(const char *buf, size_t len)
{
	size_t skip = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	bool ascii = !skip;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = (unsigned char)buf[i] < 0x80;
	if (ascii)
		return NULL;
	size_t *offsets = xcalloc(len + 1, sizeof(*offsets));
	size_t n = 0;
	for (size_t i = skip; i < len;) {
		unsigned char c = (unsigned char)buf[i];
		size_t w = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		offsets[n++] = i;
		i += w;
	}
	for (size_t k = n; k <= len; k++)
		offsets[k] = len;
	return offsets;
}

static size_t to_byte(const size_t *offsets, size_t len, size_t index)
{
	if (!offsets)
		return index;
	return offsets[index <= len ? index : len];
}

/* Where each document after the first starts, as libyaml marks it (bytes). */
static int document_starts(const char *buf, size_t len, const char *filename, size_t **starts,
			   size_t *n, struct rl_error *err)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		die_oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	_cleanup_free_ size_t *offsets = char_offsets(buf, len);
	size_t alloc = 0;
	int r = 0;
	*starts = NULL;
	*n = 0;
	for (bool done = false; !done;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			r = rl_error_set(err, RL_EPARSE, "%s:%zu:%zu: %s", filename,
					 parser.problem_mark.line + 1,
					 parser.problem_mark.column + 1,
					 parser.problem ? parser.problem : "invalid YAML");
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (*n == alloc) {
				alloc = alloc ? alloc * 2 : 8;
				*starts = xrealloc(*starts, alloc * sizeof(**starts));
			}
			(*starts)[(*n)++] = to_byte(offsets, len, ev.start_mark.index);
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (r < 0) {
		free(*starts);
		*starts = NULL;
		*n = 0;
	}
	return r;
}

/* yedit numbers the lines of the document it was given: make "FILE:N:" the file's line. */
static void error_line_to_file(struct rl_error *err, const char *filename, int line_base)
{
	size_t fl = strlen(filename);
	if (!line_base || strncmp(err->msg, filename, fl) != 0 || err->msg[fl] != ':')
		return;
	char *end;
	long line = strtol(err->msg + fl + 1, &end, 10);
	if (end == err->msg + fl + 1 || *end != ':')
		return;
	_cleanup_free_ char *rest = xstrdup(end);
	snprintf(err->msg, sizeof(err->msg), "%s:%ld%s", filename, line + line_base, rest);
}

/* Edit the document in buf[from, to) and add the result to sb. */
static int fix_document(struct kube_fix *kf, const char *buf, size_t from, size_t to,
			struct strbuf *sb, struct rl_error *err)
{
	struct yedit ye;
	int r = yedit_load(&ye, buf + from, to - from, kf->filename, err);
	if (r == 0) {
		r = fix_object(kf, &ye, ye.root, NULL, 0, err);
		if (r == 0 && yedit_pending(&ye)) {
			size_t n;
			_cleanup_free_ char *text = yedit_apply(&ye, &n);
			strbuf_add(sb, text, n);
		} else if (r == 0) {
			strbuf_add(sb, buf + from, to - from);
		}
		yedit_release(&ye);
	}
	if (r < 0)
		error_line_to_file(err, kf->filename, kf->line_base);
	return r;
}

/*
 * YAML also breaks lines at a lone carriage return and at NEL, LS and PS;
 * new lines would not line up after one. The line of the first, or 0.
 */
static int odd_line_break(const char *buf, size_t len)
{
	int line = 1;
	for (size_t i = 0; i < len; i++) {
		const unsigned char *u = (const unsigned char *)buf + i;
		if (*u == '\n')
			line++;
		else if ((*u == '\r' && (i + 1 == len || u[1] != '\n')) ||
			 (*u == 0xc2 && i + 1 < len && u[1] == 0x85) ||
			 (*u == 0xe2 && i + 2 < len && u[1] == 0x80 &&
			  (u[2] == 0xa8 || u[2] == 0xa9)))
			return line;
	}
	return 0;
}

int fix_kube(const char *buf, size_t len, const char *filename, const char *image,
	     const struct plan *plan, struct fix_edit *out, struct rl_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!buf)
		buf = "";
	if (str_empty(image))
		return rl_error_set(err, RL_EUSAGE, "%s: no image to match containers by",
				    filename);

	int odd = odd_line_break(buf, len);
	if (odd)
		return rl_error_set(
			err, RL_EPARSE,
			"%s:%d: a line break other than LF or CR LF (a lone CR, NEL, LS or "
			"PS): fix does not edit such a file",
			filename, odd);

	/* The whole stream first: one error for invalid YAML, with the file's line. */
	struct ystream docs;
	int r = ystream_load(buf, len, filename, &docs, err);
	if (r < 0)
		return r;
	ystream_release(&docs);

	_cleanup_free_ size_t *starts = NULL;
	size_t n_starts = 0;
	r = document_starts(buf, len, filename, &starts, &n_starts, err);
	if (r < 0)
		return r;

	struct kube_fix kf = {.filename = filename, .image = image, .plan = plan, .out = out};
	struct strbuf sb = STRBUF_INIT;
	size_t from = 0;
	for (size_t i = 0; i <= n_starts && r == 0; i++) {
		/* The first document starts at 0: comments before it belong to it. */
		size_t to = i + 1 < n_starts ? starts[i + 1] : len;
		if (i == n_starts) {
			if (from < len)
				strbuf_add(&sb, buf + from, len - from);
			break;
		}
		if (to < from || to > len) {
			r = rl_error_set(err, RL_EPARSE, "%s: internal: documents out of order",
					 filename);
			break;
		}
		r = fix_document(&kf, buf, from, to, &sb, err);
		for (size_t k = from; k < to; k++)
			kf.line_base += buf[k] == '\n';
		from = to;
	}
	if (r < 0) {
		strbuf_release(&sb);
		strv_release(&out->notes);
		memset(out, 0, sizeof(*out));
		return r;
	}
	if (!kf.matched)
		strv_addf(&out->notes, "%s: no container runs %s: nothing to change", filename,
			  image);
	out->len = sb.len;
	out->text = sb.len ? strbuf_detach(&sb) : xstrdup("");
	return 0;
}
