/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "clone.h"
#include "report.h"
#include "runline.h"
#include "try.h"

#define LOG_MAX (1 << 20)

/*
 * How long removing what try made may wait for an engine that did not
 * answer a request in time (at least twice --timeout): it may still carry
 * the request out, and what it makes then must go too.
 */
#define CLEANUP_WAIT_S 60

static const volatile sig_atomic_t never;

static bool stopped(const struct try_options *o)
{
	return o->interrupted && *o->interrupted;
}

const char *try_proof_name(enum try_proof p)
{
	static const char *const names[] = {
		[TRY_PROOF_STARTED] = "started",
		[TRY_PROOF_HEALTHCHECK] = "healthcheck",
		[TRY_PROOF_EXEC] = "exec",
	};
	return p > TRY_PROOF_NONE && p <= TRY_PROOF_EXEC ? names[p] : NULL;
}

void try_round_release(struct try_round *r)
{
	free(r->outcome);
	strv_release(&r->evidence);
	plan_evidence_release(&r->paths);
}

void try_result_release(struct try_result *res)
{
	for (size_t i = 0; i < res->n_rounds; i++)
		try_round_release(&res->rounds[i]);
	free(res->rounds);
	free(res->target);
	free(res->image);
	free(res->run_line);
	plan_release(&res->plan);
	leftovers_release(&res->made);
	memset(res, 0, sizeof(*res));
}

int try_remove(struct try_result *res, const struct try_options *o, struct rl_error *err)
{
	struct leftovers *l = &res->made;
	if (!l->engine)
		return 0;
	double wait_s = 2 * o->timeout_s > CLEANUP_WAIT_S ? 2 * o->timeout_s : CLEANUP_WAIT_S;
	if (l->unsure.n && o->note) {
		_cleanup_free_ char *msg =
			xasprintf("the engine did not answer in time; waiting up to %.0f s for it "
				  "to finish, to remove what it made (Ctrl-C stops waiting)",
				  wait_s);
		o->note(o->note_ctx, msg);
	}
	if (o->cleaning)
		*o->cleaning = 1;
	int rc = leftovers_remove(l, now_ms() + (long long)(wait_s * 1000),
				  o->stop_waiting ? o->stop_waiting : &never, err);
	if (o->cleaning)
		*o->cleaning = 0;
	return rc;
}

void try_last_lines(const char *text, size_t n, struct strv *out)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	for (const char *l = text; *l;) {
		const char *end = strchrnul(l, '\n');
		strv_push(&lines, xstrndup(l, (size_t)(end - l)));
		l = *end ? end + 1 : end;
	}
	for (size_t i = lines.n > n ? lines.n - n : 0; i < lines.n; i++)
		if (*lines.v[i])
			strv_add(out, lines.v[i]);
}

static void read_logs(struct engine *e, const char *id, bool tty, struct try_round *r)
{
	_cleanup_free_ char *path =
		xasprintf("/containers/%s/logs?stdout=1&stderr=1&tail=2000", id);
	struct engine_buffer c = {.max = LOG_MAX, .truncate = true};
	struct rl_error err = {0};
	if (engine_get_stream(e, path, engine_buffer_sink, &c, &err) == 0) {
		_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
		logs_demux(c.buf.buf ? c.buf.buf : "", c.buf.len, tty, &text);
		logs_find_evidence(strbuf_str(&text), &r->evidence, &r->paths);
		/* With nothing specific, the last lines are the best evidence there is. */
		if (!r->evidence.n && !r->pass)
			try_last_lines(strbuf_str(&text), 6, &r->evidence);
	}
	strbuf_release(&c.buf);
}

