/* SPDX-License-Identifier: MIT */
#pragma once

#include <signal.h>

#include <jansson.h>

#include "engine.h"
#include "error.h"
#include "leftovers.h"
#include "plan.h"
#include "util.h"

/*
 * try's machinery: prove a plan in read-only clones of a container (or of a
 * container first run writable from an image), round after round, amending
 * the plan from what the clone's logs and the --exec check say. It prints
 * nothing: progress goes to o->note, the outcome into a struct try_result,
 * which `rootlock try` prints and `rootlock fix --try` writes from.
 */

/*
 * What a passing round proved, weakest first: that the clone started and
 * stayed up (nothing exercised it), that the image's HEALTHCHECK called it
 * healthy, that the user's --exec check passed in it (after the
 * HEALTHCHECK, when there is one).
 */
enum try_proof {
	TRY_PROOF_NONE,
	TRY_PROOF_STARTED,
	TRY_PROOF_HEALTHCHECK,
	TRY_PROOF_EXEC,
};

/* "started", "healthcheck", "exec"; NULL for TRY_PROOF_NONE. */
const char *try_proof_name(enum try_proof p);

/* One round's outcome. */
struct try_round {
	bool pass;
	enum try_proof proof;		 /* when pass */
	char *outcome;			 /* one sentence; NULL when interrupted */
	struct strv evidence;		 /* log lines or command output, exact */
	struct plan_evidence_list paths; /* named by the evidence */
};

void try_round_release(struct try_round *r);

/* try's defaults: rounds, settle and wait seconds. */
#define TRY_DEFAULT_ROUNDS 3
#define TRY_DEFAULT_SETTLE_S 5
#define TRY_DEFAULT_WAIT_S 60

struct try_options {
	const char *ref;     /* a container or an image */
	long rounds;	     /* at least 1 */
	double settle_s;     /* without a HEALTHCHECK: how long it must stay up */
	double wait_s;	     /* longest wait for healthy or settled */
	const char *exec;    /* the check run in the clone (sh -c), or NULL */
	const char *network; /* NULL: the original's; for an image, none */
	double timeout_s;    /* the engine's per-request timeout (removal waits longer) */
	/*
	 * Set by the caller's signal handler: nonzero stops the run (what it
	 * made is removed all the same); stop_waiting stops a removal waiting
	 * for the engine. cleaning is set while removing, so that the handler
	 * can tell a signal that should stop the waiting from the first one.
	 */
	const volatile sig_atomic_t *interrupted;
	const volatile sig_atomic_t *stop_waiting;
	volatile sig_atomic_t *cleaning;
	/* A progress note for the user (one sentence, no newline), or NULL. */
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
};

struct try_result {
	char *target;  /* o->ref */
	bool is_image; /* the target was an image, learned from first */
	char *image;   /* the image the plan is for */
	struct try_round *rounds;
	size_t n_rounds;
	bool pass;	       /* the last round passed */
	enum try_proof proof;  /* what it proved, when pass */
	struct plan plan;      /* the plan of the last round */
	char *run_line;	       /* `docker run` with the plan, or NULL if none could be made */
	bool interrupted;      /* stopped by o->interrupted: no verdict */
	struct leftovers made; /* what it made and has not removed (see try_remove()) */
};

/*
 * Run try against o->ref on e into res (zeroed by the caller). 0 when it
 * came to a verdict or was interrupted (res->interrupted), else an error.
 * Whatever it answers, what it made may still be there: call try_remove()
 * after it, always, and try_result_release() last.
 */
int try_run(struct engine *e, const struct try_options *o, struct try_result *res,
	    struct rl_error *err);

/*
 * Remove what res->made holds, waiting at most max(60 s, twice
 * o->timeout_s) for an engine that did not answer a request in time (with
 * a note saying so). On failure, err says why and res->made still holds
 * what remains (leftovers_commands() says how to remove it).
 */
int try_remove(struct try_result *res, const struct try_options *o, struct rl_error *err);

void try_result_release(struct try_result *res);

/*
 * Did the run prove its plan? A pass, and with strict, one that proved more
 * than that the clone started.
 */
bool try_result_proven(const struct try_result *res, bool strict);

/* What `rootlock try --format json` writes: target, kind, verdict, rounds, plan, run... */
json_t *try_result_to_json(const struct try_result *res);
json_t *try_round_to_json(size_t n, const struct try_round *r);

/*
 * The steps of a run that need no engine, for try_run() and its tests.
 *
 * try_round_settle(): a round's verdict once its clone was watched and its
 * logs read: up, but with logs saying a write failed on the read-only
 * filesystem, it is no pass; a round that did not pass proved nothing.
 */
void try_round_settle(struct try_round *r);

/*
 * try_watch_state(): one look at the clone (GET /containers/{id}/json
 * answer), elapsed_ms after it started. True when the round is decided
 * (r->pass, r->proof and r->outcome set), false to look again.
 */
bool try_watch_state(const json_t *container, long long elapsed_ms, double settle_s, double wait_s,
		     struct try_round *r);

/*
 * try_amend(): after round r failed, add the paths its evidence named to
 * in->evidence and rebuild the plan into *p. 1 when another round may
 * prove more, 0 when it would not (nothing added, or the same mounts: *p is
 * then the last plan), or an error (*p unchanged).
 */
int try_amend(struct plan_input *in, const struct try_round *r, struct plan *p,
	      struct rl_error *err);

/* The same mounts (target, type, options) in the same order. */
bool try_same_mounts(const struct plan *a, const struct plan *b);

/* The non-empty ones among the last n lines of text, appended to out. */
void try_last_lines(const char *text, size_t n, struct strv *out);
