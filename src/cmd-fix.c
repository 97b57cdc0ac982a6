/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "fileio.h"
#include "fix-locate.h"
#include "fix.h"
#include "plan.h"
#include "term.h"
#include "try.h"
#include "yamldoc.h"

static const char fix_usage[] =
	"usage: rootlock fix [OPTIONS] CONTAINER...\n"
	"       rootlock fix --plan FILE -f FILE [--service NAME | --drop-in]\n"
	"\n"
	"Write a plan into the file that defines each container: `read_only: true`,\n"
	"the plan's tmpfs mounts (with their options) and named volumes, nothing for a\n"
	"path the definition already mounts, every other byte of the file kept. For a\n"
	"Compose container the file and service come from its labels (include:,\n"
	"extends and -f merges followed; a note says which file and why). Shows a\n"
	"unified diff (paths relative to the current directory, for `git apply` or\n"
	"`patch -p1`) unless --write.\n"
	"\n"
	"The plan:\n"
	"      (default)            plan's: what `rootlock plan CONTAINER` prints\n"
	"      --try                the plan `rootlock try` proves in a read-only clone;\n"
	"                           nothing is written when it does not pass\n"
	"      --exec COMMAND       with --try: the check try runs in the clone\n"
	"      --plan FILE          from `rootlock plan --format json` or `rootlock try\n"
	"                           --format json` (try's only when it passed)\n"
	"\n"
	"Where:\n"
	"  -f, --file FILE          the file to edit, given directly (with --plan; no\n"
	"                           CONTAINER): Compose (with --service), a Quadlet\n"
	"                           .container unit, or Kubernetes manifests (each\n"
	"                           container whose image is the plan's, or --image)\n"
	"      --service NAME       the Compose service to edit in FILE\n"
	"      --image IMAGE        Kubernetes: edit the containers running IMAGE\n"
	"      --drop-in            Quadlet: write NAME.container.d/50-rootlock.conf\n"
	"                           beside the unit instead of the unit itself\n"
	"      --override FILE      Compose: write the settings into an override file\n"
	"                           (made or extended) instead; pass it to Compose with\n"
	"                           -f or COMPOSE_FILE\n"
	"\n"
	"Output:\n"
	"      --write              apply the change: a temp file in the same directory,\n"
	"                           mode and owner kept, renamed over the file (a\n"
	"                           symlink's target); refused when the file changed\n"
	"                           after it was read, or is not writable\n"
	"  -o, --output FILE        write the diff to FILE instead of stdout (whole or\n"
	"                           not at all); with --write, the diff of what was\n"
	"                           written\n" ENGINE_USAGE "\n"
	"Exit codes: 0 nothing to change, 1 changes shown or written, 2 usage error,\n"
	"3 engine, I/O or parse error (nothing is written then). See rootlock-fix(1).\n";

enum {
	OPT_TRY = 256,
	OPT_EXEC,
	OPT_PLAN,
	OPT_SERVICE,
	OPT_IMAGE,
	OPT_DROP_IN,
	OPT_OVERRIDE,
	OPT_WRITE,
};

static const struct option fix_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"try", no_argument, NULL, OPT_TRY},
	{"exec", required_argument, NULL, OPT_EXEC},
	{"plan", required_argument, NULL, OPT_PLAN},
	{"file", required_argument, NULL, 'f'},
	{"service", required_argument, NULL, OPT_SERVICE},
	{"image", required_argument, NULL, OPT_IMAGE},
	{"drop-in", no_argument, NULL, OPT_DROP_IN},
	{"override", required_argument, NULL, OPT_OVERRIDE},
	{"write", no_argument, NULL, OPT_WRITE},
	{"output", required_argument, NULL, 'o'},
	ENGINE_LONG_OPTIONS,
	{0},
};

struct fix_args {
	struct engine_args ea;
	bool try, drop_in, write;
	const char *exec, *plan_file, *file, *service, *image, *override;
	const char *output; /* -o: the diff's file */
	char **refs;
	int n_refs;
};

