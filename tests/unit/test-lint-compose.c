/* SPDX-License-Identifier: MIT */
/*
 * compose_lint: each test writes a small Compose project into a fresh
 * temporary directory (the working directory while it runs), lints it and
 * checks the workloads: verdict inputs, the file:line:col to fix, notes.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lint.h"
#include "scratch.h"
#include "rule.h"
#include "yamldoc.h"

#ifndef SHARED_CORPUS
#define SHARED_CORPUS TEST_DATA "/../../../shared/corpus"
#endif

struct fixture {
	char old_cwd[PATH_MAX];
	char dir[PATH_MAX];
	struct lint_results r;
	struct compose_env env;
	struct rl_error err;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || !getcwd(fx->old_cwd, sizeof(fx->old_cwd)))
		return -1;
	if (scratch_dir_make(fx->dir, "compose") < 0 || chdir(fx->dir) < 0)
		return -1;
	/* Only what a test sets: nothing from the developer's shell. */
	fx->env.use_process_env = true;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	lint_results_release(&fx->r);
	strv_release(&fx->env.vars);
	if (chdir(fx->old_cwd) < 0)
		return -1;
	scratch_dir_remove(fx->dir);
	free(fx);
	return 0;
}

/* Write path (directories made as needed) with the given text. */
static void put(const char *path, const char *text)
{
	scratch_put(".", path, text);
}

/* Lint files (NULL-terminated list); asserts success. */
static void lint_files(struct fixture *fx, const char *first, ...)
{
	struct compose_input in[8];
	size_t n = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *p = first; p && n < 8; p = va_arg(ap, const char *))
		in[n++] = (struct compose_input){.path = p};
	va_end(ap);
	lint_results_release(&fx->r);
	int r = compose_lint(in, n, &fx->env, &fx->r, &fx->err);
	if (r < 0)
		fail_msg("compose_lint: %s", fx->err.msg);
}

static void lint_text(struct fixture *fx, const char *text)
{
	put("compose.yaml", text);
	lint_files(fx, "compose.yaml", NULL);
}

/* Lint expecting an error; returns its code. */
static int lint_error(struct fixture *fx, const char *path)
{
	struct compose_input in = {.path = path};
	lint_results_release(&fx->r);
	int r = compose_lint(&in, 1, &fx->env, &fx->r, &fx->err);
	assert_true(r < 0);
	assert_int_equal(fx->r.n, 0);
	return r;
}

static size_t n_workloads(const struct fixture *fx)
{
	size_t n = 0;
	for (size_t i = 0; i < fx->r.n; i++)
		n += !fx->r.v[i].standalone;
	return n;
}

static size_t n_standalone(const struct fixture *fx)
{
	return fx->r.n - n_workloads(fx);
}

static const struct workload *svc(const struct fixture *fx, const char *name)
{
	for (size_t i = 0; i < fx->r.n; i++)
		if (!fx->r.v[i].standalone && streq(fx->r.v[i].w.origin.workload, name))
			return &fx->r.v[i].w;
	fail_msg("no workload for service \"%s\" (%zu results)", name, fx->r.n);
	return NULL;
}

static bool has_svc(const struct fixture *fx, const char *name)
{
	for (size_t i = 0; i < fx->r.n; i++)
		if (!fx->r.v[i].standalone && streq(fx->r.v[i].w.origin.workload, name))
			return true;
	return false;
}

static void expect_at(const struct workload *w, const char *file, int line, int column)
{
	if (!streq(w->origin.file, file) || w->origin.line != line || w->origin.column != column)
		fail_msg("service \"%s\" at %s:%d:%d, expected %s:%d:%d", w->origin.workload,
			 w->origin.file, w->origin.line, w->origin.column, file, line, column);
}

static const char *note_with(const struct workload *w, const char *part)
{
	for (size_t i = 0; i < w->notes.n; i++)
		if (strstr(w->notes.v[i], part))
			return w->notes.v[i];
	return NULL;
}

static void expect_note(const struct workload *w, const char *part)
{
	if (!note_with(w, part))
		fail_msg("service \"%s\": no note has \"%s\" (%zu notes, first \"%s\")",
			 w->origin.workload, part, w->notes.n, w->notes.n ? w->notes.v[0] : "");
}

static const struct lint_finding *standalone_with(const struct fixture *fx, const char *part)
{
	for (size_t i = 0; i < fx->r.n; i++)
		if (fx->r.v[i].standalone && strstr(fx->r.v[i].message, part))
			return &fx->r.v[i];
	fail_msg("no stand-alone finding has \"%s\" (%zu results)", part, fx->r.n);
	return NULL;
}

static const struct mount *mount_at(const struct workload *w, const char *target)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (streq(w->mounts[i].target, target))
			return &w->mounts[i];
	fail_msg("service \"%s\" has no mount at %s", w->origin.workload, target);
	return NULL;
}

static enum verdict judge(const struct workload *w)
{
	struct judgement j;
	rule_judge(w, NULL, &j);
	enum verdict v = j.verdict;
	judgement_release(&j);
	return v;
}

/* --- basics --- */

static void test_readonly_and_positions(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  web:\n"
		      "    image: nginx:1.25\n"
		      "  api:\n"
		      "    image: app/api\n"
		      "    container_name: shop-api\n"
		      "    read_only: true\n"
		      "  off:\n"
		      "    read_only: false\n");
	assert_int_equal(fx->r.n, 3);
	const struct workload *web = svc(fx, "web");
	assert_false(web->readonly_rootfs);
	expect_at(web, "compose.yaml", 2, 3);
	assert_string_equal(web->origin.kind, "compose");
	assert_string_equal(web->origin.container, "web");
	assert_string_equal(web->name, "web");
	assert_string_equal(web->image, "nginx:1.25");
	assert_int_equal(judge(web), VERDICT_FAIL);

	const struct workload *api = svc(fx, "api");
	assert_true(api->readonly_rootfs);
	expect_at(api, "compose.yaml", 7, 5);
	assert_string_equal(api->name, "shop-api");
	assert_string_equal(api->origin.container, "api");
	assert_int_equal(api->notes.n, 0);
	assert_int_equal(judge(api), VERDICT_PASS);

	const struct workload *off = svc(fx, "off");
	assert_false(off->readonly_rootfs);
	expect_at(off, "compose.yaml", 9, 5);
	assert_null(off->image);
}

static void test_boolean_spellings(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  a: {read_only: yes}\n"
		      "  b: {read_only: \"true\"}\n"
		      "  c: {read_only: 'On'}\n"
		      "  d: {read_only: Y}\n"
		      "  e: {read_only: \"no\"}\n"
		      "  f: {read_only: \"1\"}\n"
		      "  g: {read_only: 1}\n"
		      "  h: {read_only: }\n"
		      "  i: {read_only: [true]}\n"
		      "  j: {read_only: TRUE}\n");
	assert_true(svc(fx, "a")->readonly_rootfs);
	assert_true(svc(fx, "b")->readonly_rootfs);
	assert_true(svc(fx, "c")->readonly_rootfs);
	assert_true(svc(fx, "d")->readonly_rootfs);
	assert_true(svc(fx, "j")->readonly_rootfs);
	assert_false(svc(fx, "e")->readonly_rootfs);
	assert_int_equal(svc(fx, "e")->notes.n, 0);
	/* compose-go's cast knows only the YAML 1.1 words: "1" is refused. */
	assert_false(svc(fx, "f")->readonly_rootfs);
	expect_note(svc(fx, "f"), "read_only is \"1\": not true or false");
	assert_false(svc(fx, "g")->readonly_rootfs);
	expect_note(svc(fx, "g"), "not true or false");
	/* No value: as if the key were absent, but it is the place to fix. */
	assert_false(svc(fx, "h")->readonly_rootfs);
	assert_int_equal(svc(fx, "h")->notes.n, 0);
	expect_at(svc(fx, "h"), "compose.yaml", 9, 3);
	assert_false(svc(fx, "i")->readonly_rootfs);
	expect_note(svc(fx, "i"), "read_only is a list");
}

