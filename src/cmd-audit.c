/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "config.h"
#include "report.h"

#define DEFAULT_PARALLEL 8
#define PROGRESS_MIN_ITEMS 200

static const char audit_usage[] =
	"usage: rootlock audit [OPTIONS]\n"
	"\n"
	"Check every container on a Docker engine (stopped ones too) for a read-only\n"
	"root filesystem, say how each writes today, and what to change. On a Swarm\n"
	"manager its services too, by TaskTemplate.ContainerSpec (\"service NAME\",\n"
	"\"kind\": \"service\" in JSON).\n"
	"\n"
	"Selection:\n"
	"      --running            only running containers\n"
	"      --filter KEY=VALUE   label=KEY[=VALUE], name=GLOB or image=GLOB; repeatable\n"
	"                           (labels must all match; any name or image glob may)\n"
	"      --config FILE        exemptions: {\"exempt\":[{\"name\":GLOB,\"reason\":TEXT}]}\n"
	"Output:\n"
	"      --format FORMAT      table (default), text (as lint's), json, jsonl, sarif,\n"
	"                           junit, csv\n"
	"  -o, --output FILE        write the report to FILE instead of stdout (whole or\n"
	"                           not at all; - is stdout)\n"
	"      --color WHEN         auto (default), always, never; NO_COLOR is honoured\n"
	"      --strict             a warn fails the audit too (exit 1)\n"
	"Engine:\n"
	"  -H, --host HOST          unix:///path, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]\n"
	"                           (default: DOCKER_HOST, the current docker context,\n"
	"                           unix:///var/run/docker.sock)\n"
	"      --context NAME       use a docker context\n"
	"                           -H and --context may be given several times: the engines\n"
	"                           are audited at once and each result names its engine\n"
	"      --all-contexts       every context stored in the docker config\n"
	"      --tls, --tlsverify   TLS, and verify the engine's certificate\n"
	"      --tlscacert FILE, --tlscert FILE, --tlskey FILE\n"
	"      --timeout SECONDS    per request (default 30; 0 waits forever)\n"
	"      --parallel N         connections used to inspect (default 8)\n"
	"\n"
	"Verdicts: pass (read-only), fail (writable), warn (read-only but rewritable from\n"
	"inside: privileged, CAP_SYS_ADMIN, a writable bind of / or of the engine's data\n"
	"root, the engine's socket, --pid host with SYS_PTRACE, a running privileged exec\n"
	"where seccomp allows mount), exempt (label rootlock.exempt=REASON or a --config\n"
	"entry).\n"
	"Exit codes: 0 nothing failed, 1 a fail (or a warn with --strict), 2 usage error,\n"
	"3 engine unreachable or I/O error (with several engines: none answered).\n"
	"See rootlock-audit(1).\n";

enum {
	OPT_RUNNING = 256,
	OPT_FILTER,
	OPT_CONFIG,
	OPT_FORMAT,
	OPT_COLOR,
	OPT_STRICT,
	OPT_PARALLEL,
	OPT_ALL_CONTEXTS,
};

static const struct option audit_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"output", required_argument, NULL, 'o'},
	{"running", no_argument, NULL, OPT_RUNNING},
	{"filter", required_argument, NULL, OPT_FILTER},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"color", required_argument, NULL, OPT_COLOR},
	{"colour", required_argument, NULL, OPT_COLOR},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"parallel", required_argument, NULL, OPT_PARALLEL},
	{"all-contexts", no_argument, NULL, OPT_ALL_CONTEXTS},
	ENGINE_LONG_OPTIONS,
	{0},
};

struct audit_args {
	struct audit_query query;
	struct engine_args engine;
	const char *config_path;
	const char *format;
	const char *output;
	const char *color;
	bool strict;
	long parallel;
	/* Every -H and --context in order; more than one (or --all-contexts) audits several. */
	struct strv hosts;
	struct strv contexts;
	bool all_contexts;
};

