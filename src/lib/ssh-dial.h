/* SPDX-License-Identifier: MIT */
#pragma once

#include <curl/curl.h>

#include "endpoint.h"

/*
 * ssh:// engines, as the docker CLI reaches them: each connection curl
 * opens is one `ssh -T [-l USER] [-p PORT] -- HOST docker system dial-stdio`
 * process whose stdin and stdout are the accepted end of the connection
 * curl made to the dialer's socket. Closing it reaps the process.
 */

struct ssh_dialer;

struct ssh_dialer *ssh_dialer_new(const struct endpoint *ep);
/* Listen (in the abstract namespace) and start accepting. */
int ssh_dialer_start(struct ssh_dialer *d, struct rl_error *err);
/* Ends (SIGTERM) and reaps any ssh process still running. */
void ssh_dialer_free(struct ssh_dialer *d);
/* Hook the dialer into a curl handle. */
void ssh_dialer_setup(struct ssh_dialer *d, CURL *h);
/*
 * The last line an ssh process wrote on stderr (an auth failure, an
 * unreachable host, docker not found), or "" if none did: the reason a
 * connection broke off. Borrowed until the next call.
 */
const char *ssh_dialer_error(struct ssh_dialer *d);
