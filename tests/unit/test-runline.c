/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "runline.h"
#include "yamldoc.h"

/*
 * The fixtures in tests/data/runline are real answers of the sandbox engine
 * (dockerd 20.10.24, API 1.41, scripts/engine) to `docker inspect` and
 * `docker image inspect`, for containers made with the 20.10 CLI:
 *   plain           run --network none rootlock-test/busybox:latest sleep 3600
 *   overrides       run --network none --hostname myhost -e 'GREETING=hello world'
 *                   -e $'TRICKY=it\'s "$HOME" `id` \\ a\nline2' -l 'owner=team a'
 *                   -l rootlock.try=1 -u app -w /home/app --entrypoint /bin/sh BUSYBOX
 *                   -c 'sleep 3600'
 *   mounts          run --network none -v /var/tmp/rootlock-rl-src:/src:ro -v rl-data:/store
 *                   --mount type=bind,source=/var/tmp/rootlock-rl-src,target=/mnt/b
 *                   --mount type=volume,source=rl-vol2,target=/vol2
 *                   --mount type=tmpfs,target=/scratch,tmpfs-size=67108864
 *                   --tmpfs /run:size=16m,exec rootlock-test/volume:latest sleep 3600
 *   security        run --network none --read-only --restart on-failure:3 --cap-drop ALL
 *                   --cap-add NET_BIND_SERVICE --cap-add CHOWN --security-opt no-new-privileges
 *                   --ulimit nofile=1024:2048 --ulimit nproc=512 --init -t -i
 *                   --stop-signal SIGUSR1 --stop-timeout 5 --memory 64m --cpus 0.5
 *                   --pids-limit 100 --add-host db.local:10.0.0.5 --dns 1.1.1.1
 *                   --dns-search example.com --dns-option ndots:2 --shm-size 32m
 *                   --group-add 1000 --sysctl net.ipv4.ip_unprivileged_port_start=0
 *                   --log-driver none --device /dev/zero:/dev/zero2:rwm BUSYBOX sleep 3600
 *   health          run --network none --health-cmd 'wget -q localhost || exit 1'
 *                   --health-interval 5s --health-timeout 2s --health-retries 2
 *                   --health-start-period 1m30s BUSYBOX sleep 3600
 *   custom*         from rootlock-rl/custom:1, committed from BUSYBOX with
 *                   ENTRYPOINT ["/bin/sh","-c"] CMD ["sleep 3600"] ENV IMGVAR=1 OTHER=two
 *                   USER app WORKDIR /home/app LABEL img.label=1
 *                   HEALTHCHECK --interval=30s CMD true
 *     custom          run --network none --no-healthcheck IMAGE
 *     custom-cmd      run --network none -e IMGVAR=override -u root IMAGE 'sleep 100'
 *     custom-entry    run --network none --entrypoint /bin/sleep IMAGE 3600
 *     custom-noentry  run --network none --entrypoint '' IMAGE sleep 3600
 *   ports           create -p 127.0.0.1:18080:80 -p 8443:443/tcp -p 5353:53/udp BUSYBOX
 *                   sleep 3600 (the default network; the sandbox has no bridge)
 *   api-entry       POST /containers/create {"Entrypoint":["/bin/sh","-c"],
 *                   "Cmd":["sleep 3600"],"HostConfig":{"NetworkMode":"none"}}
 *   netdefault      run -p 127.0.0.1:18081:80 --restart always -v rl-fxdata:/data
 *                   -v /var/tmp/rootlock-rl-src:/src --tmpfs /run:size=1m -e APP=1
 *                   -l rootlock.test=fx BUSYBOX sh -c 'grep -q localhost /etc/hosts ||
 *                   exit 7; ...' (the default network on an engine without a bridge:
 *                   once started, its Config says NetworkDisabled: true)
 * NAME-request.json and NAME-ro-request.json are the bodies of POST
 * /containers/create that the 20.10 CLI sent (to a socket that recorded them)
 * when given the words runline_argv made for NAME, without changes and with
 * ro_changes below. They are what the printed line makes, so the create
 * request built for a clone must say the same.
 * The expectations below were written from those commands, not from the
 * output. Running each expected line against the same engine recreated a
 * container whose inspect matched the original (checked by hand, see the
 * report of the change that added this file).
 */

static json_t *load(const char *name, const char *kind)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/runline/%s-%s.json", TEST_DATA, name, kind);
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j)
		fail_msg("%s: %s", path, jerr.text);
	return j;
}

static void expect_words(const struct strv *got, const char *const *want, size_t n)
{
	for (size_t i = 0; i < got->n && i < n; i++)
		if (!streq(got->v[i], want[i]))
			fail_msg("word %zu: got \"%s\", want \"%s\"", i, got->v[i], want[i]);
	assert_int_equal(got->n, n);
}

