/* SPDX-License-Identifier: MIT */
#pragma once

#include "authz.h"
#include "error.h"

/*
 * The authz plugin's server: Docker's plugin protocol (HTTP over a unix
 * socket, src/lib/httpd.c) answered with authz_decide(). Whatever goes
 * wrong answers Allow:false or closes the connection: the daemon then
 * refuses the request, which is the safe way to fail.
 */

struct authz_server;

struct authz_server_options {
	const char *socket;		   /* path; missing directories are made */
	const struct authz_policy *policy; /* borrowed: must outlive the server */
	enum authz_mode mode;
	const char *log_path; /* one JSON line per judged request; NULL: stderr */
	/* Called once, from a server thread, when the log cannot be written. */
	void (*on_log_error)(const char *msg, void *userdata);
	void *userdata;
};

/* RL_EUSAGE for a socket path that cannot be one, RL_EIO for the rest. */
int authz_server_start(const struct authz_server_options *opt, struct authz_server **ret,
		       struct rl_error *err);
/* Stop answering and remove the socket if it is still ours. */
void authz_server_stop(struct authz_server *s);
