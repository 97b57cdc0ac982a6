/* SPDX-License-Identifier: MIT */
/*
 * authz-load: the clients of bench/authz. Plain HTTP/1.1 on unix sockets,
 * keep-alive, no library in between: what is timed is the server, not a
 * client stack. Per-request times come from CLOCK_MONOTONIC.
 *
 *   authz-load create API N IMAGE NAME=SOCK...
 *       N container creates on each engine, one keep-alive connection
 *       each, taking turns: the engine that goes first rotates, so all
 *       share the machine's noise alike. The body is what `docker create
 *       --read-only --network none --name NAME IMAGE sleep 3600` sends
 *       (docker 20.10 CLI, captured). Every 50 creates the containers are
 *       removed (DELETE ?force=1), outside the timing. Prints a line
 *       "NAME p50 p90 p99 mean max n" (ms) per engine.
 *   authz-load get PATH N NAME=SOCK...
 *       N GETs of PATH on each engine, taking turns, timed like create.
 *   authz-load allow SOCK
 *       The floor: an authorization plugin that answers every call with
 *       Allow at once, reading nothing but the HTTP framing (a thread per
 *       connection, keep-alive), until killed. What dockerd's authz path
 *       costs with a plugin that does no work at all.
 *   authz-load seq PLUGIN_SOCK N
 *       N AuthZReq (a judged create) then AuthZRes, one connection, one at a
 *       time: the plugin's own round trip. Prints "req ..." and "res ..."
 *       lines like create.
 *   authz-load load PLUGIN_SOCK CONNS N MIX PLUGIN_PID
 *       N requests over CONNS keep-alive connections, each connection with
 *       one request in flight (as the daemon's client does), epoll. MIX 0:
 *       judged creates only (alternately read-only: allow, and writable:
 *       deny); MIX k>0: per judged create, k requests that are not judged
 *       (AuthZReq of GET /containers/json and of a start at v1.41, AuthZRes
 *       of a create). Every answer is checked. Prints one line
 *       "key=value ..." with wall, judged/other counts, the generator's and
 *       the plugin's CPU seconds and the latency p50/p99 in ms.
 *
 * Built by bench/authz: cc -O2 -pthread authz-load.c -lm
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("authz-load: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_self(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* utime + stime of a process, seconds; 0 when pid is 0. */
static double cpu_of(long pid)
{
	if (pid <= 0)
		return 0;
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot read %s", path);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		die("bad %s", path);
	unsigned long long ut = 0, st = 0;
	/* fields after the comm: state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		die("bad %s", path);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- text ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	buf_add(b, s, (size_t)n);
	free(s);
}

static char *b64(const char *s, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		die("out of memory");
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = t[v >> 18 & 63];
		*o++ = t[v >> 12 & 63];
		*o++ = i + 1 < n ? t[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? t[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/*
 * What the docker 20.10 CLI sends for `docker create --read-only --network
 * none --name NAME IMAGE sleep 3600` (captured), with the read-only flag and
 * the image filled in.
 */
static char *cli_create_body(const char *image, bool readonly)
{
	struct buf b = {0};
	buf_addf(
		&b,
		"{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
		"\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,\"OpenStdin\":false,"
		"\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"sleep\",\"3600\"],\"Image\":\"%s\","
		"\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
		"\"Labels\":{\"rootlock.bench\":\"authz\"},\"HostConfig\":{\"Binds\":null,"
		"\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},"
		"\"NetworkMode\":\"none\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\","
		"\"MaximumRetryCount\":0},\"AutoRemove\":false,\"VolumeDriver\":\"\","
		"\"VolumesFrom\":null,\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"\","
		"\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,"
		"\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,"
		"\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,"
		"\"ReadonlyRootfs\":%s,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\","
		"\"ShmSize\":0,\"ConsoleSize\":[0,0],\"Isolation\":\"\",\"CpuShares\":0,"
		"\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":\"\",\"BlkioWeight\":0,"
		"\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":null,"
		"\"BlkioDeviceWriteBps\":null,\"BlkioDeviceReadIOps\":null,"
		"\"BlkioDeviceWriteIOps\":null,\"CpuPeriod\":0,\"CpuQuota\":0,"
		"\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\","
		"\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgroupRules\":null,"
		"\"DeviceRequests\":null,\"KernelMemory\":0,\"KernelMemoryTCP\":0,"
		"\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":-1,"
		"\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":null,\"CpuCount\":0,"
		"\"CpuPercent\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,"
		"\"MaskedPaths\":null,\"ReadonlyPaths\":null},"
		"\"NetworkingConfig\":{\"EndpointsConfig\":{}}}",
		image, readonly ? "true" : "false");
	return b.p;
}

static const char ua[] = "Docker-Client/20.10.24+dfsg1 (linux)";

/* The AuthZReq dockerd sends for a request (Go's field order). */
static char *authz_req(const char *method, const char *uri, const char *body)
{
	struct buf b = {0};
	buf_addf(&b,
		 "{\"User\":\"\",\"UserAuthNMethod\":\"\",\"RequestMethod\":\"%s\","
		 "\"RequestUri\":\"%s\",",
		 method, uri);
	if (body) {
		char *enc = b64(body, strlen(body));
		buf_addf(&b,
			 "\"RequestBody\":\"%s\",\"RequestHeaders\":{\"Content-Length\":\"%zu\","
			 "\"Content-Type\":\"application/json\",\"User-Agent\":\"%s\"},",
			 enc, strlen(body), ua);
		free(enc);
	} else {
		buf_addf(&b, "\"RequestBody\":null,\"RequestHeaders\":{\"User-Agent\":\"%s\"},",
			 ua);
	}
	buf_addf(&b, "\"RequestPeerCertificates\":null}");
	return b.p;
}

/* ... and the AuthZRes after it: the same with the daemon's answer. */
static char *authz_res(const char *uri, const char *body, int status, const char *answer)
{
	char *req = authz_req("POST", uri, body);
	struct buf b = {0};
	buf_add(&b, req, strlen(req) - 1);
	free(req);
	char *enc = b64(answer, strlen(answer));
	buf_addf(&b,
		 ",\"ResponseStatusCode\":%d,\"ResponseBody\":\"%s\",\"ResponseHeaders\":"
		 "{\"Api-Version\":\"1.41\",\"Content-Type\":\"application/json\","
		 "\"Docker-Experimental\":\"false\",\"Ostype\":\"linux\","
		 "\"Server\":\"Docker/20.10.24+dfsg1 (linux)\"}}",
		 status, enc);
	free(enc);
	return b.p;
}

static char *http_post(const char *path, const char *host, const char *ctype, const char *body)
{
	struct buf b = {0};
	buf_addf(&b,
		 "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Go-http-client/1.1\r\n"
		 "Content-Length: %zu\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
		 "Content-Type: %s\r\nAccept-Encoding: gzip\r\n\r\n%s",
		 path, host, strlen(body), ctype, body);
	return b.p;
}

/* ---- HTTP ---- */

/*
 * A complete response at p[0..n): its length, 0 when more is needed, -1 when
 * it is not HTTP. *status and the body span are set when complete.
 */
static long parse_response(const char *p, size_t n, int *status, const char **body,
			   size_t *body_len)
{
	const char *end = memmem(p, n, "\r\n\r\n", 4);
	if (!end)
		return n > 65536 ? -1 : 0;
	size_t head = (size_t)(end - p) + 4;
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0)
		return -1;
	*status = atoi(p + 9);
	long cl = -1;
	bool chunked = false;
	for (const char *l = memchr(p, '\n', head) + 1; l < p + head - 2;) {
		const char *e = memchr(l, '\n', (size_t)(p + head - l));
		if (!strncasecmp(l, "Content-Length:", 15))
			cl = atol(l + 15);
		else if (!strncasecmp(l, "Transfer-Encoding:", 18) &&
			 memmem(l, (size_t)(e - l), "chunked", 7))
			chunked = true;
		l = e + 1;
	}
	if (*status == 204 || *status == 304 || *status / 100 == 1) {
		*body = p + head;
		*body_len = 0;
		return (long)head;
	}
	if (chunked) {
		size_t o = head;
		for (;;) {
			const char *e = memmem(p + o, n - o, "\r\n", 2);
			if (!e)
				return 0;
			size_t sz = strtoul(p + o, NULL, 16);
			o = (size_t)(e - p) + 2;
			if (sz == 0) {
				const char *t = memmem(p + o, n - o, "\r\n", 2);
				if (!t)
					return 0;
				*body = p + head;
				*body_len = 0; /* not needed from chunked answers */
				return (long)((size_t)(t - p) + 2);
			}
			if (n < o + sz + 2)
				return 0;
			o += sz + 2;
		}
	}
	if (cl < 0)
		return -1;
	if (n < head + (size_t)cl)
		return 0;
	*body = p + head;
	*body_len = (size_t)cl;
	return (long)(head + (size_t)cl);
}

