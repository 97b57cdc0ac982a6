/* SPDX-License-Identifier: MIT */
/*
 * The watcher's bookkeeping without an engine: reconciling one audit with
 * the next, events that need no inspect, new exemptions, and the metrics,
 * read back by a strict parser of the Prometheus text format (0.0.4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <string.h>

#include <unistd.h>

#include "audit.h"
#include "fileio.h"
#include "httpd.h"
#include "inspect.h"
#include "watch.h"

/* ---- a strict reader of the text exposition format ---- */

struct sample {
	char *name;
	struct strv labels; /* name, value (unescaped), name, value, ... */
	double value;
};

struct exposition {
	struct sample *v;
	size_t n;
};

static void exposition_release(struct exposition *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].name);
		strv_release(&e->v[i].labels);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static bool metric_name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' ||
	       (!first && isdigit((unsigned char)c));
}

/* A name at *p; advances past it. */
static char *take_name(const char **p, bool label)
{
	const char *s = *p;
	while (metric_name_char(**p, *p == s) && !(label && **p == ':'))
		(*p)++;
	if (*p == s)
		fail_msg("expected a name at '%.20s'", s);
	return xstrndup(s, (size_t)(*p - s));
}

static double take_value(const char *s)
{
	if (streq(s, "+Inf"))
		return INFINITY;
	if (streq(s, "-Inf"))
		return -INFINITY;
	if (streq(s, "NaN"))
		return NAN;
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end)
		fail_msg("bad sample value '%s'", s);
	return v;
}

/*
 * Every line ends with \n; comments are HELP or TYPE, at most one of each per
 * family and before its samples; a family's samples are together; label
 * values know only the escapes \\ \" \n; no series twice.
 */
static void parse_exposition(const char *text, struct exposition *out)
{
	struct strv typed = STRV_INIT, helped = STRV_INIT, finished = STRV_INIT, series = STRV_INIT;
	char *current = NULL;
	size_t len = strlen(text);
	assert_true(len > 0 && text[len - 1] == '\n');
	const char *line = text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		_cleanup_free_ char *l = xstrndup(line, (size_t)(nl - line));
		line = nl + 1;
		if (!*l)
			fail_msg("empty line");
		if (l[0] == '#') {
			const char *p = l + 1;
			bool help = str_startswith(p, " HELP "), type = str_startswith(p, " TYPE ");
			if (!help && !type)
				fail_msg("a comment that is neither HELP nor TYPE: %s", l);
			p += 6;
			_cleanup_free_ char *name = take_name(&p, false);
			if (*p != ' ')
				fail_msg("no text after the name: %s", l);
			p++;
			if (strv_contains(&finished, name) || streq(current, name) ||
			    strv_contains(help ? &helped : &typed, name))
				fail_msg("%s for %s after its samples, or twice",
					 help ? "HELP" : "TYPE", name);
			if (type && !streq(p, "gauge") && !streq(p, "counter") &&
			    !streq(p, "untyped") && !streq(p, "summary") && !streq(p, "histogram"))
				fail_msg("unknown type '%s'", p);
			strv_add(help ? &helped : &typed, name);
			continue;
		}
		const char *p = l;
		struct sample s = {.name = take_name(&p, false)};
		if (!strv_contains(&typed, s.name))
			fail_msg("sample of %s without a TYPE", s.name);
		if (!streq(current, s.name)) {
			if (strv_contains(&finished, s.name))
				fail_msg("samples of %s are not together", s.name);
			if (current)
				strv_add(&finished, current);
			free(current);
			current = xstrdup(s.name);
		}
		struct strbuf key = STRBUF_INIT;
		strbuf_addstr(&key, s.name);
		if (*p == '{') {
			p++;
			while (*p != '}') {
				_cleanup_free_ char *lname = take_name(&p, true);
				for (size_t i = 0; i < s.labels.n; i += 2)
					if (streq(s.labels.v[i], lname))
						fail_msg("label %s twice", lname);
				if (*p++ != '=' || *p++ != '"')
					fail_msg("expected =\" after %s", lname);
				struct strbuf v = STRBUF_INIT;
				for (; *p != '"'; p++) {
					if (!*p)
						fail_msg("unterminated label value in %s", l);
					if (*p != '\\') {
						strbuf_addch(&v, *p);
						continue;
					}
					p++;
					if (*p == '\\' || *p == '"')
						strbuf_addch(&v, *p);
					else if (*p == 'n')
						strbuf_addch(&v, '\n');
					else
						fail_msg("bad escape \\%c in %s", *p, l);
				}
				p++;
				strbuf_addf(&key, "|%s=%s", lname, strbuf_str(&v));
				strv_add(&s.labels, lname);
				strv_push(&s.labels, strbuf_detach(&v));
				if (*p == ',')
					p++;
				else if (*p != '}')
					fail_msg("expected , or } in %s", l);
			}
			p++;
		}
		if (*p != ' ')
			fail_msg("expected a space before the value in %s", l);
		p++;
		const char *space = strchr(p, ' ');
		_cleanup_free_ char *value = space ? xstrndup(p, (size_t)(space - p)) : xstrdup(p);
		s.value = take_value(value);
		if (space)
			take_value(space + 1); /* a timestamp */
		if (strv_contains(&series, strbuf_str(&key)))
			fail_msg("series twice: %s", l);
		strv_push(&series, strbuf_detach(&key));
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = s;
	}
	free(current);
	strv_release(&typed);
	strv_release(&helped);
	strv_release(&finished);
	strv_release(&series);
}

