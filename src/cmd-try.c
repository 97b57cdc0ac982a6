/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "clone.h"
#include "commands.h"
#include "leftovers.h"
#include "plan.h"
#include "report.h"
#include "runline.h"
#include "term.h"

#define DEFAULT_ROUNDS 3
#define DEFAULT_SETTLE_S 5
#define DEFAULT_WAIT_S 60
#define LOG_MAX (1 << 20)

static const char try_usage[] =
	"usage: rootlock try [OPTIONS] CONTAINER|IMAGE\n"
	"\n"
	"Prove a plan: start a read-only clone of the container with the plan's tmpfs\n"
	"mounts and fresh volumes (the container the printed run line makes), wait\n"
	"until it is healthy (or stays up through the settle time), run the --exec\n"
	"check, read its logs for what failed at a path (\"Read-only file system\",\n"
	"\"No such file or directory\" under a planned tmpfs, \"Permission denied\",\n"
	"code a noexec tmpfs would not map), and amend the plan from them, round\n"
	"after round. Given an IMAGE, first run it writable to learn what it writes.\n"
	"The original is never touched; the clone, any learning container and every\n"
	"volume made for them are removed, also on Ctrl-C, SIGTERM and timeouts\n"
	"(after a request the engine did not answer in time, try waits up to 60 s\n"
	"for the engine to finish it, to remove what it made).\n"
	"\n"
	"A pass says what it proved: exec (your --exec check passed), healthcheck\n"
	"(the image's HEALTHCHECK said healthy) or started (it only started and stayed\n"
	"up: nothing exercised it, so it is not proven to work).\n"
	"\n"
	"      --rounds N           tries before giving up (default 3)\n"
	"      --settle SECONDS     without a HEALTHCHECK: how long it must stay up (5)\n"
	"      --wait SECONDS       longest wait for healthy or settled (default 60)\n"
	"      --exec COMMAND       once up, run COMMAND (sh -c) in the clone; it must exit 0\n"
	"      --network NAME       network for the clone and learning container (default:\n"
	"                           the original's; for an IMAGE, none)\n"
	"      --strict             a pass that only started (no HEALTHCHECK, no --exec)\n"
	"                           fails too (exit 1)\n"
	"      --format FORMAT      text (default) or json\n"
	"  -o, --output FILE        write the report to FILE instead of stdout (whole or\n"
	"                           not at all)\n" ENGINE_USAGE "\n"
	"Exit codes: 0 the clone ran read-only (pass; with --strict, proven by a\n"
	"HEALTHCHECK or --exec), 1 it did not (fail), 2 usage error, 3 engine or I/O\n"
	"error, no such container or image, or something try made could not be removed\n"
	"(it is listed with the commands that remove it), 130 interrupted (after\n"
	"cleaning up).\n"
	"See rootlock-try(1).\n";

enum {
	OPT_ROUNDS = 256,
	OPT_SETTLE,
	OPT_WAIT,
	OPT_EXEC,
	OPT_NETWORK,
	OPT_FORMAT,
	OPT_STRICT,
};

static const struct option try_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"rounds", required_argument, NULL, OPT_ROUNDS},
	{"settle", required_argument, NULL, OPT_SETTLE},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"exec", required_argument, NULL, OPT_EXEC},
	{"network", required_argument, NULL, OPT_NETWORK},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"output", required_argument, NULL, 'o'},
	ENGINE_LONG_OPTIONS,
	{0},
};

struct try_args {
	struct engine_args ea;
	long rounds;
	double settle_s, wait_s;
	const char *exec;
	const char *network;
	const char *format;
	const char *output;
	const char *ref;
	bool strict;
};

/*
 * How long removing what try made may wait for an engine that did not
 * answer a request in time (at least twice --timeout): it may still carry
 * the request out, and what it makes then must go too.
 */
#define CLEANUP_WAIT_S 60

static volatile sig_atomic_t interrupted, cleaning, stop_waiting;

static void on_signal(int sig)
{
	/* A signal while cleaning up stops the waiting; what remains is then listed. */
	if (cleaning)
		stop_waiting = 1;
	if (!interrupted)
		interrupted = sig;
}

/*
 * Remove what try made. On failure, err says why and l still holds what
 * remains (the caller lists it with the commands that remove it).
 */
