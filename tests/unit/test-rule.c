/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "rule.h"

#define CONFIG_SRC "/etc/rootlock/exempt.json"

static void make(struct workload *w, const char *name, const char *image, bool readonly)
{
	workload_init(w);
	w->id = xstrdup("cd1dd538721f0e4c1f5e2b4a9d7c3e6f8a1b2c3d4e5f60718293a4b5c6d7e8f9");
	w->name = xstrdup(name);
	w->image = xstrdup(image);
	w->state = xstrdup("running");
	w->readonly_rootfs = readonly;
}

static void make_compose(struct workload *w, const char *files)
{
	make(w, "shop-cart-1", "shop/cart:3", false);
	w->origin.compose_project = xstrdup("shop");
	w->origin.compose_service = xstrdup("cart");
	w->origin.compose_files = files ? xstrdup(files) : NULL;
	w->origin.compose_workdir = xstrdup("/srv/shop");
}

static bool has_reason(const struct judgement *j, const char *part)
{
	for (size_t i = 0; i < j->reasons.n; i++)
		if (strstr(j->reasons.v[i], part))
			return true;
	return false;
}

static void expect_reason(const struct judgement *j, const char *part)
{
	if (!has_reason(j, part))
		fail_msg("no reason mentions \"%s\" (%zu reasons, first \"%s\")", part,
			 j->reasons.n, j->reasons.n ? j->reasons.v[0] : "");
}

static void expect_remedy(const struct judgement *j, const char *part)
{
	assert_non_null(j->remediation);
	if (!strstr(j->remediation, part))
		fail_msg("remediation \"%s\" lacks \"%s\"", j->remediation, part);
}

static void expect_no_remedy_part(const struct judgement *j, const char *part)
{
	if (j->remediation && strstr(j->remediation, part))
		fail_msg("remediation \"%s\" should not say \"%s\"", j->remediation, part);
}

static void add_exemption(struct exemptions *ex, const char *name, const char *image,
			  const char *id, const char *reason)
{
	ex->v = xrealloc(ex->v, (ex->n + 1) * sizeof(*ex->v));
	struct exemption *e = &ex->v[ex->n++];
	e->name = name ? xstrdup(name) : NULL;
	e->image = image ? xstrdup(image) : NULL;
	e->id = id ? xstrdup(id) : NULL;
	e->reason = xstrdup(reason);
	if (!ex->source)
		ex->source = xstrdup(CONFIG_SRC);
}

/* --- the four verdicts --- */

static void test_pass(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "api", "app/api:1", true);
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_PASS);
	assert_string_equal(verdict_name(j.verdict), "pass");
	expect_reason(&j, "read-only");
	assert_null(j.remediation);
	assert_null(j.exempt_reason);
	assert_null(j.exempt_source);
	judgement_release(&j);
	workload_release(&w);
}

/* A Swarm service is fixed with `docker service update`; it has no container to diff. */
static void test_service_words(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "svc", "nginx:1.25", false);
	w.origin.swarm_service = true;
	w.origin.kind = "swarm";
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	assert_non_null(strstr(j.remediation, "`docker service update --read-only`"));
	assert_non_null(strstr(j.remediation, "--mount-add type=tmpfs,target=/tmp"));
	assert_null(strstr(j.remediation, " diff "));
	judgement_release(&j);
	w.readonly_rootfs = true;
	w.cap_sys_admin = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	assert_non_null(strstr(j.remediation, "Update it without SYS_ADMIN"));
	judgement_release(&j);
	workload_release(&w);
}

static void test_fail_plain(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "web", "nginx:1.25", false);
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	assert_string_equal(verdict_name(j.verdict), "fail");
	expect_reason(&j, "writable");
	expect_remedy(&j, "--read-only");
	expect_remedy(&j, "--tmpfs /tmp");
	expect_no_remedy_part(&j, "read_only: true");
	expect_no_remedy_part(&j, "Compose");
	assert_null(j.exempt_reason);
	judgement_release(&j);
	workload_release(&w);
}