static const char *label(const struct sample *s, const char *name)
{
	for (size_t i = 0; i + 1 < s->labels.n; i += 2)
		if (streq(s->labels.v[i], name))
			return s->labels.v[i + 1];
	return NULL;
}

/* The value of the one sample name{label=value} (label may be NULL). */
static double value_of(const struct exposition *e, const char *name, const char *lname,
		       const char *lvalue)
{
	for (size_t i = 0; i < e->n; i++)
		if (streq(e->v[i].name, name) && (!lname || streq(label(&e->v[i], lname), lvalue)))
			return e->v[i].value;
	fail_msg("no sample %s{%s=%s}", name, lname ? lname : "", lvalue ? lvalue : "");
	return -1;
}

static const struct sample *info_of(const struct exposition *e, const char *id)
{
	for (size_t i = 0; i < e->n; i++)
		if (streq(e->v[i].name, "rootlock_container_info") &&
		    streq(label(&e->v[i], "id"), id))
			return &e->v[i];
	return NULL;
}

/* The parser itself refuses what the format does not allow. */
static void test_parser_is_strict(void **state)
{
	const char *good = "# HELP a_b x \\ y\n# TYPE a_b gauge\na_b{l=\"q\\\"\\\\\\n\"} 1\n";
	struct exposition e = {0};
	parse_exposition(good, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(label(&e.v[0], "l"), "q\"\\\n");
	exposition_release(&e);
}

/* ---- the watcher ---- */

struct recorded {
	struct strv lines; /* "name old->new cause" */
};

static void record(const struct watch_record *rec, void *userdata)
{
	struct recorded *r = userdata;
	strv_addf(&r->lines, "%s %s->%s %s", rec->name,
		  rec->old_verdict < 0 ? "none" : verdict_name(rec->old_verdict),
		  rec->new_verdict < 0 ? "none" : verdict_name(rec->new_verdict), rec->cause);
}

static struct watch *new_watch_at(struct recorded *r, const char *host)
{
	struct endpoint_options eo = {.host = host};
	struct endpoint ep = {0};
	struct rl_error err = {0};
	assert_int_equal(endpoint_resolve(&eo, &ep, &err), 0);
	struct engine_options opt = {.timeout_ms = 1000};
	struct engine *e = NULL;
	assert_int_equal(engine_open(&ep, &opt, &e, &err), 0);
	struct watch_options wo = {.on_record = record, .userdata = r};
	struct watch *w = NULL;
	assert_int_equal(watch_new(e, NULL, &wo, &w, &err), 0);
	return w;
}

static struct watch *new_watch(struct recorded *r)
{
	return new_watch_at(r, "unix:///nonexistent/rootlock-test.sock");
}

/* A real engine's inspect answer, renamed and re-identified. */
static void load_item(struct audit_item *item, const char *fixture, const char *id,
		      const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/inspect/%s.json", TEST_DATA, fixture);
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	assert_non_null(j);
	struct rl_error err = {0};
	memset(item, 0, sizeof(*item));
	assert_int_equal(workload_from_inspect(j, &item->w, &err), 0);
	json_decref(j);
	free(item->w.id);
	item->w.id = xstrdup(id);
	free(item->w.name);
	item->w.name = xstrdup(name);
	item->status = AUDIT_ITEM_OK;
}

static void expect_lines(struct recorded *r, const char *const *want, size_t n)
{
	for (size_t i = 0; i < r->lines.n; i++)
		print_message("# got: %s\n", r->lines.v[i]);
	assert_int_equal(r->lines.n, n);
	for (size_t i = 0; i < n; i++)
		assert_true(strv_contains(&r->lines, want[i]));
	strv_release(&r->lines);
}

static void test_reconcile(void **state)
{
	struct recorded r = {0};
	struct watch *w = new_watch(&r);
	struct audit_set set = {.n = 2};
	set.items = xcalloc(set.n, sizeof(*set.items));
	load_item(&set.items[0], "shop-cart", "aaa", "cart");
	load_item(&set.items[1], "api-readonly", "bbb", "api");
	watch_reconcile(w, &set, "audit");
	audit_set_release(&set);
	const char *first[] = {"cart none->fail audit", "api none->pass audit"};
	expect_lines(&r, first, 2);
	assert_int_equal(watch_count(w, -1), 2);

	/* While away: cart removed (gone before its inspect), api renamed, web created. */
	set.n = 3;
	set.items = xcalloc(set.n, sizeof(*set.items));
	set.items[0].status = AUDIT_ITEM_GONE;
	load_item(&set.items[1], "api-readonly", "bbb", "api-2");
	load_item(&set.items[2], "web-writable", "ccc", "web");
	watch_reconcile(w, &set, "resync");
	audit_set_release(&set);
	const char *second[] = {"cart fail->none resync", "web none->fail resync"};
	expect_lines(&r, second, 2);
	assert_int_equal(watch_count(w, VERDICT_FAIL), 1);
	assert_int_equal(watch_count(w, VERDICT_PASS), 1);

	/* One answer unusable: what the list lacks is not taken as removed. */
	set.n = 1;
	set.items = xcalloc(set.n, sizeof(*set.items));
	set.items[0].status = AUDIT_ITEM_ERROR;
	set.items[0].error = xstrdup("bad answer");
	watch_reconcile(w, &set, "resync");
	audit_set_release(&set);
	expect_lines(&r, NULL, 0);
	assert_int_equal(watch_count(w, -1), 2);
	watch_free(w);
}

static void test_events_and_exemptions(void **state)
{
	struct recorded r = {0};
	struct watch *w = new_watch(&r);
	struct audit_set set = {.n = 2};
	set.items = xcalloc(set.n, sizeof(*set.items));
	load_item(&set.items[0], "shop-cart", "aaa", "cart");
	load_item(&set.items[1], "web-writable", "ccc", "web");
	watch_reconcile(w, &set, "audit");
	audit_set_release(&set);
	strv_release(&r.lines);

	/* An exemption read again (SIGHUP) changes a verdict without the engine. */
	struct exemptions ex = {0};
	struct rl_error err = {0};
	const char *cfg = "{\"exempt\":[{\"name\":\"web\",\"reason\":\"vendor image\"}]}";
	assert_int_equal(config_parse(cfg, strlen(cfg), "test.json", &ex, &err), 0);
	watch_set_exemptions(w, &ex);
	const char *exempted[] = {"web fail->exempt config"};
	expect_lines(&r, exempted, 1);

	/* destroy needs no inspect; other types are counted, not judged. */
	struct engine_event destroy = {.type = "container", .action = "destroy", .id = "aaa"};
	struct engine_event net = {.type = "network", .action = "create", .id = "n1"};
	assert_int_equal(watch_handle_event(w, &destroy, &err), 0);
	assert_int_equal(watch_handle_event(w, &net, &err), 0);
	const char *destroyed[] = {"cart fail->none destroy"};
	expect_lines(&r, destroyed, 1);

	/* An inspect the engine does not answer is an error (reconnect), not a removal. */
	struct engine_event start = {.type = "container", .action = "start", .id = "ccc"};
	assert_true(watch_handle_event(w, &start, &err) < 0);
	expect_lines(&r, NULL, 0);
	assert_int_equal(watch_count(w, -1), 1);

	_cleanup_free_ char *text = watch_metrics(w);
	struct exposition e = {0};
	parse_exposition(text, &e);
	assert_true(value_of(&e, "rootlock_events_total", NULL, NULL) == 3);
	exposition_release(&e);
	watch_free(w);
}

/*
 * An engine that knows one container: its inspect is a real answer; any other
 * is the engine's 404, as for a container removed since its event.
 */
static void one_container_engine(const struct httpd_request *req, struct httpd_response *resp,
				 void *userdata)
{
	if (str_startswith(req->url, "/v") && strstr(req->url, "/containers/ccc/json")) {
		struct strbuf sb = STRBUF_INIT;
		struct rl_error err = {0};
		assert_int_equal(read_file_limited(TEST_DATA "/inspect/web-writable.json", 1 << 20,
						   &sb, &err),
				 0);
		resp->len = sb.len;
		resp->body = strbuf_detach(&sb);
	} else {
		resp->status = 404;
		resp->body = xstrdup("{\"message\":\"No such container: gone\"}");
		resp->len = strlen(resp->body);
	}
	resp->content_type = "application/json";
}

/* A container gone between its event and its inspect is destroyed, not an error. */
static void test_gone_before_inspect(void **state)
{
	char dir[] = "/tmp/rootlock-watch-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *addr = xasprintf("unix:%s/engine.sock", dir);
	struct httpd *fake = NULL;
	struct rl_error err = {0};
	assert_int_equal(httpd_start(addr, NULL, one_container_engine, NULL, &fake, &err), 0);
	_cleanup_free_ char *host = xasprintf("unix://%s/engine.sock", dir);
	struct recorded r = {0};
	struct watch *w = new_watch_at(&r, host);

	struct audit_set set = {.n = 1};
	set.items = xcalloc(set.n, sizeof(*set.items));
	load_item(&set.items[0], "shop-cart", "gone", "cart");
	watch_reconcile(w, &set, "audit");
	audit_set_release(&set);
	strv_release(&r.lines);

	struct engine_event create = {.type = "container", .action = "create", .id = "ccc"};
	assert_int_equal(watch_handle_event(w, &create, &err), 0);
	struct engine_event start = {.type = "container", .action = "start", .id = "gone"};
	assert_int_equal(watch_handle_event(w, &start, &err), 0);
	struct engine_event unknown = {.type = "container", .action = "create", .id = "never"};
	assert_int_equal(watch_handle_event(w, &unknown, &err), 0);
	const char *want[] = {"web-writable none->fail create", "cart fail->none destroy"};
	expect_lines(&r, want, 2);
	assert_int_equal(watch_count(w, -1), 1);
	watch_free(w);
	httpd_stop(fake);
	rmdir(dir);
}

/* A Swarm engine: /info says whether it is a manager; /services answers the recorded list. */
struct swarm_fake {
	bool manager;
	bool services_fail; /* a manager that cannot list them */
	int services_asked;
	int info_asked;
	bool containers; /* one container, web-writable, in /containers/json */
};

static bool url_ends(const char *url, const char *tail)
{
	size_t n = strlen(url), k = strlen(tail);
	return n >= k && streq(url + n - k, tail);
}

static void swarm_engine(const struct httpd_request *req, struct httpd_response *resp,
			 void *userdata)
{
	struct swarm_fake *fake = userdata;
	struct strbuf sb = STRBUF_INIT;
	struct rl_error err = {0};
	if (fake->containers && url_ends(req->url, "/containers/json")) {
		strbuf_addstr(&sb, "[{\"Id\":\"c0ffee\",\"Names\":[\"/web-writable\"]}]");
	} else if (fake->containers && url_ends(req->url, "/containers/c0ffee/json")) {
		assert_int_equal(read_file_limited(TEST_DATA "/inspect/web-writable.json", 1 << 20,
						   &sb, &err),
				 0);
	} else if (url_ends(req->url, "/info")) {
		fake->info_asked++;
		strbuf_addf(&sb,
			    "{\"DockerRootDir\":\"/var/lib/docker\",\"Swarm\":{"
			    "\"LocalNodeState\":\"active\",\"ControlAvailable\":%s}}",
			    fake->manager ? "true" : "false");
	} else if (url_ends(req->url, "/services") && !fake->services_fail) {
		fake->services_asked++;
		assert_int_equal(
			read_file_limited(TEST_DATA "/services/list.json", 1 << 20, &sb, &err), 0);
	} else {
		fake->services_asked += url_ends(req->url, "/services");
		resp->status = 503;
		strbuf_addstr(&sb, "{\"message\":\"This node is not a swarm manager.\"}");
	}
	resp->len = sb.len;
	resp->body = strbuf_detach(&sb);
	resp->content_type = "application/json";
}

/*
 * audit asks GET /info once, beside the inspects, for the data root and
 * whether the engine is a manager; the services come without asking again.
 */
static void test_audit_asks_info_once(void **state)
{
	char dir[] = "/tmp/rootlock-swarm-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *addr = xasprintf("unix:%s/engine.sock", dir);
	_cleanup_free_ char *host = xasprintf("unix://%s/engine.sock", dir);
	struct swarm_fake fake = {.manager = true, .containers = true};
	struct httpd *server = NULL;
	struct rl_error err = {0};
	assert_int_equal(httpd_start(addr, NULL, swarm_engine, &fake, &server, &err), 0);
	struct endpoint ep = {0};
	assert_int_equal(endpoint_resolve(&(struct endpoint_options){.host = host}, &ep, &err), 0);
	struct engine_options opt = {.timeout_ms = 5000, .parallel = 4};
	struct engine *e = NULL;
	assert_int_equal(engine_open(&ep, &opt, &e, &err), 0);

	for (int manager = 1; manager >= 0; manager--) {
		fake.manager = manager;
		fake.info_asked = 0;
		fake.services_asked = 0;
		struct audit_query q = {0};
		struct audit_set set = {0}, services = {0};
		assert_int_equal(audit_collect(e, &q, NULL, NULL, &set, &err), 0);
		assert_int_equal(set.n, 1);
		assert_int_equal(set.items[0].status, AUDIT_ITEM_OK);
		assert_string_equal(set.items[0].w.name, "web-writable");
		assert_string_equal(set.items[0].w.engine_data_root, "/var/lib/docker");
		assert_true(set.info_read);
		assert_int_equal(set.swarm_manager, manager);
		assert_int_equal(audit_services_after(e, &q, &set, &services, &err), 0);
		assert_int_equal(services.n, manager ? 3 : 0);
		assert_int_equal(fake.info_asked, 1);
		assert_int_equal(fake.services_asked, manager);
		audit_set_release(&services);
		audit_set_release(&set);
	}

	engine_free(e);
	endpoint_release(&ep);
	httpd_stop(server);
	_cleanup_free_ char *sock = xasprintf("%s/engine.sock", dir);
	unlink(sock);
	rmdir(dir);
}

/* What audit and watch list: a manager's services, none (and no /services) elsewhere. */
static void test_collect_services(void **state)
{
	char dir[] = "/tmp/rootlock-swarm-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *addr = xasprintf("unix:%s/engine.sock", dir);
	_cleanup_free_ char *host = xasprintf("unix://%s/engine.sock", dir);
	struct swarm_fake fake = {.manager = true};
	struct httpd *server = NULL;
	struct rl_error err = {0};
	assert_int_equal(httpd_start(addr, NULL, swarm_engine, &fake, &server, &err), 0);
	struct endpoint_options eo = {.host = host};
	struct endpoint ep = {0};
	assert_int_equal(endpoint_resolve(&eo, &ep, &err), 0);
	struct engine_options opt = {.timeout_ms = 5000};
	struct engine *e = NULL;
	assert_int_equal(engine_open(&ep, &opt, &e, &err), 0);

	struct audit_set set = {0};
	bool manager = false;
	assert_int_equal(audit_collect_services(e, NULL, &manager, &set, &err), 0);
	assert_true(manager);
	assert_int_equal(set.n, 3);
	static const char *const names[] = {"svc-sysadmin", "svc-rw", "svc-ro"};
	static const enum verdict verdicts[] = {VERDICT_WARN, VERDICT_FAIL, VERDICT_PASS};
	for (size_t i = 0; i < set.n; i++) {
		assert_int_equal(set.items[i].status, AUDIT_ITEM_OK);
		const struct workload *w = &set.items[i].w;
		assert_string_equal(w->name, names[i]);
		assert_true(w->origin.swarm_service);
		assert_string_equal(w->image, "rootlock-test/busybox:latest");
		struct judgement j;
		rule_judge(w, NULL, &j);
		assert_int_equal(j.verdict, verdicts[i]);
		judgement_release(&j);
	}
	audit_set_release(&set);
	assert_int_equal(audit_services_or_none(e, NULL, &set, &err), 0);
	assert_int_equal(set.n, 3);
	audit_set_release(&set);
	assert_int_equal(fake.services_asked, 2);

	/* audit's selection: name and image globs, label=KEY[=VALUE] on the service's labels. */
	struct audit_query q = {0};
	strv_add(&q.name_globs, "svc-r*");
	assert_int_equal(audit_services_or_none(e, &q, &set, &err), 0);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.items[0].w.name, "svc-rw");
	audit_set_release(&set);
	strv_add(&q.labels, "x=1");
	assert_int_equal(audit_services_or_none(e, &q, &set, &err), 0);
	assert_int_equal(set.n, 0);
	audit_set_release(&set);
	strv_release(&q.name_globs);
	assert_int_equal(audit_services_or_none(e, &q, &set, &err), 0);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.items[0].w.name, "svc-sysadmin");
	audit_set_release(&set);
	strv_release(&q.labels);
	strv_add(&q.labels, "x");
	strv_add(&q.image_globs, "other/*");
	assert_int_equal(audit_services_or_none(e, &q, &set, &err), 0);
	assert_int_equal(set.n, 0);
	audit_set_release(&set);
	audit_query_release(&q);

	/* A manager that cannot list them: an error, not an audit without them. */
	fake.services_fail = true;
	assert_true(audit_services_or_none(e, NULL, &set, &err) < 0);
	assert_non_null(strstr(err.msg, "list the Swarm services"));
	rl_error_clear(&err);

	/* Not a manager: no services, and /services is not asked. */
	fake.manager = false;
	fake.services_asked = 0;
	assert_int_equal(audit_collect_services(e, NULL, &manager, &set, &err), 0);
	assert_false(manager);
	assert_int_equal(set.n, 0);
	audit_set_release(&set);
	assert_int_equal(audit_services_or_none(e, NULL, &set, &err), 0);
	assert_int_equal(set.n, 0);
	audit_set_release(&set);
	assert_int_equal(fake.services_asked, 0);

	engine_free(e);
	endpoint_release(&ep);
	httpd_stop(server);
	/* No /info at all (an engine that is not Docker's): audit has no services, no error. */
	assert_int_equal(
		endpoint_resolve(&(struct endpoint_options){.host = "unix:///nonexistent/rl.sock"},
				 &ep, &err),
		0);
	assert_int_equal(engine_open(&ep, &opt, &e, &err), 0);
	assert_true(audit_collect_services(e, NULL, NULL, &set, &err) < 0);
	rl_error_clear(&err);
	assert_int_equal(audit_services_or_none(e, NULL, &set, &err), 0);
	assert_int_equal(set.n, 0);
	audit_set_release(&set);
	engine_free(e);
	endpoint_release(&ep);
	_cleanup_free_ char *sock = xasprintf("%s/engine.sock", dir);
	unlink(sock);
	rmdir(dir);
}

