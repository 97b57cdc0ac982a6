/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ssh-dial.h"

struct engine {
	struct endpoint ep;
	struct engine_options opt;
	CURL *curl;		/* one keep-alive connection for sequential requests */
	struct ssh_dialer *ssh; /* ssh:// engines: the processes that carry the connections */
	char api_version[16];
	char *server_version;
	bool podman;	     /* Podman's Docker-compatible API, as /version said */
	engine_tick_fn tick; /* engine_get_stream_ticking(): asked while a stream is open */
	void *tick_data;
	bool tick_stopped;
};

/* Where an answer goes: in memory (capped) or to a caller's sink. */
struct body {
	struct strbuf buf;
	size_t max;
	bool too_big;
	engine_sink_fn sink;
	void *sink_data;
	struct rl_error sink_err;
	bool sink_failed;
	char errbuf[CURL_ERROR_SIZE]; /* curl's own detail, e.g. the TLS alert */
};

static size_t body_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t len = size * nmemb;
	if (b->sink) {
		if (!b->sink(data, len, b->sink_data, &b->sink_err)) {
			b->sink_failed = true;
			return 0;
		}
		return len;
	}
	if (b->buf.len + len > b->max) {
		b->too_big = true;
		return 0;
	}
	strbuf_add(&b->buf, data, len);
	return len;
}

static void body_reset(struct body *b)
{
	strbuf_reset(&b->buf);
	b->too_big = false;
	b->sink_failed = false;
	b->errbuf[0] = '\0';
	rl_error_clear(&b->sink_err);
}

/* Once per process, also when several threads open engines at once (audit of many engines). */
static pthread_once_t global_init_once = PTHREAD_ONCE_INIT;
static bool global_init_ok;

static void global_init(void)
{
	global_init_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

int engine_open(struct endpoint *ep, const struct engine_options *opt, struct engine **ret,
		struct rl_error *err)
{
	pthread_once(&global_init_once, global_init);
	if (!global_init_ok)
		return rl_error_set(err, RL_EIO, "cannot initialise libcurl");
	struct engine *e = xcalloc(1, sizeof(*e));
	e->ep = *ep;
	memset(ep, 0, sizeof(*ep));
	e->opt = *opt;
	if (e->opt.max_body == 0)
		e->opt.max_body = 64 << 20;
	if (e->opt.parallel < 1)
		e->opt.parallel = 1;
	snprintf(e->api_version, sizeof(e->api_version), "%s", ENGINE_CLIENT_API_VERSION);
	if (e->ep.ssh_host) {
		e->ssh = ssh_dialer_new(&e->ep);
		if (ssh_dialer_start(e->ssh, err) < 0) {
			engine_free(e);
			return err->code;
		}
	}
	e->curl = curl_easy_init();
	if (!e->curl) {
		engine_free(e);
		return rl_error_set(err, RL_EIO, "cannot create a libcurl handle");
	}
	*ret = e;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int engine_dup(const struct engine *e, struct engine **ret, struct rl_error *err)
{
	struct endpoint ep = e->ep;
	ep.host = dup_or_null(e->ep.host);
	ep.unix_path = dup_or_null(e->ep.unix_path);
	ep.base_url = dup_or_null(e->ep.base_url);
	ep.context = dup_or_null(e->ep.context);
	ep.ssh_host = dup_or_null(e->ep.ssh_host);
	ep.ssh_user = dup_or_null(e->ep.ssh_user);
	ep.ssh_port = dup_or_null(e->ep.ssh_port);
	ep.ssh_path = dup_or_null(e->ep.ssh_path);
	ep.tls_ca = dup_or_null(e->ep.tls_ca);
	ep.tls_cert = dup_or_null(e->ep.tls_cert);
	ep.tls_key = dup_or_null(e->ep.tls_key);
	int r = engine_open(&ep, &e->opt, ret, err);
	if (r < 0) {
		endpoint_release(&ep);
		return r;
	}
	memcpy((*ret)->api_version, e->api_version, sizeof(e->api_version));
	return 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	ssh_dialer_free(e->ssh);
	endpoint_release(&e->ep);
	free(e->server_version);
	free(e);
}

const char *engine_api_version(const struct engine *e)
{
	return e->api_version;
}
bool engine_is_podman(const struct engine *e)
{
	return e->podman;
}

const char *engine_server_version(const struct engine *e)
{
	return e->server_version;
}
const char *engine_host(const struct engine *e)
{
	return e->ep.host;
}

long engine_timeout_ms(const struct engine *e)
{
	return e->opt.timeout_ms;
}

void engine_set_timeout(struct engine *e, long timeout_ms)
{
	e->opt.timeout_ms = timeout_ms;
}

static int xferinfo(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	struct engine *e = userdata;
	if (!e->tick(e->tick_data)) {
		e->tick_stopped = true;
		return 1;
	}
	return 0;
}

static void setup_handle(struct engine *e, CURL *h, const char *url, struct body *b)
{
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "rootlock/" ROOTLOCK_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	b->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, b->errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (e->opt.timeout_ms > 0) {
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, e->opt.timeout_ms);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, e->opt.timeout_ms);
	}
	if (e->ep.unix_path)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, e->ep.unix_path);
	if (e->ssh)
		ssh_dialer_setup(e->ssh, h);
	if (e->tick && h == e->curl) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, e);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	if (e->ep.tls) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, e->ep.tls_verify ? 1L : 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, e->ep.tls_verify ? 2L : 0L);
		if (e->ep.tls_ca)
			curl_easy_setopt(h, CURLOPT_CAINFO, e->ep.tls_ca);
		if (e->ep.tls_cert)
			curl_easy_setopt(h, CURLOPT_SSLCERT, e->ep.tls_cert);
		if (e->ep.tls_key)
			curl_easy_setopt(h, CURLOPT_SSLKEY, e->ep.tls_key);
	}
}

