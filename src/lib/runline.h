/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "error.h"

/*
 * Recreate a container: from the engine's description of a container (GET
 * /containers/{id}/json) and of its image (GET /images/{id}/json) to the
 * `docker run` line, its create request, or the Compose service, that makes
 * the same container again, with read-only changes on top. Only what differs from the image's
 * defaults is written, as a person would type it.
 *
 * Mount targets: a change whose target the container already mounts
 * explicitly (bind, named volume, tmpfs) is left out, because the existing
 * mount already makes the path writable and may hold data; a change at the
 * target of an anonymous volume replaces it (a recreated container gets a
 * fresh anonymous volume anyway).
 *
 * What `docker run` cannot say is left out rather than approximated: extra
 * networks and their aliases or fixed addresses, links, the mac address,
 * the cgroup namespace mode, environment variables or labels the image sets
 * and the container removed, and (Compose only) nothing beyond its schema.
 * An inline seccomp profile cannot be passed back on a command line; that
 * is an error, not a silent drop of a security setting.
 */

enum run_mount_type {
	RUN_MOUNT_TMPFS,
	RUN_MOUNT_VOLUME,
};

struct run_mount {
	enum run_mount_type type;
	const char *target;  /* absolute path in the container */
	const char *options; /* tmpfs: "uid=101,gid=101,mode=0755,size=64m,exec" (may be NULL);
				volume: NULL */
	const char *volume;  /* volume name for RUN_MOUNT_VOLUME */
};

struct run_changes {
	bool read_only; /* add --read-only */
	const struct run_mount *mounts;
	size_t n_mounts;
	bool drop_published_ports; /* for a clone: publish no host ports */
	const char *name;	   /* container name to use; NULL = the original's name */
};

/*
 * The argv (starting with "docker", "run", "--detach") recreating `container`
 * as created from `image`, with ch applied (ch may be NULL). image may be
 * NULL: then nothing counts as an image default. Words are appended to argv;
 * on failure argv is left as it was.
 */
int runline_argv(json_t *container, json_t *image, const struct run_changes *ch, struct strv *argv,
		 struct rl_error *err);

/*
 * The body of POST /containers/create that `docker run` sends for the line
 * runline_argv makes from the same arguments (the name, a query parameter,
 * left out): one description of the container behind both, so that a
 * container made from this body is the one the printed line makes. Only
 * what the user set is in it, never what the daemon filled in (such as
 * Config.NetworkDisabled on an engine without a default bridge). *ret_body
 * is set on success only.
 */
int runline_create_body(json_t *container, json_t *image, const struct run_changes *ch,
			json_t **ret_body, struct rl_error *err);

/*
 * One shell line for POSIX sh (dash, bash, zsh, ksh, busybox ash): words of
 * only [A-Za-z0-9_@%+=:,./-] stay bare, others are single-quoted ('it'\''s').
 * No control byte is ever written raw, newline included, so the line is one
 * line and safe to print to a terminal. $'...' is not an option: dash reads
 * $'\n' as "$\n". A word with control bytes, invalid UTF-8, C1 controls or
 * bidirectional formatting characters becomes "$(printf '...')" with those
 * bytes as octal escapes, which every POSIX shell understands. Command
 * substitution drops trailing newlines, and POSIX sh has no other way to
 * spell a newline, so a word that ends in a newline cannot be written: then
 * the answer is NULL. Otherwise a new string.
 */
char *shell_join(char *const *argv, size_t n);

/*
 * A Compose YAML service snippet ("services:" with one service) saying what
 * runline_argv says, in Compose's words, with read_only: true when asked,
 * tmpfs and volumes entries for the changes, and a top-level "volumes:"
 * section declaring the named volumes used by their own names: the
 * container's existing ones as external, the changes' ones for Compose
 * to create. Every string is a double-quoted YAML
 * scalar, and '$' is doubled so Compose does not interpolate it. Appended
 * to out; on failure out may hold part of the snippet.
 */
int runline_compose(json_t *container, json_t *image, const struct run_changes *ch,
		    struct strbuf *out, struct rl_error *err);
