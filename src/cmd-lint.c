/* SPDX-License-Identifier: MIT */
#include "commands.h"
#include "error.h"

int cmd_lint(int argc, char **argv)
{
	report_error("lint", "not built yet");
	return RL_EXIT_USAGE;
}