/* Every series, with label values that need escaping, read back exactly. */
static void test_metrics(void **state)
{
	struct recorded r = {0};
	struct watch *w = new_watch(&r);
	struct audit_set set = {.n = 3};
	set.items = xcalloc(set.n, sizeof(*set.items));
	load_item(&set.items[0], "shop-cart", "aaa", "cart");
	load_item(&set.items[1], "api-readonly", "bbb", "api");
	load_item(&set.items[2], "worker-sysadmin", "ddd", "worker");
	struct workload *odd = &set.items[1].w;
	free(odd->image);
	odd->image = xstrdup("img\\with\"quote");
	free(odd->origin.compose_project);
	odd->origin.compose_project = xstrdup("line1\nline2 \\n \"x\"");
	free(odd->origin.compose_service);
	odd->origin.compose_service = xstrdup("sv\xc3\xa9");
	watch_reconcile(w, &set, "audit");
	audit_set_release(&set);
	strv_release(&r.lines);

	_cleanup_free_ char *text = watch_metrics(w);
	struct exposition e = {0};
	parse_exposition(text, &e);
	assert_true(value_of(&e, "rootlock_containers", "verdict", "pass") == 1);
	assert_true(value_of(&e, "rootlock_containers", "verdict", "fail") == 1);
	assert_true(value_of(&e, "rootlock_containers", "verdict", "warn") == 1);
	assert_true(value_of(&e, "rootlock_containers", "verdict", "exempt") == 0);
	assert_true(value_of(&e, "rootlock_engine_up", NULL, NULL) == 0);
	assert_true(value_of(&e, "rootlock_events_total", NULL, NULL) == 0);
	assert_true(value_of(&e, "rootlock_last_sync_timestamp_seconds", NULL, NULL) > 1.6e9);
	assert_true(value_of(&e, "rootlock_build_info", "version", ROOTLOCK_VERSION) == 1);
	const struct sample *api = info_of(&e, "bbb");
	assert_non_null(api);
	assert_true(api->value == 1);
	assert_string_equal(label(api, "name"), "api");
	assert_string_equal(label(api, "image"), "img\\with\"quote");
	assert_string_equal(label(api, "verdict"), "pass");
	assert_string_equal(label(api, "compose_project"), "line1\nline2 \\n \"x\"");
	assert_string_equal(label(api, "compose_service"), "sv\xc3\xa9");
	assert_string_equal(label(info_of(&e, "ddd"), "verdict"), "warn");
	assert_string_equal(label(info_of(&e, "aaa"), "compose_project"), "shop");
	exposition_release(&e);
	watch_free(w);
}