static void expect_argv_ch(const char *fixture, const struct run_changes *ch,
			   const char *const *want, size_t n)
{
	json_t *c = load(fixture, "container"), *img = load(fixture, "image");
	struct strv argv = STRV_INIT;
	struct rl_error err = {0};
	if (runline_argv(c, img, ch, &argv, &err) != 0)
		fail_msg("%s: %s", fixture, err.msg);
	expect_words(&argv, want, n);
	strv_release(&argv);
	json_decref(c);
	json_decref(img);
}

#define EXPECT_ARGV(fixture, ch, ...)                                                              \
	do {                                                                                       \
		static const char *const want_[] = {__VA_ARGS__};                                  \
		expect_argv_ch(fixture, ch, want_, ARRAY_SIZE(want_));                             \
	} while (0)

/* --- docker run, one fixture each --- */

static void test_network_default(void **state)
{
	(void)state;
	/* The daemon's NetworkDisabled is not the user's: no --network at all. */
	EXPECT_ARGV("netdefault", NULL, "docker", "run", "--detach", "--name", "netdefault",
		    "--env", "APP=1", "--label", "rootlock.test=fx", "--publish",
		    "127.0.0.1:18081:80", "--restart", "always", "--volume", "rl-fxdata:/data",
		    "--volume", "/var/tmp/rootlock-rl-src:/src", "--tmpfs", "/run:size=1m",
		    "rootlock-test/busybox", "sh", "-c",
		    "grep -q localhost /etc/hosts || exit 7; trap \"exit 0\" TERM; while :; do "
		    "sleep 1; done");
}

static void test_plain(void **state)
{
	(void)state;
	/* The hostname is the short id and the image's label is the image's: neither is said. */
	EXPECT_ARGV("plain", NULL, "docker", "run", "--detach", "--name", "rl-plain", "--network",
		    "none", "rootlock-test/busybox:latest", "sleep", "3600");
}

static void test_overrides(void **state)
{
	(void)state;
	EXPECT_ARGV("overrides", NULL, "docker", "run", "--detach", "--name", "rl-overrides",
		    "--hostname", "myhost", "--user", "app", "--workdir", "/home/app", "--env",
		    "TRICKY=it's \"$HOME\" `id` \\ a\nline2", "--env", "GREETING=hello world",
		    "--label", "owner=team a", "--entrypoint", "/bin/sh", "--network", "none",
		    "rootlock-test/busybox:latest", "-c", "sleep 3600");
}

static void test_mounts(void **state)
{
	(void)state;
	/* The image's VOLUME /data is anonymous: nothing to say. */
	EXPECT_ARGV("mounts", NULL, "docker", "run", "--detach", "--name", "rl-mounts", "--network",
		    "none", "--volume", "/var/tmp/rootlock-rl-src:/src:ro", "--volume",
		    "rl-data:/store", "--mount",
		    "type=bind,source=/var/tmp/rootlock-rl-src,target=/mnt/b", "--mount",
		    "type=volume,source=rl-vol2,target=/vol2", "--mount",
		    "type=tmpfs,target=/scratch,tmpfs-size=67108864", "--tmpfs",
		    "/run:size=16m,exec", "rootlock-test/volume:latest", "sleep", "3600");
}

static void test_mounts_with_changes(void **state)
{
	(void)state;
	const struct run_mount m[] = {
		{RUN_MOUNT_TMPFS, "/scratch", "size=1m", NULL}, /* already a tmpfs: kept */
		{RUN_MOUNT_VOLUME, "/store", NULL, "other"},	/* already a named volume: kept */
		{RUN_MOUNT_VOLUME, "/data", NULL, "app-data"},	/* replaces the anonymous one */
		{RUN_MOUNT_TMPFS, "/tmp", "mode=1777,size=64m", NULL},
		{RUN_MOUNT_TMPFS, "/var/cache", NULL, NULL},
		{RUN_MOUNT_VOLUME, "/srv/a,b", NULL, "v:1"},
	};
	const struct run_changes ch = {
		.read_only = true, .mounts = m, .n_mounts = ARRAY_SIZE(m), .name = "rl-mounts-ro"};
	EXPECT_ARGV("mounts", &ch, "docker", "run", "--detach", "--name", "rl-mounts-ro",
		    "--network", "none", "--volume", "/var/tmp/rootlock-rl-src:/src:ro", "--volume",
		    "rl-data:/store", "--mount",
		    "type=bind,source=/var/tmp/rootlock-rl-src,target=/mnt/b", "--mount",
		    "type=volume,source=rl-vol2,target=/vol2", "--mount",
		    "type=tmpfs,target=/scratch,tmpfs-size=67108864", "--tmpfs",
		    "/run:size=16m,exec", "--read-only", "--mount",
		    "type=volume,source=app-data,target=/data", "--tmpfs",
		    "/tmp:mode=1777,size=64m", "--tmpfs", "/var/cache", "--mount",
		    "type=volume,source=v:1,\"target=/srv/a,b\"", "rootlock-test/volume:latest",
		    "sleep", "3600");
}

