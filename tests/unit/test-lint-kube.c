/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "lint.h"
#include "yamldoc.h"

#ifndef SHARED_CORPUS
#define SHARED_CORPUS TEST_DATA "/../../../shared/corpus"
#endif

#define MANIFEST "deploy/app.yaml"

struct fx {
	struct ystream s;
	struct lint_results r;
	struct rl_error err;
	int rc;
};

static void lint(struct fx *f, const char *text)
{
	memset(f, 0, sizeof(*f));
	if (ystream_load(text, strlen(text), MANIFEST, &f->s, &f->err) < 0)
		fail_msg("ystream_load: %s", f->err.msg);
	f->rc = kube_lint(&f->s, MANIFEST, &f->r, &f->err);
}

/* Lint text that must go through without an error. */
static void lint_ok(struct fx *f, const char *text)
{
	lint(f, text);
	if (f->rc != 0)
		fail_msg("kube_lint: %d %s", f->rc, f->err.msg);
}

static void fx_done(struct fx *f)
{
	lint_results_release(&f->r);
	ystream_release(&f->s);
}

static size_t n_workloads(const struct fx *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->r.n; i++)
		n += !f->r.v[i].standalone;
	return n;
}

static size_t n_standalone(const struct fx *f)
{
	return f->r.n - n_workloads(f);
}

static const struct workload *get(const struct fx *f, const char *workload, const char *container)
{
	for (size_t i = 0; i < f->r.n; i++) {
		const struct lint_finding *x = &f->r.v[i];
		if (!x->standalone && streq(x->w.origin.workload, workload) &&
		    streq(x->w.origin.container, container))
			return &x->w;
	}
	fail_msg("no container %s in %s (%zu findings)", container, workload, f->r.n);
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

static void expect(const struct fx *f, const char *workload, const char *container, enum verdict v,
		   int line, int column)
{
	const struct workload *w = get(f, workload, container);
	if (judge(w) != v)
		fail_msg("%s %s: %s, want %s", workload, container, verdict_name(judge(w)),
			 verdict_name(v));
	if (w->origin.line != line || w->origin.column != column)
		fail_msg("%s %s at %d:%d, want %d:%d", workload, container, w->origin.line,
			 w->origin.column, line, column);
	assert_string_equal(w->origin.kind, "kubernetes");
	assert_string_equal(w->origin.file, MANIFEST);
	assert_string_equal(w->name, container);
}

static const struct mount *mount_at(const struct workload *w, const char *target)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (streq(w->mounts[i].target, target))
			return &w->mounts[i];
	fail_msg("no mount at %s", target);
	return NULL;
}

static void expect_mount(const struct workload *w, const char *target, enum mount_kind kind,
			 const char *source, bool writable)
{
	const struct mount *m = mount_at(w, target);
	if (m->kind != kind)
		fail_msg("%s: %s, want %s", target, mount_kind_name(m->kind),
			 mount_kind_name(kind));
	if (source)
		assert_string_equal(m->source, source);
	else
		assert_null(m->source);
	if (m->writable != writable)
		fail_msg("%s: writable %d, want %d", target, m->writable, writable);
}

static bool has_note(const struct workload *w, const char *note)
{
	for (size_t i = 0; i < w->notes.n; i++)
		if (streq(w->notes.v[i], note))
			return true;
	return false;
}

/* The basic case: where each container is reported, and what it carries. */
static void test_pod_positions(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "apiVersion: v1\n"			      /* 1 */
		    "kind: Pod\n"			      /* 2 */
		    "metadata:\n"			      /* 3 */
		    "  name: web\n"			      /* 4 */
		    "  namespace: shop\n"		      /* 5 */
		    "spec:\n"				      /* 6 */
		    "  containers:\n"			      /* 7 */
		    "  - name: app\n"			      /* 8 */
		    "    image: shop/web:1\n"		      /* 9 */
		    "    securityContext:\n"		      /* 10 */
		    "      runAsNonRoot: true\n"	      /* 11 */
		    "      readOnlyRootFilesystem: true\n"    /* 12 */
		    "  - name: log\n"			      /* 13 */
		    "    image: busybox\n"		      /* 14 */
		    "  - image: sidecar\n"		      /* 15 */
		    "    name: side\n"			      /* 16 */
		    "    securityContext:\n"		      /* 17 */
		    "      runAsNonRoot: true\n"	      /* 18 */
		    "  - name: off\n"			      /* 19 */
		    "    securityContext:\n"		      /* 20 */
		    "      readOnlyRootFilesystem: false\n"); /* 21 */
	assert_int_equal(f.r.n, 4);
	assert_int_equal(n_standalone(&f), 0);
	/* The key itself when present. */
	expect(&f, "Pod/web", "app", VERDICT_PASS, 12, 7);
	/* The container's first key when it has no securityContext. */
	expect(&f, "Pod/web", "log", VERDICT_FAIL, 13, 5);
	/* The securityContext key when the field is missing from it. */
	expect(&f, "Pod/web", "side", VERDICT_FAIL, 17, 5);
	expect(&f, "Pod/web", "off", VERDICT_FAIL, 21, 7);

	const struct workload *w = get(&f, "Pod/web", "app");
	assert_true(w->readonly_rootfs);
	assert_string_equal(w->image, "shop/web:1");
	assert_false(w->privileged || w->cap_sys_admin || w->allow_privilege_escalation);
	assert_int_equal(w->n_mounts, 0);
	assert_int_equal(w->notes.n, 0);
	assert_false(w->has_exempt_label);
	assert_null(get(&f, "Pod/web", "off")->image);
	assert_false(get(&f, "Pod/web", "off")->readonly_rootfs);
	/* Document order. */
	assert_string_equal(f.r.v[0].w.origin.container, "app");
	assert_string_equal(f.r.v[3].w.origin.container, "off");
	fx_done(&f);
}

/* Every kind that holds a pod spec, each at its own path; the rest are skipped. */
static void test_kinds(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Pod\n"
		    "metadata: {name: p}\n"
		    "spec: {containers: [{name: c}]}\n"
		    "---\n"
		    "kind: Deployment\n"
		    "metadata: {name: d}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    "kind: StatefulSet\n"
		    "metadata: {name: s}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    "kind: DaemonSet\n"
		    "metadata: {name: ds}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    "kind: ReplicaSet\n"
		    "metadata: {name: rs}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    "kind: ReplicationController\n"
		    "metadata: {name: rc}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    "kind: Job\n"
		    "metadata: {name: j}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    "kind: CronJob\n"
		    "metadata: {name: cj}\n"
		    "spec: {schedule: '@daily', jobTemplate: {spec: {template: {spec: {containers: "
		    "[{name: c}]}}}}}\n"
		    "---\n"
		    "kind: PodTemplate\n"
		    "metadata: {name: pt}\n"
		    "template: {spec: {containers: [{name: c}]}}\n"
		    "---\n"
		    "kind: DeploymentConfig\n"
		    "metadata: {name: dc}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    /* Not workloads, even with a pod spec's shape. */
		    "kind: Service\n"
		    "metadata: {name: svc}\n"
		    "spec: {containers: [{name: c}], template: {spec: {containers: [{name: c}]}}}\n"
		    "---\n"
		    "kind: ConfigMap\n"
		    "metadata: {name: cm}\n"
		    "data: {containers: x}\n"
		    "---\n"
		    /* Kinds are case-sensitive, as the API server has them. */
		    "kind: pod\n"
		    "spec: {containers: [{name: c}]}\n"
		    "---\n"
		    /* The wrong path for the kind. */
		    "kind: Deployment\n"
		    "metadata: {name: flat}\n"
		    "spec: {containers: [{name: c}]}\n"
		    "---\n"
		    "kind: CronJob\n"
		    "metadata: {name: short}\n"
		    "spec: {template: {spec: {containers: [{name: c}]}}}\n");
	static const char *const want[] = {
		"Pod/p",	  "Deployment/d",
		"StatefulSet/s",  "DaemonSet/ds",
		"ReplicaSet/rs",  "ReplicationController/rc",
		"Job/j",	  "CronJob/cj",
		"PodTemplate/pt", "DeploymentConfig/dc",
	};
	assert_int_equal(f.r.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(f.r.v[i].w.origin.workload, want[i]);
		assert_string_equal(f.r.v[i].w.origin.container, "c");
		assert_int_equal(judge(&f.r.v[i].w), VERDICT_FAIL);
	}
	fx_done(&f);
}

