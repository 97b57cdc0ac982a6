/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "lint-dedup.h"
#include "lint-file.h"
#include "lint-suppress.h"
#include "lint-walk.h"
#include "lint.h"
#include "report.h"

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
	struct lint_seen reported;   /* findings already out */
	size_t errors;
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

static void add_error(struct lint_run *run, const struct rl_error *err)
{
	report_error("lint", err->msg);
	run->errors++;
}

/* Judge and report the pending findings; at_hand: the text of the file just linted, or NULL. */
static void flush_pending(struct lint_run *run, const struct lint_text *at_hand)
{
	struct lint_results *p = &run->pending;
	for (size_t i = 0; i < p->n; i++) {
		const struct lint_finding *f = &p->v[i];
		if (!lint_seen_first(&run->reported, f))
			continue;
		struct judgement j;
		lint_judge(f, &run->ex, at_hand, &j);
		run->summary.counts[j.verdict]++;
		run->summary.total++;
		run->rep->result(&run->report, &f->w, &j);
		judgement_release(&j);
	}
	lint_results_release(p);
}

static void lint_yaml(struct lint_run *run, struct lint_item *item)
{
	struct rl_error err = {0};
	enum lint_doc_kind kind;
	int r = lint_yaml_item(item, &run->env, &run->pending, &kind, &err);
	if (r < 0) {
		add_error(run, &err);
		if (kind == LINT_DOC_UNKNOWN)
			return; /* not read or not parsed: nothing was checked */
	} else if (kind == LINT_DOC_UNKNOWN && item->explicit) {
		fprintf(stderr, "rootlock lint: %s: not a Compose or Kubernetes file; skipped\n",
			lint_display_name(item->path));
	}
	struct lint_text at_hand = {.path = lint_display_name(item->path),
				    .text = &item->text,
				    .has_marker = item->has_marker};
	flush_pending(run, &at_hand);
}

/* Lints and frees one item of the walk. */
static void lint_item(struct lint_item *item, void *userdata)
{
	struct lint_run *run = userdata;
	struct rl_error err = {0};
	switch (item->kind) {
	case LINT_ITEM_YAML:
		lint_yaml(run, item);
		break;
	case LINT_ITEM_QUADLET:
		if (quadlet_lint(item->path, &run->pending, &err) < 0)
			add_error(run, &err);
		flush_pending(run, NULL);
		break;
	case LINT_ITEM_ERROR:
		add_error(run, item->err);
		break;
	}
	lint_item_free(item);
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
	flush_pending(run, NULL);
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
	struct lint_walk_options wo;
	lint_walk_options_init(&wo);
	wo.paths = &a->paths;
	wo.excludes = &a->excludes;
	lint_walk(&wo, lint_item, &run);
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
	lint_seen_release(&run.reported);
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
