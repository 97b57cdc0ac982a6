/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "httpd.h"

static void echo(const struct httpd_request *req, struct httpd_response *resp, void *userdata)
{
	if (streq(req->url, "/missing")) {
		resp->status = 404;
		return;
	}
	resp->body = xasprintf("%s %s %zu%s", req->method, req->url, req->body_len,
			       req->body_too_big ? " too big" : "");
	resp->len = strlen(resp->body);
}

static size_t keep(char *data, size_t size, size_t n, void *userdata)
{
	strbuf_add(userdata, data, size * n);
	return size * n;
}

/* GET (or POST body) url over unix_path or TCP; returns the status. */
static long fetch(const char *unix_path, const char *url, const char *body, struct strbuf *out)
{
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (unix_path)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, unix_path);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	long status = -1;
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}

static char *tmp_dir(void)
{
	char tmpl[] = "/tmp/rootlock-httpd-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void test_unix(void **state)
{
	_cleanup_free_ char *dir = tmp_dir();
	_cleanup_free_ char *path = xasprintf("%s/m.sock", dir);
	_cleanup_free_ char *addr = xasprintf("unix:%s", path);
	struct httpd_options opt = {.max_body = 8};
	struct httpd *h = NULL;
	struct rl_error err = {0};
	assert_int_equal(httpd_start(addr, &opt, echo, NULL, &h, &err), 0);
	assert_string_equal(httpd_address(h), addr);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);

	struct strbuf out = STRBUF_INIT;
	assert_int_equal(fetch(path, "http://x/metrics", NULL, &out), 200);
	assert_string_equal(strbuf_str(&out), "GET /metrics 0");
	strbuf_reset(&out);
	assert_int_equal(fetch(path, "http://x/p", "1234", &out), 200);
	assert_string_equal(strbuf_str(&out), "POST /p 4");
	strbuf_reset(&out);
	assert_int_equal(fetch(path, "http://x/p", "123456789", &out), 200);
	assert_string_equal(strbuf_str(&out), "POST /p 0 too big");
	strbuf_reset(&out);
	assert_int_equal(fetch(path, "http://x/missing", NULL, &out), 404);
	strbuf_release(&out);

	/* A live socket is not taken over. */
	struct httpd *second = NULL;
	assert_true(httpd_start(addr, NULL, echo, NULL, &second, &err) < 0);
	assert_non_null(strstr(err.msg, "in use"));
	httpd_stop(h);
	assert_int_equal(stat(path, &st), -1);

	/* A socket nobody answers on (a crash) is replaced; a plain file is not. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(httpd_start(addr, NULL, echo, NULL, &h, &err), 0);
	httpd_stop(h);
	FILE *f = fopen(path, "w");
	fclose(f);
	assert_true(httpd_start(addr, NULL, echo, NULL, &h, &err) < 0);
	assert_non_null(strstr(err.msg, "not a socket"));
	unlink(path);
	rmdir(dir);
}

static void test_tcp(void **state)
{
	struct httpd *h = NULL;
	struct rl_error err = {0};
	assert_int_equal(httpd_start("127.0.0.1:0", NULL, echo, NULL, &h, &err), 0);
	const char *addr = httpd_address(h);
	assert_true(str_startswith(addr, "127.0.0.1:"));
	assert_true(atoi(addr + 10) > 0);
	_cleanup_free_ char *url = xasprintf("http://%s/healthz", addr);
	struct strbuf out = STRBUF_INIT;
	assert_int_equal(fetch(NULL, url, NULL, &out), 200);
	assert_string_equal(strbuf_str(&out), "GET /healthz 0");
	strbuf_release(&out);
	httpd_stop(h);
}

/* A URL that fits in MHD's default 32 KiB per connection but not in 16 KiB. */
static void test_connection_memory(void **state)
{
	_cleanup_free_ char *long_path = xmalloc(20001);
	memset(long_path, 'a', 20000);
	long_path[20000] = '\0';
	size_t limits[] = {0, 16 * 1024};
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		struct httpd_options opt = {.connection_memory = limits[i]};
		struct httpd *h = NULL;
		struct rl_error err = {0};
		assert_int_equal(httpd_start("127.0.0.1:0", &opt, echo, NULL, &h, &err), 0);
		_cleanup_free_ char *url = xasprintf("http://%s/%s", httpd_address(h), long_path);
		struct strbuf out = STRBUF_INIT;
		long status = fetch(NULL, url, NULL, &out);
		if (limits[i])
			assert_true(status >= 400 && status < 500); /* refused, not answered */
		else
			assert_int_equal(status, 200);
		strbuf_release(&out);
		httpd_stop(h);
	}
}

struct canned_state {
	struct httpd_canned *canned;
	int after_calls; /* how often the after-send hook ran */
	bool hang_up;
	pthread_mutex_t lock;
};

static void answer_canned(const struct httpd_request *req, struct httpd_response *resp,
			  void *userdata)
{
	struct canned_state *cs = userdata;
	resp->canned = cs->canned;
	resp->hang_up = cs->hang_up;
}

