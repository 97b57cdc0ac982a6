/* SPDX-License-Identifier: MIT */
/* The --config file: whatever it holds, parse or refuse, never crash or leak. */
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exemptions ex = {0};
	struct rl_error err = {0};
	int r = config_parse((const char *)data, size, "fuzz.json", &ex, &err);
	if (r < 0) {
		/* A refusal always explains itself and hands nothing back. */
		if (r != RL_EPARSE || err.msg[0] == '\0' || ex.v || ex.n || ex.source)
			abort();
		return 0;
	}
	for (size_t i = 0; i < ex.n; i++) {
		const struct exemption *e = &ex.v[i];
		/* Accepted entries have a reason and at least one matcher. */
		if (!e->reason || !*e->reason || (!e->name && !e->image && !e->id))
			abort();
	}
	exemptions_match(&ex, "0123456789abcdef", "legacy-web", "vendor/app:1.2");
	exemptions_match(&ex, "", "", "");
	exemptions_match(&ex, NULL, NULL, NULL);
	exemptions_release(&ex);
	return 0;
}