/* Turn a failed transfer into one plain sentence naming the engine. */
static int transfer_error(struct engine *e, CURL *h, CURLcode rc, const struct body *b,
			  const char *method, const char *path, struct rl_error *err)
{
	const char *host = e->ep.host;
	if (b->sink_failed) {
		*err = b->sink_err;
		return err->code ? err->code : RL_EENGINE;
	}
	if (b->too_big)
		return rl_error_set(
			err, RL_EENGINE,
			"the engine's answer to %s %s is larger than %zu MiB; refusing it", method,
			path, e->opt.max_body >> 20);
	/* Over ssh, what ssh said (auth failure, unknown host) is the reason. */
	const char *ssh_said = e->ssh ? ssh_dialer_error(e->ssh) : "";
	if (*ssh_said && rc != CURLE_OPERATION_TIMEDOUT) {
		return rl_error_set(err, RL_EENGINE, "cannot reach the engine at %s over ssh: %s",
				    host, ssh_said);
	}
	long os_errno = 0;
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
	const char *detail = b->errbuf[0] ? b->errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return rl_error_set(err, RL_EENGINE,
				    "the engine at %s has a TLS certificate this machine does not "
				    "trust (%s): check --tlscacert or ca.pem in DOCKER_CERT_PATH",
				    host, detail);
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return rl_error_set(err, RL_EENGINE,
				    "cannot use the TLS files for %s (%s): check --tlscacert, "
				    "--tlscert, --tlskey or DOCKER_CERT_PATH",
				    host, detail);
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ENOENT)
			return rl_error_set(
				err, RL_EENGINE,
				"no engine at %s: the socket does not exist (is dockerd "
				"running? choose another with -H or DOCKER_HOST)",
				host);
		if (os_errno == EACCES || os_errno == EPERM)
			return rl_error_set(
				err, RL_EENGINE,
				"permission denied on %s: run as root or as a member of "
				"the docker group",
				host);
		return rl_error_set(err, RL_EENGINE,
				    "cannot connect to the engine at %s: %s (is dockerd running?)",
				    host,
				    os_errno ? strerror((int)os_errno) : curl_easy_strerror(rc));
	case CURLE_OPERATION_TIMEDOUT:
		return rl_error_set(err, RL_ENOANSWER,
				    "the engine at %s did not answer %s %s within %ld ms (raise "
				    "--timeout if it is just slow)",
				    host, method, path, e->opt.timeout_ms);
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_SEND_ERROR:
	case CURLE_SSL_CONNECT_ERROR:
		/* An engine with --tlsverify drops clients without a certificate. */
		if (e->ep.tls && (strstr(detail, "alert") || rc == CURLE_SSL_CONNECT_ERROR))
			return rl_error_set(err, RL_EENGINE,
					    "the engine at %s refused the TLS connection (%s): it "
					    "may want a client certificate: give --tlscert and "
					    "--tlskey, or cert.pem and key.pem in DOCKER_CERT_PATH",
					    host, detail);
		return rl_error_set(err, RL_ENOANSWER,
				    "the engine at %s broke off its answer to %s %s: %s", host,
				    method, path, detail);
	default:
		return rl_error_set(err, RL_EENGINE, "talking to the engine at %s (%s %s): %s",
				    host, method, path, detail);
	}
}