/* --- interpolation --- */

static void test_interpolation_forms(void **state)
{
	struct fixture *fx = *state;
	setenv("RLC_T", "true", 1);
	setenv("RLC_F", "false", 1);
	setenv("RLC_EMPTY", "", 1);
	unsetenv("RLC_UNSET");
	lint_text(fx, "services:\n"
		      "  set: {read_only: \"${RLC_T}\"}\n"
		      "  bare: {read_only: $RLC_T}\n"
		      "  false: {read_only: \"${RLC_F}\"}\n"
		      "  dflt: {read_only: \"${RLC_UNSET:-true}\"}\n"
		      "  dflt-empty: {read_only: \"${RLC_EMPTY:-true}\"}\n"
		      "  dash-empty: {read_only: \"${RLC_EMPTY-true}\"}\n"
		      "  dash-unset: {read_only: \"${RLC_UNSET-yes}\"}\n"
		      "  dash-set: {read_only: \"${RLC_F-true}\"}\n"
		      "  unset: {read_only: \"${RLC_UNSET}\"}\n"
		      "  bare-unset: {read_only: $RLC_UNSET}\n"
		      "  req: {read_only: \"${RLC_UNSET:?set RLC_UNSET to true}\"}\n"
		      "  req-empty: {read_only: \"${RLC_EMPTY:?}\"}\n"
		      "  req-q: {read_only: \"${RLC_UNSET?}\"}\n"
		      "  req-ok: {read_only: \"${RLC_T:?x}\"}\n"
		      "  plus: {read_only: \"${RLC_T:+on}\"}\n"
		      "  nested: {read_only: \"${RLC_UNSET:-${RLC_ALSO_UNSET:-true}}\"}\n"
		      "  dollar: {read_only: \"$${RLC_T}\"}\n"
		      "  lone: {read_only: \"true $\"}\n"
		      "  open: {read_only: \"${RLC_T\"}\n"
		      "  word: {read_only: \"maybe\"}\n");
	const char *ro[] = {"set",	  "bare",   "dflt", "dflt-empty",
			    "dash-unset", "req-ok", "plus", "nested"};
	for (size_t i = 0; i < ARRAY_SIZE(ro); i++) {
		const struct workload *w = svc(fx, ro[i]);
		if (!w->readonly_rootfs || w->notes.n)
			fail_msg("service %s: read_only should resolve to true (%s)", ro[i],
				 w->notes.n ? w->notes.v[0] : "no note");
	}
	const char *rw[] = {"false", "dash-set"};
	for (size_t i = 0; i < ARRAY_SIZE(rw); i++) {
		assert_false(svc(fx, rw[i])->readonly_rootfs);
		assert_int_equal(svc(fx, rw[i])->notes.n, 0);
	}

	const struct workload *w = svc(fx, "unset");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->notes.n, 1);
	assert_string_equal(w->notes.v[0],
			    "read_only is \"${RLC_UNSET}\", which cannot be resolved: RLC_UNSET is "
			    "not set (set it, or give a default: ${RLC_UNSET:-true})");
	expect_at(w, "compose.yaml", 10, 11);
	expect_note(svc(fx, "bare-unset"), "RLC_UNSET is not set");
	assert_string_equal(svc(fx, "req")->notes.v[0],
			    "read_only is \"${RLC_UNSET:?set RLC_UNSET to true}\", which cannot be "
			    "resolved: RLC_UNSET is not set: set RLC_UNSET to true");
	expect_note(svc(fx, "req-empty"), "which cannot be resolved: RLC_EMPTY is empty");
	expect_note(svc(fx, "req-q"), "which cannot be resolved: RLC_UNSET is not set");
	expect_note(svc(fx, "dash-empty"), "which resolves to \"\": not true or false");
	expect_note(svc(fx, "dollar"), "which resolves to \"${RLC_T}\": not true or false");
	expect_note(svc(fx, "lone"), "cannot be resolved: a \"$\" that starts no variable");
	expect_note(svc(fx, "open"), "cannot be resolved: \"${\" is not closed");
	expect_note(svc(fx, "word"), "read_only is \"maybe\": not true or false");
	for (size_t i = 0; i < fx->r.n; i++)
		assert_false(fx->r.v[i].standalone);
	unsetenv("RLC_T");
	unsetenv("RLC_F");
	unsetenv("RLC_EMPTY");
}

static void test_env_vars_and_precedence(void **state)
{
	struct fixture *fx = *state;
	unsetenv("RLC_RO");
	strv_add(&fx->env.vars, "RLC_RO=false");
	strv_add(&fx->env.vars, "RLC_RO=true"); /* a later --env-file wins */
	put(".env", "RLC_RO=false\n");		/* not read: --env-file given */
	lint_text(fx, "services:\n  web:\n    read_only: ${RLC_RO}\n");
	assert_true(svc(fx, "web")->readonly_rootfs);

	/* The shell's environment wins over env files... */
	setenv("RLC_RO", "no", 1);
	lint_files(fx, "compose.yaml", NULL);
	assert_false(svc(fx, "web")->readonly_rootfs);
	/* ...unless the caller says not to read it. */
	fx->env.use_process_env = false;
	lint_files(fx, "compose.yaml", NULL);
	assert_true(svc(fx, "web")->readonly_rootfs);
	unsetenv("RLC_RO");
}

static void test_dotenv_file(void **state)
{
	struct fixture *fx = *state;
	static const char *const vars[] = {"RLC_A", "RLC_B", "RLC_C", "RLC_D", "RLC_E", "RLC_F"};
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);
	put("proj/.env", "# settings\n"
			 "\n"
			 "RLC_A=true\n"
			 "export RLC_B = 'yes'\n"
			 "RLC_C=\"on\" # inline\n"
			 "RLC_D=${RLC_A}\n"
			 "RLC_E=nope # a comment\r\n"
			 "not a line\n");
	put("proj/compose.yaml", "services:\n"
				 "  a: {read_only: $RLC_A}\n"
				 "  b: {read_only: $RLC_B}\n"
				 "  c: {read_only: $RLC_C}\n"
				 "  d: {read_only: $RLC_D}\n"
				 "  e: {read_only: $RLC_E}\n"
				 "  f: {read_only: $RLC_F}\n");
	lint_files(fx, "proj/compose.yaml", NULL);
	assert_true(svc(fx, "a")->readonly_rootfs);
	assert_true(svc(fx, "b")->readonly_rootfs);
	assert_true(svc(fx, "c")->readonly_rootfs);
	assert_true(svc(fx, "d")->readonly_rootfs);
	expect_note(svc(fx, "e"), "which resolves to \"nope\"");
	expect_note(svc(fx, "f"), "RLC_F is not set");
	expect_at(svc(fx, "a"), "proj/compose.yaml", 2, 7);

	/* The process environment wins over .env. */
	setenv("RLC_A", "false", 1);
	lint_files(fx, "proj/compose.yaml", NULL);
	assert_false(svc(fx, "a")->readonly_rootfs);
	assert_int_equal(svc(fx, "a")->notes.n, 0);
	unsetenv("RLC_A");

	/* An empty .env is fine. */
	put("proj/.env", "");
	lint_files(fx, "proj/compose.yaml", NULL);
	expect_note(svc(fx, "a"), "RLC_A is not set");

	/* .env is the first file's directory's, not the second's. */
	put("proj/sub/.env", "RLC_F=true\n");
	put("proj/sub/more.yaml", "services:\n  f: {image: x}\n");
	lint_files(fx, "proj/compose.yaml", "proj/sub/more.yaml", NULL);
	expect_note(svc(fx, "f"), "RLC_F is not set");
}

