/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * Library functions never print. They return 0 on success or a negative
 * RL_E* code and fill a struct rl_error; callers may add context on the way
 * up with rl_error_prefix(). Only commands turn an error into a message and
 * an exit code.
 */
enum rl_errcode {
	RL_OK = 0,
	RL_EUSAGE = -1,	   /* the user asked for something invalid */
	RL_EENGINE = -2,   /* engine unreachable, refused, or answered nonsense */
	RL_EIO = -3,	   /* a file could not be read or written */
	RL_ENOTFOUND = -4, /* the engine says the object does not exist */
	RL_EPARSE = -5,	   /* input that is not what it claims to be */
	RL_ENOANSWER = -6, /* a request got no whole answer (timeout, connection lost): the
			      engine may still carry it out */
};

struct rl_error {
	int code;
	char msg[1024];
};

_printf_(3, 4) int rl_error_set(struct rl_error *err, int code, const char *fmt, ...);
_printf_(2, 3) void rl_error_prefix(struct rl_error *err, const char *fmt, ...);
void rl_error_clear(struct rl_error *err);

/* The documented process exit code for an error. */
int rl_error_exit_code(const struct rl_error *err);

enum rl_exit {
	RL_EXIT_CLEAN = 0,
	RL_EXIT_FINDINGS = 1,
	RL_EXIT_USAGE = 2,
	RL_EXIT_ERROR = 3,
};
