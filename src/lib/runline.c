/* SPDX-License-Identifier: MIT */
#include "runline.h"

#include <inttypes.h>
#include <string.h>

/*
 * Every output (the run line, its create request, the Compose service) comes
 * from one description, struct spec: what the container has that its image
 * would not give it, already decided, so that they cannot disagree. The strings in it
 * are borrowed from the container and image JSON, or owned by spec->owned.
 */

enum smount_kind {
	SM_BIND_STRING, /* an entry of HostConfig.Binds, kept verbatim */
	SM_MOUNT,	/* an entry of HostConfig.Mounts */
	SM_TMPFS,	/* HostConfig.Tmpfs, or a change */
	SM_ANON,	/* an anonymous volume the container asked for (-v /path) */
	SM_VOLUME,	/* a named volume from the changes */
};

struct smount {
	enum smount_kind kind;
	const char *target;
	const char *source;  /* SM_VOLUME: the name */
	const char *options; /* SM_BIND_STRING: the whole entry; SM_TMPFS: options or NULL */
	json_t *mount;	     /* SM_MOUNT */
	bool change;	     /* from the run_changes */
};

struct sport {
	const char *ip, *host_port, *port, *proto;
};

struct spec {
	bool from_compose;
	const char *name, *service, *image, *hostname, *domainname, *user, *workdir;
	struct strv env, labels, expose;
	bool set_entrypoint, set_cmd;
	json_t *entrypoint, *cmd; /* arrays or NULL */
	const char *network, *restart, *pid, *ipc, *uts, *userns, *cgroup_parent, *runtime;
	struct sport *ports;
	size_t n_ports;
	bool publish_all, auto_remove, privileged, read_only, tty, interactive;
	int init; /* -1: the daemon's default */
	json_t *cap_add, *cap_drop, *security_opt, *dns, *dns_search, *dns_options, *extra_hosts,
		*group_add, *sysctls, *ulimits, *devices, *device_cgroup_rules, *volumes_from;
	json_t *health;	 /* the container's healthcheck when it differs, or NULL */
	json_t *ihealth; /* the image's */
	bool no_health;
	const char *stop_signal;
	long long stop_timeout; /* -1: not set */
	long long memory, memory_swap, memory_reservation, nano_cpus, cpu_shares, cpu_period,
		cpu_quota, pids_limit, shm_size, oom_score_adj;
	const char *cpuset_cpus, *cpuset_mems;
	const char *log_driver;
	json_t *log_opts;
	struct smount *mounts;
	size_t n_mounts;
	struct strv owned;
};

static void spec_release(struct spec *s)
{
	strv_release(&s->env);
	strv_release(&s->labels);
	strv_release(&s->expose);
	strv_release(&s->owned);
	free(s->ports);
	free(s->mounts);
}

static const char *own(struct spec *s, char *str)
{
	strv_push(&s->owned, str);
	return str;
}

