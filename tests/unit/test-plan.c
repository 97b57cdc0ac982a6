/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <sys/stat.h>

#include "clone.h"
#include "plan.h"

/*
 * plan_build() as a user meets it: a container (its inspect answer, its
 * image's, its diff and its tree) goes in, mounts and blockers come out.
 * Each test builds the container's tree as a real tar in memory and reads it
 * with fs_index_from_tar(), the way plan_gather() reads the engine's archive.
 */

/* One file, directory or symlink in the container's tree. */
struct node {
	char *path;
	mode_t mode; /* with the type bits */
	unsigned uid, gid;
	char *link;
};

struct fixture {
	struct node *nodes;
	size_t n_nodes, alloc;
	json_t *container, *image, *changes;
	struct plan_input in;
	struct plan plan;
};

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "redis:x:999:999::/var/lib/redis:/bin/sh\n"
			     "app:x:1000:1000::/home/app:/bin/sh\n";
static const char group[] = "root:x:0:\ndaemon:x:1:\nredis:x:999:\napp:x:1000:\n";

static struct node *node_new(struct fixture *f, const char *path)
{
	if (f->n_nodes == f->alloc) {
		f->alloc = f->alloc ? 2 * f->alloc : 64;
		f->nodes = xrealloc(f->nodes, f->alloc * sizeof(*f->nodes));
	}
	struct node *n = &f->nodes[f->n_nodes++];
	*n = (struct node){.path = xstrdup(path)};
	return n;
}

/* Add a node, or change the one already at path (a tar lists each path once). */
static void node_set(struct fixture *f, const char *path, mode_t mode, unsigned uid, unsigned gid,
		     const char *link)
{
	struct node *n = NULL;
	for (size_t i = 0; i < f->n_nodes && !n; i++)
		if (streq(f->nodes[i].path, path))
			n = &f->nodes[i];
	if (!n)
		n = node_new(f, path);
	free(n->link);
	n->mode = mode;
	n->uid = uid;
	n->gid = gid;
	n->link = link ? xstrdup(link) : NULL;
}

static void node_remove(struct fixture *f, const char *path)
{
	for (size_t i = 0; i < f->n_nodes; i++)
		if (streq(f->nodes[i].path, path)) {
			free(f->nodes[i].path);
			free(f->nodes[i].link);
			f->nodes[i] = f->nodes[--f->n_nodes];
			return;
		}
	fail_msg("no node %s to remove", path);
}

static void dir(struct fixture *f, const char *path, mode_t perm)
{
	node_set(f, path, S_IFDIR | perm, 0, 0, NULL);
}

static void file(struct fixture *f, const char *path, mode_t perm)
{
	node_set(f, path, S_IFREG | perm, 0, 0, NULL);
}

static void symlink_to(struct fixture *f, const char *path, const char *target)
{
	node_set(f, path, S_IFLNK | 0777, 0, 0, target);
}

/* A diff entry: 'C' changed, 'A' added, 'D' deleted, as GET .../changes says. */
static void change(struct fixture *f, char kind, const char *path)
{
	int k = kind == 'C' ? 0 : kind == 'A' ? 1 : 2;
	json_array_append_new(f->changes, json_pack("{s:s, s:i}", "Path", path, "Kind", k));
}

/* A file the container created: in the tree now, and in the diff. */
static void added(struct fixture *f, const char *path, mode_t perm)
{
	file(f, path, perm);
	change(f, 'A', path);
}

static void added_dir(struct fixture *f, const char *path)
{
	dir(f, path, 0755);
	change(f, 'A', path);
}

/* A Debian-like image running nginx as root, with /var/run -> /run. */
static void setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	static const char *const dirs[] = {
		"/",	    "/bin",	"/etc",	    "/home",	  "/root",	"/run",
		"/srv",	    "/usr",	"/usr/bin", "/usr/sbin",  "/usr/local", "/usr/local/bin",
		"/var",	    "/var/lib", "/var/log", "/var/cache", "/var/tmp",	"/opt",
		"/usr/lib", "/dev",	"/proc",    "/sys",
	};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		dir(f, dirs[i], 0755);
	dir(f, "/tmp", 01777);
	file(f, "/bin/sh", 0755);
	file(f, "/usr/sbin/nginx", 0755);
	file(f, "/etc/passwd", 0644);
	file(f, "/etc/group", 0644);
	file(f, "/etc/hosts", 0644);
	symlink_to(f, "/var/run", "/run");

	json_error_t jerr;
	f->container =
		json_loads("{\"Id\": \"c0ffee\", \"Name\": \"/web\", \"Image\": \"sha256:1111\","
			   " \"Config\": {\"Image\": \"example/web:1\", \"User\": \"\","
			   "  \"Entrypoint\": [\"nginx\"], \"Cmd\": [\"-g\", \"daemon off;\"],"
			   "  \"WorkingDir\": \"\", \"Hostname\": \"c0ffee123456\"},"
			   " \"HostConfig\": {\"Binds\": null, \"Tmpfs\": null, \"Mounts\": null},"
			   " \"Mounts\": []}",
			   0, &jerr);
	if (!f->container)
		fail_msg("container: %s", jerr.text);
	f->image = json_pack("{s:{s:n}}", "Config", "Volumes");
	f->changes = json_array();
}

static json_t *config(struct fixture *f)
{
	return json_object_get(f->container, "Config");
}

static void set_user(struct fixture *f, const char *user)
{
	json_object_set_new(config(f), "User", json_string(user));
}

static la_ssize_t tar_write(struct archive *a, void *data, const void *buf, size_t len)
{
	(void)a;
	strbuf_add(data, buf, len);
	return (la_ssize_t)len;
}

/* The nodes as the tar the engine would send for GET .../archive?path=/. */
static void make_tar(const struct node *nodes, size_t n, struct strbuf *out)
{
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, out, NULL, tar_write, NULL), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(e);
		/* Relative names: the archive of "/" names its entries from ".". */
		archive_entry_set_pathname(e, streq(nodes[i].path, "/") ? "." : nodes[i].path + 1);
		archive_entry_set_mode(e, nodes[i].mode);
		archive_entry_set_uid(e, nodes[i].uid);
		archive_entry_set_gid(e, nodes[i].gid);
		archive_entry_set_size(e, 0);
		if (nodes[i].link)
			archive_entry_set_symlink(e, nodes[i].link);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	}
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Put everything together and plan; the plan must succeed. */
static void build(struct fixture *f)
{
	_cleanup_strbuf_ struct strbuf tar = STRBUF_INIT;
	make_tar(f->nodes, f->n_nodes, &tar);
	struct rl_error err = {0};
	if (fs_index_from_tar(tar.buf, tar.len, "/", PLAN_MAX_FS_ENTRIES, &f->in.fs, &err) < 0)
		fail_msg("fs_index_from_tar: %s", err.msg);
	assert_int_equal(f->in.fs.n, f->n_nodes);
	f->in.container = json_incref(f->container);
	f->in.image = json_incref(f->image);
	f->in.changes = json_incref(f->changes);
	f->in.passwd = xstrdup(passwd);
	f->in.group = xstrdup(group);
	f->in.volume_prefix = xstrdup("web");
	if (plan_build(&f->in, &f->plan, &err) < 0)
		fail_msg("plan_build: %s", err.msg);
}

static void teardown(struct fixture *f)
{
	for (size_t i = 0; i < f->n_nodes; i++) {
		free(f->nodes[i].path);
		free(f->nodes[i].link);
	}
	free(f->nodes);
	plan_release(&f->plan);
	plan_input_release(&f->in);
	json_decref(f->container);
	json_decref(f->image);
	json_decref(f->changes);
}

/* --- what a plan says ------------------------------------------------------ */

static const struct plan_mount *mount_at(const struct plan *p, const char *target)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		if (streq(p->mounts[i].target, target))
			return &p->mounts[i];
	return NULL;
}

static void dump(const struct plan *p)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		print_message("# mount %s %s %s: %s\n",
			      p->mounts[i].type == PLAN_TMPFS ? "tmpfs" : "volume",
			      p->mounts[i].target,
			      p->mounts[i].options ? p->mounts[i].options : p->mounts[i].volume,
			      p->mounts[i].why);
	for (size_t i = 0; i < p->n_blockers; i++)
		print_message("# blocker %s: %s\n", p->blockers[i].path, p->blockers[i].why);
	for (size_t i = 0; i < p->n_covered; i++)
		print_message("# covered %s: %s\n", p->covered[i].path, p->covered[i].why);
}