static int cleanup(struct leftovers *l, double timeout_s, struct rl_error *err)
{
	double wait_s = 2 * timeout_s > CLEANUP_WAIT_S ? 2 * timeout_s : CLEANUP_WAIT_S;
	if (l->unsure.n)
		fprintf(stderr,
			"rootlock try: the engine did not answer in time; waiting up to %.0f s for "
			"it to finish, to remove what it made (Ctrl-C stops waiting)\n",
			wait_s);
	cleaning = 1;
	int rc = leftovers_remove(l, now_ms() + (long long)(wait_s * 1000), &stop_waiting, err);
	cleaning = 0;
	return rc;
}

/* What could not be removed, and the commands that remove it. */
static void report_leftovers(const struct leftovers *l, struct engine *e, const char *why)
{
	_cleanup_free_ char *safe_why = term_sanitize(why);
	fprintf(stderr,
		"rootlock try: could not remove everything it made (%s); still there, or still "
		"being made by the engine:\n",
		safe_why);
	for (size_t i = 0; i < l->containers.n; i++)
		fprintf(stderr, "  container %s%s\n", l->containers.v[i],
			strv_contains(&l->unsure, l->containers.v[i])
				? " (its create got no answer: the engine may still make it)"
				: "");
	for (size_t i = 0; i < l->volumes.n; i++)
		fprintf(stderr, "  volume %s\n", l->volumes.v[i]);
	_cleanup_strbuf_ struct strbuf cmds = STRBUF_INIT;
	leftovers_commands(l, engine_host(e), &cmds);
	/* shell_join() never writes a control byte: safe as it is. */
	fprintf(stderr,
		"remove them with these commands (the last lists anything else of this run):\n%s",
		strbuf_str(&cmds));
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/*
 * What a passing round proved, weakest first: that the clone started and
 * stayed up (nothing exercised it), that the image's HEALTHCHECK called it
 * healthy, that the user's --exec check passed in it (after the
 * HEALTHCHECK, when there is one).
 */
enum proof {
	PROOF_NONE,
	PROOF_STARTED,
	PROOF_HEALTHCHECK,
	PROOF_EXEC,
};

static const char *proof_name(enum proof p)
{
	static const char *const names[] = {
		[PROOF_STARTED] = "started",
		[PROOF_HEALTHCHECK] = "healthcheck",
		[PROOF_EXEC] = "exec",
	};
	return p == PROOF_NONE ? NULL : names[p];
}

/* One round's outcome. */
struct round {
	bool pass;
	enum proof proof; /* when pass */
	char *outcome;	  /* one sentence */
	struct strv evidence;
	struct plan_evidence_list paths; /* named by the evidence */
};

static void round_release(struct round *r)
{
	free(r->outcome);
	strv_release(&r->evidence);
	plan_evidence_release(&r->paths);
}

/* The non-empty ones among the last n lines of text. */
static void add_last_lines(const char *text, size_t n, struct strv *out)
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

static void read_logs(struct engine *e, const char *id, bool tty, struct round *r)
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
			add_last_lines(strbuf_str(&text), 6, &r->evidence);
	}
	strbuf_release(&c.buf);
}

/* Run the --exec probe in the clone; false with evidence if it failed. */
static bool run_probe(struct engine *e, const char *id, const char *cmd, struct round *r)
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

