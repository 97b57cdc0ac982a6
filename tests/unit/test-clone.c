/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "clone.h"

/*
 * What `try` builds and reads: the create request for the read-only clone
 * (it must never touch the original's data or ports) and the evidence in
 * the clone's logs.
 */

/*
 * The parts of a docker inspect answer the clone body copies or changes. The
 * hostname is the short id (the daemon's), the domain name the user's.
 */
static const char original[] =
	"{\"Id\": \"c0ffee123456789\", \"Name\": \"/shop\", \"Image\": \"sha256:5e1f\","
	" \"Config\": {\"Hostname\": \"c0ffee123456\", \"Domainname\": \"example.com\","
	"  \"User\": \"app\", \"Image\": \"example/shop:1\", \"Env\": [\"A=1\"],"
	"  \"Cmd\": [\"serve\"], \"ExposedPorts\": {\"80/tcp\": {}}, \"NetworkDisabled\": true,"
	"  \"Labels\": {\"com.example.team\": \"web\", \"com.docker.compose.service\": \"shop\"}},"
	" \"HostConfig\": {\"Binds\": [\"data:/data\", \"/srv/x:/x:rw\", \"/srv/y:/y:rw,z\","
	"   \"/etc/tz:/etc/timezone\", \"logs:/logs:nocopy\"],"
	"  \"PortBindings\": {\"80/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"8080\"}]},"
	"  \"PublishAllPorts\": true, \"AutoRemove\": true, \"VolumesFrom\": [\"keeper:rw\", "
	"\"other\"],"
	"  \"RestartPolicy\": {\"Name\": \"always\", \"MaximumRetryCount\": 0},"
	"  \"NetworkMode\": \"bridge\", \"Tmpfs\": {\"/run\": \"size=1m\"},"
	"  \"Mounts\": [{\"Type\": \"volume\", \"Source\": \"cache\", \"Target\": \"/cache\"},"
	"   {\"Type\": \"volume\", \"Source\": \"\", \"Target\": \"/anon\"},"
	"   {\"Type\": \"bind\", \"Source\": \"/host/conf\", \"Target\": \"/conf\"}]}}";

static json_t *load_json(const char *text)
{
	json_error_t jerr;
	json_t *c = json_loads(text, 0, &jerr);
	if (!c)
		fail_msg("fixture: %s", jerr.text);
	return c;
}

static json_t *load_original(void)
{
	return load_json(original);
}

/* A real answer of the sandbox engine, from tests/data/runline. */
static json_t *load_fixture(const char *name, const char *kind)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/runline/%s-%s.json", TEST_DATA, name, kind);
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j)
		fail_msg("%s: %s", path, jerr.text);
	return j;
}

/* A plan with one tmpfs and one volume, as plan_build() would make it. */
static void make_plan(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->mounts = xcalloc(2, sizeof(*p->mounts));
	p->mounts[0] = (struct plan_mount){.type = PLAN_TMPFS,
					   .target = xstrdup("/tmp"),
					   .options = xstrdup("mode=1777,size=64m"),
					   .why = xstrdup("tmpfs: scratch")};
	p->mounts[1] = (struct plan_mount){.type = PLAN_VOLUME,
					   .target = xstrdup("/var/lib/shop"),
					   .volume = xstrdup("shop-var-lib-shop"),
					   .why = xstrdup("volume: data")};
	p->n_mounts = 2;
}

static json_t *build(json_t *c, json_t *image, const struct plan *p, const char *label,
		     const char *network, struct strv *volumes)
{
	json_t *body = NULL;
	struct rl_error err = {0};
	if (clone_create_body(c, image, p, label, "shop-try", network, volumes, &body, &err) < 0)
		fail_msg("clone_create_body: %s", err.msg);
	assert_non_null(body);
	return body;
}

static json_t *host_config(json_t *body)
{
	json_t *h = json_object_get(body, "HostConfig");
	assert_true(json_is_object(h));
	return h;
}

static json_t *mount_with_target(json_t *mounts, const char *target)
{
	size_t i;
	json_t *m;
	json_array_foreach (mounts, i, m)
		if (streq(json_string_value(json_object_get(m, "Target")), target))
			return m;
	fail_msg("no mount with Target %s", target);
	return NULL;
}

