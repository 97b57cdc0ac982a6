/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "endpoint.h"

/*
 * Nothing here connects anywhere: endpoints are only parsed and resolved,
 * against docker config directories made up in a temporary directory.
 */

static char root[] = "/tmp/rootlock-test-endpoint.XXXXXX";
static struct strv created = STRV_INIT; /* removed in reverse order */

static char *path_of(const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static void make_dir(const char *rel)
{
	char *p = path_of(rel);
	assert_int_equal(mkdir(p, 0700), 0);
	strv_push(&created, p);
}

static void write_file(const char *rel, const char *text)
{
	char *p = path_of(rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	strv_push(&created, p);
}

#define META_REMOTE                                                                                \
	"{\"Name\":\"remote\",\"Metadata\":{},\"Endpoints\":{\"docker\":"                          \
	"{\"Host\":\"tcp://10.9.9.9:2376\",\"SkipTLSVerify\":false}}}"
#define META_PLAIN                                                                                 \
	"{\"Name\":\"plain\",\"Endpoints\":{\"docker\":{\"Host\":\"tcp://10.1.1.1:2375\"}}}"
#define META_SKIP                                                                                  \
	"{\"Name\":\"skip\",\"Endpoints\":{\"docker\":"                                            \
	"{\"Host\":\"tcp://10.2.2.2:2376\",\"SkipTLSVerify\":true}}}"
#define META_SOCK                                                                                  \
	"{\"Name\":\"sock\",\"Endpoints\":{\"docker\":{\"Host\":\"unix:///srv/docker.sock\"}}}"
#define META_SSH "{\"Name\":\"ssh\",\"Endpoints\":{\"docker\":{\"Host\":\"ssh://me@box\"}}}"
#define META_NOHOST "{\"Name\":\"nohost\",\"Endpoints\":{}}"

/* A docker config directory with contexts, as `docker context create` leaves it. */
static void make_config_dir(const char *dir, const char *config_json)
{
	const struct {
		const char *hash, *meta;
	} ctx[] = {
		/* Directory names are hashes of the context name; any name must do. */
		{"1b8b4d5d1c2a", META_REMOTE}, {"5e6f7a8b9c0d", META_PLAIN},
		{"0a0a0a0a0a0a", META_SKIP},   {"d0d0d0d0d0d0", META_SOCK},
		{"55555555ssh0", META_SSH},    {"ffffffffffff", META_NOHOST},
		{"badbadbadbad", "{not json"},
	};
	/* remote and skip have a CA stored; plain has none. */
	const char *with_ca[] = {"1b8b4d5d1c2a", "0a0a0a0a0a0a"};
	const char *dirs[] = {"", "/contexts", "/contexts/meta", "/contexts/tls",
			      "/contexts/meta/empty-dir"};
	char *p;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		make_dir(p = xasprintf("%s%s", dir, dirs[i]));
		free(p);
	}
	if (config_json) {
		write_file(p = xasprintf("%s/config.json", dir), config_json);
		free(p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ctx); i++) {
		make_dir(p = xasprintf("%s/contexts/meta/%s", dir, ctx[i].hash));
		free(p);
		write_file(p = xasprintf("%s/contexts/meta/%s/meta.json", dir, ctx[i].hash),
			   ctx[i].meta);
		free(p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(with_ca); i++) {
		make_dir(p = xasprintf("%s/contexts/tls/%s", dir, with_ca[i]));
		free(p);
		make_dir(p = xasprintf("%s/contexts/tls/%s/docker", dir, with_ca[i]));
		free(p);
		write_file(p = xasprintf("%s/contexts/tls/%s/docker/ca.pem", dir, with_ca[i]),
			   "-----BEGIN CERTIFICATE-----\n");
		free(p);
	}
	write_file(p = xasprintf("%s/contexts/tls/1b8b4d5d1c2a/docker/cert.pem", dir), "cert\n");
	free(p);
	write_file(p = xasprintf("%s/contexts/tls/1b8b4d5d1c2a/docker/key.pem", dir), "key\n");
	free(p);
}

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	make_dir("empty");
	make_config_dir("cfg", "{\"auths\":{}}");
	make_config_dir("cfg-current", "{\"auths\":{},\"currentContext\":\"remote\"}");
	make_config_dir("cfg-unknown", "{\"currentContext\":\"gone\"}");
	make_config_dir("cfg-default", "{\"currentContext\":\"default\"}");
	make_dir("home");
	make_config_dir("home/.docker", "{\"currentContext\":\"plain\"}");
	make_dir("certs");
	write_file("certs/ca.pem", "ca\n");
	write_file("certs/cert.pem", "cert\n");
	write_file("certs/key.pem", "key\n");
	make_dir("certs-ca-only");
	write_file("certs-ca-only/ca.pem", "ca\n");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	int r = 0;
	for (size_t i = created.n; i-- > 0;)
		if (remove(created.v[i]) != 0)
			r = -1;
	if (remove(root) != 0)
		r = -1;
	strv_release(&created);
	return r;
}

/* Every test starts from a machine with no docker settings at all. */
static int clean_env(void **state)
{
	(void)state;
	const char *vars[] = {"DOCKER_HOST",	   "DOCKER_CONTEXT",   "DOCKER_CONFIG",
			      "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS"};
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);
	char *home = path_of("empty");
	setenv("HOME", home, 1);
	free(home);
	return 0;
}

