/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "report.h"

/*
 * The reporters as a user meets them: judged workloads in, a document out,
 * read back with a parser (JSON, SARIF) or by looking for what a CI system
 * or spreadsheet would show (JUnit, CSV).
 */

#define ESC_NAME "evil\x1b]0;pwned\x07"
#define FORMULA "=cmd|' /C calc'!A0"

struct item {
	struct workload w;
	struct judgement j;
};

struct batch {
	struct item v[8];
	size_t n;
};

/* A workload with the fields every door fills; the caller adjusts the rest. */
static struct workload *batch_add(struct batch *b, const char *id, const char *name,
				  const char *image, bool readonly)
{
	assert_true(b->n < ARRAY_SIZE(b->v));
	struct workload *w = &b->v[b->n++].w;
	workload_init(w);
	w->id = id ? xstrdup(id) : NULL;
	w->name = name ? xstrdup(name) : NULL;
	w->image = image ? xstrdup(image) : NULL;
	w->state = xstrdup("running");
	w->readonly_rootfs = readonly;
	return w;
}

static void batch_judge(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		rule_judge(&b->v[i].w, NULL, &b->v[i].j);
}

static void batch_release(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		judgement_release(&b->v[i].j);
		workload_release(&b->v[i].w);
	}
	b->n = 0;
}

/* The usual mix: one workload for each verdict. */
static void batch_mixed(struct batch *b)
{
	batch_add(b, "f00dfeed0001", "web", "nginx:1.25", false);
	struct workload *w = batch_add(b, "f00dfeed0002", "worker", "app/worker:2", true);
	w->privileged = true;
	w->cap_sys_admin = true;
	batch_add(b, "f00dfeed0003", "cache", "redis:7", true);
	w = batch_add(b, "f00dfeed0004", "legacy", "vendor/thing:1", false);
	w->has_exempt_label = true;
	w->exempt_reason = xstrdup("vendor image, ticket OPS-1");
	batch_judge(b);
	assert_int_equal(b->v[0].j.verdict, VERDICT_FAIL);
	assert_int_equal(b->v[1].j.verdict, VERDICT_WARN);
	assert_int_equal(b->v[2].j.verdict, VERDICT_PASS);
	assert_int_equal(b->v[3].j.verdict, VERDICT_EXEMPT);
}

/* Run one reporter over the batch into memory; the caller frees the text. */
static char *run_reporter_engines(const char *format, struct batch *b, bool strict, bool per_engine)
{
	const struct reporter *rep = reporter_find(format);
	assert_non_null(rep);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);

	struct report r = {
		.out = f,
		.strict = strict,
		.command = "audit",
		.source = "unix:///var/run/docker.sock",
		.per_engine = per_engine,
	};
	struct report_summary s = {0};
	rep->begin(&r);
	for (size_t i = 0; i < b->n; i++) {
		rep->result(&r, &b->v[i].w, &b->v[i].j);
		s.counts[b->v[i].j.verdict]++;
		s.total++;
		if (b->v[i].w.origin.swarm_service)
			s.services++;
	}
	rep->end(&r, &s);
	assert_null(r.state);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(buf), len); /* no NUL bytes in the output */
	return buf;
}

static char *run_reporter(const char *format, struct batch *b, bool strict)
{
	return run_reporter_engines(format, b, strict, false);
}

static json_t *parse_json(const char *text)
{
	json_error_t error;
	json_t *root = json_loads(text, 0, &error);
	if (!root)
		fail_msg("output does not parse (line %d: %s):\n%s", error.line, error.text, text);
	return root;
}

static const char *get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* --- registry --- */

static void test_reporter_find(void **state)
{
	(void)state;
	const char *names[] = {"table", "json", "jsonl", "sarif", "junit", "csv"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct reporter *rep = reporter_find(names[i]);
		assert_non_null(rep);
		assert_string_equal(rep->name, names[i]);
		assert_non_null(strstr(reporter_names(), names[i]));
	}
	assert_null(reporter_find("xml"));
	assert_null(reporter_find("SARIF"));
	assert_null(reporter_find(""));
	assert_null(reporter_find(NULL));
}