/* Run the --exec probe in the clone; false with evidence if it failed. */
static bool run_probe(struct engine *e, const char *id, const char *cmd, struct try_round *r)
{
	struct rl_error err = {0};
	json_t *create = json_pack("{s:b, s:b, s:[s,s,s]}", "AttachStdout", 1, "AttachStderr", 1,
				   "Cmd", "sh", "-c", cmd);
	json_t *answer = NULL;
	_cleanup_free_ char *path = xasprintf("/containers/%s/exec", id);
	int rc = engine_call(e, "POST", path, create, &answer, &err);
	json_decref(create);
	const char *exec_id = json_string_value(json_object_get(answer, "Id"));
	if (rc < 0 || !exec_id) {
		r->outcome = xasprintf("the --exec command could not be started: %s", err.msg);
		json_decref(answer);
		return false;
	}
	_cleanup_free_ char *start = xasprintf("/exec/%s/start", exec_id);
	_cleanup_free_ char *inspect = xasprintf("/exec/%s/json", exec_id);
	json_decref(answer);
	json_t *start_body = json_pack("{s:b, s:b}", "Detach", 0, "Tty", 0);
	struct engine_buffer c = {.max = LOG_MAX, .truncate = true};
	rc = engine_call_stream(e, "POST", start, start_body, engine_buffer_sink, &c, &err);
	json_decref(start_body);
	json_t *state = NULL;
	if (rc == 0)
		rc = engine_get_json(e, inspect, &state, &err);
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	logs_demux(c.buf.buf ? c.buf.buf : "", c.buf.len, false, &text);
	strbuf_release(&c.buf);
	json_int_t code = json_integer_value(json_object_get(state, "ExitCode"));
	json_decref(state);
	if (rc < 0) {
		r->outcome = xasprintf("the --exec command failed to run: %s", err.msg);
		return false;
	}
	if (code != 0) {
		r->outcome = xasprintf(
			"it came up, but the --exec command exited with %lld%s", (long long)code,
			code == 126 || code == 127 ? " (no shell or command in the image?)" : "");
		logs_find_evidence(strbuf_str(&text), &r->evidence, &r->paths);
		if (!r->evidence.n && text.len)
			strv_push(&r->evidence,
				  xstrndup(text.buf, text.len > 500 ? 500 : text.len));
		return false;
	}
	return true;
}

bool try_watch_state(const json_t *container, long long elapsed_ms, double settle_s, double wait_s,
		     struct try_round *r)
{
	json_t *state = json_object_get(container, "State");
	const char *health =
		json_string_value(json_object_get(json_object_get(state, "Health"), "Status"));
	double elapsed_s = (double)elapsed_ms / 1000;
	if (!json_is_true(json_object_get(state, "Running"))) {
		r->outcome =
			xasprintf("it exited with code %lld after %.1f s",
				  (long long)json_integer_value(json_object_get(state, "ExitCode")),
				  elapsed_s);
		return true;
	}
	if (streq(health, "healthy")) {
		r->pass = true;
		r->proof = TRY_PROOF_HEALTHCHECK;
		r->outcome = xasprintf("healthy after %.1f s", elapsed_s);
		return true;
	}
	if (streq(health, "unhealthy")) {
		r->outcome = xstrdup("its HEALTHCHECK says unhealthy");
		return true;
	}
	if (!health && elapsed_ms >= (long long)(settle_s * 1000)) {
		r->pass = true;
		r->proof = TRY_PROOF_STARTED;
		r->outcome = xasprintf("stayed up for %.1f s (no HEALTHCHECK)", elapsed_s);
		return true;
	}
	if (elapsed_ms >= (long long)(wait_s * 1000)) {
		r->outcome = xasprintf("its HEALTHCHECK did not pass within %.0f s", wait_s);
		return true;
	}
	return false;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Start the container and wait until it is healthy, settled, or gone. */
static int wait_up(struct engine *e, const char *id, const struct try_options *o,
		   struct try_round *r, struct rl_error *err)
{
	_cleanup_free_ char *start = xasprintf("/containers/%s/start", id);
	int rc = engine_call(e, "POST", start, NULL, NULL, err);
	if (rc < 0) {
		/* The runtime refusing the mounts is a verdict, not an engine failure. */
		r->outcome = xasprintf("it could not start: %s", err->msg);
		rl_error_clear(err);
		return 0;
	}
	_cleanup_free_ char *path = xasprintf("/containers/%s/json", id);
	long long t0 = now_ms();
	while (!stopped(o)) {
		json_t *c = NULL;
		if ((rc = engine_get_json(e, path, &c, err)) < 0)
			return rc;
		bool decided = try_watch_state(c, now_ms() - t0, o->settle_s, o->wait_s, r);
		json_decref(c);
		if (decided)
			return 0;
		pause_ms(100);
	}
	return 0;
}

/*
 * Create container name from body (consumed); *ret_id its id. It is registered
 * for removal by name before it exists, and marked unsure when the create got
 * no answer: the engine may still make it. noun and what name it in errors.
 */
static int create_named(struct leftovers *l, const char *name, json_t *body, const char *noun,
			const char *what, char **ret_id, struct rl_error *err)
{
	_cleanup_free_ char *path = xasprintf("/containers/create?name=%s", name);
	strv_add(&l->containers, name);
	json_t *created = NULL;
	int rc = engine_call(l->engine, "POST", path, body, &created, err);
	json_decref(body);
	if (rc == RL_ENOANSWER)
		strv_add(&l->unsure, name);
	const char *id = json_string_value(json_object_get(created, "Id"));
	if (rc >= 0 && id)
		*ret_id = xstrdup(id);
	json_decref(created);
	if (rc >= 0 && !id)
		rc = rl_error_set(err, RL_EENGINE, "the engine created no %s", noun);
	if (rc < 0)
		rl_error_prefix(err, "creating %s", what);
	return rc;
}

/*
 * This run's value of the rootlock.try label: what try removes by label is
 * its own, never another run's on the same engine (from another host, too).
 */
static char *run_label(void)
{
	unsigned char r[8] = {0};
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		long long t = now_ms();
		memcpy(r, &t, sizeof(r) < sizeof(t) ? sizeof(r) : sizeof(t));
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "rootlock-try-%ld-", (long)getpid());
	for (size_t i = 0; i < sizeof(r); i++)
		strbuf_addf(&sb, "%02x", r[i]);
	return strbuf_detach(&sb);
}