static json_t *jget(json_t *o, const char *key)
{
	return json_object_get(o, key);
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static bool jtrue(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static bool nonempty_array(json_t *a)
{
	return json_is_array(a) && json_array_size(a) > 0;
}

/* null and [] both mean "none" in a container's or image's config. */
static bool arrays_equal(json_t *a, json_t *b)
{
	if (!nonempty_array(a) || !nonempty_array(b))
		return !nonempty_array(a) && !nonempty_array(b);
	return json_equal(a, b);
}

static bool array_has_string(json_t *a, const char *s)
{
	json_t *v;
	size_t i;
	json_array_foreach (a, i, v) {
		if (streq(json_string_value(v), s))
			return true;
	}
	return false;
}

static void add_mount(struct spec *s, struct smount m)
{
	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	s->mounts[s->n_mounts++] = m;
}

static struct smount *find_mount(struct spec *s, const char *target)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (streq(s->mounts[i].target, target))
			return &s->mounts[i];
	return NULL;
}

/* The target of a HostConfig.Binds entry, "source:target[:options]". */
static const char *bind_target(struct spec *s, const char *bind)
{
	const char *a = strchr(bind, ':');
	if (!a)
		return bind;
	const char *b = strchr(a + 1, ':');
	return b ? own(s, xstrndup(a + 1, (size_t)(b - a - 1))) : a + 1;
}

static void read_mounts(struct spec *s, json_t *config, json_t *hc, json_t *iconfig,
			const struct run_changes *ch)
{
	json_t *v;
	size_t i;
	json_array_foreach (jget(hc, "Binds"), i, v) {
		const char *b = json_string_value(v);
		if (b)
			add_mount(s, (struct smount){.kind = SM_BIND_STRING,
						     .target = bind_target(s, b),
						     .options = b});
	}
	json_array_foreach (jget(hc, "Mounts"), i, v) {
		const char *type = jstr(v, "Type");
		const char *target = jstr(v, "Target");
		if (target &&
		    (streq(type, "bind") || streq(type, "volume") || streq(type, "tmpfs")))
			add_mount(s,
				  (struct smount){.kind = SM_MOUNT, .target = target, .mount = v});
	}
	const char *path;
	json_object_foreach (jget(hc, "Tmpfs"), path, v) {
		const char *opts = json_string_value(v);
		add_mount(s, (struct smount){.kind = SM_TMPFS,
					     .target = path,
					     .options = str_empty(opts) ? NULL : opts});
	}
	/* -v /path: an anonymous volume that the image does not declare. */
	json_object_foreach (jget(config, "Volumes"), path, v) {
		if (!jget(jget(iconfig, "Volumes"), path) && !find_mount(s, path))
			add_mount(s, (struct smount){.kind = SM_ANON, .target = path});
	}
	for (size_t k = 0; ch && k < ch->n_mounts; k++) {
		const struct run_mount *rm = &ch->mounts[k];
		struct smount *old = find_mount(s, rm->target);
		if (old && old->kind != SM_ANON)
			continue;
		struct smount m = {.target = rm->target, .change = true};
		if (rm->type == RUN_MOUNT_VOLUME) {
			m.kind = SM_VOLUME;
			m.source = rm->volume;
		} else {
			m.kind = SM_TMPFS;
			m.options = str_empty(rm->options) ? NULL : rm->options;
		}
		if (old)
			*old = m;
		else
			add_mount(s, m);
	}
}

static void read_ports(struct spec *s, json_t *config, json_t *hc, json_t *iconfig,
		       const struct run_changes *ch)
{
	bool drop = ch && ch->drop_published_ports;
	const char *key;
	json_t *bindings;
	json_object_foreach (jget(hc, "PortBindings"), key, bindings) {
		const char *slash = strchr(key, '/');
		const char *port = slash ? own(s, xstrndup(key, (size_t)(slash - key))) : key;
		const char *proto = slash ? slash + 1 : "tcp";
		json_t *b;
		size_t i;
		json_array_foreach (bindings, i, b) {
			if (drop)
				break;
			s->ports = xrealloc(s->ports, (s->n_ports + 1) * sizeof(*s->ports));
			s->ports[s->n_ports++] =
				(struct sport){jstr(b, "HostIp"), jstr(b, "HostPort"), port, proto};
		}
	}
	s->publish_all = !drop && jtrue(hc, "PublishAllPorts");
	/* Publishing exposes; what is exposed beyond that needs --expose. */
	json_t *v;
	json_object_foreach (jget(config, "ExposedPorts"), key, v) {
		if (jget(jget(iconfig, "ExposedPorts"), key))
			continue;
		if (!drop && json_array_size(jget(jget(hc, "PortBindings"), key)) > 0)
			continue;
		size_t n = strlen(key);
		strv_push(&s->expose, n > 4 && streq(key + n - 4, "/tcp") ? xstrndup(key, n - 4)
									  : xstrdup(key));
	}
}

/* A container's string field that is set and is not the image's. */
static bool str_differs(const char *c, const char *i)
{
	return !str_empty(c) && !streq(c, i ? i : "");
}

/* Entrypoint and Cmd: what must be said so that the same process runs. */
static void read_command(struct spec *s, json_t *config, json_t *iconfig)
{
	json_t *ce = jget(config, "Entrypoint"), *cc = jget(config, "Cmd");
	s->entrypoint = ce;
	s->cmd = cc;
	if (!arrays_equal(ce, jget(iconfig, "Entrypoint"))) {
		/* `docker run --entrypoint` also drops the image's Cmd. */
		s->set_entrypoint = true;
		s->set_cmd = true;
	} else if (!arrays_equal(cc, jget(iconfig, "Cmd"))) {
		s->set_cmd = true;
		/* Only a new entrypoint clears the image's Cmd. */
		if (!nonempty_array(cc))
			s->set_entrypoint = true;
	}
}

static void read_env_labels(struct spec *s, json_t *config, json_t *iconfig)
{
	json_t *v;
	size_t i;
	json_array_foreach (jget(config, "Env"), i, v) {
		const char *e = json_string_value(v);
		if (e && !array_has_string(jget(iconfig, "Env"), e))
			strv_add(&s->env, e);
	}
	const char *key;
	json_t *ilabels = jget(iconfig, "Labels");
	json_object_foreach (jget(config, "Labels"), key, v) {
		const char *val = json_string_value(v);
		if (!val || streq(key, "rootlock.try"))
			continue;
		if (streq(json_string_value(jget(ilabels, key)), val))
			continue;
		strv_addf(&s->labels, "%s=%s", key, val);
	}
}

static void read_health(struct spec *s, json_t *config, json_t *iconfig)
{
	json_t *h = jget(config, "Healthcheck"), *ih = jget(iconfig, "Healthcheck");
	s->ihealth = ih;
	if (!json_is_object(h) || json_equal(h, ih))
		return;
	json_t *test = jget(h, "Test");
	if (streq(json_string_value(json_array_get(test, 0)), "NONE")) {
		if (!streq(json_string_value(json_array_get(jget(ih, "Test"), 0)), "NONE"))
			s->no_health = true;
		return;
	}
	s->health = h;
}

static int read_security_opts(struct spec *s, json_t *hc, struct rl_error *err)
{
	json_t *v;
	size_t i;
	json_array_foreach (jget(hc, "SecurityOpt"), i, v) {
		const char *o = json_string_value(v);
		/* The CLI reads a seccomp profile from a file and sends its text. */
		if (o && (str_startswith(o, "seccomp={") || str_startswith(o, "seccomp:{")))
			return rl_error_set(
				err, RL_EUSAGE,
				"the container has an inline seccomp profile, which a "
				"command line cannot pass back; save it to a file first");
	}
	s->security_opt = jget(hc, "SecurityOpt");
	return 0;
}

static int spec_read(json_t *c, json_t *image, const struct run_changes *ch, struct spec *s,
		     struct rl_error *err)
{
	memset(s, 0, sizeof(*s));
	json_t *config = jget(c, "Config"), *hc = jget(c, "HostConfig");
	json_t *iconfig = jget(image, "Config");
	if (!json_is_object(c) || !json_is_object(config) || !json_is_object(hc))
		return rl_error_set(err, RL_EPARSE,
				    "container description lacks Config or HostConfig: not an "
				    "answer to /containers/{id}/json");
	s->image = jstr(config, "Image");
	if (str_empty(s->image))
		return rl_error_set(err, RL_EPARSE, "container description names no image");
	if (image && !json_is_object(image))
		return rl_error_set(err, RL_EPARSE, "image description is not a JSON object");
	int r = read_security_opts(s, hc, err);
	if (r < 0)
		return r;

	const char *name = jstr(c, "Name");
	if (name && name[0] == '/')
		name++;
	s->name = ch && !str_empty(ch->name) ? ch->name : str_empty(name) ? NULL : name;
	const char *service =
		json_string_value(jget(jget(config, "Labels"), "com.docker.compose.service"));
	s->from_compose = !str_empty(service);
	s->service = s->from_compose ? service : s->name ? s->name : "app";

	/* By default the hostname is the short id; with another's network it is theirs. */
	const char *id = jstr(c, "Id");
	const char *hostname = jstr(config, "Hostname");
	const char *net = jstr(hc, "NetworkMode");
	bool own_uts = !streq(net, "host") && !str_startswith(net, "container:") &&
		       !streq(jstr(hc, "UTSMode"), "host");
	if (own_uts && !str_empty(hostname) &&
	    !(id && strlen(id) >= 12 && strlen(hostname) == 12 && !strncmp(hostname, id, 12)))
		s->hostname = hostname;
	if (own_uts && !str_empty(jstr(config, "Domainname")))
		s->domainname = jstr(config, "Domainname");
	if (str_differs(jstr(config, "User"), jstr(iconfig, "User")))
		s->user = jstr(config, "User");
	if (str_differs(jstr(config, "WorkingDir"), jstr(iconfig, "WorkingDir")))
		s->workdir = jstr(config, "WorkingDir");
	read_env_labels(s, config, iconfig);
	read_command(s, config, iconfig);

	if (!str_empty(net) && !streq(net, "default") && !streq(net, "bridge"))
		s->network = net;
	read_ports(s, config, hc, iconfig, ch);

	json_t *rp = jget(hc, "RestartPolicy");
	const char *rname = jstr(rp, "Name");
	if (streq(rname, "on-failure") && jint(rp, "MaximumRetryCount") > 0)
		s->restart = own(s, xasprintf("on-failure:%lld", jint(rp, "MaximumRetryCount")));
	else if (!str_empty(rname) && !streq(rname, "no"))
		s->restart = rname;
	s->auto_remove = jtrue(hc, "AutoRemove");

	json_t *init = jget(hc, "Init");
	s->init = json_is_boolean(init) ? json_is_true(init) : -1;
	s->tty = jtrue(config, "Tty");
	s->interactive = jtrue(config, "OpenStdin");
	if (str_differs(jstr(config, "StopSignal"), jstr(iconfig, "StopSignal")))
		s->stop_signal = jstr(config, "StopSignal");
	s->stop_timeout = json_is_integer(jget(config, "StopTimeout"))
				  ? (long long)json_integer_value(jget(config, "StopTimeout"))
				  : -1;
	read_health(s, config, iconfig);

	s->privileged = jtrue(hc, "Privileged");
	s->read_only = jtrue(hc, "ReadonlyRootfs") || (ch && ch->read_only);
	s->cap_add = jget(hc, "CapAdd");
	s->cap_drop = jget(hc, "CapDrop");
	s->group_add = jget(hc, "GroupAdd");
	s->dns = jget(hc, "Dns");
	s->dns_search = jget(hc, "DnsSearch");
	s->dns_options = jget(hc, "DnsOptions");
	s->extra_hosts = jget(hc, "ExtraHosts");
	s->sysctls = jget(hc, "Sysctls");
	s->ulimits = jget(hc, "Ulimits");
	s->devices = jget(hc, "Devices");
	s->device_cgroup_rules = jget(hc, "DeviceCgroupRules");
	s->volumes_from = jget(hc, "VolumesFrom");

	/* "private" is the daemon's default IPC mode since 20.10; "" before. */
	const char *ipc = jstr(hc, "IpcMode");
	if (!str_empty(ipc) && !streq(ipc, "private"))
		s->ipc = ipc;
	s->pid = str_empty(jstr(hc, "PidMode")) ? NULL : jstr(hc, "PidMode");
	s->uts = str_empty(jstr(hc, "UTSMode")) ? NULL : jstr(hc, "UTSMode");
	s->userns = str_empty(jstr(hc, "UsernsMode")) ? NULL : jstr(hc, "UsernsMode");
	s->cgroup_parent = str_empty(jstr(hc, "CgroupParent")) ? NULL : jstr(hc, "CgroupParent");
	const char *runtime = jstr(hc, "Runtime");
	if (!str_empty(runtime) && !streq(runtime, "runc"))
		s->runtime = runtime;

	s->memory = jint(hc, "Memory");
	s->memory_swap = jint(hc, "MemorySwap");
	/* The daemon makes swap twice the memory limit when not told. */
	if (s->memory_swap == 0 || (s->memory > 0 && s->memory_swap == 2 * s->memory))
		s->memory_swap = 0;
	s->memory_reservation = jint(hc, "MemoryReservation");
	s->nano_cpus = jint(hc, "NanoCpus");
	s->cpu_shares = jint(hc, "CpuShares");
	s->cpu_period = jint(hc, "CpuPeriod");
	s->cpu_quota = jint(hc, "CpuQuota");
	s->cpuset_cpus = str_empty(jstr(hc, "CpusetCpus")) ? NULL : jstr(hc, "CpusetCpus");
	s->cpuset_mems = str_empty(jstr(hc, "CpusetMems")) ? NULL : jstr(hc, "CpusetMems");
	s->pids_limit = jint(hc, "PidsLimit");
	s->shm_size = jint(hc, "ShmSize");
	if (s->shm_size == 64LL << 20)
		s->shm_size = 0;
	s->oom_score_adj = jint(hc, "OomScoreAdj");

	json_t *log = jget(hc, "LogConfig");
	const char *driver = jstr(log, "Type");
	if (!str_empty(driver) && !streq(driver, "json-file"))
		s->log_driver = driver;
	s->log_opts = jget(log, "Config");

	read_mounts(s, config, hc, iconfig, ch);
	return 0;
}

/* --- value formats --- */

/* A byte count the way a person writes it for --memory: "64m", or bytes. */
static char *fmt_bytes(long long n)
{
	static const char units[] = "kmg";
	int u = -1;
	while (u < 2 && n != 0 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	return u < 0 ? xasprintf("%lld", n) : xasprintf("%lld%c", n, units[u]);
}

/* A fixed-point number of billionths: 500000000 -> "0.5". */
static void fmt_frac(struct strbuf *sb, unsigned long long whole, unsigned long long frac,
		     int digits)
{
	strbuf_addf(sb, "%llu", whole);
	if (!frac)
		return;
	char buf[16];
	snprintf(buf, sizeof(buf), "%0*llu", digits, frac);
	size_t n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		n--;
	strbuf_addch(sb, '.');
	strbuf_add(sb, buf, n);
}

static char *fmt_cpus(long long nano)
{
	struct strbuf sb = STRBUF_INIT;
	fmt_frac(&sb, (unsigned long long)nano / 1000000000ULL,
		 (unsigned long long)nano % 1000000000ULL, 9);
	return strbuf_detach(&sb);
}

/* The healthcheck's durations: the inspect key, the `docker run` flag, the Compose key. */
static const struct {
	const char *key, *flag, *yaml;
} health_durations[] = {
	{"Interval", "--health-interval", "interval"},
	{"Timeout", "--health-timeout", "timeout"},
	{"StartPeriod", "--health-start-period", "start_period"},
	{"StartInterval", "--health-start-interval", "start_interval"},
};

/* Nanoseconds as Go's time.Duration prints them, which is what the CLI parses. */
static char *fmt_duration(long long ns)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long u = ns < 0 ? -(unsigned long long)ns : (unsigned long long)ns;
	if (ns < 0)
		strbuf_addch(&sb, '-');
	if (u == 0) {
		strbuf_addstr(&sb, "0s");
	} else if (u < 1000ULL) {
		strbuf_addf(&sb, "%lluns", u);
	} else if (u < 1000000ULL) {
		fmt_frac(&sb, u / 1000, u % 1000, 3);
		strbuf_addstr(&sb, "\xc2\xb5s");
	} else if (u < 1000000000ULL) {
		fmt_frac(&sb, u / 1000000, u % 1000000, 6);
		strbuf_addstr(&sb, "ms");
	} else {
		unsigned long long secs = u / 1000000000ULL;
		if (secs >= 3600)
			strbuf_addf(&sb, "%lluh", secs / 3600);
		if (secs >= 60)
			strbuf_addf(&sb, "%llum", secs / 60 % 60);
		fmt_frac(&sb, secs % 60, u % 1000000000ULL, 9);
		strbuf_addch(&sb, 's');
	}
	return strbuf_detach(&sb);
}

/* "80/tcp" -> "80", other protocols kept. */
static char *fmt_port(const struct sport *p)
{
	struct strbuf sb = STRBUF_INIT;
	const char *ip = p->ip ? p->ip : "";
	const char *hp = p->host_port ? p->host_port : "";
	if (*ip)
		strbuf_addf(&sb, strchr(ip, ':') ? "[%s]:" : "%s:", ip);
	if (*ip || *hp)
		strbuf_addf(&sb, "%s:", hp);
	strbuf_addstr(&sb, p->port);
	if (!streq(p->proto, "tcp"))
		strbuf_addf(&sb, "/%s", p->proto);
	return strbuf_detach(&sb);
}

static char *fmt_ulimit(json_t *u)
{
	long long soft = jint(u, "Soft"), hard = jint(u, "Hard");
	const char *name = jstr(u, "Name");
	return soft == hard ? xasprintf("%s=%lld", name, soft)
			    : xasprintf("%s=%lld:%lld", name, soft, hard);
}

static char *fmt_device(json_t *d)
{
	const char *host = jstr(d, "PathOnHost"), *ctr = jstr(d, "PathInContainer");
	const char *perms = jstr(d, "CgroupPermissions");
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, host ? host : "");
	bool default_perms = str_empty(perms) || streq(perms, "rwm");
	if (!str_empty(ctr) && (!streq(ctr, host) || !default_perms))
		strbuf_addf(&sb, ":%s", ctr);
	if (!default_perms)
		strbuf_addf(&sb, ":%s", perms);
	return strbuf_detach(&sb);
}