/* --- JSON --- */

static void test_json_results_and_summary(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_mixed(&b);
	_cleanup_free_ char *out = run_reporter("json", &b, false);
	json_t *root = parse_json(out);

	assert_string_equal(get_str(root, "tool"), "rootlock");
	assert_string_equal(get_str(root, "command"), "audit");
	json_t *results = json_object_get(root, "results");
	assert_true(json_is_array(results));
	assert_int_equal(json_array_size(results), b.n);

	static const char *const verdicts[] = {"fail", "warn", "pass", "exempt"};
	for (size_t i = 0; i < b.n; i++) {
		json_t *o = json_array_get(results, i);
		assert_string_equal(get_str(o, "id"), b.v[i].w.id);
		assert_string_equal(get_str(o, "name"), b.v[i].w.name);
		assert_string_equal(get_str(o, "image"), b.v[i].w.image);
		assert_string_equal(get_str(o, "state"), "running");
		assert_true(json_is_boolean(json_object_get(o, "readonly_rootfs")));
		assert_int_equal(json_is_true(json_object_get(o, "readonly_rootfs")),
				 b.v[i].w.readonly_rootfs);
		assert_string_equal(get_str(o, "verdict"), verdicts[i]);
		json_t *reasons = json_object_get(o, "reasons");
		assert_true(json_is_array(reasons));
		assert_int_equal(json_array_size(reasons), b.v[i].j.reasons.n);
		assert_non_null(json_object_get(o, "remediation"));
	}
	/* Something to do for fail and warn; nothing for pass. */
	assert_true(json_is_string(json_object_get(json_array_get(results, 0), "remediation")));
	assert_true(json_is_string(json_object_get(json_array_get(results, 1), "remediation")));
	assert_true(json_is_null(json_object_get(json_array_get(results, 2), "remediation")));
	assert_string_equal(get_str(json_array_get(results, 3), "exempt_reason"),
			    "vendor image, ticket OPS-1");

	json_t *summary = json_object_get(root, "summary");
	assert_true(json_is_object(summary));
	assert_int_equal(json_integer_value(json_object_get(summary, "total")), 4);
	assert_int_equal(json_integer_value(json_object_get(summary, "fail")), 1);
	assert_int_equal(json_integer_value(json_object_get(summary, "warn")), 1);
	assert_int_equal(json_integer_value(json_object_get(summary, "pass")), 1);
	assert_int_equal(json_integer_value(json_object_get(summary, "exempt")), 1);

	json_decref(root);
	batch_release(&b);
}

/* The direct writer against jansson, the reference: same bytes for any text. */
static void assert_string_like_jansson(const char *s)
{
	json_t *v = json_string_safe(s);
	_cleanup_free_ char *want =
		json_dumps(v, JSON_ENSURE_ASCII | JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	json_add_string(&got, s);
	assert_non_null(want);
	assert_string_equal(strbuf_str(&got), want);
}

static void test_json_string_like_jansson(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"",
		"plain",
		"quote \" backslash \\ slash /",
		"\b\f\n\r\t\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3 \xef\xbf\xbf",
		"\xc2\x80\xc2\x9f C1",
		"bad \xff byte",
		"truncated \xe2\x82",
		"overlong \xc0\xaf \xe0\x80\xaf",
		"surrogate \xed\xa0\x80",
		"too big \xf4\x90\x80\x80 \xf5\x80\x80\x80",
		"invalid with control \x1b and \\ and \xc3\xa9 \x80",
		ESC_NAME,
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_like_jansson(cases[i]);
	assert_string_like_jansson(NULL);
	/* And random bytes, biased towards the interesting ones. */
	static const unsigned char pick[] = {'a',  '"',	 '\\', '\n', 0x01, 0x7f, 0x80, 0xbf,
					     0xc2, 0xc3, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4,
					     0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f, ' ',  '/'};
	unsigned int seed = 12345;
	for (int n = 0; n < 20000; n++) {
		char s[16];
		size_t len = (size_t)(n % 15);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			s[k] = (char)pick[(seed >> 16) % sizeof(pick)];
		}
		s[len] = '\0';
		assert_string_like_jansson(s);
	}
}