static const char *const security_words[] = {
	"docker", "run", "--detach", "--name", "rl-security", "--network", "none", "--dns",
	"1.1.1.1", "--dns-search", "example.com", "--dns-option", "ndots:2", "--add-host",
	"db.local:10.0.0.5", "--restart", "on-failure:3", "--init", "--tty", "--interactive",
	"--stop-signal", "SIGUSR1", "--stop-timeout", "5", "--cap-add", "NET_BIND_SERVICE",
	"--cap-add", "CHOWN", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
	"--group-add", "1000", "--sysctl", "net.ipv4.ip_unprivileged_port_start=0", "--ulimit",
	"nofile=1024:2048", "--ulimit", "nproc=512",
	/* rwm is the default, and the swap limit is the daemon's 2 x memory. */
	"--device", "/dev/zero:/dev/zero2", "--memory", "64m", "--cpus", "0.5", "--pids-limit",
	"100", "--shm-size", "32m", "--log-driver", "none", "--read-only",
	"rootlock-test/busybox:latest", "sleep", "3600"};

static void test_security(void **state)
{
	(void)state;
	expect_argv_ch("security", NULL, security_words, ARRAY_SIZE(security_words));
	/* Already read-only: asking again says it once. */
	const struct run_changes ch = {.read_only = true};
	expect_argv_ch("security", &ch, security_words, ARRAY_SIZE(security_words));
}

static void test_health(void **state)
{
	(void)state;
	EXPECT_ARGV("health", NULL, "docker", "run", "--detach", "--name", "rl-health", "--network",
		    "none", "--health-cmd", "wget -q localhost || exit 1", "--health-interval",
		    "5s", "--health-timeout", "2s", "--health-start-period", "1m30s",
		    "--health-retries", "2", "rootlock-test/busybox:latest", "sleep", "3600");
}

static void test_custom_image(void **state)
{
	(void)state;
	/* Env, user, workdir, labels, entrypoint and cmd all come from the image. */
	EXPECT_ARGV("custom", NULL, "docker", "run", "--detach", "--name", "rl-custom", "--network",
		    "none", "--no-healthcheck", "rootlock-rl/custom:1");
	EXPECT_ARGV("custom-cmd", NULL, "docker", "run", "--detach", "--name", "rl-custom-cmd",
		    "--user", "root", "--env", "IMGVAR=override", "--network", "none",
		    "rootlock-rl/custom:1", "sleep 100");
	/* A new entrypoint drops the image's Cmd, so the Cmd is always said. */
	EXPECT_ARGV("custom-entry", NULL, "docker", "run", "--detach", "--name", "rl-custom-entry",
		    "--entrypoint", "/bin/sleep", "--network", "none", "rootlock-rl/custom:1",
		    "3600");
	EXPECT_ARGV("custom-noentry", NULL, "docker", "run", "--detach", "--name",
		    "rl-custom-noentry", "--entrypoint", "", "--network", "none",
		    "rootlock-rl/custom:1", "sleep", "3600");
}

static void test_api_entrypoint(void **state)
{
	(void)state;
	/* --entrypoint takes one word; the rest go before the Cmd. */
	EXPECT_ARGV("api-entry", NULL, "docker", "run", "--detach", "--name", "rl-api-entry",
		    "--entrypoint", "/bin/sh", "--network", "none", "rootlock-test/busybox:latest",
		    "-c", "sleep 3600");
}

static void test_ports(void **state)
{
	(void)state;
	EXPECT_ARGV("ports", NULL, "docker", "run", "--detach", "--name", "rl-ports", "--publish",
		    "8443:443", "--publish", "5353:53/udp", "--publish", "127.0.0.1:18080:80",
		    "rootlock-test/busybox:latest", "sleep", "3600");
	/* A clone publishes nothing, but still exposes what was published. */
	const struct run_changes ch = {.drop_published_ports = true, .name = "rl-ports-clone"};
	EXPECT_ARGV("ports", &ch, "docker", "run", "--detach", "--name", "rl-ports-clone",
		    "--expose", "443", "--expose", "53/udp", "--expose", "80",
		    "rootlock-test/busybox:latest", "sleep", "3600");
}

/* --- edits of real fixtures for what the CLI cannot easily make --- */