/* --- what is and is not the service's read_only --- */

static void test_volume_read_only_is_not_the_service(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  proxy:\n"
		      "    image: nginx\n"
		      "    volumes:\n"
		      "      - type: bind\n"
		      "        source: ./nginx.conf\n"
		      "        target: /etc/nginx/nginx.conf\n"
		      "        read_only: true\n"
		      "    x-meta:\n"
		      "      read_only: true\n"
		      "    build:\n"
		      "      context: .\n"
		      "      read_only: true\n"
		      "    deploy:\n"
		      "      read_only: true\n"
		      "x-read_only: true\n"
		      "read_only: true\n");
	const struct workload *w = svc(fx, "proxy");
	assert_false(w->readonly_rootfs);
	expect_at(w, "compose.yaml", 2, 3);
	assert_string_equal(w->origin.kind, "swarm");
	assert_int_equal(w->n_mounts, 1);
	const struct mount *m = mount_at(w, "/etc/nginx/nginx.conf");
	assert_int_equal(m->kind, MOUNT_BIND);
	assert_string_equal(m->source, "./nginx.conf");
	assert_false(m->writable);
	assert_int_equal(n_workloads(fx), 1);
}

/* --- mounts --- */

static void test_tmpfs(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  one:\n"
		      "    read_only: true\n"
		      "    tmpfs: /run\n"
		      "  list:\n"
		      "    read_only: true\n"
		      "    tmpfs:\n"
		      "      - /tmp\n"
		      "      - /run:size=64m,exec\n"
		      "      - /cache:rw,noexec,size=1g\n"
		      "      - \":size=1m\"\n"
		      "  long:\n"
		      "    volumes:\n"
		      "      - type: tmpfs\n"
		      "        target: /scratch\n"
		      "        tmpfs:\n"
		      "          size: 16777216\n"
		      "      - type: tmpfs\n"
		      "        target: /small\n"
		      "        tmpfs: {size: 2m}\n");
	const struct workload *one = svc(fx, "one");
	assert_int_equal(one->n_mounts, 1);
	assert_int_equal(mount_at(one, "/run")->kind, MOUNT_TMPFS);
	assert_false(mount_at(one, "/run")->exec);
	assert_true(mount_at(one, "/run")->writable);

	const struct workload *list = svc(fx, "list");
	assert_int_equal(list->n_mounts, 3);
	const struct mount *run = mount_at(list, "/run");
	assert_true(run->exec);
	assert_int_equal(run->size_bytes, 64LL << 20);
	assert_false(mount_at(list, "/cache")->exec);
	assert_int_equal(mount_at(list, "/cache")->size_bytes, 1LL << 30);
	assert_int_equal(mount_at(list, "/tmp")->size_bytes, 0);
	/* Sorted by target, as audit sorts them. */
	assert_string_equal(list->mounts[0].target, "/cache");
	assert_string_equal(list->mounts[2].target, "/tmp");
	expect_note(list, "tmpfs entry \":size=1m\" has no path");

	const struct workload *lg = svc(fx, "long");
	assert_int_equal(mount_at(lg, "/scratch")->kind, MOUNT_TMPFS);
	assert_int_equal(mount_at(lg, "/scratch")->size_bytes, 16 << 20);
	assert_false(mount_at(lg, "/scratch")->exec);
	assert_null(mount_at(lg, "/scratch")->source);
	assert_int_equal(mount_at(lg, "/small")->size_bytes, 2 << 20);
}

static void test_volumes(void **state)
{
	struct fixture *fx = *state;
	setenv("RLC_DATA", "/srv/data", 1);
	lint_text(fx, "services:\n"
		      "  app:\n"
		      "    volumes:\n"
		      "      - /anon\n"
		      "      - db:/var/lib/db\n"
		      "      - db-ro:/ro:ro\n"
		      "      - ./conf:/conf:ro,z\n"
		      "      - ~/cache:/cache:rw\n"
		      "      - /etc/hosts:/hosts\n"
		      "      - ${RLC_DATA}:/data\n"
		      "      - C:\\data:/win\n"
		      "      - aa:bb:cc:dd\n"
		      "      - \"\"\n"
		      "      - type: volume\n"
		      "        source: logs\n"
		      "        target: /logs\n"
		      "        read_only: \"true\"\n"
		      "      - type: volume\n"
		      "        target: /anon2\n"
		      "      - type: image\n"
		      "        source: alpine\n"
		      "        target: /img\n"
		      "      - type: npipe\n"
		      "        source: \\\\.\\pipe\\x\n"
		      "        target: \\\\.\\pipe\\x\n"
		      "      - {source: x, target: /notype}\n");
	const struct workload *w = svc(fx, "app");
	const struct mount *m = mount_at(w, "/anon");
	assert_int_equal(m->kind, MOUNT_ANONYMOUS);
	assert_null(m->source);
	assert_true(m->writable);
	m = mount_at(w, "/var/lib/db");
	assert_int_equal(m->kind, MOUNT_VOLUME);
	assert_string_equal(m->source, "db");
	assert_true(m->writable);
	assert_false(mount_at(w, "/ro")->writable);
	m = mount_at(w, "/conf");
	assert_int_equal(m->kind, MOUNT_BIND);
	assert_false(m->writable);
	assert_int_equal(mount_at(w, "/cache")->kind, MOUNT_BIND);
	assert_true(mount_at(w, "/cache")->writable);
	assert_int_equal(mount_at(w, "/hosts")->kind, MOUNT_BIND);
	assert_string_equal(mount_at(w, "/data")->source, "/srv/data");
	assert_int_equal(mount_at(w, "/win")->kind, MOUNT_BIND);
	assert_string_equal(mount_at(w, "/win")->source, "C:\\data");
	m = mount_at(w, "/logs");
	assert_int_equal(m->kind, MOUNT_VOLUME);
	assert_false(m->writable);
	assert_int_equal(mount_at(w, "/anon2")->kind, MOUNT_ANONYMOUS);
	assert_int_equal(mount_at(w, "/img")->kind, MOUNT_OTHER);
	assert_false(mount_at(w, "/img")->writable);
	assert_int_equal(mount_at(w, "\\\\.\\pipe\\x")->kind, MOUNT_OTHER);
	expect_note(w, "volume \"aa:bb:cc:dd\" is not valid");
	expect_note(w, "volume \"\" is not valid");
	expect_note(w, "the volumes entry at line 26 has no type");
	assert_int_equal(w->n_mounts, 12);
	unsetenv("RLC_DATA");
}

/* --- privileges, capabilities, security options, labels --- */