static const struct plan_mount *expect_mount(const struct plan *p, enum plan_mount_type type,
					     const char *target)
{
	const struct plan_mount *m = mount_at(p, target);
	if (!m) {
		dump(p);
		fail_msg("no mount at %s", target);
	}
	if (m->type != type) {
		dump(p);
		fail_msg("the mount at %s is not a %s", target,
			 type == PLAN_TMPFS ? "tmpfs" : "volume");
	}
	assert_non_null(m->why);
	if (type == PLAN_TMPFS) {
		assert_non_null(m->options);
		assert_null(m->volume);
	} else {
		assert_null(m->options);
		assert_non_null(m->volume);
	}
	return m;
}

/* Mounts made for writes seen (the diff, the logs), not predicted ones. */
static size_t seen_mounts(const struct plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_mounts; i++)
		n += p->mounts[i].basis == PLAN_SEEN;
	return n;
}

static void expect_no_mount(const struct plan *p, const char *target)
{
	if (mount_at(p, target)) {
		dump(p);
		fail_msg("unexpected mount at %s", target);
	}
}

static const struct plan_note *note_for(const struct plan_note *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i].path, path))
			return &v[i];
	return NULL;
}

static const struct plan_note *expect_blocker(const struct plan *p, const char *path)
{
	const struct plan_note *b = note_for(p->blockers, p->n_blockers, path);
	if (!b) {
		dump(p);
		fail_msg("no blocker for %s", path);
	}
	return b;
}

static const struct plan_note *expect_covered(const struct plan *p, const char *path)
{
	const struct plan_note *c = note_for(p->covered, p->n_covered, path);
	if (!c) {
		dump(p);
		fail_msg("%s is not listed as covered", path);
	}
	return c;
}

static void expect_contains(const char *text, const char *needle)
{
	assert_non_null(text);
	if (!strstr(text, needle))
		fail_msg("\"%s\" does not mention \"%s\"", text, needle);
}

static void expect_lacks(const char *text, const char *needle)
{
	assert_non_null(text);
	if (strstr(text, needle))
		fail_msg("\"%s\" mentions \"%s\"", text, needle);
}

/* A tmpfs option list holds exactly this option (not just a substring). */
static bool has_option(const char *options, const char *opt)
{
	size_t len = strlen(opt);
	for (const char *p = options; p && *p;) {
		const char *end = strchrnul(p, ',');
		if ((size_t)(end - p) == len && strncmp(p, opt, len) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

static void expect_option(const struct plan_mount *m, const char *opt)
{
	if (!has_option(m->options, opt))
		fail_msg("tmpfs at %s has options \"%s\", without %s", m->target, m->options, opt);
}

static void expect_no_option(const struct plan_mount *m, const char *opt)
{
	if (has_option(m->options, opt))
		fail_msg("tmpfs at %s has options \"%s\", with %s", m->target, m->options, opt);
}

/* --- scratch space -------------------------------------------------------- */

static void test_tmp_and_run_are_tmpfs(void **state)
{
	struct fixture f;
	setup(&f);
	change(&f, 'C', "/tmp");
	change(&f, 'C', "/run");
	added(&f, "/tmp/upload-1234", 0600);
	added(&f, "/run/nginx.pid", 0644);
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 2);
	assert_int_equal(f.plan.n_blockers, 0);
	assert_int_equal(f.plan.n_covered, 0);
	assert_int_equal(f.plan.writes, 2);
	assert_string_equal(f.plan.user, "root");

	const struct plan_mount *tmp = expect_mount(&f.plan, PLAN_TMPFS, "/tmp");
	expect_option(tmp, "mode=1777");
	expect_option(tmp, "size=64m");
	expect_no_option(tmp, "exec");
	expect_contains(tmp->why, "/tmp/upload-1234");
	expect_contains(tmp->why, "scratch space");

	const struct plan_mount *run = expect_mount(&f.plan, PLAN_TMPFS, "/run");
	expect_option(run, "mode=0755");
	expect_no_option(run, "exec");
	expect_contains(run->why, "/run/nginx.pid");
	teardown(&f);
}

/* The pid file written through /var/run lands in /run, and so does its mount. */
static void check_var_run(const char *link)
{
	struct fixture f;
	setup(&f);
	symlink_to(&f, "/var/run", link);
	added(&f, "/run/nginx.pid", 0644);
	/* try's evidence names the path the app used, through the link. */
	plan_evidence_add(&f.in.evidence, "/var/run/other.pid", EVIDENCE_READ_ONLY);
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 1);
	const struct plan_mount *run = expect_mount(&f.plan, PLAN_TMPFS, "/run");
	expect_contains(run->why, "/run/nginx.pid");
	expect_contains(run->why, "logs say");
	expect_no_mount(&f.plan, "/var/run");
	expect_no_mount(&f.plan, "/var");
	assert_int_equal(f.plan.n_blockers, 0);
	teardown(&f);
}

static void test_var_run_symlink_absolute(void **state)
{
	check_var_run("/run");
}

static void test_var_run_symlink_relative(void **state)
{
	check_var_run("../run");
}

/* The diff can name the path through the link too; it still means /run. */
static void test_var_run_in_diff(void **state)
{
	struct fixture f;
	setup(&f);
	file(&f, "/run/x.pid", 0644);
	change(&f, 'A', "/var/run/x.pid");
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 1);
	expect_mount(&f.plan, PLAN_TMPFS, "/run");
	teardown(&f);
}

/* A non-root service gets a tmpfs on its own directory, owned and moded as in the image. */
static void test_nonroot_owned_run_dir(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "app");
	node_set(&f, "/run/app", S_IFDIR | 0750, 1000, 1000, NULL);
	node_set(&f, "/run/app/app.pid", S_IFREG | 0644, 1000, 1000, NULL);
	change(&f, 'C', "/run");
	change(&f, 'C', "/run/app");
	change(&f, 'A', "/run/app/app.pid");
	build(&f);

	assert_string_equal(f.plan.user, "app (uid 1000)");
	assert_int_equal(f.plan.uid, 1000);
	assert_int_equal(f.plan.gid, 1000);
	assert_int_equal(seen_mounts(&f.plan), 1);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/run/app");
	expect_option(m, "uid=1000");
	expect_option(m, "gid=1000");
	expect_option(m, "mode=0750");
	expect_no_option(m, "exec");
	expect_no_mount(&f.plan, "/run");
	teardown(&f);
}

/* "app:1000" style user specs and numeric users. */
static void test_user_spec_forms(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "1000:999");
	build(&f);
	assert_string_equal(f.plan.user, "uid 1000");
	assert_int_equal(f.plan.uid, 1000);
	assert_int_equal(f.plan.gid, 999);
	teardown(&f);

	setup(&f);
	set_user(&f, "redis:app");
	build(&f);
	assert_string_equal(f.plan.user, "redis (uid 999)");
	assert_int_equal(f.plan.gid, 1000);
	teardown(&f);
}

static void test_unknown_user_is_an_error(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "nobody-here");
	_cleanup_strbuf_ struct strbuf tar = STRBUF_INIT;
	make_tar(f.nodes, f.n_nodes, &tar);
	struct rl_error err = {0};
	assert_int_equal(fs_index_from_tar(tar.buf, tar.len, "/", 1000, &f.in.fs, &err), 0);
	f.in.container = json_incref(f.container);
	f.in.image = json_incref(f.image);
	f.in.changes = json_incref(f.changes);
	f.in.passwd = xstrdup(passwd);
	assert_true(plan_build(&f.in, &f.plan, &err) < 0);
	expect_contains(err.msg, "nobody-here");
	expect_contains(err.msg, "/etc/passwd");
	assert_int_equal(seen_mounts(&f.plan), 0);
	teardown(&f);
}

