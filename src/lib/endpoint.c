/* SPDX-License-Identifier: MIT */
#define _DEFAULT_SOURCE
#include "endpoint.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

#define DOCKER_CONFIG_MAX_BYTES (4 << 20)

void endpoint_release(struct endpoint *ep)
{
	if (!ep)
		return;
	free(ep->host);
	free(ep->unix_path);
	free(ep->base_url);
	free(ep->context);
	free(ep->ssh_host);
	free(ep->ssh_user);
	free(ep->ssh_port);
	free(ep->ssh_path);
	free(ep->tls_ca);
	free(ep->tls_cert);
	free(ep->tls_key);
	memset(ep, 0, sizeof(*ep));
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* ssh://[USER@]HOST[:PORT][/PATH], as the docker CLI takes it. */
static int parse_ssh(const char *host, struct endpoint *ep, struct rl_error *err)
{
	const char *rest = host + strlen("ssh://");
	size_t len = strcspn(rest, "/");
	_cleanup_free_ char *authority = xstrndup(rest, len);
	const char *path = rest[len] ? rest + len : NULL;
	char *at = strrchr(authority, '@');
	const char *hostport = authority;
	if (at) {
		*at = '\0';
		if (!authority[0])
			return rl_error_set(err, RL_EUSAGE, "host '%s' names an empty user", host);
		ep->ssh_user = xstrdup(authority);
		hostport = at + 1;
	}
	/* [v6]:port, or name:port */
	const char *bracket = strrchr(hostport, ']');
	const char *colon = strrchr(bracket ? bracket : hostport, ':');
	size_t host_len = colon ? (size_t)(colon - hostport) : strlen(hostport);
	if (colon && (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		      strlen(colon + 1) > 5))
		return rl_error_set(err, RL_EUSAGE, "host '%s' needs a numeric port", host);
	if (hostport[0] == '[' && bracket) {
		hostport++;
		host_len = (size_t)(bracket - hostport);
	}
	/* ssh would take a host starting with '-' as an option. */
	if (host_len == 0 || hostport[0] == '-' || (ep->ssh_user && ep->ssh_user[0] == '-'))
		return rl_error_set(err, RL_EUSAGE, "host '%s' names no usable ssh host", host);
	ep->ssh_host = xstrndup(hostport, host_len);
	if (colon)
		ep->ssh_port = xstrdup(colon + 1);
	if (path && strcmp(path, "/") != 0)
		ep->ssh_path = xstrdup(path);
	/* As for unix://: the connection is the ssh process's (ssh-dial.h). */
	ep->base_url = xstrdup("http://docker");
	return 0;
}

int endpoint_parse_host(const char *host, struct endpoint *ep, struct rl_error *err)
{
	free(ep->host);
	free(ep->unix_path);
	free(ep->base_url);
	free(ep->ssh_host);
	free(ep->ssh_user);
	free(ep->ssh_port);
	free(ep->ssh_path);
	ep->host = ep->unix_path = ep->base_url = NULL;
	ep->ssh_host = ep->ssh_user = ep->ssh_port = ep->ssh_path = NULL;

	if (str_startswith(host, "unix://")) {
		const char *path = host + strlen("unix://");
		if (!*path)
			return rl_error_set(err, RL_EUSAGE, "host '%s' names no socket path", host);
		ep->unix_path = xstrdup(path);
		ep->base_url = xstrdup("http://docker");
	} else if (str_startswith(host, "tcp://") || str_startswith(host, "http://") ||
		   str_startswith(host, "https://")) {
		if (str_startswith(host, "https://"))
			ep->tls = true;
		const char *addr = strstr(host, "://") + 3;
		size_t len = strcspn(addr, "/");
		if (len == 0)
			return rl_error_set(err, RL_EUSAGE, "host '%s' names no address", host);
		_cleanup_free_ char *hostport = xstrndup(addr, len);
		/* No port: the engine's conventional one, 2376 with TLS and 2375 without. */
		const char *colon = strrchr(hostport, ':');
		const char *bracket = strrchr(hostport, ']');
		bool has_port = colon && (!bracket || colon > bracket);
		if (has_port &&
		    (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		     strlen(colon + 1) > 5))
			return rl_error_set(err, RL_EUSAGE, "host '%s' needs a numeric port", host);
		ep->base_url = xasprintf("%s://%s%s", ep->tls ? "https" : "http", hostport,
					 has_port ? "" : (ep->tls ? ":2376" : ":2375"));
	} else if (str_startswith(host, "ssh://")) {
		int r = parse_ssh(host, ep, err);
		if (r < 0)
			return r;
	} else {
		return rl_error_set(err, RL_EUSAGE,
				    "host '%s' is not understood: use unix:///path/to/docker.sock, "
				    "tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]",
				    host);
	}
	ep->host = xstrdup(host);
	return 0;
}

static char *config_dir(void)
{
	const char *d = getenv("DOCKER_CONFIG");
	if (!str_empty(d))
		return xstrdup(d);
	const char *home = getenv("HOME");
	return xasprintf("%s/.docker", str_empty(home) ? "/root" : home);
}

char *endpoint_current_context(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", dir);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	if (read_file_limited(path, DOCKER_CONFIG_MAX_BYTES, &sb, NULL) < 0)
		return NULL;
	json_t *root = json_loadb(strbuf_str(&sb), sb.len, 0, NULL);
	const char *name = json_string_value(json_object_get(root, "currentContext"));
	char *ret = str_empty(name) ? NULL : xstrdup(name);
	json_decref(root);
	return ret;
}

static void take_tls_file(char **slot, const char *dir, const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	if (file_exists(path)) {
		free(*slot);
		*slot = steal_pointer(&path);
	}
}

int endpoint_from_context(const char *dir, const char *name, struct endpoint *ep,
			  struct rl_error *err)
{
	/*
	 * Contexts live in contexts/meta/<sha256 of name>/meta.json; matching the
	 * Name field inside avoids hashing and finds the same directory.
	 */
	_cleanup_free_ char *meta_dir = xasprintf("%s/contexts/meta", dir);
	DIR *d = opendir(meta_dir);
	if (!d)
		return rl_error_set(
			err, RL_EUSAGE,
			"context '%s' not found: %s has no contexts (see `docker context ls`)",
			name, meta_dir);
	int r = rl_error_set(err, RL_EUSAGE,
			     "context '%s' not found in %s (see `docker context ls`)", name,
			     meta_dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s/meta.json", meta_dir, de->d_name);
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		if (read_file_limited(path, DOCKER_CONFIG_MAX_BYTES, &sb, NULL) < 0)
			continue;
		json_t *meta = json_loadb(strbuf_str(&sb), sb.len, 0, NULL);
		if (!streq(json_string_value(json_object_get(meta, "Name")), name)) {
			json_decref(meta);
			continue;
		}
		json_t *docker = json_object_get(json_object_get(meta, "Endpoints"), "docker");
		const char *host = json_string_value(json_object_get(docker, "Host"));
		bool skip_verify = json_is_true(json_object_get(docker, "SkipTLSVerify"));
		if (str_empty(host))
			r = rl_error_set(err, RL_EUSAGE, "context '%s' has no docker endpoint host",
					 name);
		else
			r = endpoint_parse_host(host, ep, err);
		json_decref(meta);
		if (r < 0)
			break;
		_cleanup_free_ char *tls_dir =
			xasprintf("%s/contexts/tls/%s/docker", dir, de->d_name);
		take_tls_file(&ep->tls_ca, tls_dir, "ca.pem");
		take_tls_file(&ep->tls_cert, tls_dir, "cert.pem");
		take_tls_file(&ep->tls_key, tls_dir, "key.pem");
		if (ep->tls_ca || ep->tls_cert) {
			ep->tls = true;
			ep->tls_verify = !skip_verify;
			if (str_startswith(ep->base_url, "http://") && !ep->unix_path) {
				char *https = xasprintf("https://%s", ep->base_url + 7);
				free(ep->base_url);
				ep->base_url = https;
			}
		}
		ep->context = xstrdup(name);
		break;
	}
	closedir(d);
	return r;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int endpoint_context_names(struct strv *ret, struct rl_error *err)
{
	_cleanup_free_ char *dir = config_dir();
	_cleanup_free_ char *meta_dir = xasprintf("%s/contexts/meta", dir);
	DIR *d = opendir(meta_dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return rl_error_set(err, RL_EIO, "cannot read %s: %s", meta_dir, strerror(errno));
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s/meta.json", meta_dir, de->d_name);
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		if (read_file_limited(path, DOCKER_CONFIG_MAX_BYTES, &sb, NULL) < 0)
			continue;
		json_t *meta = json_loadb(strbuf_str(&sb), sb.len, 0, NULL);
		const char *name = json_string_value(json_object_get(meta, "Name"));
		if (!str_empty(name))
			strv_add(ret, name);
		json_decref(meta);
	}
	closedir(d);
	if (ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), compare_names);
	return 0;
}

/* TLS from flags and the DOCKER_TLS_VERIFY / DOCKER_CERT_PATH environment. */
static void apply_tls_settings(const struct endpoint_options *opt, struct endpoint *ep)
{
	const char *verify_env = getenv("DOCKER_TLS_VERIFY");
	const char *tls_env = getenv("DOCKER_TLS");
	bool verify = opt->tls_verify || !str_empty(verify_env);
	bool tls = verify || opt->tls || !str_empty(tls_env) || opt->tls_ca || opt->tls_cert;
	if (!tls || ep->unix_path)
		return;
	_cleanup_free_ char *default_dir = NULL;
	const char *cert_dir = getenv("DOCKER_CERT_PATH");
	if (str_empty(cert_dir))
		cert_dir = default_dir = config_dir();
	ep->tls = true;
	ep->tls_verify = verify;
	if (opt->tls_ca) {
		free(ep->tls_ca);
		ep->tls_ca = xstrdup(opt->tls_ca);
	} else {
		take_tls_file(&ep->tls_ca, cert_dir, "ca.pem");
	}
	if (opt->tls_cert) {
		free(ep->tls_cert);
		ep->tls_cert = xstrdup(opt->tls_cert);
	} else {
		take_tls_file(&ep->tls_cert, cert_dir, "cert.pem");
	}
	if (opt->tls_key) {
		free(ep->tls_key);
		ep->tls_key = xstrdup(opt->tls_key);
	} else {
		take_tls_file(&ep->tls_key, cert_dir, "key.pem");
	}
	if (str_startswith(ep->base_url, "http://")) {
		char *https = xasprintf("https://%s", ep->base_url + 7);
		free(ep->base_url);
		ep->base_url = https;
	}
}

int endpoint_resolve(const struct endpoint_options *opt, struct endpoint *ret, struct rl_error *err)
{
	struct endpoint ep = {0};
	int r;
	const char *env_host = getenv("DOCKER_HOST");
	const char *env_context = getenv("DOCKER_CONTEXT");
	_cleanup_free_ char *dir = config_dir();
	_cleanup_free_ char *current = NULL;

	if (opt->host && opt->context) {
		return rl_error_set(err, RL_EUSAGE,
				    "-H and --context cannot be used together: choose one");
	} else if (opt->host) {
		r = endpoint_parse_host(opt->host, &ep, err);
	} else if (opt->context && !streq(opt->context, "default")) {
		r = endpoint_from_context(dir, opt->context, &ep, err);
	} else if (!opt->context && !str_empty(env_host)) {
		r = endpoint_parse_host(env_host, &ep, err);
	} else if (!opt->context && !str_empty(env_context) && !streq(env_context, "default")) {
		r = endpoint_from_context(dir, env_context, &ep, err);
	} else if (!opt->context && str_empty(env_context) &&
		   (current = endpoint_current_context(dir)) && !streq(current, "default")) {
		r = endpoint_from_context(dir, current, &ep, err);
	} else {
		r = endpoint_parse_host(ENDPOINT_DEFAULT_HOST, &ep, err);
	}
	if (r < 0) {
		endpoint_release(&ep);
		return r;
	}
	if (!ep.context)
		apply_tls_settings(opt, &ep);
	*ret = ep;
	return 0;
}
