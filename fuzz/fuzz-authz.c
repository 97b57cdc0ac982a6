/* SPDX-License-Identifier: MIT */
/*
 * The authz decision: whatever the daemon (or anyone on its socket) sends,
 * decide without crashing or leaking, and never let a judged request
 * through in enforce mode unless its body really asks for a read-only root
 * filesystem or it was exempt.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "authz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *b64(const uint8_t *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc(n / 3 * 4 + 5), *o = out;
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

/* An independent, cruder oracle: some key that looks like a read-only field is true. */
static bool says_read_only(json_t *v)
{
	const char *key;
	json_t *val;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach (v, key, val) {
			if ((strcasecmp(key, "readonlyrootfs") == 0 ||
			     strcasecmp(key, "readonly") == 0 ||
			     strncasecmp(key, "readonlyrootf", 13) == 0) &&
			    json_is_true(val))
				return true;
			if (says_read_only(val))
				return true;
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, val)
			if (says_read_only(val))
				return true;
	}
	return false;
}

/* The crude oracle for an exec: some key that looks like Privileged is true. */
static bool says_privileged(json_t *v)
{
	const char *key;
	json_t *val;
	json_object_foreach (v, key, val)
		if (strcasecmp(key, "privileged") == 0 && !json_is_false(val) && !json_is_null(val))
			return true;
	return false;
}

static void check(const struct authz_decision *d, enum authz_mode mode)
{
	if (!d->reason)
		abort();
	if (mode == AUTHZ_WARN ? !d->allow : d->allow == d->would_deny)
		abort();
	if (d->would_deny && (!d->msg || strncmp(d->msg, "rootlock: ", 10) != 0))
		abort();
	/* Msg is one printable line: the daemon shows it and JSON-encodes it. */
	for (const char *c = d->msg; c && *c; c++)
		if (*c < 0x20 || *c >= 0x7f)
			abort();
	char *line = authz_decision_log_line(d, 1700000000123LL);
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	if (!o || strchr(line, '\n'))
		abort();
	json_decref(o);
	free(line);
}

static const char *const uris[] = {
	"/v1.41/containers/create?name=legacy-1",
	"/containers/%63reate?name=web",
	"/v1.41/services/create",
	"/v1.41/services/abc/update?version=3",
	"/v1.23/containers/web/start",
	"http://x//v1.41//containers/create",
	"/v1.41/containers/json",
	"/v1.41/containers/web/exec",
	"/containers/legacy-1/%65xec",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct authz_policy policy, strict;
	static bool ready;
	if (!ready) {
		const char *text =
			"{\"allow_label_exemption\": true, \"exempt\": ["
			"{\"image\": \"vendor/*\", \"reason\": \"vendor\"},"
			"{\"name\": \"legacy-*\", \"user\": \"ci\", \"reason\": \"ci\"}]}";
		/* deny_defeatable: execs are judged too. */
		const char *strict_text =
			"{\"deny_defeatable\": true, \"engine_socket\": \"/srv/d.sock\", "
			"\"exempt\": [{\"name\": \"legacy-*\", \"user\": \"ci\", \"reason\": "
			"\"ci\"}]}";
		struct rl_error err = {0};
		if (authz_policy_parse(text, strlen(text), "fuzz.json", &policy, &err) < 0 ||
		    authz_policy_parse(strict_text, strlen(strict_text), "strict.json", &strict,
				       &err) < 0)
			abort();
		ready = true;
	}
	struct authz_decision d;

	/* 1. The bytes as the whole plugin request. */
	for (int m = 0; m < 2; m++) {
		enum authz_mode mode = m ? AUTHZ_WARN : AUTHZ_ENFORCE;
		authz_decide(&policy, mode, (const char *)data, size, &d);
		check(&d, mode);
		authz_decision_release(&d);
	}

	/* 2. The bytes as the body of a well-formed request. */
	if (size > 0) {
		const char *uri = uris[data[0] % ARRAY_SIZE(uris)];
		const uint8_t *body = data + 1;
		size_t blen = size - 1;
		char *enc = b64(body, blen);
		json_t *req =
			json_pack("{s:s, s:s, s:s, s:s}", "RequestMethod", "POST", "RequestUri",
				  uri, "User", (data[0] & 8) ? "ci" : "bob", "RequestBody", enc);
		free(enc);
		char *text = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		for (int k = 0; k < 2; k++) {
			authz_decide(k ? &strict : &policy, AUTHZ_ENFORCE, text, strlen(text), &d);
			check(&d, AUTHZ_ENFORCE);
			if (d.allow && d.kind != AUTHZ_OTHER &&
			    strncmp(d.reason, "exempt: ", 8) != 0) {
				json_t *doc = json_loadb((const char *)body, blen, 0, NULL);
				if (!json_is_object(doc) ||
				    (d.kind == AUTHZ_CONTAINER_EXEC ? says_privileged(doc)
								    : !says_read_only(doc)))
					abort();
				json_decref(doc);
			}
			authz_decision_release(&d);
		}
		free(text);
	}

	/* 3. The bytes as a policy file and as a URI. */
	struct authz_policy p;
	struct rl_error err = {0};
	int r = authz_policy_parse((const char *)data, size, "fuzz.json", &p, &err);
	if (r < 0) {
		if (r != RL_EPARSE || !err.msg[0])
			abort();
	} else {
		for (size_t i = 0; i < p.n_exempt; i++) {
			const struct authz_exemption *e = &p.exempt[i];
			if (!e->reason || (!e->image && !e->name && !e->user))
				abort();
		}
		authz_policy_release(&p);
	}
	char *s = xstrndup((const char *)data, size);
	char *path = authz_route_path(s);
	if (!path || path[0] != '/')
		abort();
	free(path);
	free(s);
	return 0;
}
