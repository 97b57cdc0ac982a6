/* SPDX-License-Identifier: MIT */
/*
 * rootlock authz: a Docker authorization plugin that refuses containers with
 * a writable root filesystem. `serve` speaks Docker's plugin protocol (HTTP
 * over a unix socket) with libmicrohttpd; every decision comes from
 * authz_decide(). Whatever goes wrong here answers Allow:false: the daemon
 * then refuses the request, which is the safe way to fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

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

/*
 * The daemon base64-encodes the request body (4/3 of AUTHZ_MAX_BODY) and adds
 * the headers and the rest of the envelope; 1 MiB covers any sane header set.
 * Above this the request is denied unread.
 */
#define AUTHZ_MAX_REQUEST ((size_t)AUTHZ_MAX_BODY / 3 * 4 + 4 + (1 << 20))

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

/*
 * The constant answers, made once and queued as often as needed (MHD counts
 * the references); their text is what json_dumps() wrote for them.
 */
enum canned {
	CANNED_ALLOW,
	CANNED_ACTIVATE,
	CANNED_RES_ALLOW,
	CANNED_NOT_POST,
	CANNED_NOT_FOUND,
	CANNED_N
};

static const struct {
	unsigned status;
	const char *text;
} canned_text[CANNED_N] = {
	[CANNED_ALLOW] = {MHD_HTTP_OK, "{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}"},
	[CANNED_ACTIVATE] = {MHD_HTTP_OK, "{\"Implements\":[\"authz\"]}"},
	[CANNED_RES_ALLOW] = {MHD_HTTP_OK, "{\"Allow\":true}"},
	[CANNED_NOT_POST] = {MHD_HTTP_METHOD_NOT_ALLOWED,
			     "{\"Err\":\"plugin calls are POST requests\"}"},
	[CANNED_NOT_FOUND] = {MHD_HTTP_NOT_FOUND, "{\"Err\":\"no such plugin call\"}"},
};

struct server {
	struct MHD_Response *canned[CANNED_N];
	struct authz_policy policy;
	enum authz_mode mode;
	int log_fd;
	const char *log_path;
	pthread_mutex_t log_lock;
	bool log_failed;
};

/* One request's body, kept only up to AUTHZ_MAX_REQUEST. */
struct request {
	struct strbuf body;
	bool too_big;
	char *log_line; /* the decision, logged once the answer is out (request_done()) */
};

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One write per line on an O_APPEND descriptor: lines never interleave. */
static void log_write(struct server *s, const char *line)
{
	size_t len = strlen(line);
	_cleanup_free_ char *buf = xmalloc(len + 1);
	memcpy(buf, line, len);
	buf[len] = '\n';
	pthread_mutex_lock(&s->log_lock);
	size_t off = 0;
	while (off < len + 1) {
		ssize_t n = write(s->log_fd, buf + off, len + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!s->log_failed) {
				_cleanup_free_ char *msg =
					xasprintf("cannot write the decision log '%s': %s",
						  s->log_path ? s->log_path : "stderr",
						  n < 0 ? strerror(errno) : "short write");
				report_error("authz", msg);
			}
			s->log_failed = true;
			break;
		}
		off += (size_t)n;
	}
	pthread_mutex_unlock(&s->log_lock);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return MHD_NO; /* the daemon sees a broken connection and refuses */
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	enum MHD_Result r = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
						    "application/vnd.docker.plugins.v1+json");
	if (r == MHD_YES)
		r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result reply_canned(struct server *s, struct MHD_Connection *conn, enum canned c)
{
	return MHD_queue_response(conn, canned_text[c].status, s->canned[c]);
}

static struct MHD_Response *make_response(size_t len, void *text, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, mode);
	if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					    "application/vnd.docker.plugins.v1+json") != MHD_YES) {
		MHD_destroy_response(resp);
		resp = NULL;
	}
	return resp;
}

