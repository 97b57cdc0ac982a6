/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "plan.h"
#include "report.h"
#include "runline.h"
#include "term.h"

static const char plan_usage[] =
	"usage: rootlock plan [OPTIONS] CONTAINER...\n"
	"\n"
	"Work out the smallest set of tmpfs mounts and volumes that lets each\n"
	"container run with a read-only root filesystem, from what it has written,\n"
	"what its image holds and which directories its user owns, plus the writes\n"
	"docker diff cannot show, predicted: /tmp, /var/tmp, the program's own\n"
	"/var/log/NAME, /var/lib/NAME, ... and database files it may write. Each\n"
	"mount says whether it was seen or predicted. Changes nothing.\n"
	"\n"
	"Output:\n"
	"      --format FORMAT      text (default): each mount and why, then the run line;\n"
	"                           run: a `docker run` line that recreates the container\n"
	"                           read-only, with the reasons as # comments;\n"
	"                           compose: a Compose service with the same settings;\n"
	"                           json: {\"plans\":[...]} (see rootlock-plan(1))\n"
	"  -o, --output FILE        write the report to FILE instead of stdout (whole or\n"
	"                           not at all)\n" ENGINE_USAGE "\n"
	"Exit codes: 0 a plan covers every write, 1 some write no mount can serve (a\n"
	"blocker), 2 usage error, 3 engine or I/O error, or no such container. See\n"
	"rootlock-plan(1).\n";

enum { OPT_FORMAT = 256 };

static const struct option plan_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, 'o'},
	ENGINE_LONG_OPTIONS,
	{0},
};

static void print_text(FILE *out, const struct plan_input *in, const struct plan *p,
		       const char *run_line)
{
	const char *name = in->volume_prefix;
	const char *image = json_string_value(
		json_object_get(json_object_get(in->container, "Config"), "Image"));
	_cleanup_free_ char *safe_name = term_sanitize(name);
	_cleanup_free_ char *safe_image = term_sanitize(image ? image : "?");
	_cleanup_free_ char *safe_user = term_sanitize(p->user);
	fprintf(out, "%s (%s) runs as %s; %zu path%s to place, and %zu predicted\n", safe_name,
		safe_image, safe_user, p->writes, p->writes == 1 ? "" : "s", p->predicted);
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct plan_mount *m = &p->mounts[i];
		_cleanup_free_ char *target = term_sanitize(m->target);
		_cleanup_free_ char *why = term_sanitize(m->why);
		_cleanup_free_ char *detail = term_sanitize(m->options ? m->options : m->volume);
		fprintf(out, "  %-6s %s (%s), %s\n         %s\n",
			m->type == PLAN_TMPFS ? "tmpfs" : "volume", target, detail,
			m->basis == PLAN_SEEN ? "seen" : "predicted", why);
	}
	print_plan_notes(out, "  ok     ", p->covered, p->n_covered);
	print_plan_notes(out, "  note   ", p->notes, p->n_notes);
	print_plan_notes(out, "  BLOCKER ", p->blockers, p->n_blockers);
	if (!p->n_mounts && !p->n_blockers)
		fputs("  nothing to mount: it writes nothing outside its existing mounts\n", out);
	if (run_line)
		fprintf(out, "run it read-only with:\n  %s\n", run_line);
}

static void print_run_comments(FILE *out, const struct plan *p)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		_cleanup_free_ char *target = term_sanitize(p->mounts[i].target);
		_cleanup_free_ char *why = term_sanitize(p->mounts[i].why);
		fprintf(out, "# %s (%s): %s\n", target,
			p->mounts[i].basis == PLAN_SEEN ? "seen" : "predicted", why);
	}
	print_plan_notes(out, "# note ", p->notes, p->n_notes);
	print_plan_notes(out, "# BLOCKER ", p->blockers, p->n_blockers);
}

