/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <string.h>

#include "../../fuzz/prunecheck.h"
#include "fileio.h"
#include "inspect.h"
#include "rule.h"

/*
 * The fixtures in tests/data/inspect are answers of a real engine (Docker
 * 20.10, API 1.41) to GET /containers/{name}/json, for the containers
 * scripts/seed-examples creates plus a few more (fx-*):
 *   fx-tmpfs-mount       --read-only --mount type=tmpfs,target=/scratch,tmpfs-size=67108864
 *                        --mount type=tmpfs,target=/cache
 *   fx-tmpfs-unconfined  --read-only --tmpfs /run:exec,size=16m --tmpfs /tmp
 *                        --security-opt seccomp=unconfined --security-opt apparmor=unconfined
 *   fx-volume-image      --read-only rootlock-test/volume (VOLUME /data)
 *   fx-caps              --read-only --cap-add sys_admin --cap-add CAP_NET_ADMIN (the
 *                        CLI normalises them to CAP_*)
 *   fx-caps-lower        POST /containers/create: CapAdd ["sys_admin"], ReadonlyRootfs,
 *                        label rootlock.exempt=""
 *   fx-caps-all          --read-only --cap-add ALL
 *   fx-pid-ptrace        --read-only --pid host --cap-add SYS_PTRACE, with a running exec
 *                        (POST /containers/fx-pid-ptrace/exec {"Cmd":["sleep","300"]})
 *
 * exec/: answers of GET /v1.41/exec/{id}/json on the same engine:
 *   running              that exec of fx-pid-ptrace, running
 *   privileged-created   {"Privileged": true} into a --read-only container, not started
 *   privileged-failed    the same after its start failed (this VM refuses the
 *                        capabilities a privileged exec asks for)
 */

static json_t *load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/inspect/%s.json", TEST_DATA, name);
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j)
		fail_msg("%s: %s", path, jerr.text);
	return j;
}

/* Parse a fixture (possibly after the caller changed it) into w. */
static void from_json(json_t *j, struct workload *w)
{
	struct rl_error err = {0};
	int r = workload_from_inspect(j, w, &err);
	if (r != 0)
		fail_msg("workload_from_inspect: %s", err.msg);
}

static void from_fixture(const char *name, struct workload *w)
{
	json_t *j = load(name);
	from_json(j, w);
	/* Nothing in the workload may point into the JSON tree. */
	json_decref(j);
	assert_string_equal(w->name, name);
}

static const struct mount *find_mount(const struct workload *w, const char *target)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (streq(w->mounts[i].target, target))
			return &w->mounts[i];
	fail_msg("%s has no mount at %s", w->name, target);
	return NULL;
}

static enum verdict judge(const struct workload *w, struct judgement *j)
{
	rule_judge(w, NULL, j);
	return j->verdict;
}

static void expect_no_origin(const struct workload *w)
{
	assert_null(w->origin.compose_project);
	assert_null(w->origin.compose_service);
	assert_null(w->origin.compose_files);
	assert_null(w->origin.compose_workdir);
}

/* --- the example containers --- */

static void test_web_writable(void **state)
{
	(void)state;
	json_t *j = load("web-writable");
	const char *id = json_string_value(json_object_get(j, "Id"));
	struct workload w;
	from_json(j, &w);
	assert_string_equal(w.id, id);
	assert_int_equal(strlen(w.id), 64);
	json_decref(j);

	assert_string_equal(w.name, "web-writable");
	/* What the user asked for, not the sha256 in .Image. */
	assert_string_equal(w.image, "rootlock-test/busybox:latest");
	assert_string_equal(w.state, "running");
	assert_false(w.readonly_rootfs);
	assert_false(w.privileged);
	assert_false(w.cap_sys_admin);
	assert_false(w.seccomp_unconfined);
	assert_false(w.apparmor_unconfined);
	assert_int_equal(w.n_mounts, 0);
	assert_false(w.has_exempt_label);
	assert_null(w.exempt_reason);
	expect_no_origin(&w);

	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_FAIL);
	assert_non_null(strstr(jd.remediation, "--read-only"));
	judgement_release(&jd);
	workload_release(&w);
}