static void set_config(const char *rel)
{
	char *p = path_of(rel);
	setenv("DOCKER_CONFIG", p, 1);
	free(p);
}

/* --- endpoint_parse_host --- */

static void parse_ok(const char *host, bool tls, const char *want_url, const char *want_unix)
{
	struct endpoint ep = {.tls = tls};
	struct rl_error err = {0};
	int r = endpoint_parse_host(host, &ep, &err);
	if (r != 0)
		fail_msg("%s: %s", host, err.msg);
	assert_string_equal(ep.host, host);
	if (!streq(ep.base_url, want_url))
		fail_msg("%s: base_url %s, want %s", host, ep.base_url, want_url);
	if (want_unix)
		assert_string_equal(ep.unix_path, want_unix);
	else
		assert_null(ep.unix_path);
	endpoint_release(&ep);
}

static void parse_bad(const char *host, const char *msg_part)
{
	struct endpoint ep = {0};
	struct rl_error err = {0};
	int r = endpoint_parse_host(host, &ep, &err);
	if (r != RL_EUSAGE)
		fail_msg("%s: got %d (%s), want RL_EUSAGE", host, r, ep.base_url);
	assert_int_equal(err.code, RL_EUSAGE);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("%s: message \"%s\" lacks \"%s\"", host, err.msg, msg_part);
	endpoint_release(&ep);
}

static void test_parse_unix(void **state)
{
	(void)state;
	parse_ok("unix:///x.sock", false, "http://docker", "/x.sock");
	parse_ok("unix:///var/tmp/rootlock-engine/docker.sock", false, "http://docker",
		 "/var/tmp/rootlock-engine/docker.sock");
	/* TLS settings do not apply to a socket URL. */
	parse_ok("unix:///x.sock", true, "http://docker", "/x.sock");
	parse_bad("unix://", "no socket path");
}

static void test_parse_tcp(void **state)
{
	(void)state;
	parse_ok("tcp://h:1234", false, "http://h:1234", NULL);
	parse_ok("tcp://h", false, "http://h:2375", NULL);
	parse_ok("tcp://10.0.0.5", false, "http://10.0.0.5:2375", NULL);
	parse_ok("tcp://h:2376/", false, "http://h:2376", NULL);
	parse_ok("http://h", false, "http://h:2375", NULL);
	parse_bad("tcp://", "no address");
	parse_bad("tcp:///path", "no address");
	parse_bad("tcp://h:", "numeric port");
}

static void test_parse_tcp_tls(void **state)
{
	(void)state;
	/* With TLS already chosen, no port means the TLS port. */
	parse_ok("tcp://h", true, "https://h:2376", NULL);
	parse_ok("tcp://h:1234", true, "https://h:1234", NULL);
	parse_ok("tcp://[::1]", true, "https://[::1]:2376", NULL);

	struct endpoint ep = {0};
	struct rl_error err = {0};
	assert_int_equal(endpoint_parse_host("https://h", &ep, &err), 0);
	assert_true(ep.tls);
	assert_string_equal(ep.base_url, "https://h:2376");
	endpoint_release(&ep);
	parse_ok("https://h:8443", false, "https://h:8443", NULL);
}

