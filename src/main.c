/* SPDX-License-Identifier: MIT */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "term.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"audit", cmd_audit,
	 "check every container on a Docker engine for a read-only root filesystem"},
	{"authz", cmd_authz, "a Docker authorization plugin that refuses writable containers"},
	{"fix", cmd_fix,
	 "write a plan into the Compose, Quadlet or Kubernetes file that defines it"},
	{"lint", cmd_lint,
	 "check Compose, Kubernetes, Quadlet and Swarm files before anything runs"},
	{"plan", cmd_plan,
	 "work out the tmpfs mounts and volumes a container needs to run read-only"},
	{"try", cmd_try, "prove a plan in a read-only clone, amending it from the clone's logs"},
	{"watch", cmd_watch, "judge every container the moment it appears; Prometheus metrics"},
};

void report_error(const char *cmd, const char *msg)
{
	_cleanup_free_ char *safe = term_sanitize(msg);
	fprintf(stderr, "rootlock%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", safe);
}

static void usage(FILE *out)
{
	fputs("usage: rootlock COMMAND [OPTIONS]\n"
	      "       rootlock --version\n\n"
	      "Make container root filesystems read-only and keep them that way.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'rootlock COMMAND --help' for a command's options; man rootlock(1).\n"
	      "Exit codes: 0 nothing failed, 1 findings, 2 usage error, 3 engine or I/O error.\n",
	      out);
}

int main(int argc, char **argv)
{
	/*
	 * Big buffers (a large file, its parsed tree) come and go: a fixed mmap
	 * threshold hands them back to the system instead of growing the heap.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/* Reports can be large: write them in big blocks when not on a terminal. */
	static char out_buffer[1 << 16];
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	if (argc < 2) {
		usage(stderr);
		return RL_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (streq(name, "--help") || streq(name, "-h") || streq(name, "help")) {
		usage(stdout);
		return RL_EXIT_CLEAN;
	}
	if (streq(name, "--version") || streq(name, "version")) {
		printf("rootlock %s\n", ROOTLOCK_VERSION);
		return RL_EXIT_CLEAN;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(commands[i].name, name))
			return commands[i].fn(argc - 1, argv + 1);
	_cleanup_free_ char *msg =
		xasprintf("unknown command '%s'; run 'rootlock --help' for the list", name);
	report_error(NULL, msg);
	return RL_EXIT_USAGE;
}