/* A CronJob's containers are four levels down; positions still point at the key. */
static void test_cronjob(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "apiVersion: batch/v1\n"			      /* 1 */
		    "kind: CronJob\n"				      /* 2 */
		    "metadata:\n"				      /* 3 */
		    "  name: backup\n"				      /* 4 */
		    "spec:\n"					      /* 5 */
		    "  schedule: \"0 3 * * *\"\n"		      /* 6 */
		    "  jobTemplate:\n"				      /* 7 */
		    "    spec:\n"				      /* 8 */
		    "      template:\n"				      /* 9 */
		    "        spec:\n"				      /* 10 */
		    "          restartPolicy: OnFailure\n"	      /* 11 */
		    "          containers:\n"			      /* 12 */
		    "          - name: dump\n"			      /* 13 */
		    "            image: pg:16\n"		      /* 14 */
		    "            securityContext:\n"		      /* 15 */
		    "              readOnlyRootFilesystem: true\n"    /* 16 */
		    "            volumeMounts:\n"		      /* 17 */
		    "            - {name: out, mountPath: /backup}\n" /* 18 */
		    "          - name: upload\n"		      /* 19 */
		    "          volumes:\n"			      /* 20 */
		    "          - name: out\n"			      /* 21 */
		    "            persistentVolumeClaim: {claimName: backups}\n");
	assert_int_equal(f.r.n, 2);
	expect(&f, "CronJob/backup", "dump", VERDICT_PASS, 16, 15);
	expect(&f, "CronJob/backup", "upload", VERDICT_FAIL, 19, 13);
	expect_mount(get(&f, "CronJob/backup", "dump"), "/backup", MOUNT_VOLUME, "backups", true);
	fx_done(&f);
}

/* initContainers and ephemeralContainers are containers too, each judged alone. */
static void test_init_and_ephemeral(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Pod\n"				      /* 1 */
		    "metadata:\n"				      /* 2 */
		    "  name: dbg\n"				      /* 3 */
		    "spec:\n"					      /* 4 */
		    "  initContainers:\n"			      /* 5 */
		    "  - name: migrate\n"			      /* 6 */
		    "    securityContext:\n"			      /* 7 */
		    "      readOnlyRootFilesystem: true\n"	      /* 8 */
		    "  - name: chown\n"				      /* 9 */
		    "    securityContext:\n"			      /* 10 */
		    "      readOnlyRootFilesystem: true\n"	      /* 11 */
		    "      capabilities: {add: [CHOWN, SYS_ADMIN]}\n" /* 12 */
		    "  containers:\n"				      /* 13 */
		    "  - name: app\n"				      /* 14 */
		    "    securityContext:\n"			      /* 15 */
		    "      readOnlyRootFilesystem: true\n"	      /* 16 */
		    "  ephemeralContainers:\n"			      /* 17 */
		    "  - name: debugger\n"			      /* 18 */
		    "    image: busybox\n"			      /* 19 */
		    "    targetContainerName: app\n");		      /* 20 */
	assert_int_equal(f.r.n, 4);
	expect(&f, "Pod/dbg", "migrate", VERDICT_PASS, 8, 7);
	expect(&f, "Pod/dbg", "chown", VERDICT_WARN, 11, 7);
	expect(&f, "Pod/dbg", "app", VERDICT_PASS, 16, 7);
	expect(&f, "Pod/dbg", "debugger", VERDICT_FAIL, 18, 5);
	assert_true(get(&f, "Pod/dbg", "chown")->cap_sys_admin);
	assert_false(get(&f, "Pod/dbg", "app")->cap_sys_admin);
	fx_done(&f);
}

#define POD_LEVEL_MSG                                                                              \
	"readOnlyRootFilesystem in the pod's securityContext has no effect: Kubernetes reads it "  \
	"only on each container's securityContext"

/* The pod-level field does nothing: said once per pod spec, and no container passes by it. */
static void test_pod_level_field(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Deployment\n"				    /* 1 */
		    "metadata:\n"					    /* 2 */
		    "  name: web\n"					    /* 3 */
		    "spec:\n"						    /* 4 */
		    "  template:\n"					    /* 5 */
		    "    spec:\n"					    /* 6 */
		    "      securityContext:\n"				    /* 7 */
		    "        runAsNonRoot: true\n"			    /* 8 */
		    "        readOnlyRootFilesystem: true\n"		    /* 9 */
		    "      containers:\n"				    /* 10 */
		    "      - name: a\n"					    /* 11 */
		    "      - name: b\n"					    /* 12 */
		    "        securityContext:\n"			    /* 13 */
		    "          readOnlyRootFilesystem: true\n"		    /* 14 */
		    "      initContainers:\n"				    /* 15 */
		    "      - name: init\n"				    /* 16 */
		    "---\n"						    /* 17 */
		    "kind: Pod\n"					    /* 18 */
		    "metadata: {name: p}\n"				    /* 19 */
		    "spec:\n"						    /* 20 */
		    "  securityContext: {readOnlyRootFilesystem: \"no\"}\n" /* 21 */
		    "  containers: [{name: c}]\n"			    /* 22 */
		    "---\n"						    /* 23 */
		    "kind: Pod\n"					    /* 24 */
		    "metadata: {name: clean}\n"				    /* 25 */
		    "spec:\n"						    /* 26 */
		    "  securityContext: {runAsUser: 1000}\n"		    /* 27 */
		    "  containers: [{name: c}]\n");			    /* 28 */
	assert_int_equal(f.r.n, 7);
	assert_int_equal(n_standalone(&f), 2);

	const struct lint_finding *x = &f.r.v[0];
	assert_true(x->standalone);
	assert_int_equal(x->verdict, VERDICT_WARN);
	assert_string_equal(x->message, POD_LEVEL_MSG);
	assert_string_equal(x->w.origin.file, MANIFEST);
	assert_int_equal(x->w.origin.line, 9);
	assert_int_equal(x->w.origin.column, 9);
	assert_string_equal(x->w.origin.kind, "kubernetes");
	assert_string_equal(x->w.origin.workload, "Deployment/web");
	assert_null(x->w.origin.container);

	expect(&f, "Deployment/web", "a", VERDICT_FAIL, 11, 9);
	expect(&f, "Deployment/web", "b", VERDICT_PASS, 14, 11);
	expect(&f, "Deployment/web", "init", VERDICT_FAIL, 16, 9);

	/* Any value is reported, whatever it says. */
	size_t k;
	for (k = 1; k < f.r.n && !f.r.v[k].standalone; k++)
		;
	assert_true(k < f.r.n);
	assert_string_equal(f.r.v[k].w.origin.workload, "Pod/p");
	assert_int_equal(f.r.v[k].w.origin.line, 21);
	assert_int_equal(f.r.v[k].w.origin.column, 21);
	assert_string_equal(f.r.v[k].message, POD_LEVEL_MSG);
	expect(&f, "Pod/p", "c", VERDICT_FAIL, 22, 16);
	expect(&f, "Pod/clean", "c", VERDICT_FAIL, 28, 16);
	fx_done(&f);
}

