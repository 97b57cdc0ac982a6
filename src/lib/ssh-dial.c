/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "ssh-dial.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSH_ERROR_MAX 512

struct ssh_conn {
	int fd;	    /* curl's end of the socketpair */
	int err_fd; /* read end of ssh's stderr */
	pid_t pid;
};

struct ssh_dialer {
	pthread_mutex_t lock; /* curl multi handles call back from one thread, but be safe */
	struct strv argv;
	struct ssh_conn *conns;
	size_t n, alloc;
	char error[SSH_ERROR_MAX];
};

extern char **environ;

struct ssh_dialer *ssh_dialer_new(const struct endpoint *ep)
{
	struct ssh_dialer *d = xcalloc(1, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
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

/* Keep the last non-empty line of what conn's ssh wrote on stderr so far. */
static void drain_stderr(struct ssh_dialer *d, struct ssh_conn *c)
{
	char buf[4096];
	ssize_t got;
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

static void reap(struct ssh_dialer *d, struct ssh_conn *c, bool terminate)
{
	if (terminate)
		kill(c->pid, SIGTERM);
	int status;
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	drain_stderr(d, c);
	close(c->err_fd);
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	(void)purpose;
	(void)addr;
	struct ssh_dialer *d = clientp;
	int sv[2], errpipe[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return CURL_SOCKET_BAD;
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		return CURL_SOCKET_BAD;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errpipe[1], STDERR_FILENO);
	pid_t pid;
	int r = posix_spawnp(&pid, "ssh", &fa, NULL, d->argv.v, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	close(errpipe[1]);
	if (r != 0) {
		pthread_mutex_lock(&d->lock);
		snprintf(d->error, sizeof(d->error), "cannot run ssh: %s", strerror(r));
		pthread_mutex_unlock(&d->lock);
		close(sv[0]);
		close(errpipe[0]);
		return CURL_SOCKET_BAD;
	}
	fcntl(errpipe[0], F_SETFL, O_NONBLOCK);
	pthread_mutex_lock(&d->lock);
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 4;
		d->conns = xrealloc(d->conns, d->alloc * sizeof(*d->conns));
	}
	d->conns[d->n++] = (struct ssh_conn){.fd = sv[0], .err_fd = errpipe[0], .pid = pid};
	pthread_mutex_unlock(&d->lock);
	return sv[0];
}

static int already_connected(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
	(void)clientp;
	(void)fd;
	(void)purpose;
	return CURL_SOCKOPT_ALREADY_CONNECTED;
}

static int close_socket(void *clientp, curl_socket_t fd)
{
	struct ssh_dialer *d = clientp;
	close(fd);
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->n; i++) {
		if (d->conns[i].fd != fd)
			continue;
		/* Its stdin is closed now: dial-stdio ends, and so does ssh. */
		struct ssh_conn c = d->conns[i];
		d->conns[i] = d->conns[--d->n];
		reap(d, &c, false);
		break;
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void ssh_dialer_setup(struct ssh_dialer *d, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, d);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, already_connected);
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
	for (size_t i = 0; i < d->n; i++) {
		close(d->conns[i].fd);
		reap(d, &d->conns[i], true);
	}
	free(d->conns);
	strv_release(&d->argv);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
