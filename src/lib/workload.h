/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/*
 * The normalized description of one container, whatever it came from: a
 * live engine (audit), a configuration file (lint) or a create request
 * (authz). Every door fills one of these and asks rule_judge() about it, so
 * the doors cannot disagree.
 */

enum mount_kind {
	MOUNT_TMPFS,
	MOUNT_VOLUME,	 /* named volume */
	MOUNT_ANONYMOUS, /* anonymous volume, e.g. from the image's VOLUME */
	MOUNT_BIND,
	MOUNT_OTHER,
	MOUNT_KIND_MAX,
};

struct mount {
	enum mount_kind kind;
	char *target; /* path inside the container */
	char *source; /* volume name or host path; NULL for tmpfs */
	bool writable;
	bool exec;	      /* tmpfs only: programs may run from it */
	long long size_bytes; /* tmpfs only: 0 when unlimited */
};

/* Where the workload is defined, so the report can say where to fix it. */
struct origin {
	char *compose_project;
	char *compose_service;
	char *compose_files; /* comma-separated, as Compose records them */
	char *compose_workdir;
	char *file; /* lint: the file and position of the key to change */
	int line;
	int column;
	const char *kind; /* lint: "compose", "swarm", "kubernetes", "quadlet" (static) */
	char *workload;	  /* lint: Compose service, Kubernetes object or Quadlet unit name */
	char *container;  /* lint: container name (the service or unit again where 1:1) */
	const char *cli; /* audit: the engine's own command, "docker" (NULL) or "podman" (static) */
	const char *engine; /* audit of several engines: the engine's label (borrowed); else NULL */
	bool swarm_service; /* audit, watch: a Swarm service (what its tasks get), not a container
			     */
};

struct workload {
	char *id;
	char *name;
	char *image;
	char *state; /* running, exited, created, ...; NULL when not known */

	bool readonly_rootfs;
	bool privileged;
	bool cap_sys_admin; /* SYS_ADMIN or ALL added */
	bool apparmor_unconfined;
	bool seccomp_unconfined;
	bool seccomp_custom;		 /* a profile of its own, not the engine's default */
	bool allow_privilege_escalation; /* Kubernetes, only when set to true */
	bool pid_host;			 /* shares the host's process namespace */
	bool cap_sys_ptrace;		 /* SYS_PTRACE or ALL added */
	char *privileged_exec;		 /* audit: the id of a running privileged exec */

	/*
	 * What the engine says about itself (audit); NULL elsewhere, where the
	 * rule knows only the usual places. Both are host paths.
	 */
	char *engine_data_root; /* GET /info DockerRootDir (Podman's graph root) */
	char *engine_socket;	/* the unix socket the engine answers on */

	struct mount *mounts;
	size_t n_mounts;

	bool has_exempt_label;
	char *exempt_reason; /* from the rootlock.exempt label; may be empty */

	struct origin origin;
	struct strv notes; /* extra reasons a source adds, e.g. an unresolved variable */
};

void workload_init(struct workload *w);
void workload_release(struct workload *w);
void workload_add_mount(struct workload *w, const struct mount *m); /* copies */
const char *mount_kind_name(enum mount_kind k);

/* SYS_ADMIN, CAP_SYS_ADMIN or ALL, in any case: the capabilities that allow remount. */
bool cap_grants_sys_admin(const char *cap);
/* SYS_PTRACE, CAP_SYS_PTRACE or ALL, in any case. */
bool cap_grants_sys_ptrace(const char *cap);
/* "apparmor=unconfined" or the older "apparmor:unconfined", for what = "apparmor". */
bool security_opt_unconfined(const char *opt, const char *what);
/* Sort mounts by target (then kind), so reports do not depend on input order. */
void workload_sort_mounts(struct workload *w);

/* Parse a tmpfs option string such as "rw,exec,size=64m" into m. */
void mount_parse_tmpfs_options(struct mount *m, const char *options);

/* Parse a size such as "64m", "1g", "65536"; -1 when invalid. */
long long parse_size(const char *s);

/* A human size: "64M", "1.5G". Writes into buf. */
const char *format_size(long long bytes, char *buf, size_t len);