/* One field of a --mount value, which the CLI reads as CSV. */
static void csv_field(struct strbuf *sb, const char *key, const char *val)
{
	if (sb->len)
		strbuf_addch(sb, ',');
	_cleanup_free_ char *f = val ? xasprintf("%s=%s", key, val) : xstrdup(key);
	if (!strpbrk(f, ",\"\r\n")) {
		strbuf_addstr(sb, f);
		return;
	}
	strbuf_addch(sb, '"');
	for (const char *p = f; *p; p++) {
		if (*p == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '"');
}

static char *fmt_mount(json_t *m)
{
	struct strbuf sb = STRBUF_INIT;
	const char *type = jstr(m, "Type");
	csv_field(&sb, "type", type);
	if (!str_empty(jstr(m, "Source")))
		csv_field(&sb, "source", jstr(m, "Source"));
	csv_field(&sb, "target", jstr(m, "Target"));
	if (jtrue(m, "ReadOnly"))
		csv_field(&sb, "readonly", NULL);
	json_t *bo = jget(m, "BindOptions");
	if (!str_empty(jstr(bo, "Propagation")))
		csv_field(&sb, "bind-propagation", jstr(bo, "Propagation"));
	if (jtrue(bo, "NonRecursive"))
		csv_field(&sb, "bind-nonrecursive", "true");
	json_t *vo = jget(m, "VolumeOptions");
	if (jtrue(vo, "NoCopy"))
		csv_field(&sb, "volume-nocopy", NULL);
	const char *k;
	json_t *v;
	json_object_foreach (jget(vo, "Labels"), k, v) {
		_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v));
		csv_field(&sb, "volume-label", kv);
	}
	json_t *dc = jget(vo, "DriverConfig");
	if (!str_empty(jstr(dc, "Name")))
		csv_field(&sb, "volume-driver", jstr(dc, "Name"));
	json_object_foreach (jget(dc, "Options"), k, v) {
		_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v));
		csv_field(&sb, "volume-opt", kv);
	}
	json_t *to = jget(m, "TmpfsOptions");
	if (jint(to, "SizeBytes") > 0) {
		_cleanup_free_ char *n = xasprintf("%lld", jint(to, "SizeBytes"));
		csv_field(&sb, "tmpfs-size", n);
	}
	if (jint(to, "Mode") > 0) {
		_cleanup_free_ char *n = xasprintf("%llo", (unsigned long long)jint(to, "Mode"));
		csv_field(&sb, "tmpfs-mode", n);
	}
	return strbuf_detach(&sb);
}

