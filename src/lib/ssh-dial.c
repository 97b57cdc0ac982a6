/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "ssh-dial.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * curl connects to a listening socket of the dialer's own in the abstract
 * namespace (nothing on disk); a small thread accepts each connection and
 * hands the accepted socket to a new ssh process as its stdin and stdout,
 * so ssh itself carries the bytes and no pump copies them. Each of curl's
 * sockets is bound to a name of its own, which accept() reports, so the
 * process of a connection is known when curl closes it.
 */

#define SSH_ERROR_MAX 512

struct ssh_conn {
	unsigned long id;
	int fd;	    /* curl's socket */
	int err_fd; /* read end of ssh's stderr; -1 before the process starts */
	pid_t pid;  /* 0 until accepted */
};

struct ssh_dialer {
	pthread_mutex_t lock;
	struct strv argv;
	char listen_name[96]; /* abstract, without the leading NUL */
	int listen_fd;
	pthread_t acceptor;
	bool acceptor_started;
	unsigned long next_id;
	struct ssh_conn *conns;
	size_t n, alloc;
	char error[SSH_ERROR_MAX];
};

extern char **environ;

static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	size_t len = strlen(name);
	memcpy(sa->sun_path + 1, name, len);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

/* Keep the last non-empty line of what a connection's ssh wrote on stderr so far. */
static void drain_stderr(struct ssh_dialer *d, struct ssh_conn *c)
{
	char buf[4096];
	ssize_t got;
	if (c->err_fd < 0)
		return;
	while ((got = read(c->err_fd, buf, sizeof(buf) - 1)) > 0) {
		buf[got] = '\0';
		char *end = buf + got;
		while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		if (end == buf)
			continue;
		char *line = buf;
		for (char *p = buf; p < end; p++)
			if (*p == '\n')
				line = p + 1;
		line[strcspn(line, "\r")] = '\0';
		size_t n = strlen(line);
		if (n >= sizeof(d->error))
			n = sizeof(d->error) - 1;
		if (n) {
			memcpy(d->error, line, n);
			d->error[n] = '\0';
		}
	}
}

/*
 * The connection is closed: end its ssh, as the docker CLI does (dial-stdio
 * would otherwise wait for the engine to hang up), and reap it. What it said
 * before is kept; what it says on the way out ("Killed by signal") is not.
 */
static void reap(struct ssh_dialer *d, struct ssh_conn *c)
{
	drain_stderr(d, c);
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		int status;
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (c->err_fd >= 0)
		close(c->err_fd);
}

static void start_ssh(struct ssh_dialer *d, int fd, unsigned long id)
{
	int errpipe[2];
	pid_t pid = 0;
	int r = pipe2(errpipe, O_CLOEXEC) < 0 ? errno : 0;
	if (r == 0) {
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
		posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&fa, errpipe[1], STDERR_FILENO);
		r = posix_spawnp(&pid, "ssh", &fa, NULL, d->argv.v, environ);
		posix_spawn_file_actions_destroy(&fa);
		close(errpipe[1]);
		if (r == 0)
			fcntl(errpipe[0], F_SETFL, O_NONBLOCK);
		else
			close(errpipe[0]);
	}
	/* ssh has its own copy; closing ours lets curl see EOF when ssh ends. */
	close(fd);
	pthread_mutex_lock(&d->lock);
	if (r != 0)
		snprintf(d->error, sizeof(d->error), "cannot run ssh: %s", strerror(r));
	bool found = false;
	for (size_t i = 0; i < d->n; i++) {
		if (d->conns[i].id != id)
			continue;
		d->conns[i].pid = r == 0 ? pid : 0;
		d->conns[i].err_fd = r == 0 ? errpipe[0] : -1;
		found = true;
	}
	pthread_mutex_unlock(&d->lock);
	/* curl gave up on it already: nothing will close it, so end it here. */
	if (!found && r == 0) {
		struct ssh_conn c = {.pid = pid, .err_fd = errpipe[0]};
		reap(d, &c);
	}
}