static void test_exec_only_when_a_program_was_added(void **state)
{
	struct fixture f;
	setup(&f);
	/* An executable the image left in /tmp is not a reason. */
	file(&f, "/tmp/leftover.sh", 0755);
	added(&f, "/tmp/data.bin", 0644);
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/tmp");
	expect_no_option(m, "exec");
	expect_lacks(m->why, "exec");
	teardown(&f);

	setup(&f);
	added(&f, "/tmp/data.bin", 0644);
	added(&f, "/tmp/jna-1234.so", 0755);
	build(&f);
	m = expect_mount(&f.plan, PLAN_TMPFS, "/tmp");
	expect_option(m, "exec");
	expect_contains(m->why, "exec");
	teardown(&f);
}

/* /run is empty at boot: a tmpfs hides the image's leftovers there, and says so. */
static void test_run_hides_build_leftovers(void **state)
{
	struct fixture f;
	setup(&f);
	file(&f, "/run/leftover.pid", 0644);
	added(&f, "/run/nginx.pid", 0644);
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/run");
	expect_contains(m->why, "hides 1 leftover file");
	expect_contains(m->why, "/run/leftover.pid");
	teardown(&f);
}

/* A cache directory the image ships files in: a tmpfs would hide them. */
static void test_cache_with_image_files_is_volume(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/var/cache/app", 0755);
	file(&f, "/var/cache/app/index.bin", 0644);
	added(&f, "/var/cache/app/new.bin", 0644);
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 1);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/var/cache/app");
	expect_contains(m->why, "tmpfs would hide");
	expect_contains(m->why, "/var/cache/app/index.bin");
	teardown(&f);

	/* Without image files, the same write is scratch. */
	setup(&f);
	dir(&f, "/var/cache/app", 0755);
	added(&f, "/var/cache/app/new.bin", 0644);
	build(&f);
	expect_mount(&f.plan, PLAN_TMPFS, "/var/cache/app");
	teardown(&f);
}

/* --- data ------------------------------------------------------------------ */

static void test_image_data_dir_is_volume(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/var/lib/app", 0755);
	file(&f, "/var/lib/app/seed.db", 0644);
	file(&f, "/var/lib/app/schema.sql", 0644);
	change(&f, 'C', "/var");
	change(&f, 'C', "/var/lib");
	change(&f, 'C', "/var/lib/app");
	change(&f, 'C', "/var/lib/app/seed.db");
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 1);
	assert_int_equal(f.plan.writes, 1);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/app");
	assert_string_equal(m->volume, "web-var-lib-app");
	expect_contains(m->why, "/var/lib/app/seed.db");
	expect_contains(m->why, "image has files here");
	expect_contains(m->why, "outlive the container");
	teardown(&f);
}

static void test_file_directly_in_var_lib(void **state)
{
	struct fixture f;
	setup(&f);
	change(&f, 'C', "/var/lib");
	added(&f, "/var/lib/foo.db", 0644);
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 1);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/var/lib");
	assert_string_equal(m->volume, "web-var-lib");
	expect_contains(m->why, "/var/lib/foo.db");
	teardown(&f);
}

/* Only pid and lock files in a data-looking place: nothing worth keeping. */
static void test_pid_files_only_are_tmpfs(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/opt/svc", 0755);
	added(&f, "/opt/svc/svc.pid", 0644);
	added(&f, "/opt/svc/svc.lock", 0644);
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/opt/svc");
	expect_contains(m->why, "pid, lock, socket");
	assert_int_equal(m->basis, PLAN_SEEN);
	teardown(&f);
}

static void test_writes_next_to_the_program(void **state)
{
	struct fixture f;
	setup(&f);
	json_object_set_new(config(&f), "Entrypoint", json_pack("[s]", "/app/server"));
	json_object_set_new(config(&f), "Cmd", json_null());
	dir(&f, "/app", 0755);
	file(&f, "/app/server", 0755);
	change(&f, 'C', "/app");
	added_dir(&f, "/app/data");
	added(&f, "/app/data/x", 0644);
	added(&f, "/app/x.log", 0644);
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 1);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/app/data");
	assert_string_equal(m->volume, "web-app-data");
	expect_no_mount(&f.plan, "/app");
	assert_int_equal(f.plan.n_blockers, 1);
	const struct plan_note *b = expect_blocker(&f.plan, "/app/x.log");
	expect_contains(b->why, "next to the program");
	teardown(&f);
}

/* The working directory counts as the program's place when it holds files. */
static void test_writes_in_the_working_directory(void **state)
{
	struct fixture f;
	setup(&f);
	json_object_set_new(config(&f), "Entrypoint", json_null());
	json_object_set_new(config(&f), "Cmd", json_pack("[s,s]", "python", "main.py"));
	json_object_set_new(config(&f), "WorkingDir", json_string("/srv/app"));
	dir(&f, "/srv/app", 0755);
	file(&f, "/srv/app/main.py", 0644);
	added(&f, "/srv/app/state.json", 0644);
	added_dir(&f, "/srv/app/uploads");
	added(&f, "/srv/app/uploads/a.png", 0644);
	build(&f);
	expect_mount(&f.plan, PLAN_VOLUME, "/srv/app/uploads");
	expect_no_mount(&f.plan, "/srv/app");
	const struct plan_note *b = expect_blocker(&f.plan, "/srv/app/state.json");
	expect_contains(b->why, "next to the program");
	teardown(&f);
}

static void test_owned_dir_not_written_yet(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "redis");
	json_object_set_new(config(&f), "Entrypoint", json_pack("[s]", "redis-server"));
	file(&f, "/usr/bin/redis-server", 0755);
	node_set(&f, "/var/lib/redis", S_IFDIR | 0755, 999, 999, NULL);
	build(&f);

	assert_string_equal(f.plan.user, "redis (uid 999)");
	assert_int_equal(seen_mounts(&f.plan), 0);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/redis");
	assert_string_equal(m->volume, "web-var-lib-redis");
	expect_contains(m->why, "not written yet");
	/* Owned is a prediction: nothing was written there yet. */
	assert_int_equal(m->basis, PLAN_PREDICTED);
	assert_int_equal(f.plan.n_blockers, 0);
	teardown(&f);
}

/* Root owns everything: ownership alone says nothing. */
static void test_root_owned_dirs_are_not_guessed(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/var/lib/redis", 0755);
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 0);
	assert_int_equal(f.plan.writes, 0);
	teardown(&f);
}

/*
 * A server started as root that switches to an account of its own (apache's
 * www-data, say) writes where that account may: predicted before any write.
 */
static void test_service_account_dirs_predicted_for_root(void **state)
{
	struct fixture f;
	setup(&f);
	node_set(&f, "/var/lib/dav", S_IFDIR | 0755, 0, 0, NULL);
	node_set(&f, "/var/lib/dav/files", S_IFDIR | 0755, 1000, 1000, NULL);
	node_set(&f, "/var/lib/dav/files/sub", S_IFDIR | 0755, 1000, 1000, NULL);
	/* Read-only to its owner, or under the software: no prediction. */
	node_set(&f, "/var/lib/frozen", S_IFDIR | 0555, 1000, 1000, NULL);
	node_set(&f, "/usr/share/thing", S_IFDIR | 0755, 1000, 1000, NULL);
	node_set(&f, "/home/app", S_IFDIR | 0755, 1000, 1000, NULL);
	build(&f);

	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/dav/files");
	assert_int_equal(m->basis, PLAN_PREDICTED);
	expect_contains(m->why, "app (uid 1000) owns it");
	expect_no_mount(&f.plan, "/var/lib/dav/files/sub");
	expect_no_mount(&f.plan, "/var/lib/frozen");
	expect_no_mount(&f.plan, "/usr/share/thing");
	expect_no_mount(&f.plan, "/home/app");
	assert_int_equal(f.plan.n_blockers, 0);
	teardown(&f);
}

/* try's evidence, straight from a busybox message, for a system directory. */
static void test_evidence_for_srv(void **state)
{
	struct fixture f;
	setup(&f);
	_cleanup_strv_ struct strv lines = STRV_INIT;
	logs_find_evidence("mkdir: can't create directory '/srv/': Read-only file system\n", &lines,
			   &f.in.evidence);
	assert_int_equal(f.in.evidence.n, 1);
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 1);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/srv");
	assert_string_equal(m->volume, "web-srv");
	expect_contains(m->why, "logs say");
	teardown(&f);
}