/* --- docker run --- */

static void opt(struct strv *a, const char *flag, const char *val)
{
	if (!val)
		return;
	strv_add(a, flag);
	strv_add(a, val);
}

static void opt_owned(struct strv *a, const char *flag, char *val)
{
	strv_add(a, flag);
	strv_push(a, val);
}

static void opt_each(struct strv *a, const char *flag, json_t *arr)
{
	json_t *v;
	size_t i;
	json_array_foreach (arr, i, v) {
		if (json_is_string(v))
			opt(a, flag, json_string_value(v));
	}
}

static void opt_map(struct strv *a, const char *flag, json_t *obj)
{
	const char *k;
	json_t *v;
	json_object_foreach (obj, k, v) {
		if (json_is_string(v))
			opt_owned(a, flag, xasprintf("%s=%s", k, json_string_value(v)));
	}
}

static void opt_size(struct strv *a, const char *flag, long long n)
{
	if (n > 0)
		opt_owned(a, flag, fmt_bytes(n));
	else if (n < 0)
		opt_owned(a, flag, xasprintf("%lld", n));
}

static void opt_int(struct strv *a, const char *flag, long long n)
{
	if (n)
		opt_owned(a, flag, xasprintf("%lld", n));
}

/*
 * The healthcheck test as `docker run` says it (--health-cmd, which the CLI
 * sends as CMD-SHELL), or NULL when the image's test stands. The exec form
 * has no flag: the nearest is the same words through sh.
 */
static char *health_cmd(const struct spec *s)
{
	json_t *test = jget(s->health, "Test");
	if (!s->health || arrays_equal(test, jget(s->ihealth, "Test")))
		return NULL;
	const char *kind = json_string_value(json_array_get(test, 0));
	if (streq(kind, "CMD-SHELL")) {
		const char *line = json_string_value(json_array_get(test, 1));
		return line ? xstrdup(line) : NULL;
	}
	if (!streq(kind, "CMD") || json_array_size(test) < 2)
		return NULL;
	struct strv words = STRV_INIT;
	json_t *v;
	size_t i;
	json_array_foreach (test, i, v) {
		if (i > 0)
			strv_add(&words, json_string_value(v));
	}
	char *line = shell_join(words.v, words.n);
	strv_release(&words);
	return line;
}

static void health_args(struct strv *a, const struct spec *s)
{
	if (s->no_health) {
		strv_add(a, "--no-healthcheck");
		return;
	}
	json_t *h = s->health, *ih = s->ihealth;
	if (!h)
		return;
	char *cmd = health_cmd(s);
	if (cmd)
		opt_owned(a, "--health-cmd", cmd);
	for (size_t i = 0; i < ARRAY_SIZE(health_durations); i++) {
		long long d = jint(h, health_durations[i].key);
		if (d > 0 && d != jint(ih, health_durations[i].key))
			opt_owned(a, health_durations[i].flag, fmt_duration(d));
	}
	if (jint(h, "Retries") > 0 && jint(h, "Retries") != jint(ih, "Retries"))
		opt_int(a, "--health-retries", jint(h, "Retries"));
}

static void mount_args(struct strv *a, const struct spec *s, bool changes)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct smount *m = &s->mounts[i];
		struct strbuf sb = STRBUF_INIT;
		if (m->change != changes)
			continue;
		switch (m->kind) {
		case SM_BIND_STRING:
			opt(a, "--volume", m->options);
			break;
		case SM_MOUNT:
			opt_owned(a, "--mount", fmt_mount(m->mount));
			break;
		case SM_ANON:
			opt(a, "--volume", m->target);
			break;
		case SM_TMPFS:
			opt_owned(a, "--tmpfs",
				  m->options ? xasprintf("%s:%s", m->target, m->options)
					     : xstrdup(m->target));
			break;
		case SM_VOLUME:
			csv_field(&sb, "type", "volume");
			csv_field(&sb, "source", m->source);
			csv_field(&sb, "target", m->target);
			opt_owned(a, "--mount", strbuf_detach(&sb));
			break;
		}
	}
}

static int check_changes(const struct run_changes *ch, struct rl_error *err)
{
	for (size_t i = 0; ch && i < ch->n_mounts; i++) {
		const struct run_mount *m = &ch->mounts[i];
		if (str_empty(m->target) || m->target[0] != '/')
			return rl_error_set(err, RL_EUSAGE,
					    "mount target '%s' is not an absolute path",
					    m->target ? m->target : "");
		if (m->type == RUN_MOUNT_VOLUME && str_empty(m->volume))
			return rl_error_set(err, RL_EUSAGE, "volume mount at '%s' names no volume",
					    m->target);
		/* --tmpfs splits at the first colon. */
		if (m->type == RUN_MOUNT_TMPFS && strchr(m->target, ':'))
			return rl_error_set(
				err, RL_EUSAGE,
				"tmpfs target '%s' contains ':', which --tmpfs cannot say",
				m->target);
	}
	return 0;
}

int runline_argv(json_t *container, json_t *image, const struct run_changes *ch, struct strv *argv,
		 struct rl_error *err)
{
	int r = check_changes(ch, err);
	if (r < 0)
		return r;
	struct spec s;
	r = spec_read(container, image, ch, &s, err);
	if (r < 0) {
		spec_release(&s);
		return r;
	}
	struct strv a = STRV_INIT;
	strv_add(&a, "docker");
	strv_add(&a, "run");
	strv_add(&a, "--detach");
	opt(&a, "--name", s.name);
	opt(&a, "--hostname", s.hostname);
	opt(&a, "--domainname", s.domainname);
	opt(&a, "--user", s.user);
	opt(&a, "--workdir", s.workdir);
	for (size_t i = 0; i < s.env.n; i++)
		opt(&a, "--env", s.env.v[i]);
	for (size_t i = 0; i < s.labels.n; i++)
		opt(&a, "--label", s.labels.v[i]);
	if (s.set_entrypoint) {
		const char *first = json_string_value(json_array_get(s.entrypoint, 0));
		opt(&a, "--entrypoint", first ? first : "");
	}

	opt(&a, "--network", s.network);
	for (size_t i = 0; i < s.n_ports; i++)
		opt_owned(&a, "--publish", fmt_port(&s.ports[i]));
	if (s.publish_all)
		strv_add(&a, "--publish-all");
	for (size_t i = 0; i < s.expose.n; i++)
		opt(&a, "--expose", s.expose.v[i]);
	opt_each(&a, "--dns", s.dns);
	opt_each(&a, "--dns-search", s.dns_search);
	opt_each(&a, "--dns-option", s.dns_options);
	opt_each(&a, "--add-host", s.extra_hosts);

	opt(&a, "--restart", s.restart);
	if (s.auto_remove)
		strv_add(&a, "--rm");
	if (s.init >= 0)
		strv_add(&a, s.init ? "--init" : "--init=false");
	if (s.tty)
		strv_add(&a, "--tty");
	if (s.interactive)
		strv_add(&a, "--interactive");
	opt(&a, "--stop-signal", s.stop_signal);
	if (s.stop_timeout >= 0)
		opt_owned(&a, "--stop-timeout", xasprintf("%lld", s.stop_timeout));