/*
 * What fix has to say besides the diff: shown on stderr once everything
 * succeeded (a failure is one line, the error).
 */
static struct strv fix_notes = STRV_INIT;

static void note(const char *fmt, ...) _printf_(1, 2);
static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push(&fix_notes, xvasprintf(fmt, ap));
	va_end(ap);
}

static void notes_flush(bool show)
{
	for (size_t i = 0; show && i < fix_notes.n; i++) {
		_cleanup_free_ char *safe = term_sanitize(fix_notes.v[i]);
		fprintf(stderr, "rootlock fix: %s\n", safe);
	}
	strv_release(&fix_notes);
}

/* Take an editor's result as the file's new text, and its notes. */
static void file_take(struct fix_file *f, struct fix_edit *e)
{
	for (size_t i = 0; i < e->notes.n; i++)
		note("%s", e->notes.v[i]);
	fix_file_take(f, e);
}

/* --- the plan ------------------------------------------------------------------- */

/*
 * try's plan, proven here as `rootlock try` proves it (its rounds, its
 * signals, its cleanup): nothing to write unless it passed. Ctrl-C stops
 * it; what it made is removed, and fix writes nothing.
 */
static int plan_by_try(struct engine *engine, const struct fix_args *a, const char *ref,
		       struct plan *p, char **image, struct rl_error *err)
{
	struct try_options o = {
		.ref = ref,
		.rounds = TRY_DEFAULT_ROUNDS,
		.settle_s = TRY_DEFAULT_SETTLE_S,
		.wait_s = TRY_DEFAULT_WAIT_S,
		.exec = a->exec,
		.timeout_s = a->ea.timeout_s,
	};
	try_command_begin("fix", &o);
	struct try_result res = {0};
	int r = try_run(engine, &o, &res, err);
	if (r < 0)
		rl_error_prefix(err, "try");
	struct rl_error rm = {0};
	bool left = try_remove(&res, &o, &rm) < 0;
	/* Shown now: fix's notes wait for a success that will not come. */
	if (left)
		report_try_leftovers("fix", &res.made, rm.msg);
	/* Ctrl-C stops fix as it did before try (a write is atomic either way). */
	try_command_end();
	if (*o.interrupted)
		r = rl_error_set(err, RL_EIO, "interrupted: nothing written");
	else if (r == 0 && left)
		r = rl_error_set(err, RL_EENGINE,
				 "try could not remove everything it made: nothing written");
	else if (r == 0 && !res.pass)
		r = rl_error_set(err, RL_EUSAGE,
				 "rootlock try: try did not prove this plan (verdict fail): "
				 "nothing to write until `rootlock try` passes");
	else if (r == 0 && (r = plan_check(&res.plan, "rootlock try", err)) == 0) {
		*p = res.plan;
		memset(&res.plan, 0, sizeof(res.plan));
		*image = steal_pointer(&res.image);
	}
	try_result_release(&res);
	return r;
}

static int plan_from_file(const char *path, const char *name, struct plan *p, char **image,
			  struct rl_error *err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int r = read_file_limited(path, FIX_MAX_FILE, &sb, err);
	if (r == 0)
		r = plan_from_json(sb.buf ? sb.buf : "", sb.len, path, name, p, image, err);
	/* A plan try did not prove, or one of several: the file's problem, not the flags'. */
	return r == RL_EUSAGE ? (err->code = RL_EPARSE) : r;
}

static void say_blockers(const char *who, const struct plan *p)
{
	for (size_t i = 0; i < p->n_blockers; i++)
		note("%s: not written, no mount can serve it: %s: %s", who, p->blockers[i].path,
		     p->blockers[i].why);
}

/* --- one container --------------------------------------------------------------- */

static int edit_compose(struct fix_files *fs, const char *path, const char *service,
			const struct plan *p, unsigned flags, bool missing_ok, struct rl_error *err)
{
	struct fix_file *f = fix_files_get(fs, path, missing_ok, err);
	if (!f)
		return err->code;
	struct fix_edit e = {0};
	int r = fix_compose(f->text ? f->text : "", f->text ? f->len : 0, f->path, service, p,
			    flags, &e, err);
	if (r == 0)
		file_take(f, &e);
	fix_edit_release(&e);
	return r;
}