static void test_clone_is_read_only_and_unpublished(void **state)
{
	json_t *c = load_original();
	json_t *before = json_deep_copy(c);
	struct plan p;
	make_plan(&p);
	_cleanup_strv_ struct strv volumes = STRV_INIT;
	json_t *body = build(c, NULL, &p, "round-1", NULL, &volumes);
	/* The original's description is left as it was. */
	assert_true(json_equal(c, before));

	json_t *h = host_config(body);
	assert_true(json_is_true(json_object_get(h, "ReadonlyRootfs")));
	assert_null(json_object_get(h, "PortBindings"));
	assert_null(json_object_get(h, "PublishAllPorts"));
	/* Its logs are read after it exits: it must not remove itself. */
	assert_null(json_object_get(h, "AutoRemove"));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(h, "RestartPolicy"), "Name")),
		"no");
	/* "bridge" is the default network: said as `docker run` says it, by nothing. */
	assert_null(json_object_get(h, "NetworkMode"));
	/* What the daemon filled in is not passed back. */
	assert_null(json_object_get(body, "NetworkDisabled"));
	assert_null(json_object_get(body, "Hostname"));

	/* The image by id, not by a tag that may have moved. */
	assert_string_equal(json_string_value(json_object_get(body, "Image")), "sha256:5e1f");
	/* The rest of what the user set is the original's, as on the run line. */
	assert_string_equal(json_string_value(json_object_get(body, "Domainname")), "example.com");
	assert_string_equal(json_string_value(json_object_get(body, "User")), "app");
	assert_string_equal(json_string_value(json_array_get(json_object_get(body, "Cmd"), 0)),
			    "serve");
	assert_non_null(json_object_get(json_object_get(body, "ExposedPorts"), "80/tcp"));
	json_t *labels = json_object_get(body, "Labels");
	assert_string_equal(json_string_value(json_object_get(labels, TRY_LABEL)), "round-1");
	assert_string_equal(json_string_value(json_object_get(labels, "com.example.team")), "web");
	/* Compose would count the clone as one of its service's containers. */
	assert_null(json_object_get(labels, "com.docker.compose.service"));

	json_decref(body);
	json_decref(before);
	json_decref(c);
	plan_release(&p);
}

static void test_clone_applies_the_plan(void **state)
{
	json_t *c = load_original();
	struct plan p;
	make_plan(&p);
	_cleanup_strv_ struct strv volumes = STRV_INIT;
	json_t *body = build(c, NULL, &p, "x", "none", &volumes);
	json_t *h = host_config(body);
	assert_string_equal(json_string_value(json_object_get(h, "NetworkMode")), "none");

	json_t *tmpfs = json_object_get(h, "Tmpfs");
	/* The option string, where uid, gid and mode can be said. */
	assert_string_equal(json_string_value(json_object_get(tmpfs, "/tmp")),
			    "mode=1777,size=64m");
	/* The original's own tmpfs stays. */
	assert_string_equal(json_string_value(json_object_get(tmpfs, "/run")), "size=1m");

	json_t *mounts = json_object_get(h, "Mounts");
	json_t *m = mount_with_target(mounts, "/var/lib/shop");
	assert_string_equal(json_string_value(json_object_get(m, "Type")), "volume");
	const char *name = json_string_value(json_object_get(m, "Source"));
	assert_non_null(name);
	/* A fresh volume, not the one plan named for the real container. */
	assert_string_not_equal(name, "shop-var-lib-shop");
	assert_true(strv_contains(&volumes, name));

	json_decref(body);
	json_decref(c);
	plan_release(&p);
}