static bool ascii_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static enum MHD_Result reply_deny(struct MHD_Connection *conn, const char *msg)
{
	if (!ascii_text(msg))
		return reply(conn, MHD_HTTP_OK,
			     json_pack("{s:b, s:s, s:s}", "Allow", 0, "Msg", msg, "Err", ""));
	/* ASCII (always, in practice): escaped as json_dumps() would, without a json_t. */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"Allow\":false,\"Msg\":");
	json_add_string(&sb, msg);
	strbuf_addstr(&sb, ",\"Err\":\"\"}");
	size_t len = sb.len;
	char *text = strbuf_detach(&sb);
	struct MHD_Response *resp = make_response(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	enum MHD_Result r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result judge(struct server *s, struct MHD_Connection *conn, struct request *req)
{
	if (req->too_big)
		return reply_deny(conn, "rootlock: the request is too large to judge; refused");
	struct authz_decision d = {0};
	authz_decide(&s->policy, s->mode, strbuf_str(&req->body), req->body.len, &d);
	/* Timed now, written after the answer: the daemon never waits on the disk. */
	if (d.kind != AUTHZ_OTHER)
		req->log_line = authz_decision_log_line(&d, wall_ms());
	enum MHD_Result r;
	if (d.allow)
		r = reply_canned(s, conn, CANNED_ALLOW);
	else
		r = reply_deny(conn,
			       d.msg && *d.msg ? d.msg : "rootlock: refused (no reason given)");
	authz_decision_release(&d);
	return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct request *req = *con_cls;
	if (!req) {
		req = xcalloc(1, sizeof(*req));
		*con_cls = req;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			errno = 0;
			char *end;
			unsigned long long n = strtoull(cl, &end, 10);
			if (errno || end == cl || n > AUTHZ_MAX_REQUEST)
				req->too_big = true;
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* Past the cap the rest is read and dropped, never kept. */
		if (!req->too_big && req->body.len + *upload_data_size > AUTHZ_MAX_REQUEST) {
			req->too_big = true;
			strbuf_release(&req->body);
		}
		if (!req->too_big)
			strbuf_add(&req->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!streq(method, MHD_HTTP_METHOD_POST))
		return reply_canned(s, conn, CANNED_NOT_POST);
	if (streq(url, "/Plugin.Activate"))
		return reply_canned(s, conn, CANNED_ACTIVATE);
	if (streq(url, "/AuthZPlugin.AuthZReq"))
		return judge(s, conn, req);
	if (streq(url, "/AuthZPlugin.AuthZRes"))
		return reply_canned(s, conn, CANNED_RES_ALLOW);
	return reply_canned(s, conn, CANNED_NOT_FOUND);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct request *req = *con_cls;
	if (!req)
		return;
	/* Also when the daemon hung up first: the decision was made. */
	if (req->log_line)
		log_write(s, req->log_line);
	free(req->log_line);
	strbuf_release(&req->body);
	free(req);
	*con_cls = NULL;
}

/*
 * A unix socket at path, mode 0660. A socket file nobody answers on is left
 * over from a crash and replaced; a live one, or any other file, is not.
 */
static int listen_unix(const char *path, struct stat *ret_st, struct rl_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return rl_error_set(err, RL_EUSAGE, "socket path '%s' is longer than %zu bytes",
				    path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);

	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1;; p++) {
			if (*p == '/' || *p == '\0') {
				char c = *p;
				*p = '\0';
				if (mkdir(dir, 0755) < 0 && errno != EEXIST)
					return rl_error_set(err, RL_EIO, "cannot create '%s': %s",
							    dir, strerror(errno));
				*p = c;
				if (!c)
					break;
			}
		}
	}

	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rl_error_set(err, RL_EIO, "socket: %s", strerror(errno));
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return rl_error_set(err, RL_EIO, "'%s' exists and is not a socket", path);
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return rl_error_set(err, RL_EIO,
					    "'%s' is in use: another plugin answers there", path);
		if (unlink(path) < 0)
			return rl_error_set(err, RL_EIO, "cannot remove the stale socket '%s': %s",
					    path, strerror(errno));
	}
	mode_t old = umask(0117);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return rl_error_set(err, RL_EIO, "cannot listen on '%s': %s", path,
				    strerror(errno));
	if (chmod(path, 0660) < 0 || listen(fd, 128) < 0 || lstat(path, ret_st) < 0) {
		int saved = errno;
		unlink(path);
		return rl_error_set(err, RL_EIO, "cannot listen on '%s': %s", path,
				    strerror(saved));
	}
	int ret = fd;
	fd = -1;
	return ret;
}

/* Remove the socket only if it is still the one this process made. */
static void unlink_own_socket(const char *path, const struct stat *made)
{
	struct stat st;
	if (lstat(path, &st) == 0 && st.st_dev == made->st_dev && st.st_ino == made->st_ino)
		unlink(path);
}

