/* SPDX-License-Identifier: MIT */
/* What every command does the same way: usage errors and the report file. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"

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

FILE *output_open(const char *path, char **tmp_path)
{
	if (!path)
		return stdout;
	*tmp_path = xasprintf("%s.tmp", path);
	return fopen(*tmp_path, "w");
}

int output_close(FILE *out, const char *path, const char *tmp_path)
{
	if (!path)
		return fflush(out) == 0 && !ferror(out) ? 0 : -1;
	bool ok = !ferror(out);
	ok = fclose(out) == 0 && ok;
	if (ok && rename(tmp_path, path) == 0)
		return 0;
	unlink(tmp_path);
	return -1;
}
