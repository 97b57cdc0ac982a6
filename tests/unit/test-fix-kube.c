/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fileio.h"
#include "fix.h"
#include "lint.h"
#include "yamldoc.h"

/* Defined in fix-kube.c, for these tests. */
char *fix_kube_image_normalize(const char *ref);

/* /run and /tmp as tmpfs (one with an owner), /var/lib/mysql a volume. */
static struct plan_mount mounts[] = {
	{.type = PLAN_TMPFS, .target = "/run", .options = "mode=0755,uid=101,gid=101,size=64m"},
	{.type = PLAN_TMPFS, .target = "/tmp", .options = "size=1g"},
	{.type = PLAN_VOLUME, .target = "/var/lib/mysql", .volume = "db-var-lib-mysql"},
};
static const struct plan plan = {.mounts = mounts, .n_mounts = ARRAY_SIZE(mounts)};

static struct plan_mount tmp_only[] = {
	{.type = PLAN_TMPFS, .target = "/tmp", .options = "size=8m"},
};
static const struct plan tmp_plan = {.mounts = tmp_only, .n_mounts = 1};

static void edit_free(struct fix_edit *e)
{
	free(e->text);
	strv_release(&e->notes);
	memset(e, 0, sizeof(*e));
}

static bool has_note(const struct fix_edit *e, const char *part)
{
	for (size_t i = 0; i < e->notes.n; i++)
		if (strstr(e->notes.v[i], part))
			return true;
	return false;
}

/* An init container of that name runs the image too, and is left as it is. */
static const char *init_container;

/*
 * The edited manifest, read by lint's Kubernetes reader: every container
 * (not init container) running image is read-only and has a tmpfs at each of the plan's tmpfs
 * paths.
 */
static void check_lint_reads_fixed(const char *text, size_t len, const char *image,
				   const struct plan *p)
{
	struct ystream docs;
	struct rl_error err = {0};
	if (ystream_load(text, len, "fixed.yaml", &docs, &err) < 0)
		fail_msg("the fixed manifest does not load: %s", err.msg);
	struct lint_results res = {0};
	assert_int_equal(kube_lint(&docs, "fixed.yaml", &res, &err), 0);
	_cleanup_free_ char *want = fix_kube_image_normalize(image);
	size_t checked = 0;
	for (size_t i = 0; i < res.n; i++) {
		const struct workload *w = &res.v[i].w;
		if (res.v[i].standalone || !w->image)
			continue;
		_cleanup_free_ char *got = fix_kube_image_normalize(w->image);
		if (!streq(got, want) || streq(w->name, init_container))
			continue;
		checked++;
		assert_true(w->readonly_rootfs);
		for (size_t k = 0; k < p->n_mounts; k++) {
			if (p->mounts[k].type != PLAN_TMPFS)
				continue;
			bool found = false;
			/* "/run/" is "/run" to the kubelet. */
			for (size_t m = 0; m < w->n_mounts; m++)
				found |= strncmp(w->mounts[m].target, p->mounts[k].target,
						 strlen(p->mounts[k].target)) == 0 &&
					 strspn(w->mounts[m].target + strlen(p->mounts[k].target),
						"/") == strlen(w->mounts[m].target +
							       strlen(p->mounts[k].target));
			if (!found)
				fail_msg("%s: no mount at %s", w->origin.container,
					 p->mounts[k].target);
		}
	}
	assert_true(checked > 0);
	lint_results_release(&res);
	ystream_release(&docs);
}

/* Fix in, compare with want, fix the result again (no change), check with lint. */
static size_t check_fix(const char *in, size_t in_len, const char *want, size_t want_len,
			const char *image, const struct plan *p)
{
	struct fix_edit e, again;
	struct rl_error err = {0};
	if (fix_kube(in, in_len, "k8s.yaml", image, p, &e, &err) < 0)
		fail_msg("fix_kube: %s", err.msg);
	assert_int_equal(e.len, strlen(e.text));
	if (e.len != want_len || memcmp(e.text, want, want_len) != 0)
		fail_msg("got:\n%s\nwanted:\n%s", e.text, want);
	size_t changes = e.changes;
	assert_int_equal(changes == 0, in_len == want_len && memcmp(in, want, in_len) == 0);

	assert_int_equal(fix_kube(e.text, e.len, "k8s.yaml", image, p, &again, &err), 0);
	assert_int_equal(again.changes, 0);
	assert_int_equal(again.len, e.len);
	assert_memory_equal(again.text, e.text, e.len);
	check_lint_reads_fixed(e.text, e.len, image, p);
	edit_free(&again);
	edit_free(&e);
	return changes;
}

