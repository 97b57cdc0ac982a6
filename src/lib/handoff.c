/* SPDX-License-Identifier: MIT */
#include "handoff.h"

#include <pthread.h>

#include "util.h"

struct slot {
	void *item;
	size_t bytes;
};

struct handoff {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* an item was put, taken, or the queue closed */
	struct slot *ring;
	size_t max_items, max_bytes;
	size_t head, count; /* the oldest slot, and how many are queued */
	size_t bytes;	    /* their weight */
	bool closed;
	/* Signal only a side that waits: most puts and takes find no one waiting. */
	bool producer_waits, consumer_waits;
};

struct handoff *handoff_new(size_t max_items, size_t max_bytes)
{
	struct handoff *h = xcalloc(1, sizeof(*h));
	h->max_items = max_items ? max_items : 1;
	h->max_bytes = max_bytes;
	h->ring = xcalloc(h->max_items, sizeof(*h->ring));
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->changed, NULL);
	return h;
}

void handoff_free(struct handoff *h, void (*free_item)(void *))
{
	if (!h)
		return;
	for (; h->count; h->count--, h->head = (h->head + 1) % h->max_items)
		if (free_item)
			free_item(h->ring[h->head].item);
	pthread_cond_destroy(&h->changed);
	pthread_mutex_destroy(&h->lock);
	free(h->ring);
	free(h);
}

/* Room for an item of this weight: an empty queue always has room. */
static bool has_room(const struct handoff *h, size_t bytes)
{
	if (h->count == 0)
		return true;
	return h->count < h->max_items && h->bytes + bytes <= h->max_bytes;
}

/*
 * Wake a producer waiting for room only once the queue is half down: woken
 * for every take, it would put one item and wait again, a pair of system
 * calls per item.
 */
static bool refill_now(const struct handoff *h)
{
	return h->count == 0 || (h->count <= h->max_items / 2 && h->bytes <= h->max_bytes / 2);
}

/* Called locked. */
static void put_locked(struct handoff *h, void *item, size_t bytes)
{
	h->ring[(h->head + h->count) % h->max_items] = (struct slot){item, bytes};
	h->count++;
	h->bytes += bytes;
	if (h->consumer_waits)
		pthread_cond_signal(&h->changed);
}

void handoff_put(struct handoff *h, void *item, size_t bytes)
{
	pthread_mutex_lock(&h->lock);
	while (!has_room(h, bytes)) {
		h->producer_waits = true;
		pthread_cond_wait(&h->changed, &h->lock);
		h->producer_waits = false;
	}
	put_locked(h, item, bytes);
	pthread_mutex_unlock(&h->lock);
}

bool handoff_try_put(struct handoff *h, void *item, size_t bytes)
{
	pthread_mutex_lock(&h->lock);
	bool room = has_room(h, bytes);
	if (room)
		put_locked(h, item, bytes);
	pthread_mutex_unlock(&h->lock);
	return room;
}

size_t handoff_queued(struct handoff *h)
{
	pthread_mutex_lock(&h->lock);
	size_t count = h->count;
	pthread_mutex_unlock(&h->lock);
	return count;
}

void handoff_close(struct handoff *h)
{
	pthread_mutex_lock(&h->lock);
	h->closed = true;
	if (h->consumer_waits)
		pthread_cond_signal(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

void *handoff_take(struct handoff *h)
{
	pthread_mutex_lock(&h->lock);
	while (h->count == 0 && !h->closed) {
		h->consumer_waits = true;
		pthread_cond_wait(&h->changed, &h->lock);
		h->consumer_waits = false;
	}
	void *item = NULL;
	if (h->count) {
		struct slot s = h->ring[h->head];
		h->head = (h->head + 1) % h->max_items;
		h->count--;
		h->bytes -= s.bytes;
		item = s.item;
		if (h->producer_waits && refill_now(h))
			pthread_cond_signal(&h->changed);
	}
	pthread_mutex_unlock(&h->lock);
	return item;
}