/*
 * One thread per core, at most 4: on 2 cores a pool of 2 answers ~25k
 * judged creates/s with its load generator on the same cores (bench/authz),
 * far above any daemon's rate.
 */
/*
 * Per connection: the request line, the daemon's few headers and a read
 * buffer. MHD clears what a request used when the next one starts on a
 * kept-alive connection, so its default 32 KiB cost a third of the time of
 * a decision; the body is streamed to handle() in pieces either way.
 */
#define AUTHZ_CONNECTION_MEMORY (16 * 1024)

static unsigned pool_size(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

static int authz_serve(const struct authz_args *a)
{
	struct server s = {.mode = a->mode, .log_fd = STDERR_FILENO, .log_path = a->log};
	struct rl_error err = {0};
	if (a->policy) {
		if (authz_policy_load(a->policy, &s.policy, &err) < 0) {
			_cleanup_free_ char *msg = xasprintf("policy '%s': %s", a->policy, err.msg);
			report_error("authz", msg);
			return err.code == RL_EPARSE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
		}
	} else {
		authz_policy_default(&s.policy);
	}
	int rc = RL_EXIT_ERROR;
	int listen_fd = -1;
	struct stat made = {0};
	struct MHD_Daemon *mhd = NULL;
	pthread_mutex_init(&s.log_lock, NULL);
	if (a->log) {
		s.log_fd = open(a->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (s.log_fd < 0) {
			_cleanup_free_ char *msg = xasprintf(
				"cannot open the decision log '%s': %s", a->log, strerror(errno));
			report_error("authz", msg);
			goto out;
		}
	}

	for (size_t i = 0; i < CANNED_N; i++) {
		s.canned[i] = make_response(strlen(canned_text[i].text),
					    (void *)canned_text[i].text, MHD_RESPMEM_PERSISTENT);
		if (!s.canned[i]) {
			report_error("authz", "out of memory");
			goto out;
		}
	}

	/*
	 * The signals are blocked before any thread starts, so only sigwait()
	 * below sees them; a broken connection must not kill the process.
	 */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	listen_fd = listen_unix(a->socket, &made, &err);
	if (listen_fd < 0) {
		report_error("authz", err.msg);
		rc = err.code == RL_EUSAGE ? RL_EXIT_USAGE : RL_EXIT_ERROR;
		goto out;
	}
	/*
	 * The daemon keeps a few connections open and calls for every API
	 * request; a small epoll thread pool serves that with room to spare,
	 * and idle connections are dropped after a minute.
	 */
	mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, handle, &s,
		MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_THREAD_POOL_SIZE, pool_size(),
		MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT, 512u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)AUTHZ_CONNECTION_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, request_done, &s, MHD_OPTION_END);
	if (!mhd) {
		_cleanup_free_ char *msg =
			xasprintf("cannot start the HTTP server on '%s'", a->socket);
		report_error("authz", msg);
		close(listen_fd);
		unlink_own_socket(a->socket, &made);
		goto out;
	}
	{
		_cleanup_free_ char *safe = term_sanitize(a->socket);
		fprintf(stderr, "rootlock authz: listening on %s (%s, policy %s)\n", safe,
			a->mode == AUTHZ_WARN ? "warn" : "enforce",
			s.policy.source ? s.policy.source : "built-in");
	}
	int sig;
	while (sigwait(&stop, &sig) != 0)
		;
	MHD_stop_daemon(mhd); /* closes listen_fd */
	unlink_own_socket(a->socket, &made);
	rc = RL_EXIT_CLEAN;
out:
	for (size_t i = 0; i < CANNED_N; i++)
		if (s.canned[i])
			MHD_destroy_response(s.canned[i]);
	if (a->log && s.log_fd >= 0)
		close(s.log_fd);
	pthread_mutex_destroy(&s.log_lock);
	authz_policy_release(&s.policy);
	return rc;
}

/* ---- install ---- */

/* Paths go into a unit file and a spec file unquoted: keep them plain. */
static bool plain_path(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '"' || *c == '\'' || *c == '\\' ||
		    *c == '%' || *c == '$' || *c == ';' || *c == 0x7f)
			return false;
	return true;
}