	if (s.privileged)
		strv_add(&a, "--privileged");
	opt_each(&a, "--cap-add", s.cap_add);
	opt_each(&a, "--cap-drop", s.cap_drop);
	opt_each(&a, "--security-opt", s.security_opt);
	opt_each(&a, "--group-add", s.group_add);
	opt(&a, "--pid", s.pid);
	opt(&a, "--ipc", s.ipc);
	opt(&a, "--uts", s.uts);
	opt(&a, "--userns", s.userns);
	opt(&a, "--cgroup-parent", s.cgroup_parent);
	opt(&a, "--runtime", s.runtime);
	opt_map(&a, "--sysctl", s.sysctls);
	json_t *v;
	size_t i;
	json_array_foreach (s.ulimits, i, v) {
		opt_owned(&a, "--ulimit", fmt_ulimit(v));
	}
	json_array_foreach (s.devices, i, v) {
		opt_owned(&a, "--device", fmt_device(v));
	}
	opt_each(&a, "--device-cgroup-rule", s.device_cgroup_rules);

	opt_size(&a, "--memory", s.memory);
	opt_size(&a, "--memory-swap", s.memory_swap);
	opt_size(&a, "--memory-reservation", s.memory_reservation);
	if (s.nano_cpus > 0)
		opt_owned(&a, "--cpus", fmt_cpus(s.nano_cpus));
	opt_int(&a, "--cpu-shares", s.cpu_shares);
	opt_int(&a, "--cpu-period", s.cpu_period);
	opt_int(&a, "--cpu-quota", s.cpu_quota);
	opt(&a, "--cpuset-cpus", s.cpuset_cpus);
	opt(&a, "--cpuset-mems", s.cpuset_mems);
	if (s.pids_limit > 0)
		opt_int(&a, "--pids-limit", s.pids_limit);
	opt_size(&a, "--shm-size", s.shm_size);
	opt_int(&a, "--oom-score-adj", s.oom_score_adj);
	opt(&a, "--log-driver", s.log_driver);
	opt_map(&a, "--log-opt", s.log_opts);
	health_args(&a, &s);

	opt_each(&a, "--volumes-from", s.volumes_from);
	mount_args(&a, &s, false);
	if (s.read_only)
		strv_add(&a, "--read-only");
	mount_args(&a, &s, true);

	strv_add(&a, s.image);
	json_array_foreach (s.entrypoint, i, v) {
		if (s.set_entrypoint && i > 0)
			strv_add(&a, json_string_value(v));
	}
	json_array_foreach (s.cmd, i, v) {
		if (s.set_cmd)
			strv_add(&a, json_string_value(v));
	}
	spec_release(&s);
	for (i = 0; i < a.n; i++)
		strv_push(argv, steal_pointer(&a.v[i]));
	free(a.v);
	return 0;
}

/* --- the create request --- */

/* A JSON copy of an array or object from the description, or nothing when empty. */
static void body_copy(json_t *o, const char *key, json_t *v)
{
	if ((json_is_array(v) && json_array_size(v)) || (json_is_object(v) && json_object_size(v)))
		json_object_set_new(o, key, json_deep_copy(v));
}

static void body_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static void body_int(json_t *o, const char *key, long long n)
{
	if (n)
		json_object_set_new(o, key, json_integer(n));
}

static json_t *strv_to_array(const struct strv *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

/* Entrypoint and Cmd as the CLI sends them: --entrypoint is one word. */
static void body_command(json_t *config, const struct spec *s)
{
	json_t *v;
	size_t i;
	if (s->set_entrypoint) {
		const char *first = json_string_value(json_array_get(s->entrypoint, 0));
		/* [""] is how the CLI asks the daemon to drop the image's entrypoint. */
		json_object_set_new(config, "Entrypoint", json_pack("[s]", first ? first : ""));
	}
	if (!s->set_cmd)
		return;
	json_t *cmd = json_array();
	json_array_foreach (s->entrypoint, i, v) {
		if (s->set_entrypoint && i > 0)
			json_array_append(cmd, v);
	}
	json_array_foreach (s->cmd, i, v) {
		json_array_append(cmd, v);
	}
	json_object_set_new(config, "Cmd", cmd);
}

static void body_health(json_t *config, const struct spec *s)
{
	if (s->no_health) {
		json_object_set_new(config, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
		return;
	}
	if (!s->health)
		return;
	/* Zero fields take the image's values, as with the CLI's flags. */
	json_t *h = json_object();
	_cleanup_free_ char *cmd = health_cmd(s);
	if (cmd)
		json_object_set_new(h, "Test", json_pack("[s,s]", "CMD-SHELL", cmd));
	for (size_t i = 0; i < ARRAY_SIZE(health_durations); i++) {
		long long d = jint(s->health, health_durations[i].key);
		if (d > 0 && d != jint(s->ihealth, health_durations[i].key))
			json_object_set_new(h, health_durations[i].key, json_integer(d));
	}
	long long retries = jint(s->health, "Retries");
	if (retries > 0 && retries != jint(s->ihealth, "Retries"))
		json_object_set_new(h, "Retries", json_integer(retries));
	json_object_set_new(config, "Healthcheck", h);
}

static void body_ports(json_t *config, json_t *hc, const struct spec *s)
{
	json_t *exposed = json_object(), *bindings = json_object();
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct sport *p = &s->ports[i];
		_cleanup_free_ char *key = xasprintf("%s/%s", p->port, p->proto);
		json_t *list = json_object_get(bindings, key);
		if (!list) {
			list = json_array();
			json_object_set_new(bindings, key, list);
		}
		json_array_append_new(list,
				      json_pack("{s:s, s:s}", "HostIp", p->ip ? p->ip : "",
						"HostPort", p->host_port ? p->host_port : ""));
		/* Publishing a port exposes it. */
		json_object_set_new(exposed, key, json_object());
	}
	for (size_t i = 0; i < s->expose.n; i++) {
		const char *e = s->expose.v[i];
		_cleanup_free_ char *key = strchr(e, '/') ? xstrdup(e) : xasprintf("%s/tcp", e);
		json_object_set_new(exposed, key, json_object());
	}
	body_copy(config, "ExposedPorts", exposed);
	body_copy(hc, "PortBindings", bindings);
	json_decref(exposed);
	json_decref(bindings);
	if (s->publish_all)
		json_object_set_new(hc, "PublishAllPorts", json_true());
}

static json_t *restart_policy(const char *restart)
{
	const char *colon = strchr(restart, ':');
	if (!colon)
		return json_pack("{s:s}", "Name", restart);
	_cleanup_free_ char *name = xstrndup(restart, (size_t)(colon - restart));
	return json_pack("{s:s, s:I}", "Name", name, "MaximumRetryCount",
			 (json_int_t)strtoll(colon + 1, NULL, 10));
}

/* --volume goes to Binds, --mount to Mounts, --tmpfs to Tmpfs, -v /path to Volumes. */
static void body_mounts(json_t *config, json_t *hc, const struct spec *s)
{
	json_t *binds = json_array(), *mounts = json_array(), *tmpfs = json_object(),
	       *volumes = json_object();
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct smount *m = &s->mounts[i];
		switch (m->kind) {
		case SM_BIND_STRING:
			json_array_append_new(binds, json_string(m->options));
			break;
		case SM_MOUNT:
			json_array_append_new(mounts, json_deep_copy(m->mount));
			break;
		case SM_ANON:
			json_object_set_new(volumes, m->target, json_object());
			break;
		case SM_TMPFS:
			json_object_set_new(tmpfs, m->target,
					    json_string(m->options ? m->options : ""));
			break;
		case SM_VOLUME:
			json_array_append_new(mounts,
					      json_pack("{s:s, s:s, s:s}", "Type", "volume",
							"Source", m->source, "Target", m->target));
			break;
		}
	}
	body_copy(config, "Volumes", volumes);
	body_copy(hc, "Binds", binds);
	body_copy(hc, "Mounts", mounts);
	body_copy(hc, "Tmpfs", tmpfs);
	json_decref(volumes);
	json_decref(binds);
	json_decref(mounts);
	json_decref(tmpfs);
}

