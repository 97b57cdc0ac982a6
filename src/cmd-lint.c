/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "fileio.h"
#include "handoff.h"
#include "lint.h"
#include "report.h"
#include "term.h"
#include "yamldoc.h"

#define LINT_MAX_FILE_BYTES (64u << 20)
#define LINT_MAX_DEPTH 64
#define IGNORE_MARKER "rootlock:ignore"
#define BIG_FILE_BYTES (1u << 20) /* see malloc_trim() below */

static const char lint_usage[] =
	"usage: rootlock lint [OPTIONS] [PATH|-]...\n"
	"\n"
	"Find containers with a writable root filesystem in Compose, Swarm stack,\n"
	"Kubernetes and Podman Quadlet files, before anything runs. Directories are\n"
	"searched recursively; - reads one file from standard input. Without a PATH,\n"
	"the current directory.\n"
	"\n"
	"Options:\n"
	"  -f, --file FILE          Compose files of one project, merged in order like\n"
	"                           `docker compose -f a -f b`; repeatable\n"
	"      --env-file FILE      variables for Compose interpolation (default: .env\n"
	"                           beside the Compose file); repeatable\n"
	"      --exclude GLOB       skip paths matching GLOB (fnmatch, against the path and\n"
	"                           the file name); repeatable\n"
	"      --config FILE        exemptions, as for `rootlock audit --config`\n"
	"      --format FORMAT      text (default), json, jsonl, sarif, junit, csv\n"
	"  -o, --output FILE        write the report to FILE\n"
	"      --strict             a warn fails too (exit 1)\n"
	"\n"
	"A finding is silenced by a comment `# rootlock:ignore REASON` on its line or\n"
	"the line above; the reason is required and shown.\n"
	"Exit codes: 0 nothing failed, 1 a fail (or a warn with --strict), 2 usage\n"
	"error, 3 a file could not be read or parsed (the others are still checked).\n"
	"See rootlock-lint(1).\n";

enum { OPT_ENV_FILE = 256, OPT_EXCLUDE, OPT_CONFIG, OPT_FORMAT, OPT_STRICT };

static const struct option lint_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"file", required_argument, NULL, 'f'},
	{"output", required_argument, NULL, 'o'},
	{"env-file", required_argument, NULL, OPT_ENV_FILE},
	{"exclude", required_argument, NULL, OPT_EXCLUDE},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"strict", no_argument, NULL, OPT_STRICT},
	{0},
};

struct lint_args {
	struct strv paths;
	struct strv compose_files;
	struct strv env_files;
	struct strv excludes;
	const char *config_path;
	const char *format;
	const char *output;
	bool strict;
};

/*
 * Findings are judged and reported file by file (one Compose project at a
 * time), so memory follows the largest file, not the size of the tree.
 */
struct lint_run {
	const struct lint_args *args;
	struct compose_env env;
	struct exemptions ex;
	const struct reporter *rep;
	struct report report;
	struct report_summary summary;
	struct lint_results pending; /* findings of the file being linted */
	struct hashset reported;     /* findings already out, by finding_key() */
	size_t errors;
	const char *text_path; /* the file whose text is at hand, for suppressions */
	bool text_has_marker;  /* whether it holds any rootlock:ignore at all */
	const struct strbuf *text;
};

static void args_release(struct lint_args *a)
{
	strv_release(&a->paths);
	strv_release(&a->compose_files);
	strv_release(&a->env_files);
	strv_release(&a->excludes);
}