static int fix_container(struct engine *engine, const struct fix_args *a, const char *ref,
			 struct fix_files *fs, struct rl_error *err)
{
	struct plan p = {0};
	struct plan_input in = {0};
	struct fix_place place = {0};
	_cleanup_free_ char *image = NULL;
	_cleanup_free_ char *esc = url_escape(ref);
	_cleanup_free_ char *path = xasprintf("/containers/%s/json", esc);
	json_t *container = NULL;
	int r = engine_get_json(engine, path, &container, err);
	if (r == RL_ENOTFOUND)
		rl_error_set(err, r, "no container \"%.128s\" on the engine at %s", ref,
			     engine_host(engine));
	if (r == 0)
		r = fix_locate(container, &place, err);
	/*
	 * The file is read before the plan is made: a change to it while the
	 * plan is worked out (or proven, for minutes) is then caught before
	 * the rename.
	 */
	if (r == 0 &&
	    !fix_files_get(fs, a->override ? a->override : place.file, a->override != NULL, err))
		r = err->code;
	if (r == 0) {
		for (size_t i = 0; i < place.notes.n; i++)
			note("%s", place.notes.v[i]);
		if (a->plan_file)
			r = plan_from_file(a->plan_file, ref, &p, &image, err);
		else if (a->try)
			r = plan_by_try(engine, a, ref, &p, &image, err);
		else if ((r = plan_gather(engine, ref, &in, err)) == 0)
			r = plan_build(&in, &p, err);
	}
	if (r == 0) {
		say_blockers(ref, &p);
		if (a->override) {
			r = edit_compose(fs, a->override, place.service, &p,
					 FIX_COMPOSE_CREATE_SERVICE, true, err);
			if (r == 0)
				note("%s: pass %s to Compose after the project's files (-f ... -f "
				     "%s, or COMPOSE_FILE) for the settings to apply",
				     ref, a->override, a->override);
		} else {
			r = edit_compose(fs, place.file, place.service, &p, 0, false, err);
		}
	}
	json_decref(container);
	fix_place_release(&place);
	plan_input_release(&in);
	plan_release(&p);
	return r;
}

/* --- a file given directly --------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum file_kind { KIND_COMPOSE, KIND_KUBE, KIND_QUADLET, KIND_UNKNOWN };

/* As lint tells them apart: a .container unit, Kubernetes objects, Compose services. */
static enum file_kind detect_kind(const struct fix_file *f, struct rl_error *err)
{
	if (has_suffix(f->path, ".container"))
		return KIND_QUADLET;
	struct ystream s = {0};
	if (ystream_load(f->text, f->len, f->path, &s, err) < 0)
		return KIND_UNKNOWN;
	enum file_kind k = KIND_UNKNOWN;
	for (size_t i = 0; i < s.n && k == KIND_UNKNOWN; i++) {
		const struct ynode *root = s.docs[i].root;
		if (!yis_map(root))
			continue;
		if (ymap_get(root, "apiVersion") && ymap_get(root, "kind"))
			k = KIND_KUBE;
		else if (i == 0 && yis_map(ymap_get(root, "services")))
			k = KIND_COMPOSE;
	}
	ystream_release(&s);
	if (k == KIND_UNKNOWN)
		rl_error_set(err, RL_EPARSE,
			     "%s: neither Compose (services:), Kubernetes (apiVersion and kind) "
			     "nor a Quadlet .container unit",
			     f->path);
	return k;
}