/* Start the container and wait until it is healthy, settled, or gone. */
static int wait_up(struct engine *e, const char *id, const struct try_args *a, struct round *r,
		   struct rl_error *err)
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
	long long t0 = now_ms(), deadline = t0 + (long long)(a->wait_s * 1000);
	long long settle = (long long)(a->settle_s * 1000);
	while (!interrupted) {
		json_t *c = NULL;
		if ((rc = engine_get_json(e, path, &c, err)) < 0)
			return rc;
		json_t *state = json_object_get(c, "State");
		const char *status = json_string_value(
			json_object_get(json_object_get(state, "Health"), "Status"));
		_cleanup_free_ char *health = status ? xstrdup(status) : NULL;
		if (!json_is_true(json_object_get(state, "Running"))) {
			r->outcome = xasprintf(
				"it exited with code %lld after %.1f s",
				(long long)json_integer_value(json_object_get(state, "ExitCode")),
				(double)(now_ms() - t0) / 1000);
			json_decref(c);
			return 0;
		}
		json_decref(c);
		if (streq(health, "healthy")) {
			r->pass = true;
			r->proof = PROOF_HEALTHCHECK;
			r->outcome =
				xasprintf("healthy after %.1f s", (double)(now_ms() - t0) / 1000);
			return 0;
		}
		if (streq(health, "unhealthy")) {
			r->outcome = xstrdup("its HEALTHCHECK says unhealthy");
			return 0;
		}
		if (!health && now_ms() - t0 >= settle) {
			r->pass = true;
			r->proof = PROOF_STARTED;
			r->outcome = xasprintf("stayed up for %.1f s (no HEALTHCHECK)",
					       (double)(now_ms() - t0) / 1000);
			return 0;
		}
		if (now_ms() >= deadline) {
			r->outcome =
				xasprintf("its HEALTHCHECK did not pass within %.0f s", a->wait_s);
			return 0;
		}
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

/* One round: a clone with this plan, started, watched, read. */
static int run_round(struct leftovers *l, const struct plan_input *in, const struct plan *p,
		     const struct try_args *a, int n, struct round *r, struct rl_error *err)
{
	struct engine *e = l->engine;
	json_t *original = in->container;
	_cleanup_free_ char *tag = xasprintf("rootlock-try-%ld-%d", (long)getpid(), n);
	json_t *body = NULL;
	int rc = clone_create_body(original, in->image, p, l->label, tag, a->network, &l->volumes,
				   &body, err);
	if (rc < 0) {
		rl_error_prefix(err, "building the read-only clone");
		return rc;
	}
	_cleanup_free_ char *clone_id = NULL;
	rc = create_named(l, tag, body, "clone", "the read-only clone", &clone_id, err);
	if (rc < 0)
		return rc;
	if ((rc = wait_up(e, clone_id, a, r, err)) < 0 || interrupted)
		return rc;
	/* The check runs in every round the clone is up: a pass must hold in the last. */
	if (r->pass && a->exec) {
		/* run_probe() writes the outcome only when the check fails. */
		_cleanup_free_ char *up = steal_pointer(&r->outcome);
		r->pass = run_probe(e, clone_id, a->exec, r);
		if (r->pass) {
			r->proof = PROOF_EXEC;
			r->outcome = xasprintf("%s, and the --exec check passed", up);
		}
	}
	bool tty = json_is_true(json_object_get(json_object_get(original, "Config"), "Tty"));
	read_logs(e, clone_id, tty, r);
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
		r->proof = PROOF_NONE;
	return 0;
}

static bool same_mounts(const struct plan *a, const struct plan *b)
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

/* Learn from an image: run it writable for a while, as the user would. */
static int learn_from_image(struct leftovers *l, const char *image, const struct try_args *a,
			    char **ret_id, struct rl_error *err)
{
	_cleanup_free_ char *name = xasprintf("rootlock-learn-%ld", (long)getpid());
	json_t *body =
		json_pack("{s:s, s:{s:s}, s:{s:s}}", "Image", image, "Labels", TRY_LABEL, l->label,
			  "HostConfig", "NetworkMode", a->network ? a->network : "none");
	int rc = create_named(l, name, body, "container", "the learning container", ret_id, err);
	if (rc < 0)
		return rc;
	struct round r = {0};
	rc = wait_up(l->engine, *ret_id, a, &r, err);
	round_release(&r);
	return rc;
}

static void print_round(FILE *out, int n, const struct round *r)
{
	_cleanup_free_ char *outcome = term_sanitize(r->outcome ? r->outcome : "interrupted");
	const char *verdict = !r->pass			  ? "fail"
			      : r->proof == PROOF_STARTED ? "pass (started only)"
							  : "pass";
	fprintf(out, "round %d: %s: %s\n", n, verdict, outcome);
	/* A command's output or a log line may span lines: shown as lines, not as \x0a. */
	for (size_t i = 0; i < r->evidence.n; i++)
		print_lines(out, "  | ", r->evidence.v[i]);
}

static json_t *round_to_json(int n, const struct round *r)
{
	json_t *ev = json_array(), *paths = json_array();
	for (size_t i = 0; i < r->evidence.n; i++)
		json_array_append_new(ev, json_string_safe(r->evidence.v[i]));
	for (size_t i = 0; i < r->paths.n; i++)
		json_array_append_new(paths, json_string_safe(r->paths.v[i].path));
	json_t *o = json_object();
	json_object_set_new(o, "round", json_integer(n));
	json_object_set_new(o, "verdict", json_string(r->pass ? "pass" : "fail"));
	json_object_set_new(o, "proof", r->pass ? json_string(proof_name(r->proof)) : json_null());
	json_object_set_new(o, "outcome",
			    json_string_safe(r->outcome ? r->outcome : "interrupted"));
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "paths", paths);
	return o;
}

/* The verdict line's words: a pass says what it proved; started only is no plain PASS. */
static const char *verdict_words(enum proof proof)
{
	switch (proof) {
	case PROOF_EXEC:
		return "PASS (your --exec check passed), runs";
	case PROOF_HEALTHCHECK:
		return "PASS (healthy by its HEALTHCHECK), runs";
	case PROOF_STARTED:
		return "STARTED ONLY (not exercised, so not proven to work), stays up";
	case PROOF_NONE:
		break;
	}
	return "FAIL, does not run";
}

