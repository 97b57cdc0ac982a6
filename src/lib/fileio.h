/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"

/* Read a whole file (or "-" for stdin) into sb, refusing more than max bytes. */
int read_file_limited(const char *path, size_t max, struct strbuf *sb, struct rl_error *err);

#include <stdio.h>

/*
 * A report written whole or not at all: output_open() writes to PATH.tmp,
 * output_close() renames it over PATH once everything is out, so a failed
 * run never clobbers the last good report nor leaves half of one. A NULL
 * path (or "-") means stdout. output_open() returns NULL with errno set (*tmp_path
 * is then still the name it tried); output_close() returns 0 or -1 with
 * errno set, the temporary file removed; output_discard() removes it
 * unwritten (stdout is only flushed).
 */
FILE *output_open(const char *path, char **tmp_path);
int output_close(FILE *out, const char *path, const char *tmp_path);
void output_discard(FILE *out, const char *path, const char *tmp_path);