struct conn {
	int fd;
	char *in;
	size_t len, cap;
	/* load mode */
	const char *out;
	size_t out_len, out_off;
	int expect; /* index into the request kinds */
	double t0;
};

static int dial(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot connect to %s: %s", path, strerror(errno));
	return fd;
}

static void conn_open(struct conn *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->fd = dial(path);
	c->cap = 1 << 16;
	c->in = malloc(c->cap);
	if (!c->in)
		die("out of memory");
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* One blocking round trip; returns the status, body into *body (in c->in). */
static int roundtrip(struct conn *c, const char *req, size_t req_len, const char **body,
		     size_t *body_len)
{
	write_all(c->fd, req, req_len);
	c->len = 0;
	for (;;) {
		int status;
		long r = parse_response(c->in, c->len, &status, body, body_len);
		if (r < 0)
			die("not an HTTP answer: %.80s", c->in);
		if (r > 0) {
			if ((size_t)r != c->len)
				die("extra data after an answer");
			return status;
		}
		if (c->len + 4096 > c->cap) {
			c->cap *= 2;
			c->in = realloc(c->in, c->cap);
			if (!c->in)
				die("out of memory");
		}
		ssize_t n = read(c->fd, c->in + c->len, c->cap - c->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("the server closed the connection");
		c->len += (size_t)n;
		c->in[c->len] = '\0';
	}
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static void print_stats(const char *name, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	printf("%s %.4f %.4f %.4f %.4f %.4f %zu\n", name, pct(v, n, 50) * 1e3, pct(v, n, 90) * 1e3,
	       pct(v, n, 99) * 1e3, sum / (double)n * 1e3, v[n - 1] * 1e3, n);
}

/* ---- create ---- */

/* NAME=SOCK arguments: the engines to compare. */
struct engine {
	const char *name;
	struct conn c;
	double *lat;
};

static struct engine *engines_open(char **args, int n_engines, long n)
{
	struct engine *e = calloc((size_t)n_engines, sizeof(*e));
	for (int k = 0; k < n_engines; k++) {
		char *eq = strchr(args[k], '=');
		if (!eq)
			die("'%s' is not NAME=SOCKET", args[k]);
		*eq = '\0';
		e[k].name = args[k];
		conn_open(&e[k].c, eq + 1);
		e[k].lat = calloc((size_t)n, sizeof(double));
	}
	return e;
}

static int run_create(const char *api, long n, const char *image, char **args, int n_engines)
{
	struct engine *e = engines_open(args, n_engines, n);
	char *body = cli_create_body(image, true);
	const long warm = 20, batch = 50;
	char **names = calloc((size_t)batch, sizeof(char *));
	long pending = 0;
	int pid = (int)getpid();

	for (long i = -warm; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "rl-bench-authz-%d-%ld", pid, i + warm);
		char path[256];
		snprintf(path, sizeof(path), "/v%s/containers/create?name=%s", api, name);
		char *req = http_post(path, "docker", "application/json", body);
		size_t req_len = strlen(req);
		for (int turn = 0; turn < n_engines; turn++) {
			/* Rotate which engine goes first. */
			struct engine *x = &e[(i + warm + turn) % n_engines];
			const char *b;
			size_t bl;
			double t0 = now();
			int status = roundtrip(&x->c, req, req_len, &b, &bl);
			double t1 = now();
			if (status != 201)
				die("create on the %s engine: HTTP %d: %.*s", x->name, status,
				    (int)bl, b);
			if (i >= 0)
				x->lat[i] = t1 - t0;
		}
		free(req);
		names[pending++] = strdup(name);
		if (pending == batch || i == n - 1) {
			for (long j = 0; j < pending; j++) {
				snprintf(path, sizeof(path),
					 "DELETE /v%s/containers/%s?force=1 HTTP/1.1\r\nHost: "
					 "docker\r\n\r\n",
					 api, names[j]);
				for (int k = 0; k < n_engines; k++) {
					const char *b;
					size_t bl;
					int status =
						roundtrip(&e[k].c, path, strlen(path), &b, &bl);
					if (status != 204)
						die("remove %s: HTTP %d", names[j], status);
				}
				free(names[j]);
			}
			pending = 0;
		}
	}
	for (int k = 0; k < n_engines; k++)
		print_stats(e[k].name, e[k].lat, (size_t)n);
	return 0;
}

/* ---- requests straight to the plugin ---- */

enum kind { K_CREATE_RO, K_CREATE_RW, K_LIST, K_START, K_RES, K_N };

static const char *kind_names[K_N] = {"create-ro", "create-rw", "list", "start", "res"};

struct reqs {
	char *text[K_N];
	size_t len[K_N];
};

static void make_reqs(struct reqs *r)
{
	const char *image = "rootlock-test/busybox:latest";
	char *ro = cli_create_body(image, true), *rw = cli_create_body(image, false);
	const char *uri = "/v1.41/containers/create?name=web-1";
	char *t[K_N];
	t[K_CREATE_RO] = authz_req("POST", uri, ro);
	t[K_CREATE_RW] = authz_req("POST", uri, rw);
	t[K_LIST] = authz_req("GET", "/v1.41/containers/json?all=1", NULL);
	t[K_START] =
		authz_req("POST",
			  "/v1.41/containers/"
			  "4f2d6c1e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d/start",
			  NULL);
	t[K_RES] =
		authz_res(uri, ro, 201,
			  "{\"Id\":\"4f2d6c1e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b"
			  "3c2d\",\"Warnings\":[]}\n");
	for (int k = 0; k < K_N; k++) {
		const char *path = k == K_RES ? "/AuthZPlugin.AuthZRes" : "/AuthZPlugin.AuthZReq";
		r->text[k] = http_post(path, "plugin", "application/json", t[k]);
		r->len[k] = strlen(r->text[k]);
		free(t[k]);
	}
	free(ro);
	free(rw);
}

/* Is the plugin's answer right for this kind of request? */
static bool answer_ok(enum kind k, int status, const char *body, size_t len)
{
	if (status != 200)
		return false;
	bool allow = memmem(body, len, "\"Allow\":true", 12) != NULL;
	bool deny = memmem(body, len, "\"Allow\":false", 13) != NULL;
	return k == K_CREATE_RW ? deny && !allow : allow && !deny;
}

static int run_seq(const char *sock, long n)
{
	struct reqs r;
	make_reqs(&r);
	struct conn c;
	conn_open(&c, sock);
	double *lat[2] = {calloc((size_t)n, sizeof(double)), calloc((size_t)n, sizeof(double))};
	for (long i = -200; i < n; i++) {
		enum kind ks[2] = {K_CREATE_RO, K_RES};
		for (int j = 0; j < 2; j++) {
			const char *b;
			size_t bl;
			double t0 = now();
			int status = roundtrip(&c, r.text[ks[j]], r.len[ks[j]], &b, &bl);
			double t1 = now();
			if (!answer_ok(ks[j], status, b, bl))
				die("wrong answer to %s: HTTP %d %.*s", kind_names[ks[j]], status,
				    (int)bl, b);
			if (i >= 0)
				lat[j][i] = t1 - t0;
		}
	}
	print_stats("req", lat[0], (size_t)n);
	print_stats("res", lat[1], (size_t)n);
	return 0;
}

static int run_load(const char *sock, int nconn, long n, int mix, long plugin_pid)
{
	struct reqs r;
	make_reqs(&r);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct conn *c = calloc((size_t)nconn, sizeof(*c));
	double *lat = calloc((size_t)n, sizeof(double));
	long count[K_N] = {0};
	long sent = 0, done = 0, judged_seq = 0;
	static const enum kind others[] = {K_LIST, K_RES, K_START};
	long other_seq = 0;

	/* The next request in the fixed sequence: 1 judged, then mix others. */
	long slot = 0;
#define NEXT_KIND()                                                                                \
	(slot++ % (mix + 1) == 0 ? (judged_seq++ & 1 ? K_CREATE_RW : K_CREATE_RO)                  \
				 : others[other_seq++ % 3])

	for (int i = 0; i < nconn; i++) {
		conn_open(&c[i], sock);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c[i]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev) < 0)
			die("epoll_ctl: %s", strerror(errno));
	}
	double cpu0 = cpu_self(), pcpu0 = cpu_of(plugin_pid), t0 = now();
	for (int i = 0; i < nconn && sent < n; i++) {
		enum kind k = NEXT_KIND();
		c[i].expect = k;
		c[i].len = 0;
		c[i].t0 = now();
		write_all(c[i].fd, r.text[k], r.len[k]);
		sent++;
	}
	struct epoll_event evs[64];
	while (done < n) {
		int m = epoll_wait(ep, evs, 64, 10000);
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			die("no answer for 10 s (%ld of %ld done)", done, n);
		for (int e = 0; e < m; e++) {
			struct conn *cc = evs[e].data.ptr;
			ssize_t got = read(cc->fd, cc->in + cc->len, cc->cap - cc->len - 1);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				die("the plugin closed a connection (%ld of %ld done)", done, n);
			cc->len += (size_t)got;
			int status;
			const char *b;
			size_t bl;
			long rl = parse_response(cc->in, cc->len, &status, &b, &bl);
			if (rl < 0)
				die("not an HTTP answer");
			if (rl == 0)
				continue;
			double t = now();
			if (!answer_ok(cc->expect, status, b, bl))
				die("wrong answer to %s: HTTP %d %.*s", kind_names[cc->expect],
				    status, (int)bl, b);
			lat[done++] = t - cc->t0;
			count[cc->expect]++;
			cc->len = 0;
			if (sent < n) {
				enum kind k = NEXT_KIND();
				cc->expect = k;
				cc->t0 = t;
				write_all(cc->fd, r.text[k], r.len[k]);
				sent++;
			}
		}
	}
	double wall = now() - t0, cpu = cpu_self() - cpu0, pcpu = cpu_of(plugin_pid) - pcpu0;
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	long judged = count[K_CREATE_RO] + count[K_CREATE_RW];
	printf("wall=%.4f judged=%ld allowed=%ld denied=%ld other=%ld gen_cpu=%.3f plugin_cpu=%.3f "
	       "p50_ms=%.4f p99_ms=%.4f req_bytes=%zu body_b64=%zu\n",
	       wall, judged, count[K_CREATE_RO], count[K_CREATE_RW], (long)n - judged, cpu, pcpu,
	       pct(lat, (size_t)n, 50) * 1e3, pct(lat, (size_t)n, 99) * 1e3, r.len[K_CREATE_RO],
	       (strlen(cli_create_body("rootlock-test/busybox:latest", true)) + 2) / 3 * 4);
	return 0;
}