void try_round_settle(struct try_round *r)
{
	/* Up, but it said it could not write: not a pass. */
	bool read_only = false;
	for (size_t i = 0; i < r->paths.n; i++)
		read_only |= r->paths.v[i].kind == EVIDENCE_READ_ONLY;
	if (r->pass && read_only) {
		r->pass = false;
		char *old = r->outcome;
		r->outcome = xasprintf("%s, but its logs report writes that failed", old);
		free(old);
	}
	if (!r->pass)
		r->proof = TRY_PROOF_NONE;
}

/* One round: a clone with this plan, started, watched, read. */
static int run_round(struct leftovers *l, const struct plan_input *in, const struct plan *p,
		     const struct try_options *o, size_t n, struct try_round *r,
		     struct rl_error *err)
{
	struct engine *e = l->engine;
	json_t *original = in->container;
	_cleanup_free_ char *tag = xasprintf("rootlock-try-%ld-%zu", (long)getpid(), n);
	json_t *body = NULL;
	int rc = clone_create_body(original, in->image, p, l->label, tag, o->network, &l->volumes,
				   &body, err);
	if (rc < 0) {
		rl_error_prefix(err, "building the read-only clone");
		return rc;
	}
	_cleanup_free_ char *clone_id = NULL;
	rc = create_named(l, tag, body, "clone", "the read-only clone", &clone_id, err);
	if (rc < 0)
		return rc;
	if ((rc = wait_up(e, clone_id, o, r, err)) < 0 || stopped(o))
		return rc;
	/* The check runs in every round the clone is up: a pass must hold in the last. */
	if (r->pass && o->exec) {
		/* run_probe() writes the outcome only when the check fails. */
		_cleanup_free_ char *up = steal_pointer(&r->outcome);
		r->pass = run_probe(e, clone_id, o->exec, r);
		if (r->pass) {
			r->proof = TRY_PROOF_EXEC;
			r->outcome = xasprintf("%s, and the --exec check passed", up);
		}
	}
	bool tty = json_is_true(json_object_get(json_object_get(original, "Config"), "Tty"));
	read_logs(e, clone_id, tty, r);
	try_round_settle(r);
	return 0;
}

bool try_same_mounts(const struct plan *a, const struct plan *b)
{
	if (a->n_mounts != b->n_mounts)
		return false;
	for (size_t i = 0; i < a->n_mounts; i++)
		if (!streq(a->mounts[i].target, b->mounts[i].target) ||
		    a->mounts[i].type != b->mounts[i].type ||
		    !streq(a->mounts[i].options ? a->mounts[i].options : "",
			   b->mounts[i].options ? b->mounts[i].options : ""))
			return false;
	return true;
}