static json_t *create_body(const struct spec *s)
{
	json_t *config = json_object(), *hc = json_object();
	body_str(config, "Image", s->image);
	body_str(config, "Hostname", s->hostname);
	body_str(config, "Domainname", s->domainname);
	body_str(config, "User", s->user);
	body_str(config, "WorkingDir", s->workdir);
	if (s->env.n)
		json_object_set_new(config, "Env", strv_to_array(&s->env));
	if (s->labels.n) {
		json_t *labels = json_object();
		for (size_t i = 0; i < s->labels.n; i++) {
			const char *kv = s->labels.v[i], *eq = strchr(kv, '=');
			_cleanup_free_ char *key = xstrndup(kv, (size_t)(eq - kv));
			json_object_set_new(labels, key, json_string(eq + 1));
		}
		json_object_set_new(config, "Labels", labels);
	}
	body_command(config, s);
	if (s->tty)
		json_object_set_new(config, "Tty", json_true());
	if (s->interactive)
		json_object_set_new(config, "OpenStdin", json_true());
	body_str(config, "StopSignal", s->stop_signal);
	if (s->stop_timeout >= 0)
		json_object_set_new(config, "StopTimeout", json_integer(s->stop_timeout));
	body_health(config, s);

	body_str(hc, "NetworkMode", s->network);
	body_ports(config, hc, s);
	body_copy(hc, "Dns", s->dns);
	body_copy(hc, "DnsSearch", s->dns_search);
	body_copy(hc, "DnsOptions", s->dns_options);
	body_copy(hc, "ExtraHosts", s->extra_hosts);
	if (s->restart)
		json_object_set_new(hc, "RestartPolicy", restart_policy(s->restart));
	if (s->auto_remove)
		json_object_set_new(hc, "AutoRemove", json_true());
	if (s->init >= 0)
		json_object_set_new(hc, "Init", json_boolean(s->init));
	if (s->privileged)
		json_object_set_new(hc, "Privileged", json_true());
	if (s->read_only)
		json_object_set_new(hc, "ReadonlyRootfs", json_true());
	body_copy(hc, "CapAdd", s->cap_add);
	body_copy(hc, "CapDrop", s->cap_drop);
	body_copy(hc, "SecurityOpt", s->security_opt);
	body_copy(hc, "GroupAdd", s->group_add);
	body_str(hc, "PidMode", s->pid);
	body_str(hc, "IpcMode", s->ipc);
	body_str(hc, "UTSMode", s->uts);
	body_str(hc, "UsernsMode", s->userns);
	body_str(hc, "CgroupParent", s->cgroup_parent);
	body_str(hc, "Runtime", s->runtime);
	body_copy(hc, "Sysctls", s->sysctls);
	body_copy(hc, "Ulimits", s->ulimits);
	body_copy(hc, "Devices", s->devices);
	body_copy(hc, "DeviceCgroupRules", s->device_cgroup_rules);
	body_int(hc, "Memory", s->memory);
	body_int(hc, "MemorySwap", s->memory_swap);
	body_int(hc, "MemoryReservation", s->memory_reservation);
	body_int(hc, "NanoCpus", s->nano_cpus);
	body_int(hc, "CpuShares", s->cpu_shares);
	body_int(hc, "CpuPeriod", s->cpu_period);
	body_int(hc, "CpuQuota", s->cpu_quota);
	body_str(hc, "CpusetCpus", s->cpuset_cpus);
	body_str(hc, "CpusetMems", s->cpuset_mems);
	if (s->pids_limit > 0)
		body_int(hc, "PidsLimit", s->pids_limit);
	body_int(hc, "ShmSize", s->shm_size);
	body_int(hc, "OomScoreAdj", s->oom_score_adj);
	if (s->log_driver || json_object_size(s->log_opts)) {
		json_t *log = json_object();
		body_str(log, "Type", s->log_driver);
		body_copy(log, "Config", s->log_opts);
		json_object_set_new(hc, "LogConfig", log);
	}
	body_copy(hc, "VolumesFrom", s->volumes_from);
	body_mounts(config, hc, s);
	json_object_set_new(config, "HostConfig", hc);
	return config;
}

int runline_create_body(json_t *container, json_t *image, const struct run_changes *ch,
			json_t **ret_body, struct rl_error *err)
{
	int r = check_changes(ch, err);
	if (r < 0)
		return r;
	struct spec s;
	r = spec_read(container, image, ch, &s, err);
	if (r == 0)
		*ret_body = create_body(&s);
	spec_release(&s);
	return r;
}

/* --- shell quoting --- */

/* The length of the valid UTF-8 sequence at p, 0 if there is none. */
static size_t utf8_decode(const unsigned char *p, uint32_t *ret)
{
	size_t n;
	uint32_t c;
	if (p[0] < 0x80) {
		*ret = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*ret = c;
	return n;
}

/*
 * Characters a terminal acts on instead of showing: C0 and C1 controls, DEL,
 * line and paragraph separators and the bidirectional overrides that make
 * text display in another order than the shell reads it.
 */
static bool invisible(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x61c || c == 0x200e || c == 0x200f ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static bool bare_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_@%+=:,./-", c);
}

static bool reserved_word(const char *w)
{
	static const char *const words[] = {"case",   "coproc", "do",	"done",	    "elif", "else",
					    "esac",   "fi",	"for",	"function", "if",   "in",
					    "select", "then",	"time", "until",    "while"};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (streq(w, words[i]))
			return true;
	return false;
}

/* Whether w can stand unquoted; the command word must not look like an assignment either. */
static bool bare_word(const char *w, bool first)
{
	if (!*w || *w == '=') /* zsh expands a leading '=' */
		return false;
	for (const char *p = w; *p; p++)
		if (!bare_char(*p) || (first && *p == '='))
			return false;
	return !(first && (*w == '%' || reserved_word(w)));
}

static bool needs_printf(const char *w)
{
	const unsigned char *p = (const unsigned char *)w;
	while (*p) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);
		if (!n || invisible(c))
			return true;
		p += n;
	}
	return false;
}

static void add_printf_word(struct strbuf *sb, const char *w)
{
	strbuf_addstr(sb, "\"$(printf '");
	const unsigned char *p = (const unsigned char *)w;
	while (*p) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);
		if (!n || invisible(c)) {
			for (size_t i = 0; i < (n ? n : 1); i++)
				strbuf_addf(sb, "\\%03o", p[i]);
			p += n ? n : 1;
			continue;
		}
		if (c == '\'' || (c == '-' && p == (const unsigned char *)w))
			strbuf_addf(sb, "\\%03o", *p); /* a leading '-' would be an option */
		else if (c == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (c == '%')
			strbuf_addstr(sb, "%%");
		else
			strbuf_add(sb, p, n);
		p += n;
	}
	strbuf_addstr(sb, "')\"");
}

char *shell_join(char *const *argv, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "");
	for (size_t i = 0; i < n; i++) {
		const char *w = argv[i] ? argv[i] : "";
		size_t len = strlen(w);
		if (i > 0)
			strbuf_addch(&sb, ' ');
		if (bare_word(w, i == 0)) {
			strbuf_addstr(&sb, w);
		} else if (!needs_printf(w)) {
			strbuf_addch(&sb, '\'');
			for (const char *p = w; *p; p++) {
				if (*p == '\'')
					strbuf_addstr(&sb, "'\\''");
				else
					strbuf_addch(&sb, *p);
			}
			strbuf_addch(&sb, '\'');
		} else if (w[len - 1] == '\n') {
			/* $(...) would drop it, and nothing else spells it without raw bytes. */
			strbuf_release(&sb);
			return NULL;
		} else {
			add_printf_word(&sb, w);
		}
	}
	return strbuf_detach(&sb);
}

/* --- Compose --- */