static void test_privileges(void **state)
{
	struct fixture *fx = *state;
	unsetenv("RLC_PRIV");
	lint_text(fx, "services:\n"
		      "  priv: {read_only: true, privileged: true}\n"
		      "  notpriv: {read_only: true, privileged: \"false\"}\n"
		      "  unsure: {read_only: true, privileged: \"${RLC_PRIV}\"}\n"
		      "  sa: {read_only: true, cap_add: [NET_ADMIN, SYS_ADMIN]}\n"
		      "  cap: {read_only: true, cap_add: [cap_sys_admin]}\n"
		      "  all: {read_only: true, cap_add: [all]}\n"
		      "  net: {read_only: true, cap_add: [NET_ADMIN, CAP_SYS_MODULE]}\n"
		      "  aa: {read_only: true, security_opt: [\"apparmor=unconfined\"]}\n"
		      "  aa2: {read_only: true, security_opt: [\"apparmor:unconfined\"]}\n"
		      "  sc: {read_only: true, security_opt: [\"seccomp=unconfined\", "
		      "\"label:disable\"]}\n"
		      "  sc2: {read_only: true, security_opt: [\"seccomp:unconfined\"]}\n"
		      "  nnp: {read_only: true, security_opt: [\"no-new-privileges:true\", "
		      "\"seccomp=./profile.json\"]}\n");
	assert_true(svc(fx, "priv")->privileged);
	assert_int_equal(judge(svc(fx, "priv")), VERDICT_WARN);
	assert_false(svc(fx, "notpriv")->privileged);
	assert_int_equal(judge(svc(fx, "notpriv")), VERDICT_PASS);
	/* What may be privileged counts as privileged, and says why. */
	assert_true(svc(fx, "unsure")->privileged);
	expect_note(svc(fx, "unsure"), "privileged is \"${RLC_PRIV}\", which cannot be resolved: "
				       "RLC_PRIV is not set (set it, or give a default: "
				       "${RLC_PRIV:-false}); counted as privileged");
	assert_true(svc(fx, "sa")->cap_sys_admin);
	assert_true(svc(fx, "cap")->cap_sys_admin);
	assert_true(svc(fx, "all")->cap_sys_admin);
	assert_int_equal(judge(svc(fx, "all")), VERDICT_WARN);
	assert_false(svc(fx, "net")->cap_sys_admin);
	assert_false(svc(fx, "net")->privileged);
	assert_true(svc(fx, "aa")->apparmor_unconfined);
	assert_false(svc(fx, "aa")->seccomp_unconfined);
	assert_true(svc(fx, "aa2")->apparmor_unconfined);
	assert_true(svc(fx, "sc")->seccomp_unconfined);
	assert_false(svc(fx, "sc")->apparmor_unconfined);
	assert_true(svc(fx, "sc2")->seccomp_unconfined);
	assert_false(svc(fx, "nnp")->seccomp_unconfined);
	assert_false(svc(fx, "nnp")->apparmor_unconfined);
}

static void test_labels_and_exemption(void **state)
{
	struct fixture *fx = *state;
	setenv("RLC_TICKET", "OPS-7", 1);
	lint_text(fx, "services:\n"
		      "  map:\n"
		      "    labels:\n"
		      "      com.example.team: shop\n"
		      "      rootlock.exempt: \"vendor image, ${RLC_TICKET}\"\n"
		      "  list:\n"
		      "    labels:\n"
		      "      - com.example.team=shop\n"
		      "      - rootlock.exempt=legacy=yes\n"
		      "  empty:\n"
		      "    labels: [rootlock.exempt]\n"
		      "  none:\n"
		      "    labels: {rootlock.exempt.not: x, other: 1}\n");
	const struct workload *w = svc(fx, "map");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "vendor image, OPS-7");
	assert_int_equal(judge(w), VERDICT_EXEMPT);
	w = svc(fx, "list");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "legacy=yes");
	w = svc(fx, "empty");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "");
	assert_int_equal(judge(w), VERDICT_FAIL);
	assert_false(svc(fx, "none")->has_exempt_label);
	assert_null(svc(fx, "none")->exempt_reason);
	unsetenv("RLC_TICKET");
}

/* --- anchors, merge keys, x- keys, Swarm --- */

static void test_anchors_and_merge_keys(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "x-ro: &ro\n"
		      "  read_only: true\n"
		      "  cap_add: [SYS_ADMIN]\n"
		      "x-rw: &rw\n"
		      "  read_only: false\n"
		      "  image: base\n"
		      "x-labels: &labels\n"
		      "  rootlock.exempt: from the anchor\n"
		      "x-more: &more\n"
		      "  merged: {image: m}\n"
		      "services:\n"
		      "  <<: *more\n"
		      "  a:\n"
		      "    <<: *ro\n"
		      "    image: a\n"
		      "  b:\n"
		      "    <<: [*rw, *ro]\n"
		      "  c:\n"
		      "    <<: *ro\n"
		      "    read_only: false\n"
		      "  d: *ro\n"
		      "  e:\n"
		      "    labels:\n"
		      "      <<: *labels\n"
		      "      team: x\n");
	assert_int_equal(n_workloads(fx), 6);
	const struct workload *a = svc(fx, "a");
	assert_true(a->readonly_rootfs);
	assert_true(a->cap_sys_admin);
	/* The key to change is in the anchor. */
	expect_at(a, "compose.yaml", 2, 3);
	assert_string_equal(a->image, "a");
	/* Earlier maps of a merge list win. */
	const struct workload *b = svc(fx, "b");
	assert_false(b->readonly_rootfs);
	expect_at(b, "compose.yaml", 5, 3);
	assert_string_equal(b->image, "base");
	assert_true(b->cap_sys_admin);
	/* Explicit keys win over merged ones. */
	assert_false(svc(fx, "c")->readonly_rootfs);
	expect_at(svc(fx, "c"), "compose.yaml", 20, 5);
	/* A service that is an alias is linted under its own name. */
	assert_true(svc(fx, "d")->readonly_rootfs);
	assert_string_equal(svc(fx, "d")->name, "d");
	assert_true(svc(fx, "e")->has_exempt_label);
	assert_string_equal(svc(fx, "e")->exempt_reason, "from the anchor");
	/* Services merged into services: are services. */
	assert_string_equal(svc(fx, "merged")->image, "m");
	expect_at(svc(fx, "merged"), "compose.yaml", 10, 3);
	assert_false(has_svc(fx, "x-ro"));
}

static void test_x_keys(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "x-defaults:\n"
		      "  services:\n"
		      "    ghost: {image: g}\n"
		      "services:\n"
		      "  web:\n"
		      "    image: nginx\n"
		      "    x-read_only: true\n"
		      "    x-rootlock: {read_only: true}\n"
		      "  x-kiosk:\n"
		      "    image: kiosk\n"
		      "    read_only: true\n");
	assert_false(has_svc(fx, "ghost"));
	assert_false(svc(fx, "web")->readonly_rootfs);
	/* docker compose runs a service named x-* (compose-go #413): it is linted. */
	assert_true(svc(fx, "x-kiosk")->readonly_rootfs);
	assert_int_equal(fx->r.n, 2);
}

static void test_swarm_kind(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  web:\n"
		      "    image: nginx\n"
		      "    deploy:\n"
		      "      replicas: 3\n"
		      "  job:\n"
		      "    image: job\n");
	assert_string_equal(svc(fx, "web")->origin.kind, "swarm");
	assert_string_equal(svc(fx, "job")->origin.kind, "compose");
}

/* --- extends --- */