static void argv_of(json_t *c, json_t *img, struct strv *argv)
{
	struct rl_error err = {0};
	if (runline_argv(c, img, NULL, argv, &err) != 0)
		fail_msg("runline_argv: %s", err.msg);
}

static bool has_pair(const struct strv *a, const char *flag, const char *val)
{
	for (size_t i = 0; i + 1 < a->n; i++)
		if (streq(a->v[i], flag) && streq(a->v[i + 1], val))
			return true;
	return false;
}

static void test_durations_and_sizes(void **state)
{
	(void)state;
	json_t *c = load("health", "container"), *img = load("health", "image");
	json_t *h = json_object_get(json_object_get(c, "Config"), "Healthcheck");
	json_object_set_new(h, "Interval", json_integer(3600000000000LL));
	json_object_set_new(h, "Timeout", json_integer(1500000000LL));
	json_object_set_new(h, "StartPeriod", json_integer(250000000LL));
	json_t *hc = json_object_get(c, "HostConfig");
	json_object_set_new(hc, "Memory", json_integer(1LL << 30));
	json_object_set_new(hc, "MemorySwap", json_integer(-1));
	json_object_set_new(hc, "ShmSize", json_integer(1000));
	json_object_set_new(hc, "NanoCpus", json_integer(1250000000LL));
	struct strv a = STRV_INIT;
	argv_of(c, img, &a);
	assert_true(has_pair(&a, "--health-interval", "1h0m0s"));
	assert_true(has_pair(&a, "--health-timeout", "1.5s"));
	assert_true(has_pair(&a, "--health-start-period", "250ms"));
	assert_true(has_pair(&a, "--memory", "1g"));
	assert_true(has_pair(&a, "--memory-swap", "-1"));
	assert_true(has_pair(&a, "--shm-size", "1000"));
	assert_true(has_pair(&a, "--cpus", "1.25"));
	strv_release(&a);
	json_decref(c);
	json_decref(img);
}

static void test_modes_and_hostname(void **state)
{
	(void)state;
	json_t *c = load("overrides", "container"), *img = load("overrides", "image");
	json_t *hc = json_object_get(c, "HostConfig");
	json_object_set_new(hc, "NetworkMode", json_string("host"));
	json_object_set_new(hc, "PidMode", json_string("host"));
	json_object_set_new(hc, "IpcMode", json_string("shareable"));
	json_object_set_new(hc, "Privileged", json_true());
	json_object_set_new(
		hc, "RestartPolicy",
		json_pack("{s:s,s:i}", "Name", "unless-stopped", "MaximumRetryCount", 0));
	struct strv a = STRV_INIT;
	argv_of(c, img, &a);
	/* With the host's network the hostname is the host's: not ours to set. */
	assert_false(strv_contains(&a, "--hostname"));
	assert_true(has_pair(&a, "--network", "host"));
	assert_true(has_pair(&a, "--pid", "host"));
	assert_true(has_pair(&a, "--ipc", "shareable"));
	assert_true(has_pair(&a, "--restart", "unless-stopped"));
	assert_true(strv_contains(&a, "--privileged"));
	strv_release(&a);

	/* Without an image description every setting counts as the container's own. */
	json_object_set_new(hc, "NetworkMode", json_string("bridge"));
	argv_of(c, NULL, &a);
	assert_true(has_pair(&a, "--hostname", "myhost"));
	assert_false(strv_contains(&a, "--network"));
	assert_true(has_pair(&a, "--label", "rootlock.test=1"));
	assert_false(has_pair(&a, "--label", "rootlock.try=1"));
	strv_release(&a);
	json_decref(c);
	json_decref(img);
}

