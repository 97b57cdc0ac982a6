/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the YAML loader and the lookups every lint parser uses. */
#include <stddef.h>
#include <stdint.h>

#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	if (ystream_load((const char *)data, size, "fuzz.yaml", &s, &err) < 0)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct ynode *root = s.docs[i].root;
		(void)ybool(ymap_get(root, "read_only"));
		(void)ymap_get_pair(ymap_get(root, "services"), "web");
	}
	ystream_release(&s);
	return 0;
}