static void test_api_readonly(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("api-readonly", &w);
	assert_true(w.readonly_rootfs);
	assert_false(w.privileged);
	assert_false(w.cap_sys_admin);
	assert_int_equal(w.n_mounts, 2);

	/* --tmpfs /run:rw,exec,size=16m */
	const struct mount *run = find_mount(&w, "/run");
	assert_int_equal(run->kind, MOUNT_TMPFS);
	assert_true(run->exec);
	assert_true(run->writable);
	assert_int_equal(run->size_bytes, 16LL << 20);
	assert_null(run->source);
	/* --tmpfs /tmp: Docker's default is noexec, no size limit. */
	const struct mount *tmp = find_mount(&w, "/tmp");
	assert_int_equal(tmp->kind, MOUNT_TMPFS);
	assert_false(tmp->exec);
	assert_true(tmp->writable);
	assert_int_equal(tmp->size_bytes, 0);

	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_PASS);
	assert_null(jd.remediation);
	judgement_release(&jd);

	struct strv lines = STRV_INIT;
	workload_describe_mounts(&w, &lines);
	assert_true(strv_contains(&lines, "tmpfs /run (exec, 16M)"));
	assert_true(strv_contains(&lines, "tmpfs /tmp (noexec)"));
	strv_release(&lines);
	workload_release(&w);
}

static void test_worker_sysadmin(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("worker-sysadmin", &w);
	assert_true(w.readonly_rootfs);
	assert_false(w.privileged);
	assert_true(w.cap_sys_admin);
	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_WARN);
	assert_non_null(strstr(jd.remediation, "SYS_ADMIN"));
	judgement_release(&jd);
	workload_release(&w);
}

static void test_db_privileged(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("db-privileged", &w);
	assert_string_equal(w.state, "created");
	assert_true(w.readonly_rootfs);
	assert_true(w.privileged);
	assert_false(w.cap_sys_admin);
	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_WARN);
	assert_non_null(strstr(jd.remediation, "--privileged"));
	judgement_release(&jd);
	workload_release(&w);
}

static void test_batch_exited(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("batch-exited", &w);
	assert_string_equal(w.state, "exited");
	assert_false(w.readonly_rootfs);
	struct judgement jd;
	/* Stopped containers count: they can be started again as they are. */
	assert_int_equal(judge(&w, &jd), VERDICT_FAIL);
	judgement_release(&jd);
	workload_release(&w);
}

static void test_legacy_exempt(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("legacy-exempt", &w);
	assert_false(w.readonly_rootfs);
	assert_true(w.has_exempt_label);
	assert_string_equal(w.exempt_reason,
			    "vendor image writes to /opt at runtime, ticket OPS-42");
	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_EXEMPT);
	assert_string_equal(jd.exempt_reason, w.exempt_reason);
	judgement_release(&jd);
	workload_release(&w);
}

static void test_shop_cart_compose(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("shop-cart", &w);
	assert_string_equal(w.origin.compose_project, "shop");
	assert_string_equal(w.origin.compose_service, "cart");
	assert_string_equal(w.origin.compose_files, "/srv/shop/compose.yaml");
	assert_string_equal(w.origin.compose_workdir, "/srv/shop");
	assert_false(w.has_exempt_label);
	assert_int_equal(w.n_mounts, 2);

	const struct mount *data = find_mount(&w, "/data");
	assert_int_equal(data->kind, MOUNT_VOLUME);
	assert_string_equal(data->source, "shop_data");
	assert_true(data->writable);
	const struct mount *config = find_mount(&w, "/config");
	assert_int_equal(config->kind, MOUNT_BIND);
	assert_false(config->writable);
	assert_non_null(config->source);
	assert_true(str_startswith(config->source, "/"));
	assert_non_null(strstr(config->source, "examples/shop/config"));

	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_FAIL);
	assert_non_null(strstr(jd.remediation, "read_only: true"));
	assert_non_null(strstr(jd.remediation, "/srv/shop/compose.yaml"));
	assert_null(strstr(jd.remediation, "--read-only"));
	judgement_release(&jd);
	workload_release(&w);
}

/* --- the extra fixtures --- */

static void test_mount_tmpfs_size(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("fx-tmpfs-mount", &w);
	assert_true(w.readonly_rootfs);
	assert_int_equal(w.n_mounts, 2);
	const struct mount *scratch = find_mount(&w, "/scratch");
	assert_int_equal(scratch->kind, MOUNT_TMPFS);
	assert_true(scratch->writable);
	assert_int_equal(scratch->size_bytes, 64LL << 20);
	const struct mount *cache = find_mount(&w, "/cache");
	assert_int_equal(cache->kind, MOUNT_TMPFS);
	assert_int_equal(cache->size_bytes, 0);
	workload_release(&w);
}

static void test_mount_tmpfs_is_noexec(void **state)
{
	(void)state;
	/*
	 * In the container the fixture came from, /proc/mounts shows
	 *   tmpfs /scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k
	 *   tmpfs /cache tmpfs rw,nosuid,nodev,noexec,relatime
	 * The engine adds noexec to --mount type=tmpfs just as to --tmpfs.
	 */
	struct workload w;
	from_fixture("fx-tmpfs-mount", &w);
	bool scratch_exec = find_mount(&w, "/scratch")->exec;
	bool cache_exec = find_mount(&w, "/cache")->exec;
	workload_release(&w);
	assert_false(scratch_exec);
	assert_false(cache_exec);
}

