/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * A bounded first-in first-out hand-off from one producer thread to one
 * consumer thread. The producer may run ahead of the consumer by at most
 * max_items items and max_bytes bytes (each item's weight is the caller's
 * to say), so reading ahead costs bounded memory however long the run. An
 * item heavier than max_bytes on its own still goes through, alone.
 *
 * The consumer must take until handoff_take() returns NULL: a producer
 * waiting for room is only released by takes.
 */
struct handoff;

struct handoff *handoff_new(size_t max_items, size_t max_bytes);
/* Frees the queue; items never taken are handed to free_item (may be NULL). */
void handoff_free(struct handoff *h, void (*free_item)(void *));

/* Producer: queue item (not NULL), waiting while there is no room. */
void handoff_put(struct handoff *h, void *item, size_t bytes);
/* Producer: as handoff_put(), but false at once instead of waiting when there is no room. */
bool handoff_try_put(struct handoff *h, void *item, size_t bytes);
/* Producer: nothing more will come. */
void handoff_close(struct handoff *h);

/* How many items wait to be taken. */
size_t handoff_queued(struct handoff *h);

/* Consumer: the next item in the order put, waiting for it; NULL once closed and empty. */
void *handoff_take(struct handoff *h);
