/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"
#include "util.h"

/*
 * A small HTTP server (libmicrohttpd) for the commands that answer
 * requests: watch's metrics and authz's plugin protocol. The handler runs on
 * the server's threads and must be thread-safe.
 */

struct httpd;

/*
 * An answer made once and sent as often as needed, by any number of
 * servers: its body is borrowed, never copied or freed, and must outlive it.
 */
struct httpd_canned;

struct httpd_request {
	const char *method;
	const char *url;  /* the path, without the query string */
	const char *body; /* NUL-terminated; empty when there is none */
	size_t body_len;
	bool body_too_big; /* past max_body (or so declared): the body is dropped, not kept */
};

/*
 * Called once per request whose response set it: after the response is sent,
 * or when the client hung up or no response could be sent. It may free arg.
 */
typedef void (*httpd_after_fn)(void *arg, void *userdata);

struct httpd_response {
	unsigned status;	  /* default 200 */
	const char *content_type; /* static; default text/plain; charset=utf-8 */
	char *body;		  /* owned: the server frees it; NULL for none */
	size_t len;
	const struct httpd_canned *canned; /* if set, sent instead of the above */
	bool hang_up;			   /* close the connection without an answer */
	httpd_after_fn after;		   /* with after_arg: see httpd_after_fn */
	void *after_arg;
};

typedef void (*httpd_handler_fn)(const struct httpd_request *req, struct httpd_response *resp,
				 void *userdata);

struct httpd_options {
	size_t max_body;	  /* a larger request body is dropped (default 64 KiB) */
	unsigned threads;	  /* default 1 */
	unsigned timeout_s;	  /* idle connections are closed after (default 60) */
	unsigned max_connections; /* default 64 */
	size_t connection_memory; /* per connection: request line, headers, buffers
				     (default MHD's 32 KiB); a request that does not
				     fit is refused */
	bool make_dirs;		  /* unix: create missing parent directories (0755) */
};

/*
 * Listen on addr: "unix:PATH" (a socket of mode 0660; a stale one left by a
 * crash is replaced, a live one is not), or "HOST:PORT" ("127.0.0.1:9100",
 * "[::1]:9100", ":9100" for every address; port 0 picks a free one).
 */
int httpd_start(const char *addr, const struct httpd_options *opt, httpd_handler_fn handler,
		void *userdata, struct httpd **ret, struct rl_error *err);
/* Where it listens: "unix:PATH" or "HOST:PORT" with the port bound (borrowed). */
const char *httpd_address(const struct httpd *h);
/* Stop answering; the unix socket is removed if it is still ours. */
void httpd_stop(struct httpd *h);

/* NULL if the answer cannot be made (out of memory). */
struct httpd_canned *httpd_canned_new(unsigned status, const char *content_type, const char *body,
				      size_t len);
/* Only once no server that may send it runs. */
void httpd_canned_free(struct httpd_canned *c);