static void test_clone_protects_the_originals_data(void **state)
{
	json_t *c = load_original();
	struct plan p;
	make_plan(&p);
	_cleanup_strv_ struct strv volumes = STRV_INIT;
	json_t *body = build(c, NULL, &p, "x", NULL, &volumes);
	json_t *h = host_config(body);

	json_t *binds = json_object_get(h, "Binds");
	assert_int_equal(json_array_size(binds), 5);
	/* The named volume "data" is replaced by a fresh one at the same place. */
	const char *b0 = json_string_value(json_array_get(binds, 0));
	assert_true(str_startswith(b0, "shop-try-"));
	assert_true(strstr(b0, ":/data") != NULL);
	assert_false(str_startswith(b0, "data:"));
	/* Host directories stay, read-only, with their other options. */
	assert_string_equal(json_string_value(json_array_get(binds, 1)), "/srv/x:/x:ro");
	assert_string_equal(json_string_value(json_array_get(binds, 2)), "/srv/y:/y:ro,z");
	assert_string_equal(json_string_value(json_array_get(binds, 3)),
			    "/etc/tz:/etc/timezone:ro");
	/* A volume's options stay with the fresh one. */
	const char *b4 = json_string_value(json_array_get(binds, 4));
	assert_true(str_startswith(b4, "shop-try-"));
	assert_true(strstr(b4, ":/logs:nocopy") != NULL);

	json_t *mounts = json_object_get(h, "Mounts");
	json_t *cache = mount_with_target(mounts, "/cache");
	const char *cache_src = json_string_value(json_object_get(cache, "Source"));
	assert_string_not_equal(cache_src, "cache");
	assert_true(str_startswith(cache_src, "shop-try-"));
	/* An anonymous volume is new for every container anyway. */
	assert_string_equal(
		json_string_value(json_object_get(mount_with_target(mounts, "/anon"), "Source")),
		"");
	assert_true(json_is_true(json_object_get(mount_with_target(mounts, "/conf"), "ReadOnly")));
	/* Another container's volumes: read, never written. */
	json_t *from = json_object_get(h, "VolumesFrom");
	assert_string_equal(json_string_value(json_array_get(from, 0)), "keeper:ro");
	assert_string_equal(json_string_value(json_array_get(from, 1)), "other:ro");

	/* Every volume the clone makes is reported, each once, and nothing else. */
	assert_int_equal(volumes.n, 4);
	_cleanup_free_ char *data_volume = xstrndup(b0, strcspn(b0, ":"));
	assert_true(strv_contains(&volumes, data_volume));
	assert_true(strv_contains(&volumes, cache_src));
	assert_true(strv_contains(&volumes,
				  json_string_value(json_object_get(
					  mount_with_target(mounts, "/var/lib/shop"), "Source"))));
	for (size_t i = 0; i < volumes.n; i++)
		for (size_t k = i + 1; k < volumes.n; k++)
			assert_string_not_equal(volumes.v[i], volumes.v[k]);

	json_decref(body);
	json_decref(c);
	plan_release(&p);
}

/*
 * The sandbox engine has no default bridge: a container on the default
 * network says NetworkDisabled: true once started. Passed back, the clone
 * got no network setup, no localhost in /etc/hosts, and a server that
 * listens on localhost died in the clone while the printed line worked.
 */
static void test_clone_of_a_real_container_on_the_default_network(void **state)
{
	json_t *c = load_fixture("netdefault", "container"),
	       *img = load_fixture("netdefault", "image");
	assert_true(json_is_true(json_object_get(json_object_get(c, "Config"), "NetworkDisabled")));
	struct plan p;
	make_plan(&p);
	_cleanup_strv_ struct strv volumes = STRV_INIT;
	json_t *body = build(c, img, &p, "r1", NULL, &volumes);
	assert_null(json_object_get(body, "NetworkDisabled"));
	json_t *h = host_config(body);
	assert_null(json_object_get(h, "NetworkMode"));
	/* Nothing the daemon filled in: these are its defaults, not the user's. */
	static const char *const filled_in[] = {"ShmSize",     "IpcMode",	"Runtime",
						"MaskedPaths", "ReadonlyPaths", "CgroupnsMode",
						"ConsoleSize"};
	for (size_t i = 0; i < ARRAY_SIZE(filled_in); i++)
		if (json_object_get(h, filled_in[i]))
			fail_msg("%s is the daemon's, not the user's", filled_in[i]);
	json_t *binds = json_object_get(h, "Binds");
	assert_true(str_startswith(json_string_value(json_array_get(binds, 0)), "shop-try-"));
	assert_string_equal(json_string_value(json_array_get(binds, 1)),
			    "/var/tmp/rootlock-rl-src:/src:ro");
	assert_null(json_object_get(h, "PortBindings"));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(h, "RestartPolicy"), "Name")),
		"no");
	assert_string_equal(json_string_value(json_object_get(json_object_get(h, "Tmpfs"), "/tmp")),
			    "mode=1777,size=64m");
	assert_string_equal(json_string_value(json_array_get(json_object_get(body, "Env"), 0)),
			    "APP=1");
	assert_string_equal(json_string_value(json_object_get(body, "Image")),
			    json_string_value(json_object_get(c, "Image")));
	assert_int_equal(volumes.n, 2);
	json_decref(body);
	json_decref(c);
	json_decref(img);
	plan_release(&p);
}

