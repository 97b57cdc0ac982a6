/* SPDX-License-Identifier: MIT */
#include "report.h"
#include "term.h"

#include <string.h>

/*
 * SARIF 2.1.0 for GitHub code scanning and other SARIF consumers. The log
 * is streamed: begin() writes everything up to the results array, result()
 * appends one result, end() closes the run. Only the current result is
 * ever held in memory, so an audit of thousands of containers stays flat.
 */

#ifndef ROOTLOCK_VERSION
#define ROOTLOCK_VERSION "0.0.0"
#endif

/* ENSURE_ASCII: no raw control or non-ASCII byte reaches the file. */
#define SARIF_OUT_FLAGS (JSON_ENSURE_ASCII | JSON_COMPACT | JSON_PRESERVE_ORDER)

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_FINGERPRINT "rootlock/v1"

enum sarif_rule {
	SARIF_RL001, /* writable root filesystem */
	SARIF_RL002, /* read-only, but defeatable from inside */
};

struct sarif_state {
	size_t emitted;
};

/* SARIF wants "" where our JSON says null; invalid UTF-8 is kept as \xNN. */
static json_t *sarif_string(const char *s)
{
	return json_string_safe(s ? s : "");
}

/* Text a person reads in the code scanning UI: always sanitized. */
static json_t *sarif_text(const char *s)
{
	_cleanup_free_ char *clean = term_sanitize(s);
	json_t *v = json_string(clean);
	if (!v)
		die_oom();
	return v;
}

static const char *sarif_display_name(const struct workload *w)
{
	if (!str_empty(w->name))
		return w->name;
	if (!str_empty(w->id))
		return w->id;
	return "(unnamed)";
}

/* Percent-encode everything but unreserved characters and the separator. */
static void sarif_add_uri_path(struct strbuf *sb, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			strbuf_addch(sb, (char)c);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 0xf]);
		}
	}
}

static bool sarif_is_windows_abs(const char *path)
{
	return ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) &&
	       path[1] == ':' && (path[2] == '\\' || path[2] == '/');
}

/*
 * A URI for a file path. Relative paths stay relative (code scanning
 * resolves them against the repository root); absolute ones become
 * file:// URIs, which is what SARIF wants for them.
 */
static char *sarif_path_uri(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	if (path[0] == '/') {
		strbuf_addstr(&sb, "file://");
		sarif_add_uri_path(&sb, path);
	} else if (sarif_is_windows_abs(path)) {
		/* Docker Desktop on Windows records C:\dir\compose.yaml. */
		_cleanup_free_ char *slashed = xstrdup(path);
		for (char *c = slashed; *c; c++)
			if (*c == '\\')
				*c = '/';
		strbuf_addf(&sb, "file:///%c:", slashed[0]);
		sarif_add_uri_path(&sb, slashed + 2);
	} else {
		sarif_add_uri_path(&sb, path);
	}
	return strbuf_detach(&sb);
}

/* The first of Compose's comma-separated config files, made absolute if we can. */
static char *sarif_compose_file(const struct origin *o)
{
	size_t len = strcspn(o->compose_files, ",");
	_cleanup_free_ char *first = xstrndup(o->compose_files, len);
	if (first[0] != '/' && !sarif_is_windows_abs(first) && o->compose_workdir &&
	    o->compose_workdir[0] == '/') {
		size_t wl = strlen(o->compose_workdir);
		bool slash = wl && o->compose_workdir[wl - 1] == '/';
		return xasprintf("%s%s%s", o->compose_workdir, slash ? "" : "/", first);
	}
	return steal_pointer(&first);
}

static json_t *sarif_physical_location(const struct workload *w)
{
	const struct origin *o = &w->origin;
	_cleanup_free_ char *uri = NULL;
	json_t *region = NULL;

	if (!str_empty(o->file)) {
		uri = sarif_path_uri(o->file);
		if (o->line > 0) {
			region = json_object();
			json_object_set_new(region, "startLine", json_integer(o->line));
			if (o->column > 0)
				json_object_set_new(region, "startColumn", json_integer(o->column));
		}
	} else if (!str_empty(o->compose_files)) {
		_cleanup_free_ char *path = sarif_compose_file(o);
		if (str_empty(path))
			return NULL;
		uri = sarif_path_uri(path);
	} else {
		return NULL;
	}

	json_t *phys = json_object();
	json_t *art = json_object();
	json_object_set_new(art, "uri", json_string(uri)); /* ASCII by construction */
	json_object_set_new(phys, "artifactLocation", art);
	if (region)
		json_object_set_new(phys, "region", region);
	return phys;
}