static void test_tmpfs_exec_and_unconfined(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("fx-tmpfs-unconfined", &w);
	assert_true(w.readonly_rootfs);
	assert_true(w.seccomp_unconfined);
	assert_true(w.apparmor_unconfined);
	/* --tmpfs mounts are not repeated in .Mounts: exactly two. */
	assert_int_equal(w.n_mounts, 2);
	const struct mount *run = find_mount(&w, "/run");
	assert_int_equal(run->kind, MOUNT_TMPFS);
	assert_true(run->exec);
	assert_int_equal(run->size_bytes, 16LL << 20);
	assert_false(find_mount(&w, "/tmp")->exec);

	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_PASS);
	bool aa = false, sc = false;
	for (size_t i = 0; i < jd.reasons.n; i++) {
		aa |= strstr(jd.reasons.v[i], "AppArmor") != NULL;
		sc |= strstr(jd.reasons.v[i], "seccomp") != NULL;
	}
	assert_true(aa);
	assert_true(sc);
	judgement_release(&jd);
	workload_release(&w);
}

static void test_anonymous_volume(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("fx-volume-image", &w);
	assert_string_equal(w.image, "rootlock-test/volume:latest");
	assert_true(w.readonly_rootfs);
	assert_int_equal(w.n_mounts, 1);
	const struct mount *m = find_mount(&w, "/data");
	assert_int_equal(m->kind, MOUNT_ANONYMOUS);
	assert_true(m->writable);
	struct strv lines = STRV_INIT;
	workload_describe_mounts(&w, &lines);
	assert_string_equal(lines.v[0], "anonymous volume /data");
	strv_release(&lines);
	workload_release(&w);
}

static void test_cap_spellings(void **state)
{
	(void)state;
	const char *fixtures[] = {"fx-caps", "fx-caps-lower", "fx-caps-all"};
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		struct workload w;
		from_fixture(fixtures[i], &w);
		if (!w.cap_sys_admin)
			fail_msg("%s: SYS_ADMIN not recognised", fixtures[i]);
		assert_true(w.readonly_rootfs);
		assert_false(w.privileged);
		struct judgement jd;
		assert_int_equal(judge(&w, &jd), VERDICT_WARN);
		judgement_release(&jd);
		workload_release(&w);
	}
}

static bool cap_add_is_sys_admin(json_t *caps)
{
	json_t *j = load("web-writable");
	json_object_set_new(json_object_get(j, "HostConfig"), "CapAdd", caps);
	struct workload w;
	from_json(j, &w);
	json_decref(j);
	bool r = w.cap_sys_admin;
	workload_release(&w);
	return r;
}

static void test_cap_variants(void **state)
{
	(void)state;
	const char *yes[] = {"SYS_ADMIN",     "CAP_SYS_ADMIN", "sys_admin", "cap_sys_admin",
			     "Cap_Sys_Admin", "ALL",	       "all",	    "CAP_ALL"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!cap_add_is_sys_admin(json_pack("[ss]", "NET_ADMIN", yes[i])))
			fail_msg("CapAdd \"%s\" not recognised", yes[i]);
	const char *no[] = {"NET_ADMIN", "SYS_ADMINX", "CAP_", "SYS_PTRACE", "", "CAP_SYS_ADMIN "};
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (cap_add_is_sys_admin(json_pack("[s]", no[i])))
			fail_msg("CapAdd \"%s\" taken for SYS_ADMIN", no[i]);
	assert_false(cap_add_is_sys_admin(json_pack("[i,n,{}]", 21)));
	assert_false(cap_add_is_sys_admin(json_string("SYS_ADMIN")));
	assert_false(cap_add_is_sys_admin(json_null()));
}