static void test_errors(void **state)
{
	(void)state;
	struct strv a = STRV_INIT;
	struct rl_error err = {0};
	json_t *arr = json_array();
	assert_int_equal(runline_argv(arr, NULL, NULL, &a, &err), RL_EPARSE);
	json_decref(arr);
	json_t *c = json_pack("{s:{},s:{}}", "Config", "HostConfig");
	assert_int_equal(runline_argv(c, NULL, NULL, &a, &err), RL_EPARSE); /* no image */
	json_decref(c);

	c = load("plain", "container");
	json_t *img = load("plain", "image");
	const struct run_mount rel = {RUN_MOUNT_TMPFS, "tmp", NULL, NULL};
	struct run_changes ch = {.mounts = &rel, .n_mounts = 1};
	assert_int_equal(runline_argv(c, img, &ch, &a, &err), RL_EUSAGE);
	const struct run_mount colon = {RUN_MOUNT_TMPFS, "/a:b", NULL, NULL};
	ch.mounts = &colon;
	assert_int_equal(runline_argv(c, img, &ch, &a, &err), RL_EUSAGE);
	const struct run_mount noname = {RUN_MOUNT_VOLUME, "/data", NULL, NULL};
	ch.mounts = &noname;
	assert_int_equal(runline_argv(c, img, &ch, &a, &err), RL_EUSAGE);

	/* An inline seccomp profile cannot go back on a command line. */
	json_object_set_new(json_object_get(c, "HostConfig"), "SecurityOpt",
			    json_pack("[s]", "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"));
	assert_int_equal(runline_argv(c, img, NULL, &a, &err), RL_EUSAGE);
	assert_non_null(strstr(err.msg, "seccomp"));
	assert_int_equal(a.n, 0);

	/* Odd types are ignored, not trusted. */
	json_object_set_new(json_object_get(c, "HostConfig"), "SecurityOpt", json_integer(3));
	json_object_set_new(json_object_get(c, "HostConfig"), "Binds", json_pack("[i]", 1));
	json_object_set_new(json_object_get(c, "Config"), "Env", json_pack("[n]"));
	assert_int_equal(runline_argv(c, img, NULL, &a, &err), 0);
	strv_release(&a);
	json_decref(c);
	json_decref(img);
}

/* --- shell_join --- */

static const char *const tricky[] = {
	"plain",
	"",
	"it's",
	"\"double\"",
	"$HOME",
	"`id`",
	"$(id)",
	"a\nb",
	"tab\there",
	"-n",
	"--flag=x y",
	"~",
	"~root/x",
	"*",
	"a?b[c]",
	"{a,b}",
	"#comment",
	"semi;colon&amp|pipe",
	"back\\slash",
	"100%",
	"%s%d",
	"=x",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3",
	"esc\x1b[31mred",
	"cr\rhidden",
	"-\x01leading dash then control",
	"bell\a",
	"del\x7f",
	"c1 \xc2\x9b",
	"bidi \xe2\x80\xae"
	"txt",
	"bad utf8 \xff\xfe",
	"quote ' in \n newline",
	"!bang",
};

/* Run the joined line through a shell and get each word back, NUL-separated. */
static void roundtrip_shell(const char *shell, char *const *words, size_t n)
{
	if (access(shell, X_OK) != 0) {
		print_message("# %s: not installed, skipped\n", shell);
		return;
	}
	char *line = shell_join(words, n);
	assert_non_null(line);
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("raw control byte 0x%02x in: %s", *p, line);
	char path[] = "/tmp/rootlock-test-runline-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "printf '%%s\\0' %s\n", line);
	fclose(f);
	char *cmd = xasprintf("%s %s", shell, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&out, buf, got);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (off >= out.len)
			fail_msg("%s: only %zu of %zu words came back", shell, i, n);
		size_t len = strlen(out.buf + off);
		if (len != strlen(words[i]) || memcmp(out.buf + off, words[i], len) != 0)
			fail_msg("%s: word %zu came back as \"%s\", want \"%s\"", shell, i,
				 out.buf + off, words[i]);
		off += len + 1;
	}
	assert_int_equal(off, out.len);
	strbuf_release(&out);
	free(cmd);
	free(line);
}

static void test_shell_join_shells(void **state)
{
	(void)state;
	/* /bin/sh is dash on Debian, which has no $'...'. */
	roundtrip_shell("/bin/sh", (char *const *)tricky, ARRAY_SIZE(tricky));
	roundtrip_shell("/bin/bash", (char *const *)tricky, ARRAY_SIZE(tricky));
	roundtrip_shell("/bin/dash", (char *const *)tricky, ARRAY_SIZE(tricky));
	roundtrip_shell("/usr/bin/zsh", (char *const *)tricky, ARRAY_SIZE(tricky));
}

static void expect_join(const char *word, const char *want)
{
	char *const w[] = {"docker", (char *)word};
	char *got = shell_join(w, 2);
	assert_non_null(got);
	assert_string_equal(got + strlen("docker "), want);
	free(got);
}

static void test_shell_join_forms(void **state)
{
	(void)state;
	expect_join("plain-word_1.2:3,4@x+y=z/%", "plain-word_1.2:3,4@x+y=z/%");
	expect_join("", "''");
	expect_join("it's", "'it'\\''s'");
	expect_join("a b", "'a b'");
	expect_join("~", "'~'");
	expect_join("=x", "'=x'");
	expect_join("caf\xc3\xa9", "'caf\xc3\xa9'");
	expect_join("a\nb", "\"$(printf 'a\\012b')\"");
	expect_join("-x\t'%\\", "\"$(printf '\\055x\\011\\047%%\\\\')\"");
	/* Only the command word can be an assignment or a reserved word. */
	char *const first[] = {"A=b", "if", "A=b"};
	char *got = shell_join(first, 3);
	assert_string_equal(got, "'A=b' if A=b");
	free(got);
	char *const kw[] = {"if"};
	got = shell_join(kw, 1);
	assert_string_equal(got, "'if'");
	free(got);
	got = shell_join(NULL, 0);
	assert_string_equal(got, "");
	free(got);
	/* A trailing newline has no spelling without a raw newline. */
	char *const nl[] = {"echo", "line\n"};
	assert_null(shell_join(nl, 2));
}