static size_t check_fix_str(const char *in, const char *want, const char *image,
			    const struct plan *p)
{
	return check_fix(in, strlen(in), want, strlen(want), image, p);
}

static void check_fix_file(const char *name, const char *image)
{
	_cleanup_free_ char *in_path = xasprintf("%s/fix-kube/%s.yaml", TEST_DATA, name);
	_cleanup_free_ char *want_path = xasprintf("%s/fix-kube/%s.fixed.yaml", TEST_DATA, name);
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf want = STRBUF_INIT;
	struct rl_error err = {0};
	assert_int_equal(read_file_limited(in_path, 1 << 20, &in, &err), 0);
	assert_int_equal(read_file_limited(want_path, 1 << 20, &want, &err), 0);
	assert_int_equal(check_fix(in.buf, in.len, want.buf, want.len, image, &plan), 5);
}

/* Manifests from kubernetes/examples, with their outputs checked by hand. */
static void test_examples(void **state)
{
	(void)state;
	/* Block sequences not indented under their keys, a comment after the image. */
	check_fix_file("redis-master-deployment", "registry.k8s.io/redis:e2e");
	/* Two documents, the Service left alone; comments at the end of the container. */
	check_fix_file("frontend", "gcr.io/google-samples/gb-frontend:v5");
	/* A Pod, sequences indented, /var/lib/mysql mounted already (and a PVC is not ours to add).
	 */
	check_fix_file("mysql", "mysql");
}