static void assert_result_like_jansson(const struct workload *w, const struct judgement *j)
{
	json_t *o = result_to_json(w, j);
	_cleanup_free_ char *want =
		json_dumps(o, JSON_ENSURE_ASCII | JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	result_write_json(&got, w, j);
	assert_non_null(want);
	assert_string_equal(strbuf_str(&got), want);
}

static void test_json_result_like_jansson(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_mixed(&b);
	struct workload *w = batch_add(&b, NULL, ESC_NAME, "caf\xc3\xa9:\xff", false);
	free(w->state);
	w->state = NULL;
	workload_add_mount(w, &(struct mount){.kind = MOUNT_TMPFS,
					      .target = "/tmp",
					      .writable = true,
					      .size_bytes = 1LL << 40});
	workload_add_mount(
		w,
		&(struct mount){.kind = MOUNT_BIND, .target = "/data", .source = "/srv/\"data\""});
	w->origin.compose_project = xstrdup("proj");
	w->origin.compose_service = xstrdup("web");
	w->origin.compose_files = xstrdup(",a.yaml,,b\xe2\x82\xac.yaml,");
	w->origin.file = xstrdup("dir/compose.yaml");
	w->origin.line = 12;
	w->origin.column = -3;
	w->origin.kind = "compose";
	w->origin.workload = xstrdup("web");
	w->origin.container = xstrdup("web\n");
	w = batch_add(&b, "x", "only-service", NULL, true);
	w->privileged = true;
	w->origin.compose_service = xstrdup("svc");
	w->origin.file = xstrdup("k.yaml");
	w->origin.kind = "kubernetes";
	batch_add(&b, "y", "no-compose", "img", false)->origin.compose_files = xstrdup("a,b");
	for (size_t i = 4; i < b.n; i++) /* batch_mixed() judged the first four */
		rule_judge(&b.v[i].w, NULL, &b.v[i].j);
	/* Several reasons make one message joined with "; ". */
	strv_add(&b.v[b.n - 2].j.reasons, "second \xff reason");
	for (size_t i = 0; i < b.n; i++)
		assert_result_like_jansson(&b.v[i].w, &b.v[i].j);
	/* With several engines each result starts with its engine. */
	b.v[0].w.origin.engine = "ssh://u@h\xff\"";
	assert_result_like_jansson(&b.v[0].w, &b.v[0].j);
	b.v[0].w.origin.engine = NULL;
	/* A Swarm service of an audit: "kind" says so. */
	w = batch_add(&b, "svc\"1", "svc", "img", true);
	w->origin.swarm_service = true;
	w->origin.kind = "swarm";
	w->origin.engine = "e";
	rule_judge(w, NULL, &b.v[b.n - 1].j);
	assert_result_like_jansson(w, &b.v[b.n - 1].j);
	w->origin.engine = NULL;
	batch_release(&b);
}

/* A Swarm service beside the containers: every format names it a service and counts it. */
static void test_service_in_every_format(void **state)
{
	(void)state;
	static const char *const formats[] = {"table", "text",	"json", "jsonl",
					      "sarif", "junit", "csv"};
	static const char *const wants[] = {
		"\nwarn     service svc-sa  ",
		"warn: service svc-sa: ",
		"{\"kind\":\"service\",\"id\":\"s0002\",\"name\":\"svc-sa\"",
		"{\"kind\":\"service\",\"id\":\"s0002\",\"name\":\"svc-sa\"",
		"\"fullyQualifiedName\":\"service/s0002\"",
		"<testcase classname=\"rootlock.audit\" name=\"service svc-sa\">",
		"\r\ns0002,service svc-sa,busybox,,true,warn,",
	};
	static const char *const summaries[] = {
		"4 containers and 2 services: 1 pass, 2 fail, 2 warn, 1 exempt\n",
		"6 results: 1 pass, 2 fail, 2 warn, 1 exempt\n",
		"\"skipped\":0,\"services\":2}}",
		NULL,
		"\"service svc-sa: ",
		"tests=\"6\"",
		NULL,
	};
	for (size_t f = 0; f < ARRAY_SIZE(formats); f++) {
		struct batch b = {0};
		batch_mixed(&b);
		struct workload *w = batch_add(&b, "s0001", "svc-rw", "busybox", false);
		w->origin.swarm_service = true;
		w = batch_add(&b, "s0002", "svc-sa", "busybox", true);
		w->origin.swarm_service = true;
		w->cap_sys_admin = true;
		for (size_t i = 0; i < b.n; i++)
			free(b.v[i].w.state), b.v[i].w.state = i < 4 ? xstrdup("running") : NULL;
		for (size_t i = 4; i < b.n; i++)
			rule_judge(&b.v[i].w, NULL, &b.v[i].j);
		assert_int_equal(b.v[5].j.verdict, VERDICT_WARN);
		_cleanup_free_ char *out = run_reporter(formats[f], &b, false);
		if (!strstr(out, wants[f]))
			fail_msg("%s: no %s in:\n%s", formats[f], wants[f], out);
		if (summaries[f] && !strstr(out, summaries[f]))
			fail_msg("%s: no %s in:\n%s", formats[f], summaries[f], out);
		if (streq(formats[f], "json") || streq(formats[f], "jsonl"))
			assert_non_null(
				strstr(out, "{\"kind\":\"container\",\"id\":\"f00dfeed0001\""));
		batch_release(&b);
	}
}

/* An audit of several engines names the engine in every format; one engine's output has no trace of
 * it. */
static void test_engine_in_every_format(void **state)
{
	(void)state;
	static const char *const formats[] = {"table", "json", "jsonl", "sarif", "junit", "csv"};
	static const char *const wants[] = {"ENGINE",
					    "\"engine\":\"ssh://ops@far\"",
					    "\"engine\":\"ssh://ops@far\"",
					    "\"engine\":\"ssh://ops@far\"",
					    "<property name=\"engine\" value=\"ssh://ops@far\"/>",
					    "engine,id,name"};
	for (size_t f = 0; f < ARRAY_SIZE(formats); f++) {
		struct batch b = {0};
		batch_mixed(&b);
		_cleanup_free_ char *alone = run_reporter(formats[f], &b, false);
		assert_null(strstr(alone, "ssh://ops@far"));
		for (size_t i = 0; i < b.n; i++)
			b.v[i].w.origin.engine = i % 2 ? "ssh://ops@far" : "near\033[31m";
		_cleanup_free_ char *out = run_reporter_engines(formats[f], &b, false, true);
		assert_non_null(strstr(out, wants[f]));
		assert_non_null(strstr(out, "near"));
		assert_null(strchr(out, '\033'));
		/* The same results without per_engine (one engine): unchanged from before. */
		for (size_t i = 0; i < b.n; i++)
			b.v[i].w.origin.engine = NULL;
		_cleanup_free_ char *again = run_reporter(formats[f], &b, false);
		assert_string_equal(again, alone);
		batch_release(&b);
	}
}

static void test_json_empty(void **state)
{
	(void)state;
	struct batch b = {0};
	_cleanup_free_ char *out = run_reporter("json", &b, false);
	json_t *root = parse_json(out);
	assert_int_equal(json_array_size(json_object_get(root, "results")), 0);
	json_decref(root);
}

/* --- SARIF --- */

static json_t *sarif_run(json_t *root)
{
	json_t *runs = json_object_get(root, "runs");
	assert_true(json_is_array(runs));
	assert_int_equal(json_array_size(runs), 1);
	return json_array_get(runs, 0);
}

/* The result whose logical location names the container, or NULL. */
static json_t *sarif_result_for(json_t *root, const char *name)
{
	json_t *results = json_object_get(sarif_run(root), "results");
	size_t i;
	json_t *res;
	json_array_foreach (results, i, res) {
		json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
		json_t *logical = json_array_get(json_object_get(loc, "logicalLocations"), 0);
		if (streq(json_string_value(json_object_get(logical, "name")), name))
			return res;
	}
	return NULL;
}

static void test_sarif_document(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_mixed(&b);
	_cleanup_free_ char *out = run_reporter("sarif", &b, false);
	json_t *root = parse_json(out);

	assert_string_equal(get_str(root, "version"), "2.1.0");
	assert_string_equal(get_str(root, "$schema"),
			    "https://json.schemastore.org/sarif-2.1.0.json");
	json_t *driver = json_object_get(json_object_get(sarif_run(root), "tool"), "driver");
	assert_string_equal(get_str(driver, "name"), "rootlock");
	assert_true(strlen(get_str(driver, "version")) > 0);

	json_t *rules = json_object_get(driver, "rules");
	assert_int_equal(json_array_size(rules), 2);
	json_t *rl1 = json_array_get(rules, 0), *rl2 = json_array_get(rules, 1);
	assert_string_equal(get_str(rl1, "id"), "RL001");
	assert_string_equal(get_str(rl1, "name"), "WritableRootFilesystem");
	assert_string_equal(get_str(json_object_get(rl1, "defaultConfiguration"), "level"),
			    "error");
	assert_non_null(get_str(json_object_get(rl1, "shortDescription"), "text"));
	assert_non_null(get_str(json_object_get(rl1, "fullDescription"), "text"));
	assert_non_null(get_str(json_object_get(rl1, "help"), "text"));
	json_t *tags = json_object_get(json_object_get(rl1, "properties"), "tags");
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "security");
	assert_string_equal(json_string_value(json_array_get(tags, 1)), "CIS-Docker-5.12");
	assert_string_equal(get_str(rl2, "id"), "RL002");
	assert_string_equal(get_str(rl2, "name"), "DefeatableReadOnlyRootFilesystem");
	assert_string_equal(get_str(json_object_get(rl2, "defaultConfiguration"), "level"),
			    "warning");

	/* pass produces nothing; fail, warn and the exemption one result each. */
	assert_int_equal(json_array_size(json_object_get(sarif_run(root), "results")), 3);
	assert_null(sarif_result_for(root, "cache"));

	json_t *fail = sarif_result_for(root, "web");
	assert_non_null(fail);
	assert_string_equal(get_str(fail, "ruleId"), "RL001");
	assert_string_equal(get_str(fail, "level"), "error");
	assert_null(json_object_get(fail, "suppressions"));
	const char *text = get_str(json_object_get(fail, "message"), "text");
	assert_non_null(strstr(text, "web"));
	assert_non_null(strstr(text, "the root filesystem is writable"));
	assert_non_null(strstr(text, "--read-only"));
	json_t *loc = json_array_get(json_object_get(fail, "locations"), 0);
	assert_null(json_object_get(loc, "physicalLocation")); /* no file for a bare container */
	json_t *logical = json_array_get(json_object_get(loc, "logicalLocations"), 0);
	assert_string_equal(get_str(logical, "kind"), "resource");
	assert_string_equal(get_str(logical, "fullyQualifiedName"), "container/f00dfeed0001");
	assert_string_equal(get_str(json_object_get(fail, "partialFingerprints"), "rootlock/v1"),
			    "name|web");

	json_t *warn = sarif_result_for(root, "worker");
	assert_non_null(warn);
	assert_string_equal(get_str(warn, "ruleId"), "RL002");
	assert_string_equal(get_str(warn, "level"), "warning");

	json_t *exempt = sarif_result_for(root, "legacy");
	assert_non_null(exempt);
	assert_string_equal(get_str(exempt, "ruleId"), "RL001");
	json_t *sup = json_array_get(json_object_get(exempt, "suppressions"), 0);
	assert_non_null(sup);
	assert_string_equal(get_str(sup, "kind"), "external");
	assert_string_equal(get_str(sup, "justification"), "vendor image, ticket OPS-1");

	json_decref(root);
	batch_release(&b);
}

