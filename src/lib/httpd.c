/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <microhttpd.h>

struct httpd {
	struct MHD_Daemon *mhd;
	httpd_handler_fn handler;
	void *userdata;
	struct httpd_options opt;
	char *address;
	char *unix_path; /* the socket made, removed at stop if still ours */
	struct stat made;
};

struct httpd_canned {
	struct MHD_Response *resp; /* MHD counts who holds it */
	unsigned status;
};

/* One request's body, kept only up to max_body; and what to do once answered. */
struct request {
	struct strbuf body;
	bool too_big;
	httpd_after_fn after;
	void *after_arg;
};

/* Declared larger than max_body (or unreadable): refused unread. */
static bool declared_too_big(struct MHD_Connection *conn, size_t max_body)
{
	const char *cl =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!cl)
		return false;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(cl, &end, 10);
	return errno || end == cl || n > max_body;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct request *req = *con_cls;
	if (!req) {
		req = xcalloc(1, sizeof(*req));
		req->too_big = declared_too_big(conn, h->opt.max_body);
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* Past the cap the rest is read and dropped, never kept. */
		if (!req->too_big && req->body.len + *upload_data_size > h->opt.max_body) {
			req->too_big = true;
			strbuf_release(&req->body);
		}
		if (!req->too_big)
			strbuf_add(&req->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct httpd_request hr = {
		.method = method,
		.url = url,
		.body = strbuf_str(&req->body),
		.body_len = req->body.len,
		.body_too_big = req->too_big,
	};
	struct httpd_response resp = {.status = MHD_HTTP_OK};
	h->handler(&hr, &resp, h->userdata);
	req->after = resp.after;
	req->after_arg = resp.after_arg;
	if (resp.hang_up || resp.canned) {
		free(resp.body);
		/* MHD_NO: the client sees a broken connection. */
		return resp.hang_up
			       ? MHD_NO
			       : MHD_queue_response(conn, resp.canned->status, resp.canned->resp);
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(
		resp.body ? resp.len : 0, resp.body ? resp.body : (void *)"",
		resp.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(resp.body);
		return MHD_NO;
	}
	enum MHD_Result ok = MHD_add_response_header(
		r, MHD_HTTP_HEADER_CONTENT_TYPE,
		resp.content_type ? resp.content_type : "text/plain; charset=utf-8");
	if (ok == MHD_YES)
		ok = MHD_queue_response(conn, resp.status, r);
	MHD_destroy_response(r);
	return ok;
}

static void request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct request *req = *con_cls;
	if (!req)
		return;
	if (req->after)
		req->after(req->after_arg, h->userdata);
	strbuf_release(&req->body);
	free(req);
	*con_cls = NULL;
}

static int listen_unix(const char *path, bool make_dirs, struct stat *ret_st, struct rl_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!*path)
		return rl_error_set(err, RL_EUSAGE, "unix: needs a socket path");
	if (strlen(path) >= sizeof(sa.sun_path))
		return rl_error_set(err, RL_EUSAGE, "socket path '%s' is longer than %zu bytes",
				    path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (make_dirs) {
		_cleanup_free_ char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			for (char *p = dir + 1;; p++) {
				if (*p != '/' && *p != '\0')
					continue;
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
			return rl_error_set(err, RL_EIO, "'%s' is in use: a server answers there",
					    path);
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
	if (listen(fd, 128) < 0 || lstat(path, ret_st) < 0) {
		int saved = errno;
		unlink(path);
		return rl_error_set(err, RL_EIO, "cannot listen on '%s': %s", path,
				    strerror(saved));
	}
	int ret = fd;
	fd = -1;
	return ret;
}

/* HOST:PORT, [V6]:PORT or :PORT; *address gets what was bound. */
static int listen_tcp(const char *addr, char **address, struct rl_error *err)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || !colon[1])
		return rl_error_set(err, RL_EUSAGE,
				    "'%s' is not HOST:PORT, [ADDRESS]:PORT, :PORT or unix:PATH",
				    addr);
	_cleanup_free_ char *host = xstrndup(addr, (size_t)(colon - addr));
	const char *port = colon + 1;
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return rl_error_set(err, RL_EUSAGE, "'%s': the port must be a number",
					    addr);
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int g = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (g != 0)
		return rl_error_set(err, RL_EUSAGE, "cannot listen on '%s': %s", addr,
				    gai_strerror(g));
	int fd = -1, saved = 0;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return rl_error_set(err, RL_EIO, "cannot listen on '%s': %s", addr,
				    strerror(saved));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[INET6_ADDRSTRLEN] = "?";
	int bound = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
			bound = ntohs(s6->sin6_port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
			bound = ntohs(s4->sin_port);
		}
	}
	*address = ss.ss_family == AF_INET6 ? xasprintf("[%s]:%d", text, bound)
					    : xasprintf("%s:%d", text, bound);
	return fd;
}