static int fix_file_direct(const struct fix_args *a, struct fix_files *fs, struct rl_error *err)
{
	struct plan p = {0};
	_cleanup_free_ char *plan_image = NULL;
	struct fix_edit e = {0};
	int r = 0;
	/* The file first, then the plan: as for a container (see fix_container()). */
	struct fix_file *f = fix_files_get(fs, a->file, false, err);
	if (!f)
		r = err->code;
	enum file_kind kind = KIND_UNKNOWN;
	if (r == 0 && (kind = detect_kind(f, err)) == KIND_UNKNOWN)
		r = err->code;
	if (r == 0 && kind == KIND_COMPOSE && a->override &&
	    !fix_files_get(fs, a->override, true, err))
		r = err->code;
	if (r == 0)
		r = plan_from_file(a->plan_file, a->service, &p, &plan_image, err);
	if (r == 0)
		say_blockers(a->file, &p);
	if (r == 0 && a->drop_in && kind != KIND_QUADLET)
		r = rl_error_set(err, RL_EUSAGE, "--drop-in is for a Quadlet .container unit");
	if (r == 0 && kind == KIND_COMPOSE) {
		if (!a->service)
			r = rl_error_set(err, RL_EUSAGE,
					 "%s is a Compose file: name the service with --service",
					 a->file);
		else if (a->override)
			r = edit_compose(fs, a->override, a->service, &p,
					 FIX_COMPOSE_CREATE_SERVICE, true, err);
		else
			r = edit_compose(fs, a->file, a->service, &p, 0, false, err);
	} else if (r == 0 && a->override) {
		r = rl_error_set(err, RL_EUSAGE, "--override is for Compose files");
	} else if (r == 0 && kind == KIND_KUBE) {
		const char *image = a->image ? a->image : plan_image;
		if (!image)
			r = rl_error_set(err, RL_EUSAGE,
					 "%s names no image: give --image IMAGE to say which "
					 "containers of %s to edit",
					 a->plan_file, a->file);
		else if ((r = fix_kube(f->text, f->len, f->path, image, &p, &e, err)) == 0)
			file_take(f, &e);
	} else if (r == 0 && kind == KIND_QUADLET && !a->drop_in) {
		if ((r = fix_quadlet(f->text, f->len, f->path, &p, &e, err)) == 0)
			file_take(f, &e);
	} else if (r == 0 && kind == KIND_QUADLET) {
		_cleanup_free_ char *dropin = xasprintf("%s.d/50-rootlock.conf", a->file);
		struct fix_file *d = fix_files_get(fs, dropin, true, err);
		/* The unit is read, the drop-in (made or replaced) written. */
		f = &fs->v[0];
		if (!d)
			r = err->code;
		else if ((r = fix_quadlet_dropin(f->text, f->len, f->path, &p, &e, err)) == 0)
			file_take(d, &e);
	}
	fix_edit_release(&e);
	plan_release(&p);
	return r;
}

/* --- options and the whole run ------------------------------------------------------ */

/* The unified diff of each file that changes (or, after --write, was written). */
static void write_diffs(FILE *out, const struct fix_files *fs, bool written_only)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct fix_file *f = &fs->v[i];
		if (!f->changes || (written_only && !f->written))
			continue;
		_cleanup_free_ char *diff =
			fix_unified_diff(f->old, f->old_len, f->text, f->len, f->shown);
		fputs(diff, out);
	}
}

