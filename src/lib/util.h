/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * Ownership rule: a function that returns a pointer hands it to the caller
 * unless its comment says "borrowed"; every *_free() accepts NULL.
 */

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership on: returns the pointer and clears the variable. */
static inline void *steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_ptr(pp))

/* Allocation failure is not recoverable for a CLI: abort in one place. */
_noreturn_ void die_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
_printf_(1, 2) char *xasprintf(const char *fmt, ...);
_printf_(1, 0) char *xvasprintf(const char *fmt, va_list ap);

static inline bool streq(const char *a, const char *b)
{
	return a && b && __builtin_strcmp(a, b) == 0;
}
bool str_startswith(const char *s, const char *prefix);
bool str_casestartswith(const char *s, const char *prefix);
bool str_empty(const char *s);
/* The value of a hexadecimal digit, or -1. */
int hex_digit(char c);

/* A growable byte buffer, always NUL-terminated. */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
_printf_(2, 3) void strbuf_addf(struct strbuf *sb, const char *fmt, ...);
void strbuf_reset(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb);
const char *strbuf_str(const struct strbuf *sb);
static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_releasep)

/* A growable array of owned strings. */
struct strv {
	char **v;
	size_t n;
	size_t alloc;
};
#define STRV_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}
void strv_push(struct strv *sv, char *owned);
void strv_add(struct strv *sv, const char *s);
_printf_(2, 3) void strv_addf(struct strv *sv, const char *fmt, ...);
bool strv_contains(const struct strv *sv, const char *s);
void strv_release(struct strv *sv);
static inline void strv_releasep(struct strv *sv)
{
	strv_release(sv);
}
#define _cleanup_strv_ _cleanup_(strv_releasep)

/* A set of 64-bit hashes: remembers many things in 16 bytes each. */
struct hashset {
	unsigned long long *slots; /* 0 marks an empty slot */
	size_t n, cap;
};
/* Adds h; returns false when it was already there. */
bool hashset_add(struct hashset *set, unsigned long long h);
bool hashset_contains(const struct hashset *set, unsigned long long h);
void hashset_release(struct hashset *set);
unsigned long long hash_str(unsigned long long h, const char *s); /* FNV-1a, chainable */
#define HASH_INIT 1469598103934665603ULL

/* Monotonic clock in milliseconds, for timeouts and progress. */
long long now_ms(void);
