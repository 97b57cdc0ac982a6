/* SPDX-License-Identifier: MIT */
#include "service.h"

#include "inspect.h"

static char *dup_or_null(json_t *v)
{
	const char *s = json_string_value(v);
	return s ? xstrdup(s) : NULL;
}

static void read_mounts(json_t *mounts, struct workload *w)
{
	json_t *m;
	size_t i;
	json_array_foreach (mounts, i, m) {
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *target = json_string_value(json_object_get(m, "Target"));
		if (!target)
			continue;
		struct mount mt = {
			.target = (char *)target,
			.source = (char *)json_string_value(json_object_get(m, "Source")),
			.writable = !json_is_true(json_object_get(m, "ReadOnly")),
		};
		if (streq(type, "tmpfs")) {
			mt.kind = MOUNT_TMPFS;
			mt.source = NULL;
			json_t *size =
				json_object_get(json_object_get(m, "TmpfsOptions"), "SizeBytes");
			mt.size_bytes = json_is_integer(size) ? json_integer_value(size) : 0;
		} else if (streq(type, "volume")) {
			mt.kind = mt.source ? MOUNT_VOLUME : MOUNT_ANONYMOUS;
		} else if (streq(type, "bind")) {
			mt.kind = MOUNT_BIND;
		} else {
			mt.kind = MOUNT_OTHER;
		}
		workload_add_mount(w, &mt);
	}
}

int workload_from_service(json_t *service, struct workload *ret, struct rl_error *err)
{
	const char *id = json_string_value(json_object_get(service, "ID"));
	json_t *spec = json_object_get(service, "Spec");
	if (str_empty(id) || !json_is_object(spec))
		return rl_error_set(err, RL_EPARSE,
				    "service description lacks ID or Spec: not an answer to "
				    "/services/{id}");
	json_t *cs = json_object_get(json_object_get(spec, "TaskTemplate"), "ContainerSpec");
	struct workload w;
	workload_init(&w);
	w.id = xstrdup(id);
	w.name = dup_or_null(json_object_get(spec, "Name"));
	w.image = dup_or_null(json_object_get(cs, "Image"));
	w.readonly_rootfs = json_is_true(json_object_get(cs, "ReadOnly"));
	json_t *v;
	size_t i;
	json_array_foreach (json_object_get(cs, "CapabilityAdd"), i, v)
		if (json_is_string(v) && cap_grants_sys_admin(json_string_value(v)))
			w.cap_sys_admin = true;
	read_mounts(json_object_get(cs, "Mounts"), &w);
	workload_sort_mounts(&w);
	json_t *exempt = json_object_get(json_object_get(cs, "Labels"), LABEL_EXEMPT);
	if (exempt) {
		w.has_exempt_label = true;
		w.exempt_reason = dup_or_null(exempt);
	}
	w.origin.kind = "swarm";
	w.origin.swarm_service = true;
	w.origin.workload = dup_or_null(json_object_get(spec, "Name"));
	*ret = w;
	return 0;
}