int try_amend(struct plan_input *in, const struct try_round *r, struct plan *p,
	      struct rl_error *err)
{
	bool added = false;
	for (size_t i = 0; i < r->paths.n; i++)
		if (plan_evidence_add(&in->evidence, r->paths.v[i].path, r->paths.v[i].kind))
			added = true;
	if (!added)
		return 0;
	struct plan next = {0};
	int rc = plan_build(in, &next, err);
	if (rc < 0) {
		plan_release(&next);
		return rc;
	}
	bool same = try_same_mounts(p, &next);
	plan_release(p);
	*p = next;
	return same ? 0 : 1;
}

/* Learn from an image: run it writable for a while, as the user would. */
static int learn_from_image(struct leftovers *l, const struct try_options *o, char **ret_id,
			    struct rl_error *err)
{
	_cleanup_free_ char *name = xasprintf("rootlock-learn-%ld", (long)getpid());
	json_t *body =
		json_pack("{s:s, s:{s:s}, s:{s:s}}", "Image", o->ref, "Labels", TRY_LABEL, l->label,
			  "HostConfig", "NetworkMode", o->network ? o->network : "none");
	int rc = create_named(l, name, body, "container", "the learning container", ret_id, err);
	if (rc < 0)
		return rc;
	struct try_round r = {0};
	rc = wait_up(l->engine, *ret_id, o, &r, err);
	try_round_release(&r);
	return rc;
}

/* Is ref a container (1), an image (0), or neither (error)? */
static int identify(struct engine *e, const char *ref, struct rl_error *err)
{
	_cleanup_free_ char *esc = url_escape(ref);
	_cleanup_free_ char *cpath = xasprintf("/containers/%s/json", esc);
	json_t *v = NULL;
	int rc = engine_get_json(e, cpath, &v, err);
	json_decref(v);
	if (rc == 0)
		return 1;
	if (rc != RL_ENOTFOUND)
		return rc;
	_cleanup_free_ char *ipath = xasprintf("/images/%s/json", esc);
	rc = engine_get_json(e, ipath, &v, err);
	json_decref(v);
	if (rc == 0)
		return 0;
	if (rc == RL_ENOTFOUND)
		return rl_error_set(err, RL_ENOTFOUND,
				    "no container or image \"%.128s\" on the engine at %s (see "
				    "'docker ps -a' and 'docker images')",
				    ref, engine_host(e));
	return rc;
}

/* The run line and the image of the proven plan. */
static void describe(const struct plan_input *in, struct try_result *res)
{
	_cleanup_free_ struct run_mount *mounts = plan_run_mounts(&res->plan);
	struct run_changes ch = {
		.read_only = true, .mounts = mounts, .n_mounts = res->plan.n_mounts};
	if (res->is_image)
		ch.name = in->volume_prefix;
	_cleanup_strv_ struct strv argv = STRV_INIT;
	struct rl_error err = {0};
	if (runline_argv(in->container, in->image, &ch, &argv, &err) == 0)
		res->run_line = shell_join(argv.v, argv.n);
	/* The image the plan is for: fix matches Kubernetes containers by it. */
	const char *image = res->is_image
				    ? res->target
				    : json_string_value(json_object_get(
					      json_object_get(in->container, "Config"), "Image"));
	res->image = xstrdup(image ? image : res->target);
}

static int run(struct engine *e, const struct try_options *o, struct plan_input *in,
	       struct try_result *res, struct rl_error *err)
{
	int kind = identify(e, o->ref, err);
	if (kind < 0)
		return kind;
	res->is_image = kind == 0;
	const char *subject = o->ref;
	_cleanup_free_ char *learn_id = NULL;
	int rc;
	if (res->is_image) {
		if ((rc = learn_from_image(&res->made, o, &learn_id, err)) < 0 || stopped(o))
			return rc;
		subject = learn_id;
	}
	if ((rc = plan_gather(e, subject, in, err)) < 0)
		return rc;
	if (res->is_image) {
		/* Name the plan's volumes after the image, not the learning container. */
		free(in->volume_prefix);
		const char *base = strrchr(o->ref, '/');
		base = base ? base + 1 : o->ref;
		in->volume_prefix = xstrndup(base, strcspn(base, ":@"));
		if ((rc = try_remove(res, o, err)) < 0)
			return rc;
	}
	if ((rc = plan_build(in, &res->plan, err)) < 0)
		return rc;

