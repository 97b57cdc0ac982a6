/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lint.h"
#include "scratch.h"
#include "rule.h"

/* Not in lint.h: only the fuzz target and these tests use it. */
int quadlet_lint_text(const char *path, const char *text, size_t len, struct lint_results *out,
		      struct rl_error *err);

/*
 * Every test gets a fresh directory for its unit files, made at setup and
 * removed at teardown, so drop-in directories never leak between tests.
 */
struct fixture {
	char dir[64];
	struct lint_results res;
	struct rl_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (scratch_dir_make(f->dir, "quadlet") < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	lint_results_release(&f->res);
	scratch_dir_remove(f->dir);
	free(f);
	return 0;
}

static char *path_in(struct fixture *f, const char *rel)
{
	return xasprintf("%s/%s", f->dir, rel);
}

/* Write rel (creating its .d directory) with the given text. */
static void write_unit(struct fixture *f, const char *rel, const char *text)
{
	scratch_put(f->dir, rel, text);
}

/* Lint dir/rel, expect success and exactly one workload, return it (borrowed). */
static const struct workload *lint_ok(struct fixture *f, const char *rel)
{
	_cleanup_free_ char *p = path_in(f, rel);
	lint_results_release(&f->res);
	rl_error_clear(&f->err);
	int r = quadlet_lint(p, &f->res, &f->err);
	if (r != 0)
		fail_msg("quadlet_lint(%s) = %d: %s", rel, r, f->err.msg);
	assert_int_equal(f->res.n, 1);
	assert_false(f->res.v[0].standalone);
	return &f->res.v[0].w;
}

/* The same from memory, for the many one-file cases. */
static const struct workload *lint_text(struct fixture *f, const char *text)
{
	lint_results_release(&f->res);
	rl_error_clear(&f->err);
	int r = quadlet_lint_text("web.container", text, strlen(text), &f->res, &f->err);
	if (r != 0)
		fail_msg("quadlet_lint_text = %d: %s\n%s", r, f->err.msg, text);
	assert_int_equal(f->res.n, 1);
	return &f->res.v[0].w;
}

static const struct mount *mount_at(const struct workload *w, const char *target)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (streq(w->mounts[i].target, target))
			return &w->mounts[i];
	return NULL;
}

static bool has_note(const struct workload *w, const char *part)
{
	for (size_t i = 0; i < w->notes.n; i++)
		if (strstr(w->notes.v[i], part))
			return true;
	return false;
}

static enum verdict judge(const struct workload *w)
{
	struct judgement j;
	rule_judge(w, NULL, &j);
	enum verdict v = j.verdict;
	judgement_release(&j);
	return v;
}

static void expect_origin(struct fixture *f, const struct workload *w, const char *rel, int line)
{
	_cleanup_free_ char *p = path_in(f, rel);
	assert_string_equal(w->origin.file, p);
	assert_int_equal(w->origin.line, line);
	assert_int_equal(w->origin.column, 1);
	assert_string_equal(w->origin.kind, "quadlet");
}

/* ReadOnly= */

static void test_readonly_true(void **state)
{
	struct fixture *f = *state;
	write_unit(f, "web.container",
		   "[Unit]\n"
		   "Description=web\n"
		   "\n"
		   "[Container]\n"
		   "Image=docker.io/library/nginx:1.27\n"
		   "ReadOnly=true\n"
		   "\n"
		   "[Install]\n"
		   "WantedBy=default.target\n");
	const struct workload *w = lint_ok(f, "web.container");
	assert_true(w->readonly_rootfs);
	assert_false(w->privileged);
	assert_false(w->cap_sys_admin);
	assert_string_equal(w->image, "docker.io/library/nginx:1.27");
	assert_string_equal(w->name, "systemd-web");
	assert_string_equal(w->origin.workload, "web.container");
	assert_string_equal(w->origin.container, "web.container");
	assert_null(w->id);
	expect_origin(f, w, "web.container", 6);
	assert_int_equal(w->notes.n, 0);
	assert_int_equal(judge(w), VERDICT_PASS);
}