static void test_fail_compose(void **state)
{
	(void)state;
	struct workload w;
	make_compose(&w, "/srv/shop/compose.yaml,/srv/shop/compose.prod.yaml");
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	expect_remedy(&j, "read_only: true");
	expect_remedy(&j, "/srv/shop/compose.yaml,/srv/shop/compose.prod.yaml");
	expect_remedy(&j, "\"cart\"");
	expect_remedy(&j, "tmpfs: [/tmp]");
	expect_no_remedy_part(&j, "--read-only");
	expect_no_remedy_part(&j, "--tmpfs");
	judgement_release(&j);
	workload_release(&w);

	/* Labels without the file list still get Compose advice. */
	make_compose(&w, NULL);
	rule_judge(&w, NULL, &j);
	expect_remedy(&j, "read_only: true");
	expect_remedy(&j, "the Compose file");
	judgement_release(&j);
	workload_release(&w);
}

static void test_fail_with_tmp_already(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "web", "nginx:1.25", false);
	struct mount ro = {.kind = MOUNT_TMPFS, .target = "/tmp", .writable = false};
	workload_add_mount(&w, &ro);
	struct judgement j;
	rule_judge(&w, NULL, &j);
	/* A read-only /tmp does not count as scratch space. */
	expect_remedy(&j, "--tmpfs /tmp");
	judgement_release(&j);

	struct mount rw = {.kind = MOUNT_TMPFS, .target = "/tmp", .writable = true};
	workload_add_mount(&w, &rw);
	rule_judge(&w, NULL, &j);
	expect_remedy(&j, "--read-only");
	expect_remedy(&j, "`docker diff web`");
	expect_no_remedy_part(&j, "--tmpfs /tmp");
	judgement_release(&j);

	/* On Podman's API the diff is podman's. */
	w.origin.cli = "podman";
	rule_judge(&w, NULL, &j);
	expect_remedy(&j, "`podman diff web`");
	judgement_release(&j);
	workload_release(&w);
}

static void test_warn_privileged(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "db", "postgres:16", true);
	w.privileged = true;
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	assert_string_equal(verdict_name(j.verdict), "warn");
	expect_reason(&j, "privileged");
	expect_remedy(&j, "--privileged");
	expect_no_remedy_part(&j, "SYS_ADMIN");
	expect_no_remedy_part(&j, "--read-only");
	judgement_release(&j);
	workload_release(&w);

	make_compose(&w, "/srv/shop/compose.yaml");
	w.readonly_rootfs = true;
	w.privileged = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	expect_remedy(&j, "privileged: true");
	expect_remedy(&j, "/srv/shop/compose.yaml");
	expect_no_remedy_part(&j, "--privileged");
	judgement_release(&j);
	workload_release(&w);
}

static void test_warn_sys_admin(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "worker", "app/worker:2", true);
	w.cap_sys_admin = true;
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	expect_reason(&j, "CAP_SYS_ADMIN");
	expect_remedy(&j, "--cap-add SYS_ADMIN");
	expect_no_remedy_part(&j, "privileged");
	judgement_release(&j);

	/* Both at once: both named, one reason each. */
	w.privileged = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	expect_reason(&j, "privileged");
	expect_reason(&j, "CAP_SYS_ADMIN");
	expect_remedy(&j, "--privileged");
	expect_remedy(&j, "SYS_ADMIN");
	judgement_release(&j);
	workload_release(&w);

	make_compose(&w, "/srv/shop/compose.yaml");
	w.readonly_rootfs = true;
	w.cap_sys_admin = true;
	rule_judge(&w, NULL, &j);
	expect_remedy(&j, "cap_add");
	expect_remedy(&j, "SYS_ADMIN");
	expect_remedy(&j, "\"cart\"");
	judgement_release(&j);
	workload_release(&w);
}

static void test_writable_and_privileged_is_fail(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "db", "postgres:16", false);
	w.privileged = true;
	w.cap_sys_admin = true;
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	expect_remedy(&j, "--read-only");
	judgement_release(&j);
	workload_release(&w);
}

/* --- exemptions by label --- */

static void test_exempt_label(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "legacy", "vendor/thing:1", false);
	w.has_exempt_label = true;
	w.exempt_reason = xstrdup("vendor image, ticket OPS-42");
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	assert_string_equal(verdict_name(j.verdict), "exempt");
	assert_string_equal(j.exempt_reason, "vendor image, ticket OPS-42");
	assert_string_equal(j.exempt_source, "label rootlock.exempt");
	assert_null(j.remediation);
	/* Still says what is wrong. */
	expect_reason(&j, "writable");
	judgement_release(&j);

	/* A warn can be exempted too. */
	w.readonly_rootfs = true;
	w.cap_sys_admin = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	judgement_release(&j);
	workload_release(&w);
}