/* A diff that only touches a system directory needs no mount. */
static void test_system_parent_in_diff_needs_nothing(void **state)
{
	struct fixture f;
	setup(&f);
	change(&f, 'C', "/srv");
	change(&f, 'C', "/var");
	change(&f, 'C', "/var/lib");
	build(&f);
	assert_int_equal(f.plan.writes, 0);
	assert_int_equal(seen_mounts(&f.plan), 0);
	assert_int_equal(f.plan.n_blockers, 0);
	teardown(&f);
}

static void test_nested_mounts_merged(void **state)
{
	struct fixture f;
	setup(&f);
	added(&f, "/var/lib/foo.db", 0644);
	added_dir(&f, "/var/lib/app");
	added(&f, "/var/lib/app/x", 0644);
	/* Scratch: /var/cache itself for the file in it, and a directory below. */
	added(&f, "/var/cache/index.bin", 0644);
	dir(&f, "/var/cache/foo", 0755);
	added(&f, "/var/cache/foo/x", 0644);
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 3);
	expect_mount(&f.plan, PLAN_VOLUME, "/var/lib");
	expect_no_mount(&f.plan, "/var/lib/app");
	expect_mount(&f.plan, PLAN_TMPFS, "/var/cache");
	/* The tmpfs on /var/cache would hide the image's /var/cache/foo: kept. */
	expect_contains(expect_mount(&f.plan, PLAN_TMPFS, "/var/cache/foo")->why, "keeps");
	teardown(&f);
}

static void test_many_added_files(void **state)
{
	struct fixture f;
	setup(&f);
	added_dir(&f, "/var/lib/big");
	char path[64];
	for (int d = 0; d < 100; d++) {
		snprintf(path, sizeof(path), "/var/lib/big/d%02d", d);
		node_new(&f, path)->mode = S_IFDIR | 0755;
		change(&f, 'A', path);
		for (int i = 0; i < 100; i++) {
			snprintf(path, sizeof(path), "/var/lib/big/d%02d/f%04d", d, d * 100 + i);
			node_new(&f, path)->mode = S_IFREG | 0644;
			change(&f, 'A', path);
		}
	}
	build(&f);
	assert_int_equal(f.plan.writes, 10000);
	assert_int_equal(seen_mounts(&f.plan), 1);
	assert_int_equal(f.plan.n_blockers, 0);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/big");
	expect_contains(m->why, "10000 paths written");
	teardown(&f);
}

/* --- what cannot work ------------------------------------------------------ */

static void test_software_writes_are_blockers(void **state)
{
	struct fixture f;
	setup(&f);
	added(&f, "/usr/local/bin/plugin", 0755);
	added(&f, "/bin/helper", 0755);
	change(&f, 'C', "/etc");
	change(&f, 'C', "/etc/passwd");
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 0);
	assert_int_equal(f.plan.n_blockers, 3);
	expect_contains(expect_blocker(&f.plan, "/usr/local/bin/plugin")->why,
			"installed software under /usr");
	expect_contains(expect_blocker(&f.plan, "/bin/helper")->why, "under /bin");
	const struct plan_note *b = expect_blocker(&f.plan, "/etc/passwd");
	expect_contains(b->why, "/etc/passwd");
	expect_contains(b->why, "in the image");
	teardown(&f);
}

static void test_etc_hosts_rewritten(void **state)
{
	struct fixture f;
	setup(&f);
	strv_add(&f.in.etc_rewritten, "/etc/hosts");
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 0);
	assert_int_equal(f.plan.n_blockers, 1);
	expect_contains(expect_blocker(&f.plan, "/etc/hosts")->why, "--add-host");
	teardown(&f);
}

static void test_file_in_root_is_blocker(void **state)
{
	struct fixture f;
	setup(&f);
	added(&f, "/app.lock", 0644);
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 0);
	expect_contains(expect_blocker(&f.plan, "/app.lock")->why, "directly in /");
	teardown(&f);
}

/* --- what is already served ---------------------------------------------- */

static void test_existing_mounts_cover_writes(void **state)
{
	struct fixture f;
	setup(&f);
	json_t *mounts = json_object_get(f.container, "Mounts");
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b}", "Type", "bind", "Source",
						"/srv/x", "Destination", "/data", "RW", 1));
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b}", "Type", "volume", "Name",
						"dbdata", "Destination", "/var/lib/db", "RW", 1));
	json_object_set_new(json_object_get(f.container, "HostConfig"), "Tmpfs",
			    json_pack("{s:s}", "/cache", "size=1m"));
	json_object_set_new(json_object_get(f.image, "Config"), "Volumes",
			    json_pack("{s:{}}", "/vol"));
	const char *paths[] = {"/data/a", "/var/lib/db/b", "/cache/c", "/vol/d"};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		plan_evidence_add(&f.in.evidence, paths[i], EVIDENCE_READ_ONLY);
	/* The diff can list paths under a mount point too; they need nothing. */
	dir(&f, "/data", 0755);
	change(&f, 'A', "/data");
	build(&f);

	assert_int_equal(seen_mounts(&f.plan), 0);
	assert_int_equal(f.plan.n_blockers, 0);
	expect_contains(expect_covered(&f.plan, "/data/a")->why, "bind");
	expect_contains(expect_covered(&f.plan, "/var/lib/db/b")->why, "volume at /var/lib/db");
	expect_contains(expect_covered(&f.plan, "/cache/c")->why, "tmpfs at /cache");
	expect_contains(expect_covered(&f.plan, "/vol/d")->why, "VOLUME /vol");
	teardown(&f);
}

/* --- JSON ------------------------------------------------------------------ */

static void test_plan_to_json(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "app");
	added(&f, "/tmp/a", 0644);
	added(&f, "/var/lib/foo.db", 0644);
	added(&f, "/usr/bin/extra", 0755);
	json_array_append_new(json_object_get(f.container, "Mounts"),
			      json_pack("{s:s, s:s, s:s}", "Type", "bind", "Source", "/h",
					"Destination", "/data"));
	plan_evidence_add(&f.in.evidence, "/data/x", EVIDENCE_READ_ONLY);
	build(&f);

	json_t *o = plan_to_json(&f.plan);
	assert_string_equal(json_string_value(json_object_get(o, "user")), "app (uid 1000)");
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 1000);
	assert_int_equal(json_integer_value(json_object_get(o, "gid")), 1000);
	assert_int_equal(json_integer_value(json_object_get(o, "writes")),
			 (json_int_t)f.plan.writes);

	json_t *mounts = json_object_get(o, "mounts");
	/* /tmp seen, /var/tmp predicted, /var/lib seen. */
	assert_int_equal(json_array_size(mounts), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "predicted")), 1);
	size_t i;
	json_t *m;
	bool saw_tmpfs = false, saw_volume = false, saw_predicted = false;
	json_array_foreach (mounts, i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *target = json_string_value(json_object_get(m, "target"));
		const char *basis = json_string_value(json_object_get(m, "basis"));
		assert_non_null(json_string_value(json_object_get(m, "why")));
		if (streq(target, "/var/tmp")) {
			saw_predicted = true;
			assert_string_equal(basis, "predicted");
			assert_string_equal(type, "tmpfs");
			continue;
		}
		assert_string_equal(basis, "seen");
		if (streq(type, "tmpfs")) {
			saw_tmpfs = true;
			assert_string_equal(target, "/tmp");
			assert_true(has_option(json_string_value(json_object_get(m, "options")),
					       "size=64m"));
			assert_null(json_object_get(m, "volume"));
		} else {
			saw_volume = true;
			assert_string_equal(type, "volume");
			assert_string_equal(target, "/var/lib");
			assert_string_equal(json_string_value(json_object_get(m, "volume")),
					    "web-var-lib");
			assert_null(json_object_get(m, "options"));
		}
	}
	assert_true(saw_tmpfs && saw_volume && saw_predicted);
	assert_int_equal(json_array_size(json_object_get(o, "notes")), 0);

	json_t *blockers = json_object_get(o, "blockers");
	assert_int_equal(json_array_size(blockers), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(blockers, 0), "path")),
			    "/usr/bin/extra");
	assert_non_null(json_string_value(json_object_get(json_array_get(blockers, 0), "why")));
	json_t *covered = json_object_get(o, "covered");
	assert_int_equal(json_array_size(covered), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(covered, 0), "path")),
			    "/data/x");
	json_decref(o);
	teardown(&f);
}