static void test_readonly_spellings(void **state)
{
	struct fixture *f = *state;
	static const char *const yes[] = {"true", "yes", "1",	     "on",     "TRUE",
					  "Yes",  "ON",	 "\"true\"", "true   "};
	static const char *const no[] = {"false", "no", "0", "off", "FALSE", "Off", ""};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		_cleanup_free_ char *t = xasprintf("[Container]\nReadOnly=%s\n", yes[i]);
		if (!lint_text(f, t)->readonly_rootfs)
			fail_msg("ReadOnly=%s should be read-only", yes[i]);
		assert_int_equal(f->res.v[0].w.notes.n, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		_cleanup_free_ char *t = xasprintf("[Container]\nReadOnly=%s\n", no[i]);
		const struct workload *w = lint_text(f, t);
		if (w->readonly_rootfs)
			fail_msg("ReadOnly=%s should be writable", no[i]);
		assert_int_equal(w->notes.n, 0);
		assert_int_equal(w->origin.line, 2);
	}
	/* Spaces around "=" are allowed. */
	assert_true(lint_text(f, "[Container]\nReadOnly = true\n")->readonly_rootfs);
}

static void test_readonly_default_false(void **state)
{
	struct fixture *f = *state;
	write_unit(f, "web.container",
		   "# a comment first\n"
		   "[Unit]\n"
		   "Description=web\n"
		   "[Container]\n"
		   "Image=nginx\n");
	const struct workload *w = lint_ok(f, "web.container");
	assert_false(w->readonly_rootfs);
	/* No ReadOnly= anywhere: point at the [Container] header. */
	expect_origin(f, w, "web.container", 4);
	assert_int_equal(w->n_mounts, 0);
	assert_int_equal(w->notes.n, 0);
	assert_int_equal(judge(w), VERDICT_FAIL);
}

static void test_no_container_section(void **state)
{
	struct fixture *f = *state;
	const struct workload *w =
		lint_text(f, "[Unit]\nDescription=x\n[Service]\nReadOnly=true\n");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 1);
	assert_int_equal(w->origin.column, 1);
	assert_true(has_note(w, "no [Container] section"));
	/* An empty file parses too: nothing is malformed in it. */
	w = lint_text(f, "");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 1);
}

static void test_readonly_invalid(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "[Container]\nImage=x\nReadOnly=maybe\n");
	assert_false(w->readonly_rootfs);
	assert_true(has_note(w, "ReadOnly=maybe is not a boolean"));
	assert_int_equal(w->origin.line, 3);
	assert_int_equal(judge(w), VERDICT_FAIL);
	/* A later valid value replaces it, note and all. */
	w = lint_text(f, "[Container]\nReadOnly=maybe\nReadOnly=yes\n");
	assert_true(w->readonly_rootfs);
	assert_int_equal(w->notes.n, 0);
}

static void test_readonly_last_wins(void **state)
{
	struct fixture *f = *state;
	const struct workload *w =
		lint_text(f, "[Container]\nReadOnly=true\n[Service]\nRestart=always\n"
			     "[Container]\nReadOnly=false\n");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 6);
	/* Other sections do not count, however they are named. */
	w = lint_text(f, "[Container]\nReadOnly=true\n[X-Container]\nReadOnly=false\n"
			 "[container]\nReadOnly=false\n");
	assert_true(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 2);
}

static void test_readonly_key_case(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "[Container]\nreadonly=true\n");
	assert_false(w->readonly_rootfs);
	assert_true(has_note(w, "readonly= is not ReadOnly="));
	assert_int_equal(w->origin.line, 1);
}

/* Drop-ins */

static void test_dropins_in_order(void **state)
{
	struct fixture *f = *state;
	write_unit(f, "web.container", "[Container]\nImage=nginx\n");
	/* Written in reverse so that directory order is not file-name order. */
	write_unit(f, "web.container.d/02-b.conf",
		   "# turn it off again\n[Container]\nReadOnly=false\n");
	write_unit(f, "web.container.d/01-a.conf", "[Container]\nReadOnly=true\n");
	const struct workload *w = lint_ok(f, "web.container");
	assert_false(w->readonly_rootfs);
	expect_origin(f, w, "web.container.d/02-b.conf", 3);

	/* A later name wins; files not named *.conf and directories are ignored. */
	write_unit(f, "web.container.d/03-c.conf", "[Container]\nReadOnly=true\n");
	write_unit(f, "web.container.d/04-d.conf.disabled", "[Container]\nReadOnly=false\n");
	write_unit(f, "web.container.d/04-e.txt", "[Container]\nReadOnly=false\n");
	_cleanup_free_ char *sub = path_in(f, "web.container.d/05-dir.conf");
	assert_int_equal(mkdir(sub, 0700), 0);
	w = lint_ok(f, "web.container");
	assert_true(w->readonly_rootfs);
	expect_origin(f, w, "web.container.d/03-c.conf", 2);
}

