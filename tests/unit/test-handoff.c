/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "handoff.h"
#include "util.h"

/* Items are numbers from 1 (an item may not be NULL). */
#define ITEM(i) ((void *)(uintptr_t)(i))
#define NUMBER(p) ((size_t)(uintptr_t)(p))

static void test_full_at_max_items(void **state)
{
	struct handoff *h = handoff_new(4, 1000);
	for (size_t i = 1; i <= 4; i++)
		assert_true(handoff_try_put(h, ITEM(i), 1));
	assert_false(handoff_try_put(h, ITEM(5), 1));
	assert_int_equal(NUMBER(handoff_take(h)), 1);
	assert_true(handoff_try_put(h, ITEM(5), 1));
	handoff_free(h, NULL);
}

static void test_full_at_max_bytes(void **state)
{
	struct handoff *h = handoff_new(100, 100);
	assert_true(handoff_try_put(h, ITEM(1), 40));
	assert_true(handoff_try_put(h, ITEM(2), 40));
	assert_false(handoff_try_put(h, ITEM(3), 40));
	assert_true(handoff_try_put(h, ITEM(3), 20));
	assert_false(handoff_try_put(h, ITEM(4), 1));
	handoff_free(h, NULL);
}

/* A file bigger than the whole allowance still gets through, but only alone. */
static void test_heavy_item_goes_alone(void **state)
{
	struct handoff *h = handoff_new(10, 100);
	assert_true(handoff_try_put(h, ITEM(1), 1));
	assert_false(handoff_try_put(h, ITEM(2), 500));
	assert_int_equal(NUMBER(handoff_take(h)), 1);
	assert_true(handoff_try_put(h, ITEM(2), 500));
	assert_false(handoff_try_put(h, ITEM(3), 1));
	assert_int_equal(NUMBER(handoff_take(h)), 2);
	assert_true(handoff_try_put(h, ITEM(3), 1));
	handoff_free(h, NULL);
}

static void test_closed_and_empty_is_the_end(void **state)
{
	struct handoff *h = handoff_new(4, 100);
	handoff_put(h, ITEM(1), 1);
	handoff_close(h);
	assert_int_equal(NUMBER(handoff_take(h)), 1);
	assert_null(handoff_take(h));
	assert_null(handoff_take(h));
	handoff_free(h, NULL);
}

static size_t freed;
static void count_free(void *item)
{
	freed += NUMBER(item);
}

static void test_free_hands_back_what_was_never_taken(void **state)
{
	struct handoff *h = handoff_new(8, 100);
	for (size_t i = 1; i <= 3; i++)
		handoff_put(h, ITEM(i), 1);
	assert_int_equal(NUMBER(handoff_take(h)), 1);
	freed = 0;
	handoff_free(h, count_free);
	assert_int_equal(freed, 2 + 3);
}

#define MANY 20000
#define FEW_ITEMS 8

struct run {
	struct handoff *h;
	atomic_size_t taken;
	size_t most_ahead; /* the farthest the producer got ahead of the takes */
};

static void *produce(void *arg)
{
	struct run *r = arg;
	for (size_t i = 1; i <= MANY; i++) {
		handoff_put(r->h, ITEM(i), i % 7); /* weights 0..6, bound 16 bytes */
		size_t ahead = i - atomic_load(&r->taken);
		if (ahead > r->most_ahead)
			r->most_ahead = ahead;
	}
	handoff_close(r->h);
	return NULL;
}

/* Two threads: every item arrives, once, in order, and the producer never runs far ahead. */
static void test_order_and_bound_across_threads(void **state)
{
	struct run r = {.h = handoff_new(FEW_ITEMS, 16)};
	pthread_t thread;
	assert_int_equal(pthread_create(&thread, NULL, produce, &r), 0);
	size_t expected = 1;
	void *item;
	while ((item = handoff_take(r.h))) {
		assert_int_equal(NUMBER(item), expected);
		expected++;
		atomic_fetch_add(&r.taken, 1);
	}
	pthread_join(thread, NULL);
	assert_int_equal(expected, MANY + 1);
	/* Queued plus the one taken but not yet counted. */
	assert_true(r.most_ahead <= FEW_ITEMS + 1);
	handoff_free(r.h, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_at_max_items),
		cmocka_unit_test(test_full_at_max_bytes),
		cmocka_unit_test(test_heavy_item_goes_alone),
		cmocka_unit_test(test_closed_and_empty_is_the_end),
		cmocka_unit_test(test_free_hands_back_what_was_never_taken),
		cmocka_unit_test(test_order_and_bound_across_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