static int parse_args(int argc, char **argv, struct fix_args *a)
{
	a->ea.timeout_s = ENGINE_DEFAULT_TIMEOUT_S;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hH:f:o:", fix_options, NULL)) != -1) {
		int r = engine_option("fix", c, optarg, &a->ea);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		switch (c) {
		case 'h':
			fputs(fix_usage, stdout);
			return RL_EXIT_CLEAN;
		case OPT_TRY:
			a->try = true;
			break;
		case OPT_EXEC:
			if (str_empty(optarg))
				return usage_error("fix", "--exec needs a command");
			a->exec = optarg;
			break;
		case OPT_PLAN:
			a->plan_file = optarg;
			break;
		case 'f':
			a->file = optarg;
			break;
		case OPT_SERVICE:
			a->service = optarg;
			break;
		case OPT_IMAGE:
			a->image = optarg;
			break;
		case OPT_DROP_IN:
			a->drop_in = true;
			break;
		case OPT_OVERRIDE:
			a->override = optarg;
			break;
		case OPT_WRITE:
			a->write = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case ':':
			return usage_error("fix", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("fix", "unknown option '%s'", argv[optind - 1]);
		}
	}
	a->refs = argv + optind;
	a->n_refs = argc - optind;
	if (a->try && a->plan_file)
		return usage_error("fix", "--try and --plan both say where the plan comes from: "
					  "give one");
	if (a->exec && !a->try)
		return usage_error("fix", "--exec is try's check: give it with --try");
	if (a->file) {
		if (!a->plan_file)
			return usage_error("fix",
					   "-f FILE needs --plan FILE (from `rootlock plan "
					   "--format json` or `rootlock try --format json`)");
		if (a->n_refs)
			return usage_error("fix",
					   "-f FILE edits that file: name no container too "
					   "('%s')",
					   a->refs[0]);
		return -1;
	}
	if (a->service || a->image || a->drop_in)
		return usage_error("fix", "--service, --image and --drop-in go with -f FILE");
	if (!a->n_refs)
		return usage_error("fix", "name at least one container to fix (or -f FILE with "
					  "--plan FILE)");
	return -1;
}

int cmd_fix(int argc, char **argv)
{
	struct fix_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	/* A diff that cannot be written is known before anything is read or run. */
	_cleanup_free_ char *tmp_path = NULL;
	FILE *out = command_output_open("fix", a.output, &tmp_path);
	if (!out)
		return RL_EXIT_ERROR;
	struct fix_files fs = {0};
	struct rl_error err = {0};
	int r = 0;
	if (a.file) {
		r = fix_file_direct(&a, &fs, &err);
	} else {
		_cleanup_engine_ struct engine *engine = NULL;
		if ((rc = engine_connect("fix", &a.ea, &engine))) {
			output_discard(out, a.output, tmp_path);
			return rc;
		}
		for (int i = 0; i < a.n_refs && r == 0; i++)
			r = fix_container(engine, &a, a.refs[i], &fs, &err);
	}
	size_t changes = 0;
	for (size_t i = 0; r == 0 && i < fs.n; i++) {
		struct fix_file *f = &fs.v[i];
		/* A file that would come out as it is (a drop-in written again) needs nothing. */
		if (f->old && f->len == f->old_len && memcmp(f->text, f->old, f->len) == 0)
			f->changes = 0;
		changes += f->changes;
	}
	if (r == 0 && a.write) {
		r = fix_files_write(&fs, &err);
		for (size_t i = 0; i < fs.n; i++) {
			if (!fs.v[i].written)
				continue;
			_cleanup_free_ char *safe = term_sanitize(fs.v[i].shown);
			fprintf(stderr, "rootlock fix: wrote %s\n", safe);
		}
		/* With -o, the record of what was written; stdout stays quiet as before. */
		if (r == 0 && a.output)
			write_diffs(out, &fs, true);
	} else if (r == 0) {
		/* Which file and why, before the diff. */
		notes_flush(true);
		write_diffs(out, &fs, false);
	}
	notes_flush(r == 0);
	if (r < 0) {
		report_error("fix", err.msg);
		rc = r == RL_EUSAGE && a.file ? RL_EXIT_USAGE : RL_EXIT_ERROR;
	} else if (!changes) {
		_cleanup_free_ char *safe = term_sanitize(a.file ? a.file : "the files");
		fprintf(stderr, "rootlock fix: nothing to change: %s already say%s it all\n", safe,
			a.file ? "s" : "");
		rc = RL_EXIT_CLEAN;
	} else {
		rc = RL_EXIT_FINDINGS;
	}
	fix_files_release(&fs);
	/* A failed run leaves no diff file behind: it would show a change that was not made. */
	if (r < 0) {
		output_discard(out, a.output, tmp_path);
		return rc;
	}
	int w = command_output_close("fix", out, a.output, tmp_path);
	return w ? w : rc;
}