static void test_dropin_overrides_main(void **state)
{
	struct fixture *f = *state;
	write_unit(f, "api.container", "[Container]\nImage=api\nReadOnly=false\n");
	write_unit(f, "api.container.d/hardening.conf",
		   "[Container]\nReadOnly=true\nTmpfs=/cache\n");
	const struct workload *w = lint_ok(f, "api.container");
	assert_true(w->readonly_rootfs);
	expect_origin(f, w, "api.container.d/hardening.conf", 2);
	assert_non_null(mount_at(w, "/cache"));
	/* A drop-in that never mentions ReadOnly= leaves the main file's line. */
	write_unit(f, "db.container", "[Unit]\n[Container]\nImage=db\n");
	write_unit(f, "db.container.d/x.conf", "[Container]\nVolume=db:/var/lib/db\n");
	w = lint_ok(f, "db.container");
	assert_false(w->readonly_rootfs);
	expect_origin(f, w, "db.container", 2);
	assert_int_equal(mount_at(w, "/var/lib/db")->kind, MOUNT_VOLUME);
}

static void test_dropin_dirs_search(void **state)
{
	struct fixture *f = *state;
	write_unit(f, "my-app.container", "[Container]\nImage=x\n");
	/* The top-level container.d applies to every container unit... */
	write_unit(f, "container.d/10-ro.conf", "[Container]\nReadOnly=true\n");
	const struct workload *w = lint_ok(f, "my-app.container");
	assert_true(w->readonly_rootfs);
	expect_origin(f, w, "container.d/10-ro.conf", 2);
	/* ...the dash prefix my-.container.d to my-*.container... */
	write_unit(f, "my-.container.d/20-caps.conf", "[Container]\nAddCapability=SYS_ADMIN\n");
	w = lint_ok(f, "my-app.container");
	assert_true(w->cap_sys_admin);
	/* ...and a name in the unit's own directory hides the same name above. */
	write_unit(f, "my-app.container.d/10-ro.conf", "[Container]\nImage=y\n");
	w = lint_ok(f, "my-app.container");
	assert_false(w->readonly_rootfs);
	assert_string_equal(w->image, "y");
	assert_true(w->cap_sys_admin);
}

static void test_dropin_symlinks(void **state)
{
	struct fixture *f = *state;
	write_unit(f, "web.container", "[Container]\nImage=x\n");
	write_unit(f, "shared.conf", "[Container]\nReadOnly=true\n");
	_cleanup_free_ char *d = path_in(f, "web.container.d");
	assert_int_equal(mkdir(d, 0700), 0);
	_cleanup_free_ char *link = path_in(f, "web.container.d/10-shared.conf");
	assert_int_equal(symlink("../shared.conf", link), 0);
	/* A loop and a dangling link are skipped, not followed forever. */
	_cleanup_free_ char *loop = path_in(f, "web.container.d/20-loop.conf");
	assert_int_equal(symlink("20-loop.conf", loop), 0);
	_cleanup_free_ char *dangling = path_in(f, "web.container.d/30-gone.conf");
	assert_int_equal(symlink("nowhere.conf", dangling), 0);
	const struct workload *w = lint_ok(f, "web.container");
	assert_true(w->readonly_rootfs);
	expect_origin(f, w, "web.container.d/10-shared.conf", 2);
}

static void test_too_many_dropins(void **state)
{
	struct fixture *f = *state;
	write_unit(f, "web.container", "[Container]\nImage=x\n");
	for (int i = 0; i < 257; i++) {
		_cleanup_free_ char *rel = xasprintf("web.container.d/%03d.conf", i);
		write_unit(f, rel, "[Container]\n");
	}
	_cleanup_free_ char *p = path_in(f, "web.container");
	int r = quadlet_lint(p, &f->res, &f->err);
	assert_int_equal(r, RL_EIO);
	assert_non_null(strstr(f->err.msg, "more than 256 drop-in files"));
	assert_int_equal(f->res.n, 0);
}

/* PodmanArgs= */

static void test_podman_args_readonly(void **state)
{
	struct fixture *f = *state;
	assert_true(lint_text(f, "[Container]\nPodmanArgs=--read-only\n")->readonly_rootfs);
	assert_true(lint_text(f, "[Container]\nPodmanArgs=--read-only=true\n")->readonly_rootfs);
	assert_true(
		lint_text(f, "[Container]\nPodmanArgs=--init '--read-only'\n")->readonly_rootfs);
	/* --read-only-tmpfs is a different flag. */
	assert_false(lint_text(f, "[Container]\nPodmanArgs=--read-only-tmpfs\n")->readonly_rootfs);

	/* PodmanArgs come last on podman's command line, so they beat ReadOnly=. */
	const struct workload *w = lint_text(f, "[Container]\nPodmanArgs=--read-only=false\n"
						"ReadOnly=true\n");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 2);
	w = lint_text(f, "[Container]\nReadOnly=false\nPodmanArgs=--read-only --init\n"
			 "PodmanArgs=--log-level=debug\n");
	assert_true(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 3);

	/* An empty PodmanArgs= forgets the ones before it. */
	w = lint_text(f, "[Container]\nPodmanArgs=--read-only\nPodmanArgs=\nReadOnly=false\n");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 4);

	w = lint_text(f, "[Container]\nPodmanArgs=--read-only=maybe\n");
	assert_false(w->readonly_rootfs);
	assert_true(has_note(w, "--read-only=maybe is not a boolean"));
}