/* What lets a process undo a read-only root: the rule warns. */
static void test_privileges(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Pod\n"
		    "metadata: {name: p}\n"
		    "spec:\n"
		    "  containers:\n"
		    "  - name: priv\n"
		    "    securityContext: {readOnlyRootFilesystem: true, privileged: true}\n"
		    "  - name: sysadmin\n"
		    "    securityContext:\n"
		    "      readOnlyRootFilesystem: true\n"
		    "      capabilities: {add: [NET_ADMIN, sys_admin]}\n"
		    "  - name: capsysadmin\n"
		    "    securityContext:\n"
		    "      readOnlyRootFilesystem: true\n"
		    "      capabilities: {add: [\"CAP_SYS_ADMIN\"]}\n"
		    "  - name: all\n"
		    "    securityContext:\n"
		    "      readOnlyRootFilesystem: true\n"
		    "      capabilities: {add: [all]}\n"
		    "  - name: escalate\n"
		    "    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: "
		    "true}\n"
		    "  - name: safe\n"
		    "    securityContext:\n"
		    "      readOnlyRootFilesystem: true\n"
		    "      privileged: false\n"
		    "      allowPrivilegeEscalation: false\n"
		    "      capabilities: {add: [NET_BIND_SERVICE, SYS_ADMINX], drop: [ALL, "
		    "SYS_ADMIN]}\n"
		    "  - name: writable-priv\n"
		    "    securityContext: {privileged: true}\n");
	assert_int_equal(f.r.n, 7);
	const struct workload *w = get(&f, "Pod/p", "priv");
	assert_true(w->privileged);
	assert_int_equal(judge(w), VERDICT_WARN);
	w = get(&f, "Pod/p", "sysadmin");
	assert_true(w->cap_sys_admin);
	assert_false(w->privileged);
	assert_int_equal(judge(w), VERDICT_WARN);
	assert_true(get(&f, "Pod/p", "capsysadmin")->cap_sys_admin);
	assert_int_equal(judge(get(&f, "Pod/p", "capsysadmin")), VERDICT_WARN);
	assert_true(get(&f, "Pod/p", "all")->cap_sys_admin);
	assert_int_equal(judge(get(&f, "Pod/p", "all")), VERDICT_WARN);
	w = get(&f, "Pod/p", "escalate");
	assert_true(w->allow_privilege_escalation);
	assert_false(w->cap_sys_admin);
	assert_int_equal(judge(w), VERDICT_WARN);
	w = get(&f, "Pod/p", "safe");
	assert_false(w->privileged || w->cap_sys_admin || w->allow_privilege_escalation);
	assert_int_equal(judge(w), VERDICT_PASS);
	w = get(&f, "Pod/p", "writable-priv");
	assert_true(w->privileged);
	assert_int_equal(judge(w), VERDICT_FAIL);
	fx_done(&f);
}

/* Each volume type maps to what it is; a mount's readOnly decides unless Kubernetes does. */
static void test_mounts(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: StatefulSet\n"
		    "metadata: {name: db}\n"
		    "spec:\n"
		    "  template:\n"
		    "    spec:\n"
		    "      containers:\n"
		    "      - name: db\n"
		    "        securityContext: {readOnlyRootFilesystem: true}\n"
		    "        volumeMounts:\n"
		    "        - {name: mem, mountPath: /run}\n"
		    "        - {name: memsmall, mountPath: /tmp}\n"
		    "        - {name: disk, mountPath: /cache}\n"
		    "        - {name: claim, mountPath: /data}\n"
		    "        - {name: host, mountPath: /host, readOnly: true}\n"
		    "        - {name: host, mountPath: /host-rw, readOnly: false}\n"
		    "        - {name: cfg, mountPath: /etc/cfg}\n"
		    "        - {name: sec, mountPath: /etc/sec, readOnly: false}\n"
		    "        - {name: proj, mountPath: /etc/proj}\n"
		    "        - {name: down, mountPath: /etc/down}\n"
		    "        - {name: share, mountPath: /share}\n"
		    "        - {name: pgdata, mountPath: /var/lib/pg}\n"
		    "        - {name: missing, mountPath: /nowhere}\n"
		    "        - {name: nopath}\n"
		    "        - {mountPath: /noname}\n"
		    "        - not-a-mount\n"
		    "      - name: other\n"
		    "        volumeMounts: [{name: claim, mountPath: /other, readOnly: true}]\n"
		    "      volumes:\n"
		    "      - {name: mem, emptyDir: {medium: Memory}}\n"
		    "      - {name: memsmall, emptyDir: {medium: Memory, sizeLimit: 64Mi}}\n"
		    "      - {name: disk, emptyDir: {}}\n"
		    "      - {name: claim, persistentVolumeClaim: {claimName: db-claim}}\n"
		    "      - {name: host, hostPath: {path: /srv/host, type: Directory}}\n"
		    "      - {name: cfg, configMap: {name: db-config}}\n"
		    "      - {name: sec, secret: {secretName: db-secret}}\n"
		    "      - {name: proj, projected: {sources: []}}\n"
		    "      - {name: down, downwardAPI: {items: []}}\n"
		    "      - {name: share, nfs: {server: nfs.local, path: /export}}\n"
		    "  volumeClaimTemplates:\n"
		    "  - metadata: {name: pgdata}\n"
		    "    spec: {accessModes: [ReadWriteOnce]}\n");
	assert_int_equal(f.r.n, 2);
	const struct workload *w = get(&f, "StatefulSet/db", "db");
	assert_int_equal(w->n_mounts, 14);
	expect_mount(w, "/run", MOUNT_TMPFS, NULL, true);
	assert_int_equal(mount_at(w, "/run")->size_bytes, 0);
	assert_true(mount_at(w, "/run")->exec);
	expect_mount(w, "/tmp", MOUNT_TMPFS, NULL, true);
	assert_int_equal(mount_at(w, "/tmp")->size_bytes, 64LL << 20);
	expect_mount(w, "/cache", MOUNT_VOLUME, "emptyDir", true);
	expect_mount(w, "/data", MOUNT_VOLUME, "db-claim", true);
	expect_mount(w, "/host", MOUNT_BIND, "/srv/host", false);
	expect_mount(w, "/host-rw", MOUNT_BIND, "/srv/host", true);
	/* Kubernetes mounts these read-only whatever the mount says. */
	expect_mount(w, "/etc/cfg", MOUNT_OTHER, "configMap", false);
	expect_mount(w, "/etc/sec", MOUNT_OTHER, "secret", false);
	expect_mount(w, "/etc/proj", MOUNT_OTHER, "projected", false);
	expect_mount(w, "/etc/down", MOUNT_OTHER, "downwardAPI", false);
	expect_mount(w, "/share", MOUNT_OTHER, "nfs", true);
	expect_mount(w, "/var/lib/pg", MOUNT_VOLUME, "pgdata", true);
	expect_mount(w, "/nowhere", MOUNT_OTHER, "missing", true);
	expect_mount(w, "/noname", MOUNT_OTHER, NULL, true);
	/* Mounts do not change the verdict. */
	assert_int_equal(judge(w), VERDICT_PASS);

	w = get(&f, "StatefulSet/db", "other");
	assert_int_equal(w->n_mounts, 1);
	expect_mount(w, "/other", MOUNT_VOLUME, "db-claim", false);
	fx_done(&f);
}