static void test_argv_line_runs(void **state)
{
	(void)state;
	/* The words of a real fixture survive the trip through sh. */
	json_t *c = load("overrides", "container"), *img = load("overrides", "image");
	struct strv a = STRV_INIT;
	argv_of(c, img, &a);
	roundtrip_shell("/bin/sh", a.v, a.n);
	strv_release(&a);
	json_decref(c);
	json_decref(img);
}

/* --- Compose --- */

static struct ynode *service_of(const char *yaml, struct ystream *ys, const char *name)
{
	struct rl_error err = {0};
	if (ystream_load(yaml, strlen(yaml), "snippet", ys, &err) != 0)
		fail_msg("%s\n%s", err.msg, yaml);
	assert_int_equal(ys->n, 1);
	struct ynode *svc = ymap_get(ymap_get(ys->docs[0].root, "services"), name);
	if (!svc)
		fail_msg("no service %s in\n%s", name, yaml);
	return svc;
}

static const char *seq_item(const struct ynode *seq, size_t i)
{
	assert_true(yis_seq(seq));
	assert_true(i < seq->n);
	return yscalar(seq->items[i]);
}

static void test_compose_overrides(void **state)
{
	(void)state;
	json_t *c = load("overrides", "container"), *img = load("overrides", "image");
	const struct run_mount m[] = {{RUN_MOUNT_TMPFS, "/tmp", "size=64m", NULL},
				      {RUN_MOUNT_VOLUME, "/var/lib/x", NULL, "xdata"}};
	const struct run_changes ch = {.read_only = true, .mounts = m, .n_mounts = 2};
	struct strbuf out = STRBUF_INIT;
	struct rl_error err = {0};
	assert_int_equal(runline_compose(c, img, &ch, &out, &err), 0);
	struct ystream ys;
	struct ynode *svc = service_of(out.buf, &ys, "rl-overrides");
	assert_string_equal(yscalar(ymap_get(svc, "image")), "rootlock-test/busybox:latest");
	assert_string_equal(yscalar(ymap_get(svc, "hostname")), "myhost");
	assert_string_equal(yscalar(ymap_get(svc, "user")), "app");
	/* '$' doubled: Compose would interpolate $HOME. */
	assert_string_equal(seq_item(ymap_get(svc, "environment"), 0),
			    "TRICKY=it's \"$$HOME\" `id` \\ a\nline2");
	assert_string_equal(seq_item(ymap_get(svc, "labels"), 0), "owner=team a");
	assert_int_equal(ymap_get(svc, "labels")->n, 1);
	/* Compose takes the whole entrypoint. */
	assert_string_equal(seq_item(ymap_get(svc, "entrypoint"), 0), "/bin/sh");
	assert_string_equal(seq_item(ymap_get(svc, "command"), 1), "sleep 3600");
	assert_string_equal(yscalar(ymap_get(svc, "network_mode")), "none");
	assert_int_equal(ybool(ymap_get(svc, "read_only")), 1);
	assert_string_equal(seq_item(ymap_get(svc, "tmpfs"), 0), "/tmp:size=64m");
	struct ynode *vol = ymap_get(svc, "volumes")->items[0];
	assert_string_equal(yscalar(ymap_get(vol, "type")), "volume");
	assert_string_equal(yscalar(ymap_get(vol, "source")), "xdata");
	assert_string_equal(yscalar(ymap_get(vol, "target")), "/var/lib/x");
	struct ynode *top = ymap_get(ymap_get(ys.docs[0].root, "volumes"), "xdata");
	assert_string_equal(yscalar(ymap_get(top, "name")), "xdata");
	assert_null(ymap_get(top, "external"));
	/* One line per thing, no raw control bytes. */
	for (const char *p = out.buf; *p; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	ystream_release(&ys);
	strbuf_release(&out);
	json_decref(c);
	json_decref(img);
}

static void test_compose_security_mounts(void **state)
{
	(void)state;
	const char *fixtures[] = {"security",	    "mounts", "health",	  "custom",
				  "custom-noentry", "ports",  "api-entry"};
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		json_t *c = load(fixtures[i], "container"), *img = load(fixtures[i], "image");
		struct strbuf out = STRBUF_INIT;
		struct rl_error err = {0};
		assert_int_equal(runline_compose(c, img, NULL, &out, &err), 0);
		char name[64];
		snprintf(name, sizeof(name), "rl-%s", fixtures[i]);
		struct ystream ys;
		struct ynode *svc = service_of(out.buf, &ys, name);
		if (streq(fixtures[i], "security")) {
			assert_string_equal(yscalar(ymap_get(svc, "restart")), "on-failure:3");
			assert_string_equal(yscalar(ymap_get(svc, "mem_limit")), "64m");
			assert_string_equal(yscalar(ymap_get(svc, "cpus")), "0.5");
			assert_string_equal(yscalar(ymap_get(svc, "stop_grace_period")), "5s");
			struct ynode *nofile = ymap_get(ymap_get(svc, "ulimits"), "nofile");
			assert_string_equal(yscalar(ymap_get(nofile, "hard")), "2048");
			assert_string_equal(yscalar(ymap_get(ymap_get(svc, "logging"), "driver")),
					    "none");
			assert_int_equal(ybool(ymap_get(svc, "read_only")), 1);
		} else if (streq(fixtures[i], "mounts")) {
			assert_string_equal(seq_item(ymap_get(svc, "volumes"), 0),
					    "/var/tmp/rootlock-rl-src:/src:ro");
			struct ynode *top = ymap_get(ys.docs[0].root, "volumes");
			assert_int_equal(ybool(ymap_get(ymap_get(top, "rl-data"), "external")), 1);
			assert_int_equal(ybool(ymap_get(ymap_get(top, "rl-vol2"), "external")), 1);
			assert_string_equal(seq_item(ymap_get(svc, "tmpfs"), 0),
					    "/run:size=16m,exec");
		} else if (streq(fixtures[i], "health")) {
			struct ynode *h = ymap_get(svc, "healthcheck");
			assert_string_equal(seq_item(ymap_get(h, "test"), 0), "CMD-SHELL");
			assert_string_equal(yscalar(ymap_get(h, "start_period")), "1m30s");
		} else if (streq(fixtures[i], "custom")) {
			assert_int_equal(ybool(ymap_get(ymap_get(svc, "healthcheck"), "disable")),
					 1);
		} else if (streq(fixtures[i], "custom-noentry")) {
			assert_int_equal(ymap_get(svc, "entrypoint")->n, 0);
		} else if (streq(fixtures[i], "ports")) {
			assert_string_equal(seq_item(ymap_get(svc, "ports"), 2),
					    "127.0.0.1:18080:80");
		}
		ystream_release(&ys);
		strbuf_release(&out);
		json_decref(c);
		json_decref(img);
	}
}