static void test_run_mounts_borrow_the_plan(void **state)
{
	struct fixture f;
	setup(&f);
	added(&f, "/tmp/a", 0644);
	added(&f, "/var/lib/foo.db", 0644);
	build(&f);
	struct run_mount *rm = plan_run_mounts(&f.plan);
	assert_int_equal(f.plan.n_mounts, 3);
	for (size_t i = 0; i < f.plan.n_mounts; i++) {
		assert_ptr_equal(rm[i].target, f.plan.mounts[i].target);
		assert_int_equal(rm[i].type, f.plan.mounts[i].type == PLAN_TMPFS
						     ? RUN_MOUNT_TMPFS
						     : RUN_MOUNT_VOLUME);
	}
	free(rm);
	teardown(&f);
}

/* --- known bugs ------------------------------------------------------------ */

/*
 * A directory written with files below it is placed by those files, even
 * when a sibling such as "/app/data-old" sorts between them by strcmp
 * ('-' before '/'): otherwise /app/data would be a write of its own, next to
 * the program, and a blocker.
 */
static void test_dir_write_with_sibling_prefix(void **state)
{
	struct fixture f;
	setup(&f);
	json_object_set_new(config(&f), "Entrypoint", json_pack("[s]", "/app/server"));
	dir(&f, "/app", 0755);
	file(&f, "/app/server", 0755);
	added_dir(&f, "/app/data");
	added(&f, "/app/data/x", 0644);
	added_dir(&f, "/app/data-old");
	added(&f, "/app/data-old/y", 0644);
	build(&f);
	expect_mount(&f.plan, PLAN_VOLUME, "/app/data");
	expect_mount(&f.plan, PLAN_VOLUME, "/app/data-old");
	if (f.plan.n_blockers) {
		dump(&f.plan);
		fail_msg("directories with writes below them became blockers");
	}
	teardown(&f);
}

/* --- a tmpfs hides nothing the image has ---------------------------------- */

static const struct plan_note *expect_note(const struct plan *p, const char *path)
{
	const struct plan_note *n = note_for(p->notes, p->n_notes, path);
	if (!n) {
		dump(p);
		fail_msg("no note for %s", path);
	}
	return n;
}

/*
 * Docker copies nothing into a tmpfs: one on /run hides /run/lock (where
 * /var/lock points), and a script that makes a directory there fails.
 */
static void test_tmpfs_keeps_image_dirs(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/run/lock", 01777);
	symlink_to(&f, "/var/lock", "/run/lock");
	node_set(&f, "/run/app", S_IFDIR | 0750, 1000, 1000, NULL);
	dir(&f, "/run/app/sub", 0700);
	added(&f, "/run/nginx.pid", 0644);
	build(&f);

	const struct plan_mount *run = expect_mount(&f.plan, PLAN_TMPFS, "/run");
	expect_contains(run->why, "keeps the image's 3 directories below it");
	const struct plan_mount *lock = expect_mount(&f.plan, PLAN_TMPFS, "/run/lock");
	expect_option(lock, "mode=1777");
	expect_no_option(lock, "exec");
	expect_contains(lock->why, "keeps /run/lock");
	expect_contains(lock->why, "tmpfs at /run would hide");
	assert_int_equal(lock->basis, PLAN_PREDICTED);
	const struct plan_mount *app = expect_mount(&f.plan, PLAN_TMPFS, "/run/app");
	expect_option(app, "mode=0750");
	expect_option(app, "uid=1000");
	expect_option(app, "gid=1000");
	expect_option(expect_mount(&f.plan, PLAN_TMPFS, "/run/app/sub"), "mode=0700");
	/* Outer first: the order Docker mounts them in, and the run line lists them. */
	for (size_t i = 1; i < f.plan.n_mounts; i++)
		assert_true(strcmp(f.plan.mounts[i - 1].target, f.plan.mounts[i].target) < 0);
	expect_no_mount(&f.plan, "/var/lock");
	teardown(&f);
}

/* A directory the container made itself is made again at start: nothing to keep. */
static void test_tmpfs_does_not_keep_added_dirs(void **state)
{
	struct fixture f;
	setup(&f);
	added_dir(&f, "/run/s6");
	added(&f, "/run/s6/x", 0644);
	change(&f, 'C', "/run");
	build(&f);
	expect_mount(&f.plan, PLAN_TMPFS, "/run");
	expect_no_mount(&f.plan, "/run/s6");
	teardown(&f);
}

/* Too many directories to mount one by one: a volume, which starts as their copy. */
static void test_tmpfs_over_many_image_dirs_is_volume(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/opt/spool", 0755);
	char path[64];
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/opt/spool/q%02d", i);
		dir(&f, path, 0755);
	}
	added(&f, "/opt/spool/app.pid", 0644);
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/opt/spool");
	expect_contains(m->why, "20 directories");
	expect_no_mount(&f.plan, "/opt/spool/q00");
	teardown(&f);
}

/* /run keeps every directory the image has there, however many: never a volume. */
static void test_run_with_many_image_dirs_stays_tmpfs(void **state)
{
	struct fixture f;
	setup(&f);
	char path[64];
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/run/d%02d", i);
		dir(&f, path, 0755);
	}
	added(&f, "/run/app.pid", 0644);
	build(&f);
	expect_mount(&f.plan, PLAN_TMPFS, "/run");
	expect_mount(&f.plan, PLAN_TMPFS, "/run/d00");
	expect_mount(&f.plan, PLAN_TMPFS, "/run/d19");
	for (size_t i = 0; i < f.plan.n_mounts; i++)
		assert_int_equal(f.plan.mounts[i].type == PLAN_VOLUME &&
					 path_within(f.plan.mounts[i].target, "/run"),
				 0);
	teardown(&f);
}

/* --- predictions: writes docker diff cannot show --------------------------- */

static void test_tmp_and_var_tmp_predicted(void **state)
{
	struct fixture f;
	setup(&f);
	build(&f);
	assert_int_equal(f.plan.writes, 0);
	assert_int_equal(f.plan.predicted, 2);
	assert_int_equal(f.plan.n_mounts, 2);
	const struct plan_mount *tmp = expect_mount(&f.plan, PLAN_TMPFS, "/tmp");
	assert_int_equal(tmp->basis, PLAN_PREDICTED);
	expect_option(tmp, "mode=1777");
	expect_contains(tmp->why, "predicted");
	expect_contains(tmp->why, "never shows in the diff");
	/* The fixture's /var/tmp is 0755: the image's mode counts. */
	expect_option(expect_mount(&f.plan, PLAN_TMPFS, "/var/tmp"), "mode=0755");
	assert_int_equal(f.plan.n_blockers, 0);
	assert_int_equal(f.plan.n_covered, 0);
	teardown(&f);

	/* Not in the image at all: a tmpfs as every program expects it. */
	setup(&f);
	node_remove(&f, "/var/tmp");
	build(&f);
	expect_option(expect_mount(&f.plan, PLAN_TMPFS, "/var/tmp"), "mode=1777");
	teardown(&f);
}

/* A mount the user already has there serves the prediction: nothing to add or say. */
static void test_tmp_prediction_already_served(void **state)
{
	struct fixture f;
	setup(&f);
	json_object_set_new(json_object_get(f.container, "HostConfig"), "Tmpfs",
			    json_pack("{s:s}", "/tmp", ""));
	symlink_to(&f, "/var/tmp", "/tmp");
	build(&f);
	assert_int_equal(f.plan.n_mounts, 0);
	assert_int_equal(f.plan.n_covered, 0);
	teardown(&f);
}

/* /var/log/NAME and friends, for the program NAME, whatever its user: root included. */
static void test_conventional_dirs_predicted(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/var/log/nginx", 0755);
	file(&f, "/var/log/nginx/error.log", 0640);
	dir(&f, "/var/cache/nginx", 0755);
	dir(&f, "/var/lib/nginx", 0755);
	dir(&f, "/var/spool", 0755);
	dir(&f, "/var/spool/cron", 0755);
	dir(&f, "/run/nginx", 0755);
	build(&f);

	const struct plan_mount *log = expect_mount(&f.plan, PLAN_VOLUME, "/var/log/nginx");
	assert_int_equal(log->basis, PLAN_PREDICTED);
	expect_contains(log->why, "nginx writes its logs in /var/log/NAME by convention");
	expect_contains(expect_mount(&f.plan, PLAN_TMPFS, "/var/cache/nginx")->why, "cache");
	expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/nginx");
	expect_mount(&f.plan, PLAN_TMPFS, "/run/nginx");
	expect_no_mount(&f.plan, "/var/spool/cron");
	expect_no_mount(&f.plan, "/run");
	assert_int_equal(seen_mounts(&f.plan), 0);
	teardown(&f);
}