	while (res->n_rounds < (size_t)o->rounds && !stopped(o)) {
		struct try_round *r = &res->rounds[res->n_rounds++];
		if ((rc = run_round(&res->made, in, &res->plan, o, res->n_rounds, r, err)) < 0)
			return rc;
		if ((rc = try_remove(res, o, err)) < 0)
			return rc;
		if (r->pass || stopped(o))
			break;
		/* Amend from the evidence; stop when it changes nothing. */
		if ((rc = try_amend(in, r, &res->plan, err)) <= 0)
			return rc;
	}
	return 0;
}

int try_run(struct engine *e, const struct try_options *o, struct try_result *res,
	    struct rl_error *err)
{
	res->target = xstrdup(o->ref);
	res->made.engine = e;
	res->made.label = run_label();
	res->rounds = xcalloc(o->rounds > 0 ? (size_t)o->rounds : 1, sizeof(*res->rounds));
	struct plan_input in = {0};
	int rc = run(e, o, &in, res, err);
	if (stopped(o)) {
		res->interrupted = true;
		rc = 0;
	} else if (rc == 0) {
		const struct try_round *last =
			res->n_rounds ? &res->rounds[res->n_rounds - 1] : NULL;
		res->pass = last && last->pass;
		res->proof = res->pass ? last->proof : TRY_PROOF_NONE;
		describe(&in, res);
	}
	plan_input_release(&in);
	return rc;
}

bool try_result_proven(const struct try_result *res, bool strict)
{
	return !res->interrupted && res->pass && !(strict && res->proof == TRY_PROOF_STARTED);
}

json_t *try_round_to_json(size_t n, const struct try_round *r)
{
	json_t *ev = json_array(), *paths = json_array();
	for (size_t i = 0; i < r->evidence.n; i++)
		json_array_append_new(ev, json_string_safe(r->evidence.v[i]));
	for (size_t i = 0; i < r->paths.n; i++)
		json_array_append_new(paths, json_string_safe(r->paths.v[i].path));
	json_t *o = json_object();
	json_object_set_new(o, "round", json_integer((json_int_t)n));
	json_object_set_new(o, "verdict", json_string(r->pass ? "pass" : "fail"));
	json_object_set_new(o, "proof",
			    r->pass ? json_string(try_proof_name(r->proof)) : json_null());
	json_object_set_new(o, "outcome",
			    json_string_safe(r->outcome ? r->outcome : "interrupted"));
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "paths", paths);
	return o;
}

json_t *try_result_to_json(const struct try_result *res)
{
	json_t *rounds = json_array();
	for (size_t i = 0; i < res->n_rounds; i++)
		json_array_append_new(rounds, try_round_to_json(i + 1, &res->rounds[i]));
	json_t *ev = json_array();
	const struct try_round *last = res->n_rounds ? &res->rounds[res->n_rounds - 1] : NULL;
	for (size_t i = 0; last && i < last->evidence.n; i++)
		json_array_append_new(ev, json_string_safe(last->evidence.v[i]));
	const char *target = res->target ? res->target : "";
	json_t *doc = json_object();
	json_object_set_new(doc, "target", json_string_safe(target));
	json_object_set_new(doc, "kind", json_string(res->is_image ? "image" : "container"));
	json_object_set_new(doc, "image", json_string_safe(res->image ? res->image : target));
	json_object_set_new(doc, "verdict", json_string(res->pass ? "pass" : "fail"));
	json_object_set_new(doc, "proof",
			    res->pass ? json_string(try_proof_name(res->proof)) : json_null());
	json_object_set_new(doc, "rounds", rounds);
	json_object_set_new(doc, "plan", plan_to_json(&res->plan));
	json_object_set_new(doc, "run",
			    res->run_line ? json_string_safe(res->run_line) : json_null());
	json_object_set_new(doc, "evidence", ev);
	return doc;
}
