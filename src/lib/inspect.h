/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "error.h"
#include "jsonprune.h"
#include "workload.h"

/*
 * Engine JSON to workload: the answer of GET /containers/{id}/json (Docker
 * or Podman) into the normalized description the rule reads.
 */
int workload_from_inspect(json_t *inspect, struct workload *ret, struct rl_error *err);

/*
 * The fields of an inspect answer that workload_from_inspect() reads, and
 * ExecIDs, which audit reads beside it: audit has jansson parse only these
 * (json_prune()), never the rest of each answer.
 */
extern const struct json_prune_spec inspect_fields_read;

/*
 * Whether an answer of GET /exec/{id}/json is a privileged exec session
 * still running ("Running": true, "ProcessConfig": {"privileged": true}).
 */
bool exec_session_privileged(json_t *exec);

/* The fields audit needs from one entry of GET /containers/json. */
struct list_entry {
	char *id;
	char *name; /* without the leading '/' */
	char *image;
	char *state;
};
int list_entry_parse(const char *text, size_t len, struct list_entry *ret, struct rl_error *err);
/* The same from an entry jansson parsed already; the fields it reads (for json_prune()): */
int list_entry_from_json(json_t *entry, struct list_entry *ret, struct rl_error *err);
extern const struct json_prune_spec list_entry_fields_read;
void list_entry_release(struct list_entry *le);

/* Labels that change the verdict or the advice. */
#define LABEL_EXEMPT "rootlock.exempt"
#define LABEL_COMPOSE_PROJECT "com.docker.compose.project"
#define LABEL_COMPOSE_SERVICE "com.docker.compose.service"
#define LABEL_COMPOSE_FILES "com.docker.compose.project.config_files"
#define LABEL_COMPOSE_WORKDIR "com.docker.compose.project.working_dir"