static int parse_args(int argc, char **argv, struct try_args *a)
{
	a->ea.timeout_s = ENGINE_DEFAULT_TIMEOUT_S;
	a->rounds = DEFAULT_ROUNDS;
	a->settle_s = DEFAULT_SETTLE_S;
	a->wait_s = DEFAULT_WAIT_S;
	a->format = "text";
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hH:o:", try_options, NULL)) != -1) {
		int r = engine_option("try", c, optarg, &a->ea);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		double num;
		switch (c) {
		case 'h':
			fputs(try_usage, stdout);
			return RL_EXIT_CLEAN;
		case OPT_ROUNDS:
			if (!parse_seconds(optarg, 20, &num) || num < 1 || num != (long)num)
				return usage_error(
					"try", "--rounds '%s' must be a whole number from 1 to 20",
					optarg);
			a->rounds = (long)num;
			break;
		case OPT_SETTLE:
			if (!parse_seconds(optarg, 3600, &a->settle_s))
				return usage_error(
					"try", "--settle '%s' must be seconds (0 to 3600)", optarg);
			break;
		case OPT_WAIT:
			if (!parse_seconds(optarg, 86400, &a->wait_s) || a->wait_s < 1)
				return usage_error(
					"try", "--wait '%s' must be seconds (1 to 86400)", optarg);
			break;
		case OPT_EXEC:
			if (str_empty(optarg))
				return usage_error("try", "--exec needs a command");
			a->exec = optarg;
			break;
		case OPT_NETWORK:
			a->network = optarg;
			break;
		case OPT_STRICT:
			a->strict = true;
			break;
		case OPT_FORMAT:
			if (!streq(optarg, "text") && !streq(optarg, "json"))
				return usage_error("try", "--format '%s' is not one of text, json",
						   optarg);
			a->format = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case ':':
			return usage_error("try", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("try", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("try", "name a container or an image to try");
	if (optind + 1 < argc)
		return usage_error("try", "try takes one container or image, not '%s' too",
				   argv[optind + 1]);
	/* --wait is the longest anything waits, settling included. */
	if (a->settle_s > a->wait_s)
		a->settle_s = a->wait_s;
	a->ref = argv[optind];
	return -1;
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

int cmd_try(int argc, char **argv)
{
	struct try_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	/* A report that cannot be written is known before anything is made. */
	_cleanup_free_ char *tmp_path = NULL;
	FILE *out = command_output_open("try", a.output, &tmp_path);
	if (!out)
		return RL_EXIT_ERROR;
	_cleanup_engine_ struct engine *engine = NULL;
	if ((rc = engine_connect("try", &a.ea, &engine))) {
		output_discard(out, a.output, tmp_path);
		return rc;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct leftovers l = {.engine = engine, .label = run_label()};
	struct rl_error err = {0};
	struct plan_input in = {0};
	struct plan p = {0}, next = {0};
	struct round *rounds = xcalloc((size_t)a.rounds, sizeof(*rounds));
	int nrounds = 0;
	_cleanup_free_ char *learn_id = NULL;
	_cleanup_free_ char *run_line = NULL;
	_cleanup_strv_ struct strv argv_run = STRV_INIT;
	_cleanup_free_ struct run_mount *mounts = NULL;
	int exit_code = RL_EXIT_ERROR;
	bool reported = false;

	int kind = identify(engine, a.ref, &err);
	if (kind < 0)
		goto fail;
	const char *subject = a.ref;
	if (kind == 0) {
		if (learn_from_image(&l, a.ref, &a, &learn_id, &err) < 0 || interrupted)
			goto fail;
		subject = learn_id;
	}
	if (plan_gather(engine, subject, &in, &err) < 0)
		goto fail;
	if (kind == 0) {
		/* Name the plan's volumes after the image, not the learning container. */
		free(in.volume_prefix);
		const char *base = strrchr(a.ref, '/');
		in.volume_prefix =
			xstrndup(base ? base + 1 : a.ref, strcspn(base ? base + 1 : a.ref, ":@"));
		if (cleanup(&l, a.ea.timeout_s, &err) < 0)
			goto fail;
	}
	if (plan_build(&in, &p, &err) < 0)
		goto fail;

	for (nrounds = 0; nrounds < a.rounds && !interrupted;) {
		struct round *r = &rounds[nrounds++];
		if (run_round(&l, &in, &p, &a, nrounds, r, &err) < 0)
			goto fail;
		if (cleanup(&l, a.ea.timeout_s, &err) < 0)
			goto fail;
		if (r->pass || interrupted)
			break;
		/* Amend from the evidence; stop when it changes nothing. */
		bool added = false;
		for (size_t i = 0; i < r->paths.n; i++)
			if (plan_evidence_add(&in.evidence, r->paths.v[i].path, r->paths.v[i].kind))
				added = true;
		if (!added)
			break;
		if (plan_build(&in, &next, &err) < 0)
			goto fail;
		bool same = same_mounts(&p, &next);
		plan_release(&p);
		p = next;
		memset(&next, 0, sizeof(next));
		if (same)
			break;
	}
	if (interrupted)
		goto fail;

	bool pass = nrounds > 0 && rounds[nrounds - 1].pass;
	enum proof proof = pass ? rounds[nrounds - 1].proof : PROOF_NONE;
	mounts = plan_run_mounts(&p);
	struct run_changes ch = {.read_only = true, .mounts = mounts, .n_mounts = p.n_mounts};
	if (kind == 0)
		ch.name = in.volume_prefix;
	if (runline_argv(in.container, in.image, &ch, &argv_run, &err) == 0)
		run_line = shell_join(argv_run.v, argv_run.n);
	if (streq(a.format, "json")) {
		json_t *jr = json_array();
		for (int i = 0; i < nrounds; i++)
			json_array_append_new(jr, round_to_json(i + 1, &rounds[i]));
		json_t *ev = json_array();
		for (size_t i = 0; nrounds && i < rounds[nrounds - 1].evidence.n; i++)
			json_array_append_new(ev,
					      json_string_safe(rounds[nrounds - 1].evidence.v[i]));
		json_t *doc = json_object();
		json_object_set_new(doc, "target", json_string_safe(a.ref));
		json_object_set_new(doc, "kind", json_string(kind ? "container" : "image"));
		/* The image the plan is for: fix matches Kubernetes containers by it. */
		const char *image =
			kind ? json_string_value(json_object_get(
				       json_object_get(in.container, "Config"), "Image"))
			     : a.ref;
		json_object_set_new(doc, "image", json_string_safe(image ? image : a.ref));
		json_object_set_new(doc, "verdict", json_string(pass ? "pass" : "fail"));
		json_object_set_new(doc, "proof",
				    pass ? json_string(proof_name(proof)) : json_null());
		json_object_set_new(doc, "rounds", jr);
		json_object_set_new(doc, "plan", plan_to_json(&p));
		json_object_set_new(doc, "run",
				    run_line ? json_string_safe(run_line) : json_null());
		json_object_set_new(doc, "evidence", ev);
		json_dumpf(doc, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(doc);
	} else {
		for (int i = 0; i < nrounds; i++)
			print_round(out, i + 1, &rounds[i]);
		_cleanup_free_ char *safe_ref = term_sanitize(a.ref);
		fprintf(out, "%s: %s read-only with:\n  %s\n", safe_ref, verdict_words(proof),
			run_line ? run_line : "?");
		if (proof == PROOF_STARTED)
			fprintf(out, "  It only started and stayed up: nothing exercised it. To "
				     "prove it "
				     "works, give\n  --exec 'a command that uses it' (a "
				     "request, a query) "
				     "or give the image a HEALTHCHECK.\n");
		print_plan_notes(out, "  BLOCKER ", p.blockers, p.n_blockers);
	}
	reported = true;
	exit_code =
		pass && !(a.strict && proof == PROOF_STARTED) ? RL_EXIT_CLEAN : RL_EXIT_FINDINGS;
	goto out;
fail:
	if (!interrupted)
		report_error("try", err.msg);
out:
	if (cleanup(&l, a.ea.timeout_s, &err) < 0) {
		report_leftovers(&l, engine, err.msg);
		exit_code = RL_EXIT_ERROR;
	} else if (interrupted) {
		fprintf(stderr, "rootlock try: interrupted; removed what it had made\n");
		exit_code = 128 + interrupted;
	}
	/* The report is whole once written; a failed run leaves no file behind. */
	if (!reported)
		output_discard(out, a.output, tmp_path);
	else if (command_output_close("try", out, a.output, tmp_path))
		exit_code = RL_EXIT_ERROR;
	leftovers_release(&l);
	for (int i = 0; i < a.rounds; i++)
		round_release(&rounds[i]);
	free(rounds);
	plan_release(&p);
	plan_release(&next);
	plan_input_release(&in);
	return exit_code;
}