static void test_extends_same_file(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  base:\n"
		      "    image: base\n"
		      "    read_only: true\n"
		      "    cap_add: [NET_ADMIN]\n"
		      "    tmpfs: [/run]\n"
		      "    volumes: [\"data:/data\", \"/cache\"]\n"
		      "    labels: {team: a, tier: back}\n"
		      "    deploy: {replicas: 2}\n"
		      "  short:\n"
		      "    extends: base\n"
		      "  long:\n"
		      "    extends:\n"
		      "      service: base\n"
		      "    read_only: false\n"
		      "    image: long\n"
		      "    cap_add: [SYS_ADMIN]\n"
		      "    tmpfs: [/tmp]\n"
		      "    volumes: [\"other:/data:ro\"]\n"
		      "    labels: {team: b}\n"
		      "  chain:\n"
		      "    extends: long\n"
		      "    container_name: chained\n");
	const struct workload *s = svc(fx, "short");
	assert_true(s->readonly_rootfs);
	/* read_only comes from the base: that is where to change it. */
	expect_at(s, "compose.yaml", 4, 5);
	assert_string_equal(s->image, "base");
	assert_string_equal(s->name, "short");
	assert_string_equal(s->origin.kind, "swarm");

	const struct workload *l = svc(fx, "long");
	assert_false(l->readonly_rootfs);
	expect_at(l, "compose.yaml", 15, 5);
	assert_string_equal(l->image, "long");
	assert_true(l->cap_sys_admin);
	assert_int_equal(l->n_mounts, 4); /* /cache /data /run /tmp */
	assert_int_equal(mount_at(l, "/data")->kind, MOUNT_VOLUME);
	assert_string_equal(mount_at(l, "/data")->source, "other");
	assert_false(mount_at(l, "/data")->writable);
	mount_at(l, "/run");
	mount_at(l, "/tmp");

	const struct workload *c = svc(fx, "chain");
	assert_false(c->readonly_rootfs);
	expect_at(c, "compose.yaml", 15, 5);
	assert_string_equal(c->name, "chained");
	assert_true(c->cap_sys_admin);
	assert_int_equal(n_standalone(fx), 0);
}

static void test_extends_other_files(void **state)
{
	struct fixture *fx = *state;
	setenv("RLC_BASE", "common", 1);
	put("app/common/base.yaml", "services:\n"
				    "  hardened:\n"
				    "    read_only: true\n"
				    "    security_opt: [\"seccomp=unconfined\"]\n"
				    "  deeper:\n"
				    "    extends: {file: ../more/more.yaml, service: m}\n");
	put("app/more/more.yaml", "services:\n"
				  "  m:\n"
				  "    image: from-more\n"
				  "    privileged: true\n"
				  "    read_only: true\n");
	put("app/compose.yaml", "services:\n"
				"  web:\n"
				"    extends:\n"
				"      file: ${RLC_BASE}/base.yaml\n"
				"      service: hardened\n"
				"    image: web\n"
				"  worker:\n"
				"    extends: {file: ./common/base.yaml, service: deeper}\n");
	lint_files(fx, "app/compose.yaml", NULL);
	const struct workload *w = svc(fx, "web");
	assert_true(w->readonly_rootfs);
	assert_true(w->seccomp_unconfined);
	expect_at(w, "app/common/base.yaml", 3, 5);
	assert_string_equal(w->image, "web");
	w = svc(fx, "worker");
	assert_true(w->readonly_rootfs);
	assert_true(w->privileged);
	assert_string_equal(w->image, "from-more");
	expect_at(w, "app/more/more.yaml", 5, 5);
	assert_int_equal(judge(w), VERDICT_WARN);
	/* Only the project's own services are workloads. */
	assert_int_equal(fx->r.n, 2);
	unsetenv("RLC_BASE");
}

static void test_extends_problems(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  self:\n"
		      "    extends: self\n"
		      "  a:\n"
		      "    extends: b\n"
		      "    read_only: true\n"
		      "  b:\n"
		      "    extends: {service: a}\n"
		      "  c:\n"
		      "    extends: a\n"
		      "  lost:\n"
		      "    extends: nowhere\n"
		      "    read_only: true\n"
		      "  blank:\n"
		      "    extends: {file: x.yaml}\n"
		      "  str: just a string\n"
		      "  to-str:\n"
		      "    extends: str\n");
	/* Every service is still linted with what it has. */
	assert_int_equal(n_workloads(fx), 7);
	assert_true(svc(fx, "a")->readonly_rootfs);
	assert_true(svc(fx, "lost")->readonly_rootfs);
	const struct lint_finding *f = standalone_with(fx, "extends cycle: self -> self");
	assert_int_equal(f->w.origin.line, 3);
	assert_int_equal(f->w.origin.column, 5);
	assert_string_equal(f->w.origin.workload, "self");
	assert_int_equal(f->verdict, VERDICT_FAIL);
	/* One finding for the a/b cycle, wherever it is entered from. */
	f = standalone_with(fx, "extends cycle: a -> b -> a; docker compose refuses it");
	assert_int_equal(f->w.origin.line, 5);
	f = standalone_with(fx, "service \"lost\" extends \"nowhere\", which compose.yaml does "
				"not define");
	assert_int_equal(f->w.origin.line, 12);
	standalone_with(fx, "extends of service \"blank\" names no service");
	standalone_with(fx, "service \"str\" must be a mapping");
	standalone_with(fx, "service \"to-str\" extends \"str\", which is not a mapping");
	assert_int_equal(n_standalone(fx), 6);
}

static void test_extends_depth(void **state)
{
	struct fixture *fx = *state;
	char text[4096] = "services:\n  s0: {read_only: true}\n";
	for (int i = 1; i <= 20; i++) {
		size_t len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "  s%d: {extends: s%d}\n", i, i - 1);
	}
	lint_text(fx, text);
	assert_int_equal(n_workloads(fx), 21);
	assert_true(svc(fx, "s16")->readonly_rootfs);
	standalone_with(fx, "is longer than 16 services");
}

static void test_extends_unreadable_file_is_an_error(void **state)
{
	struct fixture *fx = *state;
	put("compose.yaml", "services:\n  web:\n    extends: {file: missing.yaml, service: x}\n");
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EIO);
	assert_non_null(strstr(fx->err.msg, "compose.yaml:3:5: extends: cannot read "
					    "'missing.yaml'"));
	put("bad.yaml", "services: [\n");
	put("compose.yaml", "services:\n  web:\n    extends: {file: bad.yaml, service: x}\n");
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EPARSE);
	assert_non_null(strstr(fx->err.msg, "bad.yaml:2:1: invalid YAML"));
}

/* --- include --- */

