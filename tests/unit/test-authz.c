/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "authz-install.h"
#include "authz.h"

#define IMG "rootlock-test/busybox:latest"
#define CREATE "/v1.41/containers/create?name=web"
#define RO_BODY "{\"Image\":\"" IMG "\",\"HostConfig\":{\"ReadonlyRootfs\":true}}"
#define RW_BODY "{\"Image\":\"" IMG "\",\"HostConfig\":{\"NetworkMode\":\"none\"}}"
#define ABSENT ((const char *)-1)

static char *b64(const char *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc(n / 3 * 4 + 5), *o = out;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i += 3) {
		unsigned w = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		*o++ = tab[w >> 18];
		*o++ = tab[w >> 12 & 63];
		*o++ = i + 1 < n ? tab[w >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[w & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* The AuthZReq the daemon sends; body ABSENT leaves RequestBody out, NULL sends null. */
static char *request_n(const char *method, const char *uri, const char *body, size_t blen,
		       const char *user)
{
	json_t *o = json_object();
	json_object_set_new(o, "RequestMethod", json_string(method));
	json_object_set_new(o, "RequestUri", json_string(uri));
	if (user) {
		json_object_set_new(o, "User", json_string(user));
		json_object_set_new(o, "UserAuthNMethod", json_string("TLS"));
	}
	json_object_set_new(o, "RequestHeaders",
			    json_pack("{s:s}", "Content-Type", "application/json"));
	if (body == NULL) {
		json_object_set_new(o, "RequestBody", json_null());
	} else if (body != ABSENT) {
		char *e = b64(body, blen);
		json_object_set_new(o, "RequestBody", json_string(e));
		free(e);
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static void decide_full(const struct authz_policy *p, enum authz_mode mode, const char *method,
			const char *uri, const char *body, size_t blen, const char *user,
			struct authz_decision *d)
{
	char *req = request_n(method, uri, body, blen, user);
	authz_decide(p, mode, req, strlen(req), d);
	free(req);
	/* Invariants of every decision. */
	assert_non_null(d->reason);
	if (mode == AUTHZ_WARN)
		assert_true(d->allow);
	else
		assert_true(d->allow == !d->would_deny);
	if (d->would_deny)
		assert_true(d->msg && str_startswith(d->msg, "rootlock: "));
}

static void decide(const struct authz_policy *p, const char *method, const char *uri,
		   const char *body, struct authz_decision *d)
{
	size_t n = body && body != ABSENT ? strlen(body) : 0;
	decide_full(p, AUTHZ_ENFORCE, method, uri, body, n, NULL, d);
}

#define expect_deny(p, uri, body, reason)                                                          \
	expect_deny_at(p, "POST", uri, body, reason, __FILE__, __LINE__)
#define expect_allow(p, uri, body, kind)                                                           \
	expect_allow_at(p, "POST", uri, body, kind, __FILE__, __LINE__)

static void expect_deny_at(const struct authz_policy *p, const char *method, const char *uri,
			   const char *body, const char *reason, const char *file, int line)
{
	struct authz_decision d;
	decide(p, method, uri, body, &d);
	if (d.allow || !streq(d.reason, reason) || d.kind == AUTHZ_OTHER)
		fail_msg("%s:%d: %s %s %s: want deny (%s), got allow=%d kind=%d reason \"%s\" "
			 "msg \"%s\"",
			 file, line, method, uri, body == ABSENT ? "(absent)" : body, reason,
			 d.allow, d.kind, d.reason, d.msg);
	authz_decision_release(&d);
}

static void expect_allow_at(const struct authz_policy *p, const char *method, const char *uri,
			    const char *body, enum authz_kind kind, const char *file, int line)
{
	struct authz_decision d;
	decide(p, method, uri, body, &d);
	if (!d.allow || d.would_deny || d.kind != kind)
		fail_msg("%s:%d: %s %s %s: want allow kind %d, got allow=%d kind=%d reason \"%s\" "
			 "msg \"%s\"",
			 file, line, method, uri, body == ABSENT ? "(absent)" : body, kind, d.allow,
			 d.kind, d.reason, d.msg);
	authz_decision_release(&d);
}

static void check_route(const char *uri, const char *want)
{
	char *got = authz_route_path(uri);
	if (!streq(got, want))
		fail_msg("authz_route_path(\"%s\") = \"%s\", want \"%s\"", uri, got, want);
	free(got);
}

static void test_route_path(void **state)
{
	(void)state;
	check_route("/v1.41//containers/%63reate?name=x", "/containers/create");
	check_route("/containers/create", "/containers/create");
	check_route("/v1.41/containers%2Fcreate", "/containers/create");
	check_route("/v1.41%2Fcontainers/create", "/containers/create");
	check_route("/v1.41.0/containers/create", "/containers/create");
	check_route("/v9.99/containers/create?a=b", "/containers/create");
	check_route("//v1.41///containers/create", "/containers/create");
	check_route("http://x/v1.41/containers/create?name=a", "/containers/create");
	check_route("HTTP://x//v1.41//containers/create", "/containers/create");
	check_route("/v1.41/containers/x/../create", "/containers/create");
	check_route("/v1.41/./containers/create", "/containers/create");
	check_route("/v1.41/containers/x/%2e%2e/create", "/containers/create");
	check_route("/v1.41/containers/create#frag", "/containers/create");
	/* What the daemon 404s stays different. */
	check_route("/V1.41/containers/create", "/V1.41/containers/create");
	check_route("/v1.41/Containers/create", "/Containers/create");
	check_route("/v1.41/containers/create/", "/containers/create/");
	check_route("/v1.41/containers/create;x=1", "/containers/create;x=1");
	check_route("/vx/containers/create", "/vx/containers/create");
	check_route("", "/");
	check_route("/v1.41", "/");
	check_route("/%zz/%4", "/%zz/%4");
	check_route("/../../..", "/");
}

static void test_create_basic(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	struct authz_decision d;
	decide(&p, "POST", CREATE, RW_BODY, &d);
	assert_false(d.allow);
	assert_true(d.would_deny);
	assert_int_equal(d.kind, AUTHZ_CONTAINER_CREATE);
	assert_string_equal(d.reason, "writable");
	assert_string_equal(d.name, "web");
	assert_string_equal(d.image, IMG);
	assert_string_equal(d.method, "POST");
	assert_string_equal(d.uri, CREATE);
	assert_non_null(strstr(d.msg, "container web (" IMG ") would have a writable root"));
	assert_non_null(strstr(d.msg, "--read-only"));
	assert_non_null(strstr(d.msg, "rootlock plan"));
	authz_decision_release(&d);

	decide(&p, "POST", CREATE, RO_BODY, &d);
	assert_true(d.allow);
	assert_false(d.would_deny);
	assert_string_equal(d.reason, "read-only");
	authz_decision_release(&d);

	/* Other requests are not judged. */
	expect_allow(&p, "/v1.41/containers/json", ABSENT, AUTHZ_OTHER);
	expect_allow(&p, "/v1.41/containers/web/start", ABSENT, AUTHZ_OTHER);
	expect_allow(&p, "/v1.41/images/create?fromImage=x", ABSENT, AUTHZ_OTHER);
	expect_allow_at(&p, "GET", CREATE, RW_BODY, AUTHZ_OTHER, __FILE__, __LINE__);
	expect_allow_at(&p, "PUT", CREATE, RW_BODY, AUTHZ_OTHER, __FILE__, __LINE__);
	expect_allow_at(&p, "DELETE", CREATE, ABSENT, AUTHZ_OTHER, __FILE__, __LINE__);
}

static void test_bypass_uris(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	static const char *const judged[] = {
		"/containers/create",
		"/v1.41/containers/create?name=x",
		"/v1.41/containers/%63reate?name=x",
		"/v1.41/containers%2Fcreate",
		"/v1.41%2Fcontainers/create",
		"/v1.41%2fcontainers%2fcreate",
		"/v1.41.0/containers/create",
		"/v1.12/containers/create",
		"/v9.99/containers/create",
		"/v1.41//containers//create",
		"//v1.41/containers/create",
		"/v1.41/containers/x/../create",
		"/v1.41/containers/x/%2e%2e/create",
		"/v1.41/./containers/create",
		"http://x/v1.41/containers/create?name=x",
		"HTTP://x//v1.41//containers/create",
		"unix:/v1.41/containers/create",
		"/v1.41/containers/create?name=x&y=/auth",
		"/v1.41/containers/create#x",
		"/v1.41/%63%6f%6e%74%61%69%6e%65%72%73/%63%72%65%61%74%65",
	};
	for (size_t i = 0; i < ARRAY_SIZE(judged); i++) {
		expect_deny(&p, judged[i], RW_BODY, "writable");
		expect_allow(&p, judged[i], RO_BODY, AUTHZ_CONTAINER_CREATE);
	}
	/* The router's method match is exact; we judge any case anyway. */
	expect_deny_at(&p, "post", CREATE, RW_BODY, "writable", __FILE__, __LINE__);
	/* Verified 404s on dockerd 20.10: not a create, not judged. */
	static const char *const other[] = {
		"/v1.41/Containers/create",	"/v1.41/containers/CREATE",
		"/v1.41/containers/create/",	"/V1.41/containers/create",
		"/v1.41/containers/create;x=1", "/vx/containers/create",
	};
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		expect_allow(&p, other[i], RW_BODY, AUTHZ_OTHER);
}

static void test_key_spellings(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	/* Go matches keys case-insensitively and folds U+017F to s. */
	expect_allow(&p, CREATE,
		     "{\"image\":\"x\",\"hostconfig\":{\"readonlyrootfs\":true},\"labels\":{}}",
		     AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, CREATE, "{\"IMAGE\":\"x\",\"HOSTCONFIG\":{\"READONLYROOTFS\":true}}",
		     AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, CREATE,
		     "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootf\xc5\xbf\":true}}",
		     AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":{\"\\u0052eadonlyRootfs\":true}}",
		     AUTHZ_CONTAINER_CREATE);
	/* Top-level HostConfig fields count when HostConfig is absent or null. */
	expect_allow(&p, CREATE, "{\"Image\":\"x\",\"ReadonlyRootfs\":true}",
		     AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":null,\"ReadonlyRootfs\":true}",
		     AUTHZ_CONTAINER_CREATE);
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"ReadonlyRootfs\":false}", "writable");
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":{},\"ReadonlyRootfs\":true}",
		    "ambiguous body");
	expect_deny(
		&p, CREATE,
		"{\"Image\":\"x\",\"Privileged\":true,\"HostConfig\":{\"ReadonlyRootfs\":true}}",
		"ambiguous body");
	/* Duplicates, exact or by case, on what the decision reads. */
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		    "\"readonlyrootfs\":false}}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		    "\"ReadonlyRootfs\":false}}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true},\"hostconfig\":{}}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true},"
		    "\"HostConfig\":{\"ReadonlyRootfs\":true}}",
		    "ambiguous body");
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"image\":\"y\",\"ReadonlyRootfs\":true}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true},"
		    "\"Env\":[],\"ENV\":[]}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		    "\"ReadonlyRootf\xc5\xbf\":false}}",
		    "ambiguous body");
	/* Exact duplicates anywhere in the body. */
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		    "\"LogConfig\":{\"Type\":\"a\",\"Type\":\"b\"}}}",
		    "ambiguous body");
	/* U+0131 folds to i only in Go 1.21 and later: refused either way. */
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"HostConf\xc4\xb1g\":{\"ReadonlyRootfs\":true}}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		    "\"Pr\xc4\xb1vileged\":true}}",
		    "ambiguous body");
	/* Wrong types on fields the decision reads. */
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":\"true\"}}",
		    "wrong type");
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":1}}",
		    "wrong type");
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":[]}", "wrong type");
	expect_deny(&p, CREATE, "{\"Image\":7,\"HostConfig\":{\"ReadonlyRootfs\":true}}",
		    "wrong type");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Privileged\":0}}",
		    "wrong type");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"CapAdd\":[1]}}",
		    "wrong type");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		    "\"SecurityOpt\":\"x\"}}",
		    "wrong type");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true},\"Labels\":[]}",
		    "wrong type");
	/* null is false, as in Go. */
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":null}}",
		    "writable");
	expect_allow(&p, CREATE,
		     "{\"Image\":null,\"HostConfig\":{\"ReadonlyRootfs\":true,\"Privileged\":null,"
		     "\"CapAdd\":null,\"SecurityOpt\":[null]},\"Labels\":null}",
		     AUTHZ_CONTAINER_CREATE);
}