static void test_exempt_label_without_reason(void **state)
{
	(void)state;
	const char *reasons[] = {"", NULL};
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		struct workload w;
		make(&w, "legacy", "vendor/thing:1", false);
		w.has_exempt_label = true;
		w.exempt_reason = reasons[i] ? xstrdup(reasons[i]) : NULL;
		struct judgement j;
		rule_judge(&w, NULL, &j);
		assert_int_equal(j.verdict, VERDICT_FAIL);
		assert_null(j.exempt_reason);
		assert_null(j.exempt_source);
		expect_reason(&j, "rootlock.exempt");
		expect_reason(&j, "no reason");
		expect_remedy(&j, "--read-only");
		judgement_release(&j);
		workload_release(&w);
	}
}

static void test_exempt_label_on_pass_is_pass(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "api", "app/api:1", true);
	w.has_exempt_label = true;
	w.exempt_reason = xstrdup("just in case");
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_PASS);
	assert_null(j.exempt_reason);
	assert_null(j.remediation);
	judgement_release(&j);
	workload_release(&w);
}

/* --- exemptions from the config file --- */

static enum verdict judge_with(const struct exemptions *ex, const char *name, const char *image,
			       const char *id, char **reason, char **source)
{
	struct workload w;
	make(&w, name, image, false);
	if (id) {
		free(w.id);
		w.id = xstrdup(id);
	}
	struct judgement j;
	rule_judge(&w, ex, &j);
	enum verdict v = j.verdict;
	if (reason)
		*reason = j.exempt_reason ? xstrdup(j.exempt_reason) : NULL;
	if (source)
		*source = j.exempt_source ? xstrdup(j.exempt_source) : NULL;
	if (v == VERDICT_EXEMPT)
		assert_null(j.remediation);
	judgement_release(&j);
	workload_release(&w);
	return v;
}

static void test_config_by_name_glob(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	add_exemption(&ex, "legacy-*", NULL, NULL, "vendor apps, OPS-42");
	char *reason = NULL, *source = NULL;
	assert_int_equal(judge_with(&ex, "legacy-billing", "x:1", NULL, &reason, &source),
			 VERDICT_EXEMPT);
	assert_string_equal(reason, "vendor apps, OPS-42");
	assert_string_equal(source, CONFIG_SRC);
	free(reason);
	free(source);
	assert_int_equal(judge_with(&ex, "legacy", "x:1", NULL, NULL, NULL), VERDICT_FAIL);
	assert_int_equal(judge_with(&ex, "my-legacy-app", "x:1", NULL, NULL, NULL), VERDICT_FAIL);
	assert_int_equal(judge_with(&ex, "Legacy-app", "x:1", NULL, NULL, NULL), VERDICT_FAIL);
	exemptions_release(&ex);
}

