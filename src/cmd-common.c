/* SPDX-License-Identifier: MIT */
/* What every command does the same way: usage errors and the report file. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "plan.h"
#include "term.h"

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