static int add_filter(struct audit_query *q, const char *arg)
{
	if (str_startswith(arg, "label=") && arg[6])
		strv_add(&q->labels, arg + 6);
	else if (str_startswith(arg, "name=") && arg[5])
		strv_add(&q->name_globs, arg + 5);
	else if (str_startswith(arg, "image=") && arg[6])
		strv_add(&q->image_globs, arg + 6);
	else
		return -1;
	return 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct audit_args *a)
{
	a->format = "table";
	a->color = "auto";
	a->engine.timeout_s = ENGINE_DEFAULT_TIMEOUT_S;
	a->parallel = DEFAULT_PARALLEL;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hH:o:", audit_options, NULL)) != -1) {
		double num;
		if (c == 'H')
			strv_add(&a->hosts, optarg);
		else if (c == ENGINE_OPT_CONTEXT)
			strv_add(&a->contexts, optarg);
		int r = engine_option("audit", c, optarg, &a->engine);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		switch (c) {
		case 'h':
			fputs(audit_usage, stdout);
			return RL_EXIT_CLEAN;
		case 'o':
			a->output = optarg;
			break;
		case OPT_RUNNING:
			a->query.running_only = true;
			break;
		case OPT_FILTER:
			if (add_filter(&a->query, optarg) < 0)
				return usage_error(
					"audit",
					"--filter '%s' is not understood: use label=KEY[=VALUE], "
					"name=GLOB or image=GLOB",
					optarg);
			break;
		case OPT_CONFIG:
			a->config_path = optarg;
			break;
		case OPT_FORMAT:
			if (!reporter_find(optarg))
				return usage_error(
					"audit",
					"--format '%s' is not one of table, text, json, jsonl, "
					"sarif, junit, csv",
					optarg);
			a->format = optarg;
			break;
		case OPT_COLOR:
			if (!streq(optarg, "auto") && !streq(optarg, "always") &&
			    !streq(optarg, "never"))
				return usage_error("audit",
						   "--color '%s' must be auto, always or never",
						   optarg);
			a->color = optarg;
			break;
		case OPT_STRICT:
			a->strict = true;
			break;
		case OPT_ALL_CONTEXTS:
			a->all_contexts = true;
			break;
		case OPT_PARALLEL:
			if (!parse_seconds(optarg, 64, &num) || num < 1 || num != (long)num)
				return usage_error(
					"audit",
					"--parallel '%s' must be a whole number from 1 to 64",
					optarg);
			a->parallel = (long)num;
			break;
		case ':':
			return usage_error("audit", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("audit", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("audit", "unexpected argument '%s' (audit takes options only)",
				   argv[optind]);
	return -1;
}

struct progress {
	bool enabled;
	long long last_ms;
	bool shown;
};

static void show_progress(size_t done, size_t total, void *userdata)
{
	struct progress *p = userdata;
	if (!p->enabled || total < PROGRESS_MIN_ITEMS)
		return;
	long long now = now_ms();
	if (done < total && now - p->last_ms < 100)
		return;
	p->last_ms = now;
	p->shown = true;
	fprintf(stderr, "\rrootlock: inspected %zu of %zu containers", done, total);
	if (done == total)
		fputs("\r\033[K", stderr);
}

static bool want_color(const char *when, const char *output)
{
	if (streq(when, "always"))
		return true;
	if (streq(when, "never") || (output && !streq(output, "-")))
		return false;
	const char *no_color = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	return isatty(STDOUT_FILENO) && str_empty(no_color) && !streq(term, "dumb");
}

/* Judge and report one engine's containers; errors counts the ones that could not be. */
static void report_set(const struct reporter *rep, struct report *r, struct audit_set *set,
		       const struct exemptions *ex, struct report_summary *summary, size_t *errors)
{
	for (size_t i = 0; i < set->n; i++) {
		struct audit_item *item = &set->items[i];
		if (item->status == AUDIT_ITEM_GONE) {
			summary->skipped++;
			continue;
		}
		if (item->status == AUDIT_ITEM_ERROR) {
			report_error("audit", item->error);
			(*errors)++;
			continue;
		}
		struct judgement j;
		rule_judge(&item->w, ex, &j);
		summary->counts[j.verdict]++;
		summary->total++;
		if (item->w.origin.swarm_service)
			summary->services++;
		rep->result(r, &item->w, &j);
		judgement_release(&j);
	}
}

/* The report of sets, to stdout or -o; the exit code their verdicts (and errors) give. */
static int write_report(const struct audit_args *a, const char *source, bool per_engine,
			struct audit_set *const *sets, size_t n_sets, const struct exemptions *ex)
{
	_cleanup_free_ char *tmp_path = NULL;
	FILE *out = command_output_open("audit", a->output, &tmp_path);
	if (!out)
		return RL_EXIT_ERROR;
	const struct reporter *rep = reporter_find(a->format);
	struct report r = {
		.out = out,
		.color = want_color(a->color, a->output),
		.strict = a->strict,
		.command = "audit",
		.source = source,
		.per_engine = per_engine,
	};
	struct report_summary summary = {0};
	size_t errors = 0;
	rep->begin(&r);
	for (size_t i = 0; i < n_sets; i++)
		report_set(rep, &r, sets[i], ex, &summary, &errors);
	rep->end(&r, &summary);
	if (command_output_close("audit", out, a->output, tmp_path))
		return RL_EXIT_ERROR;
	if (errors)
		return RL_EXIT_ERROR;
	if (summary.counts[VERDICT_FAIL] || (a->strict && summary.counts[VERDICT_WARN]))
		return RL_EXIT_FINDINGS;
	return RL_EXIT_CLEAN;
}

static int run_audit(struct audit_args *a)
{
	struct rl_error err = {0};
	struct exemptions ex = {0};
	struct endpoint ep = {0};
	_cleanup_engine_ struct engine *engine = NULL;
	struct audit_set set = {0}, services = {0};
	int exit_code = RL_EXIT_ERROR;

	if (a->config_path && config_load(a->config_path, &ex, &err) < 0) {
		report_error("audit", err.msg);
		exit_code = err.code == RL_EPARSE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
		goto out;
	}
	if (endpoint_resolve(&a->engine.endpoint, &ep, &err) < 0) {
		report_error("audit", err.msg);
		exit_code = rl_error_exit_code(&err);
		goto out;
	}
	struct engine_options eo = {
		.timeout_ms = (long)(a->engine.timeout_s * 1000),
		.parallel = (int)a->parallel,
	};
	if (engine_open(&ep, &eo, &engine, &err) < 0 || engine_negotiate(engine, &err) < 0) {
		report_error("audit", err.msg);
		goto out;
	}
	struct progress progress = {.enabled = isatty(STDERR_FILENO)};
	if (audit_collect(engine, &a->query, show_progress, &progress, &set, &err) < 0) {
		if (progress.shown)
			fputs("\r\033[K", stderr);
		report_error("audit", err.msg);
		goto out;
	}
	/* On a Swarm manager, its services beside the containers. */
	if (audit_services_after(engine, &a->query, &set, &services, &err) < 0) {
		report_error("audit", err.msg);
		goto out;
	}

	if (engine_is_podman(engine))
		for (size_t i = 0; i < set.n; i++)
			set.items[i].w.origin.cli = "podman";
	struct audit_set *sets[] = {&set, &services};
	exit_code = write_report(a, engine_host(engine), false, sets, 2, &ex);
out:
	audit_set_release(&set);
	audit_set_release(&services);
	exemptions_release(&ex);
	endpoint_release(&ep);
	return exit_code;
}

/* The engines named by -H, --context and --all-contexts, resolved; an exit code on error. */
static int resolve_engines(struct audit_args *a, struct audit_engine **ret, size_t *n_ret)
{
	struct rl_error err = {0};
	_cleanup_(strv_releasep) struct strv all = STRV_INIT;
	if (a->all_contexts && endpoint_context_names(&all, &err) < 0) {
		report_error("audit", err.msg);
		return rl_error_exit_code(&err);
	}
	if (a->all_contexts && !all.n && !a->hosts.n && !a->contexts.n)
		return usage_error("audit", "--all-contexts: the docker config has no contexts "
					    "(see `docker context ls`)");
	size_t n = a->hosts.n + a->contexts.n + all.n;
	struct audit_engine *engines = xcalloc(n, sizeof(*engines));
	for (size_t i = 0; i < n; i++) {
		struct endpoint_options opt = a->engine.endpoint;
		opt.host = i < a->hosts.n ? a->hosts.v[i] : NULL;
		size_t k = i - a->hosts.n;
		opt.context = i < a->hosts.n	  ? NULL
			      : k < a->contexts.n ? a->contexts.v[k]
						  : all.v[k - a->contexts.n];
		struct audit_engine *e = &engines[i];
		if (endpoint_resolve(&opt, &e->endpoint, &err) < 0) {
			report_error("audit", err.msg);
			for (size_t j = 0; j <= i; j++)
				audit_engine_release(&engines[j]);
			free(engines);
			return rl_error_exit_code(&err);
		}
		e->label = xstrdup(e->endpoint.context ? e->endpoint.context : e->endpoint.host);
	}
	*ret = engines;
	*n_ret = n;
	return -1;
}

static int run_audit_many(struct audit_args *a)
{
	struct rl_error err = {0};
	struct exemptions ex = {0};
	struct audit_engine *engines = NULL;
	size_t n = 0;
	int exit_code = RL_EXIT_ERROR;

	if (a->config_path && config_load(a->config_path, &ex, &err) < 0) {
		report_error("audit", err.msg);
		return err.code == RL_EPARSE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
	}
	int r = resolve_engines(a, &engines, &n);
	if (r >= 0) {
		exemptions_release(&ex);
		return r;
	}
	struct engine_options eo = {
		.timeout_ms = (long)(a->engine.timeout_s * 1000),
		.parallel = (int)a->parallel,
	};
	size_t answered = audit_collect_engines(engines, n, &eo, &a->query);
	_cleanup_strbuf_ struct strbuf source = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&source, "%s%s", i ? ", " : "", engines[i].label);
		if (engines[i].status < 0) {
			_cleanup_free_ char *msg =
				xasprintf("engine %s: %s", engines[i].label, engines[i].err.msg);
			report_error("audit", msg);
		}
	}
	if (!answered)
		goto out;

	struct audit_set **sets = xcalloc(2 * n, sizeof(*sets));
	for (size_t i = 0; i < n; i++) {
		sets[2 * i] = &engines[i].set;
		sets[2 * i + 1] = &engines[i].services;
	}
	/* An engine that did not answer is reported above; the others' verdicts decide. */
	exit_code = write_report(a, strbuf_str(&source), true, sets, 2 * n, &ex);
	free(sets);
out:
	for (size_t i = 0; i < n; i++)
		audit_engine_release(&engines[i]);
	free(engines);
	exemptions_release(&ex);
	return exit_code;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_args a = {0};
	int r = parse_args(argc, argv, &a);
	if (r < 0 && (a.all_contexts || a.hosts.n + a.contexts.n > 1))
		r = run_audit_many(&a);
	else if (r < 0)
		r = run_audit(&a);
	audit_query_release(&a.query);
	strv_release(&a.hosts);
	strv_release(&a.contexts);
	return r;
}