static void test_defeatable(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	static const char *const bodies[] = {
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Privileged\":true}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"CapAdd\":\"SYS_ADMIN\"}"
		"}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		"\"CapAdd\":[\"NET_ADMIN\",\"cap_sys_admin\"]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"CapAdd\":[\"ALL\"]}}",
		"{\"Image\":\"x\",\"readonlyrootfs\":true,\"privileged\":true}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		p.deny_defeatable = false;
		expect_allow(&p, CREATE, bodies[i], AUTHZ_CONTAINER_CREATE);
		p.deny_defeatable = true;
		expect_deny(&p, CREATE, bodies[i], "defeatable");
	}
	struct authz_decision d;
	decide(&p, "POST", CREATE, bodies[0], &d);
	assert_non_null(strstr(d.msg, "privileged"));
	authz_decision_release(&d);
	/* Unconfined profiles alone do not make it defeatable, as in audit. */
	expect_allow(&p, CREATE,
		     "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		     "\"SecurityOpt\":[\"apparmor=unconfined\",\"seccomp=unconfined\"]}}",
		     AUTHZ_CONTAINER_CREATE);
}

static void test_fail_closed(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	struct authz_decision d;
	decide(&p, "POST", CREATE, ABSENT, &d);
	assert_false(d.allow);
	assert_string_equal(d.reason, "no body");
	assert_non_null(strstr(d.msg, "container create"));
	assert_non_null(strstr(d.msg, "without its body"));
	assert_non_null(strstr(d.msg, "fail closed"));
	authz_decision_release(&d);

	expect_deny(&p, CREATE, NULL, "no body");
	expect_deny(&p, CREATE, "", "no body");
	expect_deny(&p, "/services/create", ABSENT, "no body");
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":tr",
		    "invalid body");
	expect_deny(&p, CREATE, "\xef\xbb\xbf" RO_BODY, "invalid body");
	expect_deny(&p, CREATE, "{\"Image\":\"\xff\",\"ReadonlyRootfs\":true}", "invalid body");
	expect_deny(&p, CREATE, RO_BODY "xyz", "trailing data");
	expect_deny(&p, CREATE, RO_BODY "{\"Image\":\"y\"}", "trailing data");
	expect_deny(&p, CREATE, "null", "invalid body");
	expect_deny(&p, CREATE, "[]", "body not an object");
	expect_deny(&p, CREATE, "{}", "writable");
	/* Trailing whitespace is what clients send. */
	expect_allow(&p, CREATE, RO_BODY "\n", AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, CREATE, " \t\r\n" RO_BODY " \t\r\n", AUTHZ_CONTAINER_CREATE);

	/* RequestBody that is not base64. */
	const char *bad[] = {
		"{\"RequestMethod\":\"POST\",\"RequestUri\":\"" CREATE
		"\",\"RequestBody\":\"e30\"}",
		"{\"RequestMethod\":\"POST\",\"RequestUri\":\"" CREATE
		"\",\"RequestBody\":\"e3*=\"}",
		"{\"RequestMethod\":\"POST\",\"RequestUri\":\"" CREATE
		"\",\"RequestBody\":\"e===\"}",
		"{\"RequestMethod\":\"POST\",\"RequestUri\":\"" CREATE
		"\",\"RequestBody\":\"=e30\"}",
		"{\"RequestMethod\":\"POST\",\"RequestUri\":\"" CREATE "\",\"RequestBody\":12}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		authz_decide(&p, AUTHZ_ENFORCE, bad[i], strlen(bad[i]), &d);
		assert_false(d.allow);
		assert_string_equal(d.reason, "body not base64");
		authz_decision_release(&d);
	}

	/* Too big: refused before decoding. */
	size_t n = (size_t)AUTHZ_MAX_BODY + 16;
	char *big = xmalloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, RO_BODY, strlen(RO_BODY));
	big[n] = '\0';
	decide_full(&p, AUTHZ_ENFORCE, "POST", CREATE, big, n, NULL, &d);
	assert_false(d.allow);
	assert_string_equal(d.reason, "body too big");
	authz_decision_release(&d);
	/* Just under the limit is judged. */
	n = (size_t)AUTHZ_MAX_BODY;
	big[n] = '\0';
	decide_full(&p, AUTHZ_ENFORCE, "POST", CREATE, big, n, NULL, &d);
	assert_true(d.allow);
	authz_decision_release(&d);
	free(big);

	/* A plugin request that is not JSON, or lacks what routing needs. */
	static const char *const junk[] = {
		"",
		"not json",
		"[]",
		"null",
		"{\"RequestMethod\":\"POST\"}",
		"{\"RequestUri\":\"/containers/create\"}",
		"{\"RequestMethod\":1,\"RequestUri\":\"/containers/create\"}",
		"{\"RequestMethod\":\"POST\",\"RequestUri\":\"/x\",\"RequestUri\":\"/y\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		authz_decide(&p, AUTHZ_ENFORCE, junk[i], strlen(junk[i]), &d);
		assert_false(d.allow);
		assert_true(d.would_deny);
		assert_int_equal(d.kind, AUTHZ_OTHER);
		assert_non_null(d.msg);
		authz_decision_release(&d);
	}
	authz_decide(&p, AUTHZ_ENFORCE, NULL, 0, &d);
	assert_false(d.allow);
	authz_decision_release(&d);
}