static int parse_args(int argc, char **argv, struct lint_args *a)
{
	a->format = "text";
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hf:o:", lint_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(lint_usage, stdout);
			return RL_EXIT_CLEAN;
		case 'f':
			strv_add(&a->compose_files, optarg);
			break;
		case 'o':
			a->output = optarg;
			break;
		case OPT_ENV_FILE:
			strv_add(&a->env_files, optarg);
			break;
		case OPT_EXCLUDE:
			strv_add(&a->excludes, optarg);
			break;
		case OPT_CONFIG:
			a->config_path = optarg;
			break;
		case OPT_FORMAT:
			if (!reporter_find(optarg) || streq(optarg, "table"))
				return usage_error(
					"lint",
					"--format '%s' is not one of text, json, jsonl, sarif, "
					"junit, csv",
					optarg);
			a->format = optarg;
			break;
		case OPT_STRICT:
			a->strict = true;
			break;
		case ':':
			return usage_error("lint", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("lint", "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++)
		strv_add(&a->paths, argv[i]);
	if (!a->paths.n && !a->compose_files.n)
		strv_add(&a->paths, ".");
	return -1;
}

/* "a/b/compose.yaml" -> "compose.yaml" (borrowed) */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static bool excluded(const struct lint_args *a, const char *path)
{
	for (size_t i = 0; i < a->excludes.n; i++)
		if (fnmatch(a->excludes.v[i], path, 0) == 0 ||
		    fnmatch(a->excludes.v[i], base_name(path), 0) == 0)
			return true;
	return false;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool is_yaml_name(const char *name)
{
	return has_suffix(name, ".yaml") || has_suffix(name, ".yml") || has_suffix(name, ".json");
}

static const char *const compose_names[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
					    "docker-compose.yml"};
static const char *const override_names[] = {"compose.override.yaml", "compose.override.yml",
					     "docker-compose.override.yaml",
					     "docker-compose.override.yml"};

static bool name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(name, list[i]))
			return true;
	return false;
}

/*
 * Which Compose and override names a directory holds, bit i for name i, as its
 * listing said: a name it does not hold needs no access() (a big tree has a
 * compose.yaml in most directories and an override in few).
 */
struct listing {
	unsigned compose, override;
};

static unsigned name_bit(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(name, list[i]))
			return 1u << i;
	return 0;
}

/*
 * The override file docker compose would merge with a base compose file, or
 * NULL. ls: the listing of the file's directory, or NULL.
 */
static char *override_for(const char *path, const struct listing *ls)
{
	if (!name_in(base_name(path), compose_names, ARRAY_SIZE(compose_names)))
		return NULL;
	size_t dir_len = (size_t)(base_name(path) - path);
	for (size_t i = 0; i < ARRAY_SIZE(override_names); i++) {
		if (ls && !(ls->override & (1u << i)))
			continue; /* not in the directory, so access() would fail */
		_cleanup_free_ char *candidate =
			xasprintf("%.*s%s", (int)dir_len, path, override_names[i]);
		if (access(candidate, R_OK) == 0)
			return steal_pointer(&candidate);
	}
	return NULL;
}

/* An override file whose base sits beside it is linted with the base (ls: as for override_for()).
 */
static bool is_merged_override(const char *path, const struct listing *ls)
{
	if (!name_in(base_name(path), override_names, ARRAY_SIZE(override_names)))
		return false;
	size_t dir_len = (size_t)(base_name(path) - path);
	for (size_t i = 0; i < ARRAY_SIZE(compose_names); i++) {
		if (ls && !(ls->compose & (1u << i)))
			continue;
		_cleanup_free_ char *base =
			xasprintf("%.*s%s", (int)dir_len, path, compose_names[i]);
		if (access(base, R_OK) == 0)
			return true;
	}
	return false;
}

enum doc_kind { DOC_UNKNOWN, DOC_COMPOSE, DOC_KUBE };

static enum doc_kind classify(const struct ystream *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *root = s->docs[i].root;
		if (!yis_map(root))
			continue;
		if (ymap_get(root, "apiVersion") && ymap_get(root, "kind"))
			return DOC_KUBE;
		if (i == 0 && yis_map(ymap_get(root, "services")))
			return DOC_COMPOSE;
	}
	return name_in(base_name(path), compose_names, ARRAY_SIZE(compose_names)) ? DOC_COMPOSE
										  : DOC_UNKNOWN;
}