/* sizeLimit is a Kubernetes quantity. */
static void test_size_limits(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Pod\n"
		    "metadata: {name: sizes}\n"
		    "spec:\n"
		    "  containers:\n"
		    "  - name: c\n"
		    "    volumeMounts:\n"
		    "    - {name: a, mountPath: /a}\n"
		    "    - {name: b, mountPath: /b}\n"
		    "    - {name: c, mountPath: /c}\n"
		    "    - {name: d, mountPath: /d}\n"
		    "    - {name: e, mountPath: /e}\n"
		    "    - {name: f, mountPath: /f}\n"
		    "    - {name: g, mountPath: /g}\n"
		    "    - {name: h, mountPath: /h}\n"
		    "    - {name: i, mountPath: /i}\n"
		    "  volumes:\n"
		    "  - {name: a, emptyDir: {medium: Memory, sizeLimit: 1Gi}}\n"
		    "  - {name: b, emptyDir: {medium: Memory, sizeLimit: 1G}}\n"
		    "  - {name: c, emptyDir: {medium: Memory, sizeLimit: 100M}}\n"
		    "  - {name: d, emptyDir: {medium: Memory, sizeLimit: 512Ki}}\n"
		    "  - {name: e, emptyDir: {medium: Memory, sizeLimit: 4096}}\n"
		    "  - {name: f, emptyDir: {medium: Memory, sizeLimit: 1.5Gi}}\n"
		    "  - {name: g, emptyDir: {medium: Memory, sizeLimit: 64m}}\n"
		    "  - {name: h, emptyDir: {medium: Memory, sizeLimit: [1]}}\n"
		    "  - {name: i, emptyDir: {medium: memory, sizeLimit: 1Gi}}\n");
	const struct workload *w = get(&f, "Pod/sizes", "c");
	assert_int_equal(mount_at(w, "/a")->size_bytes, 1LL << 30);
	assert_int_equal(mount_at(w, "/b")->size_bytes, 1000000000LL);
	assert_int_equal(mount_at(w, "/c")->size_bytes, 100000000LL);
	assert_int_equal(mount_at(w, "/d")->size_bytes, 512LL << 10);
	assert_int_equal(mount_at(w, "/e")->size_bytes, 4096);
	/* Unreadable sizes count as unknown. "64m" is 0.064 bytes to Kubernetes. */
	assert_int_equal(mount_at(w, "/f")->size_bytes, 0);
	assert_int_equal(mount_at(w, "/g")->size_bytes, 0);
	assert_int_equal(mount_at(w, "/h")->size_bytes, 0);
	/* The medium is case-sensitive: "memory" is rejected, not a tmpfs. */
	expect_mount(w, "/i", MOUNT_VOLUME, "emptyDir", true);
	fx_done(&f);
}

/* The annotation rootlock.io/exempt: per container, "*" for all, a missing reason. */
static void test_exemptions(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Deployment\n"
		    "metadata:\n"
		    "  name: legacy\n"
		    "  annotations:\n"
		    "    rootlock.io/exempt: |\n"
		    "      app = vendor image, ticket OPS-1\n"
		    "      sidecar=\n"
		    "\n"
		    "      *=legacy stack, OPS-2\n"
		    "      app=second entry loses\n"
		    "spec:\n"
		    "  template:\n"
		    "    metadata:\n"
		    "      annotations: {rootlock.io/exempt: \"*=on the template, not counted\"}\n"
		    "    spec:\n"
		    "      containers: [{name: app}, {name: sidecar}, {name: other}]\n"
		    "---\n"
		    "kind: Pod\n"
		    "metadata:\n"
		    "  name: semi\n"
		    "  annotations: {rootlock.io/exempt: \"a=reason a; b = reason=b ;\"}\n"
		    "spec:\n"
		    "  containers: [{name: a}, {name: b}, {name: c}]\n"
		    "---\n"
		    "kind: Pod\n"
		    "metadata:\n"
		    "  name: bare\n"
		    "  annotations: {rootlock.io/exempt: web}\n"
		    "spec:\n"
		    "  containers: [{name: web}, {name: db}]\n"
		    "---\n"
		    "kind: Pod\n"
		    "metadata:\n"
		    "  name: template-only\n"
		    "spec:\n"
		    "  containers: [{name: c}]\n"
		    "---\n"
		    "kind: Pod\n"
		    "metadata:\n"
		    "  name: odd\n"
		    "  annotations: {rootlock.io/exempt: [c=list], rootlock.io/other: c=x}\n"
		    "spec:\n"
		    "  containers: [{name: c}]\n");
	assert_int_equal(f.r.n, 10);

	const struct workload *w = get(&f, "Deployment/legacy", "app");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "vendor image, ticket OPS-1");
	assert_int_equal(judge(w), VERDICT_EXEMPT);
	/* Named with no reason: the rule says the reason is missing; "*" does not fill it in. */
	w = get(&f, "Deployment/legacy", "sidecar");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "");
	struct judgement j;
	rule_judge(w, NULL, &j);
	assert_int_equal(j.verdict, VERDICT_FAIL);
	bool said = false;
	for (size_t i = 0; i < j.reasons.n; i++)
		said |= strstr(j.reasons.v[i], "no reason") != NULL;
	assert_true(said);
	judgement_release(&j);
	w = get(&f, "Deployment/legacy", "other");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "legacy stack, OPS-2");
	assert_int_equal(judge(w), VERDICT_EXEMPT);

	assert_string_equal(get(&f, "Pod/semi", "a")->exempt_reason, "reason a");
	assert_string_equal(get(&f, "Pod/semi", "b")->exempt_reason, "reason=b");
	assert_false(get(&f, "Pod/semi", "c")->has_exempt_label);
	assert_null(get(&f, "Pod/semi", "c")->exempt_reason);
	assert_int_equal(judge(get(&f, "Pod/semi", "c")), VERDICT_FAIL);

	w = get(&f, "Pod/bare", "web");
	assert_true(w->has_exempt_label);
	assert_string_equal(w->exempt_reason, "");
	assert_int_equal(judge(w), VERDICT_FAIL);
	assert_false(get(&f, "Pod/bare", "db")->has_exempt_label);

	assert_false(get(&f, "Pod/template-only", "c")->has_exempt_label);
	assert_false(get(&f, "Pod/odd", "c")->has_exempt_label);
	fx_done(&f);
}

