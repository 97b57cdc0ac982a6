/* SPDX-License-Identifier: MIT */
#pragma once

#include <jansson.h>

#include "engine.h"
#include "error.h"
#include "fsindex.h"
#include "runline.h"

/*
 * A plan: the smallest set of tmpfs mounts and named volumes under which a
 * container can run with a read-only root filesystem, derived from what it
 * wrote (GET /containers/{id}/changes), what its image holds (the archive),
 * which directories its runtime user owns, and, from `try`, the paths its
 * logs said it could not write.
 */

enum plan_mount_type { PLAN_TMPFS, PLAN_VOLUME };

/*
 * Why a mount is there: something was seen writing there (the diff, the
 * logs, a rewritten /etc file), or the plan predicts writes the diff cannot
 * show (scratch space, a directory the program writes by convention or its
 * user owns, a database file the image ships, an image directory a tmpfs
 * above it would hide). The mount's why says which prediction.
 */
enum plan_basis { PLAN_SEEN, PLAN_PREDICTED };

struct plan_mount {
	enum plan_mount_type type;
	enum plan_basis basis;
	char *target;
	char *options; /* tmpfs: "mode=0755,size=64m,exec,uid=..."; volume: NULL */
	char *volume;  /* volume: a name derived from the container and target */
	char *why;     /* one line for the user */
};

/* What a log line said went wrong at a path (try's evidence). */
enum plan_evidence_kind {
	EVIDENCE_READ_ONLY, /* "Read-only file system": a write a mount must serve */
	EVIDENCE_MISSING,   /* "No such file or directory": a directory a tmpfs hid */
	EVIDENCE_DENIED,    /* "Permission denied": owner or mode of a mount, or noexec */
	EVIDENCE_NOEXEC,    /* code could not be executed or mapped from there */
};

struct plan_evidence {
	char *path;
	enum plan_evidence_kind kind;
};

struct plan_evidence_list {
	struct plan_evidence *v;
	size_t n;
};

/* Add path with kind unless the list has that pair already; true if added. */
bool plan_evidence_add(struct plan_evidence_list *l, const char *path,
		       enum plan_evidence_kind kind);
void plan_evidence_release(struct plan_evidence_list *l);
/* "read-only", "missing", "denied", "noexec". */
const char *plan_evidence_kind_name(enum plan_evidence_kind kind);

/* A path and a sentence: a blocker, or a write something already covers. */
struct plan_note {
	char *path;
	char *why;
};

struct plan {
	struct plan_mount *mounts;
	size_t n_mounts;
	struct plan_note *blockers; /* writes no mount can serve */
	size_t n_blockers;
	struct plan_note *covered; /* writes an existing mount already serves */
	size_t n_covered;
	struct plan_note *notes; /* what the plan left out on purpose, and why */
	size_t n_notes;
	size_t writes;	  /* distinct written paths considered */
	size_t predicted; /* paths predicted without a write (scratch, conventions) */
	unsigned uid, gid;
	char *user; /* as the container runs: "root", "redis (uid 101)" */
};

/* Everything plan_build() looks at; plan_gather() fills it from an engine. */
struct plan_input {
	json_t *container;		    /* GET /containers/{id}/json */
	json_t *image;			    /* GET /images/{id}/json */
	json_t *changes;		    /* GET /containers/{id}/changes (array or null) */
	struct fs_index fs;		    /* the container's tree as it is now */
	char *passwd, *group;		    /* /etc/passwd and /etc/group, or NULL */
	struct strv etc_rewritten;	    /* /etc/hosts etc. the app changed at runtime */
	struct plan_evidence_list evidence; /* paths try's logs named, and what failed */
	char *volume_prefix;		    /* new volume names start with this */
};

#define PLAN_MAX_FS_ENTRIES 2000000

/*
 * Is path installed software (/usr, /bin, /lib...)? A write there is a
 * blocker whatever the tree holds, so plan_gather() reads no archive of it.
 */
bool plan_under_program_root(const char *path);

/* Read everything the plan needs about container `ref`; changes nothing. */
int plan_gather(struct engine *e, const char *ref, struct plan_input *in, struct rl_error *err);
void plan_input_release(struct plan_input *in);

int plan_build(const struct plan_input *in, struct plan *out, struct rl_error *err);
void plan_release(struct plan *p);

/* The plan's mounts for runline_argv(); they borrow from p. */
struct run_mount *plan_run_mounts(const struct plan *p);

/* The plan as a JSON object (mounts, blockers, covered, notes, user, writes). */
json_t *plan_to_json(const struct plan *p);

/*
 * A plan read back from what `rootlock plan --format json` ({"plans":[...]})
 * or `rootlock try --format json` wrote, or a bare plan object. From plan's
 * output, the one plan, or the one for container `name` when there are
 * several; from try's, the plan it proved, and an error (RL_EUSAGE) when its
 * verdict is not pass: fix writes no plan try did not prove. *ret_image
 * (may be NULL) gets the image the plan was made for, or NULL when the file
 * does not say. Errors say what is wrong in one line.
 */
int plan_from_json(const char *buf, size_t len, const char *source, const char *name,
		   struct plan *out, char **ret_image, struct rl_error *err);

/*
 * Can every mount of p be written back (what plan_from_json() checks of a
 * file's plan): absolute targets and volume names, options without a
 * colon, space or control byte? Paths named in a container's logs end up in
 * try's plans. An error names the mount, after source.
 */
int plan_check(const struct plan *p, const char *source, struct rl_error *err);

/*
 * Which of /etc/hosts, /etc/hostname, /etc/resolv.conf the app rewrote: the
 * diff never shows them, so look at their contents against what Docker
 * writes (hosts, hostname) and at their times (resolv.conf).
 */
void plan_detect_etc_writes(const char *hosts, const char *hostname, const char *expect_hostname,
			    json_t *extra_hosts, long long hosts_mtime, long long resolv_mtime,
			    struct strv *out);
