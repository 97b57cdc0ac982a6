/* SPDX-License-Identifier: MIT */
#pragma once

#include <signal.h>

#include "engine.h"
#include "util.h"

/*
 * What `try` made on an engine, so that every way out removes it. Each
 * container is registered by name before it is created and carries the
 * label rootlock.try=label; each volume is registered by name before the
 * create that makes it. A request that got no answer (a timeout) may still
 * be carried out by the engine after the client gave up: such a container
 * is "unsure", and removing waits for it to appear.
 */
struct leftovers {
	struct engine *engine; /* borrowed */
	char *label;	       /* this run's value of the rootlock.try label */
	struct strv containers;
	struct strv volumes;
	struct strv unsure; /* containers whose create got no answer */
};

void leftovers_release(struct leftovers *l);

/*
 * Remove every registered container (with its anonymous volumes) and every
 * container labelled rootlock.try=l->label, then every registered volume,
 * again and again until nothing is left, deadline_ms (now_ms() clock)
 * passes, *stop becomes true, or a pass neither removed anything nor met a
 * request without an answer while nothing is unsure (an engine that is gone
 * is not waited for): a volume still in use goes once its container is
 * gone, and an unsure container is waited for until it exists and is
 * removed. Each request may take until the deadline. What was
 * removed leaves l; what remains stays in l->containers and l->volumes (an
 * unsure container that never appeared among them), and then the answer is
 * an error saying why, else 0.
 */
int leftovers_remove(struct leftovers *l, long long deadline_ms, const volatile sig_atomic_t *stop,
		     struct rl_error *err);

/*
 * The shell lines (docker CLI, -H host) that remove what l still holds, and
 * one that lists whatever else carries this run's label. Appended to out,
 * each line ending in a newline.
 */
void leftovers_commands(const struct leftovers *l, const char *host, struct strbuf *out);