static void test_include(void **state)
{
	struct fixture *fx = *state;
	unsetenv("RLC_INC");
	unsetenv("RLC_SUB");
	put("db/compose.yaml", "services:\n"
			       "  db:\n"
			       "    image: postgres\n"
			       "    read_only: ${RLC_SUB:-false}\n");
	put("db/.env", "RLC_SUB=true\n");
	put("cache/cache.yaml", "services:\n"
				"  cache:\n"
				"    read_only: $RLC_INC\n");
	put("cache/inc.env", "RLC_INC=yes\n");
	put("mq/mq.yaml", "include: [../db/compose.yaml]\n"
			  "services:\n"
			  "  mq: {image: mq}\n");
	put("compose.yaml", "include:\n"
			    "  - db/compose.yaml\n"
			    "  - path: cache/cache.yaml\n"
			    "    env_file: cache/inc.env\n"
			    "  - path: [mq/mq.yaml]\n"
			    "services:\n"
			    "  web:\n"
			    "    image: web\n"
			    "  api:\n"
			    "    extends: db\n");
	lint_files(fx, "compose.yaml", NULL);
	/* Included services are reported where they are defined. */
	const struct workload *db = svc(fx, "db");
	assert_true(db->readonly_rootfs); /* from db/.env */
	expect_at(db, "db/compose.yaml", 4, 5);
	const struct workload *cache = svc(fx, "cache");
	assert_true(cache->readonly_rootfs);
	expect_at(cache, "cache/cache.yaml", 3, 5);
	expect_at(svc(fx, "mq"), "mq/mq.yaml", 3, 3);
	expect_at(svc(fx, "web"), "compose.yaml", 7, 3);
	/* extends without file: finds an included service. */
	assert_true(svc(fx, "api")->readonly_rootfs);
	assert_string_equal(svc(fx, "api")->image, "postgres");
	/* db/compose.yaml, included twice (diamond), is no conflict. */
	assert_int_equal(n_standalone(fx), 0);
	assert_int_equal(fx->r.n, 5);
}

static void test_include_problems(void **state)
{
	struct fixture *fx = *state;
	put("a.yaml", "include: [b.yaml]\nservices:\n  a: {image: a}\n");
	put("b.yaml", "include: [a.yaml]\nservices:\n  b: {image: b}\n");
	put("twice.yaml", "services:\n  web: {image: other}\n");
	put("compose.yaml", "include:\n"
			    "  - a.yaml\n"
			    "  - twice.yaml\n"
			    "  - {project_directory: .}\n"
			    "services:\n"
			    "  web: {image: web}\n");
	lint_files(fx, "compose.yaml", NULL);
	const struct lint_finding *f =
		standalone_with(fx, "include cycle: a.yaml -> b.yaml -> a.yaml; docker compose "
				    "refuses it");
	/* At the entry of the cycle's first file, whichever file the lint starts from. */
	assert_string_equal(f->w.origin.file, "a.yaml");
	assert_int_equal(f->w.origin.line, 1);
	assert_int_equal(f->w.origin.column, 11);
	lint_files(fx, "b.yaml", NULL);
	f = standalone_with(fx, "include cycle: a.yaml -> b.yaml -> a.yaml; docker compose "
				"refuses it");
	assert_string_equal(f->w.origin.file, "a.yaml");
	assert_int_equal(f->w.origin.line, 1);
	lint_files(fx, "compose.yaml", NULL);
	f = standalone_with(fx, "service \"web\" is also defined in twice.yaml, which this file "
				"includes");
	assert_string_equal(f->w.origin.file, "compose.yaml");
	assert_int_equal(f->w.origin.line, 6);
	standalone_with(fx, "include entry names no file");
	assert_string_equal(svc(fx, "web")->image, "web");
	assert_true(has_svc(fx, "a"));
	assert_true(has_svc(fx, "b"));

	put("compose.yaml", "include: [nothere.yaml]\n");
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EIO);
	assert_non_null(strstr(fx->err.msg, "compose.yaml:1:11: include: cannot read "
					    "'nothere.yaml'"));
	/* Never a device or a FIFO: it could block or never end. */
	put("compose.yaml", "include: [/dev/zero]\n");
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EIO);
	assert_non_null(strstr(fx->err.msg, "cannot read '/dev/zero': not a regular file"));
	put("compose.yaml", "services:\n  a: {extends: {file: /dev/stdin, service: a}}\n");
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EIO);
	put("compose.yaml", "include:\n  - path: twice.yaml\n    env_file: none.env\n");
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EIO);
	assert_non_null(strstr(fx->err.msg, "none.env"));
	put("compose.yaml", "include: twice.yaml\n");
	lint_files(fx, "compose.yaml", NULL);
	standalone_with(fx, "include must be a list");
}

static void test_include_depth(void **state)
{
	struct fixture *fx = *state;
	char name[32], text[128];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "f%d.yaml", i);
		snprintf(text, sizeof(text), "include: [f%d.yaml]\nservices:\n  s%d: {image: x}\n",
			 i + 1, i);
		put(name, text);
	}
	put("f20.yaml", "services:\n  s20: {image: x}\n");
	lint_files(fx, "f0.yaml", NULL);
	standalone_with(fx, "include nested deeper than 16 files");
	assert_true(has_svc(fx, "s16"));
	assert_false(has_svc(fx, "s18"));
}

/* --- several files --- */

/* Does the YAML loader keep `!override` on a sequence? */
static bool tag_on_sequences(void)
{
	static const char text[] = "a: !override [x]\n";
	struct ystream s;
	struct rl_error err = {0};
	assert_int_equal(ystream_load(text, strlen(text), "t.yaml", &s, &err), 0);
	bool kept = streq(ymap_get(s.docs[0].root, "a")->tag, "!override");
	ystream_release(&s);
	return kept;
}

static void test_files_merge_in_order(void **state)
{
	struct fixture *fx = *state;
	put("compose.yaml", "services:\n"
			    "  web:\n"
			    "    image: nginx\n"
			    "    cap_add: [NET_ADMIN]\n"
			    "    tmpfs: [/run]\n"
			    "    volumes: [\"data:/data\"]\n"
			    "    labels: [team=a]\n"
			    "  db:\n"
			    "    image: db\n"
			    "    read_only: true\n"
			    "  cache:\n"
			    "    read_only: true\n"
			    "    cap_add: [SYS_ADMIN]\n");
	put("compose.override.yaml", "services:\n"
				     "  web:\n"
				     "    read_only: true\n"
				     "    image: nginx:2\n"
				     "    cap_add: [SYS_ADMIN]\n"
				     "    tmpfs: [/tmp]\n"
				     "    volumes: [\"./data:/data:ro\"]\n"
				     "    labels: {rootlock.exempt: ok}\n"
				     "  db:\n"
				     "    read_only: !reset null\n"
				     "  cache:\n"
				     "    cap_add: !override [NET_RAW]\n"
				     "  new:\n"
				     "    image: new\n");
	lint_files(fx, "compose.yaml", "compose.override.yaml", NULL);
	assert_int_equal(fx->r.n, 4);
	const struct workload *w = svc(fx, "web");
	assert_true(w->readonly_rootfs);
	expect_at(w, "compose.override.yaml", 3, 5);
	assert_string_equal(w->image, "nginx:2");
	assert_true(w->cap_sys_admin);
	assert_int_equal(w->n_mounts, 3);
	assert_int_equal(mount_at(w, "/data")->kind, MOUNT_BIND);
	assert_false(mount_at(w, "/data")->writable);
	assert_true(w->has_exempt_label);
	/* !reset: as if never set; the name is the place again. */
	const struct workload *db = svc(fx, "db");
	assert_false(db->readonly_rootfs);
	expect_at(db, "compose.yaml", 8, 3);
	/*
	 * !override [NET_RAW] replaces cap_add, when the loader keeps tags on
	 * sequences (yamldoc.c keeps them on scalars only, for now).
	 */
	if (tag_on_sequences())
		assert_false(svc(fx, "cache")->cap_sys_admin);
	expect_at(svc(fx, "new"), "compose.override.yaml", 13, 3);
	assert_int_equal(n_standalone(fx), 0);

	/* The other order: the base file's settings win now. */
	lint_files(fx, "compose.override.yaml", "compose.yaml", NULL);
	assert_string_equal(svc(fx, "web")->image, "nginx");
	expect_at(svc(fx, "web"), "compose.override.yaml", 3, 5);
	assert_true(svc(fx, "db")->readonly_rootfs);
	expect_at(svc(fx, "db"), "compose.yaml", 10, 5);
	assert_int_equal(mount_at(svc(fx, "web"), "/data")->kind, MOUNT_VOLUME);
}