static void test_podman_args_privileged_caps(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "[Container]\nReadOnly=true\n"
						"PodmanArgs=--privileged\n");
	assert_true(w->privileged);
	assert_false(w->cap_sys_admin);
	assert_int_equal(judge(w), VERDICT_WARN);
	assert_false(lint_text(f, "[Container]\nPodmanArgs=--privileged=false\n")->privileged);

	static const char *const sysadmin[] = {
		"--cap-add=SYS_ADMIN",	   "--cap-add SYS_ADMIN",	    "--cap-add=sys_admin",
		"--cap-add=CAP_SYS_ADMIN", "--cap-add=NET_ADMIN,SYS_ADMIN", "--cap-add all",
		"\"--cap-add=SYS_ADMIN\"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(sysadmin); i++) {
		_cleanup_free_ char *t = xasprintf("[Container]\nPodmanArgs=%s\n", sysadmin[i]);
		if (!lint_text(f, t)->cap_sys_admin)
			fail_msg("PodmanArgs=%s should add SYS_ADMIN", sysadmin[i]);
	}
	assert_false(lint_text(f, "[Container]\nPodmanArgs=--cap-add=NET_ADMIN\n")->cap_sys_admin);
	assert_false(lint_text(f, "[Container]\nPodmanArgs=--cap-drop=SYS_ADMIN\n")->cap_sys_admin);

	w = lint_text(f, "[Container]\nReadOnly=true\n"
			 "PodmanArgs=--security-opt apparmor=unconfined "
			 "--security-opt=seccomp=unconfined\n");
	assert_true(w->apparmor_unconfined);
	assert_true(w->seccomp_unconfined);
}

static void test_podman_args_mounts_labels(void **state)
{
	struct fixture *f = *state;
	const struct workload *w =
		lint_text(f, "[Container]\nReadOnly=true\n"
			     "PodmanArgs=--tmpfs /scratch:noexec -v data:/data "
			     "--volume=/etc/app:/etc/app:ro --mount type=tmpfs,dst=/run "
			     "--label \"rootlock.exempt=legacy writer\"\n");
	const struct mount *m = mount_at(w, "/scratch");
	assert_non_null(m);
	assert_int_equal(m->kind, MOUNT_TMPFS);
	assert_false(m->exec);
	assert_int_equal(mount_at(w, "/data")->kind, MOUNT_VOLUME);
	assert_int_equal(mount_at(w, "/etc/app")->kind, MOUNT_BIND);
	assert_false(mount_at(w, "/etc/app")->writable);
	/* The user's /run replaces podman's own; /tmp and /var/tmp still come. */
	assert_true(mount_at(w, "/run")->exec);
	assert_non_null(mount_at(w, "/tmp"));
	assert_int_equal(w->n_mounts, 6);
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "legacy writer");
}

/* AddCapability= */

static void test_add_capability(void **state)
{
	struct fixture *f = *state;
	static const char *const yes[] = {"SYS_ADMIN",		 "CAP_SYS_ADMIN", "sys_admin",
					  "cap_sys_admin",	 "ALL",		  "all",
					  "NET_ADMIN SYS_ADMIN", "\"SYS_ADMIN\""};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		_cleanup_free_ char *t =
			xasprintf("[Container]\nReadOnly=true\nAddCapability=%s\n", yes[i]);
		const struct workload *w = lint_text(f, t);
		if (!w->cap_sys_admin)
			fail_msg("AddCapability=%s should count as SYS_ADMIN", yes[i]);
		assert_int_equal(judge(w), VERDICT_WARN);
	}
	/* Repeated keys accumulate... */
	assert_true(lint_text(f, "[Container]\nAddCapability=NET_ADMIN\nAddCapability=SYS_ADMIN\n"
				 "AddCapability=CHOWN\n")
			    ->cap_sys_admin);
	/* ...until an empty one resets the list. */
	assert_false(lint_text(f, "[Container]\nAddCapability=SYS_ADMIN\nAddCapability=\n"
				  "AddCapability=NET_ADMIN\n")
			     ->cap_sys_admin);
	assert_false(
		lint_text(f, "[Container]\nAddCapability=SYS_ADMINX SYSADMIN\n")->cap_sys_admin);
	/* Dropping it does not matter: only what is added can undo read-only. */
	const struct workload *w = lint_text(f, "[Container]\nReadOnly=true\n"
						"DropCapability=ALL SYS_ADMIN\n");
	assert_false(w->cap_sys_admin);
	assert_int_equal(judge(w), VERDICT_PASS);
}