/* `kubectl get -o yaml`: a List of objects, Lists inside, and the API's typed lists. */
static void test_list_yaml(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "apiVersion: v1\n"					      /* 1 */
		    "items:\n"						      /* 2 */
		    "- apiVersion: apps/v1\n"				      /* 3 */
		    "  kind: Deployment\n"				      /* 4 */
		    "  metadata:\n"					      /* 5 */
		    "    name: api\n"					      /* 6 */
		    "    namespace: prod\n"				      /* 7 */
		    "  spec:\n"						      /* 8 */
		    "    template:\n"					      /* 9 */
		    "      spec:\n"					      /* 10 */
		    "        containers:\n"				      /* 11 */
		    "        - name: api\n"				      /* 12 */
		    "          image: api:2\n"				      /* 13 */
		    "          securityContext:\n"			      /* 14 */
		    "            readOnlyRootFilesystem: true\n"	      /* 15 */
		    "- apiVersion: v1\n"				      /* 16 */
		    "  kind: Service\n"					      /* 17 */
		    "  metadata: {name: api}\n"				      /* 18 */
		    "- kind: List\n"					      /* 19 */
		    "  items:\n"					      /* 20 */
		    "  - kind: Pod\n"					      /* 21 */
		    "    metadata: {name: inner}\n"			      /* 22 */
		    "    spec: {containers: [{name: c}]}\n"		      /* 23 */
		    "  - metadata: {name: no-kind}\n"			      /* 24 */
		    "    spec: {containers: [{name: c}]}\n"		      /* 25 */
		    "kind: List\n"					      /* 26 */
		    "metadata:\n"					      /* 27 */
		    "  resourceVersion: \"\"\n"				      /* 28 */
		    "---\n"						      /* 29 */
		    "kind: PodList\n"					      /* 30 */
		    "apiVersion: v1\n"					      /* 31 */
		    "items:\n"						      /* 32 */
		    "- metadata: {name: a}\n"				      /* 33 */
		    "  spec: {containers: [{name: c}]}\n"		      /* 34 */
		    "- kind: Deployment\n"				      /* 35 */
		    "  metadata: {name: b}\n"				      /* 36 */
		    "  spec: {template: {spec: {containers: [{name: d}]}}}\n" /* 37 */
		    "---\n"
		    "kind: DeploymentList\n"
		    "items:\n"
		    "- metadata: {name: e}\n"
		    "  spec: {template: {spec: {containers: [{name: e}]}}}\n"
		    "---\n"
		    "kind: List\n"
		    "items: {not: a list}\n"
		    "---\n"
		    "kind: List\n");
	assert_int_equal(f.r.n, 5);
	expect(&f, "Deployment/api", "api", VERDICT_PASS, 15, 13);
	expect(&f, "Pod/inner", "c", VERDICT_FAIL, 23, 25);
	/* Items of a PodList carry no kind; one that does keeps it. */
	expect(&f, "Pod/a", "c", VERDICT_FAIL, 34, 23);
	expect(&f, "Deployment/b", "d", VERDICT_FAIL, 37, 41);
	expect(&f, "Deployment/e", "e", VERDICT_FAIL, 42, 41);
	fx_done(&f);
}

/* `kubectl get pods -o json`: JSON is YAML, and its true is a boolean. */
static void test_list_json(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f,
		"{\n"								     /* 1 */
		"    \"apiVersion\": \"v1\",\n"					     /* 2 */
		"    \"items\": [\n"						     /* 3 */
		"        {\n"							     /* 4 */
		"            \"apiVersion\": \"v1\",\n"				     /* 5 */
		"            \"kind\": \"Pod\",\n"				     /* 6 */
		"            \"metadata\": {\n"					     /* 7 */
		"                \"name\": \"db-0\",\n"				     /* 8 */
		"                \"namespace\": \"data\"\n"			     /* 9 */
		"            },\n"						     /* 10 */
		"            \"spec\": {\n"					     /* 11 */
		"                \"containers\": [\n"				     /* 12 */
		"                    {\n"					     /* 13 */
		"                        \"image\": \"postgres:16\",\n"		     /* 14 */
		"                        \"name\": \"postgres\",\n"		     /* 15 */
		"                        \"securityContext\": {\n"		     /* 16 */
		"                            \"allowPrivilegeEscalation\": false,\n" /* 17 */
		"                            \"readOnlyRootFilesystem\": true\n"     /* 18 */
		"                        },\n"					     /* 19 */
		"                        \"volumeMounts\": [\n"			     /* 20 */
		"                            {\"mountPath\": \"/var/lib/postgresql/data\", "
		"\"name\": \"data\"},\n" /* 21 */
		"                            {\"mountPath\": \"/tmp\", \"name\": \"tmp\"}\n" /* 22
											      */
		"                        ]\n"					     /* 23 */
		"                    },\n"					     /* 24 */
		"                    {\n"					     /* 25 */
		"                        \"image\": \"exporter:1\",\n"		     /* 26 */
		"                        \"name\": \"exporter\",\n"		     /* 27 */
		"                        \"securityContext\": {\n"		     /* 28 */
		"                            \"readOnlyRootFilesystem\": \"true\"\n" /* 29 */
		"                        }\n"					     /* 30 */
		"                    },\n"					     /* 31 */
		"                    {\"name\": \"metrics\", \"image\": \"m:1\"}\n"  /* 32 */
		"                ],\n"						     /* 33 */
		"                \"volumes\": [\n"				     /* 34 */
		"                    {\"name\": \"data\", \"persistentVolumeClaim\": "
		"{\"claimName\": \"data-db-0\"}},\n" /* 35 */
		"                    {\"name\": \"tmp\", \"emptyDir\": {\"medium\": "
		"\"Memory\", \"sizeLimit\": \"64Mi\"}}\n"	  /* 36 */
		"                ]\n"				  /* 37 */
		"            }\n"				  /* 38 */
		"        }\n"					  /* 39 */
		"    ],\n"					  /* 40 */
		"    \"kind\": \"List\",\n"			  /* 41 */
		"    \"metadata\": {\"resourceVersion\": \"\"}\n" /* 42 */
		"}\n");
	assert_int_equal(f.r.n, 3);
	expect(&f, "Pod/db-0", "postgres", VERDICT_PASS, 18, 29);
	expect(&f, "Pod/db-0", "exporter", VERDICT_FAIL, 29, 29);
	expect(&f, "Pod/db-0", "metrics", VERDICT_FAIL, 32, 21);
	const struct workload *w = get(&f, "Pod/db-0", "postgres");
	assert_string_equal(w->image, "postgres:16");
	assert_false(w->allow_privilege_escalation);
	assert_int_equal(w->n_mounts, 2);
	expect_mount(w, "/var/lib/postgresql/data", MOUNT_VOLUME, "data-db-0", true);
	expect_mount(w, "/tmp", MOUNT_TMPFS, NULL, true);
	assert_int_equal(mount_at(w, "/tmp")->size_bytes, 64LL << 20);
	/* A quoted "true" is a string: the API server refuses it. */
	w = get(&f, "Pod/db-0", "exporter");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->notes.n, 1);
	assert_string_equal(w->notes.v[0], "readOnlyRootFilesystem is \"true\", not a boolean: "
					   "Kubernetes rejects it");
	fx_done(&f);
}