static void add_error(struct lint_run *run, const struct rl_error *err)
{
	report_error("lint", err->msg);
	run->errors++;
}

static void flush_pending(struct lint_run *run);

/*
 * The walk runs on a thread of its own and reads each YAML file ahead, so that
 * opening, listing and reading (a third of the time in a big tree) overlap
 * with parsing. It hands over, in walk order, the files to lint and the errors
 * met on the way; the linter reports both in that order, as one thread would.
 */
enum walk_item_kind { ITEM_YAML, ITEM_QUADLET, ITEM_ERROR };

struct walk_item {
	enum walk_item_kind kind;
	char *path;
	bool explicit;		/* given by the user, not found in a directory */
	struct listing listing; /* of the file's directory, unless explicit */
	/* ITEM_YAML: */
	size_t size;		/* of the file */
	struct strbuf text;	/* the file, read; released once parsed unless it has a marker */
	bool has_marker;	/* it holds a rootlock:ignore */
	struct ystream *parsed; /* the walk parsed it too, or NULL */
	struct rl_error *err;	/* ITEM_ERROR, or a file that could not be read or parsed */
};

static void walk_item_free(void *p)
{
	struct walk_item *item = p;
	if (!item)
		return;
	free(item->path);
	strbuf_release(&item->text);
	if (item->parsed)
		ystream_release(item->parsed);
	free(item->parsed);
	free(item->err);
	free(item);
}

/* Read ahead at most this much: memory follows the largest file, not the tree. */
#define READ_AHEAD_ITEMS 256
#define READ_AHEAD_BYTES (1u << 20)
/* The walk parses files up to this size while the linter has this many waiting (see
 * walk_read_yaml()). */
#define WALK_PARSES_BELOW (256u << 10)
#define WALK_PARSES_WHEN_QUEUED 4

struct walker {
	const struct lint_args *args;
	struct handoff *queue; /* to the linting thread, or NULL to lint each item at once */
	struct lint_run *run;  /* when queue is NULL */
	/* The listing of the directory being searched, NULL for a path given by the user. */
	const struct listing *listing;
};

static void lint_item(struct lint_run *run, struct walk_item *item);

static const char *display_name(const char *path)
{
	return streq(path, "-") ? "<stdin>" : path;
}

static struct rl_error *error_dup(const struct rl_error *err)
{
	return memcpy(xmalloc(sizeof(*err)), err, sizeof(*err));
}

/*
 * Read a YAML file for the linter, and parse it too if it is small and the
 * linter has enough to do meanwhile. Parsing is most of the work: shared
 * between the two threads by who has time, it keeps both cores busy (the
 * result is the same whoever parses). Big files are always left to the
 * linter, so that two big trees are never in memory at once.
 */
static void walk_read_yaml(struct walker *w, struct walk_item *item)
{
	struct rl_error err = {0};
	struct strbuf *text = &item->text;
	if (read_file_limited(item->path, LINT_MAX_FILE_BYTES, text, &err) < 0) {
		item->err = error_dup(&err);
		return;
	}
	item->size = text->len;
	const char *display = display_name(item->path);
	if (memchr(text->buf, '\0', text->len)) {
		rl_error_set(&err, RL_EPARSE, "%s: binary data, not YAML or JSON", display);
		item->err = error_dup(&err);
		strbuf_release(text);
		return;
	}
	item->has_marker = memmem(text->buf, text->len, IGNORE_MARKER, strlen(IGNORE_MARKER));
	if (text->len > WALK_PARSES_BELOW)
		return;
	if (!w->queue || handoff_queued(w->queue) < WALK_PARSES_WHEN_QUEUED)
		return;
	item->parsed = xcalloc(1, sizeof(*item->parsed));
	if (ystream_load_unread(text->buf, text->len, display, lint_unread_keys, item->parsed,
				&err) < 0) {
		item->err = error_dup(&err);
		free(steal_pointer(&item->parsed));
	}
	/* The linter looks up suppressions in the text only when it has a marker. */
	if (!item->has_marker || item->err)
		strbuf_release(text);
}