static void test_security_opt_variants(void **state)
{
	(void)state;
	struct {
		const char *opt;
		bool apparmor, seccomp;
	} cases[] = {
		{"apparmor=unconfined", true, false},
		{"apparmor:unconfined", true, false},
		{"seccomp=unconfined", false, true},
		{"seccomp:unconfined", false, true},
		{"seccomp=/etc/docker/seccomp.json", false, false},
		{"apparmor=docker-default", false, false},
		{"label=disable", false, false},
		{"seccomp=unconfined-ish", false, false},
		{"no-new-privileges", false, false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *j = load("fx-tmpfs-unconfined");
		json_object_set_new(json_object_get(j, "HostConfig"), "SecurityOpt",
				    json_pack("[s]", cases[i].opt));
		struct workload w;
		from_json(j, &w);
		json_decref(j);
		if (w.apparmor_unconfined != cases[i].apparmor ||
		    w.seccomp_unconfined != cases[i].seccomp)
			fail_msg("SecurityOpt \"%s\": apparmor %d seccomp %d", cases[i].opt,
				 w.apparmor_unconfined, w.seccomp_unconfined);
		workload_release(&w);
	}

	/* What the engine reports as applied counts as well. */
	json_t *j = load("web-writable");
	json_object_set_new(j, "AppArmorProfile", json_string("unconfined"));
	struct workload w;
	from_json(j, &w);
	json_decref(j);
	assert_true(w.apparmor_unconfined);
	workload_release(&w);
}

static void test_name_and_image_sources(void **state)
{
	(void)state;
	json_t *j = load("web-writable");
	/* A name without the leading slash stays as it is. */
	json_object_set_new(j, "Name", json_string("plain"));
	struct workload w;
	from_json(j, &w);
	assert_string_equal(w.name, "plain");
	workload_release(&w);

	/* Without Config.Image, .Image is the best there is. */
	json_object_del(json_object_get(j, "Config"), "Image");
	from_json(j, &w);
	assert_non_null(w.image);
	assert_true(str_startswith(w.image, "sha256:"));
	workload_release(&w);

	/* No Config, no Name, no State: still a workload, fields unknown. */
	json_object_del(j, "Config");
	json_object_del(j, "Name");
	json_object_del(j, "State");
	json_object_del(j, "Image");
	from_json(j, &w);
	assert_null(w.name);
	assert_null(w.image);
	assert_null(w.state);
	assert_false(w.has_exempt_label);
	workload_release(&w);
	json_decref(j);
}

static void test_exempt_label_empty(void **state)
{
	(void)state;
	struct workload w;
	from_fixture("fx-caps-lower", &w);
	assert_true(w.has_exempt_label);
	assert_non_null(w.exempt_reason);
	assert_string_equal(w.exempt_reason, "");
	struct judgement jd;
	/* An exemption without a reason does not count. */
	assert_int_equal(judge(&w, &jd), VERDICT_WARN);
	assert_null(jd.exempt_reason);
	bool said = false;
	for (size_t i = 0; i < jd.reasons.n; i++)
		said |= strstr(jd.reasons.v[i], "rootlock.exempt") != NULL;
	assert_true(said);
	judgement_release(&jd);
	workload_release(&w);
}

/* --- input that is not an inspect answer --- */

static void expect_rejected(json_t *j)
{
	struct workload w;
	memset(&w, 0x5a, sizeof(w));
	struct rl_error err = {0};
	assert_int_equal(workload_from_inspect(j, &w, &err), RL_EPARSE);
	assert_int_equal(err.code, RL_EPARSE);
	assert_true(strlen(err.msg) > 0);
	json_decref(j);
}

static void test_garbage(void **state)
{
	(void)state;
	struct workload w;
	struct rl_error err = {0};
	assert_int_equal(workload_from_inspect(NULL, &w, &err), RL_EPARSE);
	expect_rejected(json_array());
	expect_rejected(json_string("{\"Id\":\"x\"}"));
	expect_rejected(json_integer(1));
	expect_rejected(json_null());
	expect_rejected(json_object());
	expect_rejected(json_pack("{s:s}", "Id", "abc"));
	expect_rejected(json_pack("{s:{}}", "HostConfig"));
	expect_rejected(json_pack("{s:s,s:{}}", "Id", "", "HostConfig"));
	expect_rejected(json_pack("{s:i,s:{}}", "Id", 7, "HostConfig"));
	expect_rejected(json_pack("{s:s,s:[]}", "Id", "abc", "HostConfig"));
	expect_rejected(json_pack("{s:s,s:n}", "Id", "abc", "HostConfig"));
	/* The list endpoint's answer is not an inspect answer. */
	json_t *list = json_load_file(TEST_DATA "/list/containers.json", 0, NULL);
	assert_non_null(list);
	expect_rejected(list);
}

static void test_odd_types_do_not_crash(void **state)
{
	(void)state;
	json_t *j = json_loads(
		"{\"Id\": \"abc\", \"Name\": \"/\","
		" \"HostConfig\": {\"ReadonlyRootfs\": \"yes\", \"Privileged\": 1,"
		"  \"CapAdd\": \"SYS_ADMIN\", \"SecurityOpt\": [\"seccomp\", null, \"apparmor\"],"
		"  \"Tmpfs\": {\"/a\": 5, \"/b\": null, \"/c\": \"exec\"}, \"Mounts\": {\"x\": 1}},"
		" \"Config\": {\"Image\": \"img\", \"Labels\": \"rootlock.exempt\"},"
		" \"Mounts\": [7, {\"Type\": \"tmpfs\"}, {\"Destination\": \"/nowhere\"},"
		"  {\"Type\": \"volume\", \"Destination\": \"/v\", \"Name\": \"short\"},"
		"  {\"Type\": \"npipe\", \"Destination\": \"/p\", \"Source\": null},"
		"  {\"Type\": \"tmpfs\", \"Destination\": \"/t\", \"RW\": \"no\"}],"
		" \"State\": {\"Status\": 3}}",
		0, NULL);
	assert_non_null(j);
	struct workload w;
	from_json(j, &w);
	json_decref(j);
	assert_string_equal(w.name, "");
	assert_string_equal(w.image, "img");
	assert_null(w.state);
	/* Only booleans count: "yes" and 1 are not true. */
	assert_false(w.readonly_rootfs);
	assert_false(w.privileged);
	assert_false(w.cap_sys_admin);
	assert_false(w.seccomp_unconfined);
	assert_false(w.apparmor_unconfined);
	assert_false(w.has_exempt_label);
	/* /v, /p and /t from .Mounts, then the three --tmpfs entries. */
	assert_int_equal(w.n_mounts, 6);
	assert_int_equal(find_mount(&w, "/v")->kind, MOUNT_VOLUME);
	assert_string_equal(find_mount(&w, "/v")->source, "short");
	assert_int_equal(find_mount(&w, "/p")->kind, MOUNT_OTHER);
	assert_null(find_mount(&w, "/p")->source);
	assert_int_equal(find_mount(&w, "/t")->kind, MOUNT_TMPFS);
	assert_true(find_mount(&w, "/t")->writable);
	assert_false(find_mount(&w, "/a")->exec);
	assert_false(find_mount(&w, "/b")->exec);
	assert_true(find_mount(&w, "/c")->exec);
	workload_release(&w);

	/* A label holding a non-string still marks the exemption, without a reason. */
	j = load("web-writable");
	json_object_set_new(json_object_get(json_object_get(j, "Config"), "Labels"), LABEL_EXEMPT,
			    json_integer(1));
	from_json(j, &w);
	json_decref(j);
	assert_true(w.has_exempt_label);
	assert_null(w.exempt_reason);
	struct judgement jd;
	assert_int_equal(judge(&w, &jd), VERDICT_FAIL);
	judgement_release(&jd);
	workload_release(&w);
}

/* --- GET /containers/json entries --- */

static int parse_entry(const char *text, struct list_entry *le, struct rl_error *err)
{
	memset(le, 0, sizeof(*le));
	return list_entry_parse(text, strlen(text), le, err);
}

static void test_list_entry_real(void **state)
{
	(void)state;
	json_t *list = json_load_file(TEST_DATA "/list/containers.json", 0, NULL);
	assert_true(json_is_array(list));
	size_t i;
	json_t *v;
	bool seen_shop = false;
	json_array_foreach (list, i, v) {
		char *text = json_dumps(v, JSON_COMPACT);
		struct list_entry le;
		struct rl_error err = {0};
		assert_int_equal(parse_entry(text, &le, &err), 0);
		free(text);
		assert_string_equal(le.id, json_string_value(json_object_get(v, "Id")));
		const char *name =
			json_string_value(json_array_get(json_object_get(v, "Names"), 0));
		assert_string_equal(le.name, name + 1);
		assert_true(le.name[0] != '/');
		assert_string_equal(le.image, json_string_value(json_object_get(v, "Image")));
		assert_string_equal(le.state, json_string_value(json_object_get(v, "State")));
		if (streq(le.name, "shop-cart")) {
			seen_shop = true;
			assert_string_equal(le.state, "running");
			assert_string_equal(le.image, "rootlock-test/busybox:latest");
		}
		list_entry_release(&le);
		assert_null(le.id);
	}
	assert_true(seen_shop);
	json_decref(list);
	list_entry_release(NULL);
}

static void test_list_entry_minimal(void **state)
{
	(void)state;
	struct list_entry le;
	struct rl_error err = {0};
	assert_int_equal(parse_entry("{\"Id\":\"abc_DEF-12\"}", &le, &err), 0);
	assert_string_equal(le.id, "abc_DEF-12");
	assert_null(le.name);
	assert_null(le.image);
	assert_null(le.state);
	list_entry_release(&le);

	assert_int_equal(parse_entry("{\"Id\":\"a1\",\"Names\":[\"web\"]}", &le, &err), 0);
	assert_string_equal(le.name, "web");
	list_entry_release(&le);
}

static void expect_bad_entry(const char *text)
{
	struct list_entry le;
	struct rl_error err = {0};
	int r = parse_entry(text, &le, &err);
	if (r != RL_EPARSE) {
		if (r == 0)
			list_entry_release(&le);
		fail_msg("accepted: %s", text);
	}
	assert_int_equal(err.code, RL_EPARSE);
}

static void test_list_entry_bad_ids(void **state)
{
	(void)state;
	/* The id ends up in a request path. */
	expect_bad_entry("{\"Id\":\"../../v1.41/info\"}");
	expect_bad_entry("{\"Id\":\"abc/def\"}");
	expect_bad_entry("{\"Id\":\"abc def\"}");
	expect_bad_entry("{\"Id\":\" abc\"}");
	expect_bad_entry("{\"Id\":\"abc?all=1\"}");
	expect_bad_entry("{\"Id\":\"abc#x\"}");
	expect_bad_entry("{\"Id\":\"abc%2f\"}");
	expect_bad_entry("{\"Id\":\"abc\\n\"}");
	expect_bad_entry("{\"Id\":\"abc\\u0000def\"}");
	expect_bad_entry("{\"Id\":\"caf\\u00e9\"}");
	expect_bad_entry("{\"Id\":\"\"}");
	expect_bad_entry("{\"Id\":42}");
	expect_bad_entry("{\"Id\":null}");
	expect_bad_entry("{\"Names\":[\"/web\"]}");
	expect_bad_entry(
		"{\"Id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
}

static void test_list_entry_dot_segments(void **state)
{
	(void)state;
	/* "/containers/../json" and "/containers/./json" leave the container path. */
	expect_bad_entry("{\"Id\":\"..\"}");
	expect_bad_entry("{\"Id\":\".\"}");
}

static void test_list_entry_not_json(void **state)
{
	(void)state;
	expect_bad_entry("");
	expect_bad_entry("{");
	expect_bad_entry("[]");
	expect_bad_entry("\"abc\"");
	expect_bad_entry("{\"Id\":\"abc\"} {}");
	/* Only len bytes are read. */
	struct list_entry le;
	struct rl_error err = {0};
	assert_int_equal(list_entry_parse("{\"Id\":\"abc\"}garbage", 12, &le, &err), 0);
	assert_string_equal(le.id, "abc");
	list_entry_release(&le);
}

static void test_pid_host_ptrace(void **state)
{
	struct workload w;
	from_fixture("fx-pid-ptrace", &w);
	assert_true(w.readonly_rootfs);
	assert_true(w.pid_host);
	assert_true(w.cap_sys_ptrace);
	assert_false(w.cap_sys_admin);
	struct judgement j;
	assert_int_equal(judge(&w, &j), VERDICT_WARN);
	judgement_release(&j);
	workload_release(&w);

	/* Either alone leaves it read-only for real. */
	json_t *c = load("fx-pid-ptrace");
	json_object_set_new(json_object_get(c, "HostConfig"), "PidMode", json_string(""));
	from_json(c, &w);
	assert_false(w.pid_host);
	assert_int_equal(judge(&w, &j), VERDICT_PASS);
	judgement_release(&j);
	workload_release(&w);
	json_decref(c);
}

static json_t *load_exec(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/exec/%s.json", TEST_DATA, name);
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j)
		fail_msg("%s: %s", path, jerr.text);
	return j;
}

static void test_exec_session_privileged(void **state)
{
	json_t *running = load_exec("running");
	assert_false(exec_session_privileged(running));
	/* A privileged one that runs: this VM cannot start one, so the flag is set by hand. */
	json_object_set_new(json_object_get(running, "ProcessConfig"), "privileged", json_true());
	assert_true(exec_session_privileged(running));
	json_decref(running);

	json_t *created = load_exec("privileged-created");
	assert_false(exec_session_privileged(created));
	json_decref(created);
	json_t *failed = load_exec("privileged-failed");
	assert_false(exec_session_privileged(failed));
	json_decref(failed);
	assert_false(exec_session_privileged(NULL));
	json_t *odd =
		json_loads("{\"Running\":\"true\",\"ProcessConfig\":{\"privileged\":1}}", 0, NULL);
	assert_false(exec_session_privileged(odd));
	json_decref(odd);
}

static void test_seccomp_custom(void **state)
{
	static const struct {
		const char *opt;
		bool unconfined, custom;
	} cases[] = {
		{"seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", false, true},
		{"seccomp=unconfined", true, false},
		{"seccomp:unconfined", true, false},
		{"seccomp=builtin", false, false},
		{"apparmor=unconfined", false, false},
		{"no-new-privileges", false, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *c = load("fx-pid-ptrace");
		json_object_set_new(json_object_get(c, "HostConfig"), "SecurityOpt",
				    json_pack("[s]", cases[i].opt));
		struct workload w;
		from_json(c, &w);
		if (w.seccomp_unconfined != cases[i].unconfined ||
		    w.seccomp_custom != cases[i].custom)
			fail_msg("%s: unconfined %d custom %d", cases[i].opt, w.seccomp_unconfined,
				 w.seccomp_custom);
		workload_release(&w);
		json_decref(c);
	}
}

/* --- the pruned parse audit uses: the same reading as the whole answer --- */

/* Whether text reads the same pruned and whole; returns whether it was pruned. */
static bool expect_same_reading(const char *what, const char *text, size_t len)
{
	struct strbuf whole = STRBUF_INIT, cut = STRBUF_INIT;
	bool pruned = false;
	prunecheck_read(&whole, text, len, false, NULL);
	prunecheck_read(&cut, text, len, true, &pruned);
	if (!streq(strbuf_str(&whole), strbuf_str(&cut)))
		fail_msg("%s reads otherwise pruned:\n%s\nwhole:\n%s", what, strbuf_str(&cut),
			 strbuf_str(&whole));
	strbuf_release(&whole);
	strbuf_release(&cut);
	return pruned;
}

/* Every real answer in dir (files ending in suffix): the same both ways, and pruned. */
static size_t expect_dir_same(const char *dir, const char *suffix)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, dir);
	DIR *d = opendir(path);
	if (!d)
		fail_msg("cannot open %s", path);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name), sl = strlen(suffix);
		if (nl <= sl || !streq(de->d_name + nl - sl, suffix))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", TEST_DATA, dir, de->d_name);
		struct strbuf sb = STRBUF_INIT;
		struct rl_error err = {0};
		if (read_file_limited(path, 1 << 20, &sb, &err) < 0)
			fail_msg("%s: %s", path, err.msg);
		/* A real engine's answer is plain: it must take the fast path. */
		if (!expect_same_reading(path, strbuf_str(&sb), sb.len))
			fail_msg("%s was not pruned", path);
		strbuf_release(&sb);
		n++;
	}
	closedir(d);
	return n;
}