/* Anchors and merge keys: values come through, positions point where the key is written. */
static void test_anchors_and_merges(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Deployment\n"					/* 1 */
		    "metadata:\n"						/* 2 */
		    "  name: anchors\n"						/* 3 */
		    "  labels: &ro\n"						/* 4 */
		    "    readOnlyRootFilesystem: true\n"			/* 5 */
		    "    allowPrivilegeEscalation: false\n"			/* 6 */
		    "spec:\n"							/* 7 */
		    "  template:\n"						/* 8 */
		    "    spec:\n"						/* 9 */
		    "      containers:\n"					/* 10 */
		    "      - &base\n"						/* 11 */
		    "        name: api\n"					/* 12 */
		    "        image: api:1\n"					/* 13 */
		    "        securityContext: *ro\n"				/* 14 */
		    "      - <<: *base\n"					/* 15 */
		    "        name: worker\n"					/* 16 */
		    "      - name: merged\n"					/* 17 */
		    "        securityContext:\n"				/* 18 */
		    "          <<: *ro\n"					/* 19 */
		    "          privileged: true\n"				/* 20 */
		    "      - name: override\n"					/* 21 */
		    "        securityContext:\n"				/* 22 */
		    "          <<: [*ro]\n"					/* 23 */
		    "          readOnlyRootFilesystem: false\n"			/* 24 */
		    "      initContainers: &inits\n"				/* 25 */
		    "      - name: init\n"					/* 26 */
		    "        securityContext: {readOnlyRootFilesystem: true}\n" /* 27 */
		    "      ephemeralContainers: *inits\n");			/* 28 */
	assert_int_equal(f.r.n, 6);
	expect(&f, "Deployment/anchors", "api", VERDICT_PASS, 5, 5);
	expect(&f, "Deployment/anchors", "worker", VERDICT_PASS, 5, 5);
	assert_string_equal(get(&f, "Deployment/anchors", "worker")->image, "api:1");
	expect(&f, "Deployment/anchors", "merged", VERDICT_WARN, 5, 5);
	expect(&f, "Deployment/anchors", "override", VERDICT_FAIL, 24, 11);
	/* The same list under two names is two sets of containers. */
	assert_int_equal(f.r.v[4].w.origin.line, 27);
	assert_int_equal(f.r.v[5].w.origin.line, 27);
	fx_done(&f);
}

/* An object aliased twice, or a List that holds itself, is read once. */
static void test_alias_cycles(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: List\n"
		    "items:\n"
		    "- &pod\n"
		    "  kind: Pod\n"
		    "  metadata: {name: p}\n"
		    "  spec: {containers: [{name: c}]}\n"
		    "- *pod\n"
		    "- &self\n"
		    "  kind: List\n"
		    "  items: [*self, *pod, {kind: Pod, metadata: {name: q}, spec: {containers: "
		    "[{name: c}]}}]\n");
	assert_int_equal(f.r.n, 2);
	expect(&f, "Pod/p", "c", VERDICT_FAIL, 6, 23);
	expect(&f, "Pod/q", "c", VERDICT_FAIL, 10, 77);
	fx_done(&f);
}

/* Wrong types anywhere: never a crash, and a non-boolean is said, not read as true. */
static void test_bad_types(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "kind: Pod\n"					 /* 1 */
		    "metadata: {name: bad}\n"				 /* 2 */
		    "spec:\n"						 /* 3 */
		    "  containers:\n"					 /* 4 */
		    "  - just-a-string\n"				 /* 5 */
		    "  - [1, 2]\n"					 /* 6 */
		    "  - name: quoted\n"				 /* 7 */
		    "    securityContext:\n"				 /* 8 */
		    "      readOnlyRootFilesystem: \"yes\"\n"		 /* 9 */
		    "  - name: listy\n"					 /* 10 */
		    "    securityContext:\n"				 /* 11 */
		    "      readOnlyRootFilesystem: [true]\n"		 /* 12 */
		    "  - name: nully\n"					 /* 13 */
		    "    securityContext:\n"				 /* 14 */
		    "      readOnlyRootFilesystem: null\n"		 /* 15 */
		    "  - name: scstring\n"				 /* 16 */
		    "    securityContext: privileged\n"			 /* 17 */
		    "  - name: yaml11\n"				 /* 18 */
		    "    securityContext:\n"				 /* 19 */
		    "      readOnlyRootFilesystem: yes\n"		 /* 20 */
		    "      privileged: \"false\"\n"			 /* 21 */
		    "      allowPrivilegeEscalation: {}\n"		 /* 22 */
		    "      capabilities: {add: SYS_ADMIN}\n"		 /* 23 */
		    "    volumeMounts: {name: x}\n"			 /* 24 */
		    "  - name: [not, scalar]\n"				 /* 25 */
		    "    image: {}\n"					 /* 26 */
		    "    securityContext:\n"				 /* 27 */
		    "      capabilities: [SYS_ADMIN]\n"			 /* 28 */
		    "  - securityContext: {readOnlyRootFilesystem: 1}\n" /* 29 */
		    "  - {}\n"						 /* 30 */
		    "  initContainers: not-a-list\n"			 /* 31 */
		    "  ephemeralContainers: {name: x}\n"		 /* 32 */
		    "  volumes: nope\n"					 /* 33 */
		    "  securityContext: [readOnlyRootFilesystem]\n");	 /* 34 */
	assert_int_equal(f.r.n, 8);
	const struct workload *w = get(&f, "Pod/bad", "quoted");
	assert_false(w->readonly_rootfs);
	assert_int_equal(w->notes.n, 1);
	assert_true(has_note(w, "readOnlyRootFilesystem is \"yes\", not a boolean: Kubernetes "
				"rejects it"));
	expect(&f, "Pod/bad", "quoted", VERDICT_FAIL, 9, 7);
	w = get(&f, "Pod/bad", "listy");
	assert_true(has_note(w, "readOnlyRootFilesystem is a list, not a boolean: Kubernetes "
				"rejects it"));
	expect(&f, "Pod/bad", "listy", VERDICT_FAIL, 12, 7);
	/* null is as good as absent: nothing to say but the verdict. */
	assert_int_equal(get(&f, "Pod/bad", "nully")->notes.n, 0);
	expect(&f, "Pod/bad", "nully", VERDICT_FAIL, 15, 7);
	expect(&f, "Pod/bad", "scstring", VERDICT_FAIL, 17, 5);
	/* `yes` is a YAML 1.1 boolean, which is what kubectl reads. */
	w = get(&f, "Pod/bad", "yaml11");
	assert_true(w->readonly_rootfs);
	assert_false(w->privileged || w->cap_sys_admin || w->allow_privilege_escalation);
	assert_true(has_note(w, "privileged is \"false\", not a boolean: Kubernetes rejects it"));
	assert_true(has_note(w, "allowPrivilegeEscalation is a mapping, not a boolean: "
				"Kubernetes rejects it"));
	assert_int_equal(w->n_mounts, 0);
	expect(&f, "Pod/bad", "yaml11", VERDICT_PASS, 20, 7);
	/* No usable name: the list and index stand in. */
	w = get(&f, "Pod/bad", "containers[7]");
	assert_null(w->image);
	assert_int_equal(judge(w), VERDICT_FAIL);
	w = get(&f, "Pod/bad", "containers[8]");
	assert_true(has_note(w, "readOnlyRootFilesystem is \"1\", not a boolean: Kubernetes "
				"rejects it"));
	assert_int_equal(w->origin.line, 29);
	assert_int_equal(w->origin.column, 23);
	expect(&f, "Pod/bad", "containers[9]", VERDICT_FAIL, 30, 5);
	fx_done(&f);

	/* Documents that are not objects, or objects that are not what they say. */
	lint_ok(&f, "just a string\n"
		    "---\n"
		    "- a\n"
		    "- list\n"
		    "---\n"
		    "---\n"
		    "~\n"
		    "---\n"
		    "metadata: {name: no-kind}\n"
		    "spec: {containers: [{name: c}]}\n"
		    "---\n"
		    "kind: [Pod]\n"
		    "spec: {containers: [{name: c}]}\n"
		    "---\n"
		    "kind: \"\"\n"
		    "spec: {containers: [{name: c}]}\n"
		    "---\n"
		    "kind: Pod\n"
		    "spec: [containers]\n"
		    "---\n"
		    "kind: Deployment\n"
		    "spec: {template: nope}\n"
		    "---\n"
		    "kind: CronJob\n"
		    "spec: {jobTemplate: {spec: {template: {spec: {containers: x}}}}}\n"
		    "---\n"
		    "kind: StatefulSet\n"
		    "metadata: {name: s}\n"
		    "spec:\n"
		    "  volumeClaimTemplates: {metadata: {name: x}}\n"
		    "  template: {spec: {containers: [{name: c, volumeMounts: [{name: x, "
		    "mountPath: /x}]}], volumes: [x, {name: [x]}]}}\n"
		    "---\n"
		    "kind: Pod\n"
		    "metadata: [x]\n"
		    "spec: {containers: [{name: c}]}\n"
		    "...\n");
	assert_int_equal(f.r.n, 2);
	expect(&f, "StatefulSet/s", "c", VERDICT_FAIL, 31, 34);
	expect_mount(get(&f, "StatefulSet/s", "c"), "/x", MOUNT_OTHER, "x", true);
	/* An object without a name still says what kind it is. */
	expect(&f, "Pod/-", "c", VERDICT_FAIL, 35, 21);
	fx_done(&f);
}

