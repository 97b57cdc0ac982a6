/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <string.h>
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
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_bad_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
