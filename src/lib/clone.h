/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "plan.h"
#include "util.h"

/*
 * What `try` needs besides the engine calls: the create request for a
 * read-only clone, and the evidence in a container's logs.
 */

#define TRY_LABEL "rootlock.try"

/*
 * The body of POST /containers/create for a clone of `container` (its
 * inspect answer; image: its image's) with the plan applied. It is
 * runline_create_body()'s, the request behind the run line that try
 * prints, so the clone is what that line makes, never what the daemon
 * filled in. On top: read-only root, the plan's tmpfs mounts and volumes,
 * no published ports, no restart policy, label rootlock.try=label_value,
 * no Compose labels. The original's data is protected: every named volume
 * (its own and the plan's) is a fresh one, named volume_prefix-N and added
 * to volumes so the caller can remove it; bind mounts and --volumes-from
 * are read-only. network: NULL keeps the original's network mode.
 * *ret_body is set on success only.
 */
int clone_create_body(json_t *container, json_t *image, const struct plan *p,
		      const char *label_value, const char *volume_prefix, const char *network,
		      struct strv *volumes, json_t **ret_body, struct rl_error *err);

/*
 * The text of a log answer: Docker multiplexes stdout and stderr into
 * frames of [stream, 0, 0, 0, size (4 bytes, big-endian)] unless the
 * container has a TTY. Appends the payloads to out.
 */
void logs_demux(const char *data, size_t len, bool tty, struct strbuf *out);

/*
 * Lines that say what failed at a path, and the absolute paths they name
 * with what failed there (each pair once, in order): a write on a read-only
 * filesystem (the line counts even without a path), a missing file or
 * directory, permission denied, code a noexec mount would not run or map.
 */
void logs_find_evidence(const char *text, struct strv *lines, struct plan_evidence_list *found);