/* A description without Config is not a container: an error, not half a clone. */
static void test_clone_minimal_container(void **state)
{
	struct plan p = {0};
	_cleanup_strv_ struct strv volumes = STRV_INIT;
	json_t *bare = load_json("{\"Id\": \"abc\", \"Image\": \"sha256:1\", \"HostConfig\": {}}");
	json_t *body = NULL;
	struct rl_error err = {0};
	assert_true(clone_create_body(bare, NULL, &p, "v", "p", NULL, &volumes, &body, &err) < 0);
	assert_null(body);
	json_decref(bare);

	json_t *c = load_json("{\"Id\": \"abc\", \"Image\": \"sha256:1\", \"Config\": {\"Image\": "
			      "\"x\"}, \"HostConfig\": {}}");
	body = build(c, NULL, &p, "v", NULL, &volumes);
	assert_string_equal(json_string_value(json_object_get(body, "Image")), "sha256:1");
	json_t *h = host_config(body);
	assert_true(json_is_true(json_object_get(h, "ReadonlyRootfs")));
	assert_int_equal(json_array_size(json_object_get(h, "Binds")), 0);
	assert_int_equal(json_array_size(json_object_get(h, "Mounts")), 0);
	assert_int_equal(volumes.n, 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(body, "Labels"), TRY_LABEL)),
		"v");
	json_decref(body);
	json_decref(c);
}

/* --- logs_demux ------------------------------------------------------------ */

/* One frame of Docker's multiplexed log stream. */
static void frame(struct strbuf *sb, unsigned char stream, const char *payload)
{
	size_t len = strlen(payload);
	unsigned char header[8] = {stream,
				   0,
				   0,
				   0,
				   (unsigned char)(len >> 24),
				   (unsigned char)(len >> 16),
				   (unsigned char)(len >> 8),
				   (unsigned char)len};
	strbuf_add(sb, header, sizeof(header));
	strbuf_add(sb, payload, len);
}

static void test_demux_frames(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	frame(&in, 1, "starting\n");
	frame(&in, 2, "mkdir: can't create directory '/srv/': Read-only file system\n");
	frame(&in, 1, "");
	frame(&in, 1, "done\n");
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	logs_demux(in.buf, in.len, false, &out);
	assert_string_equal(strbuf_str(&out), "starting\n"
					      "mkdir: can't create directory '/srv/': Read-only "
					      "file system\n"
					      "done\n");
}

/* A frame longer than 255 bytes uses more than the last size byte. */
static void test_demux_long_frame(void **state)
{
	char big[700];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	frame(&in, 1, big);
	frame(&in, 2, "end\n");
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	logs_demux(in.buf, in.len, false, &out);
	assert_int_equal(out.len, sizeof(big) - 1 + 4);
	assert_string_equal(out.buf + sizeof(big) - 1, "end\n");
}

/* The answer was cut off: keep what arrived. */
static void test_demux_truncated_last_frame(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	frame(&in, 1, "first\n");
	frame(&in, 2, "sh: can't create /run/x.pid: Read-only file system\n");
	size_t cut = in.len - 30;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	logs_demux(in.buf, cut, false, &out);
	assert_string_equal(strbuf_str(&out), "first\nsh: can't create /run");
	/* Cut inside a header: nothing of it shows. */
	strbuf_reset(&out);
	logs_demux(in.buf, 8 + 6 + 5, false, &out);
	assert_string_equal(strbuf_str(&out), "first\n");
}

static void test_demux_tty_passthrough(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	frame(&in, 1, "looks like a frame\n");
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	logs_demux(in.buf, in.len, true, &out);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.buf, in.buf, in.len);
	strbuf_reset(&out);
	logs_demux("\r\nprompt$ ", 10, true, &out);
	assert_string_equal(strbuf_str(&out), "\r\nprompt$ ");
}

