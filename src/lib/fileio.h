/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"

/* Read a whole file (or "-" for stdin) into sb, refusing more than max bytes. */
int read_file_limited(const char *path, size_t max, struct strbuf *sb, struct rl_error *err);