/* --- the create request --- */

static const struct run_mount ro_mounts[] = {
	{RUN_MOUNT_VOLUME, "/data", NULL, "app-data"},
	{RUN_MOUNT_TMPFS, "/tmp", "mode=1777,size=64m", NULL},
	{RUN_MOUNT_TMPFS, "/run", "uid=1000,gid=1000,mode=0755,exec", NULL},
};
static const struct run_changes ro_changes = {.read_only = true,
					      .mounts = ro_mounts,
					      .n_mounts = ARRAY_SIZE(ro_mounts),
					      .drop_published_ports = true};

static bool zero_value(json_t *v)
{
	return json_is_null(v) || json_is_false(v) ||
	       (json_is_integer(v) && json_integer_value(v) == 0) ||
	       (json_is_string(v) && !*json_string_value(v)) ||
	       (json_is_array(v) && !json_array_size(v)) ||
	       (json_is_object(v) && !json_object_size(v));
}

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/*
 * What a request says, without what it says by default: the CLI sends every
 * field, zero or not, and the daemon reads a missing field as zero. Binds and
 * Env are sets (the CLI collects them through maps); the keys of ExposedPorts
 * and Volumes carry the meaning, their {} values none.
 */
static json_t *meaning(json_t *v, const char *key)
{
	if (json_is_array(v)) {
		json_t *out = json_array();
		size_t i;
		json_t *x;
		json_array_foreach (v, i, x) {
			json_array_append_new(out, meaning(x, NULL));
		}
		if (streq(key, "Binds") || streq(key, "Env")) {
			size_t n = json_array_size(out);
			json_t **items = xcalloc(n ? n : 1, sizeof(*items));
			for (i = 0; i < n; i++)
				items[i] = json_incref(json_array_get(out, i));
			qsort(items, n, sizeof(*items), cmp_strings);
			json_array_clear(out);
			for (i = 0; i < n; i++)
				json_array_append_new(out, items[i]);
			free(items);
		}
		return out;
	}
	if (!json_is_object(v))
		return json_incref(v);
	json_t *out = json_object();
	const char *k;
	json_t *x;
	json_object_foreach (v, k, x) {
		if (streq(key, "ExposedPorts") || streq(key, "Volumes")) {
			json_object_set(out, k, x);
			continue;
		}
		json_t *m = meaning(x, k);
		json_t *no_restart = json_pack("{s:s}", "Name", "no");
		json_t *no_console = json_pack("[i,i]", 0, 0);
		bool cli_default =
			(streq(k, "NetworkMode") && streq(json_string_value(m), "default")) ||
			(streq(k, "MemorySwappiness") && json_integer_value(m) == -1) ||
			(streq(k, "RestartPolicy") && json_equal(m, no_restart)) ||
			(streq(k, "ConsoleSize") && json_equal(m, no_console));
		json_decref(no_restart);
		json_decref(no_console);
		if (zero_value(m) || cli_default)
			json_decref(m);
		else
			json_object_set_new(out, k, m);
	}
	return out;
}