struct yout {
	struct strbuf *sb;
	const char *bad; /* a value YAML cannot hold */
};

/* A double-quoted YAML scalar; values also get '$' doubled against interpolation. */
static void ystr(struct yout *y, const char *s, bool value)
{
	struct strbuf *sb = y->sb;
	strbuf_addch(sb, '"');
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);
		if (!n) {
			y->bad = s;
			return;
		}
		if (c == '"' || c == '\\')
			strbuf_addf(sb, "\\%c", (char)c);
		else if (c == '\n')
			strbuf_addstr(sb, "\\n");
		else if (c == '\t')
			strbuf_addstr(sb, "\\t");
		else if (invisible(c) || c == 0xfeff)
			strbuf_addf(sb, "\\u%04" PRIx32, c);
		else if (c == '$' && value)
			strbuf_addstr(sb, "$$");
		else
			strbuf_add(sb, p, n);
		p += n;
	}
	strbuf_addch(sb, '"');
}

static void ykey(struct yout *y, int indent, const char *key)
{
	strbuf_addf(y->sb, "%*s%s:", indent, "", key);
}

static void yval(struct yout *y, int indent, const char *key, const char *val)
{
	if (!val)
		return;
	ykey(y, indent, key);
	strbuf_addch(y->sb, ' ');
	ystr(y, val, true);
	strbuf_addch(y->sb, '\n');
}

static void yraw(struct yout *y, int indent, const char *key, const char *raw)
{
	ykey(y, indent, key);
	strbuf_addf(y->sb, " %s\n", raw);
}

static void yint(struct yout *y, int indent, const char *key, long long n)
{
	if (n)
		strbuf_addf(y->sb, "%*s%s: %lld\n", indent, "", key, n);
}

static void yitem(struct yout *y, int indent, const char *val)
{
	strbuf_addf(y->sb, "%*s- ", indent, "");
	ystr(y, val, true);
	strbuf_addch(y->sb, '\n');
}

static void ylist(struct yout *y, int indent, const char *key, json_t *arr, const char *prefix)
{
	if (!nonempty_array(arr))
		return;
	ykey(y, indent, key);
	strbuf_addch(y->sb, '\n');
	json_t *v;
	size_t i;
	json_array_foreach (arr, i, v) {
		_cleanup_free_ char *s = xasprintf("%s%s", prefix, json_string_value(v));
		yitem(y, indent + 2, s);
	}
}

/* An array written as a flow sequence, so that an empty one reads "[]". */
static void yflow(struct yout *y, int indent, const char *key, json_t *arr, size_t from)
{
	ykey(y, indent, key);
	strbuf_addstr(y->sb, " [");
	for (size_t i = from; i < json_array_size(arr); i++) {
		if (i > from)
			strbuf_addstr(y->sb, ", ");
		ystr(y, json_string_value(json_array_get(arr, i)), true);
	}
	strbuf_addstr(y->sb, "]\n");
}

static void ystrv(struct yout *y, int indent, const char *key, const struct strv *sv)
{
	if (!sv->n)
		return;
	ykey(y, indent, key);
	strbuf_addch(y->sb, '\n');
	for (size_t i = 0; i < sv->n; i++)
		yitem(y, indent + 2, sv->v[i]);
}

static void ymap_list(struct yout *y, int indent, const char *key, json_t *obj)
{
	if (!json_object_size(obj))
		return;
	ykey(y, indent, key);
	strbuf_addch(y->sb, '\n');
	const char *k;
	json_t *v;
	json_object_foreach (obj, k, v) {
		_cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v));
		yitem(y, indent + 2, kv);
	}
}

static void compose_health(struct yout *y, const struct spec *s)
{
	if (s->no_health) {
		strbuf_addstr(y->sb, "    healthcheck:\n      disable: true\n");
		return;
	}
	json_t *h = s->health;
	if (!h)
		return;
	strbuf_addstr(y->sb, "    healthcheck:\n");
	if (!arrays_equal(jget(h, "Test"), jget(s->ihealth, "Test")))
		yflow(y, 6, "test", jget(h, "Test"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(health_durations); i++) {
		long long d = jint(h, health_durations[i].key);
		if (d > 0 && d != jint(s->ihealth, health_durations[i].key)) {
			_cleanup_free_ char *t = fmt_duration(d);
			yval(y, 6, health_durations[i].yaml, t);
		}
	}
	if (jint(h, "Retries") != jint(s->ihealth, "Retries"))
		yint(y, 6, "retries", jint(h, "Retries"));
}

static void compose_mount(struct yout *y, const struct smount *m)
{
	json_t *j = m->mount;
	const char *type = m->kind == SM_VOLUME ? "volume" : jstr(j, "Type");
	strbuf_addf(y->sb, "      - type: %s\n", type);
	const char *source = m->kind == SM_VOLUME ? m->source : jstr(j, "Source");
	if (!str_empty(source))
		yval(y, 8, "source", source);
	yval(y, 8, "target", m->target);
	if (jtrue(j, "ReadOnly"))
		yraw(y, 8, "read_only", "true");
	const char *prop = jstr(jget(j, "BindOptions"), "Propagation");
	if (!str_empty(prop)) {
		strbuf_addstr(y->sb, "        bind:\n");
		yval(y, 10, "propagation", prop);
	}
	if (jtrue(jget(j, "VolumeOptions"), "NoCopy"))
		strbuf_addstr(y->sb, "        volume:\n          nocopy: true\n");
	json_t *to = jget(j, "TmpfsOptions");
	if (jint(to, "SizeBytes") > 0 || jint(to, "Mode") > 0) {
		strbuf_addstr(y->sb, "        tmpfs:\n");
		yint(y, 10, "size", jint(to, "SizeBytes"));
		if (jint(to, "Mode") > 0)
			strbuf_addf(y->sb, "          mode: 0%llo\n",
				    (unsigned long long)jint(to, "Mode"));
	}
}

/* Named volumes used, for the top-level section; external ones existed before. */
static void compose_volume_names(const struct spec *s, struct strv *names, struct strv *external)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct smount *m = &s->mounts[i];
		const char *src = NULL;
		_cleanup_free_ char *tmp = NULL;
		if (m->kind == SM_VOLUME) {
			src = m->source;
		} else if (m->kind == SM_MOUNT && streq(jstr(m->mount, "Type"), "volume")) {
			src = jstr(m->mount, "Source");
		} else if (m->kind == SM_BIND_STRING) {
			const char *colon = strchr(m->options, ':');
			tmp = colon ? xstrndup(m->options, (size_t)(colon - m->options)) : NULL;
			if (tmp && tmp[0] != '/' && tmp[0] != '.' && tmp[0] != '~')
				src = tmp;
		}
		if (str_empty(src) || strv_contains(names, src))
			continue;
		strv_add(names, src);
		strv_add(external, m->kind == SM_VOLUME ? "" : "x");
	}
}

static void compose_volumes(struct yout *y, const struct spec *s)
{
	bool any = false, any_tmpfs = false;
	for (size_t i = 0; i < s->n_mounts; i++) {
		if (s->mounts[i].kind == SM_TMPFS)
			any_tmpfs = true;
		else
			any = true;
	}
	if (any_tmpfs) {
		strbuf_addstr(y->sb, "    tmpfs:\n");
		for (size_t i = 0; i < s->n_mounts; i++) {
			const struct smount *m = &s->mounts[i];
			if (m->kind != SM_TMPFS)
				continue;
			_cleanup_free_ char *t = m->options
							 ? xasprintf("%s:%s", m->target, m->options)
							 : xstrdup(m->target);
			yitem(y, 6, t);
		}
	}
	if (!any)
		return;
	strbuf_addstr(y->sb, "    volumes:\n");
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct smount *m = &s->mounts[i];
		if (m->kind == SM_BIND_STRING)
			yitem(y, 6, m->options);
		else if (m->kind == SM_ANON)
			yitem(y, 6, m->target);
		else if (m->kind == SM_MOUNT || m->kind == SM_VOLUME)
			compose_mount(y, m);
	}
}

