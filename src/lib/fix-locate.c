/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "fix-locate.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "yamldoc.h"

#define LOCATE_MAX_FILE (64u << 20)
#define LOCATE_MAX_INCLUDE_DEPTH 16

void fix_place_release(struct fix_place *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->service);
	free(p->project);
	free(p->working_dir);
	strv_release(&p->files);
	strv_release(&p->notes);
	memset(p, 0, sizeof(*p));
}

/* One definition of the service: services.NAME in some file. */
struct def {
	char *file;
	char *included_by; /* NULL for a file of the -f list */
	int line;
	bool sets_read_only;
	char *extends; /* the base service's name, or NULL */
};

struct defs {
	struct def *v;
	size_t n;
};

static void defs_release(struct defs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].included_by);
		free(d->v[i].extends);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *path_from(const char *dir, const char *rel)
{
	if (rel[0] == '/' || !dir)
		return xstrdup(rel);
	return xasprintf("%s/%s", dir, rel);
}

struct walk {
	const char *service;
	struct defs defs;
	struct strv stack; /* files being read, for include cycles */
};

static int visit(struct walk *w, const char *file, const char *included_by, struct rl_error *err);

static int visit_include_entry(struct walk *w, const char *file, const struct ynode *entry,
			       struct rl_error *err)
{
	_cleanup_free_ char *dir = dir_of(file);
	const struct ynode *paths = entry;
	if (yis_map(entry))
		paths = ymap_get(entry, "path");
	if (yscalar(paths)) {
		_cleanup_free_ char *p = path_from(dir, yscalar(paths));
		return visit(w, p, file, err);
	}
	if (yis_seq(paths)) {
		for (uint32_t i = 0; i < paths->n; i++) {
			if (!yscalar(paths->items[i]))
				continue;
			_cleanup_free_ char *p = path_from(dir, yscalar(paths->items[i]));
			int r = visit(w, p, file, err);
			if (r < 0)
				return r;
		}
		return 0;
	}
	return rl_error_set(err, RL_EPARSE, "%s:%d:%d: an include entry names no file", file,
			    entry->line, entry->column);
}