static void test_labels(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	const char *labelled =
		"{\"Image\":\"x\",\"Labels\":{\"rootlock.exempt\":\"OPS-1 vendor\"}}";
	struct authz_decision d;
	/* Not honoured unless the policy says so. */
	decide(&p, "POST", CREATE, labelled, &d);
	assert_false(d.allow);
	assert_non_null(strstr(d.msg, "not honoured"));
	authz_decision_release(&d);

	p.allow_label_exemption = true;
	decide(&p, "POST", CREATE, labelled, &d);
	assert_true(d.allow);
	assert_non_null(strstr(d.reason, "exempt: OPS-1 vendor"));
	authz_decision_release(&d);
	/* lower-case "labels" is the same field */
	expect_allow(&p, CREATE, "{\"Image\":\"x\",\"labels\":{\"rootlock.exempt\":\"why\"}}",
		     AUTHZ_CONTAINER_CREATE);
	/* A label without a reason never exempts. */
	decide(&p, "POST", CREATE, "{\"Image\":\"x\",\"Labels\":{\"rootlock.exempt\":\"\"}}", &d);
	assert_false(d.allow);
	assert_non_null(strstr(d.msg, "without a reason"));
	authz_decision_release(&d);
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"Labels\":{\"rootlock.exempt\":null}}",
		    "writable");
	/* Map keys are exact in Go: another label. */
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"Labels\":{\"Rootlock.Exempt\":\"why\"}}",
		    "writable");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"Labels\":{\"rootlock.exempt\":\"a\",\"Rootlock.Exempt\":"
		    "\"b\"}}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"Labels\":{\"rootlock.exempt\":\"\",\"rootlock.exempt\":"
		    "\"b\"}}",
		    "ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"Labels\":{\"rootlock.exempt\":\"a\"},\"labels\":{}}",
		    "ambiguous body");
	expect_deny(&p, CREATE, "{\"Image\":\"x\",\"Labels\":{\"rootlock.exempt\":true}}",
		    "wrong type");
	/* A label exempts a defeatable one too, when deny_defeatable is on. */
	p.deny_defeatable = true;
	expect_allow(
		&p, CREATE,
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Privileged\":true},"
		"\"Labels\":{\"rootlock.exempt\":\"why\"}}",
		AUTHZ_CONTAINER_CREATE);
}

