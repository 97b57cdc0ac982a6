/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <string.h>

/*
 * ENSURE_ASCII: every non-ASCII character leaves as \uXXXX, so JSON piped
 * to a terminal carries no raw C1 controls either.
 */
#define JSON_OUT_FLAGS (JSON_ENSURE_ASCII | JSON_COMPACT)

struct json_state {
	size_t emitted;
	struct strbuf text; /* one result, reused */
};

/* One write per result: jansson's dumpf writes token by token. */
static void dump_one(json_t *o, FILE *out)
{
	char *text = json_dumps(o, JSON_OUT_FLAGS | JSON_PRESERVE_ORDER);
	if (!text)
		die_oom();
	fputs(text, out);
	free(text);
}

static void json_begin(struct report *r)
{
	r->state = xcalloc(1, sizeof(struct json_state));
	json_t *head = json_object();
	json_object_set_new(head, "tool", json_string("rootlock"));
	json_object_set_new(head, "command", json_string_safe(r->command));
	json_object_set_new(head, "source", json_string_safe(r->source));
	/* Print the header object without its closing brace, then stream results. */
	char *text = json_dumps(head, JSON_OUT_FLAGS | JSON_PRESERVE_ORDER);
	json_decref(head);
	if (!text)
		die_oom();
	size_t len = strlen(text);
	fprintf(r->out, "%.*s,\"results\":[", (int)(len - 1), text);
	free(text);
}

/* One result as text into the reused buffer, then one write. */
static void write_result(struct json_state *st, FILE *out, const char *before,
			 const struct workload *w, const struct judgement *j, const char *after)
{
	strbuf_reset(&st->text);
	strbuf_addstr(&st->text, before);
	result_write_json(&st->text, w, j);
	strbuf_addstr(&st->text, after);
	fwrite(st->text.buf, 1, st->text.len, out);
}

static void json_result(struct report *r, const struct workload *w, const struct judgement *j)
{
	struct json_state *st = r->state;
	write_result(st, r->out, st->emitted++ ? ",\n" : "\n", w, j, "");
}

static json_t *summary_to_json(const struct report_summary *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "total", json_integer((json_int_t)s->total));
	for (int v = 0; v < VERDICT_MAX; v++)
		json_object_set_new(o, verdict_name(v), json_integer((json_int_t)s->counts[v]));
	json_object_set_new(o, "skipped", json_integer((json_int_t)s->skipped));
	/* Of total; only on a Swarm manager, so that other audits read as before. */
	if (s->services)
		json_object_set_new(o, "services", json_integer((json_int_t)s->services));
	return o;
}

static void json_end(struct report *r, const struct report_summary *s)
{
	json_t *o = summary_to_json(s);
	fputs("\n],\"summary\":", r->out);
	dump_one(o, r->out);
	fputs("}\n", r->out);
	json_decref(o);
	struct json_state *st = r->state;
	strbuf_release(&st->text);
	free(st);
	r->state = NULL;
}

const struct reporter reporter_json = {
	.name = "json",
	.begin = json_begin,
	.result = json_result,
	.end = json_end,
};

static void jsonl_begin(struct report *r)
{
	r->state = xcalloc(1, sizeof(struct json_state));
}

static void jsonl_result(struct report *r, const struct workload *w, const struct judgement *j)
{
	write_result(r->state, r->out, "", w, j, "\n");
}

static void jsonl_end(struct report *r, const struct report_summary *s)
{
	(void)s;
	struct json_state *st = r->state;
	strbuf_release(&st->text);
	free(st);
	r->state = NULL;
}

const struct reporter reporter_jsonl = {
	.name = "jsonl",
	.begin = jsonl_begin,
	.result = jsonl_result,
	.end = jsonl_end,
};