/* Text where frames were expected: passed on as it is. */
static void test_demux_not_frames(void **state)
{
	const char text[] = "2026/11/22 10:00:00 [emerg] 1#1: mkdir() \"/var/lib/nginx/body\" "
			    "failed (30: Read-only file system)\n";
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	logs_demux(text, strlen(text), false, &out);
	assert_string_equal(strbuf_str(&out), text);
	/* Frames, then garbage: the frames are decoded, the rest kept. */
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	frame(&in, 1, "ok\n");
	strbuf_addstr(&in, "raw tail\n");
	strbuf_reset(&out);
	logs_demux(in.buf, in.len, false, &out);
	assert_string_equal(strbuf_str(&out), "ok\nraw tail\n");
	strbuf_reset(&out);
	logs_demux("", 0, false, &out);
	assert_int_equal(out.len, 0);
}

/*
 * A raw (not multiplexed) answer shorter than a frame header, 8 bytes, is
 * passed through like a longer one, not dropped.
 */
static void test_demux_short_raw_text(void **state)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	logs_demux("EROFS\n", 6, false, &out);
	assert_string_equal(strbuf_str(&out), "EROFS\n");
}

/* --- logs_find_evidence ----------------------------------------------------- */

#define _cleanup_evidence_ _cleanup_(plan_evidence_release)

static void find(const char *text, struct strv *lines, struct plan_evidence_list *paths)
{
	logs_find_evidence(text, lines, paths);
	for (size_t i = 0; i < paths->n; i++)
		assert_true(paths->v[i].path[0] == '/');
}

/* The i-th piece of evidence is this path, with this kind. */
static void expect_evidence(const struct plan_evidence_list *l, size_t i, const char *path,
			    enum plan_evidence_kind kind)
{
	if (i >= l->n)
		fail_msg("only %zu pieces of evidence, none for %s", l->n, path);
	assert_string_equal(l->v[i].path, path);
	if (l->v[i].kind != kind)
		fail_msg("%s is %s evidence, not %s", path, plan_evidence_kind_name(l->v[i].kind),
			 plan_evidence_kind_name(kind));
}

static void test_erofs_busybox(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("starting\n"
	     "mkdir: can't create directory '/srv/': Read-only file system\n"
	     "sh: can't create /run/x.pid: Read-only file system\n",
	     &lines, &paths);
	assert_int_equal(lines.n, 2);
	assert_string_equal(lines.v[0],
			    "mkdir: can't create directory '/srv/': Read-only file system");
	assert_int_equal(paths.n, 2);
	expect_evidence(&paths, 0, "/srv", EVIDENCE_READ_ONLY);
	expect_evidence(&paths, 1, "/run/x.pid", EVIDENCE_READ_ONLY);
}

static void test_erofs_nginx(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("/docker-entrypoint.sh: Configuration complete; ready for start up\n"
	     "2026/11/22 10:00:00 [emerg] 1#1: mkdir() \"/var/lib/nginx/body\" failed (30: "
	     "Read-only file system)\n"
	     "nginx: [emerg] mkdir() \"/var/lib/nginx/body\" failed (30: Read-only file system)\n",
	     &lines, &paths);
	assert_int_equal(lines.n, 2);
	/* The date is not a path; the same directory named twice counts once. */
	assert_int_equal(paths.n, 1);
	expect_evidence(&paths, 0, "/var/lib/nginx/body", EVIDENCE_READ_ONLY);
}

static void test_erofs_redis_no_path(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("1:C 22 Nov 2026 10:00:00.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n"
	     "Can't open the log file: Read-only file system\n",
	     &lines, &paths);
	assert_int_equal(lines.n, 1);
	assert_string_equal(lines.v[0], "Can't open the log file: Read-only file system");
	assert_int_equal(paths.n, 0);
}

static void test_erofs_errno_name(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("Error: EROFS: read-only file system, open '/app/data/cache.json'\n"
	     "    at Object.openSync (node:fs:596:3)\n"
	     "write /tmp/out: erofs\n"
	     "OSError: [Errno 30] Read-only file system: '/srv/app/state.json'\n",
	     &lines, &paths);
	assert_int_equal(lines.n, 3);
	assert_int_equal(paths.n, 3);
	expect_evidence(&paths, 0, "/app/data/cache.json", EVIDENCE_READ_ONLY);
	expect_evidence(&paths, 1, "/tmp/out", EVIDENCE_READ_ONLY);
	expect_evidence(&paths, 2, "/srv/app/state.json", EVIDENCE_READ_ONLY);
}