static void test_image_matching(void **state)
{
	(void)state;
	static const char *const same[][2] = {
		{"nginx", "docker.io/library/nginx:latest"},
		{"nginx:1.25", "index.docker.io/library/nginx:1.25"},
		{"library/nginx", "nginx:latest"},
		{"bitnami/redis:7", "docker.io/bitnami/redis:7"},
		{"localhost/app", "localhost/app:latest"},
		{"registry.example.com:5000/app", "registry.example.com:5000/app:latest"},
		{"nginx@sha256:abcd", "docker.io/library/nginx@sha256:abcd"},
	};
	static const char *const differ[][2] = {
		{"nginx", "nginx:1.25"},
		{"nginx", "quay.io/nginx"},
		{"myrepo/nginx", "nginx"},
		{"nginx@sha256:abcd", "nginx"},
		{"registry.example.com/app", "registry.example.com:5000/app"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		_cleanup_free_ char *a = fix_kube_image_normalize(same[i][0]);
		_cleanup_free_ char *b = fix_kube_image_normalize(same[i][1]);
		assert_string_equal(a, b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(differ); i++) {
		_cleanup_free_ char *a = fix_kube_image_normalize(differ[i][0]);
		_cleanup_free_ char *b = fix_kube_image_normalize(differ[i][1]);
		assert_string_not_equal(a, b);
	}
	_cleanup_free_ char *n = fix_kube_image_normalize("nginx");
	assert_string_equal(n, "docker.io/library/nginx:latest");

	/* In a manifest: only the container with the plan's image changes. */
	const char *in = "kind: Pod\n"
			 "spec:\n"
			 "  containers:\n"
			 "  - name: web\n"
			 "    image: docker.io/library/nginx:latest\n"
			 "  - name: sidecar\n"
			 "    image: busybox\n";
	const char *want = "kind: Pod\n"
			   "spec:\n"
			   "  containers:\n"
			   "  - name: web\n"
			   "    image: docker.io/library/nginx:latest\n"
			   "    securityContext:\n"
			   "      readOnlyRootFilesystem: true\n"
			   "    volumeMounts:\n"
			   "    - name: tmp\n"
			   "      mountPath: /tmp\n"
			   "  - name: sidecar\n"
			   "    image: busybox\n"
			   "  volumes:\n"
			   "  - name: tmp\n"
			   "    emptyDir:\n"
			   "      medium: Memory\n"
			   "      sizeLimit: 8Mi\n";
	assert_int_equal(check_fix_str(in, want, "nginx", &tmp_plan), 3);
}

/* Each kind's pod spec; init containers left alone with a note. */
static void test_kinds(void **state)
{
	(void)state;
	const char *in = "apiVersion: batch/v1\n"
			 "kind: CronJob\n"
			 "metadata: {name: nightly}\n"
			 "spec:\n"
			 "  schedule: '@daily'\n"
			 "  jobTemplate:\n"
			 "    spec:\n"
			 "      template:\n"
			 "        spec:\n"
			 "          initContainers:\n"
			 "          - name: migrate\n"
			 "            image: app:1\n"
			 "          containers:\n"
			 "          - name: job\n"
			 "            image: app:1\n"
			 "          restartPolicy: OnFailure\n"
			 "---\n"
			 "kind: StatefulSet\n"
			 "spec:\n"
			 "  template:\n"
			 "    spec:\n"
			 "      containers:\n"
			 "      - {name: s, image: 'app:1'}\n"
			 "...\n"
			 "---\n"
			 "kind: ConfigMap\n"
			 "data: {image: 'app:1'}\n";
	const char *want =
		"apiVersion: batch/v1\n"
		"kind: CronJob\n"
		"metadata: {name: nightly}\n"
		"spec:\n"
		"  schedule: '@daily'\n"
		"  jobTemplate:\n"
		"    spec:\n"
		"      template:\n"
		"        spec:\n"
		"          initContainers:\n"
		"          - name: migrate\n"
		"            image: app:1\n"
		"          containers:\n"
		"          - name: job\n"
		"            image: app:1\n"
		"            securityContext:\n"
		"              readOnlyRootFilesystem: true\n"
		"            volumeMounts:\n"
		"            - name: tmp\n"
		"              mountPath: /tmp\n"
		"          restartPolicy: OnFailure\n"
		"          volumes:\n"
		"          - name: tmp\n"
		"            emptyDir:\n"
		"              medium: Memory\n"
		"              sizeLimit: 8Mi\n"
		"---\n"
		"kind: StatefulSet\n"
		"spec:\n"
		"  template:\n"
		"    spec:\n"
		"      containers:\n"
		"      - {name: s, image: 'app:1', securityContext: {readOnlyRootFilesystem: "
		"true}, volumeMounts: [{name: tmp, mountPath: /tmp}]}\n"
		"      volumes:\n"
		"      - name: tmp\n"
		"        emptyDir:\n"
		"          medium: Memory\n"
		"          sizeLimit: 8Mi\n"
		"...\n"
		"---\n"
		"kind: ConfigMap\n"
		"data: {image: 'app:1'}\n";
	init_container = "migrate";
	assert_int_equal(check_fix_str(in, want, "docker.io/library/app:1", &tmp_plan), 6);
	init_container = NULL;

	struct fix_edit e;
	struct rl_error err = {0};
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app:1", &tmp_plan, &e, &err), 0);
	assert_true(has_note(&e, "k8s.yaml:11: CronJob/nightly init container migrate"));
	edit_free(&e);
}

/* What the container has already: a false value, a securityContext, mounts, volume names. */
static void test_existing_settings(void **state)
{
	(void)state;
	const char *in = "kind: Deployment\n"
			 "spec:\n"
			 "  template:\n"
			 "    spec:\n"
			 "      volumes:\n"
			 "        - name: tmp # taken, for something else\n"
			 "          configMap: {name: x}\n"
			 "        - {name: cache, emptyDir: {medium: Memory}}\n"
			 "      containers:\n"
			 "        - name: a\n"
			 "          image: app\n"
			 "          securityContext:\n"
			 "            readOnlyRootFilesystem: false # was needed once\n"
			 "        - name: b\n"
			 "          image: app\n"
			 "          securityContext:\n"
			 "            runAsNonRoot: true\n"
			 "          volumeMounts:\n"
			 "            - {name: cache, mountPath: /run/}\n";
	/* run goes into volumes before tmp-2: container a asks first. */
	struct fix_edit e;
	struct rl_error err = {0};
	const char *want_full = "kind: Deployment\n"
				"spec:\n"
				"  template:\n"
				"    spec:\n"
				"      volumes:\n"
				"        - name: tmp # taken, for something else\n"
				"          configMap: {name: x}\n"
				"        - {name: cache, emptyDir: {medium: Memory}}\n"
				"        - name: run\n"
				"          emptyDir:\n"
				"            medium: Memory\n"
				"            sizeLimit: 64Mi\n"
				"        - name: tmp-2\n"
				"          emptyDir:\n"
				"            medium: Memory\n"
				"            sizeLimit: 1Gi\n"
				"      containers:\n"
				"        - name: a\n"
				"          image: app\n"
				"          securityContext:\n"
				"            readOnlyRootFilesystem: true # was needed once\n"
				"          volumeMounts:\n"
				"            - name: run\n"
				"              mountPath: /run\n"
				"            - name: tmp-2\n"
				"              mountPath: /tmp\n"
				"        - name: b\n"
				"          image: app\n"
				"          securityContext:\n"
				"            runAsNonRoot: true\n"
				"            readOnlyRootFilesystem: true\n"
				"          volumeMounts:\n"
				"            - {name: cache, mountPath: /run/}\n"
				"            - name: tmp-2\n"
				"              mountPath: /tmp\n";
	assert_int_equal(check_fix_str(in, want_full, "app", &plan), 7);

	/* The persistent path: a note naming it, never an emptyDir. */
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app", &plan, &e, &err), 0);
	assert_true(has_note(&e, "/var/lib/mysql needs storage that persists: add a "
				 "PersistentVolumeClaim"));
	assert_null(strstr(e.text, "mysql"));
	/* /run's tmpfs had uid= and gid=, which an emptyDir cannot carry: said so. */
	assert_true(has_note(&e, "an emptyDir has no owner (the plan's "
				 "mode=0755,uid=101,gid=101,size=64m for /run)"));
	assert_false(has_note(&e, "for /tmp)"));
	edit_free(&e);
}

/* JSON stays JSON; CRLF stays CRLF; a missing final newline stays missing. */
static void test_styles(void **state)
{
	(void)state;
	const char *in = "{\"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"a\", "
			 "\"image\": \"app\"}]}}\n";
	const char *want = "{\"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"a\", "
			   "\"image\": \"app\", \"securityContext\": {\"readOnlyRootFilesystem\": "
			   "true}, \"volumeMounts\": [{\"name\": \"tmp\", \"mountPath\": "
			   "\"/tmp\"}]}], \"volumes\": [{\"name\": \"tmp\", \"emptyDir\": "
			   "{\"medium\": \"Memory\", \"sizeLimit\": \"8Mi\"}}]}}\n";
	check_fix_str(in, want, "app", &tmp_plan);

	in = "# pod\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: app";
	want = "# pod\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: app\r\n"
	       "    securityContext:\r\n      readOnlyRootFilesystem: true\r\n"
	       "    volumeMounts:\r\n    - name: tmp\r\n      mountPath: /tmp\r\n"
	       "  volumes:\r\n  - name: tmp\r\n    emptyDir:\r\n      medium: Memory\r\n"
	       "      sizeLimit: 8Mi";
	check_fix_str(in, want, "app", &tmp_plan);
}

/*
 * libyaml counts positions in characters: UTF-8 before an edit (and a byte
 * order mark) must not move it.
 */
static void test_utf8(void **state)
{
	(void)state;
	const char *in = "\xef\xbb\xbf# Grüße, 日本\n"
			 "kind: Pod\n"
			 "metadata: {name: café, annotations: {note: \"naïve ✓\"}}\n"
			 "spec:\n"
			 "  containers:\n"
			 "  - name: crème\n"
			 "    image: app # ünïcode\n"
			 "    securityContext: {runAsUser: 1}\n"
			 "---\n"
			 "# ß\n"
			 "kind: Pod\n"
			 "spec:\n"
			 "  containers:\n"
			 "    - name: b\n"
			 "      image: app\n";
	const char *want = "\xef\xbb\xbf# Grüße, 日本\n"
			   "kind: Pod\n"
			   "metadata: {name: café, annotations: {note: \"naïve ✓\"}}\n"
			   "spec:\n"
			   "  containers:\n"
			   "  - name: crème\n"
			   "    image: app # ünïcode\n"
			   "    securityContext: {runAsUser: 1, readOnlyRootFilesystem: true}\n"
			   "    volumeMounts:\n"
			   "    - name: tmp\n"
			   "      mountPath: /tmp\n"
			   "  volumes:\n"
			   "  - name: tmp\n"
			   "    emptyDir:\n"
			   "      medium: Memory\n"
			   "      sizeLimit: 8Mi\n"
			   "---\n"
			   "# ß\n"
			   "kind: Pod\n"
			   "spec:\n"
			   "  containers:\n"
			   "    - name: b\n"
			   "      image: app\n"
			   "      securityContext:\n"
			   "        readOnlyRootFilesystem: true\n"
			   "      volumeMounts:\n"
			   "        - name: tmp\n"
			   "          mountPath: /tmp\n"
			   "  volumes:\n"
			   "    - name: tmp\n"
			   "      emptyDir:\n"
			   "        medium: Memory\n"
			   "        sizeLimit: 8Mi\n";
	assert_int_equal(check_fix_str(in, want, "app", &tmp_plan), 6);
}

static void test_nothing_to_do_and_errors(void **state)
{
	(void)state;
	struct fix_edit e;
	struct rl_error err = {0};
	const char *in = "# nothing here\nkind: Service\nspec: {}\n";
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app", &plan, &e, &err), 0);
	assert_string_equal(e.text, in);
	assert_int_equal(e.changes, 0);
	assert_true(has_note(&e, "no container runs app"));
	edit_free(&e);

	in = "kind: Pod\nspec:\n  containers: [\n";
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app", &plan, &e, &err), RL_EPARSE);
	assert_true(str_startswith(err.msg, "k8s.yaml:"));
	assert_null(e.text);

	/* Line breaks new lines would not line up after. */
	in = "kind: Pod\nspec:\n  containers:\r  - image: app\n";
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app", &plan, &e, &err), RL_EPARSE);
	assert_string_equal(err.msg, "k8s.yaml:3: a line break other than LF or CR LF (a lone CR, "
				     "NEL, LS or PS): fix does not edit such a file");
	in = "# \xe2\x80\xa8\nkind: Pod\n";
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app", &plan, &e, &err), RL_EPARSE);

	/* What yedit cannot write into, in the second document: the file's line. */
	in = "kind: Service\n"
	     "---\n"
	     "kind: Pod\n"
	     "spec:\n"
	     "  containers:\n"
	     "  - image: app\n"
	     "    securityContext: restricted\n";
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app", &plan, &e, &err), RL_EPARSE);
	assert_string_equal(err.msg, "k8s.yaml:7: securityContext is not a mapping");
	assert_null(e.text);

	/* A container anchored and used elsewhere is not changed behind the other's back. */
	in = "kind: List\n"
	     "items:\n"
	     "- kind: Pod\n"
	     "  spec:\n"
	     "    containers:\n"
	     "    - &c\n"
	     "      name: a\n"
	     "      image: app\n"
	     "- kind: Pod\n"
	     "  spec:\n"
	     "    containers:\n"
	     "    - *c\n";
	assert_int_equal(fix_kube(in, strlen(in), "k8s.yaml", "app", &plan, &e, &err), 0);
	assert_string_equal(e.text, in);
	assert_true(has_note(&e, "anchored (&c) and used elsewhere"));
	edit_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_image_matching),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_existing_settings),
		cmocka_unit_test(test_styles),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_nothing_to_do_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