static int run_get(const char *path, long n, char **args, int n_engines)
{
	struct engine *e = engines_open(args, n_engines, n);
	char req[512];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: docker\r\n\r\n", path);
	for (long i = -20; i < n; i++) {
		for (int turn = 0; turn < n_engines; turn++) {
			struct engine *x = &e[(i + 20 + turn) % n_engines];
			const char *b;
			size_t bl;
			double t0 = now();
			int status = roundtrip(&x->c, req, strlen(req), &b, &bl);
			double t1 = now();
			if (status != 200)
				die("GET %s on the %s engine: HTTP %d", path, x->name, status);
			if (i >= 0)
				x->lat[i] = t1 - t0;
		}
	}
	for (int k = 0; k < n_engines; k++)
		print_stats(e[k].name, e[k].lat, (size_t)n);
	return 0;
}

/* ---- the floor: a plugin that allows everything ---- */

/* One connection: requests framed by Content-Length, each answered at once. */
static void *allow_conn(void *arg)
{
	int fd = (int)(long)arg;
	size_t cap = 1 << 16, len = 0;
	char *in = malloc(cap);
	if (!in)
		die("out of memory");
	for (;;) {
		char *end = len ? memmem(in, len, "\r\n\r\n", 4) : NULL;
		if (end) {
			size_t head = (size_t)(end - in) + 4;
			size_t body = 0;
			for (char *h = in; h && h < end; h = memchr(h, '\n', (size_t)(end - h))) {
				h += *h == '\n';
				if (!strncasecmp(h, "Content-Length:", 15))
					body = strtoul(h + 15, NULL, 10);
			}
			if (len >= head + body) {
				bool activate = memmem(in, head, "/Plugin.Activate", 16) != NULL;
				const char *answer = activate ? "{\"Implements\":[\"authz\"]}"
							      : "{\"Allow\":true}";
				char out[256];
				int n = snprintf(out, sizeof(out),
						 "HTTP/1.1 200 OK\r\nContent-Type: "
						 "application/vnd.docker.plugins.v1+json\r\n"
						 "Content-Length: %zu\r\n\r\n%s",
						 strlen(answer), answer);
				/* A client gone mid-answer ends its connection, not the plugin. */
				if (send(fd, out, (size_t)n, MSG_NOSIGNAL) != n)
					break;
				memmove(in, in + head + body, len - head - body);
				len -= head + body;
				continue;
			}
		}
		if (len + 4096 > cap) {
			cap *= 2;
			in = realloc(in, cap);
			if (!in)
				die("out of memory");
		}
		ssize_t r = read(fd, in + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		in[len] = '\0';
	}
	free(in);
	close(fd);
	return NULL;
}

static _Noreturn void run_allow(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 64) < 0)
		die("cannot listen on %s: %s", path, strerror(errno));
	for (;;) {
		int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		pthread_t t;
		if (pthread_create(&t, NULL, allow_conn, (void *)(long)fd) != 0)
			die("cannot start a thread");
		pthread_detach(t);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "get"))
		return run_get(argv[2], atol(argv[3]), argv + 4, argc - 4);
	if (argc >= 7 && !strcmp(argv[1], "create"))
		return run_create(argv[2], atol(argv[3]), argv[4], argv + 5, argc - 5);
	if (argc == 3 && !strcmp(argv[1], "allow"))
		run_allow(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "seq"))
		return run_seq(argv[2], atol(argv[3]));
	if (argc == 7 && !strcmp(argv[1], "load"))
		return run_load(argv[2], atoi(argv[3]), atol(argv[4]), atoi(argv[5]),
				atol(argv[6]));
	fprintf(stderr, "usage: authz-load create API N IMAGE NAME=SOCK NAME=SOCK...\n"
			"       authz-load get PATH N NAME=SOCK NAME=SOCK...\n"
			"       authz-load allow SOCK\n"
			"       authz-load seq PLUGIN_SOCK N\n"
			"       authz-load load PLUGIN_SOCK CONNS N MIX PLUGIN_PID\n");
	return 2;
}
