/* SPDX-License-Identifier: MIT */
/*
 * An inspect answer (and its image's) from a hostile or broken engine in,
 * the run line, its create request, the Compose service and try's clone
 * out: nothing may crash, and the clone must keep its promises whatever the
 * input says: read-only, nothing published, no restart, labelled, and never
 * a way to write the original's data (every named volume a fresh one, every
 * bind and --volumes-from read-only).
 */
#include <stdint.h>
#include <string.h>

#include "clone.h"
#include "runline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PREFIX "rootlock-try-1-1"

static void check(bool ok)
{
	if (!ok)
		abort();
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void check_clone(json_t *body, const struct strv *volumes)
{
	json_t *hc = json_object_get(body, "HostConfig");
	check(json_is_true(json_object_get(hc, "ReadonlyRootfs")));
	check(!json_object_size(json_object_get(hc, "PortBindings")));
	check(!json_is_true(json_object_get(hc, "PublishAllPorts")));
	check(!json_is_true(json_object_get(hc, "AutoRemove")));
	check(streq(str(json_object_get(hc, "RestartPolicy"), "Name"), "no"));
	check(streq(str(json_object_get(body, "Labels"), TRY_LABEL), "run"));
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(hc, "Binds"), i, v) {
		const char *b = json_string_value(v);
		check(b != NULL);
		const char *colon = strchr(b, ':');
		if (b[0] == '/' && colon && strchr(colon + 1, ':'))
			check(str_startswith(strchr(colon + 1, ':'), ":ro"));
		else if (b[0] != '/' && colon)
			check(str_startswith(b, PREFIX "-"));
	}
	json_array_foreach (json_object_get(hc, "Mounts"), i, v) {
		const char *type = str(v, "Type");
		if (streq(type, "bind"))
			check(json_is_true(json_object_get(v, "ReadOnly")));
		else if (streq(type, "volume") && !str_empty(str(v, "Source")))
			check(str_startswith(str(v, "Source"), PREFIX "-"));
	}
	json_array_foreach (json_object_get(hc, "VolumesFrom"), i, v) {
		const char *f = json_string_value(v);
		check(f && strlen(f) >= 3 && streq(f + strlen(f) - 3, ":ro"));
	}
	for (i = 0; i < volumes->n; i++)
		check(str_startswith(volumes->v[i], PREFIX "-"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	if (!root)
		return 0;
	/* {"container": ..., "image": ...}, or a container alone. */
	json_t *container = json_object_get(root, "container");
	json_t *image = json_object_get(root, "image");
	if (!container)
		container = root;

	struct plan_mount mounts[] = {
		{.type = PLAN_TMPFS, .target = "/tmp", .options = "mode=1777,size=64m"},
		{.type = PLAN_VOLUME, .target = "/var/lib/app", .volume = "app-var-lib-app"},
		{.type = PLAN_TMPFS, .target = "/run", .options = "uid=1,gid=2,mode=0755,exec"},
	};
	struct plan p = {.mounts = mounts, .n_mounts = size & 1 ? 3 : 0};
	const struct run_mount changes[] = {
		{RUN_MOUNT_TMPFS, "/tmp", "size=1m", NULL},
		{RUN_MOUNT_VOLUME, "/data", NULL, "app-data"},
	};
	const struct run_changes ch = {
		.read_only = true, .mounts = changes, .n_mounts = 2, .drop_published_ports = true};

	struct rl_error err = {0};
	struct strv argv = STRV_INIT;
	if (runline_argv(container, image, (size & 2) ? &ch : NULL, &argv, &err) == 0)
		free(shell_join(argv.v, argv.n));
	strv_release(&argv);
	struct strbuf yaml = STRBUF_INIT;
	runline_compose(container, image, (size & 2) ? &ch : NULL, &yaml, &err);
	strbuf_release(&yaml);
	json_t *body = NULL;
	if (runline_create_body(container, image, (size & 2) ? &ch : NULL, &body, &err) == 0) {
		/* Whatever it holds, the engine gets JSON. */
		char *text = json_dumps(body, JSON_COMPACT);
		check(text != NULL);
		free(text);
		json_decref(body);
	}

	struct strv volumes = STRV_INIT;
	body = NULL;
	if (clone_create_body(container, image, &p, "run", PREFIX, (size & 4) ? "none" : NULL,
			      &volumes, &body, &err) == 0) {
		check_clone(body, &volumes);
		json_decref(body);
	}
	strv_release(&volumes);
	json_decref(root);
	return 0;
}