/* ReadOnlyTmpfs=, Tmpfs=, Volume=, Mount= */

static void test_readonly_tmpfs_default(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "[Container]\nReadOnly=true\n");
	assert_int_equal(w->n_mounts, 3);
	static const char *const dirs[] = {"/tmp", "/var/tmp", "/run"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		const struct mount *m = mount_at(w, dirs[i]);
		assert_non_null(m);
		assert_int_equal(m->kind, MOUNT_TMPFS);
		assert_true(m->writable);
		assert_int_equal(m->size_bytes, 0);
		/* podman mounts /tmp and /var/tmp noexec, /run not. */
		assert_int_equal(m->exec, streq(dirs[i], "/run"));
	}
	assert_int_equal(lint_text(f, "[Container]\nReadOnly=true\nReadOnlyTmpfs=true\n")->n_mounts,
			 3);
	/* Writable containers get no extra tmpfs. */
	assert_int_equal(lint_text(f, "[Container]\nReadOnlyTmpfs=true\n")->n_mounts, 0);
}

static void test_readonly_tmpfs_false(void **state)
{
	struct fixture *f = *state;
	const struct workload *w =
		lint_text(f, "[Container]\nReadOnly=true\nReadOnlyTmpfs=false\n");
	assert_true(w->readonly_rootfs);
	assert_int_equal(w->n_mounts, 0);
	assert_int_equal(judge(w), VERDICT_PASS);
	assert_int_equal(lint_text(f, "[Container]\nReadOnly=true\nReadOnlyTmpfs=no\n")->n_mounts,
			 0);
	/* Quadlet reads a non-boolean as false, and says nothing; we do. */
	w = lint_text(f, "[Container]\nReadOnly=true\nReadOnlyTmpfs=sometimes\n");
	assert_int_equal(w->n_mounts, 0);
	assert_true(has_note(w, "ReadOnlyTmpfs=sometimes is not a boolean"));
	/* PodmanArgs win here too. */
	assert_int_equal(lint_text(f, "[Container]\nReadOnly=true\n"
				      "PodmanArgs=--read-only-tmpfs=false\n")
				 ->n_mounts,
			 0);
}

static void test_tmpfs(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "[Container]\nReadOnly=true\n"
						"Tmpfs=/tmp:rw,size=64m,mode=1777\n"
						"Tmpfs=/cache:noexec,size=16m\n"
						"Tmpfs=/scratch/\n");
	const struct mount *m = mount_at(w, "/tmp");
	assert_int_equal(m->kind, MOUNT_TMPFS);
	assert_true(m->writable);
	/* podman adds noexec only when asked. */
	assert_true(m->exec);
	assert_int_equal(m->size_bytes, 64LL << 20);
	m = mount_at(w, "/cache");
	assert_false(m->exec);
	assert_int_equal(m->size_bytes, 16LL << 20);
	assert_non_null(mount_at(w, "/scratch"));
	/* /tmp is the user's; podman fills in only /var/tmp and /run. */
	assert_int_equal(w->n_mounts, 5);
	assert_non_null(mount_at(w, "/var/tmp"));

	w = lint_text(f, "[Container]\nTmpfs=/a\nTmpfs=\nTmpfs=/b:ro\n");
	assert_int_equal(w->n_mounts, 1);
	assert_false(mount_at(w, "/b")->writable);

	/* VolatileTmp= is a tmpfs on /tmp when ReadOnly= is off. */
	w = lint_text(f, "[Container]\nVolatileTmp=true\n");
	assert_int_equal(w->n_mounts, 1);
	assert_int_equal(mount_at(w, "/tmp")->size_bytes, 512LL << 20);
}

