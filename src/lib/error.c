/* SPDX-License-Identifier: MIT */
#include "error.h"

#include <stdio.h>
#include <string.h>

int rl_error_set(struct rl_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	return code;
}

void rl_error_prefix(struct rl_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	char prefix[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* Truncation is acceptable: a long message loses its tail, not its head. */
	char joined[sizeof(prefix) + sizeof(err->msg) + 2];
	snprintf(joined, sizeof(joined), "%s: %s", prefix, err->msg);
	snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, joined);
}

void rl_error_clear(struct rl_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

int rl_error_exit_code(const struct rl_error *err)
{
	switch (err->code) {
	case RL_OK:
		return RL_EXIT_CLEAN;
	case RL_EUSAGE:
		return RL_EXIT_USAGE;
	default:
		return RL_EXIT_ERROR;
	}
}