static json_t *sarif_locations(const struct workload *w)
{
	json_t *loc = json_object();
	json_t *phys = sarif_physical_location(w);
	if (phys)
		json_object_set_new(loc, "physicalLocation", phys);

	/* A live container has no file; the logical location still names it. */
	const char *key = !str_empty(w->id) ? w->id : sarif_display_name(w);
	/* Several engines: the same name on two of them is two resources. */
	const char *kind = w->origin.swarm_service ? "service" : "container";
	_cleanup_free_ char *fqn =
		w->origin.engine ? xasprintf("engine/%s/%s/%s", w->origin.engine, kind, key)
				 : xasprintf("%s/%s", kind, key);
	json_t *logical = json_object();
	json_object_set_new(logical, "name", sarif_text(sarif_display_name(w)));
	json_object_set_new(logical, "kind", json_string("resource"));
	json_object_set_new(logical, "fullyQualifiedName", sarif_string(fqn));
	json_t *logicals = json_array();
	json_array_append_new(logicals, logical);
	json_object_set_new(loc, "logicalLocations", logicals);

	json_t *locs = json_array();
	json_array_append_new(locs, loc);
	return locs;
}

/*
 * Code scanning matches results across runs by fingerprint, so it must not
 * depend on the wording of reasons or the line a key moved to.
 */
static json_t *sarif_fingerprints(const struct workload *w)
{
	/* Compose recreates containers with new ids: key on what the user named. */
	_cleanup_free_ char *fp = NULL;
	const struct origin *org = &w->origin;
	if (org->file)
		fp = xasprintf("file|%s|%s", org->file, w->name ? w->name : "");
	else if (org->swarm_service)
		fp = xasprintf("service|%s", w->name ? w->name : w->id ? w->id : "");
	else if (org->compose_project && org->compose_service)
		fp = xasprintf("compose|%s|%s", org->compose_project, org->compose_service);
	else if (!str_empty(w->name))
		fp = xasprintf("name|%s", w->name);
	else
		fp = xasprintf("id|%s", w->id ? w->id : "");
	if (org->engine) {
		char *with_engine = xasprintf("engine|%s|%s", org->engine, fp);
		free(fp);
		fp = with_engine;
	}
	json_t *o = json_object();
	json_object_set_new(o, SARIF_FINGERPRINT, sarif_string(fp));
	return o;
}

static char *sarif_message(const struct workload *w, const struct judgement *j)
{
	struct strbuf sb = STRBUF_INIT;
	if (w->origin.swarm_service)
		strbuf_addstr(&sb, "service ");
	strbuf_add_sanitized(&sb, sarif_display_name(w));
	strbuf_addstr(&sb, ": ");
	for (size_t i = 0; i < j->reasons.n; i++) {
		if (i)
			strbuf_addstr(&sb, "; ");
		strbuf_add_sanitized(&sb, j->reasons.v[i]);
	}
	strbuf_addch(&sb, '.');
	if (j->verdict == VERDICT_EXEMPT && j->exempt_reason) {
		strbuf_addstr(&sb, " Exempt");
		if (j->exempt_source) {
			strbuf_addstr(&sb, " by ");
			strbuf_add_sanitized(&sb, j->exempt_source);
		}
		strbuf_addstr(&sb, ": ");
		strbuf_add_sanitized(&sb, j->exempt_reason);
	}
	if (!str_empty(j->remediation)) {
		strbuf_addch(&sb, ' ');
		strbuf_add_sanitized(&sb, j->remediation);
	}
	return strbuf_detach(&sb);
}

static json_t *sarif_rule_json(const char *id, const char *name, const char *short_desc,
			       const char *full_desc, const char *help, const char *level,
			       const char *severity)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, "
			 "s:{s:[s, s], s:s, s:s}}",
			 "id", id, "name", name, "shortDescription", "text", short_desc,
			 "fullDescription", "text", full_desc, "help", "text", help,
			 "defaultConfiguration", "level", level, "properties", "tags", "security",
			 "CIS-Docker-5.12", "precision", "very-high",
			 /* code scanning maps this to critical/high/medium/low */
			 "security-severity", severity);
}

