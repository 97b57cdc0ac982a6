/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "error.h"
#include "plan.h"
#include "util.h"

/*
 * fix: write a plan into the file that defines a container, touching only
 * the lines that change. Each editor takes a file's bytes and returns the
 * whole edited text; nothing here opens, writes or renames a file (the
 * command does, atomically), so every editor can be tested and fuzzed on
 * bytes alone.
 *
 * What is written, in every format: the root filesystem read-only, one
 * tmpfs for each PLAN_TMPFS mount (with its options), one named volume for
 * each PLAN_VOLUME mount, and nothing for a target the definition already
 * mounts.
 */

struct fix_edit {
	char *text; /* the whole file as it should be; NUL-terminated */
	size_t len;
	size_t changes;	   /* settings added or changed; 0: the file already says it all */
	struct strv notes; /* one line each: where it wrote and why, what it left out */
};
void fix_edit_release(struct fix_edit *e);

/* --- Compose ---------------------------------------------------------- */

enum fix_compose_flags {
	/* An override file: add services.NAME (and services:) when absent. */
	FIX_COMPOSE_CREATE_SERVICE = 1 << 0,
};

/*
 * Edit service `service` of the Compose file in buf: `read_only: true`,
 * `tmpfs:` short-syntax entries ("/run:mode=0755,uid=101,size=64m"), named
 * volumes as `volumes:` entries of the service plus their declaration under
 * the top-level `volumes:`. Comments, blank lines, key order, quoting, flow
 * and block styles, indentation, anchors elsewhere, CRLF and a missing final
 * newline are kept byte for byte. A service whose settings come through a
 * merge key (<<: *anchor) is written in the service's own mapping, with the
 * inherited entries of a list it must extend repeated there, and a note.
 * Errors (RL_EPARSE, message naming file:line): invalid YAML, no such
 * service, the service defined twice, a service that is itself an alias, a
 * place it cannot write without changing other services.
 */
int fix_compose(const char *buf, size_t len, const char *filename, const char *service,
		const struct plan *plan, unsigned flags, struct fix_edit *out,
		struct rl_error *err);

/* The name fix declares for target's volume in service: "db-var-lib-postgresql". */
char *fix_compose_volume_name(const char *service, const char *target);

/* --- Podman Quadlet ------------------------------------------------------ */

/* ReadOnly=true, Tmpfs=, Volume= in the [Container] section of a .container unit. */
int fix_quadlet(const char *buf, size_t len, const char *filename, const struct plan *plan,
		struct fix_edit *out, struct rl_error *err);
/* The same as a drop-in (NAME.container.d/50-rootlock.conf); unit is the unit's text. */
int fix_quadlet_dropin(const char *unit, size_t unit_len, const char *filename,
		       const struct plan *plan, struct fix_edit *out, struct rl_error *err);

/* --- Kubernetes ------------------------------------------------------------ */

/*
 * For each container whose image is `image` in the Deployments,
 * StatefulSets, DaemonSets, Jobs, CronJobs and Pods of buf (all documents):
 * securityContext.readOnlyRootFilesystem: true, and an emptyDir volume with
 * its volumeMount for each tmpfs-class path (medium: Memory, sizeLimit from
 * the tmpfs size). A path whose data must persist gets a note, never an
 * emptyDir.
 */
int fix_kube(const char *buf, size_t len, const char *filename, const char *image,
	     const struct plan *plan, struct fix_edit *out, struct rl_error *err);

/* --- Files: read once, edited in memory, written together -------------------- */

#define FIX_MAX_FILE (64u << 20)

struct fix_file {
	char *path;  /* as named (labels, -f, --override) */
	char *shown; /* in the diff: relative to the current directory */
	char *old;   /* the bytes read; NULL: the file does not exist yet */
	size_t old_len;
	char *text; /* as it should be */
	size_t len;
	size_t changes;
	bool written; /* by fix_files_write() */
	struct stat st;
};

struct fix_files {
	struct fix_file *v;
	size_t n;
};

/* The file at path in fs, read the first time it is asked for; missing_ok: one to be made. */
struct fix_file *fix_files_get(struct fix_files *fs, const char *path, bool missing_ok,
			       struct rl_error *err);
/* An editor's result becomes the file's text (its notes stay in e). */
void fix_file_take(struct fix_file *f, struct fix_edit *e);
/*
 * Every changed file, or none: each new text goes into a temp file beside
 * its target (mode and owner kept, synced), then every file is compared with
 * the bytes read (refused if any changed, or is not writable), then the
 * renames. A symlink's target is written. Marks what it wrote.
 */
int fix_files_write(struct fix_files *fs, struct rl_error *err);
void fix_files_release(struct fix_files *fs);
/* abs (absolute) relative to the directory cwd: "compose.yaml", "../b/compose.yaml". */
char *fix_relative_path(const char *cwd, const char *abs);

/* --- Output ------------------------------------------------------------------ */

/*
 * A unified diff from old to new for the file at path (relative, as git
 * apply and patch -p1 take it: "--- a/PATH" and "+++ b/PATH"); old NULL is
 * a new file ("--- /dev/null"). "" when the two are equal. Lines keep their
 * own endings (CRLF stays CRLF); a last line without a newline gets
 * "\ No newline at end of file".
 */
char *fix_unified_diff(const char *old, size_t old_len, const char *new_text, size_t new_len,
		       const char *path);