/* Failures at no path, and words that only look like failures, are no evidence. */
static void test_evidence_unrelated_lines(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("GET /index.html 200\n"
	     "mounted read-only root\n"
	     "config: No such file or directory, using defaults\n"
	     "login: permission denied for user bob\n"
	     "GET /libexec/x 404 (no such file or directory)\n"
	     "\n",
	     &lines, &paths);
	/* The last line names a URL path: it is text, not a path in the container. */
	assert_int_equal(paths.n, 1);
	expect_evidence(&paths, 0, "/libexec/x", EVIDENCE_MISSING);
	assert_int_equal(lines.n, 1);
	find("", &lines, &paths);
	assert_int_equal(lines.n, 1);
}

static void test_erofs_duplicates_once(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	const char line[] = "sh: can't create /run/x.pid: Read-only file system\n";
	_cleanup_free_ char *text = xasprintf("%s%s%s", line, line, line);
	find(text, &lines, &paths);
	assert_int_equal(paths.n, 1);
	expect_evidence(&paths, 0, "/run/x.pid", EVIDENCE_READ_ONLY);
	/* Paths already known (from an earlier round) are not added again. */
	find("touch: /run/x.pid: Read-only file system\n"
	     "touch: /var/log/app.log: Read-only file system\n",
	     &lines, &paths);
	assert_int_equal(paths.n, 2);
	expect_evidence(&paths, 1, "/var/log/app.log", EVIDENCE_READ_ONLY);
	/* The same path with another failure is new evidence. */
	find("sh: /run/x.pid: Permission denied\n", &lines, &paths);
	assert_int_equal(paths.n, 3);
	expect_evidence(&paths, 2, "/run/x.pid", EVIDENCE_DENIED);
}

/* A log line can be huge; what is kept of it is bounded. */
static void test_erofs_long_line(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "write /data/f: Read-only file system ");
	for (int i = 0; i < 2000; i++)
		strbuf_addch(&sb, 'x');
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find(strbuf_str(&sb), &lines, &paths);
	assert_int_equal(lines.n, 1);
	assert_true(strlen(lines.v[0]) <= 500);
	assert_int_equal(paths.n, 1);
	expect_evidence(&paths, 0, "/data/f", EVIDENCE_READ_ONLY);
	strbuf_release(&sb);
}

/* "No such file or directory", as busybox, glibc, nginx, postgres, Python and Node say it. */
static void test_evidence_missing(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("mkdir: can't create directory '/var/lock/subsys/app': No such file or directory\n"
	     "sh: can't create /run/app/app.pid: nonexistent directory\n"
	     "2026/12/06 03:00:00 [emerg] 1#1: open() \"/run/nginx/nginx.pid\" failed (2: No "
	     "such file or directory)\n"
	     "2026-12-06 03:00:00.000 UTC [1] FATAL:  could not create lock file "
	     "\"/var/run/postgresql/.s.PGSQL.5432.lock\": No such file or directory\n"
	     "FileNotFoundError: [Errno 2] No such file or directory: '/run/app/app.sock'\n"
	     "Error: ENOENT: no such file or directory, mkdir '/var/cache/app/tmp'\n",
	     &lines, &paths);
	assert_int_equal(lines.n, 6);
	assert_int_equal(paths.n, 6);
	expect_evidence(&paths, 0, "/var/lock/subsys/app", EVIDENCE_MISSING);
	expect_evidence(&paths, 1, "/run/app/app.pid", EVIDENCE_MISSING);
	expect_evidence(&paths, 2, "/run/nginx/nginx.pid", EVIDENCE_MISSING);
	expect_evidence(&paths, 3, "/var/run/postgresql/.s.PGSQL.5432.lock", EVIDENCE_MISSING);
	expect_evidence(&paths, 4, "/run/app/app.sock", EVIDENCE_MISSING);
	expect_evidence(&paths, 5, "/var/cache/app/tmp", EVIDENCE_MISSING);
}