static void test_parse_ipv6(void **state)
{
	(void)state;
	parse_ok("tcp://[::1]:2375", false, "http://[::1]:2375", NULL);
	parse_ok("tcp://[::1]", false, "http://[::1]:2375", NULL);
	parse_ok("tcp://[fe80::1:2]:4243", false, "http://[fe80::1:2]:4243", NULL);
	parse_bad("tcp://[::1]:", "numeric port");
}

static void assert_ssh(const char *host, const char *user, const char *name, const char *port,
		       const char *path)
{
	struct endpoint ep = {0};
	struct rl_error err = {0};
	assert_int_equal(endpoint_parse_host(host, &ep, &err), 0);
	assert_string_equal(ep.host, host);
	assert_null(ep.unix_path);
	assert_string_equal(ep.ssh_host, name);
	if (user)
		assert_string_equal(ep.ssh_user, user);
	else
		assert_null(ep.ssh_user);
	if (port)
		assert_string_equal(ep.ssh_port, port);
	else
		assert_null(ep.ssh_port);
	if (path)
		assert_string_equal(ep.ssh_path, path);
	else
		assert_null(ep.ssh_path);
	endpoint_release(&ep);
}

static void test_parse_ssh(void **state)
{
	(void)state;
	assert_ssh("ssh://build-box", NULL, "build-box", NULL, NULL);
	assert_ssh("ssh://me@build-box:2222", "me", "build-box", "2222", NULL);
	assert_ssh("ssh://me@build-box/", "me", "build-box", NULL, NULL);
	assert_ssh("ssh://a@b@box:22/run/user/1000/docker.sock", "a@b", "box", "22",
		   "/run/user/1000/docker.sock");
	assert_ssh("ssh://[::1]:2200", NULL, "::1", "2200", NULL);
	assert_ssh("ssh://op@[fe80::1]", "op", "fe80::1", NULL, NULL);
	parse_bad("ssh://", "no usable ssh host");
	parse_bad("ssh://me@", "no usable ssh host");
	parse_bad("ssh://@box", "empty user");
	/* Nothing ssh would read as an option. */
	parse_bad("ssh://-oProxyCommand=x", "no usable ssh host");
	parse_bad("ssh://-l@box", "no usable ssh host");
	parse_bad("ssh://box:22x", "numeric port");
	parse_bad("ssh://box:", "numeric port");
}

