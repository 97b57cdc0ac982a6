/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "plan.h"
#include "term.h"
#include "try.h"

static const char try_usage[] =
	"usage: rootlock try [OPTIONS] CONTAINER|IMAGE\n"
	"\n"
	"Prove a plan: start a read-only clone of the container with the plan's tmpfs\n"
	"mounts and fresh volumes (the container the printed run line makes), wait\n"
	"until it is healthy (or stays up through the settle time), run the --exec\n"
	"check, read its logs for what failed at a path (\"Read-only file system\",\n"
	"\"No such file or directory\" under a planned tmpfs, \"Permission denied\",\n"
	"code a noexec tmpfs would not map), and amend the plan from them, round\n"
	"after round. Given an IMAGE, first run it writable to learn what it writes.\n"
	"The original is never touched; the clone, any learning container and every\n"
	"volume made for them are removed, also on Ctrl-C, SIGTERM and timeouts\n"
	"(after a request the engine did not answer in time, try waits up to 60 s\n"
	"for the engine to finish it, to remove what it made).\n"
	"\n"
	"A pass says what it proved: exec (your --exec check passed), healthcheck\n"
	"(the image's HEALTHCHECK said healthy) or started (it only started and stayed\n"
	"up: nothing exercised it, so it is not proven to work).\n"
	"\n"
	"      --rounds N           tries before giving up (default 3)\n"
	"      --settle SECONDS     without a HEALTHCHECK: how long it must stay up (5)\n"
	"      --wait SECONDS       longest wait for healthy or settled (default 60)\n"
	"      --exec COMMAND       once up, run COMMAND (sh -c) in the clone; it must exit 0\n"
	"      --network NAME       network for the clone and learning container (default:\n"
	"                           the original's; for an IMAGE, none)\n"
	"      --strict             a pass that only started (no HEALTHCHECK, no --exec)\n"
	"                           fails too (exit 1)\n"
	"      --format FORMAT      text (default) or json\n"
	"  -o, --output FILE        write the report to FILE instead of stdout (whole or\n"
	"                           not at all)\n" ENGINE_USAGE "\n"
	"Exit codes: 0 the clone ran read-only (pass; with --strict, proven by a\n"
	"HEALTHCHECK or --exec), 1 it did not (fail), 2 usage error, 3 engine or I/O\n"
	"error, no such container or image, or something try made could not be removed\n"
	"(it is listed with the commands that remove it), 130 interrupted (after\n"
	"cleaning up).\n"
	"See rootlock-try(1).\n";

enum {
	OPT_ROUNDS = 256,
	OPT_SETTLE,
	OPT_WAIT,
	OPT_EXEC,
	OPT_NETWORK,
	OPT_FORMAT,
	OPT_STRICT,
};

static const struct option try_long_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"rounds", required_argument, NULL, OPT_ROUNDS},
	{"settle", required_argument, NULL, OPT_SETTLE},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"exec", required_argument, NULL, OPT_EXEC},
	{"network", required_argument, NULL, OPT_NETWORK},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"output", required_argument, NULL, 'o'},
	ENGINE_LONG_OPTIONS,
	{0},
};

struct try_args {
	struct engine_args ea;
	struct try_options o;
	const char *format;
	const char *output;
	bool strict;
};

static void print_round(FILE *out, size_t n, const struct try_round *r)
{
	_cleanup_free_ char *outcome = term_sanitize(r->outcome ? r->outcome : "interrupted");
	const char *verdict = !r->pass			      ? "fail"
			      : r->proof == TRY_PROOF_STARTED ? "pass (started only)"
							      : "pass";
	fprintf(out, "round %zu: %s: %s\n", n, verdict, outcome);
	/* A command's output or a log line may span lines: shown as lines, not as \x0a. */
	for (size_t i = 0; i < r->evidence.n; i++)
		print_lines(out, "  | ", r->evidence.v[i]);
}

/* The verdict line's words: a pass says what it proved; started only is no plain PASS. */
static const char *verdict_words(enum try_proof proof)
{
	switch (proof) {
	case TRY_PROOF_EXEC:
		return "PASS (your --exec check passed), runs";
	case TRY_PROOF_HEALTHCHECK:
		return "PASS (healthy by its HEALTHCHECK), runs";
	case TRY_PROOF_STARTED:
		return "STARTED ONLY (not exercised, so not proven to work), stays up";
	case TRY_PROOF_NONE:
		break;
	}
	return "FAIL, does not run";
}