/* The server named in the command of an entrypoint script, and longer names (postgresql). */
static void test_conventional_dirs_from_the_command(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "redis");
	json_object_set_new(config(&f), "Entrypoint", json_pack("[s]", "docker-entrypoint.sh"));
	json_object_set_new(config(&f), "Cmd", json_pack("[s,s]", "redis-server", "/etc/r.conf"));
	/* Owned by redis: predicted. Root's 0755: redis cannot write it, so nothing. */
	node_set(&f, "/var/log/redis", S_IFDIR | 02750, 999, 999, NULL);
	dir(&f, "/var/lib/redis", 0755);
	build(&f);
	expect_mount(&f.plan, PLAN_VOLUME, "/var/log/redis");
	expect_no_mount(&f.plan, "/var/lib/redis");
	teardown(&f);

	setup(&f);
	json_object_set_new(config(&f), "Entrypoint", json_pack("[s]", "docker-entrypoint.sh"));
	json_object_set_new(config(&f), "Cmd", json_pack("[s]", "postgres"));
	dir(&f, "/var/lib/postgresql", 0755);
	dir(&f, "/var/lib/postfix", 0755);
	build(&f);
	expect_contains(expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/postgresql")->why,
			"postgres writes its state");
	expect_no_mount(&f.plan, "/var/lib/postfix");
	teardown(&f);
}

/* A database the image ships where its user can write it: data, so a volume. */
static void test_database_file_predicted(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "app");
	node_set(&f, "/srv/app", S_IFDIR | 0755, 0, 0, NULL);
	node_set(&f, "/srv/app/data", S_IFDIR | 0755, 1000, 1000, NULL);
	node_set(&f, "/srv/app/data/app.db", S_IFREG | 0644, 1000, 1000, NULL);
	/* Read-only for app: not a write it can make. */
	node_set(&f, "/srv/app/ro.sqlite", S_IFREG | 0644, 0, 0, NULL);
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_VOLUME, "/srv/app/data");
	assert_int_equal(m->basis, PLAN_PREDICTED);
	expect_contains(m->why, "the image ships the database /srv/app/data/app.db");
	expect_no_mount(&f.plan, "/srv/app");
	teardown(&f);

	/* A spool the image ships, whatever its files are called. */
	setup(&f);
	dir(&f, "/var/spool", 0755);
	dir(&f, "/var/spool/outbox", 0755);
	file(&f, "/var/spool/outbox/0001.msg", 0644);
	build(&f);
	expect_contains(expect_mount(&f.plan, PLAN_VOLUME, "/var/spool/outbox")->why,
			"ships the spool file /var/spool/outbox/0001.msg");
	teardown(&f);

	/* A database directly in a shared directory: the directory, never the file. */
	setup(&f);
	file(&f, "/srv/top.db", 0644);
	build(&f);
	expect_mount(&f.plan, PLAN_VOLUME, "/srv");
	expect_no_mount(&f.plan, "/srv/top.db");
	teardown(&f);
}

/* Beside the program no mount can serve it: a note, not a blocker (it is a guess). */
static void test_database_beside_the_program_is_a_note(void **state)
{
	struct fixture f;
	setup(&f);
	json_object_set_new(config(&f), "Entrypoint", json_null());
	json_object_set_new(config(&f), "Cmd", json_pack("[s,s]", "python3", "app.py"));
	json_object_set_new(config(&f), "WorkingDir", json_string("/app"));
	dir(&f, "/app", 0755);
	file(&f, "/app/app.py", 0644);
	file(&f, "/app/app.db", 0644);
	build(&f);
	assert_int_equal(f.plan.n_blockers, 0);
	expect_no_mount(&f.plan, "/app");
	const struct plan_note *n = expect_note(&f.plan, "/app/app.db");
	expect_contains(n->why, "next to the program");
	teardown(&f);
}

/* --- try's evidence beyond EROFS -------------------------------------------- */

static void evidence(struct fixture *f, const char *log)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	logs_find_evidence(log, &lines, &f->in.evidence);
	assert_true(f->in.evidence.n > 0);
}

/* A directory the tmpfs hid, made by the container as it ran writable. */
static void test_evidence_missing_keeps_the_dir(void **state)
{
	struct fixture f;
	setup(&f);
	change(&f, 'C', "/run");
	node_set(&f, "/run/app", S_IFDIR | 0750, 1000, 1000, NULL);
	change(&f, 'A', "/run/app");
	added(&f, "/run/app.pid", 0644);
	evidence(&f, "mkdir: can't create directory '/var/run/app/sub': No such file or "
		     "directory\n");
	build(&f);
	expect_mount(&f.plan, PLAN_TMPFS, "/run");
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/run/app");
	expect_option(m, "uid=1000");
	expect_option(m, "mode=0750");
	assert_int_equal(m->basis, PLAN_SEEN);
	expect_contains(m->why, "/run/app/sub was missing");
	teardown(&f);

	/* Nowhere near a planned tmpfs: nothing a mount can do. */
	setup(&f);
	evidence(&f, "cat: can't open '/etc/app.conf': No such file or directory\n");
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 0);
	assert_int_equal(f.plan.n_blockers, 0);
	teardown(&f);
}

/* Permission denied in a tmpfs its user cannot write: owned by that user. */
static void test_evidence_denied_fixes_the_owner(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "app");
	dir(&f, "/var/cache/thing", 0755);
	evidence(&f, "sh: can't create /var/cache/thing/x: Read-only file system\n");
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/var/cache/thing");
	expect_no_option(m, "uid=1000");
	plan_release(&f.plan);

	/* The next round: the clone said permission denied there. */
	evidence(&f, "sh: can't create /var/cache/thing/x: Permission denied\n");
	struct rl_error err = {0};
	assert_int_equal(plan_build(&f.in, &f.plan, &err), 0);
	m = expect_mount(&f.plan, PLAN_TMPFS, "/var/cache/thing");
	expect_option(m, "uid=1000");
	expect_option(m, "gid=1000");
	expect_option(m, "mode=0755");
	expect_no_option(m, "exec");
	expect_contains(m->why, "permission denied at /var/cache/thing/x, so owned by app");
	teardown(&f);
}

/* Permission denied where its user may write: only noexec is left. */
static void test_evidence_denied_where_writable_is_exec(void **state)
{
	struct fixture f;
	setup(&f);
	added_dir(&f, "/run/s6");
	added(&f, "/run/s6/init-stage2", 0644);
	evidence(&f, "/init: line 33: /run/s6/init-stage2: Permission denied\n");
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/run");
	expect_option(m, "exec");
	expect_contains(m->why, "/run/s6/init-stage2 could not be used");
	teardown(&f);
}

/* Code mapped from a noexec tmpfs: exec there. */
static void test_evidence_noexec_adds_exec(void **state)
{
	struct fixture f;
	setup(&f);
	added_dir(&f, "/tmp/_MEI1");
	added(&f, "/tmp/_MEI1/_ssl.so", 0644);
	evidence(&f, "ImportError: /tmp/_MEI1/_ssl.so: failed to map segment from shared "
		     "object\n");
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/tmp");
	expect_option(m, "exec");
	expect_contains(m->why, "executed or mapped as code");
	expect_no_option(expect_mount(&f.plan, PLAN_TMPFS, "/var/tmp"), "exec");
	teardown(&f);
}

/* A volume takes its owner from the image: no option changes it, so say so. */
static void test_evidence_denied_in_a_volume_is_a_blocker(void **state)
{
	struct fixture f;
	setup(&f);
	set_user(&f, "app");
	dir(&f, "/var/lib/app", 0755);
	file(&f, "/var/lib/app/seed.db", 0644);
	change(&f, 'C', "/var/lib/app/seed.db");
	evidence(&f, "PermissionError: [Errno 13] Permission denied: '/var/lib/app/seed.db'\n");
	build(&f);
	expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/app");
	expect_contains(expect_blocker(&f.plan, "/var/lib/app/seed.db")->why,
			"make that directory app (uid 1000)'s in the image");
	teardown(&f);
}

