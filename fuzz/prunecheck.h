/* SPDX-License-Identifier: MIT */
#pragma once
/*
 * What audit makes of one inspect answer, as text, read from the whole
 * answer or from its pruned copy (json_load_pruned() with
 * inspect_fields_read, as the engine client does): the parse error, or
 * every field of the workload, the ExecIDs audit looks at, the judgement
 * and each report format's output for it. Shared by the fuzz target and the
 * unit tests: both ways must give the very same text. The same for an
 * entry of the container list (list_entry_fields_read).
 */
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "jsonprune.h"
#include "report.h"
#include "rule.h"

static void prunecheck_str(struct strbuf *sb, const char *what, const char *s)
{
	strbuf_addf(sb, "%s=", what);
	if (s)
		json_add_string(sb, s);
	else
		strbuf_addstr(sb, "NULL");
	strbuf_addch(sb, '\n');
}

static void prunecheck_workload(struct strbuf *sb, const struct workload *w)
{
	prunecheck_str(sb, "id", w->id);
	prunecheck_str(sb, "name", w->name);
	prunecheck_str(sb, "image", w->image);
	prunecheck_str(sb, "state", w->state);
	strbuf_addf(sb, "flags=%d%d%d%d%d%d%d%d%d%d\n", w->readonly_rootfs, w->privileged,
		    w->cap_sys_admin, w->apparmor_unconfined, w->seccomp_unconfined,
		    w->seccomp_custom, w->allow_privilege_escalation, w->pid_host,
		    w->cap_sys_ptrace, w->has_exempt_label);
	prunecheck_str(sb, "exempt_reason", w->exempt_reason);
	for (size_t i = 0; i < w->n_mounts; i++) {
		const struct mount *m = &w->mounts[i];
		strbuf_addf(sb, "mount %d %d %d %lld ", (int)m->kind, m->writable, m->exec,
			    m->size_bytes);
		prunecheck_str(sb, "target", m->target);
		prunecheck_str(sb, "  source", m->source);
	}
	prunecheck_str(sb, "compose_project", w->origin.compose_project);
	prunecheck_str(sb, "compose_service", w->origin.compose_service);
	prunecheck_str(sb, "compose_files", w->origin.compose_files);
	prunecheck_str(sb, "compose_workdir", w->origin.compose_workdir);
	for (size_t i = 0; i < w->notes.n; i++)
		prunecheck_str(sb, "note", w->notes.v[i]);
}

static void prunecheck_reports(struct strbuf *sb, const struct workload *w,
			       const struct judgement *j)
{
	static const char *const formats[] = {"table", "json", "jsonl", "sarif", "junit", "csv"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (!f)
			abort();
		const struct reporter *rep = reporter_find(formats[i]);
		struct report r = {.out = f, .command = "audit", .source = "unix:///run/d.sock"};
		struct report_summary s = {.total = 1};
		s.counts[j->verdict]++;
		rep->begin(&r);
		rep->result(&r, w, j);
		rep->end(&r, &s);
		fclose(f);
		strbuf_addf(sb, "--- %s\n", formats[i]);
		strbuf_add(sb, text, len);
		free(text);
	}
}

/* The reading of text[0..len), appended to sb; *pruned: whether a pruned copy was read. */
static void prunecheck_read(struct strbuf *sb, const char *text, size_t len, bool prune,
			    bool *pruned)
{
	struct strbuf scratch = STRBUF_INIT;
	json_error_t jerr;
	json_t *root = json_load_pruned(text, len, JSON_DECODE_ANY,
					prune ? &inspect_fields_read : NULL, &scratch, &jerr);
	if (pruned)
		*pruned = prune && json_prune(text, len, &inspect_fields_read, &scratch);
	strbuf_release(&scratch);
	if (!root) {
		strbuf_addf(sb, "invalid JSON: %s at %d\n", jerr.text, jerr.position);
		return;
	}
	struct workload w;
	struct rl_error err = {0};
	if (workload_from_inspect(root, &w, &err) < 0) {
		strbuf_addf(sb, "not an inspect answer: %s\n", err.msg);
		json_decref(root);
		return;
	}
	char *exec_ids = json_dumps(json_object_get(root, "ExecIDs"),
				    JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
	prunecheck_str(sb, "ExecIDs", exec_ids);
	free(exec_ids);
	json_decref(root);
	/* As audit sets them, so that binds of the engine's own paths are judged too. */
	w.engine_data_root = xstrdup("/var/lib/docker");
	w.engine_socket = xstrdup("/run/d.sock");
	prunecheck_workload(sb, &w);
	struct judgement j;
	rule_judge(&w, NULL, &j);
	prunecheck_reports(sb, &w, &j);
	judgement_release(&j);
	workload_release(&w);
}

/* The same for one entry of GET /containers/json, read as list_entry_parse() does. */
static void prunecheck_list_entry(struct strbuf *sb, const char *text, size_t len, bool prune)
{
	struct list_entry le;
	struct rl_error err = {0};
	int r;
	if (prune) {
		r = list_entry_parse(text, len, &le, &err);
	} else {
		json_error_t jerr;
		json_t *o = json_loadb(text, len, 0, &jerr);
		if (o)
			r = list_entry_from_json(o, &le, &err);
		else
			r = rl_error_set(&err, RL_EPARSE, "invalid container list entry: %s",
					 jerr.text);
		json_decref(o);
	}
	if (r < 0) {
		strbuf_addf(sb, "error: %s\n", err.msg);
		return;
	}
	prunecheck_str(sb, "id", le.id);
	prunecheck_str(sb, "name", le.name);
	prunecheck_str(sb, "image", le.image);
	prunecheck_str(sb, "state", le.state);
	list_entry_release(&le);
}