/* GET /services of a real Swarm manager: each service judged, and gone when the list lacks it. */
static void test_services(void **state)
{
	struct recorded r = {0};
	struct watch *w = new_watch(&r);
	json_error_t jerr;
	json_t *list = json_load_file(TEST_DATA "/services/list.json", 0, &jerr);
	assert_non_null(list);
	watch_reconcile_services(w, list, "audit");
	const char *first[] = {"svc-rw none->fail audit", "svc-ro none->pass audit",
			       "svc-sysadmin none->warn audit"};
	expect_lines(&r, first, 3);

	_cleanup_free_ char *text = watch_metrics(w);
	struct exposition e = {0};
	parse_exposition(text, &e);
	assert_true(value_of(&e, "rootlock_services", "verdict", "fail") == 1);
	assert_true(value_of(&e, "rootlock_services", "verdict", "warn") == 1);
	assert_true(value_of(&e, "rootlock_containers", "verdict", "fail") == 0);
	assert_true(value_of(&e, "rootlock_service_info", "name", "svc-ro") == 1);
	assert_null(info_of(&e, json_string_value(json_object_get(json_array_get(list, 0), "ID"))));
	exposition_release(&e);

	/* A container list does not remove services, nor the other way round. */
	struct audit_set set = {.n = 1};
	set.items = xcalloc(set.n, sizeof(*set.items));
	load_item(&set.items[0], "shop-cart", "aaa", "cart");
	watch_reconcile(w, &set, "resync");
	audit_set_release(&set);
	const char *cart[] = {"cart none->fail resync"};
	expect_lines(&r, cart, 1);
	json_array_remove(list, 0);
	watch_reconcile_services(w, list, "resync");
	assert_int_equal(r.lines.n, 1);
	assert_true(str_startswith(r.lines.v[0], "svc-"));
	assert_non_null(strstr(r.lines.v[0], "->none resync"));
	strv_release(&r.lines);
	/* No longer a manager: no services. */
	watch_reconcile_services(w, NULL, "resync");
	assert_int_equal(r.lines.n, 2);
	strv_release(&r.lines);
	assert_int_equal(watch_count(w, -1), 1);
	json_decref(list);
	watch_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_is_strict),
		cmocka_unit_test(test_reconcile),
		cmocka_unit_test(test_events_and_exemptions),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_collect_services),
		cmocka_unit_test(test_audit_asks_info_once),
		cmocka_unit_test(test_gone_before_inspect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