static void test_documents_merge(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  web: {image: a}\n"
		      "---\n"
		      "services:\n"
		      "  web: {read_only: true}\n"
		      "---\n"
		      "---\n"
		      "- not a mapping\n");
	assert_true(svc(fx, "web")->readonly_rootfs);
	assert_string_equal(svc(fx, "web")->image, "a");
	expect_at(svc(fx, "web"), "compose.yaml", 5, 9);
	const struct lint_finding *f = standalone_with(fx, "must be a mapping at the top level");
	assert_int_equal(f->w.origin.line, 8);
}

static void test_parsed_input(void **state)
{
	struct fixture *fx = *state;
	static const char text[] = "services:\n  web: {read_only: true}\n";
	struct ystream s;
	struct rl_error err = {0};
	assert_int_equal(ystream_load(text, strlen(text), "<stdin>", &s, &err), 0);
	struct compose_input in = {.path = "<stdin>", .parsed = &s};
	assert_int_equal(compose_lint(&in, 1, &fx->env, &fx->r, &err), 0);
	assert_true(svc(fx, "web")->readonly_rootfs);
	expect_at(svc(fx, "web"), "<stdin>", 2, 9);
	ystream_release(&s);
}

/* --- bad input --- */

static void test_bad_shapes(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services: [web, db]\n");
	const struct lint_finding *f = standalone_with(fx, "services must be a mapping");
	assert_string_equal(f->w.origin.file, "compose.yaml");
	assert_int_equal(f->w.origin.line, 1);
	assert_int_equal(f->w.origin.column, 1);
	assert_string_equal(f->w.origin.kind, "compose");
	assert_int_equal(fx->r.n, 1);

	lint_text(fx, "services:\n  web:\n  db: 3\n  ? [a]\n  : {image: x}\n");
	assert_false(svc(fx, "web")->readonly_rootfs);
	standalone_with(fx, "service \"db\" must be a mapping");
	assert_int_equal(fx->r.n, 2);

	lint_text(fx, "");
	assert_int_equal(fx->r.n, 0);
	lint_text(fx, "services:\nversion: '3'\n");
	assert_int_equal(fx->r.n, 0);
	lint_text(fx, "just text\n");
	standalone_with(fx, "must be a mapping at the top level");
}

static void test_unreadable_and_invalid(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(lint_error(fx, "nothere.yaml"), RL_EIO);
	assert_non_null(strstr(fx->err.msg, "cannot read 'nothere.yaml'"));
	put("compose.yaml", "services:\n  web: [\n");
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EPARSE);
	assert_non_null(strstr(fx->err.msg, "compose.yaml:3:1: invalid YAML"));
	/* A second file that fails fails the project: nothing half-merged is reported. */
	put("ok.yaml", "services:\n  web: {image: x}\n");
	struct compose_input in[2] = {{.path = "ok.yaml"}, {.path = "compose.yaml"}};
	assert_true(compose_lint(in, 2, &fx->env, &fx->r, &fx->err) < 0);
	assert_int_equal(fx->r.n, 0);
	assert_int_equal(compose_lint(NULL, 0, &fx->env, &fx->r, &fx->err), RL_EUSAGE);
}

/* --- bounded work --- */

static void test_alias_bombs_are_cheap(void **state)
{
	struct fixture *fx = *state;
	/*
	 * 10^9 labels through nested aliases: only the first level is a label
	 * list. Expanded, this would never finish; no clock needed to tell.
	 */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "x-a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (char ch = 'b'; ch <= 'j'; ch++)
		strbuf_addf(&sb, "x-%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
			    ch, ch, ch - 1, ch - 1, ch - 1, ch - 1, ch - 1, ch - 1, ch - 1, ch - 1,
			    ch - 1, ch - 1);
	/* A map that merges itself many times over: each map is searched once. */
	strbuf_addstr(&sb, "x-m: &m {<<: [*m, *m, *m, *m, *m, *m, *m, *m], image: m}\n"
			   "services:\n"
			   "  web:\n"
			   "    labels: *j\n"
			   "    volumes: *j\n"
			   "    tmpfs: *j\n"
			   "    cap_add: *j\n"
			   "  merged:\n"
			   "    <<: *m\n");
	lint_text(fx, sb.buf);
	strbuf_release(&sb);
	assert_false(svc(fx, "web")->readonly_rootfs);
	assert_string_equal(svc(fx, "merged")->image, "m");
}

static void test_work_budget(void **state)
{
	struct fixture *fx = *state;
	/* 6000 services that each point at 6000 volumes: refused by the work budget. */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "x-v: &v [");
	for (int i = 0; i < 6000; i++)
		strbuf_addf(&sb, "%s/v%d", i ? ", " : "", i);
	strbuf_addstr(&sb, "]\nservices:\n");
	for (int i = 0; i < 6000; i++)
		strbuf_addf(&sb, "  s%d: {volumes: *v}\n", i);
	put("compose.yaml", sb.buf);
	strbuf_release(&sb);
	assert_int_equal(lint_error(fx, "compose.yaml"), RL_EPARSE);
	assert_non_null(strstr(fx->err.msg, "entries to read"));

	/* Many plain services are fine. */
	sb = (struct strbuf)STRBUF_INIT;
	strbuf_addstr(&sb, "services:\n");
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&sb, "  s%d: {image: x, read_only: true, tmpfs: [/tmp]}\n", i);
	lint_text(fx, sb.buf);
	strbuf_release(&sb);
	assert_int_equal(fx->r.n, 20000);
}

/* --- the shared corpus: real files written by other people --- */

static int corpus_count(const char *path, size_t *services, struct lint_results *r)
{
	struct compose_env env = {.use_process_env = false};
	strv_add(&env.vars, "RLC_CORPUS=1"); /* so no .env is looked for */
	struct compose_input in = {.path = path};
	struct rl_error err = {0};
	size_t before = r->n;
	int ret = compose_lint(&in, 1, &env, r, &err);
	strv_release(&env.vars);
	if (ret < 0)
		fail_msg("%s: %s", path, err.msg);
	for (size_t i = before; i < r->n; i++)
		if (r->v[i].standalone)
			fail_msg("%s: unexpected finding %s", path, r->v[i].message);
	*services += r->n - before;
	return ret;
}

