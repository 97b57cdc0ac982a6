/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"

/*
 * Which engine to talk to, found the way the docker CLI finds it:
 * -H/--host, then --context, then DOCKER_HOST, then DOCKER_CONTEXT, then
 * the current context in $DOCKER_CONFIG/config.json, then the default
 * socket. TLS from --tls* options, DOCKER_TLS_VERIFY/DOCKER_CERT_PATH or
 * the context's stored certificates.
 */

#define ENDPOINT_DEFAULT_HOST "unix:///var/run/docker.sock"

struct endpoint_options {
	const char *host;    /* -H */
	const char *context; /* --context */
	bool tls;
	bool tls_verify;
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
};

struct endpoint {
	char *host;	 /* as the user would write it: unix:///..., tcp://h:p */
	char *unix_path; /* set for unix:// */
	char *base_url;	 /* http://docker or http(s)://h:p */
	char *context;	 /* the context it came from, if any */
	/* ssh://[USER@]HOST[:PORT][/PATH]: reached through ssh (ssh-dial.h) */
	char *ssh_host;
	char *ssh_user;
	char *ssh_port;
	char *ssh_path;
	bool tls;
	bool tls_verify;
	char *tls_ca;
	char *tls_cert;
	char *tls_key;
};

int endpoint_resolve(const struct endpoint_options *opt, struct endpoint *ret,
		     struct rl_error *err);
/* Parse one host string; tls settings in ret are kept. */
int endpoint_parse_host(const char *host, struct endpoint *ret, struct rl_error *err);
/* Find a context's endpoint in a docker config directory. */
int endpoint_from_context(const char *config_dir, const char *name, struct endpoint *ret,
			  struct rl_error *err);
/*
 * The names of every context stored in the docker config directory
 * ($DOCKER_CONFIG or ~/.docker), sorted; "default" is not stored, so not
 * among them. None is not an error.
 */
int endpoint_context_names(struct strv *ret, struct rl_error *err);
/* The current context named in config_dir/config.json, or NULL. */
char *endpoint_current_context(const char *config_dir);
void endpoint_release(struct endpoint *ep);