/* --- throw-away is not data --------------------------------------------------- */

/* varnish compiles its VCL into a .so in its working directory and loads it. */
static void test_compiled_code_is_runtime_state(void **state)
{
	struct fixture f;
	setup(&f);
	json_object_set_new(config(&f), "Entrypoint", json_pack("[s]", "/usr/sbin/varnishd"));
	json_object_set_new(config(&f), "Cmd", json_null());
	file(&f, "/usr/sbin/varnishd", 0755);
	dir(&f, "/var/lib/varnish", 0755);
	change(&f, 'C', "/var/lib/varnish");
	added_dir(&f, "/var/lib/varnish/c0ffee");
	added(&f, "/var/lib/varnish/c0ffee/_.secret", 0640);
	added_dir(&f, "/var/lib/varnish/c0ffee/_.vsm_mgt");
	added(&f, "/var/lib/varnish/c0ffee/_.vsm_mgt/_.index", 0640);
	added_dir(&f, "/var/lib/varnish/c0ffee/vcl_boot.1733454000.1");
	added(&f, "/var/lib/varnish/c0ffee/vcl_boot.1733454000.1/vgc.so", 0640);
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/var/lib/varnish");
	expect_option(m, "exec");
	expect_contains(m->why, "compiled code here that it loads");
	expect_lacks(m->why, "outlive");
	assert_int_equal(m->basis, PLAN_SEEN);
	teardown(&f);
}

/* Shared memory and sockets only: rebuilt at every start. */
static void test_shared_memory_is_runtime_state(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/opt/svc", 0755);
	added_dir(&f, "/opt/svc/_.vsm_child");
	added(&f, "/opt/svc/_.vsm_child/_.index", 0640);
	added(&f, "/opt/svc/stats.shm", 0640);
	build(&f);
	const struct plan_mount *m = expect_mount(&f.plan, PLAN_TMPFS, "/opt/svc");
	expect_no_option(m, "exec");
	expect_contains(m->why, "shared-memory");
	teardown(&f);
}

/* Sockets (which the archive leaves out) and FIFOs: rebuilt at every start. */
static void test_sockets_are_runtime_state(void **state)
{
	struct fixture f;
	setup(&f);
	dir(&f, "/var/lib/pg", 0755);
	change(&f, 'C', "/var/lib/pg");
	/* The diff lists the socket; the archive has no entry for it. */
	change(&f, 'A', "/var/lib/pg/.s.PGSQL.5432");
	added(&f, "/var/lib/pg/.s.PGSQL.5432.lock", 0600);
	node_set(&f, "/var/lib/pg/ctl", S_IFIFO | 0660, 0, 0, NULL);
	change(&f, 'A', "/var/lib/pg/ctl");
	build(&f);
	expect_contains(expect_mount(&f.plan, PLAN_TMPFS, "/var/lib/pg")->why, "socket");
	teardown(&f);

	/* A data file among them: a volume. */
	setup(&f);
	dir(&f, "/var/lib/pg", 0755);
	change(&f, 'A', "/var/lib/pg/.s.PGSQL.5432");
	added(&f, "/var/lib/pg/PG_VERSION", 0600);
	build(&f);
	expect_mount(&f.plan, PLAN_VOLUME, "/var/lib/pg");
	teardown(&f);
}

/* Python's bytecode cache needs no mount: Python runs without it. */
static void test_python_bytecode_cache_left_out(void **state)
{
	struct fixture f;
	setup(&f);
	json_object_set_new(config(&f), "Entrypoint", json_null());
	json_object_set_new(config(&f), "Cmd", json_pack("[s,s]", "python3", "main.py"));
	json_object_set_new(config(&f), "WorkingDir", json_string("/srv/app"));
	dir(&f, "/srv/app", 0755);
	file(&f, "/srv/app/main.py", 0644);
	dir(&f, "/srv/app/lib", 0755);
	file(&f, "/srv/app/lib/util.py", 0644);
	added_dir(&f, "/srv/app/__pycache__");
	added(&f, "/srv/app/__pycache__/main.cpython-311.pyc", 0644);
	added_dir(&f, "/srv/app/lib/__pycache__");
	added(&f, "/srv/app/lib/__pycache__/util.cpython-311.pyc", 0644);
	added(&f, "/srv/app/legacy.pyc", 0644);
	build(&f);
	assert_int_equal(seen_mounts(&f.plan), 0);
	assert_int_equal(f.plan.n_blockers, 0);
	expect_contains(expect_note(&f.plan, "/srv/app/__pycache__")->why,
			"Python runs without it");
	expect_note(&f.plan, "/srv/app/lib/__pycache__");
	expect_note(&f.plan, "/srv/app/legacy.pyc");
	json_t *o = plan_to_json(&f.plan);
	assert_int_equal(json_array_size(json_object_get(o, "notes")), 3);
	json_decref(o);
	teardown(&f);
}

/* --- plan_detect_etc_writes ------------------------------------------------ */

/* What Docker 20.10 writes for `docker run --add-host db.internal:10.0.0.5`. */
static const char docker_hosts[] = "127.0.0.1\tlocalhost\n"
				   "::1\tlocalhost ip6-localhost ip6-loopback\n"
				   "fe00::0\tip6-localnet\n"
				   "ff00::0\tip6-mcastprefix\n"
				   "ff02::1\tip6-allnodes\n"
				   "ff02::2\tip6-allrouters\n"
				   "10.0.0.5\tdb.internal\n"
				   "172.17.0.2\tc0ffee123456\n";

static void detect(const char *hosts, const char *hostname, long long hosts_mtime,
		   long long resolv_mtime, struct strv *out)
{
	json_t *extra = json_pack("[s]", "db.internal:10.0.0.5");
	plan_detect_etc_writes(hosts, hostname, "c0ffee123456", extra, hosts_mtime, resolv_mtime,
			       out);
	json_decref(extra);
}

static void test_etc_unchanged(void **state)
{
	_cleanup_strv_ struct strv out = STRV_INIT;
	detect(docker_hosts, "c0ffee123456\n", 1700000000, 1700000001, &out);
	assert_int_equal(out.n, 0);
	/* No files at all (host network, never started): nothing to say. */
	plan_detect_etc_writes(NULL, NULL, NULL, NULL, 0, 0, &out);
	assert_int_equal(out.n, 0);
}

static void test_etc_hosts_extra_line(void **state)
{
	_cleanup_strv_ struct strv out = STRV_INIT;
	_cleanup_free_ char *hosts = xasprintf("%s10.1.2.3\tcache.local\n", docker_hosts);
	detect(hosts, "c0ffee123456\n", 1700000000, 1700000000, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0], "/etc/hosts");
}

static void test_etc_hosts_comments_and_spacing(void **state)
{
	_cleanup_strv_ struct strv out = STRV_INIT;
	detect("# managed by docker\n\n127.0.0.1   localhost\n172.17.0.2 c0ffee123456  \n",
	       "c0ffee123456", 1700000000, 1700000000, &out);
	assert_int_equal(out.n, 0);
}

static void test_etc_hostname_changed(void **state)
{
	_cleanup_strv_ struct strv out = STRV_INIT;
	detect(docker_hosts, "myhost\n", 1700000000, 1700000000, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0], "/etc/hostname");
	strv_release(&out);
	/* A prefix is not the same name. */
	detect(docker_hosts, "c0ffee\n", 1700000000, 1700000000, &out);
	assert_true(strv_contains(&out, "/etc/hostname"));
}

static void test_etc_resolv_newer(void **state)
{
	_cleanup_strv_ struct strv out = STRV_INIT;
	detect(docker_hosts, "c0ffee123456\n", 1700000000, 1700000600, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0], "/etc/resolv.conf");
	strv_release(&out);
	/* Written in the same start-up: a second or two apart is Docker. */
	detect(docker_hosts, "c0ffee123456\n", 1700000000, 1700000002, &out);
	assert_int_equal(out.n, 0);
}