static void count_after(void *arg, void *userdata)
{
	struct canned_state *cs = userdata;
	pthread_mutex_lock(&cs->lock);
	cs->after_calls += *(int *)arg;
	pthread_mutex_unlock(&cs->lock);
	free(arg);
}

static void answer_counted(const struct httpd_request *req, struct httpd_response *resp,
			   void *userdata)
{
	answer_canned(req, resp, userdata);
	int *one = xmalloc(sizeof(*one));
	*one = 1;
	resp->after = count_after;
	resp->after_arg = one;
}

/* The hook runs after the answer went out: wait for it, 5 s at most. */
static int wait_after_calls(struct canned_state *cs, int want)
{
	for (int i = 0; i < 5000; i++) {
		pthread_mutex_lock(&cs->lock);
		int n = cs->after_calls;
		pthread_mutex_unlock(&cs->lock);
		if (n >= want)
			return n;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	return cs->after_calls;
}

/* A canned answer is sent by many requests and servers; its body is never freed. */
static void test_canned(void **state)
{
	char *body = xstrdup("{\"Allow\":true}"); /* heap: ASan sees a free by the server */
	struct canned_state cs = {.lock = PTHREAD_MUTEX_INITIALIZER};
	cs.canned = httpd_canned_new(201, "application/json", body, strlen(body));
	assert_non_null(cs.canned);
	for (int round = 0; round < 2; round++) {
		struct httpd *h = NULL;
		struct rl_error err = {0};
		struct httpd_options opt = {.threads = 2};
		assert_int_equal(httpd_start("127.0.0.1:0", &opt, answer_canned, &cs, &h, &err), 0);
		_cleanup_free_ char *url = xasprintf("http://%s/x", httpd_address(h));
		for (int i = 0; i < 3; i++) {
			struct strbuf out = STRBUF_INIT;
			assert_int_equal(fetch(NULL, url, i ? "posted" : NULL, &out), 201);
			assert_string_equal(strbuf_str(&out), "{\"Allow\":true}");
			strbuf_release(&out);
		}
		httpd_stop(h);
	}
	assert_string_equal(body, "{\"Allow\":true}");
	httpd_canned_free(cs.canned);
	free(body);
}

/* The after-send hook runs once per request, also when the connection is dropped. */
static void test_after_send(void **state)
{
	struct canned_state cs = {.lock = PTHREAD_MUTEX_INITIALIZER};
	cs.canned = httpd_canned_new(200, NULL, "ok", 2);
	struct httpd *h = NULL;
	struct rl_error err = {0};
	assert_int_equal(httpd_start("127.0.0.1:0", NULL, answer_counted, &cs, &h, &err), 0);
	_cleanup_free_ char *url = xasprintf("http://%s/x", httpd_address(h));
	struct strbuf out = STRBUF_INIT;
	assert_int_equal(fetch(NULL, url, NULL, &out), 200);
	assert_string_equal(strbuf_str(&out), "ok");
	assert_int_equal(wait_after_calls(&cs, 1), 1);
	assert_int_equal(fetch(NULL, url, "body", &out), 200);
	assert_int_equal(wait_after_calls(&cs, 2), 2);
	/* Hung up: the client gets no answer, and the hook still runs (and frees). */
	cs.hang_up = true;
	strbuf_reset(&out);
	assert_int_equal(fetch(NULL, url, NULL, &out), -1);
	assert_string_equal(strbuf_str(&out), "");
	assert_int_equal(wait_after_calls(&cs, 3), 3);
	strbuf_release(&out);
	httpd_stop(h);
	assert_int_equal(cs.after_calls, 3);
	httpd_canned_free(cs.canned);
}

/* make_dirs: a socket in directories that do not exist yet. */
static void test_make_dirs(void **state)
{
	_cleanup_free_ char *dir = tmp_dir();
	_cleanup_free_ char *addr = xasprintf("unix:%s/a/b/m.sock", dir);
	struct httpd *h = NULL;
	struct rl_error err = {0};
	assert_true(httpd_start(addr, NULL, echo, NULL, &h, &err) < 0);
	struct httpd_options opt = {.make_dirs = true};
	assert_int_equal(httpd_start(addr, &opt, echo, NULL, &h, &err), 0);
	httpd_stop(h);
	_cleanup_free_ char *b = xasprintf("%s/a/b", dir);
	_cleanup_free_ char *a = xasprintf("%s/a", dir);
	assert_int_equal(rmdir(b), 0);
	assert_int_equal(rmdir(a), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_bad_addresses(void **state)
{
	const char *bad[] = {"9100", "host:", "127.0.0.1:port", "unix:", "no.such.host.invalid:1"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct httpd *h = NULL;
		struct rl_error err = {0};
		assert_int_equal(httpd_start(bad[i], NULL, echo, NULL, &h, &err), RL_EUSAGE);
	}
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix),	      cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_bad_addresses), cmocka_unit_test(test_connection_memory),
		cmocka_unit_test(test_canned),	      cmocka_unit_test(test_after_send),
		cmocka_unit_test(test_make_dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