static void compose_service(struct yout *y, const struct spec *s, const struct run_changes *ch)
{
	strbuf_addstr(y->sb, "services:\n  ");
	ystr(y, s->service, false);
	strbuf_addstr(y->sb, ":\n");
	yval(y, 4, "image", s->image);
	/* Compose names its own containers; keep that unless told a name. */
	if (s->name && (!s->from_compose || (ch && !str_empty(ch->name))))
		yval(y, 4, "container_name", s->name);
	yval(y, 4, "hostname", s->hostname);
	yval(y, 4, "domainname", s->domainname);
	yval(y, 4, "user", s->user);
	yval(y, 4, "working_dir", s->workdir);
	ystrv(y, 4, "environment", &s->env);
	struct strv labels = STRV_INIT;
	for (size_t i = 0; i < s->labels.n; i++)
		if (!str_startswith(s->labels.v[i], "com.docker.compose."))
			strv_add(&labels, s->labels.v[i]);
	ystrv(y, 4, "labels", &labels);
	strv_release(&labels);
	if (s->set_entrypoint)
		yflow(y, 4, "entrypoint", s->entrypoint, 0);
	if (s->set_cmd)
		yflow(y, 4, "command", s->cmd, 0);

	if (s->network && (streq(s->network, "none") || streq(s->network, "host") ||
			   str_startswith(s->network, "container:")))
		yval(y, 4, "network_mode", s->network);
	else if (s->network) {
		strbuf_addstr(y->sb, "    networks:\n");
		yitem(y, 6, s->network);
	}
	if (s->n_ports) {
		strbuf_addstr(y->sb, "    ports:\n");
		for (size_t i = 0; i < s->n_ports; i++) {
			_cleanup_free_ char *p = fmt_port(&s->ports[i]);
			yitem(y, 6, p);
		}
	}
	ystrv(y, 4, "expose", &s->expose);
	ylist(y, 4, "dns", s->dns, "");
	ylist(y, 4, "dns_search", s->dns_search, "");
	ylist(y, 4, "dns_opt", s->dns_options, "");
	ylist(y, 4, "extra_hosts", s->extra_hosts, "");
	yval(y, 4, "restart", s->restart);
	if (s->init >= 0)
		yraw(y, 4, "init", s->init ? "true" : "false");
	if (s->tty)
		yraw(y, 4, "tty", "true");
	if (s->interactive)
		yraw(y, 4, "stdin_open", "true");
	yval(y, 4, "stop_signal", s->stop_signal);
	if (s->stop_timeout >= 0) {
		_cleanup_free_ char *t = fmt_duration(s->stop_timeout * 1000000000LL);
		yval(y, 4, "stop_grace_period", t);
	}
	if (s->privileged)
		yraw(y, 4, "privileged", "true");
	ylist(y, 4, "cap_add", s->cap_add, "");
	ylist(y, 4, "cap_drop", s->cap_drop, "");
	ylist(y, 4, "security_opt", s->security_opt, "");
	ylist(y, 4, "group_add", s->group_add, "");
	yval(y, 4, "pid", s->pid);
	yval(y, 4, "ipc", s->ipc);
	yval(y, 4, "uts", s->uts);
	yval(y, 4, "userns_mode", s->userns);
	yval(y, 4, "cgroup_parent", s->cgroup_parent);
	yval(y, 4, "runtime", s->runtime);
	ymap_list(y, 4, "sysctls", s->sysctls);
	if (nonempty_array(s->ulimits)) {
		strbuf_addstr(y->sb, "    ulimits:\n");
		json_t *v;
		size_t i;
		json_array_foreach (s->ulimits, i, v) {
			strbuf_addf(y->sb, "      ");
			ystr(y, jstr(v, "Name"), false);
			strbuf_addf(y->sb, ":\n        soft: %lld\n        hard: %lld\n",
				    jint(v, "Soft"), jint(v, "Hard"));
		}
	}
	if (nonempty_array(s->devices)) {
		strbuf_addstr(y->sb, "    devices:\n");
		json_t *v;
		size_t i;
		json_array_foreach (s->devices, i, v) {
			_cleanup_free_ char *d = fmt_device(v);
			yitem(y, 6, d);
		}
	}
	ylist(y, 4, "device_cgroup_rules", s->device_cgroup_rules, "");
	struct {
		const char *key;
		long long n;
	} sizes[] = {
		{"mem_limit", s->memory},
		{"memswap_limit", s->memory_swap},
		{"mem_reservation", s->memory_reservation},
		{"shm_size", s->shm_size},
	};
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i].n) {
			_cleanup_free_ char *b = sizes[i].n > 0 ? fmt_bytes(sizes[i].n)
								: xasprintf("%lld", sizes[i].n);
			yval(y, 4, sizes[i].key, b);
		}
	}
	if (s->nano_cpus > 0) {
		_cleanup_free_ char *c = fmt_cpus(s->nano_cpus);
		yraw(y, 4, "cpus", c);
	}
	yint(y, 4, "cpu_shares", s->cpu_shares);
	yint(y, 4, "cpu_period", s->cpu_period);
	yint(y, 4, "cpu_quota", s->cpu_quota);
	yval(y, 4, "cpuset", s->cpuset_cpus);
	if (s->pids_limit > 0)
		yint(y, 4, "pids_limit", s->pids_limit);
	yint(y, 4, "oom_score_adj", s->oom_score_adj);
	if (s->log_driver || json_object_size(s->log_opts)) {
		strbuf_addstr(y->sb, "    logging:\n");
		yval(y, 6, "driver", s->log_driver);
		if (json_object_size(s->log_opts)) {
			strbuf_addstr(y->sb, "      options:\n");
			const char *k;
			json_t *v;
			json_object_foreach (s->log_opts, k, v) {
				strbuf_addstr(y->sb, "        ");
				ystr(y, k, false);
				strbuf_addstr(y->sb, ": ");
				ystr(y, json_string_value(v), true);
				strbuf_addch(y->sb, '\n');
			}
		}
	}
	compose_health(y, s);
	ylist(y, 4, "volumes_from", s->volumes_from, "container:");
	if (s->read_only)
		yraw(y, 4, "read_only", "true");
	compose_volumes(y, s);
}

int runline_compose(json_t *container, json_t *image, const struct run_changes *ch,
		    struct strbuf *out, struct rl_error *err)
{
	int r = check_changes(ch, err);
	if (r < 0)
		return r;
	struct spec s;
	r = spec_read(container, image, ch, &s, err);
	if (r < 0) {
		spec_release(&s);
		return r;
	}
	struct yout y = {.sb = out};
	compose_service(&y, &s, ch);
	struct strv names = STRV_INIT, external = STRV_INIT;
	compose_volume_names(&s, &names, &external);
	if (names.n)
		strbuf_addstr(out, "volumes:\n");
	for (size_t i = 0; i < names.n; i++) {
		strbuf_addstr(out, "  ");
		ystr(&y, names.v[i], false);
		strbuf_addstr(out, ":\n");
		yval(&y, 4, "name", names.v[i]);
		if (*external.v[i])
			yraw(&y, 4, "external", "true");
	}
	if (s.network && !streq(s.network, "none") && !streq(s.network, "host") &&
	    !str_startswith(s.network, "container:")) {
		strbuf_addstr(out, "networks:\n  ");
		ystr(&y, s.network, false);
		strbuf_addstr(out, ":\n");
		yval(&y, 4, "name", s.network);
		yraw(&y, 4, "external", "true");
	}
	strv_release(&names);
	strv_release(&external);
	spec_release(&s);
	if (y.bad)
		return rl_error_set(err, RL_EUSAGE,
				    "a value is not valid UTF-8, which YAML cannot hold");
	return 0;
}