static void test_pruned_reads_as_whole_real(void **state)
{
	(void)state;
	/* Docker 20.10 (API 1.41) and Docker 26 (API 1.45). */
	assert_true(expect_dir_same("inspect", ".json") >= 14);
	assert_true(expect_dir_same("inspect-26", ".json") >= 8);
	assert_true(expect_dir_same("runline", "-container.json") >= 5);
}

/* The pruned copy is much smaller than the answer: the point of it. */
static void test_pruned_is_small(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT, cut = STRBUF_INIT;
	struct rl_error err = {0};
	assert_int_equal(read_file_limited(TEST_DATA "/inspect/shop-cart.json", 1 << 20, &sb, &err),
			 0);
	assert_true(json_prune(strbuf_str(&sb), sb.len, &inspect_fields_read, &cut));
	assert_true(cut.len * 4 < sb.len);
	assert_non_null(strstr(strbuf_str(&cut), "\"com.docker.compose.project\":\"shop\""));
	strbuf_release(&sb);
	strbuf_release(&cut);
}

/* Odd answers, some pruned, some refused (then read whole): the same reading. */
static void test_pruned_reads_as_whole_odd(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"{\"Id\": \"abc\", \"Name\": \"/\","
		" \"HostConfig\": {\"ReadonlyRootfs\": \"yes\", \"Privileged\": 1,"
		"  \"CapAdd\": \"SYS_ADMIN\", \"SecurityOpt\": [\"seccomp\", null, \"apparmor\"],"
		"  \"Tmpfs\": {\"/a\": 5, \"/b\": null, \"/c\": \"exec\"}, \"Mounts\": {\"x\": 1}},"
		" \"Config\": {\"Image\": \"img\", \"Labels\": \"rootlock.exempt\"},"
		" \"Mounts\": [7, {\"Type\": \"tmpfs\"}, {\"Destination\": \"/nowhere\"},"
		"  {\"Type\": \"volume\", \"Destination\": \"/v\", \"Name\": \"short\"},"
		"  {\"Type\": \"tmpfs\", \"Destination\": \"/t\", \"RW\": \"no\"}],"
		" \"State\": {\"Status\": 3}}",
		/* Objects where strings are read, kept for their type: still not strings. */
		"{\"Id\":{\"a\":1},\"HostConfig\":{}}",
		"{\"Id\":\"x\",\"Name\":{\"a\":1},\"Image\":{},\"State\":{\"Status\":{}},"
		"\"HostConfig\":{\"PidMode\":{\"host\":1},\"Tmpfs\":{\"/t\":\"exec\"}},"
		"\"Config\":{\"Labels\":{\"rootlock.exempt\":{\"why\":\"x\"}}}}",
		/* The fields in another case are not the fields. */
		"{\"Id\":\"x\",\"hostconfig\":{\"ReadonlyRootfs\":true}}",
		"{\"id\":\"x\",\"HostConfig\":{\"readonlyrootfs\":true,\"ReadonlyRootfs\":false}}",
		/* Duplicates: jansson reads the last; refused, then read whole. */
		"{\"Id\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true},\"HostConfig\":{}}",
		/* Not plain (non-ASCII, an exponent): read whole. */
		"{\"Id\":\"x\",\"HostConfig\":{},\"Config\":{\"Labels\":"
		"{\"rootlock.exempt\":\"caf\xc3\xa9\"}},\"SizeRw\":1e3}",
		/* Not JSON, or not an object, or more after it. */
		"",
		"[{\"Id\":\"x\",\"HostConfig\":{}}]",
		"{\"Id\":\"x\",\"HostConfig\":{}} {}",
		"{\"Id\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":tru}}",
		"{\"Id\":\"x\",\"HostConfig\":{},\"Junk\":\"\\u0000\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++)
		expect_same_reading(docs[i], docs[i], strlen(docs[i]));
}