static void test_policy_exemptions(void **state)
{
	(void)state;
	struct authz_policy p;
	struct rl_error err = {0};
	const char *text = "{\"deny_defeatable\": true, \"exempt\": ["
			   "{\"image\": \"vendor/*\", \"reason\": \"vendor image\"},"
			   "{\"name\": \"legacy-*\", \"reason\": \"OPS-2\"},"
			   "{\"user\": \"ci\", \"image\": \"ci/*\", \"reason\": \"ci builds\"},"
			   "{\"user\": \"admin\", \"reason\": \"break glass\"}]}";
	assert_int_equal(authz_policy_parse(text, strlen(text), "p.json", &p, &err), 0);
	struct authz_decision d;
	decide(&p, "POST", CREATE, "{\"Image\":\"vendor/app:1\"}", &d);
	assert_true(d.allow);
	assert_string_equal(d.reason, "exempt: vendor image (p.json)");
	authz_decision_release(&d);
	expect_deny(&p, CREATE, "{\"Image\":\"other/app:1\"}", "writable");
	/* The name comes from the query, percent-decoded; the first one counts. */
	expect_allow(&p, "/v1.41/containers/create?name=legacy-1", "{\"Image\":\"a\"}",
		     AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, "/v1.41/containers/create?na%6De=legacy%2D1", "{\"Image\":\"a\"}",
		     AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, "/v1.41/containers/create?name=legacy-1&name=x", "{\"Image\":\"a\"}",
		     AUTHZ_CONTAINER_CREATE);
	expect_deny(&p, "/v1.41/containers/create?name=x&name=legacy-1", "{\"Image\":\"a\"}",
		    "writable");
	expect_deny(&p, "/v1.41/containers/create?Name=legacy-1", "{\"Image\":\"a\"}", "writable");
	/* ';' makes the daemon refuse the query: no name is trusted from it. */
	expect_deny(&p, "/v1.41/containers/create?name=legacy-1;x=y", "{\"Image\":\"a\"}",
		    "writable");
	/* User matchers are exact and combine with the others. */
	decide_full(&p, AUTHZ_ENFORCE, "POST", CREATE, "{\"Image\":\"ci/x\"}", 16, "ci", &d);
	assert_true(d.allow);
	authz_decision_release(&d);
	decide_full(&p, AUTHZ_ENFORCE, "POST", CREATE, "{\"Image\":\"ci/x\"}", 16, "CI", &d);
	assert_false(d.allow);
	authz_decision_release(&d);
	decide_full(&p, AUTHZ_ENFORCE, "POST", CREATE, "{\"Image\":\"ci/x\"}", 16, NULL, &d);
	assert_false(d.allow);
	authz_decision_release(&d);
	decide_full(&p, AUTHZ_ENFORCE, "POST", CREATE, "{\"Image\":\"any\"}", 15, "admin", &d);
	assert_true(d.allow);
	assert_string_equal(d.user, "admin");
	authz_decision_release(&d);
	/* Defeatable ones are exempt the same way. */
	expect_allow(&p, CREATE,
		     "{\"Image\":\"vendor/a\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		     "\"Privileged\":true}}",
		     AUTHZ_CONTAINER_CREATE);
	/* An ambiguous body is refused even for an exempt image. */
	expect_deny(&p, CREATE, "{\"Image\":\"vendor/a\",\"image\":\"vendor/b\"}",
		    "ambiguous body");
	authz_policy_release(&p);
}