static void print_text(FILE *out, const struct try_result *res)
{
	for (size_t i = 0; i < res->n_rounds; i++)
		print_round(out, i + 1, &res->rounds[i]);
	_cleanup_free_ char *safe_ref = term_sanitize(res->target);
	fprintf(out, "%s: %s read-only with:\n  %s\n", safe_ref, verdict_words(res->proof),
		res->run_line ? res->run_line : "?");
	if (res->proof == TRY_PROOF_STARTED)
		fprintf(out, "  It only started and stayed up: nothing exercised it. To prove it "
			     "works, give\n  --exec 'a command that uses it' (a request, a query) "
			     "or give the image a HEALTHCHECK.\n");
	print_plan_notes(out, "  BLOCKER ", res->plan.blockers, res->plan.n_blockers);
}

static int parse_args(int argc, char **argv, struct try_args *a)
{
	a->ea.timeout_s = ENGINE_DEFAULT_TIMEOUT_S;
	a->o.rounds = TRY_DEFAULT_ROUNDS;
	a->o.settle_s = TRY_DEFAULT_SETTLE_S;
	a->o.wait_s = TRY_DEFAULT_WAIT_S;
	a->format = "text";
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hH:o:", try_long_options, NULL)) != -1) {
		int r = engine_option("try", c, optarg, &a->ea);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		double num;
		switch (c) {
		case 'h':
			fputs(try_usage, stdout);
			return RL_EXIT_CLEAN;
		case OPT_ROUNDS:
			if (!parse_seconds(optarg, 20, &num) || num < 1 || num != (long)num)
				return usage_error(
					"try", "--rounds '%s' must be a whole number from 1 to 20",
					optarg);
			a->o.rounds = (long)num;
			break;
		case OPT_SETTLE:
			if (!parse_seconds(optarg, 3600, &a->o.settle_s))
				return usage_error(
					"try", "--settle '%s' must be seconds (0 to 3600)", optarg);
			break;
		case OPT_WAIT:
			if (!parse_seconds(optarg, 86400, &a->o.wait_s) || a->o.wait_s < 1)
				return usage_error(
					"try", "--wait '%s' must be seconds (1 to 86400)", optarg);
			break;
		case OPT_EXEC:
			if (str_empty(optarg))
				return usage_error("try", "--exec needs a command");
			a->o.exec = optarg;
			break;
		case OPT_NETWORK:
			a->o.network = optarg;
			break;
		case OPT_STRICT:
			a->strict = true;
			break;
		case OPT_FORMAT:
			if (!streq(optarg, "text") && !streq(optarg, "json"))
				return usage_error("try", "--format '%s' is not one of text, json",
						   optarg);
			a->format = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case ':':
			return usage_error("try", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("try", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("try", "name a container or an image to try");
	if (optind + 1 < argc)
		return usage_error("try", "try takes one container or image, not '%s' too",
				   argv[optind + 1]);
	/* --wait is the longest anything waits, settling included. */
	if (a->o.settle_s > a->o.wait_s)
		a->o.settle_s = a->o.wait_s;
	a->o.ref = argv[optind];
	return -1;
}

int cmd_try(int argc, char **argv)
{
	struct try_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	a.o.timeout_s = a.ea.timeout_s;
	/* A report that cannot be written is known before anything is made. */
	_cleanup_free_ char *tmp_path = NULL;
	FILE *out = command_output_open("try", a.output, &tmp_path);
	if (!out)
		return RL_EXIT_ERROR;
	_cleanup_engine_ struct engine *engine = NULL;
	if ((rc = engine_connect("try", &a.ea, &engine))) {
		output_discard(out, a.output, tmp_path);
		return rc;
	}
	try_command_begin("try", &a.o);

	struct try_result res = {0};
	struct rl_error err = {0};
	int exit_code = RL_EXIT_ERROR;
	bool reported = false;
	if (try_run(engine, &a.o, &res, &err) < 0) {
		report_error("try", err.msg);
	} else if (!res.interrupted) {
		if (streq(a.format, "json")) {
			json_t *doc = try_result_to_json(&res);
			json_dumpf(doc, out, JSON_INDENT(2));
			fputc('\n', out);
			json_decref(doc);
		} else {
			print_text(out, &res);
		}
		reported = true;
		exit_code = try_result_proven(&res, a.strict) ? RL_EXIT_CLEAN : RL_EXIT_FINDINGS;
	}
	if (try_remove(&res, &a.o, &err) < 0) {
		report_try_leftovers("try", &res.made, err.msg);
		exit_code = RL_EXIT_ERROR;
	} else if (*a.o.interrupted) {
		fprintf(stderr, "rootlock try: interrupted; removed what it had made\n");
		exit_code = 128 + *a.o.interrupted;
	}
	/* The report is whole once written; a failed run leaves no file behind. */
	if (!reported)
		output_discard(out, a.output, tmp_path);
	else if (command_output_close("try", out, a.output, tmp_path))
		exit_code = RL_EXIT_ERROR;
	try_result_release(&res);
	return exit_code;
}