static void test_config_by_image_glob(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	add_exemption(&ex, NULL, "vendor/appliance:*", NULL, "appliance");
	assert_int_equal(judge_with(&ex, "a", "vendor/appliance:2.1", NULL, NULL, NULL),
			 VERDICT_EXEMPT);
	assert_int_equal(judge_with(&ex, "a", "vendor/appliance", NULL, NULL, NULL), VERDICT_FAIL);
	assert_int_equal(judge_with(&ex, "a", "vendor/other:2.1", NULL, NULL, NULL), VERDICT_FAIL);

	/* A workload with no image cannot match an image glob. */
	struct workload w;
	make(&w, "a", "x", false);
	free(w.image);
	w.image = NULL;
	struct judgement j;
	rule_judge(&w, &ex, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	judgement_release(&j);
	workload_release(&w);
	exemptions_release(&ex);
}

static void test_config_by_id_prefix(void **state)
{
	(void)state;
	const char *id = "cd1dd538721f0e4c1f5e2b4a9d7c3e6f8a1b2c3d4e5f60718293a4b5c6d7e8f9";
	struct exemptions ex = {0};
	add_exemption(&ex, NULL, NULL, "cd1dd538721f", "one-off migration");
	assert_int_equal(judge_with(&ex, "a", "x", id, NULL, NULL), VERDICT_EXEMPT);
	assert_int_equal(judge_with(&ex, "a", "x", "cd1dd538721f", NULL, NULL), VERDICT_EXEMPT);
	/* A prefix, not a substring, and not the other way round. */
	assert_int_equal(judge_with(&ex, "a", "x", "00cd1dd538721f", NULL, NULL), VERDICT_FAIL);
	assert_int_equal(judge_with(&ex, "a", "x", "cd1dd5", NULL, NULL), VERDICT_FAIL);
	exemptions_release(&ex);
}

static void test_config_all_matchers_must_match(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	add_exemption(&ex, "batch-*", "tools/*", NULL, "batch tools");
	assert_int_equal(judge_with(&ex, "batch-1", "tools/migrate:1", NULL, NULL, NULL),
			 VERDICT_EXEMPT);
	assert_int_equal(judge_with(&ex, "batch-1", "nginx:1", NULL, NULL, NULL), VERDICT_FAIL);
	assert_int_equal(judge_with(&ex, "web-1", "tools/migrate:1", NULL, NULL, NULL),
			 VERDICT_FAIL);
	exemptions_release(&ex);
}

static void test_config_first_match_and_label_precedence(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	add_exemption(&ex, "legacy-*", NULL, NULL, "first");
	add_exemption(&ex, "*", NULL, NULL, "second");
	char *reason = NULL;
	judge_with(&ex, "legacy-a", "x", NULL, &reason, NULL);
	assert_string_equal(reason, "first");
	free(reason);
	judge_with(&ex, "web", "x", NULL, &reason, NULL);
	assert_string_equal(reason, "second");
	free(reason);

	/* A label that has a reason is the one reported. */
	struct workload w;
	make(&w, "legacy-a", "x", false);
	w.has_exempt_label = true;
	w.exempt_reason = xstrdup("from the label");
	struct judgement j;
	rule_judge(&w, &ex, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	assert_string_equal(j.exempt_reason, "from the label");
	judgement_release(&j);

	/* An empty label does not block the config's exemption. */
	free(w.exempt_reason);
	w.exempt_reason = xstrdup("");
	rule_judge(&w, &ex, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	assert_string_equal(j.exempt_reason, "first");
	assert_string_equal(j.exempt_source, CONFIG_SRC);
	judgement_release(&j);
	workload_release(&w);
	exemptions_release(&ex);
}

static void test_config_does_not_touch_pass(void **state)
{
	(void)state;
	struct exemptions ex = {0};
	add_exemption(&ex, "*", NULL, NULL, "everything");
	struct workload w;
	make(&w, "api", "app/api:1", true);
	struct judgement j;
	rule_judge(&w, &ex, &j);
	assert_int_equal(j.verdict, VERDICT_PASS);
	assert_null(j.exempt_reason);
	assert_null(j.exempt_source);
	judgement_release(&j);
	workload_release(&w);
	exemptions_release(&ex);
}

/* --- unconfined profiles --- */

static void test_unconfined_notes_only_when_readonly(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "api", "app/api:1", true);
	w.apparmor_unconfined = true;
	w.seccomp_unconfined = true;
	struct judgement j;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_PASS);
	expect_reason(&j, "AppArmor is unconfined");
	expect_reason(&j, "seccomp is unconfined");
	judgement_release(&j);

	w.seccomp_unconfined = false;
	rule_judge(&w, NULL, &j);
	expect_reason(&j, "AppArmor");
	assert_false(has_reason(&j, "seccomp"));
	judgement_release(&j);

	/* Writable: the profiles are beside the point. */
	w.readonly_rootfs = false;
	w.seccomp_unconfined = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	assert_false(has_reason(&j, "AppArmor"));
	assert_false(has_reason(&j, "seccomp"));
	judgement_release(&j);

	/* Confined read-only: no notes at all. */
	w.readonly_rootfs = true;
	w.apparmor_unconfined = false;
	w.seccomp_unconfined = false;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.reasons.n, 1);
	judgement_release(&j);
	workload_release(&w);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_PASS), "pass");
	assert_string_equal(verdict_name(VERDICT_WARN), "warn");
	assert_string_equal(verdict_name(VERDICT_FAIL), "fail");
	assert_string_equal(verdict_name(VERDICT_EXEMPT), "exempt");
	assert_string_equal(verdict_name(VERDICT_MAX), "unknown");
	judgement_release(NULL);
}