static void walk_hand_over(struct walker *w, enum walk_item_kind kind, const char *path,
			   bool explicit, struct rl_error *err)
{
	struct walk_item *item = xcalloc(1, sizeof(*item));
	item->kind = kind;
	item->path = xstrdup(path);
	item->explicit = explicit;
	if (w->listing)
		item->listing = *w->listing;
	if (err)
		item->err = error_dup(err);
	if (kind == ITEM_YAML)
		walk_read_yaml(w, item);
	if (!w->queue) {
		lint_item(w->run, item);
		return;
	}
	size_t weight = sizeof(*item) + item->text.alloc;
	if (item->parsed)
		weight += ystream_size(item->parsed);
	handoff_put(w->queue, item, weight);
}

static void walk_error(struct walker *w, struct rl_error *err)
{
	walk_hand_over(w, ITEM_ERROR, "", false, err);
}

static void walk_path(struct walker *w, const char *path, int depth, bool explicit,
		      unsigned char d_type);

static void walk_dir(struct walker *w, const char *path, int depth)
{
	struct rl_error err = {0};
	if (depth > LINT_MAX_DEPTH) {
		rl_error_set(&err, RL_EIO, "%s: directories nested deeper than %d; not searched",
			     path, LINT_MAX_DEPTH);
		walk_error(w, &err);
		return;
	}
	struct dirent **names = NULL;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		rl_error_set(&err, RL_EIO, "cannot read directory '%s': %s", path, strerror(errno));
		walk_error(w, &err);
		return;
	}
	struct listing ls = {0};
	for (int i = 0; i < n; i++) {
		ls.compose |= name_bit(names[i]->d_name, compose_names, ARRAY_SIZE(compose_names));
		ls.override |=
			name_bit(names[i]->d_name, override_names, ARRAY_SIZE(override_names));
	}
	/* The children see this listing; a subdirectory's own is theirs while it is searched. */
	const struct listing *outer = w->listing;
	w->listing = &ls;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (!streq(name, ".") && !streq(name, "..") && !streq(name, ".git")) {
			_cleanup_free_ char *child =
				streq(path, ".")
					? xstrdup(name)
					: xasprintf("%s%s%s", path,
						    has_suffix(path, "/") ? "" : "/", name);
			walk_path(w, child, depth + 1, false, names[i]->d_type);
		}
		free(names[i]);
	}
	w->listing = outer;
	free(names);
}

/*
 * d_type is what the directory said the entry is (DT_UNKNOWN when it did not
 * say, or for a path given by the user).
 */
static void walk_path(struct walker *w, const char *path, int depth, bool explicit,
		      unsigned char d_type)
{
	struct rl_error err = {0};
	if (!explicit && excluded(w->args, path))
		return;
	if (streq(path, "-")) {
		walk_hand_over(w, ITEM_YAML, path, true, NULL);
		return;
	}
	struct stat st;
	/*
	 * Symbolic links to directories are not followed, so a link loop cannot
	 * trap us. Plain files and directories as the directory listed them need
	 * no lstat(): in a big tree that is most entries.
	 */
	if (d_type == DT_REG || d_type == DT_DIR) {
		st.st_mode = d_type == DT_REG ? S_IFREG : S_IFDIR;
	} else if (lstat(path, &st) < 0) {
		rl_error_set(&err, RL_EIO, "cannot read '%s': %s", path, strerror(errno));
		walk_error(w, &err);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) < 0) {
			if (explicit) {
				rl_error_set(&err, RL_EIO, "cannot read '%s': %s", path,
					     strerror(errno));
				walk_error(w, &err);
			}
			return;
		}
		if (S_ISDIR(st.st_mode) && !explicit)
			return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (has_suffix(path, ".container.d") && !explicit)
			return; /* drop-ins: read with their unit */
		walk_dir(w, path, depth);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		if (explicit) {
			rl_error_set(&err, RL_EIO, "'%s' is not a regular file", path);
			walk_error(w, &err);
		}
		return;
	}
	if (has_suffix(path, ".container")) {
		walk_hand_over(w, ITEM_QUADLET, path, explicit, NULL);
	} else if (is_yaml_name(path) || explicit) {
		if (!explicit && is_merged_override(path, w->listing))
			return;
		walk_hand_over(w, ITEM_YAML, path, explicit, NULL);
	}
}