static void test_services(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	const char *ro = "{\"Name\":\"web\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"" IMG
			 "\",\"ReadOnly\":true}}}";
	const char *rw =
		"{\"Name\":\"web\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"" IMG "\"}}}";
	struct authz_decision d;
	decide(&p, "POST", "/v1.41/services/create", rw, &d);
	assert_false(d.allow);
	assert_int_equal(d.kind, AUTHZ_SERVICE_CREATE);
	assert_string_equal(d.name, "web");
	assert_string_equal(d.image, IMG);
	assert_non_null(strstr(d.msg, "service web (" IMG ") would have a writable root"));
	authz_decision_release(&d);
	expect_allow(&p, "/v1.41/services/create", ro, AUTHZ_SERVICE_CREATE);
	expect_allow(&p, "/services/create", ro, AUTHZ_SERVICE_CREATE);
	expect_allow(&p, "/v1.41/services/abc123/update?version=5", ro, AUTHZ_SERVICE_UPDATE);
	expect_allow(&p, "/v1.41/services/%61bc/update", ro, AUTHZ_SERVICE_UPDATE);
	expect_deny(&p, "/v1.41/services/abc123/update?version=5", rw, "writable");
	expect_deny(&p, "/v1.41//services//abc//update", rw, "writable");
	expect_deny(&p, "/v1.41/services/abc/update?version=5&rollback=previous", ro, "rollback");
	expect_allow(&p, "/v1.41/services/a/b/update", rw, AUTHZ_OTHER);
	expect_allow(&p, "/v1.41/services/abc", rw, AUTHZ_OTHER);
	expect_allow(&p, "/v1.41/services/abc/update/", rw, AUTHZ_OTHER);
	expect_allow(&p, "/services/create",
		     "{\"name\":\"web\",\"tasktemplate\":{\"containerspec\":{\"readonly\":true}}}",
		     AUTHZ_SERVICE_CREATE);
	expect_deny(&p, "/services/create", "{\"Name\":\"web\"}", "writable");
	expect_deny(&p, "/services/create", "{\"TaskTemplate\":null}", "writable");
	expect_deny(&p, "/services/create", "{\"TaskTemplate\":{\"ContainerSpec\":null}}",
		    "writable");
	expect_deny(&p, "/services/create",
		    "{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true,\"readonly\":false}}}",
		    "ambiguous body");
	expect_deny(
		&p, "/services/create",
		"{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true}},\"tasktemplate\":{}}",
		"ambiguous body");
	expect_deny(&p, "/services/create",
		    "{\"Name\":\"a\",\"NAME\":\"b\",\"TaskTemplate\":{\"ContainerSpec\":"
		    "{\"ReadOnly\":true}}}",
		    "ambiguous body");
	expect_deny(&p, "/services/create",
		    "{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":\"x\"}}}", "wrong type");
	expect_deny(&p, "/services/create", "{\"Name\":1}", "wrong type");
	expect_deny(&p, "/services/create", "{\"TaskTemplate\":[]}", "wrong type");

	/* CapabilityAdd makes it defeatable. */
	const char *cap = "{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true,"
			  "\"CapabilityAdd\":[\"CAP_SYS_ADMIN\"]}}}";
	expect_allow(&p, "/services/create", cap, AUTHZ_SERVICE_CREATE);
	p.deny_defeatable = true;
	expect_deny(&p, "/services/create", cap, "defeatable");

	/* The label exemption reads ContainerSpec.Labels, not the service's Labels. */
	p.allow_label_exemption = true;
	expect_allow(&p, "/services/create",
		     "{\"TaskTemplate\":{\"ContainerSpec\":{\"Labels\":{\"rootlock.exempt\":"
		     "\"why\"}}}}",
		     AUTHZ_SERVICE_CREATE);
	expect_deny(&p, "/services/create",
		    "{\"Labels\":{\"rootlock.exempt\":\"why\"},\"TaskTemplate\":{\"ContainerSpec\":"
		    "{}}}",
		    "writable");
}

static void test_start_old_api(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	/* Below API 1.24 a start body replaces the HostConfig (verified on 20.10). */
	expect_deny(&p, "/v1.23/containers/web/start",
		    "{\"ReadonlyRootfs\":false,\"Privileged\":true}", "writable");
	expect_deny(&p, "/v1.12/containers/web/start", "{\"Binds\":[\"/a:/b\"]}", "writable");
	expect_deny(&p, "/v1.23.9/containers/web/start", "{\"Binds\":[\"/a:/b\"]}", "writable");
	expect_deny(&p, "/v1.23/containers/web/start", ABSENT, "no body");
	expect_deny(&p, "/v1.23/containers/a/b/start", "{\"Binds\":[]}", "writable");
	expect_allow(&p, "/v1.23/containers/web/start", "{\"ReadonlyRootfs\":true}",
		     AUTHZ_CONTAINER_CREATE);
	/* 7 bytes or less: the daemon ignores it. */
	expect_allow(&p, "/v1.23/containers/web/start", "{}", AUTHZ_OTHER);
	expect_allow(&p, "/v1.23/containers/web/start", "null   ", AUTHZ_OTHER);
	/* From 1.24 on the daemon refuses a start body. */
	expect_allow(&p, "/v1.24/containers/web/start", "{\"Binds\":[\"/a:/b\"]}", AUTHZ_OTHER);
	expect_allow(&p, "/v1.41/containers/web/start", "{\"Binds\":[\"/a:/b\"]}", AUTHZ_OTHER);
	expect_allow(&p, "/containers/web/start", "{\"Binds\":[\"/a:/b\"]}", AUTHZ_OTHER);
}