static void test_sarif_strict_warn_is_error(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_mixed(&b);
	_cleanup_free_ char *out = run_reporter("sarif", &b, true);
	json_t *root = parse_json(out);
	json_t *warn = sarif_result_for(root, "worker");
	assert_non_null(warn);
	assert_string_equal(get_str(warn, "ruleId"), "RL002");
	assert_string_equal(get_str(warn, "level"), "error");
	json_decref(root);
	batch_release(&b);
}

static void test_sarif_empty(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_add(&b, "f00dfeed0003", "cache", "redis:7", true);
	batch_judge(&b);
	_cleanup_free_ char *out = run_reporter("sarif", &b, false);
	json_t *root = parse_json(out);
	json_t *results = json_object_get(sarif_run(root), "results");
	assert_true(json_is_array(results));
	assert_int_equal(json_array_size(results), 0);
	json_decref(root);
	batch_release(&b);
}

static void test_sarif_locations(void **state)
{
	(void)state;
	struct batch b = {0};
	/* A live Compose container: the file Compose recorded, no position. */
	struct workload *w = batch_add(&b, "c0mp05e", "shop-web-1", "shop/web:3", false);
	w->origin.compose_project = xstrdup("shop");
	w->origin.compose_service = xstrdup("web");
	w->origin.compose_files =
		xstrdup("/srv/my shop/compose.yaml,/srv/my shop/compose.prod.yaml");
	w->origin.compose_workdir = xstrdup("/srv/my shop");
	/* lint: a file in the repository and the key's position. */
	w = batch_add(&b, NULL, "api", "shop/api:3", false);
	w->origin.compose_service = xstrdup("api");
	w->origin.file = xstrdup("deploy/compose.yaml");
	w->origin.line = 12;
	w->origin.column = 5;
	/* lint without a known position: no region rather than a bogus one. */
	w = batch_add(&b, NULL, "db", "postgres:16", false);
	w->origin.file = xstrdup("deploy/compose.yaml");
	batch_judge(&b);

	_cleanup_free_ char *out = run_reporter("sarif", &b, false);
	json_t *root = parse_json(out);

	json_t *res = sarif_result_for(root, "shop-web-1");
	assert_non_null(res);
	json_t *phys = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
				       "physicalLocation");
	assert_non_null(phys);
	assert_string_equal(get_str(json_object_get(phys, "artifactLocation"), "uri"),
			    "file:///srv/my%20shop/compose.yaml");
	assert_null(json_object_get(phys, "region"));

	res = sarif_result_for(root, "api");
	assert_non_null(res);
	json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
	phys = json_object_get(loc, "physicalLocation");
	assert_string_equal(get_str(json_object_get(phys, "artifactLocation"), "uri"),
			    "deploy/compose.yaml");
	json_t *region = json_object_get(phys, "region");
	assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 12);
	assert_int_equal(json_integer_value(json_object_get(region, "startColumn")), 5);
	json_t *logical = json_array_get(json_object_get(loc, "logicalLocations"), 0);
	assert_string_equal(get_str(logical, "fullyQualifiedName"), "container/api");
	/* No id in lint: the fingerprint still identifies the workload. */
	const char *fp = get_str(json_object_get(res, "partialFingerprints"), "rootlock/v1");
	assert_non_null(strstr(fp, "api"));
	assert_non_null(strstr(fp, "deploy/compose.yaml"));

	res = sarif_result_for(root, "db");
	assert_non_null(res);
	phys = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
			       "physicalLocation");
	assert_non_null(phys);
	assert_null(json_object_get(phys, "region"));

	json_decref(root);
	batch_release(&b);
}

