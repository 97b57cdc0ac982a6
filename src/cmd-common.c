/* SPDX-License-Identifier: MIT */
/* What every command does the same way: usage errors and the report file. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "plan.h"
#include "term.h"
#include "try.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	report_error(cmd, msg);
	fprintf(stderr, "run 'rootlock %s --help' for the options\n", cmd);
	return RL_EXIT_USAGE;
}

FILE *command_output_open(const char *cmd, const char *path, char **tmp_path)
{
	FILE *out = output_open(path, tmp_path);
	if (!out) {
		_cleanup_free_ char *msg =
			xasprintf("cannot write '%s': %s", path, strerror(errno));
		report_error(cmd, msg);
	}
	return out;
}

int command_output_close(const char *cmd, FILE *out, const char *path, const char *tmp_path)
{
	if (output_close(out, path, tmp_path) == 0)
		return 0;
	_cleanup_free_ char *msg =
		path && !streq(path, "-")
			? xasprintf("cannot write the report to '%s': %s", path, strerror(errno))
			: xasprintf("cannot write the report to standard output: %s",
				    strerror(errno));
	report_error(cmd, msg);
	return RL_EXIT_ERROR;
}

bool parse_seconds(const char *s, double max, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v != v || v > max)
		return false;
	*ret = v;
	return true;
}

int engine_option(const char *cmd, int opt, const char *arg, struct engine_args *ea)
{
	switch (opt) {
	case 'H':
		ea->endpoint.host = arg;
		return 0;
	case ENGINE_OPT_CONTEXT:
		ea->endpoint.context = arg;
		return 0;
	case ENGINE_OPT_TLS:
		ea->endpoint.tls = true;
		return 0;
	case ENGINE_OPT_TLSVERIFY:
		ea->endpoint.tls_verify = true;
		return 0;
	case ENGINE_OPT_TLSCACERT:
		ea->endpoint.tls_ca = arg;
		return 0;
	case ENGINE_OPT_TLSCERT:
		ea->endpoint.tls_cert = arg;
		return 0;
	case ENGINE_OPT_TLSKEY:
		ea->endpoint.tls_key = arg;
		return 0;
	case ENGINE_OPT_TIMEOUT:
		if (!parse_seconds(arg, 86400, &ea->timeout_s))
			return usage_error(
				cmd, "--timeout '%s' must be a number of seconds (0 to 86400)",
				arg);
		return 0;
	default:
		return -1;
	}
}

int engine_connect(const char *cmd, struct engine_args *ea, struct engine **ret)
{
	struct rl_error err = {0};
	struct endpoint ep = {0};
	if (endpoint_resolve(&ea->endpoint, &ep, &err) < 0) {
		report_error(cmd, err.msg);
		return rl_error_exit_code(&err);
	}
	struct engine_options eo = {
		.timeout_ms = (long)(ea->timeout_s * 1000),
		.parallel = 1,
	};
	if (engine_open(&ep, &eo, ret, &err) < 0 || engine_negotiate(*ret, &err) < 0) {
		endpoint_release(&ep);
		report_error(cmd, err.msg);
		return RL_EXIT_ERROR;
	}
	return 0;
}

void print_plan_notes(FILE *out, const char *lead, const struct plan_note *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = term_sanitize(v[i].path);
		_cleanup_free_ char *why = term_sanitize(v[i].why);
		fprintf(out, "%s%s: %s\n", lead, path, why);
	}
}

void print_lines(FILE *out, const char *indent, const char *text)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	strbuf_add_sanitized_lines(&sb, indent, text);
	fputs(strbuf_str(&sb), out);
}

/* --- try's machinery, as try and fix --try drive it ----------------------------------- */

static volatile sig_atomic_t try_interrupted, try_cleaning, try_stop_waiting;

static void try_on_signal(int sig)
{
	/* A signal while cleaning up stops the waiting; what remains is then listed. */
	if (try_cleaning)
		try_stop_waiting = 1;
	if (!try_interrupted)
		try_interrupted = sig;
}

static void try_note(void *ctx, const char *msg)
{
	_cleanup_free_ char *safe = term_sanitize(msg);
	fprintf(stderr, "rootlock %s: %s\n", (const char *)ctx, safe);
}

static const int try_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction try_old_actions[ARRAY_SIZE(try_signals)];

void try_command_begin(const char *cmd, struct try_options *o)
{
	struct sigaction sa = {.sa_handler = try_on_signal};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(try_signals); i++)
		sigaction(try_signals[i], &sa, &try_old_actions[i]);
	o->interrupted = &try_interrupted;
	o->stop_waiting = &try_stop_waiting;
	o->cleaning = &try_cleaning;
	o->note = try_note;
	o->note_ctx = (void *)cmd;
}

void try_command_end(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(try_signals); i++)
		sigaction(try_signals[i], &try_old_actions[i], NULL);
}

void report_try_leftovers(const char *cmd, const struct leftovers *l, const char *why)
{
	_cleanup_free_ char *safe_why = term_sanitize(why);
	fprintf(stderr,
		"rootlock %s: could not remove everything it made (%s); still there, or still "
		"being made by the engine:\n",
		cmd, safe_why);
	for (size_t i = 0; i < l->containers.n; i++)
		fprintf(stderr, "  container %s%s\n", l->containers.v[i],
			strv_contains(&l->unsure, l->containers.v[i])
				? " (its create got no answer: the engine may still make it)"
				: "");
	for (size_t i = 0; i < l->volumes.n; i++)
		fprintf(stderr, "  volume %s\n", l->volumes.v[i]);
	_cleanup_strbuf_ struct strbuf cmds = STRBUF_INIT;
	leftovers_commands(l, engine_host(l->engine), &cmds);
	/* shell_join() never writes a control byte: safe as it is. */
	fprintf(stderr,
		"remove them with these commands (the last lists anything else of this run):\n%s",
		strbuf_str(&cmds));
}
