/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "error.h"
#include "rule.h"

/*
 * Reporters turn judged workloads into one output format. They are fed
 * results in order (begin, result..., end) so that big audits stream.
 * Every string from a container, label or file goes through the format's
 * own escaping; the text formats use term_sanitize().
 */

struct report_summary {
	size_t counts[VERDICT_MAX];
	size_t total;	 /* containers and services */
	size_t services; /* of total: Swarm services (audit on a manager) */
	size_t skipped;	 /* vanished between list and inspect */
};

struct report {
	FILE *out;
	bool color;	     /* text formats only: ANSI colour */
	bool strict;	     /* warn counts as a failure (JUnit, SARIF level) */
	const char *command; /* "audit", "lint" */
	const char *source;  /* what was audited, e.g. the engine address */
	bool per_engine;     /* several engines: every result names its origin.engine */
	void *state;	     /* the reporter's own */
};

struct reporter {
	const char *name;
	void (*begin)(struct report *r);
	void (*result)(struct report *r, const struct workload *w, const struct judgement *j);
	void (*end)(struct report *r, const struct report_summary *s);
};

/* The reporter for a --format name, or NULL. */
const struct reporter *reporter_find(const char *name);
/* "table, json, jsonl, sarif, junit, csv" */
const char *reporter_names(void);

/* A JSON string for s (null for NULL); invalid UTF-8 becomes \xNN text. */
json_t *json_string_safe(const char *s);

/* "exempt: REASON (SOURCE)" or the reasons joined by "; ", sanitized for a terminal. */
void judgement_describe(struct strbuf *sb, const struct judgement *j);

/*
 * How the text formats name a result: "service NAME" for a Swarm service,
 * else the name (the id when it has none); not yet sanitized.
 */
char *result_display_name(const struct workload *w);
/* "N containers" or "N containers and M services", for a summary line. */
void summary_describe_total(struct strbuf *sb, const struct report_summary *s);

/* The result object shared by json, jsonl (see rootlock-audit(1)). */
json_t *result_to_json(const struct workload *w, const struct judgement *j);
/* The same object as JSON text, appended to sb byte for byte as jansson would dump
 * it with JSON_ENSURE_ASCII | JSON_COMPACT | JSON_PRESERVE_ORDER, without a json_t. */
void result_write_json(struct strbuf *sb, const struct workload *w, const struct judgement *j);
/* s as a JSON string (null for NULL) in that form, invalid UTF-8 as json_string_safe(). */
void json_add_string(struct strbuf *sb, const char *s);

extern const struct reporter reporter_table;
extern const struct reporter reporter_text;
extern const struct reporter reporter_json;
extern const struct reporter reporter_jsonl;
extern const struct reporter reporter_sarif;
extern const struct reporter reporter_junit;
extern const struct reporter reporter_csv;