static void *accept_loop(void *userdata)
{
	struct ssh_dialer *d = userdata;
	for (;;) {
		struct sockaddr_un peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(d->listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* shut down by ssh_dialer_free() */
		}
		/* The peer's abstract name ends in its connection id. */
		unsigned long id = 0;
		size_t off = offsetof(struct sockaddr_un, sun_path) + 1;
		if (len > off) {
			_cleanup_free_ char *name = xstrndup(peer.sun_path + 1, len - off);
			const char *slash = strrchr(name, '/');
			if (slash)
				id = strtoul(slash + 1, NULL, 10);
		}
		start_ssh(d, fd, id);
	}
}

struct ssh_dialer *ssh_dialer_new(const struct endpoint *ep)
{
	struct ssh_dialer *d = xcalloc(1, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->listen_fd = -1;
	strv_add(&d->argv, "ssh");
	strv_add(&d->argv, "-T");
	if (ep->ssh_user) {
		strv_add(&d->argv, "-l");
		strv_add(&d->argv, ep->ssh_user);
	}
	if (ep->ssh_port) {
		strv_add(&d->argv, "-p");
		strv_add(&d->argv, ep->ssh_port);
	}
	strv_add(&d->argv, "--");
	strv_add(&d->argv, ep->ssh_host);
	strv_add(&d->argv, "docker");
	/* A path names the engine's socket on the far side, as for the docker CLI. */
	if (ep->ssh_path) {
		strv_add(&d->argv, "--host");
		strv_addf(&d->argv, "unix://%s", ep->ssh_path);
	}
	strv_add(&d->argv, "system");
	strv_add(&d->argv, "dial-stdio");
	return d;
}

int ssh_dialer_start(struct ssh_dialer *d, struct rl_error *err)
{
	snprintf(d->listen_name, sizeof(d->listen_name), "rootlock-ssh/%d/%p/listen", getpid(),
		 (void *)d);
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, d->listen_name);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0 || bind(d->listen_fd, (struct sockaddr *)&sa, len) < 0 ||
	    listen(d->listen_fd, 64) < 0)
		return rl_error_set(err, RL_EIO, "cannot make a socket for ssh: %s",
				    strerror(errno));
	if (pthread_create(&d->acceptor, NULL, accept_loop, d) != 0)
		return rl_error_set(err, RL_EIO, "cannot start a thread for ssh");
	d->acceptor_started = true;
	return 0;
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	(void)purpose;
	(void)addr;
	struct ssh_dialer *d = clientp;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	pthread_mutex_lock(&d->lock);
	unsigned long id = ++d->next_id;
	pthread_mutex_unlock(&d->lock);
	_cleanup_free_ char *name = xasprintf("rootlock-ssh/%d/%p/%lu", getpid(), (void *)d, id);
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, name);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		close(fd);
		return CURL_SOCKET_BAD;
	}
	pthread_mutex_lock(&d->lock);
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 4;
		d->conns = xrealloc(d->conns, d->alloc * sizeof(*d->conns));
	}
	d->conns[d->n++] = (struct ssh_conn){.id = id, .fd = fd, .err_fd = -1};
	pthread_mutex_unlock(&d->lock);
	return fd;
}

static int close_socket(void *clientp, curl_socket_t fd)
{
	struct ssh_dialer *d = clientp;
	close(fd);
	struct ssh_conn c = {.err_fd = -1};
	bool found = false;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->n; i++) {
		if (d->conns[i].fd != fd)
			continue;
		c = d->conns[i];
		d->conns[i] = d->conns[--d->n];
		found = true;
		break;
	}
	if (found)
		reap(d, &c);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void ssh_dialer_setup(struct ssh_dialer *d, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_ABSTRACT_UNIX_SOCKET, d->listen_name);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, d);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, d);
}

const char *ssh_dialer_error(struct ssh_dialer *d)
{
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->n; i++)
		drain_stderr(d, &d->conns[i]);
	pthread_mutex_unlock(&d->lock);
	return d->error;
}

void ssh_dialer_free(struct ssh_dialer *d)
{
	if (!d)
		return;
	if (d->listen_fd >= 0) {
		shutdown(d->listen_fd, SHUT_RDWR);
		if (d->acceptor_started)
			pthread_join(d->acceptor, NULL);
		close(d->listen_fd);
	}
	for (size_t i = 0; i < d->n; i++) {
		close(d->conns[i].fd);
		reap(d, &d->conns[i]);
	}
	free(d->conns);
	strv_release(&d->argv);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
