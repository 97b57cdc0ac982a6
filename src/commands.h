/* SPDX-License-Identifier: MIT */
#pragma once

/* Each command lives in src/cmd-<name>.c and is listed once in main.c. */
int cmd_audit(int argc, char **argv);
int cmd_lint(int argc, char **argv);

/* Print "rootlock: <msg>" on stderr, made safe for a terminal. */
void report_error(const char *cmd, const char *msg);