static int visit(struct walk *w, const char *file, const char *included_by, struct rl_error *err)
{
	if (strv_contains(&w->stack, file))
		return rl_error_set(err, RL_EPARSE, "%s includes itself (through %s)", file,
				    included_by ? included_by : file);
	if (w->stack.n >= LOCATE_MAX_INCLUDE_DEPTH)
		return rl_error_set(err, RL_EPARSE, "%s: include: nested more than %d deep", file,
				    LOCATE_MAX_INCLUDE_DEPTH);
	_cleanup_strbuf_ struct strbuf buf = STRBUF_INIT;
	struct stat st;
	if (stat(file, &st) < 0) {
		if (errno == ENOENT && included_by)
			return rl_error_set(err, RL_EIO, "'%s', included by '%s', is gone", file,
					    included_by);
		if (errno == ENOENT)
			return rl_error_set(
				err, RL_EIO,
				"'%s', a config file of the project, is gone (moved or "
				"deleted since the container was created); give the file "
				"with -f FILE --service NAME",
				file);
		return rl_error_set(err, RL_EIO, "cannot read '%s': %s", file, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return rl_error_set(err, RL_EIO, "'%s' is not a regular file", file);
	int r = read_file_limited(file, LOCATE_MAX_FILE, &buf, err);
	if (r < 0)
		return r;
	struct ystream ys = {0};
	r = ystream_load(buf.buf ? buf.buf : "", buf.len, file, &ys, err);
	if (r < 0) {
		ystream_release(&ys);
		return r;
	}
	strv_add(&w->stack, file);
	const struct ynode *root = ys.n ? ys.docs[0].root : NULL;
	const struct ynode *services = yis_map(root) ? ymap_get(root, "services") : NULL;
	int first_line = 0;
	for (uint32_t i = 0; yis_map(services) && i < services->n; i++) {
		const struct ypair *p = &services->pairs[i];
		if (!streq(yscalar(p->key), w->service))
			continue;
		if (first_line)
			r = rl_error_set(
				err, RL_EPARSE,
				"%s:%d: service \"%s\" is defined twice (also at line %d); "
				"Compose takes only one: remove one",
				file, p->key->line, w->service, first_line);
		first_line = p->key->line;
		struct def d = {.file = xstrdup(file),
				.included_by = included_by ? xstrdup(included_by) : NULL,
				.line = p->key->line};
		if (yis_map(p->value)) {
			d.sets_read_only = ymap_get(p->value, "read_only") != NULL;
			const struct ynode *ext = ymap_get(p->value, "extends");
			const char *base = yscalar(ext)	  ? yscalar(ext)
					   : yis_map(ext) ? yscalar(ymap_get(ext, "service"))
							  : NULL;
			if (base)
				d.extends = xstrdup(base);
		}
		w->defs.v = xrealloc(w->defs.v, (w->defs.n + 1) * sizeof(*w->defs.v));
		w->defs.v[w->defs.n++] = d;
	}
	const struct ynode *include = r == 0 && yis_map(root) ? ymap_get(root, "include") : NULL;
	for (uint32_t i = 0; yis_seq(include) && i < include->n && r == 0; i++)
		r = visit_include_entry(w, file, include->items[i], err);
	ystream_release(&ys);
	free(w->stack.v[--w->stack.n]);
	return r;
}

int fix_locate_files(const char *const *files, size_t n_files, const char *service,
		     struct fix_place *out, struct rl_error *err)
{
	struct walk w = {.service = service};
	/* chosen: the definition to write; count[i]: definitions under files[i]. */
	size_t *first_of_file = xcalloc(n_files + 1, sizeof(*first_of_file));
	int r = 0;
	for (size_t i = 0; i < n_files && r == 0; i++) {
		first_of_file[i] = w.defs.n;
		strv_add(&out->files, files[i]);
		r = visit(&w, files[i], NULL, err);
		/* One file and what it includes make one model: two definitions conflict. */
		if (r == 0 && w.defs.n - first_of_file[i] > 1) {
			const struct def *a = &w.defs.v[first_of_file[i]];
			const struct def *b = &w.defs.v[first_of_file[i] + 1];
			r = rl_error_set(
				err, RL_EPARSE,
				"service \"%s\" is defined twice: %s:%d and %s:%d (Compose "
				"refuses a service an include: brings in and defines again)",
				service, a->file, a->line, b->file, b->line);
		}
	}
	first_of_file[n_files] = w.defs.n;
	if (r == 0 && w.defs.n == 0)
		r = rl_error_set(err, RL_EPARSE,
				 "no file of the project (%zu file%s, includes followed) defines "
				 "service \"%s\" by that name: cannot place the fix; give the file "
				 "with -f FILE --service NAME, or use --override FILE",
				 n_files, n_files == 1 ? "" : "s", service);
	if (r < 0)
		goto out;
	const struct def *chosen = NULL;
	for (size_t i = w.defs.n; i-- > 0;)
		if (w.defs.v[i].sets_read_only) {
			chosen = &w.defs.v[i];
			break;
		}
	const struct def *first = &w.defs.v[0];
	out->file = xstrdup(chosen ? chosen->file : first->file);
	out->service = xstrdup(service);
	if (w.defs.n > 1 && chosen)
		strv_addf(&out->notes,
			  "%s:%d: service \"%s\" is defined in %zu files of the merge; writing "
			  "here, the last that sets read_only (a later file overrides an earlier)",
			  chosen->file, chosen->line, service, w.defs.n);
	else if (w.defs.n > 1)
		strv_addf(&out->notes,
			  "%s:%d: service \"%s\" is defined in %zu files of the merge and none "
			  "sets read_only; writing in the first, which defines it",
			  first->file, first->line, service, w.defs.n);
	if (!chosen)
		chosen = first;
	if (chosen->included_by)
		strv_addf(&out->notes,
			  "%s:%d: service \"%s\" is defined here, a file that %s includes",
			  chosen->file, chosen->line, service, chosen->included_by);
	if (chosen->extends)
		strv_addf(
			&out->notes,
			"%s:%d: service \"%s\" extends \"%s\"; writing in \"%s\" itself, whose own "
			"settings Compose applies over the base's",
			chosen->file, chosen->line, service, chosen->extends, service);
out:
	if (r < 0)
		fix_place_release(out);
	free(first_of_file);
	defs_release(&w.defs);
	strv_release(&w.stack);
	return r;
}

static const char *label(const json_t *labels, const char *key)
{
	return json_string_value(json_object_get(labels, key));
}

int fix_locate(const json_t *container, struct fix_place *out, struct rl_error *err)
{
	const json_t *labels = json_object_get(json_object_get(container, "Config"), "Labels");
	const char *name = json_string_value(json_object_get(container, "Name"));
	if (name && *name == '/')
		name++;
	const char *project = label(labels, "com.docker.compose.project");
	const char *service = label(labels, "com.docker.compose.service");
	const char *files = label(labels, "com.docker.compose.project.config_files");
	const char *workdir = label(labels, "com.docker.compose.project.working_dir");
	if (!project || !service)
		return rl_error_set(err, RL_EUSAGE,
				    "%.128s is not managed by Compose (no com.docker.compose "
				    "labels): for a container made with docker run, see `rootlock "
				    "plan --format run %.128s`",
				    name ? name : "the container", name ? name : "NAME");
	if (str_empty(files))
		return rl_error_set(
			err, RL_EUSAGE,
			"%.128s: Compose project \"%.128s\" names no config files (made "
			"from standard input?): give the file with -f FILE --service "
			"%.128s",
			name ? name : "the container", project, service);
	_cleanup_strv_ struct strv list = STRV_INIT;
	for (const char *s = files; *s;) {
		size_t n = strcspn(s, ",");
		if (n) {
			_cleanup_free_ char *one = xstrndup(s, n);
			strv_push(&list, path_from(str_empty(workdir) ? NULL : workdir, one));
		}
		s += n;
		if (*s == ',')
			s++;
	}
	int r = fix_locate_files((const char *const *)list.v, list.n, service, out, err);
	if (r < 0) {
		rl_error_prefix(err, "%.128s (Compose project \"%.128s\", service \"%.128s\")",
				name ? name : "container", project, service);
		fix_place_release(out);
		return r;
	}
	out->project = xstrdup(project);
	out->working_dir = str_empty(workdir) ? NULL : xstrdup(workdir);
	return 0;
}