/* Each entry of a real list, and odd ones: the same read pruned as whole. */
static void expect_entry_same(const char *text, size_t len)
{
	struct strbuf whole = STRBUF_INIT, cut = STRBUF_INIT;
	prunecheck_list_entry(&whole, text, len, false);
	prunecheck_list_entry(&cut, text, len, true);
	if (!streq(strbuf_str(&whole), strbuf_str(&cut)))
		fail_msg("%.*s reads otherwise pruned:\n%s\nwhole:\n%s", (int)len, text,
			 strbuf_str(&cut), strbuf_str(&whole));
	strbuf_release(&whole);
	strbuf_release(&cut);
}

static void test_pruned_list_entries(void **state)
{
	(void)state;
	static const char *const lists[] = {TEST_DATA "/list/containers.json",
					    TEST_DATA "/list/containers-26.json"};
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		json_t *list = json_load_file(lists[l], 0, NULL);
		assert_true(json_array_size(list) >= 12);
		json_t *entry;
		size_t i;
		json_array_foreach (list, i, entry) {
			char *text = json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER);
			struct strbuf cut = STRBUF_INIT;
			assert_true(json_prune(text, strlen(text), &list_entry_fields_read, &cut));
			strbuf_release(&cut);
			expect_entry_same(text, strlen(text));
			free(text);
		}
		json_decref(list);
	}
	static const char *const odd[] = {
		"",
		"7",
		"[]",
		"\"x\"",
		"{}",
		"{\"Id\":\"a\"} x",
		"{\"Id\":\"a b\"}",
		"{\"Id\":\"a\",\"Names\":\"/n\",\"Image\":{\"x\":1},\"State\":[\"s\"]}",
		"{\"Id\":\"a\",\"id\":\"b\"}",
		"{\"Id\":\"a\",\"Names\":[{\"n\":1},\"/m\"]}",
		"{\"Id\":\"a\",\"Names\":[\"/\\u00e9\"],\"Labels\":{\"k\":\"\xc3\xa9\"}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
		expect_entry_same(odd[i], strlen(odd[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_web_writable),
		cmocka_unit_test(test_api_readonly),
		cmocka_unit_test(test_worker_sysadmin),
		cmocka_unit_test(test_db_privileged),
		cmocka_unit_test(test_batch_exited),
		cmocka_unit_test(test_legacy_exempt),
		cmocka_unit_test(test_shop_cart_compose),
		cmocka_unit_test(test_mount_tmpfs_size),
		cmocka_unit_test(test_mount_tmpfs_is_noexec),
		cmocka_unit_test(test_tmpfs_exec_and_unconfined),
		cmocka_unit_test(test_anonymous_volume),
		cmocka_unit_test(test_cap_spellings),
		cmocka_unit_test(test_cap_variants),
		cmocka_unit_test(test_security_opt_variants),
		cmocka_unit_test(test_name_and_image_sources),
		cmocka_unit_test(test_exempt_label_empty),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_odd_types_do_not_crash),
		cmocka_unit_test(test_list_entry_real),
		cmocka_unit_test(test_list_entry_minimal),
		cmocka_unit_test(test_list_entry_bad_ids),
		cmocka_unit_test(test_list_entry_dot_segments),
		cmocka_unit_test(test_list_entry_not_json),
		cmocka_unit_test(test_pid_host_ptrace),
		cmocka_unit_test(test_exec_session_privileged),
		cmocka_unit_test(test_seccomp_custom),
		cmocka_unit_test(test_pruned_reads_as_whole_real),
		cmocka_unit_test(test_pruned_is_small),
		cmocka_unit_test(test_pruned_reads_as_whole_odd),
		cmocka_unit_test(test_pruned_list_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