/* Terminal escapes and invalid UTF-8 in a name: never raw, never lost. */
static void test_sarif_hostile_strings(void **state)
{
	(void)state;
	struct batch b = {0};
	struct workload *w = batch_add(&b, "e5c", ESC_NAME, "img\xff\xfe:1", false);
	w->has_exempt_label = true;
	w->exempt_reason = xstrdup("because\x1b[2J");
	batch_add(&b, "bad", "bad\xc3", "img:1", false);
	batch_judge(&b);

	_cleanup_free_ char *out = run_reporter("sarif", &b, false);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	assert_null(strchr(out, '\xff'));
	json_t *root = parse_json(out);
	json_t *results = json_object_get(sarif_run(root), "results");
	assert_int_equal(json_array_size(results), 2);
	json_t *res = json_array_get(results, 0);
	const char *text = get_str(json_object_get(res, "message"), "text");
	assert_true(str_startswith(text, "evil\\x1b]0;pwned\\x07: "));
	json_t *sup = json_array_get(json_object_get(res, "suppressions"), 0);
	assert_null(strchr(get_str(sup, "justification"), '\x1b'));
	/* Invalid UTF-8 is reported, sanitized, instead of dropping the name. */
	res = json_array_get(results, 1);
	json_t *logical =
		json_array_get(json_object_get(json_array_get(json_object_get(res, "locations"), 0),
					       "logicalLocations"),
			       0);
	assert_string_equal(get_str(logical, "name"), "bad\\xc3");
	json_decref(root);
	batch_release(&b);
}