static void test_volume(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "[Container]\n"
						"Volume=data.volume:/data\n"
						"Volume=named:/named:ro\n"
						"Volume=/srv/conf:/etc/app:ro,z\n"
						"Volume=./rel:/rel:Z\n"
						"Volume=%h/cache:/cache\n"
						"Volume=/anon\n"
						"Volume=/host:/rw:rw\n");
	assert_int_equal(w->n_mounts, 7);
	const struct mount *m = mount_at(w, "/data");
	assert_int_equal(m->kind, MOUNT_VOLUME);
	assert_string_equal(m->source, "data.volume");
	assert_true(m->writable);
	m = mount_at(w, "/named");
	assert_int_equal(m->kind, MOUNT_VOLUME);
	assert_false(m->writable);
	m = mount_at(w, "/etc/app");
	assert_int_equal(m->kind, MOUNT_BIND);
	assert_string_equal(m->source, "/srv/conf");
	assert_false(m->writable);
	assert_int_equal(mount_at(w, "/rel")->kind, MOUNT_BIND);
	assert_true(mount_at(w, "/rel")->writable);
	assert_int_equal(mount_at(w, "/cache")->kind, MOUNT_BIND);
	m = mount_at(w, "/anon");
	assert_int_equal(m->kind, MOUNT_ANONYMOUS);
	assert_null(m->source);
	assert_true(m->writable);
	assert_true(mount_at(w, "/rw")->writable);
}

static void test_mount(void **state)
{
	struct fixture *f = *state;
	const struct workload *w =
		lint_text(f, "[Container]\nReadOnly=true\n"
			     "Mount=type=tmpfs,destination=/run,tmpfs-size=1m\n"
			     "Mount=type=bind,src=/h,dst=/b,ro=true\n"
			     "Mount=type=bind,source=/h2,target=/b2,readonly\n"
			     "Mount=type=bind,source=/h3,target=/b3,ro=false\n"
			     "Mount=type=volume,source=db.volume,destination=/db\n"
			     "Mount=type=volume,target=/anon type=tmpfs,dst=/x,noexec\n"
			     "Mount=type=image,source=quay.io/x/y,destination=/img\n"
			     "Mount=type=bind,source=/h4,destination=/b4,rw=false\n"
			     "Mount=type=tmpfs\n");
	const struct mount *m = mount_at(w, "/run");
	assert_int_equal(m->kind, MOUNT_TMPFS);
	assert_true(m->exec);
	assert_int_equal(m->size_bytes, 1 << 20);
	m = mount_at(w, "/b");
	assert_int_equal(m->kind, MOUNT_BIND);
	assert_string_equal(m->source, "/h");
	assert_false(m->writable);
	assert_false(mount_at(w, "/b2")->writable);
	assert_true(mount_at(w, "/b3")->writable);
	assert_false(mount_at(w, "/b4")->writable);
	assert_int_equal(mount_at(w, "/db")->kind, MOUNT_VOLUME);
	assert_int_equal(mount_at(w, "/anon")->kind, MOUNT_ANONYMOUS);
	assert_false(mount_at(w, "/x")->exec);
	m = mount_at(w, "/img");
	assert_int_equal(m->kind, MOUNT_OTHER);
	assert_false(m->writable);
	/* The one without a destination is dropped; /tmp and /var/tmp are podman's. */
	assert_int_equal(w->n_mounts, 11);
}

/* Label= */

static void test_exempt_label(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(
		f, "[Container]\n"
		   "Label=app=web \"rootlock.exempt=vendor image, ticket OPS-1\" tier=1\n");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "vendor image, ticket OPS-1");
	struct judgement j;
	rule_judge(w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	assert_string_equal(j.exempt_reason, "vendor image, ticket OPS-1");
	judgement_release(&j);

	/* Quotes in the middle of a word, as systemd allows. */
	w = lint_text(f, "[Container]\nLabel=rootlock.exempt=\"needs /var/cache\"\n");
	assert_string_equal(w->exempt_reason, "needs /var/cache");
	w = lint_text(f,
		      "[Container]\nLabel=rootlock.exempt=first\nLabel=rootlock.exempt=second\n");
	assert_string_equal(w->exempt_reason, "second");

	/* Without a reason it is there, but does not exempt. */
	w = lint_text(f, "[Container]\nLabel=rootlock.exempt=\n");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "");
	assert_int_equal(judge(w), VERDICT_FAIL);

	w = lint_text(f, "[Container]\nLabel=rootlock.exempt=x\nLabel=\nLabel=a=b\n");
	assert_false(w->has_exempt_label);
	w = lint_text(f, "[Container]\nLabel=rootlock.exemption=x rootlock.exempt.note=y\n");
	assert_false(w->has_exempt_label);
}

/* Unit syntax */