static void *walk_main(void *arg)
{
	struct walker *w = arg;
	for (size_t i = 0; i < w->args->paths.n; i++)
		walk_path(w, w->args->paths.v[i], 0, true, DT_UNKNOWN);
	if (w->queue)
		handoff_close(w->queue);
	return NULL;
}

/* One YAML or JSON file (or stdin as "-"), read by the walk: Compose or Kubernetes by content. */
static void lint_yaml_file(struct lint_run *run, struct walk_item *item)
{
	struct rl_error err = {0};
	const char *path = item->path;
	const char *display = display_name(path);
	struct strbuf *text = &item->text;
	if (item->err) {
		add_error(run, item->err);
		return;
	}
	struct ystream s = {0};
	if (item->parsed) {
		s = *item->parsed;
		*item->parsed = (struct ystream){0};
	} else {
		if (ystream_load_unread(text->buf, text->len, display, lint_unread_keys, &s, &err) <
		    0) {
			add_error(run, &err);
			return;
		}
		/* Without a marker no suppression is looked up: the tree no longer needs the
		 * text beside it. */
		if (!item->has_marker)
			strbuf_release(text);
	}
	int r = 0;
	switch (classify(&s, display)) {
	case DOC_KUBE:
		r = kube_lint(&s, display, &run->pending, &err);
		break;
	case DOC_COMPOSE: {
		_cleanup_free_ char *override =
			streq(path, "-")
				? NULL
				: override_for(path, item->explicit ? NULL : &item->listing);
		struct compose_input in[2] = {{.path = display, .parsed = &s}, {.path = override}};
		r = compose_lint(in, override ? 2 : 1, &run->env, &run->pending, &err);
		break;
	}
	default:
		if (item->explicit)
			fprintf(stderr,
				"rootlock lint: %s: not a Compose or Kubernetes file; skipped\n",
				display);
		break;
	}
	if (r < 0)
		add_error(run, &err);
	ystream_release(&s);
	run->text_path = display;
	run->text = text;
	run->text_has_marker = item->has_marker;
	flush_pending(run);
	run->text = NULL;
	/*
	 * A big file's tree and findings leave holes in the heap that the next
	 * big file's would not fit: hand the free pages back, so the peak is one
	 * file's, not two files' side by side.
	 */
	if (item->size >= BIG_FILE_BYTES)
		malloc_trim(0);
}

static void lint_quadlet_file(struct lint_run *run, const char *path)
{
	struct rl_error err = {0};
	if (quadlet_lint(path, &run->pending, &err) < 0)
		add_error(run, &err);
	flush_pending(run);
}

/* Lints and frees one item of the walk. */
static void lint_item(struct lint_run *run, struct walk_item *item)
{
	switch (item->kind) {
	case ITEM_YAML:
		lint_yaml_file(run, item);
		break;
	case ITEM_QUADLET:
		lint_quadlet_file(run, item->path);
		break;
	case ITEM_ERROR:
		add_error(run, item->err);
		break;
	}
	walk_item_free(item);
}