static void test_warn_mode(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	struct authz_decision d;
	size_t n = strlen(RW_BODY);
	decide_full(&p, AUTHZ_WARN, "POST", CREATE, RW_BODY, n, "alice", &d);
	assert_true(d.allow);
	assert_true(d.would_deny);
	assert_string_equal(d.reason, "writable");
	assert_non_null(strstr(d.msg, "writable"));
	char *line = authz_decision_log_line(&d, 0);
	json_t *o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "decision")), "warn");
	json_decref(o);
	free(line);
	authz_decision_release(&d);

	decide_full(&p, AUTHZ_WARN, "POST", CREATE, RO_BODY, strlen(RO_BODY), "alice", &d);
	assert_true(d.allow);
	assert_false(d.would_deny);
	authz_decision_release(&d);

	authz_decide(&p, AUTHZ_WARN, "garbage", 7, &d);
	assert_true(d.allow);
	assert_true(d.would_deny);
	authz_decision_release(&d);
}

static void test_log_line(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	struct authz_decision d;
	/* A name with invalid UTF-8 and control bytes, via the query string. */
	const char *uri = "/v1.41/containers/create?name=a%FF%0A%1B[31mb";
	decide_full(&p, AUTHZ_ENFORCE, "POST", uri, RW_BODY, strlen(RW_BODY), "bob", &d);
	assert_false(d.allow);
	/* Msg stays one printable line. */
	for (const char *c = d.msg; *c; c++)
		assert_true(*c >= 0x20 && *c < 0x7f);
	char *line = authz_decision_log_line(&d, 1700000000123LL);
	assert_null(strchr(line, '\n'));
	json_error_t jerr;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		fail_msg("log line is not JSON: %s: %s", jerr.text, line);
	assert_string_equal(json_string_value(json_object_get(o, "time")),
			    "2023-11-14T22:13:20.123Z");
	assert_string_equal(json_string_value(json_object_get(o, "user")), "bob");
	assert_string_equal(json_string_value(json_object_get(o, "method")), "POST");
	assert_string_equal(json_string_value(json_object_get(o, "uri")), uri);
	assert_string_equal(json_string_value(json_object_get(o, "image")), IMG);
	assert_string_equal(json_string_value(json_object_get(o, "decision")), "deny");
	assert_string_equal(json_string_value(json_object_get(o, "reason")), "writable");
	assert_true(json_is_string(json_object_get(o, "name")));
	assert_int_equal(json_object_size(o), 8);
	json_decref(o);
	free(line);
	authz_decision_release(&d);

	/* An allowed, unjudged one: absent fields are null. */
	const char *ping = "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\"}";
	authz_decide(&p, AUTHZ_ENFORCE, ping, strlen(ping), &d);
	assert_true(d.allow);
	line = authz_decision_log_line(&d, 5);
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "time")),
			    "1970-01-01T00:00:00.005Z");
	assert_true(json_is_null(json_object_get(o, "user")));
	assert_true(json_is_null(json_object_get(o, "name")));
	assert_string_equal(json_string_value(json_object_get(o, "decision")), "allow");
	json_decref(o);
	free(line);
	authz_decision_release(&d);
}