/* --- JUnit --- */

static void test_junit_counts(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_mixed(&b);

	_cleanup_free_ char *out = run_reporter("junit", &b, false);
	assert_true(str_startswith(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
	assert_non_null(strstr(out, "<testsuites name=\"rootlock\""));
	assert_non_null(strstr(out, "<testsuite name=\"rootlock audit\" tests=\"4\" failures=\"1\" "
				    "errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(out, "<testcase classname=\"rootlock.audit\" name=\"web\">"));
	assert_non_null(strstr(out, "<failure type=\"fail\" message=\"the root filesystem is "
				    "writable\">"));
	assert_non_null(strstr(out, "--read-only"));
	assert_null(strstr(out, "type=\"warn\""));
	assert_non_null(strstr(out, "<system-out>warn: "));
	assert_non_null(strstr(out, "<skipped message=\"exempt: vendor image, ticket OPS-1\"/>"));
	assert_non_null(strstr(out, "</testsuite>\n</testsuites>\n"));

	_cleanup_free_ char *strict = run_reporter("junit", &b, true);
	assert_non_null(strstr(strict, "tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(strict, "<failure type=\"warn\""));
	batch_release(&b);
}

static void test_junit_empty(void **state)
{
	(void)state;
	struct batch b = {0};
	_cleanup_free_ char *out = run_reporter("junit", &b, false);
	assert_non_null(strstr(out, "tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(out, "</testsuites>"));
}

static void test_junit_escaping(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_add(&b, "x1", "a<b&c\"d'e>", "img:1", false);
	batch_add(&b, "x2", ESC_NAME, "img:1", false);
	/* U+FFFF is valid UTF-8 but not an XML character. */
	batch_add(&b, "x3", "nonchar\xef\xbf\xbf", "img:1", false);
	batch_add(&b, "x4", "broken\xc3(", "img:1", false);
	batch_judge(&b);

	_cleanup_free_ char *out = run_reporter("junit", &b, false);
	assert_non_null(strstr(out, "name=\"a&lt;b&amp;c&quot;d&apos;e&gt;\""));
	assert_null(strstr(out, "a<b"));
	assert_non_null(strstr(out, "name=\"evil\\x1b]0;pwned\\x07\""));
	assert_null(strstr(out, "\xef\xbf\xbf"));
	assert_non_null(strstr(out, "name=\"broken\\xc3(\""));
	/* Only the characters XML 1.0 allows: no C0 control but newline. */
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		assert_true(*p >= 0x20 || *p == '\n');
	batch_release(&b);
}

/* --- CSV --- */

#define CSV_HEADER                                                                                 \
	"id,name,image,state,readonly_rootfs,verdict,reasons,remediation,exempt_reason,"           \
	"compose_project,compose_service,compose_files\r\n"

static void test_csv_rows(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_mixed(&b);
	_cleanup_free_ char *out = run_reporter("csv", &b, false);

	assert_true(str_startswith(out, CSV_HEADER));
	/* One CRLF-terminated line per workload, and no bare LF. */
	size_t crlf = 0;
	for (const char *p = out; *p; p++) {
		if (*p == '\n') {
			assert_true(p > out && p[-1] == '\r');
			crlf++;
		}
	}
	assert_int_equal(crlf, 1 + b.n);
	assert_non_null(strstr(out, "\r\nf00dfeed0001,web,nginx:1.25,running,false,fail,"
				    "the root filesystem is writable,"));
	assert_non_null(strstr(out, "\r\nf00dfeed0003,cache,redis:7,running,true,pass,"
				    "the root filesystem is read-only,,,,,\r\n"));
	/* Two reasons joined with "; ". */
	assert_non_null(strstr(out, "remount / read-write; read-only, but CAP_SYS_ADMIN"));
	/* The exemption reason has a comma, so it is quoted. */
	assert_non_null(strstr(out, ",exempt,the root filesystem is writable,,"
				    "\"vendor image, ticket OPS-1\",,,\r\n"));
	batch_release(&b);
}

static void test_csv_quoting_and_injection(void **state)
{
	(void)state;
	struct batch b = {0};
	batch_add(&b, "q1", "web,\"prod\"", "img:1", true);
	batch_add(&b, "q2", FORMULA, "@evil", true);
	batch_add(&b, "q3", ESC_NAME, "-1+1", true);
	struct workload *w = batch_add(&b, "q4", "svc", "img:1", false);
	w->origin.compose_project = xstrdup("+proj");
	w->origin.compose_service = xstrdup("svc");
	w->origin.compose_files = xstrdup("/a/compose.yaml,/a/override.yaml");
	batch_judge(&b);
	_cleanup_free_ char *out = run_reporter("csv", &b, false);

	assert_non_null(strstr(out, "\r\nq1,\"web,\"\"prod\"\"\",img:1,"));
	assert_non_null(strstr(out, "\r\nq2,'" FORMULA ",'@evil,"));
	assert_null(strstr(out, "," FORMULA));
	assert_non_null(strstr(out, "\r\nq3,evil\\x1b]0;pwned\\x07,'-1+1,"));
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	/* The remediation names the files, so it contains a comma and is quoted. */
	assert_non_null(strstr(out, ",'+proj,svc,\"/a/compose.yaml,/a/override.yaml\"\r\n"));
	batch_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reporter_find),
		cmocka_unit_test(test_json_results_and_summary),
		cmocka_unit_test(test_json_string_like_jansson),
		cmocka_unit_test(test_json_result_like_jansson),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_sarif_document),
		cmocka_unit_test(test_sarif_strict_warn_is_error),
		cmocka_unit_test(test_sarif_empty),
		cmocka_unit_test(test_sarif_locations),
		cmocka_unit_test(test_sarif_hostile_strings),
		cmocka_unit_test(test_junit_counts),
		cmocka_unit_test(test_junit_empty),
		cmocka_unit_test(test_junit_escaping),
		cmocka_unit_test(test_csv_rows),
		cmocka_unit_test(test_engine_in_every_format),
		cmocka_unit_test(test_service_in_every_format),
		cmocka_unit_test(test_csv_quoting_and_injection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