/* Whether this process may run on more than one CPU: else a second thread only costs switches. */
static bool several_cpus(void)
{
	cpu_set_t set;
	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

/* The paths given, walked on a thread of their own when there is a CPU for it. */
static void lint_paths(struct lint_run *run)
{
	struct walker w = {.args = run->args, .run = run};
	pthread_t thread;
	if (several_cpus()) {
		w.queue = handoff_new(READ_AHEAD_ITEMS, READ_AHEAD_BYTES);
		if (pthread_create(&thread, NULL, walk_main, &w) != 0)
			handoff_free(steal_pointer(&w.queue), NULL);
	}
	if (!w.queue) {
		walk_main(&w); /* walks and lints in turn */
		return;
	}
	struct walk_item *item;
	while ((item = handoff_take(w.queue)))
		lint_item(run, item);
	pthread_join(thread, NULL);
	handoff_free(w.queue, walk_item_free);
}

/* `-f a -f b`: one Compose project from several files. */
static void lint_compose_project(struct lint_run *run)
{
	const struct strv *files = &run->args->compose_files;
	struct compose_input *in = xcalloc(files->n, sizeof(*in));
	for (size_t i = 0; i < files->n; i++)
		in[i].path = files->v[i];
	struct rl_error err = {0};
	if (compose_lint(in, files->n, &run->env, &run->pending, &err) < 0)
		add_error(run, &err);
	free(in);
	flush_pending(run);
}

/* `# rootlock:ignore REASON` on the finding's line or the one above it. */
static char *suppression_at(const struct lint_run *run, const char *path, int line, bool same_line,
			    bool *missing_reason)
{
	static const char marker[] = IGNORE_MARKER;
	*missing_reason = false;
	if (!path || line < 1)
		return NULL;
	/* Usually the file just linted; a finding in an extended or included file reads it. */
	_cleanup_strbuf_ struct strbuf other = STRBUF_INIT;
	const struct strbuf *text = run->text;
	if (text && streq(path, run->text_path)) {
		/* Most files have no marker: then there is nothing to look for, line by line. */
		if (!run->text_has_marker)
			return NULL;
	} else {
		if (streq(path, "<stdin>") ||
		    read_file_limited(path, LINT_MAX_FILE_BYTES, &other, NULL) < 0)
			return NULL;
		if (!memmem(other.buf, other.len, marker, strlen(marker)))
			return NULL;
		text = &other;
	}
	int current = 1;
	for (const char *p = text->buf; p && *p; current++) {
		const char *eol = strchr(p, '\n');
		if (current == line - 1 || (same_line && current == line)) {
			size_t len = eol ? (size_t)(eol - p) : strlen(p);
			_cleanup_free_ char *copy = xstrndup(p, len);
			char *hash = strchr(copy, '#');
			char *m = hash ? strstr(hash, marker) : NULL;
			if (m) {
				char *reason = m + strlen(marker);
				reason += strspn(reason, " \t");
				size_t rl = strlen(reason);
				while (rl && (reason[rl - 1] == ' ' || reason[rl - 1] == '\r'))
					reason[--rl] = '\0';
				if (*reason)
					return xstrdup(reason);
				*missing_reason = true;
			}
		}
		if (current >= line)
			break;
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

static void judge(const struct lint_run *run, const struct lint_finding *f, struct judgement *j)
{
	if (f->standalone) {
		memset(j, 0, sizeof(*j));
		j->verdict = f->verdict;
		strv_add(&j->reasons, f->message);
	} else {
		rule_judge(&f->w, &run->ex, j);
	}
	if (j->verdict == VERDICT_PASS || j->verdict == VERDICT_EXEMPT)
		return;
	bool missing_reason;
	/* Unit files have no end-of-line comments: there only the line above counts. */
	bool same_line = !streq(f->w.origin.kind, "quadlet");
	char *reason =
		suppression_at(run, f->w.origin.file, f->w.origin.line, same_line, &missing_reason);
	if (reason) {
		j->verdict = VERDICT_EXEMPT;
		j->exempt_reason = reason;
		j->exempt_source = xasprintf("rootlock:ignore in %s", f->w.origin.file);
		free(j->remediation);
		j->remediation = NULL;
	} else if (missing_reason) {
		strv_add(&j->reasons, "`# rootlock:ignore` needs a reason, so it does not count");
	}
}

/* Where a finding stands and what it is about: the same key twice is one finding. */
/* As hash_str() does, over an int's four bytes: no printing it first (a finding has three). */
static unsigned long long hash_int(unsigned long long h, int v)
{
	unsigned int u = (unsigned int)v;
	for (int i = 0; i < 4; i++, u >>= 8)
		h = (h ^ (u & 0xff)) * 1099511628211ULL;
	return h;
}

static unsigned long long finding_key(const struct lint_finding *f)
{
	const struct origin *o = &f->w.origin;
	unsigned long long h = hash_str(HASH_INIT, o->file);
	h = hash_int(hash_int(hash_int(h, o->line), o->column), f->standalone);
	h = hash_str(h, NULL); /* a separator, as after a string */
	h = hash_str(h, o->workload);
	h = hash_str(h, o->container);
	return hash_str(h, f->standalone ? f->message : NULL);
}

static void flush_pending(struct lint_run *run)
{
	struct lint_results *p = &run->pending;
	for (size_t i = 0; i < p->n; i++) {
		const struct lint_finding *f = &p->v[i];
		/* A file reached twice (include, extends, a path given twice) is reported once. */
		if (!hashset_add(&run->reported, finding_key(f)))
			continue;
		struct judgement j;
		judge(run, f, &j);
		run->summary.counts[j.verdict]++;
		run->summary.total++;
		run->rep->result(&run->report, &f->w, &j);
		judgement_release(&j);
	}
	lint_results_release(p);
}

static int run_lint(const struct lint_args *a)
{
	struct lint_run run = {.args = a, .env = {.use_process_env = true}};
	struct rl_error err = {0};
	_cleanup_free_ char *tmp_path = NULL;
	int exit_code = RL_EXIT_ERROR;

	if (a->config_path && config_load(a->config_path, &run.ex, &err) < 0) {
		report_error("lint", err.msg);
		exit_code = err.code == RL_EPARSE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
		goto out;
	}
	for (size_t i = 0; i < a->env_files.n; i++) {
		if (compose_env_load(a->env_files.v[i], &run.env, &err) < 0) {
			report_error("lint", err.msg);
			goto out;
		}
	}
	FILE *out = output_open(a->output, &tmp_path);
	if (!out) {
		_cleanup_free_ char *msg =
			xasprintf("cannot write '%s': %s", tmp_path, strerror(errno));
		report_error("lint", msg);
		goto out;
	}
	run.rep = reporter_find(a->format);
	run.report = (struct report){
		.out = out, .strict = a->strict, .command = "lint", .source = "files"};
	run.rep->begin(&run.report);
	if (a->compose_files.n)
		lint_compose_project(&run);
	lint_paths(&run);
	run.rep->end(&run.report, &run.summary);
	if (output_close(out, a->output, tmp_path) < 0) {
		_cleanup_free_ char *msg =
			xasprintf("cannot write the report to '%s': %s",
				  a->output ? a->output : "stdout", strerror(errno));
		report_error("lint", msg);
		goto out;
	}

	size_t failing = run.summary.counts[VERDICT_FAIL] +
			 (a->strict ? run.summary.counts[VERDICT_WARN] : 0);
	if (run.errors)
		exit_code = RL_EXIT_ERROR;
	else
		exit_code = failing ? RL_EXIT_FINDINGS : RL_EXIT_CLEAN;
out:
	lint_results_release(&run.pending);
	hashset_release(&run.reported);
	strv_release(&run.env.vars);
	exemptions_release(&run.ex);
	return exit_code;
}

int cmd_lint(int argc, char **argv)
{
	struct lint_args a = {0};
	int r = parse_args(argc, argv, &a);
	if (r < 0)
		r = run_lint(&a);
	args_release(&a);
	return r;
}
