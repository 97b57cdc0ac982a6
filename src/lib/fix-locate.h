/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "error.h"
#include "util.h"

/*
 * Where `rootlock fix` writes a Compose container's plan: the file and the
 * service whose definition the merged project takes the container from.
 * Compose's labels name the project's config files (the -f list, in merge
 * order), the working directory and the service; each file is read, its
 * top-level include: followed (paths relative to the including file), and
 * the service's definitions counted. With several files in the merge, the
 * place is the last file that sets read_only for the service (a later file
 * would override what an earlier one says), else the first that defines it;
 * notes say which and why. A service that extends another is written in
 * itself: its own keys win over the base's.
 */
struct fix_place {
	char *file;	   /* the file to edit, as the labels (or include:) name it */
	char *service;	   /* the service's name in that file */
	char *project;	   /* the Compose project, or NULL */
	char *working_dir; /* the project's working directory, or NULL */
	struct strv files; /* the project's config files, in merge order */
	struct strv notes; /* one line each: which file and why */
};
void fix_place_release(struct fix_place *p);

/*
 * From a container's inspect answer. Errors, each one line, RL_EUSAGE for a
 * container Compose does not manage, RL_EIO for a config file that moved
 * or is gone, RL_EPARSE for invalid YAML, a service defined twice or a
 * merge it cannot place.
 */
int fix_locate(const json_t *container, struct fix_place *out, struct rl_error *err);

/* The same from the project's files (in merge order) and the service's name. */
int fix_locate_files(const char *const *files, size_t n_files, const char *service,
		     struct fix_place *out, struct rl_error *err);