static void test_describe_mounts(void **state)
{
	(void)state;
	struct workload w;
	make(&w, "api", "app/api:1", true);
	struct mount ms[] = {
		{.kind = MOUNT_TMPFS,
		 .target = "/run",
		 .writable = true,
		 .exec = true,
		 .size_bytes = 16LL << 20},
		{.kind = MOUNT_TMPFS, .target = "/tmp", .writable = true},
		{.kind = MOUNT_VOLUME, .target = "/data", .source = "shop_data", .writable = true},
		{.kind = MOUNT_BIND, .target = "/config", .source = "/srv/cfg", .writable = false},
		{.kind = MOUNT_ANONYMOUS,
		 .target = "/cache",
		 .source = "6522291944b7",
		 .writable = true},
	};
	for (size_t i = 0; i < ARRAY_SIZE(ms); i++)
		workload_add_mount(&w, &ms[i]);
	struct strv lines = STRV_INIT;
	workload_describe_mounts(&w, &lines);
	assert_int_equal(lines.n, ARRAY_SIZE(ms));
	assert_string_equal(lines.v[0], "tmpfs /run (exec, 16M)");
	assert_string_equal(lines.v[1], "tmpfs /tmp (noexec)");
	assert_string_equal(lines.v[2], "volume /data (from shop_data)");
	assert_string_equal(lines.v[3], "bind /config (from /srv/cfg, read-only)");
	assert_string_equal(lines.v[4], "anonymous volume /cache");
	strv_release(&lines);
	workload_release(&w);
}

static void add_bind(struct workload *w, const char *source, const char *target, bool writable)
{
	struct mount m = {.kind = MOUNT_BIND,
			  .source = (char *)source,
			  .target = (char *)target,
			  .writable = writable};
	workload_add_mount(w, &m);
}

/* Judge a read-only container with one bind; the verdict. */
static enum verdict judge_bind(const char *source, bool writable, const char *data_root,
			       const char *socket, struct judgement *j)
{
	struct workload w;
	make(&w, "agent", "vendor/agent:1", true);
	add_bind(&w, source, "/mnt/x", writable);
	w.engine_data_root = data_root ? xstrdup(data_root) : NULL;
	w.engine_socket = socket ? xstrdup(socket) : NULL;
	rule_judge(&w, NULL, j);
	workload_release(&w);
	return j->verdict;
}

static void test_defeater_host_root(void **state)
{
	struct judgement j;
	assert_int_equal(judge_bind("/", true, NULL, NULL, &j), VERDICT_WARN);
	expect_reason(&j, "the host's / is bound writable at /mnt/x");
	expect_remedy(&j, "Recreate it without the bind of / (-v or --mount).");
	judgement_release(&j);
	/* Read-only /: no writing, but the sockets under /run are reachable. */
	assert_int_equal(judge_bind("/", false, NULL, NULL, &j), VERDICT_WARN);
	expect_reason(&j, "/, which holds the engine's socket /run/docker.sock, is bound at "
			  "/mnt/x (read-only does not help)");
	judgement_release(&j);
	assert_int_equal(judge_bind("//./", true, NULL, NULL, &j), VERDICT_WARN);
	judgement_release(&j);
}