static char *unit_text(const char *exe, const struct authz_args *a)
{
	_cleanup_free_ char *dir = xstrdup(a->socket);
	*strrchr(dir, '/') = '\0';
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb,
		      "# Installed by `rootlock authz install`.\n"
		      "[Unit]\n"
		      "Description=rootlock: refuse containers with a writable root filesystem\n"
		      "Documentation=man:rootlock-authz(1)\n"
		      "Before=docker.service\n"
		      "\n"
		      "[Service]\n"
		      "Type=simple\n");
	strbuf_addf(&sb, "ExecStart=%s authz serve --socket %s", exe, a->socket);
	if (a->policy)
		strbuf_addf(&sb, " --policy %s", a->policy);
	strbuf_addstr(&sb, "\nRestart=always\nRestartSec=1\n");
	/* The socket directory is the only place it writes. */
	if (str_startswith(dir, "/run/") && dir[5])
		strbuf_addf(&sb,
			    "RuntimeDirectory=%s\n"
			    "RuntimeDirectoryPreserve=yes\n"
			    "RuntimeDirectoryMode=0700\n",
			    dir + 5);
	else
		strbuf_addf(&sb, "ReadWritePaths=%s\n", dir);
	strbuf_addstr(&sb, "ProtectSystem=strict\n"
			   "ProtectHome=yes\n"
			   "PrivateTmp=yes\n"
			   "PrivateDevices=yes\n"
			   "PrivateNetwork=yes\n"
			   "NoNewPrivileges=yes\n"
			   "CapabilityBoundingSet=\n"
			   "ProtectKernelTunables=yes\n"
			   "ProtectKernelModules=yes\n"
			   "ProtectKernelLogs=yes\n"
			   "ProtectControlGroups=yes\n"
			   "ProtectClock=yes\n"
			   "ProtectHostname=yes\n"
			   "RestrictAddressFamilies=AF_UNIX\n"
			   "RestrictNamespaces=yes\n"
			   "RestrictRealtime=yes\n"
			   "RestrictSUIDSGID=yes\n"
			   "LockPersonality=yes\n"
			   "MemoryDenyWriteExecute=yes\n"
			   "SystemCallArchitectures=native\n"
			   "SystemCallFilter=@system-service\n"
			   "UMask=0077\n"
			   "\n"
			   "[Install]\n"
			   "WantedBy=docker.service\n");
	return strbuf_detach(&sb);
}

/* Write text to dir/name through a temporary file and a rename. */
static int write_file(const char *dir, const char *name, const char *text, struct rl_error *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return rl_error_set(err, RL_EIO, "cannot create '%s': %s", dir, strerror(errno));
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *tmp = xasprintf("%s/.%s.tmp", dir, name);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return rl_error_set(err, RL_EIO, "cannot write '%s': %s", tmp, strerror(errno));
	bool ok = fputs(text, f) >= 0 && fchmod(fileno(f), 0644) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return rl_error_set(err, RL_EIO, "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

static int authz_install(const struct authz_args *a)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		report_error("authz", "cannot find the path of the rootlock binary");
		return RL_EXIT_ERROR;
	}
	exe[n] = '\0';
	if (!plain_path(exe)) {
		_cleanup_free_ char *msg = xasprintf(
			"the rootlock binary '%s' has a path a unit file cannot hold unquoted",
			exe);
		report_error("authz", msg);
		return RL_EXIT_ERROR;
	}
	_cleanup_free_ char *spec = xasprintf("unix://%s\n", a->socket);
	_cleanup_free_ char *unit = unit_text(exe, a);
	const char *entry = "\"authorization-plugins\": [\"" AUTHZ_PLUGIN_NAME "\"]";
	if (a->print) {
		printf("# %s/" AUTHZ_PLUGIN_NAME ".spec\n%s\n# %s/" AUTHZ_UNIT_NAME "\n%s\n"
		       "# add to /etc/docker/daemon.json:\n%s\n",
		       a->spec_dir, spec, a->unit_dir, unit, entry);
		return fflush(stdout) == 0 ? RL_EXIT_CLEAN : RL_EXIT_ERROR;
	}
	struct rl_error err = {0};
	if (write_file(a->spec_dir, AUTHZ_PLUGIN_NAME ".spec", spec, &err) < 0 ||
	    write_file(a->unit_dir, AUTHZ_UNIT_NAME, unit, &err) < 0) {
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
	if (!plain_path(a.socket) || !plain_path(a.spec_dir) || !plain_path(a.unit_dir) ||
	    (a.policy && !plain_path(a.policy)))
		return usage_error("authz", "install needs absolute paths without spaces, quotes, "
					    "'%%', '$', ';' or backslashes");
	return authz_install(&a);
}
