/* SPDX-License-Identifier: MIT */
/* -H / DOCKER_HOST / a context's Host: any string, parsed or refused. */
#include <stdint.h>
#include <string.h>

#include "endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *host = xstrndup((const char *)data, size);
	for (int tls = 0; tls <= 1; tls++) {
		struct endpoint ep = {.tls = tls};
		struct rl_error err = {0};
		int r = endpoint_parse_host(host, &ep, &err);
		if (r == 0) {
			/* Success means something to connect to. */
			if (!ep.host || !ep.base_url || strcmp(ep.host, host) != 0)
				abort();
			if (!str_startswith(ep.base_url, "http://") &&
			    !str_startswith(ep.base_url, "https://"))
				abort();
		} else if (r != RL_EUSAGE || err.msg[0] == '\0') {
			abort();
		}
		/* Parsing again into the same endpoint must not leak. */
		endpoint_parse_host(host, &ep, &err);
		endpoint_release(&ep);
	}
	free(host);
	return 0;
}