static void expect_request(const char *fixture, const struct run_changes *ch, const char *kind)
{
	json_t *c = load(fixture, "container"), *img = load(fixture, "image");
	json_t *cli = load(fixture, kind);
	json_t *body = NULL;
	struct rl_error err = {0};
	if (runline_create_body(c, img, ch, &body, &err) != 0)
		fail_msg("%s: %s", fixture, err.msg);
	json_t *want = meaning(cli, NULL), *got = meaning(body, NULL);
	if (!json_equal(want, got)) {
		_cleanup_free_ char *w = json_dumps(want, JSON_INDENT(1) | JSON_SORT_KEYS);
		_cleanup_free_ char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);
		fail_msg("%s (%s): the CLI sent\n%s\nbut the body is\n%s", fixture, kind, w, g);
	}
	json_decref(want);
	json_decref(got);
	json_decref(body);
	json_decref(cli);
	json_decref(c);
	json_decref(img);
}

/* The create request says what the CLI sends for the run line, fixture by fixture. */
static void test_create_body_is_the_lines_request(void **state)
{
	(void)state;
	static const char *const fixtures[] = {"plain",	     "overrides",    "mounts",
					       "security",   "health",	     "custom",
					       "custom-cmd", "custom-entry", "custom-noentry",
					       "api-entry",  "ports",	     "netdefault"};
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		expect_request(fixtures[i], NULL, "request");
		expect_request(fixtures[i], &ro_changes, "ro-request");
	}
}

/* What the daemon filled in stays out; what the user set is all there is. */
static void test_create_body_network_default(void **state)
{
	(void)state;
	json_t *c = load("netdefault", "container"), *img = load("netdefault", "image");
	assert_true(json_is_true(json_object_get(json_object_get(c, "Config"), "NetworkDisabled")));
	json_t *body = NULL;
	struct rl_error err = {0};
	assert_int_equal(runline_create_body(c, img, &ro_changes, &body, &err), 0);
	assert_null(json_object_get(body, "NetworkDisabled"));
	assert_null(json_object_get(body, "Hostname"));
	json_t *hc = json_object_get(body, "HostConfig");
	assert_null(json_object_get(hc, "NetworkMode"));
	static const char *const filled_in[] = {"ShmSize",	"IpcMode",	 "Runtime",
						"MaskedPaths",	"ReadonlyPaths", "LogConfig",
						"CgroupnsMode", "ConsoleSize"};
	for (size_t i = 0; i < ARRAY_SIZE(filled_in); i++)
		if (json_object_get(hc, filled_in[i]))
			fail_msg("%s is the daemon's, not the user's", filled_in[i]);
	assert_true(json_is_true(json_object_get(hc, "ReadonlyRootfs")));
	assert_null(json_object_get(hc, "PortBindings"));
	/* A published port stays exposed, as --expose says on the line. */
	assert_non_null(json_object_get(json_object_get(body, "ExposedPorts"), "80/tcp"));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(hc, "Tmpfs"), "/run")),
		"size=1m");
	json_decref(body);
	json_decref(c);
	json_decref(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_mounts_with_changes),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_custom_image),
		cmocka_unit_test(test_api_entrypoint),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_durations_and_sizes),
		cmocka_unit_test(test_modes_and_hostname),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_shell_join_shells),
		cmocka_unit_test(test_shell_join_forms),
		cmocka_unit_test(test_argv_line_runs),
		cmocka_unit_test(test_compose_overrides),
		cmocka_unit_test(test_compose_security_mounts),
		cmocka_unit_test(test_network_default),
		cmocka_unit_test(test_create_body_is_the_lines_request),
		cmocka_unit_test(test_create_body_network_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