int httpd_start(const char *addr, const struct httpd_options *opt, httpd_handler_fn handler,
		void *userdata, struct httpd **ret, struct rl_error *err)
{
	struct httpd *h = xcalloc(1, sizeof(*h));
	h->handler = handler;
	h->userdata = userdata;
	if (opt)
		h->opt = *opt;
	if (!h->opt.max_body)
		h->opt.max_body = 64 << 10;
	if (!h->opt.threads)
		h->opt.threads = 1;
	if (!h->opt.timeout_s)
		h->opt.timeout_s = 60;
	if (!h->opt.max_connections)
		h->opt.max_connections = 64;
	int fd;
	if (str_startswith(addr, "unix:")) {
		fd = listen_unix(addr + 5, h->opt.make_dirs, &h->made, err);
		if (fd >= 0) {
			h->unix_path = xstrdup(addr + 5);
			h->address = xstrdup(addr);
		}
	} else {
		fd = listen_tcp(addr, &h->address, err);
	}
	if (fd < 0) {
		httpd_stop(h);
		return fd;
	}
	/* A client that hangs up must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	struct MHD_OptionItem items[8];
	size_t n = 0;
	items[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
	items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, h->opt.timeout_s, NULL};
	items[n++] =
		(struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, h->opt.max_connections, NULL};
	items[n++] =
		(struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_done, h};
	if (h->opt.threads > 1)
		items[n++] =
			(struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, h->opt.threads, NULL};
	if (h->opt.connection_memory)
		items[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
						     (intptr_t)h->opt.connection_memory, NULL};
	items[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	h->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
				  handle, h, MHD_OPTION_ARRAY, items, MHD_OPTION_END);
	if (!h->mhd) {
		close(fd);
		rl_error_set(err, RL_EIO, "cannot start the HTTP server on '%s'", addr);
		httpd_stop(h);
		return RL_EIO;
	}
	*ret = h;
	return 0;
}

const char *httpd_address(const struct httpd *h)
{
	return h->address;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	if (h->mhd)
		MHD_stop_daemon(h->mhd); /* closes the listening socket */
	struct stat st;
	if (h->unix_path && lstat(h->unix_path, &st) == 0 && st.st_dev == h->made.st_dev &&
	    st.st_ino == h->made.st_ino)
		unlink(h->unix_path);
	free(h->unix_path);
	free(h->address);
	free(h);
}

struct httpd_canned *httpd_canned_new(unsigned status, const char *content_type, const char *body,
				      size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return NULL;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				    content_type ? content_type : "text/plain; charset=utf-8") !=
	    MHD_YES) {
		MHD_destroy_response(r);
		return NULL;
	}
	struct httpd_canned *c = xmalloc(sizeof(*c));
	c->resp = r;
	c->status = status;
	return c;
}

void httpd_canned_free(struct httpd_canned *c)
{
	if (!c)
		return;
	MHD_destroy_response(c->resp);
	free(c);
}