/* A stream with no object, or none to check, is parsed all the same. */
static void test_empty(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f, "");
	assert_int_equal(f.r.n, 0);
	fx_done(&f);
	lint_ok(&f, "# just a comment\n---\n---\n");
	assert_int_equal(f.r.n, 0);
	fx_done(&f);
	lint_ok(&f, "kind: Service\nmetadata: {name: s}\n");
	assert_int_equal(f.r.n, 0);
	fx_done(&f);

	/* A NULL root, as a ystream may hold for an empty document. */
	struct ydoc doc = {0};
	struct ystream s = {.docs = &doc, .n = 1};
	struct lint_results r = {0};
	struct rl_error err = {0};
	assert_int_equal(kube_lint(&s, MANIFEST, &r, &err), 0);
	assert_int_equal(r.n, 0);
	lint_results_release(&r);
}

/*
 * Aliases that multiply containers by mounts by volumes: an error once the
 * work passes a bound, not minutes of work and gigabytes of mounts.
 */
static void test_alias_blowup(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "kind: Pod\n"
			   "metadata: {name: bomb}\n"
			   "x: [&v {name: v, emptyDir: {}}, &m {name: nomatch, mountPath: /m}]\n"
			   "spec:\n"
			   "  volumes: [*v");
	for (int i = 0; i < 400; i++)
		strbuf_addstr(&sb, ",*v");
	strbuf_addstr(&sb, "]\n  x: &ms [*m");
	for (int i = 0; i < 400; i++)
		strbuf_addstr(&sb, ",*m");
	strbuf_addstr(&sb, "]\n  containers: [&c {name: c, volumeMounts: *ms}");
	for (int i = 0; i < 400; i++)
		strbuf_addstr(&sb, ",*c");
	strbuf_addstr(&sb, "]\n");

	struct fx f;
	lint(&f, sb.buf);
	assert_int_equal(f.rc, RL_EPARSE);
	assert_non_null(strstr(f.err.msg, MANIFEST ":"));
	assert_non_null(strstr(f.err.msg, "aliases"));
	assert_true(n_workloads(&f) < 400);
	fx_done(&f);
	strbuf_release(&sb);
}

/* --- the shared corpus of real manifests --- */

struct corpus {
	size_t files, parsed, containers;
	size_t verdicts[VERDICT_MAX];
	size_t standalone;
	struct strv failed; /* files that are not YAML */
};

/* Five verdicts checked by hand against the files. */
static const struct {
	const char *file, *workload, *container;
	enum verdict verdict;
	int line, column;
} corpus_checked[] = {
	/* An initContainer with the field on its own securityContext. */
	{"microservices-demo/kubernetes-manifests/loadgenerator.yaml", "Deployment/loadgenerator",
	 "frontend-check", VERDICT_PASS, 66, 11},
	{"microservices-demo/kubernetes-manifests/loadgenerator.yaml", "Deployment/loadgenerator",
	 "main", VERDICT_PASS, 79, 11},
	/* The second document of three; emptyDir volume at /data. */
	{"microservices-demo/kubernetes-manifests/cartservice.yaml", "Deployment/redis-cart",
	 "redis", VERDICT_PASS, 117, 11},
	/* An initContainer of a StatefulSet, mounting a volumeClaimTemplate. */
	{"kubernetes-examples/_archived/cockroachdb/cockroachdb-statefulset.yaml",
	 "StatefulSet/cockroachdb", "bootstrap", VERDICT_FAIL, 100, 9},
	/* JSON: the container's opening brace. */
	{"kubernetes-examples/_archived/meteor/mongo-pod.json", "Pod/mongo", "mongo", VERDICT_FAIL,
	 22, 7},
};
static bool corpus_seen[ARRAY_SIZE(corpus_checked)];

static bool manifest_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && streq(name + n - 5, ".yaml")) || (n > 4 && streq(name + n - 4, ".yml")) ||
	       (n > 5 && streq(name + n - 5, ".json"));
}

