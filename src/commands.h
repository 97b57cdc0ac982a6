/* SPDX-License-Identifier: MIT */
#pragma once

/* Each command lives in src/cmd-<name>.c and is listed once in main.c. */
int cmd_audit(int argc, char **argv);
int cmd_authz(int argc, char **argv);
int cmd_fix(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_try(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* Print "rootlock: <msg>" on stderr, made safe for a terminal. */
void report_error(const char *cmd, const char *msg);

#include <stdio.h>

#include "endpoint.h"
#include "engine.h"
#include "fileio.h"
#include "util.h"

/* One line naming the problem, one pointing at --help; returns exit code 2. */
_printf_(2, 3) int usage_error(const char *cmd, const char *fmt, ...);

/*
 * -o FILE as every command takes it (output_open() in fileio.h: written
 * whole or not at all; NULL path: stdout). open reports the error and
 * returns NULL; close reports it and returns RL_EXIT_ERROR, or 0.
 */
FILE *command_output_open(const char *cmd, const char *path, char **tmp_path);
int command_output_close(const char *cmd, FILE *out, const char *path, const char *tmp_path);

/* A number of seconds from 0 to max. */
bool parse_seconds(const char *s, double max, double *ret);

/* The engine options plan and try share with audit: -H, --context, TLS, --timeout. */
#define ENGINE_DEFAULT_TIMEOUT_S 30
enum {
	ENGINE_OPT_CONTEXT = 1000,
	ENGINE_OPT_TLS,
	ENGINE_OPT_TLSVERIFY,
	ENGINE_OPT_TLSCACERT,
	ENGINE_OPT_TLSCERT,
	ENGINE_OPT_TLSKEY,
	ENGINE_OPT_TIMEOUT,
};
#define ENGINE_LONG_OPTIONS                                                                        \
	{"host", required_argument, NULL, 'H'},                                                    \
		{"context", required_argument, NULL, ENGINE_OPT_CONTEXT},                          \
		{"tls", no_argument, NULL, ENGINE_OPT_TLS},                                        \
		{"tlsverify", no_argument, NULL, ENGINE_OPT_TLSVERIFY},                            \
		{"tlscacert", required_argument, NULL, ENGINE_OPT_TLSCACERT},                      \
		{"tlscert", required_argument, NULL, ENGINE_OPT_TLSCERT},                          \
		{"tlskey", required_argument, NULL, ENGINE_OPT_TLSKEY},                            \
	{                                                                                          \
		"timeout", required_argument, NULL, ENGINE_OPT_TIMEOUT                             \
	}
#define ENGINE_USAGE                                                                               \
	"Engine:\n"                                                                                \
	"  -H, --host HOST          unix:///path, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]\n"   \
	"                           (default: DOCKER_HOST, the current docker context,\n"          \
	"                           unix:///var/run/docker.sock)\n"                                \
	"      --context NAME       use a docker context\n"                                        \
	"      --tls, --tlsverify   TLS, and verify the engine's certificate\n"                    \
	"      --tlscacert FILE, --tlscert FILE, --tlskey FILE\n"                                  \
	"      --timeout SECONDS    per request (default 30; 0 waits forever)\n"

struct engine_args {
	struct endpoint_options endpoint;
	double timeout_s;
};
/* 0 if opt was an engine option and is valid, an exit code if invalid, -1 if not ours. */
int engine_option(const char *cmd, int opt, const char *arg, struct engine_args *ea);
/* Resolve, open and negotiate; reports the error and returns an exit code, or 0. */
int engine_connect(const char *cmd, struct engine_args *ea, struct engine **ret);

/* A plan's blockers or covered writes, one line each after lead, made safe for a terminal. */
struct plan_note;
void print_plan_notes(FILE *out, const char *lead, const struct plan_note *v, size_t n);

/* Text of several lines (command output, log lines), each after indent, made safe for a terminal.
 */
void print_lines(FILE *out, const char *indent, const char *text);

/*
 * try's machinery (try.h) as try and fix --try drive it: SIGINT, SIGTERM and
 * SIGHUP caught (the first stops the run, one while removing stops the
 * waiting; *o->interrupted holds the first signal's number), progress notes
 * on stderr after "rootlock CMD: ".
 */
struct try_options;
void try_command_begin(const char *cmd, struct try_options *o);
/* The signals as they were before try_command_begin(). */
void try_command_end(void);
/* What try could not remove, and the commands that remove it, on stderr. */
struct leftovers;
void report_try_leftovers(const char *cmd, const struct leftovers *l, const char *why);
