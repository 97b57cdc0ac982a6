/* SPDX-License-Identifier: MIT */
/*
 * rootlock watch: judge every container when it appears or changes, and say
 * so on each change of verdict; metrics for Prometheus on --listen. The
 * watching is src/lib/watch.c, the server src/lib/httpd.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config.h"
#include "httpd.h"
#include "report.h"
#include "term.h"
#include "watch.h"

static const char watch_usage[] =
	"usage: rootlock watch [OPTIONS]\n"
	"\n"
	"Audit every container, then follow the engine's events and judge each\n"
	"container again when it is created, started, stopped, renamed, updated or\n"
	"removed (on a Swarm manager, each service too, by TaskTemplate.ContainerSpec).\n"
	"One line per change of verdict; reconnects when the engine goes away\n"
	"and reports what changed meanwhile. Stops on SIGINT or SIGTERM; SIGHUP reads\n"
	"--config again.\n"
	"\n"
	"      --format FORMAT      text (default) or jsonl: one JSON object per line\n"
	"      --once               print one audit as JSON (audit --format json) and exit\n"
	"  -o, --output FILE        with --once: write it to FILE instead of stdout (whole\n"
	"                           or not at all)\n"
	"      --listen ADDR        serve Prometheus metrics on /metrics and /healthz:\n"
	"                           HOST:PORT, [ADDRESS]:PORT, :PORT or unix:PATH\n"
	"      --config FILE        exemptions: "
	"{\"exempt\":[{\"name\":GLOB,\"reason\":TEXT}]}\n"
	"      --ping-after SECONDS a silent event stream is checked with /_ping after\n"
	"                           (default 30); no answer within 5 s: reconnect\n"
	"      --resync SECONDS     list every container again this long after the last\n"
	"                           full list (default 300; 0: never), in case the event\n"
	"                           stream fell silent while the engine still "
	"answers\n" ENGINE_USAGE "\n"
	"Each line: time, engine, container name and id, old verdict -> new verdict\n"
	"('-' when first seen, 'removed' when gone), what caused it, and the reasons.\n"
	"Exit codes: 0 stopped by a signal (--once: nothing failed), 1 --once found a fail,\n"
	"2 usage error, 3 I/O error (--once: engine unreachable). See rootlock-watch(1).\n";

enum { OPT_FORMAT = 256, OPT_ONCE, OPT_LISTEN, OPT_CONFIG, OPT_PING_AFTER, OPT_RESYNC };

static const struct option watch_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"once", no_argument, NULL, OPT_ONCE},
	{"output", required_argument, NULL, 'o'},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"ping-after", required_argument, NULL, OPT_PING_AFTER},
	{"resync", required_argument, NULL, OPT_RESYNC},
	ENGINE_LONG_OPTIONS,
	{0},
};

struct watch_args {
	struct engine_args engine;
	struct strv audit_argv; /* --once: the engine options and --config, for audit */
	const char *config_path;
	const char *listen;
	const char *output;
	double ping_after_s;
	double resync_s;
	bool jsonl;
	bool once;
};

static volatile sig_atomic_t stop_signal, reload_signal;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_signal = 1;
	else
		stop_signal = sig;
}

/* The option as audit would take it: "--name" or "-H". */
static void pass_on(struct strv *argv, int c, const char *arg)
{
	for (const struct option *o = watch_options; o->name; o++)
		if (o->val == c) {
			strv_addf(argv, "--%s", o->name);
			if (o->has_arg)
				strv_add(argv, arg);
			return;
		}
}