/*
 * Check status and parse; the body must be complete. keep (may be NULL):
 * a successful answer is first cut down to those fields, in scratch.
 */
static int parse_answer_pruned(struct engine *e, CURL *h, const struct body *b, const char *method,
			       const char *path, const struct json_prune_spec *keep,
			       struct strbuf *scratch, json_t **ret, struct rl_error *err)
{
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	json_error_t jerr;
	/* An error's message is read from the whole answer. */
	bool ok = status >= 200 && status <= 299;
	json_t *root = json_load_pruned(strbuf_str(&b->buf), b->buf.len, JSON_DECODE_ANY,
					ok ? keep : NULL, scratch, &jerr);
	if (status == 400 && !e->ep.tls && strstr(strbuf_str(&b->buf), "HTTPS server")) {
		json_decref(root);
		return rl_error_set(err, RL_EENGINE,
				    "the engine at %s speaks TLS: add --tlsverify (or set "
				    "DOCKER_TLS_VERIFY=1) with its certificates",
				    e->ep.host);
	}
	if (status < 200 || status > 299) {
		const char *msg = json_string_value(json_object_get(root, "message"));
		int code = status == 404 ? RL_ENOTFOUND : RL_EENGINE;
		_cleanup_free_ char *safe = NULL;
		if (msg) {
			/* Engine messages can quote names; keep them to one printable line. */
			safe = xstrndup(msg, 300);
			for (char *p = safe; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = ' ';
		}
		rl_error_set(err, code, "the engine at %s answered %ld to %s %s%s%s", e->ep.host,
			     status, method, path, safe ? ": " : "", safe ? safe : "");
		json_decref(root);
		return code;
	}
	if (!root)
		return rl_error_set(err, RL_EENGINE,
				    "the engine at %s sent invalid JSON for %s %s (%s at byte %d)",
				    e->ep.host, method, path, jerr.text, jerr.position);
	*ret = root;
	return 0;
}

static int parse_answer(struct engine *e, CURL *h, const struct body *b, const char *method,
			const char *path, json_t **ret, struct rl_error *err)
{
	return parse_answer_pruned(e, h, b, method, path, NULL, NULL, ret, err);
}

static char *versioned_url(const struct engine *e, const char *path)
{
	return xasprintf("%s/v%s%s", e->ep.base_url, e->api_version, path);
}

/* One request on the keep-alive handle; request_body is JSON or NULL. */
static int perform(struct engine *e, const char *method, const char *url, const char *path,
		   const char *request_body, struct body *b, struct rl_error *err)
{
	setup_handle(e, e->curl, url, b);
	struct curl_slist *headers = NULL;
	if (!streq(method, "GET"))
		curl_easy_setopt(e->curl, CURLOPT_CUSTOMREQUEST, method);
	if (request_body) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, request_body);
	} else if (streq(method, "POST")) {
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, "");
	}
	CURLcode rc = curl_easy_perform(e->curl);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK)
		return transfer_error(e, e->curl, rc, b, method, path, err);
	return 0;
}