/* plan_gather() reads the archive of / up to the first entry below /usr. */
static void test_tree_stops_below_usr(void **state)
{
	struct node nodes[] = {
		{.path = "/", .mode = S_IFDIR | 0755},
		{.path = "/bin", .mode = S_IFLNK | 0777, .link = "usr/bin"},
		{.path = "/etc", .mode = S_IFDIR | 0755},
		{.path = "/etc/passwd", .mode = S_IFREG | 0644},
		{.path = "/usr", .mode = S_IFDIR | 0755},
		{.path = "/usr/bin", .mode = S_IFDIR | 0755},
		{.path = "/usr/bin/sh", .mode = S_IFREG | 0755},
		{.path = "/var", .mode = S_IFDIR | 0755},
	};
	_cleanup_strbuf_ struct strbuf tar = STRBUF_INIT;
	make_tar(nodes, ARRAY_SIZE(nodes), &tar);
	struct fs_index fs = {.stop_below = "/usr"};
	struct rl_error err = {0};
	assert_int_equal(fs_index_from_tar(tar.buf, tar.len, "/", 1000, &fs, &err), 0);
	assert_true(fs.stopped);
	assert_false(fs.truncated);
	assert_int_equal(fs.n, 5);
	assert_non_null(fs_index_find(&fs, "/usr"));
	assert_null(fs_index_find(&fs, "/usr/bin"));
	assert_null(fs_index_find(&fs, "/var"));
	_cleanup_free_ char *real = fs_index_resolve(&fs, "/bin/sh");
	assert_string_equal(real, "/usr/bin/sh");
	fs_index_release(&fs);
}

/* The archives of several top-level names, and HEAD answers, make one sorted tree. */
static void test_tree_merge(void **state)
{
	struct node var[] = {
		{.path = "/var", .mode = S_IFDIR | 0755},
		{.path = "/var/run", .mode = S_IFLNK | 0777, .link = "/run"},
	};
	struct node root[] = {
		{.path = "/", .mode = S_IFDIR | 0755},
		{.path = "/run", .mode = S_IFDIR | 0755, .uid = 7},
		{.path = "/run/lock", .mode = S_IFDIR | 01777},
	};
	_cleanup_strbuf_ struct strbuf t1 = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf t2 = STRBUF_INIT;
	make_tar(root, ARRAY_SIZE(root), &t1);
	make_tar(var, ARRAY_SIZE(var), &t2);
	struct fs_index fs = {0}, part = {.seq_base = 1ULL << 32}, heads = {0};
	struct rl_error err = {0};
	assert_int_equal(fs_index_from_tar(t1.buf, t1.len, "/", 1000, &fs, &err), 0);
	/* The archive of /var names its entries "var/...". */
	assert_int_equal(fs_index_from_tar(t2.buf, t2.len, "/", 1000, &part, &err), 0);
	fs_index_merge(&fs, &part);
	struct fs_stat st = {.mode = fs_mode_from_go(0x80000000u | 0755)};
	fs_index_add_stat(&heads, "/usr", &st);
	fs_index_merge(&fs, &heads);
	/* A part that found nothing (a name the container does not have). */
	struct fs_index empty = {0};
	fs_index_merge(&fs, &empty);
	assert_int_equal(fs.n, 6);
	for (size_t i = 1; i < fs.n; i++)
		assert_true(strcmp(fs.v[i - 1].path, fs.v[i].path) < 0);
	assert_true(S_ISDIR(fs_index_find(&fs, "/usr")->mode));
	assert_int_equal(fs_index_find(&fs, "/run")->uid, 7);
	_cleanup_free_ char *real = fs_index_resolve(&fs, "/var/run/lock");
	assert_string_equal(real, "/run/lock");
	assert_int_equal(part.n, 0);
	fs_index_release(&fs);
	fs_index_release(&part);
	fs_index_release(&heads);
}

/* The engine's stat holds Go's os.FileMode: type and set-id bits on top. */
static void test_go_file_mode(void **state)
{
	assert_int_equal(fs_mode_from_go(0x80000000u | 0755), S_IFDIR | 0755);
	assert_int_equal(fs_mode_from_go(0x08000000u | 0777), S_IFLNK | 0777);
	assert_int_equal(fs_mode_from_go(0644), S_IFREG | 0644);
	assert_int_equal(fs_mode_from_go(0x00800000u | 0755), S_IFREG | S_ISUID | 0755);
	assert_int_equal(fs_mode_from_go(0x80000000u | 0x00100000u | 0777),
			 S_IFDIR | S_ISVTX | 0777);
	assert_int_equal(fs_mode_from_go(0x04000000u | 0x00200000u | 0620), S_IFCHR | 0620);
	assert_int_equal(fs_mode_from_go(0x02000000u | 0600), S_IFIFO | 0600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmp_and_run_are_tmpfs),
		cmocka_unit_test(test_var_run_symlink_absolute),
		cmocka_unit_test(test_var_run_symlink_relative),
		cmocka_unit_test(test_var_run_in_diff),
		cmocka_unit_test(test_nonroot_owned_run_dir),
		cmocka_unit_test(test_user_spec_forms),
		cmocka_unit_test(test_unknown_user_is_an_error),
		cmocka_unit_test(test_exec_only_when_a_program_was_added),
		cmocka_unit_test(test_run_hides_build_leftovers),
		cmocka_unit_test(test_cache_with_image_files_is_volume),
		cmocka_unit_test(test_image_data_dir_is_volume),
		cmocka_unit_test(test_file_directly_in_var_lib),
		cmocka_unit_test(test_pid_files_only_are_tmpfs),
		cmocka_unit_test(test_writes_next_to_the_program),
		cmocka_unit_test(test_writes_in_the_working_directory),
		cmocka_unit_test(test_owned_dir_not_written_yet),
		cmocka_unit_test(test_root_owned_dirs_are_not_guessed),
		cmocka_unit_test(test_service_account_dirs_predicted_for_root),
		cmocka_unit_test(test_evidence_for_srv),
		cmocka_unit_test(test_system_parent_in_diff_needs_nothing),
		cmocka_unit_test(test_nested_mounts_merged),
		cmocka_unit_test(test_many_added_files),
		cmocka_unit_test(test_software_writes_are_blockers),
		cmocka_unit_test(test_etc_hosts_rewritten),
		cmocka_unit_test(test_file_in_root_is_blocker),
		cmocka_unit_test(test_existing_mounts_cover_writes),
		cmocka_unit_test(test_plan_to_json),
		cmocka_unit_test(test_run_mounts_borrow_the_plan),
		cmocka_unit_test(test_dir_write_with_sibling_prefix),
		cmocka_unit_test(test_tmpfs_keeps_image_dirs),
		cmocka_unit_test(test_tmpfs_does_not_keep_added_dirs),
		cmocka_unit_test(test_tmpfs_over_many_image_dirs_is_volume),
		cmocka_unit_test(test_run_with_many_image_dirs_stays_tmpfs),
		cmocka_unit_test(test_tmp_and_var_tmp_predicted),
		cmocka_unit_test(test_tmp_prediction_already_served),
		cmocka_unit_test(test_conventional_dirs_predicted),
		cmocka_unit_test(test_conventional_dirs_from_the_command),
		cmocka_unit_test(test_database_file_predicted),
		cmocka_unit_test(test_database_beside_the_program_is_a_note),
		cmocka_unit_test(test_evidence_missing_keeps_the_dir),
		cmocka_unit_test(test_evidence_denied_fixes_the_owner),
		cmocka_unit_test(test_evidence_denied_where_writable_is_exec),
		cmocka_unit_test(test_evidence_noexec_adds_exec),
		cmocka_unit_test(test_evidence_denied_in_a_volume_is_a_blocker),
		cmocka_unit_test(test_compiled_code_is_runtime_state),
		cmocka_unit_test(test_shared_memory_is_runtime_state),
		cmocka_unit_test(test_sockets_are_runtime_state),
		cmocka_unit_test(test_python_bytecode_cache_left_out),
		cmocka_unit_test(test_etc_unchanged),
		cmocka_unit_test(test_etc_hosts_extra_line),
		cmocka_unit_test(test_etc_hosts_comments_and_spacing),
		cmocka_unit_test(test_etc_hostname_changed),
		cmocka_unit_test(test_etc_resolv_newer),
		cmocka_unit_test(test_tree_stops_below_usr),
		cmocka_unit_test(test_tree_merge),
		cmocka_unit_test(test_go_file_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