static void expect_policy_refused(const char *text, const char *want)
{
	struct authz_policy p;
	memset(&p, 0, sizeof(p));
	struct rl_error err = {0};
	int r = authz_policy_parse(text, strlen(text), "pol.json", &p, &err);
	if (r != RL_EPARSE)
		fail_msg("accepted (%d): %s", r, text);
	if (!str_startswith(err.msg, "pol.json") || !strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
	assert_null(p.exempt);
	assert_null(p.source);
}

static void test_policy_parse(void **state)
{
	(void)state;
	struct authz_policy p;
	struct rl_error err = {0};
	const char *good = "{\"deny_defeatable\": true, \"allow_label_exemption\": true,"
			   " \"exempt\": [{\"image\": \"vendor/*\", \"name\": \"legacy-*\","
			   " \"user\": \"ci\", \"reason\": \"OPS-1\"}]}";
	assert_int_equal(authz_policy_parse(good, strlen(good), "pol.json", &p, &err), 0);
	assert_true(p.deny_defeatable);
	assert_true(p.allow_label_exemption);
	assert_int_equal(p.n_exempt, 1);
	assert_string_equal(p.exempt[0].image, "vendor/*");
	assert_string_equal(p.exempt[0].name, "legacy-*");
	assert_string_equal(p.exempt[0].user, "ci");
	assert_string_equal(p.exempt[0].reason, "OPS-1");
	assert_string_equal(p.source, "pol.json");
	authz_policy_release(&p);
	authz_policy_release(&p); /* twice is harmless */

	assert_int_equal(authz_policy_parse("{}", 2, "pol.json", &p, &err), 0);
	assert_false(p.deny_defeatable);
	assert_int_equal(p.n_exempt, 0);
	authz_policy_release(&p);
	assert_int_equal(authz_policy_parse("{\"exempt\":[]}", 13, "pol.json", &p, &err), 0);
	authz_policy_release(&p);

	expect_policy_refused("{\"deny_defeatable\": true, \"colour\": 1}",
			      "unknown key \"colour\"");
	expect_policy_refused("{\"exempt\": [{\"image\": \"x\"}]}", "no \"reason\"");
	expect_policy_refused("{\"exempt\": [{\"reason\": \"why\"}]}", "matches nothing");
	expect_policy_refused("{\"exempt\": [{\"image\": \"x\", \"reason\": \"\"}]}",
			      "non-empty string");
	expect_policy_refused("{\"exempt\": [{\"id\": \"abc\", \"reason\": \"x\"}]}",
			      "unknown key \"id\"");
	expect_policy_refused("{\"exempt\": [{\"image\": 3, \"reason\": \"x\"}]}",
			      "non-empty string");
	expect_policy_refused("{\"exempt\": [1]}", "must be an object");
	expect_policy_refused("{\"exempt\": {}}", "must be a list");
	expect_policy_refused("{\"deny_defeatable\": \"yes\"}", "true or false");
	expect_policy_refused("{\"deny_defeatable\": true", "not valid JSON");
	expect_policy_refused("{\"deny_defeatable\": true, \"deny_defeatable\": false}",
			      "not valid JSON");
	expect_policy_refused("[]", "expected");
	expect_policy_refused("", "not valid JSON");

	assert_int_equal(authz_policy_load("/nonexistent/rootlock-authz.json", &p, &err), RL_EIO);
}

/* Binds, Mounts and PidMode of a create reach the rule: its defeaters are refused too. */
static void test_defeaters_create(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	static const char *const bodies[] = {
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		"\"Binds\":[\"/var/run/docker.sock:/var/run/docker.sock:ro\"]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		"\"Binds\":[\"/:/host\"]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		"\"Binds\":[\"/var/lib/docker/overlay2:/l:rw,z\"]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Mounts\":[{\"Type\":"
		"\"bind\",\"Source\":\"/run/containerd/containerd.sock\",\"Target\":\"/c\","
		"\"ReadOnly\":true}]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"readonlyrootfs\":true,\"mounts\":[{\"type\":"
		"\"bind\",\"source\":\"/var/lib/docker\",\"target\":\"/d\"}]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"PidMode\":\"host\","
		"\"CapAdd\":[\"SYS_PTRACE\"]}}",
		"{\"Image\":\"x\",\"ReadonlyRootfs\":true,\"Binds\":[\"/:/host\"]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		p.deny_defeatable = false;
		expect_allow(&p, CREATE, bodies[i], AUTHZ_CONTAINER_CREATE);
		p.deny_defeatable = true;
		expect_deny(&p, CREATE, bodies[i], "defeatable");
	}
	struct authz_decision d;
	decide(&p, "POST", CREATE, bodies[0], &d);
	assert_non_null(strstr(d.msg, "the engine's socket /var/run/docker.sock is bound at "
				      "/var/run/docker.sock (read-only does not help)"));
	assert_non_null(strstr(d.msg, "Recreate it without the bind of /var/run/docker.sock"));
	authz_decision_release(&d);
	/* Not defeaters: read-only binds of the data root, volumes, pid host alone. */
	static const char *const fine[] = {
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
		"\"Binds\":[\"/var/lib/docker:/d:ro\",\"data:/var/lib/docker\",\"/srv:/srv\"]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Mounts\":[{\"Type\":"
		"\"volume\",\"Source\":\"docker.sock\",\"Target\":\"/var/run/docker.sock\"}]}}",
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"PidMode\":\"host\"}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fine); i++)
		expect_allow(&p, CREATE, fine[i], AUTHZ_CONTAINER_CREATE);
	/* Read as the daemon would, or refused. */
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Binds\":\"/:/h\"}}",
		    "wrong type");
	expect_deny(
		&p, CREATE,
		"{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Mounts\":[{\"Type\":"
		"\"bind\",\"Source\":\"/srv\",\"source\":\"/\",\"Target\":\"/h\"}]}}",
		"ambiguous body");
	expect_deny(&p, CREATE,
		    "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"PidMode\":1}}",
		    "wrong type");
	/* The daemon's own socket and data root, when the policy names them. */
	const char *own_sock = "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
			       "\"Binds\":[\"/srv/e/docker.sock:/s:ro\"]}}";
	const char *own_root = "{\"Image\":\"x\",\"HostConfig\":{\"ReadonlyRootfs\":true,"
			       "\"Binds\":[\"/srv/e:/e\"]}}";
	expect_allow(&p, CREATE, own_sock, AUTHZ_CONTAINER_CREATE);
	expect_allow(&p, CREATE, own_root, AUTHZ_CONTAINER_CREATE);
	const char *where =
		"{\"deny_defeatable\": true, \"engine_socket\": \"/srv/e/docker.sock\", "
		"\"engine_data_root\": \"/srv/e/data\"}";
	struct authz_policy own;
	struct rl_error err0 = {0};
	assert_int_equal(authz_policy_parse(where, strlen(where), "policy.json", &own, &err0), 0);
	expect_deny(&own, CREATE, own_sock, "defeatable");
	expect_deny(&own, CREATE, own_root, "defeatable");
	authz_policy_release(&own);
	static const char *const bad[] = {"{\"engine_socket\": \"docker.sock\"}",
					  "{\"engine_data_root\": 3}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(authz_policy_parse(bad[i], strlen(bad[i]), "p", &own, &err0),
				 RL_EPARSE);
		assert_non_null(strstr(err0.msg, "must be an absolute path"));
		rl_error_clear(&err0);
	}
	/* Swarm: a ContainerSpec mount of the socket. */
	expect_deny(&p, "/services/create",
		    "{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x\","
		    "\"ReadOnly\":true,\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
		    "\"/var/run/docker.sock\",\"Target\":\"/s\",\"ReadOnly\":true}]}}}",
		    "defeatable");
	/* An exemption by name still lets the monitoring agent in. */
	const char *text = "{\"deny_defeatable\": true, \"exempt\": [{\"name\": \"web\", "
			   "\"reason\": \"monitoring agent, reads stats (OPS-7)\"}]}";
	struct authz_policy ex;
	struct rl_error err = {0};
	assert_int_equal(authz_policy_parse(text, strlen(text), "policy.json", &ex, &err), 0);
	decide(&ex, "POST", CREATE, bodies[0], &d);
	assert_true(d.allow && !d.would_deny);
	assert_non_null(strstr(d.reason, "monitoring agent"));
	authz_decision_release(&d);
	authz_policy_release(&ex);
}

