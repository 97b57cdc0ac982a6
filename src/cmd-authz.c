/* SPDX-License-Identifier: MIT */
/*
 * rootlock authz: a Docker authorization plugin that refuses containers with
 * a writable root filesystem. `serve` runs the library's plugin server
 * (src/lib/authz-server.c); this file keeps options, messages and exit codes.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "authz-install.h"
#include "authz-server.h"
#include "authz.h"
#include "commands.h"
#include "error.h"
#include "report.h"
#include "term.h"

#define AUTHZ_PLUGIN_NAME "rootlock"
#define AUTHZ_DEFAULT_SOCKET "/run/docker/plugins/" AUTHZ_PLUGIN_NAME ".sock"
#define AUTHZ_DEFAULT_SPEC_DIR "/etc/docker/plugins"
#define AUTHZ_DEFAULT_UNIT_DIR "/etc/systemd/system"
#define AUTHZ_UNIT_NAME "rootlock-authz.service"

static const char authz_usage[] =
	"usage: rootlock authz serve [--socket PATH] [--policy FILE] [--mode enforce|warn]\n"
	"                            [--log FILE]\n"
	"       rootlock authz install [--socket PATH] [--spec-dir DIR] [--unit-dir DIR]\n"
	"                              [--policy FILE] [--print]\n"
	"\n"
	"A Docker authorization plugin that refuses to create containers (and Swarm\n"
	"services) whose root filesystem would be writable. Requests it cannot read\n"
	"with certainty are refused too.\n"
	"\n"
	"serve: answer the daemon on a unix socket until SIGINT or SIGTERM.\n"
	"      --socket PATH        where to listen (default " AUTHZ_DEFAULT_SOCKET ")\n"
	"      --policy FILE        exemptions and stricter rules, JSON (see rootlock-authz(1));\n"
	"                           default: deny every writable root filesystem\n"
	"      --mode MODE          enforce (default), or warn: allow but log what\n"
	"                           enforce would deny\n"
	"      --log FILE           append one JSON line per judged request (default stderr)\n"
	"\n"
	"install: register the plugin with the daemon.\n"
	"      --socket PATH        the socket serve listens on (default " AUTHZ_DEFAULT_SOCKET
	")\n"
	"      --spec-dir DIR       where the plugin spec goes (default " AUTHZ_DEFAULT_SPEC_DIR
	")\n"
	"      --unit-dir DIR       where the systemd unit goes (default " AUTHZ_DEFAULT_UNIT_DIR
	")\n"
	"      --policy FILE        pass this policy to serve in the unit\n"
	"      --print              print the spec and the unit; write nothing\n"
	"\n"
	"Exit codes: 0 done (serve: stopped by a signal), 2 usage error or invalid policy,\n"
	"3 I/O error (unreadable policy, socket in use, cannot write). See rootlock-authz(1).\n";

enum { OPT_SOCKET = 256, OPT_POLICY, OPT_MODE, OPT_LOG, OPT_SPEC_DIR, OPT_UNIT_DIR, OPT_PRINT };

static const struct option authz_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"mode", required_argument, NULL, OPT_MODE},
	{"log", required_argument, NULL, OPT_LOG},
	{"spec-dir", required_argument, NULL, OPT_SPEC_DIR},
	{"unit-dir", required_argument, NULL, OPT_UNIT_DIR},
	{"print", no_argument, NULL, OPT_PRINT},
	{0},
};

struct authz_args {
	const char *socket;
	const char *policy;
	const char *log;
	const char *spec_dir;
	const char *unit_dir;
	enum authz_mode mode;
	bool print;
};

/* ---- serve ---- */

static void on_log_error(const char *msg, void *userdata)
{
	report_error("authz", msg);
}

static int authz_serve(const struct authz_args *a)
{
	struct authz_policy policy = {0};
	struct rl_error err = {0};
	if (a->policy) {
		if (authz_policy_load(a->policy, &policy, &err) < 0) {
			_cleanup_free_ char *msg = xasprintf("policy '%s': %s", a->policy, err.msg);
			report_error("authz", msg);
			return err.code == RL_EPARSE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
		}
	} else {
		authz_policy_default(&policy);
	}
	/*
	 * The signals are blocked before any thread starts, so only sigwait()
	 * below sees them.
	 */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct authz_server_options so = {
		.socket = a->socket,
		.policy = &policy,
		.mode = a->mode,
		.log_path = a->log,
		.on_log_error = on_log_error,
	};
	struct authz_server *server = NULL;
	if (authz_server_start(&so, &server, &err) < 0) {
		report_error("authz", err.msg);
		authz_policy_release(&policy);
		return err.code == RL_EUSAGE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
	}
	{
		_cleanup_free_ char *safe = term_sanitize(a->socket);
		fprintf(stderr, "rootlock authz: listening on %s (%s, policy %s)\n", safe,
			a->mode == AUTHZ_WARN ? "warn" : "enforce",
			policy.source ? policy.source : "built-in");
	}
	int sig;
	while (sigwait(&stop, &sig) != 0)
		;
	authz_server_stop(server);
	authz_policy_release(&policy);
	return RL_EXIT_CLEAN;
}