static void test_continuation_lines(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "[Container]\n"
						"Image=x\n"
						"PodmanArgs=--cap-add=NET_ADMIN \\\n"
						"  # a comment inside is skipped\n"
						"\n"
						"  --read-only\n"
						"ReadOnlyTmpfs=false\n");
	assert_true(w->readonly_rootfs);
	assert_false(w->cap_sys_admin);
	/* The key's own line, not the one the value ends on. */
	assert_int_equal(w->origin.line, 3);
	assert_int_equal(w->n_mounts, 0);

	/* Quadlet joins the parts as they are: no space is added. */
	w = lint_text(f, "[Container]\nReadOnly=tr\\\nue\n");
	assert_true(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 2);
	/* A backslash on the last line is dropped. */
	assert_true(lint_text(f, "[Container]\nReadOnly=true\\")->readonly_rootfs);
	/* CRLF line ends. */
	assert_true(lint_text(f, "[Container]\r\nReadOnly=true\r\n")->readonly_rootfs);
	/* A continuation that only comments follow is lost, as in Quadlet. */
	assert_false(lint_text(f, "[Container]\nReadOnly=true\\\n# end\n")->readonly_rootfs);
}

static void test_comments(void **state)
{
	struct fixture *f = *state;
	const struct workload *w = lint_text(f, "# ReadOnly=true\n"
						"; ReadOnly=true\n"
						"[Container]\n"
						"   # ReadOnly=true\n"
						"\t; ReadOnly=true\n"
						"Image=x # not a comment\n");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->origin.line, 3);
	assert_string_equal(w->image, "x # not a comment");
	/* Whitespace after the header is fine. */
	assert_true(lint_text(f, "[Container] \t\nReadOnly=true\n")->readonly_rootfs);
}

static void test_container_name(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(lint_text(f, "[Container]\nContainerName=api\n")->name, "api");
	assert_string_equal(lint_text(f, "[Container]\nContainerName=%N-1\n")->name, "web-1");
	assert_string_equal(lint_text(f, "[Container]\nContainerName=\n")->name, "systemd-web");
	write_unit(f, "worker@blue.container", "[Container]\nImage=w\n");
	const struct workload *w = lint_ok(f, "worker@blue.container");
	assert_string_equal(w->name, "systemd-worker_blue");
	assert_string_equal(w->origin.workload, "worker@blue.container");
}

static void expect_parse_error(struct fixture *f, const char *text, int line)
{
	lint_results_release(&f->res);
	rl_error_clear(&f->err);
	int r = quadlet_lint_text("bad.container", text, strlen(text), &f->res, &f->err);
	if (r != RL_EPARSE)
		fail_msg("want a parse error for:\n%s", text);
	_cleanup_free_ char *prefix = xasprintf("bad.container:%d: ", line);
	if (!str_startswith(f->err.msg, prefix))
		fail_msg("\"%s\" does not start with \"%s\"", f->err.msg, prefix);
	assert_int_equal(f->res.n, 0);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	expect_parse_error(f, "[Container]\nImage=x\njust some words\n", 3);
	expect_parse_error(f, "Image=x\n[Container]\n", 1);
	expect_parse_error(f, "\n\n# c\nReadOnly=true\n", 4);
	expect_parse_error(f, "[Container]\n=value\n", 2);
	expect_parse_error(f, "[]\n", 1);
	expect_parse_error(f, "[Con[tainer]\n", 1);
	expect_parse_error(f, "[Container] x\n", 1);
	expect_parse_error(f, "[Container\n", 1);
	expect_parse_error(f, "[Container]\nReadOnly=true\nbroken \\\nline\n", 3);
	static const char nul[] = "[Container]\nReadOnly=t\0rue\n";
	lint_results_release(&f->res);
	assert_int_equal(quadlet_lint_text("bad.container", nul, sizeof(nul) - 1, &f->res, &f->err),
			 RL_EPARSE);
	assert_string_equal(f->err.msg, "bad.container:2: contains a NUL byte");

	/* In a drop-in, the drop-in's path and line. */
	write_unit(f, "web.container", "[Container]\nImage=x\n");
	write_unit(f, "web.container.d/10-ok.conf", "[Container]\nReadOnly=true\n");
	write_unit(f, "web.container.d/20-bad.conf", "[Container]\n\noops\n");
	_cleanup_free_ char *p = path_in(f, "web.container");
	_cleanup_free_ char *want = path_in(f, "web.container.d/20-bad.conf:3: ");
	lint_results_release(&f->res);
	assert_int_equal(quadlet_lint(p, &f->res, &f->err), RL_EPARSE);
	if (!str_startswith(f->err.msg, want))
		fail_msg("\"%s\" does not start with \"%s\"", f->err.msg, want);
	assert_int_equal(f->res.n, 0);
}