static const struct workload *corpus_svc(const struct lint_results *r, const char *file_end,
					 const char *service)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct origin *o = &r->v[i].w.origin;
		size_t fl = strlen(o->file), el = strlen(file_end);
		if (fl >= el && streq(o->file + fl - el, file_end) && streq(o->workload, service))
			return &r->v[i].w;
	}
	fail_msg("no service %s in %s", service, file_end);
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_awesome_compose_corpus(void **state)
{
	(void)state;
	const char *root = SHARED_CORPUS "/awesome-compose";
	DIR *d = opendir(root);
	if (!d) {
		skip();
		return;
	}
	struct strv files = STRV_INIT;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		static const char *const names[] = {"compose.yaml", "compose.yml",
						    "docker-compose.yaml", "docker-compose.yml"};
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			char *p = xasprintf("%s/%s/%s", root, e->d_name, names[i]);
			if (access(p, R_OK) == 0)
				strv_push(&files, p);
			else
				free(p);
		}
	}
	closedir(d);
	qsort(files.v, files.n, sizeof(*files.v), name_cmp);
	struct lint_results r = {0};
	size_t services = 0;
	for (size_t i = 0; i < files.n; i++)
		corpus_count(files.v[i], &services, &r);
	/* Counted independently with PyYAML: 39 files, 81 services. */
	assert_int_equal(files.n, 39);
	assert_int_equal(services, 81);
	/* None sets read_only: every one fails. */
	for (size_t i = 0; i < r.n; i++) {
		assert_false(r.v[i].w.readonly_rootfs);
		assert_int_equal(judge(&r.v[i].w), VERDICT_FAIL);
	}

	/* A volume's read_only is not the service's. */
	const struct workload *w = corpus_svc(&r, "/nginx-golang/compose.yaml", "proxy");
	assert_int_equal(w->origin.line, 2);
	assert_int_equal(w->origin.column, 3);
	const struct mount *m = &w->mounts[0];
	assert_int_equal(w->n_mounts, 1);
	assert_string_equal(m->target, "/etc/nginx/conf.d/default.conf");
	assert_int_equal(m->kind, MOUNT_BIND);
	assert_false(m->writable);
	/* deploy: makes it a Swarm service; indented by one space. */
	w = corpus_svc(&r, "/minecraft/compose.yaml", "minecraft");
	assert_string_equal(w->origin.kind, "swarm");
	assert_int_equal(w->origin.line, 2);
	assert_int_equal(w->origin.column, 2);
	assert_int_equal(w->mounts[0].kind, MOUNT_BIND);
	assert_string_equal(w->mounts[0].source, "~/minecraft_data");
	/* NET_ADMIN and SYS_MODULE are not SYS_ADMIN; container_name names it. */
	w = corpus_svc(&r, "/wireguard/compose.yaml", "wireguard");
	assert_false(w->cap_sys_admin);
	assert_string_equal(w->name, "wireguard");
	assert_int_equal(w->n_mounts, 3);
	w = corpus_svc(&r, "/pihole-cloudflared-DoH/compose.yaml", "pihole");
	assert_int_equal(w->origin.line, 18);
	assert_string_equal(w->image, "pihole/pihole:latest");
	assert_false(w->cap_sys_admin);
	/* ${PLEX_MEDIA_PATH} unset leaves ":/media/", which Compose refuses too. */
	w = corpus_svc(&r, "/plex/compose.yaml", "plex");
	assert_int_equal(w->n_mounts, 0);
	expect_note(w, "volume \":/media/\" is not valid");
	lint_results_release(&r);
	strv_release(&files);
}

/* --- defeaters: the rule reads the mounts and settings lint fills --- */

static void test_defeaters(void **state)
{
	struct fixture *fx = *state;
	lint_text(fx, "services:\n"
		      "  agent:\n"
		      "    read_only: true\n"
		      "    volumes:\n"
		      "      - /var/run/docker.sock:/var/run/docker.sock:ro\n"
		      "  ctrd:\n"
		      "    read_only: true\n"
		      "    volumes:\n"
		      "      - type: bind\n"
		      "        source: /run/containerd/containerd.sock\n"
		      "        target: /ctrd.sock\n"
		      "        read_only: true\n"
		      "  crio:\n"
		      "    read_only: true\n"
		      "    volumes: [\"/var/run/crio/crio.sock:/crio.sock\"]\n"
		      "  hostfs:\n"
		      "    read_only: true\n"
		      "    volumes:\n"
		      "      - type: bind\n"
		      "        source: /\n"
		      "        target: /host\n"
		      "  data:\n"
		      "    read_only: true\n"
		      "    volumes: [\"/var/lib/docker:/docker\"]\n"
		      "  dataro:\n"
		      "    read_only: true\n"
		      "    volumes: [\"/var/lib/docker:/docker:ro\", \"./conf:/conf\"]\n"
		      "  debug:\n"
		      "    read_only: true\n"
		      "    pid: host\n"
		      "    cap_add: [SYS_PTRACE]\n"
		      "  pidonly:\n"
		      "    read_only: true\n"
		      "    pid: host\n"
		      "  monitor:\n"
		      "    read_only: true\n"
		      "    volumes: [\"/var/run/docker.sock:/var/run/docker.sock:ro\"]\n"
		      "    labels: {rootlock.exempt: \"monitoring agent, reads stats (OPS-7)\"}\n");
	assert_int_equal(judge(svc(fx, "agent")), VERDICT_WARN);
	assert_int_equal(judge(svc(fx, "ctrd")), VERDICT_WARN);
	assert_int_equal(judge(svc(fx, "crio")), VERDICT_WARN);
	assert_int_equal(judge(svc(fx, "hostfs")), VERDICT_WARN);
	assert_int_equal(judge(svc(fx, "data")), VERDICT_WARN);
	assert_int_equal(judge(svc(fx, "dataro")), VERDICT_PASS);
	assert_true(svc(fx, "debug")->pid_host);
	assert_true(svc(fx, "debug")->cap_sys_ptrace);
	assert_int_equal(judge(svc(fx, "debug")), VERDICT_WARN);
	assert_int_equal(judge(svc(fx, "pidonly")), VERDICT_PASS);
	assert_int_equal(judge(svc(fx, "monitor")), VERDICT_EXEMPT);

	struct judgement j;
	rule_judge(svc(fx, "agent"), NULL, &j);
	assert_non_null(strstr(j.remediation, "In compose.yaml, service \"agent\": remove the "
					      "`volumes:` entry that binds /var/run/docker.sock."));
	judgement_release(&j);
}

/* A later file's pid: !reset takes the defeater away again. */
static void test_pid_merge(void **state)
{
	struct fixture *fx = *state;
	put("compose.yaml", "services:\n  s:\n    read_only: true\n    pid: host\n"
			    "    cap_add: [ALL]\n");
	put("compose.override.yaml", "services:\n  s:\n    pid: !reset null\n");
	lint_files(fx, "compose.yaml", NULL);
	assert_true(svc(fx, "s")->pid_host);
	lint_files(fx, "compose.yaml", "compose.override.yaml", NULL);
	assert_false(svc(fx, "s")->pid_host);
	assert_true(svc(fx, "s")->cap_sys_ptrace);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_readonly_and_positions),
		T(test_boolean_spellings),
		T(test_interpolation_forms),
		T(test_env_vars_and_precedence),
		T(test_dotenv_file),
		T(test_volume_read_only_is_not_the_service),
		T(test_tmpfs),
		T(test_volumes),
		T(test_privileges),
		T(test_labels_and_exemption),
		T(test_anchors_and_merge_keys),
		T(test_x_keys),
		T(test_swarm_kind),
		T(test_extends_same_file),
		T(test_extends_other_files),
		T(test_extends_problems),
		T(test_extends_depth),
		T(test_extends_unreadable_file_is_an_error),
		T(test_include),
		T(test_include_problems),
		T(test_include_depth),
		T(test_files_merge_in_order),
		T(test_documents_merge),
		T(test_parsed_input),
		T(test_bad_shapes),
		T(test_unreadable_and_invalid),
		T(test_alias_bombs_are_cheap),
		T(test_work_budget),
		cmocka_unit_test(test_awesome_compose_corpus),
		T(test_defeaters),
		T(test_pid_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