static void test_defeater_data_root(void **state)
{
	struct judgement j;
	const char *root = "/srv/engine/data";
	assert_int_equal(judge_bind("/srv/engine/data/", true, root, NULL, &j), VERDICT_WARN);
	expect_reason(&j, "the engine's data root /srv/engine/data/ is bound writable");
	judgement_release(&j);
	assert_int_equal(judge_bind("/srv", true, root, NULL, &j), VERDICT_WARN);
	expect_reason(&j, "/srv, which holds the engine's data root /srv/engine/data, is bound");
	judgement_release(&j);
	assert_int_equal(judge_bind("/srv/engine/data/overlay2/abc/diff", true, root, NULL, &j),
			 VERDICT_WARN);
	expect_reason(&j, "where the engine keeps container layers");
	judgement_release(&j);
	/* The usual roots count even when the engine did not say. */
	assert_int_equal(judge_bind("/var/lib/docker", true, NULL, NULL, &j), VERDICT_WARN);
	judgement_release(&j);
	assert_int_equal(judge_bind("/var/lib/containers/storage/overlay", true, NULL, NULL, &j),
			 VERDICT_WARN);
	judgement_release(&j);
	assert_int_equal(judge_bind("/home/ann/.local/share/docker", true, NULL, NULL, &j),
			 VERDICT_WARN);
	judgement_release(&j);
	/* Read-only, volumes, a sibling, a lookalike: nothing to write layers with. */
	assert_int_equal(judge_bind("/srv/engine/data", false, root, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
	assert_int_equal(judge_bind("/srv/engine/data/volumes/v/_data", true, root, NULL, &j),
			 VERDICT_PASS);
	judgement_release(&j);
	assert_int_equal(judge_bind("/srv/engine/database", true, root, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
	assert_int_equal(judge_bind("/srv/other", true, root, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
	assert_int_equal(judge_bind("/var/lib/dockerd", true, NULL, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
	/* Told the engine's own root, the usual ones are another engine's layers. */
	assert_int_equal(judge_bind("/var/lib/docker", true, root, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
	/* A home directory holds a rootless data root only when the engine says so. */
	assert_int_equal(judge_bind("/home/ann", true, NULL, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
	assert_int_equal(judge_bind("/home/ann", true, "/home/ann/.local/share/docker", NULL, &j),
			 VERDICT_WARN);
	expect_reason(&j, "/home/ann, which holds the engine's data root "
			  "/home/ann/.local/share/docker, is bound writable");
	judgement_release(&j);
	assert_int_equal(judge_bind("/home/ann/.local/share/containers/storage/overlay/x", true,
				    NULL, NULL, &j),
			 VERDICT_WARN);
	judgement_release(&j);
}

static void test_defeater_sockets(void **state)
{
	static const char *const socks[] = {
		"/var/run/docker.sock",
		"/run/docker.sock",
		"/run/podman/podman.sock",
		"/run/containerd/containerd.sock",
		"/var/run/crio/crio.sock",
		"/run/user/1000/podman/podman.sock",
		"/run/user/1000/docker.sock",
		"/var/run",
		"/run/containerd",
		"/srv/engine/docker.sock",
	};
	for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++) {
		for (int rw = 0; rw < 2; rw++) {
			struct judgement j;
			enum verdict v =
				judge_bind(socks[i], rw, NULL, "/srv/engine/docker.sock", &j);
			if (v != VERDICT_WARN)
				fail_msg("%s (%s): %s", socks[i], rw ? "rw" : "ro",
					 verdict_name(v));
			expect_reason(&j, "privileged container that rewrites this one's layers");
			expect_remedy(&j, socks[i]);
			judgement_release(&j);
		}
	}
	struct judgement j;
	judge_bind("/var/run/docker.sock", false, NULL, NULL, &j);
	expect_reason(&j, "the engine's socket /var/run/docker.sock is bound at /mnt/x "
			  "(read-only does not help)");
	judgement_release(&j);
	/* Another engine's socket elsewhere is unknown; a plain file under /run is not one. */
	assert_int_equal(judge_bind("/srv/engine/docker.sock", false, NULL, NULL, &j),
			 VERDICT_PASS);
	judgement_release(&j);
	assert_int_equal(judge_bind("/run/nginx.pid", true, NULL, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
	assert_int_equal(judge_bind("/run/user/1000/bus", true, NULL, NULL, &j), VERDICT_PASS);
	judgement_release(&j);
}

static void test_defeater_words_per_source(void **state)
{
	struct workload w;
	struct judgement j;
	make(&w, "web", "nginx", true);
	add_bind(&w, "/var/run/docker.sock", "/var/run/docker.sock", false);
	w.origin.kind = "compose";
	w.origin.file = xstrdup("compose.yaml");
	w.origin.workload = xstrdup("web");
	rule_judge(&w, NULL, &j);
	expect_remedy(&j, "In compose.yaml, service \"web\": remove the `volumes:` entry that "
			  "binds /var/run/docker.sock.");
	judgement_release(&j);
	w.origin.kind = "kubernetes";
	w.origin.container = xstrdup("web");
	rule_judge(&w, NULL, &j);
	expect_remedy(&j, "remove the hostPath volume /var/run/docker.sock.");
	judgement_release(&j);
	w.origin.kind = "quadlet";
	rule_judge(&w, NULL, &j);
	expect_remedy(&j, "remove the `Volume=`");
	judgement_release(&j);
	workload_release(&w);
}

static void test_defeater_pid_host_ptrace(void **state)
{
	struct workload w;
	struct judgement j;
	make(&w, "debugger", "tools", true);
	w.pid_host = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_PASS);
	judgement_release(&j);
	w.cap_sys_ptrace = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	expect_reason(&j, "/proc/PID/root of a host process reaches the host's filesystem");
	expect_remedy(&j, "Recreate it without --pid host, or without --cap-add SYS_PTRACE");
	judgement_release(&j);
	w.pid_host = false;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_PASS);
	judgement_release(&j);
	workload_release(&w);
	assert_true(cap_grants_sys_ptrace("sys_ptrace"));
	assert_true(cap_grants_sys_ptrace("CAP_SYS_PTRACE"));
	assert_true(cap_grants_sys_ptrace("all"));
	assert_false(cap_grants_sys_ptrace("SYS_ADMIN"));
}

static void test_defeater_privileged_exec(void **state)
{
	struct workload w;
	struct judgement j;
	make(&w, "web", "nginx", true);
	w.privileged_exec =
		xstrdup("4f1c2e0d9b8a77665544332211000aaabbbcccdddeeefff000111222333444");
	/* The engine's default seccomp profile still forbids mount to the exec. */
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_PASS);
	judgement_release(&j);
	w.seccomp_unconfined = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	expect_reason(&j, "a privileged exec session (4f1c2e0d9b8a) runs in it");
	expect_reason(&j, "with no seccomp profile nothing forbids `mount -o remount,rw /`");
	expect_remedy(&j, "End the privileged exec session 4f1c2e0d9b8a");
	judgement_release(&j);
	w.seccomp_unconfined = false;
	w.seccomp_custom = true;
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_WARN);
	expect_reason(&j, "with its own seccomp profile");
	judgement_release(&j);
	workload_release(&w);
}

/* A monitoring agent that needs the socket is a legitimate exemption, with its reason. */
static void test_defeater_exempt(void **state)
{
	struct workload w;
	struct judgement j;
	make(&w, "monitor", "vendor/agent:1", true);
	add_bind(&w, "/var/run/docker.sock", "/var/run/docker.sock", false);
	w.has_exempt_label = true;
	w.exempt_reason = xstrdup("monitoring agent, reads container stats (OPS-7)");
	rule_judge(&w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_EXEMPT);
	assert_string_equal(j.exempt_reason, "monitoring agent, reads container stats (OPS-7)");
	expect_reason(&j, "the engine's socket /var/run/docker.sock is bound");
	assert_true(rule_has_defeaters(&w));
	judgement_release(&j);
	workload_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_fail_plain),
		cmocka_unit_test(test_service_words),
		cmocka_unit_test(test_fail_compose),
		cmocka_unit_test(test_fail_with_tmp_already),
		cmocka_unit_test(test_warn_privileged),
		cmocka_unit_test(test_warn_sys_admin),
		cmocka_unit_test(test_writable_and_privileged_is_fail),
		cmocka_unit_test(test_exempt_label),
		cmocka_unit_test(test_exempt_label_without_reason),
		cmocka_unit_test(test_exempt_label_on_pass_is_pass),
		cmocka_unit_test(test_config_by_name_glob),
		cmocka_unit_test(test_config_by_image_glob),
		cmocka_unit_test(test_config_by_id_prefix),
		cmocka_unit_test(test_config_all_matchers_must_match),
		cmocka_unit_test(test_config_first_match_and_label_precedence),
		cmocka_unit_test(test_config_does_not_touch_pass),
		cmocka_unit_test(test_unconfined_notes_only_when_readonly),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_describe_mounts),
		cmocka_unit_test(test_defeater_host_root),
		cmocka_unit_test(test_defeater_data_root),
		cmocka_unit_test(test_defeater_sockets),
		cmocka_unit_test(test_defeater_words_per_source),
		cmocka_unit_test(test_defeater_pid_host_ptrace),
		cmocka_unit_test(test_defeater_privileged_exec),
		cmocka_unit_test(test_defeater_exempt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