static void test_unreadable(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *missing = path_in(f, "missing.container");
	assert_int_equal(quadlet_lint(missing, &f->res, &f->err), RL_EIO);
	assert_non_null(strstr(f->err.msg, missing));
	assert_non_null(strstr(f->err.msg, "No such file"));
	assert_int_equal(f->res.n, 0);

	/* A directory named like a unit. */
	_cleanup_free_ char *dir = path_in(f, "dir.container");
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(quadlet_lint(dir, &f->res, &f->err), RL_EIO);
	assert_non_null(strstr(f->err.msg, dir));

	/* Permissions mean nothing to root. */
	if (geteuid() == 0)
		return;
	write_unit(f, "locked.container", "[Container]\nReadOnly=true\n");
	_cleanup_free_ char *locked = path_in(f, "locked.container");
	assert_int_equal(chmod(locked, 0), 0);
	assert_int_equal(quadlet_lint(locked, &f->res, &f->err), RL_EIO);
	assert_non_null(strstr(f->err.msg, locked));
	assert_non_null(strstr(f->err.msg, "Permission denied"));

	/* An unreadable drop-in directory is an error too, not an empty one. */
	write_unit(f, "web.container", "[Container]\nReadOnly=true\n");
	write_unit(f, "web.container.d/10.conf", "[Container]\nReadOnly=false\n");
	_cleanup_free_ char *web = path_in(f, "web.container");
	_cleanup_free_ char *d = path_in(f, "web.container.d");
	assert_int_equal(chmod(d, 0), 0);
	assert_int_equal(quadlet_lint(web, &f->res, &f->err), RL_EIO);
	assert_non_null(strstr(f->err.msg, d));
	assert_int_equal(f->res.n, 0);
	/* So that teardown can remove it. */
	chmod(d, 0700);
}

/* Volume=, PodmanArgs= binds and --pid, AddCapability=: the defeaters the rule knows. */
static void test_defeaters(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *lines;
		enum verdict v;
	} cases[] = {
		{"Volume=/run/podman/podman.sock:/run/podman/podman.sock:ro\n", VERDICT_WARN},
		{"Volume=%t/podman/podman.sock:/sock\n",
		 VERDICT_WARN}, /* %t: /run or /run/user/UID */
		{"Volume=/run/user/1000/podman/podman.sock:/sock:ro\n", VERDICT_WARN},
		{"Volume=/var/lib/containers/storage:/s\n", VERDICT_WARN},
		{"Volume=/var/lib/containers/storage:/s:ro\n", VERDICT_PASS},
		{"Volume=/var/lib/containers/storage/overlay:/s:z\n", VERDICT_WARN},
		{"Volume=/:/host\n", VERDICT_WARN},
		{"Volume=/srv/www:/www\n", VERDICT_PASS},
		{"PodmanArgs=-v /var/run/docker.sock:/d.sock:ro\n", VERDICT_WARN},
		{"PodmanArgs=--mount type=bind,src=/run/containerd/containerd.sock,dst=/c\n",
		 VERDICT_WARN},
		{"PodmanArgs=--pid=host --cap-add=SYS_PTRACE\n", VERDICT_WARN},
		{"PodmanArgs=--pid host\nAddCapability=CAP_SYS_PTRACE\n", VERDICT_WARN},
		{"PodmanArgs=--pid host\n", VERDICT_PASS},
		{"PodmanArgs=--pid host --pid private\nAddCapability=SYS_PTRACE\n", VERDICT_PASS},
		{"AddCapability=SYS_PTRACE\n", VERDICT_PASS},
		{"Volume=/var/run/docker.sock:/var/run/docker.sock\n"
		 "Label=rootlock.exempt=\"monitoring agent (OPS-7)\"\n",
		 VERDICT_EXEMPT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *text =
			xasprintf("[Container]\nImage=agent\nReadOnly=true\n%s", cases[i].lines);
		const struct workload *w = lint_text(f, text);
		enum verdict v = judge(w);
		if (v != cases[i].v)
			fail_msg("%s: %s, expected %s", cases[i].lines, verdict_name(v),
				 verdict_name(cases[i].v));
	}
	const struct workload *w =
		lint_text(f, "[Container]\nImage=a\nReadOnly=true\nVolume=/:/host\n");
	struct judgement j;
	rule_judge(w, NULL, &j);
	assert_non_null(strstr(j.remediation, "remove the `Volume=`"));
	judgement_release(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readonly_true, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_spellings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_default_false, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_container_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_last_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_key_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropins_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropin_overrides_main, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropin_dirs_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropin_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_dropins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podman_args_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podman_args_privileged_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podman_args_mounts_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_tmpfs_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_tmpfs_false, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmpfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exempt_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continuation_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defeaters, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