static int get(struct engine *e, const char *url, const char *path, struct body *b,
	       struct rl_error *err)
{
	return perform(e, "GET", url, path, NULL, b, err);
}

/* The request body as sent, or NULL for none. */
static char *request_text(json_t *request)
{
	if (!request)
		return NULL;
	char *text = json_dumps(request, JSON_COMPACT);
	if (!text)
		die_oom();
	return text;
}

int engine_call(struct engine *e, const char *method, const char *path, json_t *request,
		json_t **ret, struct rl_error *err)
{
	_cleanup_free_ char *url = versioned_url(e, path);
	_cleanup_free_ char *text = request_text(request);
	struct body b = {.max = e->opt.max_body};
	int r = perform(e, method, url, path, text, &b, err);
	if (r == 0) {
		long status = 0;
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
		/* 204 has no body; 304 means "already so" (started, stopped). */
		if ((status >= 200 && status <= 299 && b.buf.len == 0) || status == 304) {
			if (ret)
				*ret = NULL;
		} else {
			json_t *answer = NULL;
			r = parse_answer(e, e->curl, &b, method, path, &answer, err);
			if (ret)
				*ret = answer;
			else
				json_decref(answer);
		}
	}
	strbuf_release(&b.buf);
	return r;
}

int engine_call_stream(struct engine *e, const char *method, const char *path, json_t *request,
		       engine_sink_fn sink, void *userdata, struct rl_error *err)
{
	_cleanup_free_ char *url = versioned_url(e, path);
	_cleanup_free_ char *text = request_text(request);
	struct body b = {.sink = sink, .sink_data = userdata};
	int r = perform(e, method, url, path, text, &b, err);
	if (r < 0)
		return r;
	long status = 0;
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return rl_error_set(err, status == 404 ? RL_ENOTFOUND : RL_EENGINE,
				    "the engine at %s answered %ld to %s %s", e->ep.host, status,
				    method, path);
	return 0;
}

int engine_get_json(struct engine *e, const char *path, json_t **ret, struct rl_error *err)
{
	_cleanup_free_ char *url = versioned_url(e, path);
	struct body b = {.max = e->opt.max_body};
	int r = get(e, url, path, &b, err);
	if (r == 0)
		r = parse_answer(e, e->curl, &b, "GET", path, ret, err);
	strbuf_release(&b.buf);
	return r;
}

int engine_get_stream(struct engine *e, const char *path, engine_sink_fn sink, void *userdata,
		      struct rl_error *err)
{
	return engine_call_stream(e, "GET", path, NULL, sink, userdata, err);
}

int engine_get_stream_ticking(struct engine *e, const char *path, engine_sink_fn sink,
			      engine_tick_fn tick, void *userdata, struct rl_error *err)
{
	e->tick = tick;
	e->tick_data = userdata;
	e->tick_stopped = false;
	int r = engine_call_stream(e, "GET", path, NULL, sink, userdata, err);
	e->tick = NULL;
	if (e->tick_stopped) {
		rl_error_clear(err);
		return 0;
	}
	return r;
}

struct header_want {
	const char *name;
	char *value;
};

static size_t header_line(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct header_want *w = userdata;
	size_t len = size * nmemb, nlen = strlen(w->name);
	if (len > nlen && data[nlen] == ':' && strncasecmp(data, w->name, nlen) == 0) {
		const char *v = data + nlen + 1, *end = data + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		free(w->value);
		w->value = xstrndup(v, (size_t)(end - v));
	}
	return len;
}

