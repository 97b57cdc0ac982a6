/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"
#include "util.h"

/* What `rootlock authz install` writes: the systemd unit and its files. */

/* Absolute, and nothing a unit or spec file would need quoted. */
bool authz_plain_path(const char *p);
/* The unit that runs `EXE authz serve --socket SOCKET [--policy POLICY]`. */
char *authz_unit_text(const char *exe, const char *socket, const char *policy);
/* dir/name holds text (mode 0644), through a temporary file and a rename. */
int authz_write_file(const char *dir, const char *name, const char *text, struct rl_error *err);
