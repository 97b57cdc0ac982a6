/* SPDX-License-Identifier: MIT */
#pragma once

/* Each command lives in src/cmd-<name>.c and is listed once in main.c. */
int cmd_audit(int argc, char **argv);
int cmd_lint(int argc, char **argv);

/* Print "rootlock: <msg>" on stderr, made safe for a terminal. */
void report_error(const char *cmd, const char *msg);

#include <stdio.h>

#include "util.h"

/* One line naming the problem, one pointing at --help; returns exit code 2. */
_printf_(2, 3) int usage_error(const char *cmd, const char *fmt, ...);

/*
 * The report goes to PATH.tmp and is renamed when complete, so a failed run
 * never clobbers the last good report. NULL path: stdout. close: 0 or -1.
 */
FILE *output_open(const char *path, char **tmp_path);
int output_close(FILE *out, const char *path, const char *tmp_path);