static void corpus_check_file(struct corpus *c, const char *root, const char *rel)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
	struct strbuf sb = STRBUF_INIT;
	struct rl_error err = {0};
	if (read_file_limited(path, 16 << 20, &sb, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	c->files++;
	struct ystream s;
	if (ystream_load(strbuf_str(&sb), sb.len, rel, &s, &err) < 0) {
		strv_add(&c->failed, rel);
		strbuf_release(&sb);
		return;
	}
	c->parsed++;
	struct lint_results r = {0};
	if (kube_lint(&s, rel, &r, &err) != 0)
		fail_msg("%s: %s", rel, err.msg);
	for (size_t i = 0; i < r.n; i++) {
		const struct lint_finding *x = &r.v[i];
		if (x->standalone) {
			c->standalone++;
			continue;
		}
		enum verdict v = judge(&x->w);
		c->containers++;
		c->verdicts[v]++;
		for (size_t k = 0; k < ARRAY_SIZE(corpus_checked); k++) {
			if (!streq(rel, corpus_checked[k].file) ||
			    !streq(x->w.origin.workload, corpus_checked[k].workload) ||
			    !streq(x->w.origin.container, corpus_checked[k].container))
				continue;
			assert_false(corpus_seen[k]);
			corpus_seen[k] = true;
			assert_int_equal(v, corpus_checked[k].verdict);
			assert_int_equal(x->w.origin.line, corpus_checked[k].line);
			assert_int_equal(x->w.origin.column, corpus_checked[k].column);
		}
	}
	lint_results_release(&r);
	ystream_release(&s);
	strbuf_release(&sb);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void corpus_walk(struct corpus *c, const char *root, const char *rel)
{
	_cleanup_free_ char *dir = rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	/* Sorted, so a failure names the same file every time. */
	struct strv names = STRV_INIT;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			strv_add(&names, e->d_name);
	closedir(d);
	qsort(names.v, names.n, sizeof(*names.v), cmp_strp);
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_free_ char *sub =
			rel ? xasprintf("%s/%s", rel, names.v[i]) : xstrdup(names.v[i]);
		_cleanup_free_ char *full = xasprintf("%s/%s", root, sub);
		struct stat st;
		if (stat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			corpus_walk(c, root, sub);
		else if (S_ISREG(st.st_mode) && manifest_name(names.v[i]))
			corpus_check_file(c, root, sub);
	}
	strv_release(&names);
}

/*
 * The counts were made independently with PyYAML (CSafeLoader, the same
 * rules) over the same files: 147 containers in the files it can build, plus
 * one each in vitess/etcd-controller-template.yaml and
 * vitess/vtgate-controller-template.yaml, which are valid YAML but have
 * `replicas: {{replicas}}` (a mapping as a key) that Python cannot hold.
 */
static void test_shared_corpus(void **state)
{
	(void)state;
	struct stat st;
	if (stat(SHARED_CORPUS "/kubernetes-examples", &st) < 0) {
		print_message("no corpus at %s\n", SHARED_CORPUS);
		skip();
	}
	struct corpus c = {0};
	corpus_walk(&c, SHARED_CORPUS, "kubernetes-examples");
	corpus_walk(&c, SHARED_CORPUS, "microservices-demo");

	for (size_t i = 0; i < c.failed.n; i++)
		print_message("not YAML: %s\n", c.failed.v[i]);
	assert_int_equal(c.files, 274);
	assert_int_equal(c.failed.n, 0);
	assert_int_equal(c.parsed, 274);
	assert_true(c.containers > 0);
	assert_int_equal(c.containers, 149);
	assert_int_equal(c.verdicts[VERDICT_FAIL], 136);
	assert_int_equal(c.verdicts[VERDICT_PASS], 13);
	assert_int_equal(c.verdicts[VERDICT_WARN], 0);
	assert_int_equal(c.verdicts[VERDICT_EXEMPT], 0);
	assert_int_equal(c.standalone, 0);
	for (size_t k = 0; k < ARRAY_SIZE(corpus_checked); k++)
		if (!corpus_seen[k])
			fail_msg("not found: %s %s %s", corpus_checked[k].file,
				 corpus_checked[k].workload, corpus_checked[k].container);
	strv_release(&c.failed);
}

/* hostPath binds the rule knows, hostPID with SYS_PTRACE, runtime sockets, exemptions. */
static void test_defeaters(void **state)
{
	(void)state;
	struct fx f;
	lint_ok(&f,
		"kind: Deployment\n"
		"metadata:\n"
		"  name: d\n"
		"spec:\n"
		"  template:\n"
		"    spec:\n"
		"      volumes:\n"
		"      - {name: ctrd, hostPath: {path: /run/containerd/containerd.sock, type: "
		"Socket}}\n"
		"      - {name: crio, hostPath: {path: /var/run/crio/crio.sock}}\n"
		"      - {name: root, hostPath: {path: /}}\n"
		"      - {name: layers, hostPath: {path: /var/lib/containerd}}\n"
		"      - {name: logs, hostPath: {path: /var/log}}\n"
		"      containers:\n"
		"      - name: ctrd\n"
		"        securityContext: {readOnlyRootFilesystem: true}\n"
		"        volumeMounts: [{name: ctrd, mountPath: /s, readOnly: true}]\n"
		"      - name: crio\n"
		"        securityContext: {readOnlyRootFilesystem: true}\n"
		"        volumeMounts: [{name: crio, mountPath: /s}]\n"
		"      - name: hostfs\n"
		"        securityContext: {readOnlyRootFilesystem: true}\n"
		"        volumeMounts: [{name: root, mountPath: /host}]\n"
		"      - name: layers-ro\n"
		"        securityContext: {readOnlyRootFilesystem: true}\n"
		"        volumeMounts: [{name: layers, mountPath: /l, readOnly: true}]\n"
		"      - name: layers-rw\n"
		"        securityContext: {readOnlyRootFilesystem: true}\n"
		"        volumeMounts: [{name: layers, mountPath: /l}]\n"
		"      - name: logs\n"
		"        securityContext: {readOnlyRootFilesystem: true}\n"
		"        volumeMounts: [{name: logs, mountPath: /logs}]\n"
		"---\n"
		"kind: Pod\n"
		"metadata:\n"
		"  name: debug\n"
		"  annotations: {rootlock.io/exempt: \"agent=node agent, reads /proc (OPS-9)\"}\n"
		"spec:\n"
		"  hostPID: true\n"
		"  containers:\n"
		"  - name: tracer\n"
		"    securityContext:\n"
		"      readOnlyRootFilesystem: true\n"
		"      capabilities: {add: [SYS_PTRACE]}\n"
		"  - name: plain\n"
		"    securityContext: {readOnlyRootFilesystem: true}\n"
		"  - name: agent\n"
		"    securityContext:\n"
		"      readOnlyRootFilesystem: true\n"
		"      capabilities: {add: [SYS_PTRACE]}\n");
	assert_int_equal(judge(get(&f, "Deployment/d", "ctrd")), VERDICT_WARN);
	assert_int_equal(judge(get(&f, "Deployment/d", "crio")), VERDICT_WARN);
	assert_int_equal(judge(get(&f, "Deployment/d", "hostfs")), VERDICT_WARN);
	assert_int_equal(judge(get(&f, "Deployment/d", "layers-ro")), VERDICT_PASS);
	assert_int_equal(judge(get(&f, "Deployment/d", "layers-rw")), VERDICT_WARN);
	assert_int_equal(judge(get(&f, "Deployment/d", "logs")), VERDICT_PASS);
	const struct workload *w = get(&f, "Pod/debug", "tracer");
	assert_true(w->pid_host && w->cap_sys_ptrace);
	assert_int_equal(judge(w), VERDICT_WARN);
	struct judgement j;
	rule_judge(w, NULL, &j);
	assert_non_null(strstr(j.remediation, "set `hostPID: false`"));
	judgement_release(&j);
	assert_int_equal(judge(get(&f, "Pod/debug", "plain")), VERDICT_PASS);
	assert_int_equal(judge(get(&f, "Pod/debug", "agent")), VERDICT_EXEMPT);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_positions),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_cronjob),
		cmocka_unit_test(test_init_and_ephemeral),
		cmocka_unit_test(test_pod_level_field),
		cmocka_unit_test(test_privileges),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_defeaters),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_exemptions),
		cmocka_unit_test(test_list_yaml),
		cmocka_unit_test(test_list_json),
		cmocka_unit_test(test_anchors_and_merges),
		cmocka_unit_test(test_alias_cycles),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_alias_blowup),
		cmocka_unit_test(test_shared_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