/* One container: 0 planned, 1 planned with blockers, or an exit code >= 2. */
static int plan_one(struct engine *engine, const char *ref, const char *format, FILE *out,
		    json_t *plans)
{
	struct rl_error err = {0};
	struct plan_input in = {0};
	struct plan p = {0};
	_cleanup_strv_ struct strv argv = STRV_INIT;
	_cleanup_free_ char *run_line = NULL;
	_cleanup_free_ struct run_mount *mounts = NULL;
	int rc = RL_EXIT_ERROR;

	if (plan_gather(engine, ref, &in, &err) < 0 || plan_build(&in, &p, &err) < 0) {
		report_error("plan", err.msg);
		goto out;
	}
	/* For the bench and the tests: what reading the tree cost. */
	if (getenv("ROOTLOCK_PLAN_TREE"))
		fprintf(stderr,
			"rootlock plan: tree of %zu entries from %llu archive bytes in %llu "
			"requests\n",
			in.fs.n, in.fs.tar_bytes, in.fs.requests);
	mounts = plan_run_mounts(&p);
	struct run_changes ch = {.read_only = true, .mounts = mounts, .n_mounts = p.n_mounts};
	if (streq(format, "compose")) {
		_cleanup_strbuf_ struct strbuf yaml = STRBUF_INIT;
		if (runline_compose(in.container, in.image, &ch, &yaml, &err) < 0) {
			report_error("plan", err.msg);
			goto out;
		}
		print_run_comments(out, &p);
		fputs(strbuf_str(&yaml), out);
	} else {
		if (runline_argv(in.container, in.image, &ch, &argv, &err) < 0) {
			report_error("plan", err.msg);
			goto out;
		}
		run_line = shell_join(argv.v, argv.n);
		if (!run_line) {
			_cleanup_free_ char *msg = xasprintf(
				"%s: a value of the container ends in a newline, which a shell "
				"line cannot spell; use --format json",
				in.volume_prefix);
			report_error("plan", msg);
		}
		if (streq(format, "text")) {
			print_text(out, &in, &p, run_line);
		} else if (streq(format, "run")) {
			print_run_comments(out, &p);
			if (run_line)
				fprintf(out, "%s\n", run_line);
		} else {
			json_t *o = plan_to_json(&p);
			json_object_set_new(o, "container", json_string_safe(in.volume_prefix));
			json_object_set_new(o, "id",
					    json_incref(json_object_get(in.container, "Id")));
			json_object_set_new(
				o, "image",
				json_incref(json_object_get(json_object_get(in.container, "Config"),
							    "Image")));
			json_object_set_new(o, "run",
					    run_line ? json_string_safe(run_line) : json_null());
			json_t *words = json_array();
			for (size_t i = 0; i < argv.n; i++)
				json_array_append_new(words, json_string_safe(argv.v[i]));
			json_object_set_new(o, "argv", words);
			json_array_append_new(plans, o);
		}
	}
	rc = p.n_blockers ? RL_EXIT_FINDINGS : RL_EXIT_CLEAN;
out:
	plan_release(&p);
	plan_input_release(&in);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	struct engine_args ea = {.timeout_s = ENGINE_DEFAULT_TIMEOUT_S};
	const char *format = "text";
	const char *output = NULL;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hH:o:", plan_options, NULL)) != -1) {
		int r = engine_option("plan", c, optarg, &ea);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		switch (c) {
		case 'h':
			fputs(plan_usage, stdout);
			return RL_EXIT_CLEAN;
		case OPT_FORMAT:
			if (!streq(optarg, "text") && !streq(optarg, "run") &&
			    !streq(optarg, "compose") && !streq(optarg, "json"))
				return usage_error(
					"plan",
					"--format '%s' is not one of text, run, compose, "
					"json",
					optarg);
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case ':':
			return usage_error("plan", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("plan", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("plan", "name at least one container to plan for");

	/* A file that cannot be written is known before the engine is asked anything. */
	_cleanup_free_ char *tmp_path = NULL;
	FILE *out = command_output_open("plan", output, &tmp_path);
	if (!out)
		return RL_EXIT_ERROR;
	_cleanup_engine_ struct engine *engine = NULL;
	int r = engine_connect("plan", &ea, &engine);
	if (r) {
		output_discard(out, output, tmp_path);
		return r;
	}
	json_t *plans = json_array();
	int worst = RL_EXIT_CLEAN, planned = 0;
	for (int i = optind; i < argc; i++) {
		if (i > optind && streq(format, "text"))
			fputc('\n', out);
		int one = plan_one(engine, argv[i], format, out, plans);
		if (one > worst)
			worst = one;
		planned += one < RL_EXIT_USAGE;
	}
	if (streq(format, "json")) {
		json_t *doc = json_pack("{s:o}", "plans", plans);
		json_dumpf(doc, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(doc);
	} else {
		json_decref(plans);
	}
	/* As audit: what was planned is written even when another container failed. */
	if (!planned) {
		output_discard(out, output, tmp_path);
		return worst;
	}
	r = command_output_close("plan", out, output, tmp_path);
	return r ? r : worst;
}