static void test_parse_garbage(void **state)
{
	(void)state;
	const char *bad[] = {"",
			     "docker.sock",
			     "/var/run/docker.sock",
			     "h:2375",
			     "fd://",
			     "npipe:////./pipe/docker_engine",
			     "UNIX:///x.sock",
			     "tcp:/h:2375",
			     "unix:/x.sock",
			     " tcp://h"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		parse_bad(bad[i], "not understood");
}

static void test_parse_replaces_previous(void **state)
{
	(void)state;
	struct endpoint ep = {0};
	struct rl_error err = {0};
	assert_int_equal(endpoint_parse_host("unix:///a.sock", &ep, &err), 0);
	assert_int_equal(endpoint_parse_host("tcp://h:1", &ep, &err), 0);
	assert_null(ep.unix_path);
	assert_string_equal(ep.host, "tcp://h:1");
	/* A failed parse leaves no stale address behind. */
	assert_int_equal(endpoint_parse_host("bogus", &ep, &err), RL_EUSAGE);
	assert_null(ep.base_url);
	assert_null(ep.host);
	endpoint_release(&ep);
	endpoint_release(NULL);
}

/* --- endpoint_resolve --- */

static struct endpoint resolve_ok(const struct endpoint_options *opt)
{
	struct endpoint ep = {0};
	struct rl_error err = {0};
	int r = endpoint_resolve(opt, &ep, &err);
	if (r != 0)
		fail_msg("resolve: %s", err.msg);
	return ep;
}

static void resolve_bad(const struct endpoint_options *opt, const char *msg_part)
{
	struct endpoint ep = {0};
	struct rl_error err = {0};
	int r = endpoint_resolve(opt, &ep, &err);
	if (r != RL_EUSAGE)
		fail_msg("resolve gave %d (%s), want RL_EUSAGE", r, ep.host);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
	assert_null(ep.host);
	assert_null(ep.base_url);
}

static void expect_host(const struct endpoint_options *opt, const char *host, const char *context)
{
	struct endpoint ep = resolve_ok(opt);
	if (!streq(ep.host, host))
		fail_msg("resolved to %s, want %s", ep.host, host);
	if (context)
		assert_string_equal(ep.context, context);
	else
		assert_null(ep.context);
	endpoint_release(&ep);
}

static void test_resolve_default(void **state)
{
	(void)state;
	struct endpoint_options opt = {0};
	struct endpoint ep = resolve_ok(&opt);
	assert_string_equal(ep.host, ENDPOINT_DEFAULT_HOST);
	assert_string_equal(ep.unix_path, "/var/run/docker.sock");
	assert_string_equal(ep.base_url, "http://docker");
	assert_null(ep.context);
	assert_false(ep.tls);
	endpoint_release(&ep);

	/* A config directory without a current context changes nothing. */
	set_config("cfg");
	expect_host(&opt, ENDPOINT_DEFAULT_HOST, NULL);
	set_config("cfg-default");
	expect_host(&opt, ENDPOINT_DEFAULT_HOST, NULL);
	set_config("does-not-exist");
	expect_host(&opt, ENDPOINT_DEFAULT_HOST, NULL);
}

static void test_resolve_flag_beats_env(void **state)
{
	(void)state;
	set_config("cfg-current");
	setenv("DOCKER_HOST", "tcp://envhost:2375", 1);
	setenv("DOCKER_CONTEXT", "plain", 1);
	struct endpoint_options opt = {.host = "unix:///flag.sock"};
	expect_host(&opt, "unix:///flag.sock", NULL);
	/* --context beats the environment too. */
	struct endpoint_options ctx = {.context = "skip"};
	expect_host(&ctx, "tcp://10.2.2.2:2376", "skip");
	/* --context default means the default engine, not the current context. */
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_CONTEXT");
	struct endpoint_options def = {.context = "default"};
	expect_host(&def, ENDPOINT_DEFAULT_HOST, NULL);
}

static void test_resolve_host_and_context_conflict(void **state)
{
	(void)state;
	struct endpoint_options opt = {.host = "unix:///x.sock", .context = "remote"};
	resolve_bad(&opt, "-H and --context");
	struct endpoint_options def = {.host = "unix:///x.sock", .context = "default"};
	resolve_bad(&def, "-H and --context");
}

static void test_resolve_env_order(void **state)
{
	(void)state;
	struct endpoint_options opt = {0};
	set_config("cfg-current");
	/* config.json's currentContext ... */
	expect_host(&opt, "tcp://10.9.9.9:2376", "remote");
	/* ... is overridden by DOCKER_CONTEXT ... */
	setenv("DOCKER_CONTEXT", "plain", 1);
	expect_host(&opt, "tcp://10.1.1.1:2375", "plain");
	setenv("DOCKER_CONTEXT", "default", 1);
	expect_host(&opt, ENDPOINT_DEFAULT_HOST, NULL);
	/* ... which is overridden by DOCKER_HOST. */
	setenv("DOCKER_CONTEXT", "plain", 1);
	setenv("DOCKER_HOST", "tcp://envhost:4243", 1);
	struct endpoint ep = resolve_ok(&opt);
	assert_string_equal(ep.host, "tcp://envhost:4243");
	assert_string_equal(ep.base_url, "http://envhost:4243");
	assert_null(ep.context);
	endpoint_release(&ep);
	/* Empty variables count as unset. */
	setenv("DOCKER_HOST", "", 1);
	setenv("DOCKER_CONTEXT", "", 1);
	expect_host(&opt, "tcp://10.9.9.9:2376", "remote");
}

static void test_resolve_home_docker(void **state)
{
	(void)state;
	/* Without DOCKER_CONFIG, $HOME/.docker is where the CLI looks. */
	char *home = path_of("home");
	setenv("HOME", home, 1);
	free(home);
	struct endpoint_options opt = {0};
	expect_host(&opt, "tcp://10.1.1.1:2375", "plain");
	set_config("cfg");
	expect_host(&opt, ENDPOINT_DEFAULT_HOST, NULL);
}

static void test_resolve_context_tls(void **state)
{
	(void)state;
	set_config("cfg");
	setenv("DOCKER_CONTEXT", "remote", 1);
	struct endpoint_options opt = {0};
	struct endpoint ep = resolve_ok(&opt);
	assert_string_equal(ep.context, "remote");
	assert_string_equal(ep.host, "tcp://10.9.9.9:2376");
	assert_null(ep.unix_path);
	assert_true(ep.tls);
	assert_true(ep.tls_verify);
	assert_string_equal(ep.base_url, "https://10.9.9.9:2376");
	char *ca = path_of("cfg/contexts/tls/1b8b4d5d1c2a/docker/ca.pem");
	char *cert = path_of("cfg/contexts/tls/1b8b4d5d1c2a/docker/cert.pem");
	char *key = path_of("cfg/contexts/tls/1b8b4d5d1c2a/docker/key.pem");
	assert_string_equal(ep.tls_ca, ca);
	assert_string_equal(ep.tls_cert, cert);
	assert_string_equal(ep.tls_key, key);
	free(ca);
	free(cert);
	free(key);
	endpoint_release(&ep);

	/* SkipTLSVerify: encrypted, not verified. */
	struct endpoint_options skip = {.context = "skip"};
	ep = resolve_ok(&skip);
	assert_true(ep.tls);
	assert_false(ep.tls_verify);
	assert_string_equal(ep.base_url, "https://10.2.2.2:2376");
	assert_non_null(ep.tls_ca);
	assert_null(ep.tls_cert);
	endpoint_release(&ep);

	/* No stored certificates: plain HTTP. */
	struct endpoint_options plain = {.context = "plain"};
	ep = resolve_ok(&plain);
	assert_false(ep.tls);
	assert_string_equal(ep.base_url, "http://10.1.1.1:2375");
	assert_null(ep.tls_ca);
	endpoint_release(&ep);

	struct endpoint_options sock = {.context = "sock"};
	ep = resolve_ok(&sock);
	assert_string_equal(ep.unix_path, "/srv/docker.sock");
	assert_string_equal(ep.base_url, "http://docker");
	endpoint_release(&ep);
}

static void test_resolve_unknown_context(void **state)
{
	(void)state;
	set_config("cfg");
	struct endpoint_options opt = {.context = "nope"};
	resolve_bad(&opt, "context 'nope' not found");
	struct endpoint_options none = {0};
	setenv("DOCKER_CONTEXT", "nope", 1);
	resolve_bad(&none, "'nope'");
	unsetenv("DOCKER_CONTEXT");
	/* A currentContext that no longer exists is an error, not a silent fallback. */
	set_config("cfg-unknown");
	resolve_bad(&none, "'gone'");
	/* No contexts directory at all. */
	set_config("empty");
	resolve_bad(&opt, "'nope'");
	/* A context that names no host, or one we cannot use. */
	set_config("cfg");
	struct endpoint_options nohost = {.context = "nohost"};
	resolve_bad(&nohost, "no docker endpoint host");
	struct endpoint_options ssh = {.context = "ssh"};
	struct endpoint ep = {0};
	struct rl_error err = {0};
	assert_int_equal(endpoint_resolve(&ssh, &ep, &err), 0);
	assert_string_equal(ep.ssh_user, "me");
	assert_string_equal(ep.ssh_host, "box");
	endpoint_release(&ep);
}

static void test_resolve_tls_env(void **state)
{
	(void)state;
	char *certs = path_of("certs");
	setenv("DOCKER_HOST", "tcp://h:2376", 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", certs, 1);
	struct endpoint_options opt = {0};
	struct endpoint ep = resolve_ok(&opt);
	assert_true(ep.tls);
	assert_true(ep.tls_verify);
	assert_string_equal(ep.base_url, "https://h:2376");
	char *ca = xasprintf("%s/ca.pem", certs);
	char *cert = xasprintf("%s/cert.pem", certs);
	char *key = xasprintf("%s/key.pem", certs);
	assert_string_equal(ep.tls_ca, ca);
	assert_string_equal(ep.tls_cert, cert);
	assert_string_equal(ep.tls_key, key);
	endpoint_release(&ep);

	/* Flags naming files win over DOCKER_CERT_PATH. */
	struct endpoint_options files = {.tls_ca = "/etc/my/ca.pem"};
	ep = resolve_ok(&files);
	assert_string_equal(ep.tls_ca, "/etc/my/ca.pem");
	assert_string_equal(ep.tls_cert, cert);
	endpoint_release(&ep);
	free(ca);
	free(cert);
	free(key);

	/* Files that do not exist are not invented. */
	char *ca_only = path_of("certs-ca-only");
	setenv("DOCKER_CERT_PATH", ca_only, 1);
	ep = resolve_ok(&opt);
	assert_non_null(ep.tls_ca);
	assert_null(ep.tls_cert);
	assert_null(ep.tls_key);
	endpoint_release(&ep);
	free(ca_only);

	/* --tls without verification. */
	unsetenv("DOCKER_TLS_VERIFY");
	setenv("DOCKER_CERT_PATH", certs, 1);
	struct endpoint_options tls = {.tls = true};
	ep = resolve_ok(&tls);
	assert_true(ep.tls);
	assert_false(ep.tls_verify);
	assert_string_equal(ep.base_url, "https://h:2376");
	endpoint_release(&ep);

	/* Neither: plain HTTP even with a cert path set. */
	ep = resolve_ok(&opt);
	assert_false(ep.tls);
	assert_string_equal(ep.base_url, "http://h:2376");
	assert_null(ep.tls_ca);
	endpoint_release(&ep);

	/* A unix socket never gets TLS. */
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_HOST", "unix:///x.sock", 1);
	ep = resolve_ok(&opt);
	assert_false(ep.tls);
	assert_string_equal(ep.base_url, "http://docker");
	endpoint_release(&ep);
	free(certs);
}

static void test_resolve_tls_default_cert_dir(void **state)
{
	(void)state;
	/* Without DOCKER_CERT_PATH the certificates are looked for in the config dir. */
	set_config("certs");
	setenv("DOCKER_HOST", "tcp://h:2376", 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	struct endpoint_options opt = {0};
	struct endpoint ep = resolve_ok(&opt);
	char *ca = path_of("certs/ca.pem");
	assert_string_equal(ep.tls_ca, ca);
	free(ca);
	endpoint_release(&ep);
}

static void test_resolve_bad_env_host(void **state)
{
	(void)state;
	setenv("DOCKER_HOST", "ssh://@box", 1);
	struct endpoint_options opt = {0};
	resolve_bad(&opt, "empty user");
	setenv("DOCKER_HOST", "box:2375", 1);
	resolve_bad(&opt, "not understood");
}

static void test_current_context(void **state)
{
	(void)state;
	char *dir = path_of("cfg-current");
	char *name = endpoint_current_context(dir);
	assert_string_equal(name, "remote");
	free(name);
	free(dir);
	dir = path_of("cfg");
	assert_null(endpoint_current_context(dir));
	free(dir);
	dir = path_of("does-not-exist");
	assert_null(endpoint_current_context(dir));
	free(dir);
}

#define T(f) cmocka_unit_test_setup(f, clean_env)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parse_unix),
		T(test_parse_tcp),
		T(test_parse_tcp_tls),
		T(test_parse_ipv6),
		T(test_parse_ssh),
		T(test_parse_garbage),
		T(test_parse_replaces_previous),
		T(test_resolve_default),
		T(test_resolve_flag_beats_env),
		T(test_resolve_host_and_context_conflict),
		T(test_resolve_env_order),
		T(test_resolve_home_docker),
		T(test_resolve_context_tls),
		T(test_resolve_unknown_context),
		T(test_resolve_tls_env),
		T(test_resolve_tls_default_cert_dir),
		T(test_resolve_bad_env_host),
		T(test_current_context),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