/* "Permission denied": on a write, or on running a program (then it is noexec's). */
static void test_evidence_denied_and_noexec(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("2026/12/06 03:00:00 [crit] 8#8: *2 open() \"/var/lib/nginx/body/0000000001\" "
	     "failed (13: Permission denied), client: 127.0.0.1\n"
	     "2026-12-06 03:00:00.000 UTC [1] FATAL:  could not open file "
	     "\"/var/lib/postgresql/data/PG_VERSION\": Permission denied\n"
	     "PermissionError: [Errno 13] Permission denied: '/app/data/app.db'\n"
	     "Error: EACCES: permission denied, open '/var/cache/app/x'\n"
	     "/init: line 33: /run/s6/basedir/init-stage2: Permission denied\n"
	     "exec /run/s6/rc.init: permission denied\n"
	     "s6ish: fatal: cannot execute /run/s6/x (exit 126): Permission denied\n",
	     &lines, &paths);
	assert_int_equal(lines.n, 7);
	/* "/init" opens its line: a path, though not the one that failed. */
	assert_int_equal(paths.n, 8);
	expect_evidence(&paths, 0, "/var/lib/nginx/body/0000000001", EVIDENCE_DENIED);
	expect_evidence(&paths, 1, "/var/lib/postgresql/data/PG_VERSION", EVIDENCE_DENIED);
	expect_evidence(&paths, 2, "/app/data/app.db", EVIDENCE_DENIED);
	expect_evidence(&paths, 3, "/var/cache/app/x", EVIDENCE_DENIED);
	/* The shell's own words say nothing of exec: the planner works it out. */
	expect_evidence(&paths, 4, "/init", EVIDENCE_DENIED);
	expect_evidence(&paths, 5, "/run/s6/basedir/init-stage2", EVIDENCE_DENIED);
	expect_evidence(&paths, 6, "/run/s6/rc.init", EVIDENCE_NOEXEC);
	expect_evidence(&paths, 7, "/run/s6/x", EVIDENCE_NOEXEC);
}

/* Code mapped from a noexec mount, as glibc's loader and Python say it. */
static void test_evidence_map_segment(void **state)
{
	_cleanup_strv_ struct strv lines = STRV_INIT;
	_cleanup_evidence_ struct plan_evidence_list paths = {0};
	find("varnishd: error while loading shared libraries: "
	     "/var/lib/varnish/c0ffee/vcl_boot.1733454000.123/vgc.so: failed to map segment "
	     "from shared object\n"
	     "ImportError: /tmp/_MEI12345/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so: "
	     "failed to map segment from shared object\n"
	     "python3: error while loading shared libraries: libpython3.11.so.1.0: failed to "
	     "map segment from shared object\n",
	     &lines, &paths);
	/* The last line names a library, not a path: no evidence to act on. */
	assert_int_equal(lines.n, 2);
	assert_int_equal(paths.n, 2);
	expect_evidence(&paths, 0, "/var/lib/varnish/c0ffee/vcl_boot.1733454000.123/vgc.so",
			EVIDENCE_NOEXEC);
	expect_evidence(&paths, 1,
			"/tmp/_MEI12345/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
			EVIDENCE_NOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_is_read_only_and_unpublished),
		cmocka_unit_test(test_clone_applies_the_plan),
		cmocka_unit_test(test_clone_protects_the_originals_data),
		cmocka_unit_test(test_clone_of_a_real_container_on_the_default_network),
		cmocka_unit_test(test_clone_minimal_container),
		cmocka_unit_test(test_demux_frames),
		cmocka_unit_test(test_demux_long_frame),
		cmocka_unit_test(test_demux_truncated_last_frame),
		cmocka_unit_test(test_demux_tty_passthrough),
		cmocka_unit_test(test_demux_not_frames),
		cmocka_unit_test(test_demux_short_raw_text),
		cmocka_unit_test(test_erofs_busybox),
		cmocka_unit_test(test_erofs_nginx),
		cmocka_unit_test(test_erofs_redis_no_path),
		cmocka_unit_test(test_erofs_errno_name),
		cmocka_unit_test(test_evidence_unrelated_lines),
		cmocka_unit_test(test_erofs_duplicates_once),
		cmocka_unit_test(test_erofs_long_line),
		cmocka_unit_test(test_evidence_missing),
		cmocka_unit_test(test_evidence_denied_and_noexec),
		cmocka_unit_test(test_evidence_map_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
