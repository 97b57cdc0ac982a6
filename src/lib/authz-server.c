/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "authz-server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "httpd.h"
#include "report.h"

/*
 * The daemon base64-encodes the request body (4/3 of AUTHZ_MAX_BODY) and adds
 * the headers and the rest of the envelope; 1 MiB covers any sane header set.
 * Above this the request is denied unread.
 */
#define AUTHZ_MAX_REQUEST ((size_t)AUTHZ_MAX_BODY / 3 * 4 + 4 + (1 << 20))

/*
 * Per connection: the request line, the daemon's few headers and a read
 * buffer. MHD clears what a request used when the next one starts on a
 * kept-alive connection, so its default 32 KiB cost a third of the time of
 * a decision; the body is streamed to the handler in pieces either way.
 */
#define AUTHZ_CONNECTION_MEMORY (16 * 1024)

#define PLUGIN_CONTENT_TYPE "application/vnd.docker.plugins.v1+json"

/* The constant answers, made once; their text is what json_dumps() wrote for them. */
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
	[CANNED_ALLOW] = {200, "{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}"},
	[CANNED_ACTIVATE] = {200, "{\"Implements\":[\"authz\"]}"},
	[CANNED_RES_ALLOW] = {200, "{\"Allow\":true}"},
	[CANNED_NOT_POST] = {405, "{\"Err\":\"plugin calls are POST requests\"}"},
	[CANNED_NOT_FOUND] = {404, "{\"Err\":\"no such plugin call\"}"},
};

struct authz_server {
	struct httpd *httpd;
	struct httpd_canned *canned[CANNED_N];
	const struct authz_policy *policy;
	enum authz_mode mode;
	int log_fd;
	char *log_path;
	pthread_mutex_t log_lock;
	bool log_failed;
	void (*on_log_error)(const char *msg, void *userdata);
	void *userdata;
};

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One write per line on an O_APPEND descriptor: lines never interleave. */
static void log_write(struct authz_server *s, const char *line)
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
			if (!s->log_failed && s->on_log_error) {
				_cleanup_free_ char *msg =
					xasprintf("cannot write the decision log '%s': %s",
						  s->log_path ? s->log_path : "stderr",
						  n < 0 ? strerror(errno) : "short write");
				s->on_log_error(msg, s->userdata);
			}
			s->log_failed = true;
			break;
		}
		off += (size_t)n;
	}
	pthread_mutex_unlock(&s->log_lock);
}

/* After the answer is out (or the daemon hung up first: the decision was made). */
static void log_after_send(void *line, void *userdata)
{
	log_write(userdata, line);
	free(line);
}

static bool ascii_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void reply_deny(struct httpd_response *resp, const char *msg)
{
	resp->content_type = PLUGIN_CONTENT_TYPE;
	if (!ascii_text(msg)) {
		json_t *doc = json_pack("{s:b, s:s, s:s}", "Allow", 0, "Msg", msg, "Err", "");
		resp->body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
		json_decref(doc);
		if (!resp->body)
			resp->hang_up = true; /* the daemon sees a broken connection and refuses */
		else
			resp->len = strlen(resp->body);
		return;
	}
	/* ASCII (always, in practice): escaped as json_dumps() would, without a json_t. */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"Allow\":false,\"Msg\":");
	json_add_string(&sb, msg);
	strbuf_addstr(&sb, ",\"Err\":\"\"}");
	resp->len = sb.len;
	resp->body = strbuf_detach(&sb);
}

static void judge(struct authz_server *s, const struct httpd_request *req,
		  struct httpd_response *resp)
{
	if (req->body_too_big) {
		reply_deny(resp, "rootlock: the request is too large to judge; refused");
		return;
	}
	struct authz_decision d = {0};
	authz_decide(s->policy, s->mode, req->body, req->body_len, &d);
	/* Timed now, written after the answer: the daemon never waits on the disk. */
	if (d.kind != AUTHZ_OTHER) {
		resp->after = log_after_send;
		resp->after_arg = authz_decision_log_line(&d, wall_ms());
	}
	if (d.allow)
		resp->canned = s->canned[CANNED_ALLOW];
	else
		reply_deny(resp, d.msg && *d.msg ? d.msg : "rootlock: refused (no reason given)");
	authz_decision_release(&d);
}

static void answer(const struct httpd_request *req, struct httpd_response *resp, void *userdata)
{
	struct authz_server *s = userdata;
	if (!streq(req->method, "POST"))
		resp->canned = s->canned[CANNED_NOT_POST];
	else if (streq(req->url, "/Plugin.Activate"))
		resp->canned = s->canned[CANNED_ACTIVATE];
	else if (streq(req->url, "/AuthZPlugin.AuthZReq"))
		judge(s, req, resp);
	else if (streq(req->url, "/AuthZPlugin.AuthZRes"))
		resp->canned = s->canned[CANNED_RES_ALLOW];
	else
		resp->canned = s->canned[CANNED_NOT_FOUND];
}

/*
 * One thread per core, at most 4: on 2 cores a pool of 2 answers ~25k
 * judged creates/s with its load generator on the same cores (bench/authz),
 * far above any daemon's rate.
 */
static unsigned pool_size(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

int authz_server_start(const struct authz_server_options *opt, struct authz_server **ret,
		       struct rl_error *err)
{
	_cleanup_free_ char *addr = xasprintf("unix:%s", opt->socket);
	struct authz_server *s = xcalloc(1, sizeof(*s));
	s->policy = opt->policy;
	s->mode = opt->mode;
	s->log_fd = STDERR_FILENO;
	s->log_path = opt->log_path ? xstrdup(opt->log_path) : NULL;
	s->on_log_error = opt->on_log_error;
	s->userdata = opt->userdata;
	pthread_mutex_init(&s->log_lock, NULL);
	int r = 0;
	if (s->log_path) {
		s->log_fd = open(s->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (s->log_fd < 0) {
			r = rl_error_set(err, RL_EIO, "cannot open the decision log '%s': %s",
					 s->log_path, strerror(errno));
			goto fail;
		}
	}
	for (size_t i = 0; i < CANNED_N; i++) {
		s->canned[i] = httpd_canned_new(canned_text[i].status, PLUGIN_CONTENT_TYPE,
						canned_text[i].text, strlen(canned_text[i].text));
		if (!s->canned[i]) {
			r = rl_error_set(err, RL_EIO, "out of memory");
			goto fail;
		}
	}
	/*
	 * The daemon keeps a few connections open and calls for every API
	 * request; a small epoll thread pool serves that with room to spare,
	 * and idle connections are dropped after a minute.
	 */
	struct httpd_options ho = {
		.max_body = AUTHZ_MAX_REQUEST,
		.threads = pool_size(),
		.timeout_s = 60,
		.max_connections = 512,
		.connection_memory = AUTHZ_CONNECTION_MEMORY,
		.make_dirs = true,
	};
	r = httpd_start(addr, &ho, answer, s, &s->httpd, err);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	authz_server_stop(s);
	return r;
}

void authz_server_stop(struct authz_server *s)
{
	if (!s)
		return;
	httpd_stop(s->httpd); /* the last decisions are logged before it returns */
	for (size_t i = 0; i < CANNED_N; i++)
		httpd_canned_free(s->canned[i]);
	if (s->log_path && s->log_fd >= 0)
		close(s->log_fd);
	pthread_mutex_destroy(&s->log_lock);
	free(s->log_path);
	free(s);
}