static int parse_args(int argc, char **argv, struct watch_args *a)
{
	a->engine.timeout_s = ENGINE_DEFAULT_TIMEOUT_S;
	a->resync_s = 300;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hH:o:", watch_options, NULL)) != -1) {
		int r = engine_option("watch", c, optarg, &a->engine);
		if (r > 0)
			return r;
		if (r == 0) {
			pass_on(&a->audit_argv, c, optarg);
			continue;
		}
		switch (c) {
		case 'h':
			fputs(watch_usage, stdout);
			return RL_EXIT_CLEAN;
		case OPT_FORMAT:
			if (!streq(optarg, "text") && !streq(optarg, "jsonl"))
				return usage_error(
					"watch", "--format '%s' is not one of text, jsonl", optarg);
			a->jsonl = streq(optarg, "jsonl");
			break;
		case OPT_ONCE:
			a->once = true;
			break;
		case 'o':
			a->output = optarg;
			pass_on(&a->audit_argv, c, optarg);
			break;
		case OPT_LISTEN:
			if (str_empty(optarg))
				return usage_error("watch", "--listen needs an address");
			a->listen = optarg;
			break;
		case OPT_CONFIG:
			a->config_path = optarg;
			pass_on(&a->audit_argv, c, optarg);
			break;
		case OPT_PING_AFTER:
			if (!parse_seconds(optarg, 86400, &a->ping_after_s) ||
			    a->ping_after_s < 0.1)
				return usage_error("watch",
						   "--ping-after '%s' must be a number of seconds "
						   "(0.1 to 86400)",
						   optarg);
			break;
		case OPT_RESYNC:
			if (!parse_seconds(optarg, 86400, &a->resync_s) ||
			    (a->resync_s > 0 && a->resync_s < 1))
				return usage_error("watch",
						   "--resync '%s' must be 0 (never) or a number of "
						   "seconds (1 to 86400)",
						   optarg);
			break;
		case ':':
			return usage_error("watch", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("watch", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("watch", "unexpected argument '%s' (watch takes options only)",
				   argv[optind]);
	if (a->once && a->listen)
		return usage_error("watch", "--once prints one audit; it serves no --listen");
	/* A stream that never ends cannot be renamed into place whole. */
	if (a->output && !a->once)
		return usage_error("watch",
				   "-o FILE is for --once; watch's lines go to stdout (redirect "
				   "them to keep them)");
	return -1;
}

/* ---- output ---- */

struct output {
	bool jsonl;
	bool failed; /* stdout could not be written: stop */
};

static void format_time(long long ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03lldZ", ms % 1000);
}

static const char *verdict_or(int v, const char *none)
{
	return v == WATCH_VERDICT_NONE ? none : verdict_name((enum verdict)v);
}

static void json_add_verdict(struct strbuf *sb, int v)
{
	if (v == WATCH_VERDICT_NONE)
		strbuf_addstr(sb, "null");
	else
		json_add_string(sb, verdict_name((enum verdict)v));
}

static void on_record(const struct watch_record *rec, void *userdata)
{
	struct output *o = userdata;
	char when[40];
	format_time(rec->time_ms, when, sizeof(when));
	struct strbuf sb = STRBUF_INIT;
	if (o->jsonl) {
		strbuf_addf(&sb, "{\"time\":\"%s\",\"engine\":", when);
		json_add_string(&sb, rec->engine);
		strbuf_addstr(&sb, ",\"kind\":");
		json_add_string(&sb, rec->kind);
		strbuf_addstr(&sb, ",\"id\":");
		json_add_string(&sb, rec->id);
		strbuf_addstr(&sb, ",\"name\":");
		json_add_string(&sb, rec->name);
		strbuf_addstr(&sb, ",\"image\":");
		if (rec->image)
			json_add_string(&sb, rec->image);
		else
			strbuf_addstr(&sb, "null");
		strbuf_addstr(&sb, ",\"old_verdict\":");
		json_add_verdict(&sb, rec->old_verdict);
		strbuf_addstr(&sb, ",\"new_verdict\":");
		json_add_verdict(&sb, rec->new_verdict);
		strbuf_addstr(&sb, ",\"cause\":");
		json_add_string(&sb, rec->cause);
		strbuf_addstr(&sb, ",\"reasons\":[");
		for (size_t i = 0; i < rec->reasons->n; i++) {
			if (i)
				strbuf_addch(&sb, ',');
			json_add_string(&sb, rec->reasons->v[i]);
		}
		strbuf_addstr(&sb, "]}\n");
	} else {
		strbuf_addf(&sb, "%s %s %s%s (%.12s) %s -> %s [%s]", when, rec->engine,
			    streq(rec->kind, "service") ? "service " : "", rec->name, rec->id,
			    verdict_or(rec->old_verdict, "-"),
			    verdict_or(rec->new_verdict, "removed"), rec->cause);
		for (size_t i = 0; i < rec->reasons->n; i++)
			strbuf_addf(&sb, "%s%s", i ? "; " : ": ", rec->reasons->v[i]);
		_cleanup_free_ char *safe = term_sanitize(strbuf_str(&sb));
		strbuf_reset(&sb);
		strbuf_addstr(&sb, safe);
		strbuf_addch(&sb, '\n');
	}
	if (fwrite(sb.buf, 1, sb.len, stdout) != sb.len || fflush(stdout) != 0)
		o->failed = true;
	strbuf_release(&sb);
}

static void on_notice(enum watch_notice kind, const char *msg, void *userdata)
{
	report_error("watch", msg);
}

/* ---- the loop ---- */

struct run_state {
	struct output out;
	const char *config_path;
};

static bool on_tick(struct watch *w, void *userdata)
{
	struct run_state *st = userdata;
	if (reload_signal) {
		reload_signal = 0;
		struct exemptions ex = {0};
		struct rl_error err = {0};
		if (!st->config_path) {
			report_error("watch", "SIGHUP: no --config to read again");
		} else if (config_load(st->config_path, &ex, &err) < 0) {
			_cleanup_free_ char *msg =
				xasprintf("SIGHUP: %s; the exemptions in force are kept", err.msg);
			report_error("watch", msg);
		} else {
			_cleanup_free_ char *msg = xasprintf(
				"SIGHUP: read %s again (%zu exemptions)", st->config_path, ex.n);
			report_error("watch", msg);
			watch_set_exemptions(w, &ex);
		}
		exemptions_release(&ex);
	}
	return !stop_signal && !st->out.failed;
}

static void serve(const struct httpd_request *req, struct httpd_response *resp, void *userdata)
{
	struct watch *w = userdata;
	if (!streq(req->method, "GET") && !streq(req->method, "HEAD")) {
		resp->status = 405;
		resp->body = xstrdup("only GET\n");
	} else if (streq(req->url, "/metrics")) {
		resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
		resp->body = watch_metrics(w);
	} else if (streq(req->url, "/healthz")) {
		resp->body = xstrdup("ok\n");
	} else {
		resp->status = 404;
		resp->body = xstrdup("not found: try /metrics or /healthz\n");
	}
	resp->len = strlen(resp->body);
}

static int run_once(struct watch_args *a)
{
	struct strv argv = STRV_INIT;
	strv_add(&argv, "audit");
	strv_add(&argv, "--format");
	strv_add(&argv, "json");
	for (size_t i = 0; i < a->audit_argv.n; i++)
		strv_add(&argv, a->audit_argv.v[i]);
	int r = cmd_audit((int)argv.n, argv.v); /* argv.v ends with NULL */
	strv_release(&argv);
	return r;
}

static int run_watch(struct watch_args *a)
{
	struct rl_error err = {0};
	struct exemptions ex = {0};
	if (a->config_path && config_load(a->config_path, &ex, &err) < 0) {
		report_error("watch", err.msg);
		return err.code == RL_EPARSE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
	}
	struct endpoint ep = {0};
	if (endpoint_resolve(&a->engine.endpoint, &ep, &err) < 0) {
		report_error("watch", err.msg);
		exemptions_release(&ex);
		return rl_error_exit_code(&err);
	}
	struct engine_options eo = {.timeout_ms = (long)(a->engine.timeout_s * 1000),
				    .parallel = 8};
	struct engine *engine = NULL;
	if (engine_open(&ep, &eo, &engine, &err) < 0) {
		report_error("watch", err.msg);
		endpoint_release(&ep);
		exemptions_release(&ex);
		return RL_EXIT_ERROR;
	}
	struct run_state st = {.out = {.jsonl = a->jsonl}, .config_path = a->config_path};
	struct watch_options wo = {
		.on_record = on_record,
		.on_notice = on_notice,
		.tick = on_tick,
		.userdata = &st,
		.ping_after_ms = (long)(a->ping_after_s * 1000),
		.resync_ms = (long)(a->resync_s * 1000),
	};
	struct watch *w = NULL;
	int r = watch_new(engine, &ex, &wo, &w, &err);
	exemptions_release(&ex);
	if (r < 0) {
		engine_free(engine);
		report_error("watch", err.msg);
		return RL_EXIT_ERROR;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct httpd *server = NULL;
	if (a->listen) {
		if (httpd_start(a->listen, NULL, serve, w, &server, &err) < 0) {
			report_error("watch", err.msg);
			watch_free(w);
			return err.code == RL_EUSAGE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
		}
		_cleanup_free_ char *msg =
			xasprintf("serving /metrics and /healthz on %s", httpd_address(server));
		report_error("watch", msg);
	}
	watch_run(w, &err);
	httpd_stop(server);
	watch_free(w);
	if (st.out.failed) {
		report_error("watch", "cannot write to stdout; stopped");
		return RL_EXIT_ERROR;
	}
	return RL_EXIT_CLEAN;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_args a = {0};
	int r = parse_args(argc, argv, &a);
	if (r < 0)
		r = a.once ? run_once(&a) : run_watch(&a);
	strv_release(&a.audit_argv);
	return r;
}