#define EXEC_PRIV "{\"User\":\"\",\"Privileged\":true,\"Tty\":false,\"Cmd\":[\"sh\"]}"

static void test_exec_privileged(void **state)
{
	(void)state;
	struct authz_policy p;
	authz_policy_default(&p);
	/* Without deny_defeatable an exec is not even read. */
	struct authz_decision d;
	decide(&p, "POST", "/v1.41/containers/web/exec", EXEC_PRIV, &d);
	assert_true(d.allow && !d.would_deny);
	assert_int_equal(d.kind, AUTHZ_OTHER);
	authz_decision_release(&d);

	p.deny_defeatable = true;
	static const char *const uris[] = {
		"/v1.41/containers/web/exec",	  "/containers/web/exec",
		"/v1.45/containers/web/exec?x=1", "/v1.41/containers/web/%65xec",
		"/v1.41/containers%2Fweb%2Fexec", "//v1.41//containers//web//exec",
		"/v1.24/containers/web/exec",
	};
	for (size_t i = 0; i < ARRAY_SIZE(uris); i++)
		expect_deny(&p, uris[i], EXEC_PRIV, "defeatable");
	static const char *const bodies[] = {
		"{\"privileged\":true,\"Cmd\":[\"sh\"]}",
		"{\"PRIVILEGED\":true}",
		"{\"Privileged\":true,\"User\":\"root\",\"Env\":[\"A=1\"]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++)
		expect_deny(&p, "/v1.41/containers/web/exec", bodies[i], "defeatable");
	decide(&p, "POST", "/v1.41/containers/web/exec", EXEC_PRIV, &d);
	assert_string_equal(d.name, "web");
	assert_non_null(strstr(d.msg, "a privileged exec into container web is refused"));
	assert_non_null(strstr(d.msg, "exec without --privileged"));
	authz_decision_release(&d);

	/* Not privileged: allowed; a body the daemon would read otherwise: refused. */
	expect_allow(&p, "/v1.41/containers/web/exec", "{\"Privileged\":false,\"Cmd\":[\"sh\"]}",
		     AUTHZ_CONTAINER_EXEC);
	expect_allow(&p, "/v1.41/containers/web/exec", "{\"Cmd\":[\"sh\"]}", AUTHZ_CONTAINER_EXEC);
	expect_deny(&p, "/v1.41/containers/web/exec", "{\"Privileged\":false,\"privileged\":true}",
		    "ambiguous body");
	expect_deny(&p, "/v1.41/containers/web/exec", "{\"Privileged\":\"true\"}", "wrong type");
	expect_deny(&p, "/v1.41/containers/web/exec", ABSENT, "no body");
	/* Other paths are not exec creates. */
	expect_allow(&p, "/v1.41/exec/abc/start", EXEC_PRIV, AUTHZ_OTHER);
	expect_allow(&p, "/v1.41/containers/a/b/exec", EXEC_PRIV, AUTHZ_OTHER);
	expect_allow(&p, "/v1.41/containers//exec", EXEC_PRIV, AUTHZ_OTHER);

	/* Exempt by name: the container's name as the request spells it. */
	const char *text = "{\"deny_defeatable\": true, \"exempt\": [{\"name\": \"debug-*\", "
			   "\"reason\": \"break-glass debugging (OPS-3)\"}]}";
	struct authz_policy ex;
	struct rl_error err = {0};
	assert_int_equal(authz_policy_parse(text, strlen(text), "policy.json", &ex, &err), 0);
	expect_allow(&ex, "/v1.41/containers/debug-1/exec", EXEC_PRIV, AUTHZ_CONTAINER_EXEC);
	expect_deny(&ex, "/v1.41/containers/web/exec", EXEC_PRIV, "defeatable");
	authz_policy_release(&ex);
}

/* The unit install writes: the socket directory is the only place it may write. */
static void test_install_text(void **state)
{
	assert_true(authz_plain_path("/run/docker/plugins/rootlock.sock"));
	const char *bad[] = {NULL,   "",     "relative/x", "/a b", "/a%i",
			     "/a$x", "/a;b", "/a\\b",	   "/a\"b"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(authz_plain_path(bad[i]));
	_cleanup_free_ char *run =
		authz_unit_text("/usr/bin/rootlock", "/run/docker/plugins/rootlock.sock", NULL);
	assert_non_null(strstr(run, "ExecStart=/usr/bin/rootlock authz serve --socket "
				    "/run/docker/plugins/rootlock.sock\n"));
	assert_non_null(strstr(run, "RuntimeDirectory=docker/plugins\n"));
	assert_null(strstr(run, "ReadWritePaths="));
	_cleanup_free_ char *other =
		authz_unit_text("/usr/bin/rootlock", "/srv/p/r.sock", "/etc/p.json");
	assert_non_null(strstr(other, "--socket /srv/p/r.sock --policy /etc/p.json\n"));
	assert_non_null(strstr(other, "ReadWritePaths=/srv/p\n"));
	assert_null(strstr(other, "RuntimeDirectory="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_path),	cmocka_unit_test(test_create_basic),
		cmocka_unit_test(test_bypass_uris),	cmocka_unit_test(test_key_spellings),
		cmocka_unit_test(test_defeatable),	cmocka_unit_test(test_defeaters_create),
		cmocka_unit_test(test_exec_privileged), cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_labels),		cmocka_unit_test(test_policy_exemptions),
		cmocka_unit_test(test_services),	cmocka_unit_test(test_start_old_api),
		cmocka_unit_test(test_warn_mode),	cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_policy_parse),	cmocka_unit_test(test_install_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
