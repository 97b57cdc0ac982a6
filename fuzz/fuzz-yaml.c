/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the YAML loader and the lookups every lint parser uses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ystream s = {0};
	struct rl_error err = {0};
	/* Leaving values unread must not change whether a file loads, nor the error. */
	static const char *const unread[] = {"env", "a", "", NULL};
	struct ystream part = {0};
	struct rl_error part_err = {0};
	int r = ystream_load((const char *)data, size, "fuzz.yaml", &s, &err);
	int part_r = ystream_load_unread((const char *)data, size, "fuzz.yaml", unread, &part,
					 &part_err);
	if (r != part_r || (r < 0 && strcmp(err.msg, part_err.msg) != 0))
		abort();
	ystream_release(&part);
	if (r < 0)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct ynode *root = s.docs[i].root;
		(void)ybool(ymap_get(root, "read_only"));
		(void)ymap_get_pair(ymap_get(root, "services"), "web");
	}
	ystream_release(&s);
	return 0;
}