static json_t *sarif_tool(void)
{
	json_t *rules = json_array();
	json_array_append_new(
		rules,
		sarif_rule_json(
			"RL001", "WritableRootFilesystem", "Container root filesystem is writable",
			"The container's root filesystem is mounted read-write, so a compromised "
			"process can replace binaries, drop tools and persist changes inside the "
			"container. The CIS Docker Benchmark (5.12) asks for a read-only root "
			"filesystem.",
			"Run the container with --read-only (Compose: `read_only: true`). Give it "
			"a "
			"tmpfs for each path it only writes while running (/tmp, pid, lock and "
			"socket "
			"files, caches) and a volume for data that must outlive the container; "
			"`docker diff` lists what it has written to its root filesystem so far.",
			"error", "7.0"));
	json_array_append_new(
		rules,
		sarif_rule_json(
			"RL002", "DefeatableReadOnlyRootFilesystem",
			"Read-only root filesystem can be remounted read-write",
			"The container's root filesystem is read-only, but the container is "
			"privileged or has CAP_SYS_ADMIN, so a process inside can run "
			"`mount -o remount,rw /` and undo the protection.",
			"Drop --privileged and --cap-add SYS_ADMIN (or ALL) (Compose: `privileged: "
			"true`, `cap_add`); grant only the capabilities the workload really needs.",
			"warning", "5.0"));

	json_t *tool = json_pack("{s:{s:s, s:s, s:o}}", "driver", "name", "rootlock", "version",
				 ROOTLOCK_VERSION, "rules", rules);
	if (!tool)
		die_oom();
	return tool;
}

/* Write a compact object without its closing brace, so more members can follow. */
static void sarif_dump_open(FILE *out, json_t *o)
{
	_cleanup_free_ char *text = json_dumps(o, SARIF_OUT_FLAGS);
	if (!text)
		die_oom();
	size_t len = strlen(text);
	fprintf(out, "%.*s", (int)(len - 1), text);
}

static void sarif_begin(struct report *r)
{
	r->state = xcalloc(1, sizeof(struct sarif_state));

	json_t *head = json_pack("{s:s, s:s}", "$schema", SARIF_SCHEMA, "version", "2.1.0");
	json_t *tool = sarif_tool();
	if (!head)
		die_oom();
	sarif_dump_open(r->out, head);
	fputs(",\"runs\":[{\"tool\":", r->out);
	json_dumpf(tool, r->out, SARIF_OUT_FLAGS);
	fputs(",\"results\":[", r->out);
	json_decref(head);
	json_decref(tool);
}

static void sarif_result(struct report *r, const struct workload *w, const struct judgement *j)
{
	struct sarif_state *st = r->state;
	if (j->verdict == VERDICT_PASS)
		return;

	/* An exemption keeps the rule it would have broken, marked suppressed. */
	enum sarif_rule rule;
	if (j->verdict == VERDICT_FAIL)
		rule = SARIF_RL001;
	else if (j->verdict == VERDICT_WARN)
		rule = SARIF_RL002;
	else if (j->verdict == VERDICT_EXEMPT)
		rule = w->readonly_rootfs ? SARIF_RL002 : SARIF_RL001;
	else
		return;
	const char *level = rule == SARIF_RL001 || r->strict ? "error" : "warning";

	_cleanup_free_ char *text = sarif_message(w, j);
	json_t *res = json_object();
	json_object_set_new(res, "ruleId", json_string(rule == SARIF_RL001 ? "RL001" : "RL002"));
	json_object_set_new(res, "ruleIndex", json_integer(rule));
	json_object_set_new(res, "level", json_string(level));
	/* Already sanitized piece by piece: sanitizing again would double the backslashes. */
	json_object_set_new(res, "message", json_pack("{s:o}", "text", sarif_string(text)));
	json_object_set_new(res, "locations", sarif_locations(w));
	json_object_set_new(res, "partialFingerprints", sarif_fingerprints(w));
	if (w->origin.engine)
		json_object_set_new(res, "properties",
				    json_pack("{s:o}", "engine", sarif_string(w->origin.engine)));
	if (j->verdict == VERDICT_EXEMPT) {
		json_t *sup = json_object();
		json_object_set_new(sup, "kind", json_string("external"));
		json_object_set_new(sup, "justification", sarif_text(j->exempt_reason));
		json_t *sups = json_array();
		json_array_append_new(sups, sup);
		json_object_set_new(res, "suppressions", sups);
	}

	fputs(st->emitted++ ? ",\n" : "\n", r->out);
	json_dumpf(res, r->out, SARIF_OUT_FLAGS);
	json_decref(res);
}

static void sarif_end(struct report *r, const struct report_summary *s)
{
	(void)s;
	fputs("\n]}]}\n", r->out);
	free(r->state);
	r->state = NULL;
}

const struct reporter reporter_sarif = {
	.name = "sarif",
	.begin = sarif_begin,
	.result = sarif_result,
	.end = sarif_end,
};