int engine_head(struct engine *e, const char *path, const char *header, char **value,
		struct rl_error *err)
{
	_cleanup_free_ char *url = versioned_url(e, path);
	struct body b = {.max = e->opt.max_body};
	struct header_want want = {.name = header};
	setup_handle(e, e->curl, url, &b);
	curl_easy_setopt(e->curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(e->curl, CURLOPT_HEADERFUNCTION, header_line);
	curl_easy_setopt(e->curl, CURLOPT_HEADERDATA, &want);
	CURLcode rc = curl_easy_perform(e->curl);
	int r = 0;
	long status = 0;
	if (rc != CURLE_OK) {
		r = transfer_error(e, e->curl, rc, &b, "HEAD", path, err);
	} else {
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			r = rl_error_set(err, status == 404 ? RL_ENOTFOUND : RL_EENGINE,
					 "the engine at %s answered %ld to HEAD %s", e->ep.host,
					 status, path);
	}
	strbuf_release(&b.buf);
	if (r == 0) {
		*value = want.value;
		return 0;
	}
	free(want.value);
	return r;
}

bool engine_buffer_sink(const char *data, size_t len, void *userdata, struct rl_error *err)
{
	struct engine_buffer *eb = userdata;
	size_t room = eb->buf.len < eb->max ? eb->max - eb->buf.len : 0;
	if (len > room && !eb->truncate) {
		rl_error_set(err, RL_EENGINE, "the engine's answer is larger than %zu bytes",
			     eb->max);
		return false;
	}
	strbuf_add(&eb->buf, data, len < room ? len : room);
	return true;
}

int api_version_cmp(const char *a, const char *b)
{
	unsigned amaj = 0, amin = 0, bmaj = 0, bmin = 0;
	sscanf(a, "%u.%u", &amaj, &amin);
	sscanf(b, "%u.%u", &bmaj, &bmin);
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	return amin < bmin ? -1 : amin > bmin;
}

int engine_negotiate(struct engine *e, struct rl_error *err)
{
	/* /version is unversioned so that any engine can answer it. */
	_cleanup_free_ char *url = xasprintf("%s/version", e->ep.base_url);
	struct body b = {.max = 1 << 20};
	json_t *v = NULL;
	int r = get(e, url, "/version", &b, err);
	if (r == 0)
		r = parse_answer(e, e->curl, &b, "GET", "/version", &v, err);
	strbuf_release(&b.buf);
	if (r < 0)
		return r;
	const char *server_api = json_string_value(json_object_get(v, "ApiVersion"));
	const char *version = json_string_value(json_object_get(v, "Version"));
	/* Negotiated again (watch, after the engine restarted): what it says now. */
	free(e->server_version);
	e->server_version = version ? xstrdup(version) : NULL;
	e->podman = false;
	/* Podman names itself in Components ("Podman Engine"); Docker says "Engine". */
	json_t *component;
	size_t i;
	json_array_foreach (json_object_get(v, "Components"), i, component) {
		const char *name = json_string_value(json_object_get(component, "Name"));
		if (name && str_startswith(name, "Podman"))
			e->podman = true;
	}
	if (!server_api || sscanf(server_api, "%*u.%*u") != 0 ||
	    strspn(server_api, "0123456789.") != strlen(server_api) || strlen(server_api) > 10) {
		json_decref(v);
		return rl_error_set(err, RL_EENGINE,
				    "the engine at %s did not say which API version it speaks; "
				    "is it a Docker engine?",
				    e->ep.host);
	}
	if (api_version_cmp(server_api, ENGINE_MIN_API_VERSION) < 0) {
		rl_error_set(err, RL_EENGINE,
			     "the engine at %s speaks API %s; rootlock needs %s or newer",
			     e->ep.host, server_api, ENGINE_MIN_API_VERSION);
		json_decref(v);
		return RL_EENGINE;
	}
	snprintf(e->api_version, sizeof(e->api_version), "%s",
		 api_version_cmp(server_api, ENGINE_CLIENT_API_VERSION) < 0
			 ? server_api
			 : ENGINE_CLIENT_API_VERSION);
	json_decref(v);
	return 0;
}

#define CONNECT_RETRIES 5

struct slot {
	CURL *h;
	struct body body;
	size_t index;
	int attempts; /* connection retries for the current request */
	bool busy;
	bool set_up; /* options set: a later request changes only the URL */
};

int engine_get_many(struct engine *e, char *const *paths, size_t n, engine_done_fn done,
		    void *userdata, struct rl_error *err)
{
	return engine_get_many_pruned(e, paths, n, NULL, done, userdata, err);
}

int engine_get_many_pruned(struct engine *e, char *const *paths, size_t n,
			   const struct json_prune_spec *const *keep, engine_done_fn done,
			   void *userdata, struct rl_error *err)
{
	size_t nslots = (size_t)e->opt.parallel < n ? (size_t)e->opt.parallel : n;
	if (nslots == 0)
		return 0;
	CURLM *multi = curl_multi_init();
	if (!multi)
		return rl_error_set(err, RL_EIO, "cannot create a libcurl multi handle");
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)nslots);
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)nslots);
	struct slot *slots = xcalloc(nslots, sizeof(*slots));
	int r = 0;
	size_t next = 0, finished = 0;
	struct strbuf pruned = STRBUF_INIT;

	for (size_t i = 0; i < nslots; i++) {
		slots[i].h = curl_easy_init();
		slots[i].body.max = e->opt.max_body;
		if (!slots[i].h) {
			r = rl_error_set(err, RL_EIO, "cannot create a libcurl handle");
			goto out;
		}
		curl_easy_setopt(slots[i].h, CURLOPT_PRIVATE, &slots[i]);
	}

	while (finished < n) {
		for (size_t i = 0; i < nslots && next < n; i++) {
			struct slot *s = &slots[i];
			if (s->busy)
				continue;
			_cleanup_free_ char *url = versioned_url(e, paths[next]);
			body_reset(&s->body);
			/* The same options for every request: setting them all again costs. */
			if (s->set_up) {
				curl_easy_setopt(s->h, CURLOPT_URL, url);
			} else {
				setup_handle(e, s->h, url, &s->body);
				curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
				s->set_up = true;
			}
			s->index = next++;
			s->busy = true;
			curl_multi_add_handle(multi, s->h);
		}
		int running = 0;
		if (curl_multi_perform(multi, &running) != CURLM_OK) {
			r = rl_error_set(err, RL_EIO, "libcurl failed while talking to %s",
					 e->ep.host);
			goto out;
		}
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct slot *s = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			CURLcode rc = msg->data.result;
			curl_multi_remove_handle(multi, s->h);
			s->busy = false;
			finished++;
			struct rl_error item_err = {0};
			json_t *answer = NULL;
			const char *path = paths[s->index];
			if (rc == CURLE_COULDNT_CONNECT && s->attempts < CONNECT_RETRIES) {
				/*
				 * The engine answered the list a moment ago, so a refused
				 * connection is most likely a full listen backlog (EAGAIN on a
				 * unix socket): try the same request again, a little later.
				 */
				s->attempts++;
				finished--;
				usleep(10000 * s->attempts);
				body_reset(&s->body);
				s->busy = true;
				curl_multi_add_handle(multi, s->h);
				continue;
			}
			s->attempts = 0;
			if (rc != CURLE_OK) {
				transfer_error(e, s->h, rc, &s->body, "GET", path, &item_err);
				/* Still refused after retries: the engine is gone, stop here. */
				if (rc == CURLE_COULDNT_CONNECT) {
					*err = item_err;
					r = item_err.code;
					goto out;
				}
			} else {
				parse_answer_pruned(e, s->h, &s->body, "GET", path,
						    keep ? keep[s->index] : NULL, &pruned, &answer,
						    &item_err);
			}
			done(s->index, answer, &item_err, userdata);
			json_decref(answer);
		}
		if (finished < n && running > 0)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
out:
	for (size_t i = 0; i < nslots; i++) {
		if (!slots[i].h)
			continue;
		if (slots[i].busy)
			curl_multi_remove_handle(multi, slots[i].h);
		curl_easy_cleanup(slots[i].h);
		strbuf_release(&slots[i].body.buf);
	}
	free(slots);
	strbuf_release(&pruned);
	curl_multi_cleanup(multi);
	return r;
}

char *url_escape(const char *s)
{
	char *esc = curl_easy_escape(NULL, s, 0);
	if (!esc)
		die_oom();
	char *ret = xstrdup(esc);
	curl_free(esc);
	return ret;
}