/* ---- install ---- */

static int authz_install(const struct authz_args *a)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		report_error("authz", "cannot find the path of the rootlock binary");
		return RL_EXIT_ERROR;
	}
	exe[n] = '\0';
	if (!authz_plain_path(exe)) {
		_cleanup_free_ char *msg = xasprintf(
			"the rootlock binary '%s' has a path a unit file cannot hold unquoted",
			exe);
		report_error("authz", msg);
		return RL_EXIT_ERROR;
	}
	_cleanup_free_ char *spec = xasprintf("unix://%s\n", a->socket);
	_cleanup_free_ char *unit = authz_unit_text(exe, a->socket, a->policy);
	const char *entry = "\"authorization-plugins\": [\"" AUTHZ_PLUGIN_NAME "\"]";
	if (a->print) {
		printf("# %s/" AUTHZ_PLUGIN_NAME ".spec\n%s\n# %s/" AUTHZ_UNIT_NAME "\n%s\n"
		       "# add to /etc/docker/daemon.json:\n%s\n",
		       a->spec_dir, spec, a->unit_dir, unit, entry);
		return fflush(stdout) == 0 ? RL_EXIT_CLEAN : RL_EXIT_ERROR;
	}
	struct rl_error err = {0};
	if (authz_write_file(a->spec_dir, AUTHZ_PLUGIN_NAME ".spec", spec, &err) < 0 ||
	    authz_write_file(a->unit_dir, AUTHZ_UNIT_NAME, unit, &err) < 0) {
		report_error("authz", err.msg);
		return RL_EXIT_ERROR;
	}
	printf("wrote %s/" AUTHZ_PLUGIN_NAME ".spec\n"
	       "wrote %s/" AUTHZ_UNIT_NAME "\n"
	       "add to /etc/docker/daemon.json:\n  %s\n"
	       "then: systemctl daemon-reload && systemctl enable --now " AUTHZ_UNIT_NAME
	       " && systemctl restart docker\n",
	       a->spec_dir, a->unit_dir, entry);
	return fflush(stdout) == 0 ? RL_EXIT_CLEAN : RL_EXIT_ERROR;
}

int cmd_authz(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("authz", "name an action: serve or install");
	const char *action = argv[1];
	if (streq(action, "--help") || streq(action, "-h") || streq(action, "help")) {
		fputs(authz_usage, stdout);
		return RL_EXIT_CLEAN;
	}
	bool serve = streq(action, "serve");
	if (!serve && !streq(action, "install"))
		return usage_error("authz", "unknown action '%s': use serve or install", action);
	struct authz_args a = {
		.socket = AUTHZ_DEFAULT_SOCKET,
		.spec_dir = AUTHZ_DEFAULT_SPEC_DIR,
		.unit_dir = AUTHZ_DEFAULT_UNIT_DIR,
		.mode = AUTHZ_ENFORCE,
	};
	argc--;
	argv++;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", authz_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(authz_usage, stdout);
			return RL_EXIT_CLEAN;
		case OPT_SOCKET:
			a.socket = optarg;
			break;
		case OPT_POLICY:
			a.policy = optarg;
			break;
		case OPT_MODE:
			if (streq(optarg, "enforce"))
				a.mode = AUTHZ_ENFORCE;
			else if (streq(optarg, "warn"))
				a.mode = AUTHZ_WARN;
			else
				return usage_error("authz", "--mode '%s' is not enforce or warn",
						   optarg);
			if (!serve)
				return usage_error("authz", "--mode is an option of serve");
			break;
		case OPT_LOG:
			if (!serve)
				return usage_error("authz", "--log is an option of serve");
			a.log = optarg;
			break;
		case OPT_SPEC_DIR:
		case OPT_UNIT_DIR:
		case OPT_PRINT:
			if (serve)
				return usage_error("authz", "option '%s' is an option of install",
						   argv[optind - 1]);
			if (c == OPT_SPEC_DIR)
				a.spec_dir = optarg;
			else if (c == OPT_UNIT_DIR)
				a.unit_dir = optarg;
			else
				a.print = true;
			break;
		case ':':
			return usage_error("authz", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("authz", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("authz", "unexpected argument '%s'", argv[optind]);
	if (str_empty(a.socket))
		return usage_error("authz", "--socket needs a path");
	if (serve)
		return authz_serve(&a);
	if (!authz_plain_path(a.socket) || !authz_plain_path(a.spec_dir) ||
	    !authz_plain_path(a.unit_dir) || (a.policy && !authz_plain_path(a.policy)))
		return usage_error("authz", "install needs absolute paths without spaces, quotes, "
					    "'%%', '$', ';' or backslashes");
	return authz_install(&a);
}
