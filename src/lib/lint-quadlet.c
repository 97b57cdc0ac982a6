/* SPDX-License-Identifier: MIT */
/*
 * Podman Quadlet .container units, read the way Quadlet's generator reads
 * them: systemd unit syntax, drop-ins merged in file-name order, then the
 * [Container] keys turned into `podman run` flags. Only the keys that decide
 * whether the root filesystem is read-only, and what stays writable, are
 * looked at; everything else is left to Quadlet.
 */
#define _GNU_SOURCE
#include "lint.h"

#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Unit files are a few hundred bytes; anything near this is not one. */
#define QUADLET_MAX_FILE (4u << 20)
#define QUADLET_MAX_DROPINS 256

/* One Key=Value line of a [Container] section, after line continuation. */
struct entry {
	char *key;
	char *value;
	size_t file; /* index into unit.files */
	int line;    /* where the key is (the first line of a continued one) */
};

struct unit {
	struct entry *v;
	size_t n, alloc;
	struct strv files;  /* the main file first, then drop-ins as applied */
	int container_line; /* first [Container] header of the main file, 0 if none */
	bool has_container; /* in the main file or any drop-in */
};

static void unit_release(struct unit *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].key);
		free(u->v[i].value);
	}
	free(u->v);
	strv_release(&u->files);
	memset(u, 0, sizeof(*u));
}

static void unit_add(struct unit *u, const char *key, size_t key_len, const char *value, int line)
{
	if (u->n == u->alloc) {
		u->alloc = u->alloc ? u->alloc * 2 : 16;
		u->v = xrealloc(u->v, u->alloc * sizeof(*u->v));
	}
	struct entry *e = &u->v[u->n++];
	e->key = xstrndup(key, key_len);
	e->value = xstrdup(value);
	e->file = u->files.n - 1;
	e->line = line;
}

/* What Go's strings.TrimSpace removes, in ASCII. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
}

/* Parser state carried from line to line of one file. */
struct file_parse {
	struct unit *u;
	const char *file;
	bool is_main;
	bool in_group;
	bool in_container;
};

/* One logical line, already trimmed, not a comment. */
static int parse_line(struct file_parse *fp, char *line, int lineno, struct rl_error *err)
{
	if (line[0] == '[') {
		char *end = strchr(line, ']');
		bool header = end != NULL;
		for (const char *p = end ? end + 1 : NULL; header && *p; p++)
			if (*p != ' ' && *p != '\t')
				header = false;
		if (header) {
			*end = '\0';
			const char *name = line + 1;
			bool valid = *name != '\0';
			for (const char *p = name; valid && *p; p++)
				if (*p == '[' || (unsigned char)*p < 0x20 || *p == 0x7f)
					valid = false;
			if (!valid)
				return rl_error_set(err, RL_EPARSE, "%s:%d: invalid section name",
						    fp->file, lineno);
			fp->in_group = true;
			fp->in_container = streq(name, "Container");
			if (fp->in_container) {
				fp->u->has_container = true;
				if (fp->is_main && !fp->u->container_line)
					fp->u->container_line = lineno;
			}
			return 0;
		}
	}

	char *eq = strchr(line, '=');
	if (!eq || eq == line)
		return rl_error_set(err, RL_EPARSE,
				    "%s:%d: not a section header, a Key=Value line or a comment",
				    fp->file, lineno);
	if (!fp->in_group)
		return rl_error_set(err, RL_EPARSE, "%s:%d: Key=Value before any [Section]",
				    fp->file, lineno);
	if (!fp->in_container)
		return 0;
	size_t key_len = (size_t)(eq - line);
	while (key_len && is_space(line[key_len - 1]))
		key_len--;
	const char *value = eq + 1;
	while (is_space(*value))
		value++;
	unit_add(fp->u, line, key_len, value, lineno);
	return 0;
}

/*
 * Split text into lines as Quadlet does: each line trimmed; '#', ';' and
 * blank lines are comments; a trailing backslash joins the next line to this
 * one (the backslash dropped, nothing added), and comments between the parts
 * of a continued line are skipped.
 */
static int parse_text(struct unit *u, const char *file, bool is_main, const char *text, size_t len,
		      struct rl_error *err)
{
	struct file_parse fp = {.u = u, .file = file, .is_main = is_main};
	_cleanup_strbuf_ struct strbuf pending = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	int pending_line = 0;

	strv_add(&u->files, file);
	if (!text) {
		text = "";
		len = 0;
	}

	/* systemd skips a UTF-8 byte order mark. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	/* Like Go's strings.Split(TrimSuffix(data, "\n"), "\n"). */
	if (len && text[len - 1] == '\n')
		len--;

	size_t pos = 0;
	for (int lineno = 1;; lineno++) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		bool last = !nl;

		if (memchr(start, '\0', n))
			return rl_error_set(err, RL_EPARSE, "%s:%d: contains a NUL byte", file,
					    lineno);
		while (n && is_space(*start)) {
			start++;
			n--;
		}
		while (n && is_space(start[n - 1]))
			n--;

		if (n == 0 || *start == '#' || *start == ';') {
			/* A comment; inside a continued line Quadlet skips it. */
		} else if (start[n - 1] == '\\' && !last) {
			if (!pending.len)
				pending_line = lineno;
			strbuf_add(&pending, start, n - 1);
		} else {
			if (start[n - 1] == '\\')
				n--;
			strbuf_reset(&line);
			int at = lineno;
			if (pending.len) {
				strbuf_add(&line, pending.buf, pending.len);
				strbuf_reset(&pending);
				at = pending_line;
			}
			strbuf_add(&line, start, n);
			if (line.len) {
				int r = parse_line(&fp, line.buf, at, err);
				if (r < 0)
					return r;
			}
		}
		if (last)
			break;
		pos = (size_t)(nl - text) + 1;
	}
	/*
	 * A continuation still open here ended in comments up to the end of the
	 * file: Quadlet drops it, and so does this.
	 */
	return 0;
}

/* Quadlet's Lookup(): the last value, trailing space and one pair of "..." removed. */
static const struct entry *lookup_last(const struct unit *u, const char *key)
{
	for (size_t i = u->n; i > 0; i--)
		if (streq(u->v[i - 1].key, key))
			return &u->v[i - 1];
	return NULL;
}

static char *single_value(const struct entry *e)
{
	char *v = xstrdup(e->value);
	rtrim(v);
	size_t n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
	return v;
}

/* Where a list-valued key starts counting: after its last empty assignment. */
static size_t list_start(const struct unit *u, const char *key)
{
	size_t start = 0;
	for (size_t i = 0; i < u->n; i++)
		if (streq(u->v[i].key, key) && u->v[i].value[0] == '\0')
			start = i + 1;
	return start;
}

/*
 * Split into words the way systemd splits argument lists: whitespace
 * separates, '...' and "..." quote (also in the middle of a word), and a
 * backslash takes the next character literally (\n and \t excepted). Enough
 * to find flags; not a full C unescape.
 */
static void split_words(const char *s, struct strv *out)
{
	struct strbuf word = STRBUF_INIT;
	const char *p = s;
	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		char quote = 0;
		strbuf_reset(&word);
		for (; *p; p++) {
			char c = *p;
			if (!quote && is_space(c))
				break;
			if (quote && c == quote) {
				quote = 0;
			} else if (!quote && (c == '\'' || c == '"')) {
				quote = c;
			} else if (c == '\\' && p[1]) {
				p++;
				strbuf_addch(&word, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
			} else {
				strbuf_addch(&word, c);
			}
		}
		strv_add(out, strbuf_str(&word));
	}
	strbuf_release(&word);
}

/* Quadlet's LookupBoolean() reads anything but these four as false. */
static int parse_unit_bool(const char *v)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Go's strconv.ParseBool, which podman's flag parser uses. */
static int parse_go_bool(const char *v)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (streq(v, yes[i]))
			return 1;
		if (streq(v, no[i]))
			return 0;
	}
	return -1;
}

/* podman takes --cap-add lists too: "NET_ADMIN,SYS_ADMIN". */
static bool caps_have(const char *list, bool (*grants)(const char *))
{
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;
	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
		if (grants(c))
			return true;
	return false;
}

static bool caps_have_sys_admin(const char *list)
{
	return caps_have(list, cap_grants_sys_admin);
}

/* podman cleans mount destinations; trailing slashes are what matters here. */
static char *clean_target(const char *t)
{
	char *s = xstrdup(t);
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static bool has_mount_at(const struct workload *w, const char *target)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (streq(w->mounts[i].target, target))
			return true;
	return false;
}

/* Tmpfs=/--tmpfs "PATH[:OPTIONS]". */
static void add_tmpfs_spec(struct workload *w, const char *spec)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	if (!*copy)
		return;
	_cleanup_free_ char *target = clean_target(copy);
	/*
	 * podman's own default is exec: it adds noexec only when asked
	 * (pkg/util ProcessOptions), whatever its man page says. A leading
	 * "exec" gives that default to mount_parse_tmpfs_options, where the
	 * last of exec/noexec wins.
	 */
	_cleanup_free_ char *opts = xasprintf("exec%s%s", colon ? "," : "", colon ? colon + 1 : "");
	struct mount m = {.kind = MOUNT_TMPFS, .target = target};
	mount_parse_tmpfs_options(&m, opts);
	workload_add_mount(w, &m);
}

/* A Volume= source is a host path when it looks like one, else a volume name. */
static bool source_is_path(const char *s)
{
	/* systemd specifiers that expand to directories: %h, %t, %S, %C, %L, %E, %T, %V */
	if (s[0] == '%' && s[1] && strchr("htSCLETV", s[1]))
		return true;
	return s[0] == '.' || strchr(s, '/') != NULL;
}

/* Volume=/-v "SOURCE:DEST[:OPTIONS]" or just "DEST". */
static void add_volume_spec(struct workload *w, const char *spec)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *parts[3] = {copy, NULL, NULL};
	for (int i = 0; i < 2; i++) {
		char *c = parts[i] ? strchr(parts[i], ':') : NULL;
		if (c) {
			*c = '\0';
			parts[i + 1] = c + 1;
		}
	}
	const char *source = parts[1] ? parts[0] : "";
	const char *dest = parts[1] ? parts[1] : parts[0];
	if (!*dest)
		return;
	_cleanup_free_ char *target = clean_target(dest);
	struct mount m = {.target = target, .writable = true};
	if (!*source) {
		m.kind = MOUNT_ANONYMOUS;
	} else {
		m.kind = source_is_path(source) ? MOUNT_BIND : MOUNT_VOLUME;
		m.source = (char *)source;
	}
	if (parts[2]) {
		char *save = NULL;
		for (char *o = strtok_r(parts[2], ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (streq(o, "ro"))
				m.writable = false;
			else if (streq(o, "rw"))
				m.writable = true;
		}
	}
	workload_add_mount(w, &m);
}

/* Mount=/--mount "type=...,source=...,destination=...,ro". */
static void add_mount_spec(struct workload *w, const char *spec)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	const char *type = "volume", *source = NULL, *dest = NULL;
	int ro = -1;
	bool exec = true; /* podman's tmpfs default, as for Tmpfs= */
	long long size = 0;
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *val = strchr(o, '=');
		if (val)
			*val++ = '\0';
		if (streq(o, "type") && val) {
			type = val;
		} else if ((streq(o, "source") || streq(o, "src")) && val) {
			source = val;
		} else if ((streq(o, "destination") || streq(o, "dst") || streq(o, "dest") ||
			    streq(o, "target")) &&
			   val) {
			dest = val;
		} else if (streq(o, "ro") || streq(o, "readonly") || streq(o, "rw") ||
			   streq(o, "readwrite")) {
			/* podman: ro, ro=true and rw=false mean read-only. */
			bool says_ro = streq(o, "ro") || streq(o, "readonly");
			int b = val ? parse_unit_bool(val) : 1;
			if (b == 1)
				ro = says_ro;
			else if (b == 0)
				ro = !says_ro;
		} else if (streq(o, "exec")) {
			exec = true;
		} else if (streq(o, "noexec")) {
			exec = false;
		} else if (streq(o, "tmpfs-size") && val) {
			long long sz = parse_size(val);
			if (sz >= 0)
				size = sz;
		}
	}
	if (str_empty(dest))
		return;
	_cleanup_free_ char *target = clean_target(dest);
	struct mount m = {.target = target, .writable = ro != 1};
	if (streq(type, "tmpfs") || streq(type, "ramfs")) {
		m.kind = MOUNT_TMPFS;
		m.exec = exec;
		m.size_bytes = size;
	} else if (streq(type, "bind") || streq(type, "glob")) {
		m.kind = MOUNT_BIND;
		m.source = (char *)source;
	} else if (streq(type, "volume")) {
		m.kind = str_empty(source) ? MOUNT_ANONYMOUS : MOUNT_VOLUME;
		m.source = str_empty(source) ? NULL : (char *)source;
	} else {
		/* image and artifact mounts are read-only unless rw=true asks otherwise. */
		m.kind = MOUNT_OTHER;
		m.source = (char *)source;
		if (streq(type, "image") || streq(type, "artifact"))
			m.writable = ro == 0;
	}
	workload_add_mount(w, &m);
}

/* Label= and --label: the last assignment of rootlock.exempt wins. */
static void apply_label(struct workload *w, const char *kv)
{
	static const char key[] = "rootlock.exempt";
	size_t n = strlen(key);
	if (strncmp(kv, key, n) != 0 || (kv[n] != '=' && kv[n] != '\0'))
		return;
	w->has_exempt_label = true;
	free(w->exempt_reason);
	w->exempt_reason = xstrdup(kv[n] ? kv + n + 1 : "");
}

/* What PodmanArgs= says; it comes last on podman's command line, so it wins. */
struct podman_args {
	int readonly;	    /* -1 when not given */
	int readonly_tmpfs; /* -1 when not given */
	const struct entry *readonly_at;
	bool privileged;
	struct workload extra; /* mounts, labels and the like, applied after the keys */
};

/* "--opt" or "--opt=value"; *value is NULL for the first. */
static bool long_opt(const char *arg, const char *opt, const char **value)
{
	size_t n = strlen(opt);
	if (strncmp(arg, opt, n) != 0)
		return false;
	if (arg[n] == '\0') {
		*value = NULL;
		return true;
	}
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return true;
	}
	return false;
}

/* "-v", "-vVALUE" or "-v=VALUE". */
static bool short_opt(const char *arg, char opt, const char **value)
{
	if (arg[0] != '-' || arg[1] != opt)
		return false;
	*value = arg[2] == '\0' ? NULL : arg[2] == '=' ? arg + 3 : arg + 2;
	return true;
}

static void podman_args_apply(struct podman_args *pa, const struct entry *e)
{
	struct strv args = STRV_INIT;
	split_words(e->value, &args);
	for (size_t i = 0; i < args.n; i++) {
		const char *a = args.v[i], *v;
		/* Options that take a value take the next word when it has no "=". */
		const char *next = i + 1 < args.n ? args.v[i + 1] : NULL;
		if (streq(a, "--"))
			break;
		if (long_opt(a, "--read-only", &v)) {
			pa->readonly = v ? parse_go_bool(v) : 1;
			pa->readonly_at = e;
			if (pa->readonly < 0) {
				strv_addf(&pa->extra.notes,
					  "PodmanArgs=--read-only=%.64s is not a boolean: podman "
					  "refuses to start the container",
					  v);
				pa->readonly = 0;
			}
		} else if (long_opt(a, "--read-only-tmpfs", &v)) {
			pa->readonly_tmpfs = v ? parse_go_bool(v) != 0 : 1;
		} else if (long_opt(a, "--privileged", &v)) {
			pa->privileged = v ? parse_go_bool(v) == 1 : true;
		} else if (long_opt(a, "--cap-add", &v)) {
			if (!v && next)
				v = args.v[++i];
			if (v && caps_have_sys_admin(v))
				pa->extra.cap_sys_admin = true;
			if (v && caps_have(v, cap_grants_sys_ptrace))
				pa->extra.cap_sys_ptrace = true;
		} else if (long_opt(a, "--pid", &v)) {
			if (!v && next)
				v = args.v[++i];
			/* The last one wins, as on podman's command line. */
			if (v)
				pa->extra.pid_host = streq(v, "host");
		} else if (long_opt(a, "--security-opt", &v)) {
			if (!v && next)
				v = args.v[++i];
			if (v && security_opt_unconfined(v, "apparmor"))
				pa->extra.apparmor_unconfined = true;
			if (v && security_opt_unconfined(v, "seccomp"))
				pa->extra.seccomp_unconfined = true;
		} else if (long_opt(a, "--tmpfs", &v)) {
			if (!v && next)
				v = args.v[++i];
			if (v)
				add_tmpfs_spec(&pa->extra, v);
		} else if (long_opt(a, "--volume", &v) || short_opt(a, 'v', &v)) {
			if (!v && next)
				v = args.v[++i];
			if (v)
				add_volume_spec(&pa->extra, v);
		} else if (long_opt(a, "--mount", &v)) {
			if (!v && next)
				v = args.v[++i];
			if (v)
				add_mount_spec(&pa->extra, v);
		} else if (long_opt(a, "--label", &v) || short_opt(a, 'l', &v)) {
			if (!v && next)
				v = args.v[++i];
			if (v)
				apply_label(&pa->extra, v);
		}
	}
	strv_release(&args);
}

/* Quadlet's default container name: systemd-%N, or systemd-%p_%i for a template. */
static char *default_name(const char *base)
{
	const char *at = strchr(base, '@');
	if (at)
		return xasprintf("systemd-%.*s_%s", (int)(at - base), base, at + 1);
	return xasprintf("systemd-%s", base);
}

/* ContainerName= with %N, the one specifier Quadlet itself resolves. */
static char *expand_name(const char *name, const char *base)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = name; *p; p++) {
		if (p[0] == '%' && p[1] == 'N') {
			strbuf_addstr(&sb, base);
			p++;
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	return strbuf_detach(&sb);
}

static const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The values of a list-valued key in order, as Quadlet's LookupAll() has them. */
static const struct entry *next_value(const struct unit *u, const char *key, size_t *i)
{
	for (; *i < u->n; (*i)++) {
		const struct entry *e = &u->v[*i];
		if (streq(e->key, key) && e->value[0]) {
			(*i)++;
			return e;
		}
	}
	return NULL;
}

/* What decides the root filesystem, and where: ReadOnly=, then PodmanArgs. */
struct readonly_decision {
	bool key;		/* ReadOnly= alone, which VolatileTmp= looks at */
	bool tmpfs;		/* podman's --read-only-tmpfs */
	const struct entry *at; /* NULL when nothing set it */
};

static void decide_readonly(const struct unit *u, const struct podman_args *pa, struct workload *w,
			    struct readonly_decision *d)
{
	const struct entry *e;

	/* ReadOnly=: the last one counts, and only the four spellings of true. */
	if ((e = lookup_last(u, "ReadOnly"))) {
		_cleanup_free_ char *v = single_value(e);
		int b = *v ? parse_unit_bool(v) : 0;
		d->key = b == 1;
		d->at = e;
		if (b < 0 && pa->readonly < 0)
			strv_addf(&w->notes,
				  "ReadOnly=%.64s is not a boolean (Quadlet reads it as false)", v);
	}
	w->readonly_rootfs = d->key;
	if (pa->readonly >= 0) {
		w->readonly_rootfs = pa->readonly == 1;
		d->at = pa->readonly_at;
	}

	d->tmpfs = true;
	if ((e = lookup_last(u, "ReadOnlyTmpfs"))) {
		_cleanup_free_ char *v = single_value(e);
		int b = *v ? parse_unit_bool(v) : 0;
		d->tmpfs = b == 1;
		if (b < 0 && w->readonly_rootfs && pa->readonly_tmpfs < 0)
			strv_addf(
				&w->notes,
				"ReadOnlyTmpfs=%.64s is not a boolean (Quadlet reads it as false)",
				v);
	}
	if (pa->readonly_tmpfs >= 0)
		d->tmpfs = pa->readonly_tmpfs == 1;

	for (size_t i = 0; i < u->n; i++) {
		if (strcasecmp(u->v[i].key, "ReadOnly") == 0 && !streq(u->v[i].key, "ReadOnly")) {
			strv_addf(&w->notes,
				  "%.64s= is not ReadOnly=: Quadlet keys are case-sensitive",
				  u->v[i].key);
			break;
		}
	}
}

/* What can undo a read-only root from inside, and the exemption label. */
static void read_privileges(const struct unit *u, struct podman_args *pa, struct workload *w)
{
	const struct entry *e;
	size_t i;

	w->privileged = pa->privileged;
	i = list_start(u, "AddCapability");
	while ((e = next_value(u, "AddCapability", &i))) {
		struct strv caps = STRV_INIT;
		split_words(e->value, &caps);
		for (size_t k = 0; k < caps.n; k++)
			if (caps_have_sys_admin(caps.v[k]))
				w->cap_sys_admin = true;
		for (size_t k = 0; k < caps.n; k++)
			if (caps_have(caps.v[k], cap_grants_sys_ptrace))
				w->cap_sys_ptrace = true;
		strv_release(&caps);
	}
	w->cap_sys_admin |= pa->extra.cap_sys_admin;
	w->cap_sys_ptrace |= pa->extra.cap_sys_ptrace;
	w->pid_host = pa->extra.pid_host;

	if ((e = lookup_last(u, "SeccompProfile"))) {
		_cleanup_free_ char *v = single_value(e);
		w->seccomp_unconfined = streq(v, "unconfined");
	}
	w->seccomp_unconfined |= pa->extra.seccomp_unconfined;
	w->apparmor_unconfined = pa->extra.apparmor_unconfined;

	i = list_start(u, "Label");
	while ((e = next_value(u, "Label", &i))) {
		struct strv kvs = STRV_INIT;
		split_words(e->value, &kvs);
		for (size_t k = 0; k < kvs.n; k++)
			apply_label(w, kvs.v[k]);
		strv_release(&kvs);
	}
	if (pa->extra.has_exempt_label) {
		w->has_exempt_label = true;
		free(w->exempt_reason);
		w->exempt_reason = steal_pointer(&pa->extra.exempt_reason);
	}
}

/* Mounts in the order Quadlet puts them on the command line, then podman's own. */
static void read_mounts(const struct unit *u, const struct podman_args *pa,
			const struct readonly_decision *d, struct workload *w)
{
	const struct entry *e;
	size_t i;

	i = list_start(u, "Tmpfs");
	while ((e = next_value(u, "Tmpfs", &i))) {
		_cleanup_free_ char *v = xstrdup(e->value);
		rtrim(v);
		add_tmpfs_spec(w, v);
	}
	/* Quadlet looks at ReadOnly= alone here, not at PodmanArgs. */
	if ((e = lookup_last(u, "VolatileTmp")) && !d->key) {
		_cleanup_free_ char *v = single_value(e);
		if (parse_unit_bool(v) == 1)
			add_tmpfs_spec(w, "/tmp:rw,size=512M,mode=1777");
	}
	i = list_start(u, "Volume");
	while ((e = next_value(u, "Volume", &i))) {
		_cleanup_free_ char *v = xstrdup(e->value);
		rtrim(v);
		add_volume_spec(w, v);
	}
	i = list_start(u, "Mount");
	while ((e = next_value(u, "Mount", &i))) {
		struct strv specs = STRV_INIT;
		split_words(e->value, &specs);
		for (size_t k = 0; k < specs.n; k++)
			add_mount_spec(w, specs.v[k]);
		strv_release(&specs);
	}
	for (i = 0; i < pa->extra.n_mounts; i++)
		workload_add_mount(w, &pa->extra.mounts[i]);

	/*
	 * podman --read-only-tmpfs (the default) mounts a tmpfs where the user
	 * mounted nothing: /tmp and /var/tmp noexec, /run not (podman 4 and
	 * later, pkg/specgen/generate addReadWriteTmpfsMounts).
	 */
	if (!w->readonly_rootfs || !d->tmpfs)
		return;
	static const char *const dirs[] = {"/tmp", "/var/tmp", "/run"};
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (has_mount_at(w, dirs[i]))
			continue;
		struct mount m = {.kind = MOUNT_TMPFS,
				  .target = (char *)dirs[i],
				  .writable = true,
				  .exec = streq(dirs[i], "/run")};
		workload_add_mount(w, &m);
	}
}

/* Turn the merged [Container] keys into one workload, as `podman run` would see them. */
static void unit_to_workload(const struct unit *u, const char *path, struct workload *w)
{
	const char *unit_name = path_basename(path);
	const char *dot = strrchr(unit_name, '.');
	size_t base_len = dot && dot != unit_name ? (size_t)(dot - unit_name) : strlen(unit_name);
	_cleanup_free_ char *base = xstrndup(unit_name, base_len);
	const struct entry *e;

	workload_init(w);
	if ((e = lookup_last(u, "ContainerName"))) {
		_cleanup_free_ char *v = single_value(e);
		if (*v)
			w->name = expand_name(v, base);
	}
	if (!w->name)
		w->name = default_name(base);
	if ((e = lookup_last(u, "Image"))) {
		_cleanup_free_ char *v = single_value(e);
		if (*v)
			w->image = steal_pointer(&v);
	}

	struct podman_args pa = {.readonly = -1, .readonly_tmpfs = -1};
	size_t i = list_start(u, "PodmanArgs");
	while ((e = next_value(u, "PodmanArgs", &i)))
		podman_args_apply(&pa, e);

	struct readonly_decision d = {0};
	decide_readonly(u, &pa, w, &d);
	read_privileges(u, &pa, w);
	read_mounts(u, &pa, &d, w);

	if (!u->has_container)
		strv_add(&w->notes, "there is no [Container] section: Quadlet will not run this");
	for (i = 0; i < pa.extra.notes.n; i++)
		strv_add(&w->notes, pa.extra.notes.v[i]);
	workload_release(&pa.extra);

	if (d.at)
		origin_set(&w->origin, u->files.v[d.at->file], d.at->line, 1, "quadlet", unit_name,
			   unit_name);
	else
		origin_set(&w->origin, u->files.v[0], u->container_line ? u->container_line : 1, 1,
			   "quadlet", unit_name, unit_name);
}

struct dropin {
	char *name;
	char *path;
};

static int dropin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

static bool has_conf_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && streq(dot, ".conf");
}

/*
 * The directories Quadlet searches for drop-ins of a unit, most specific
 * first (a file name found there hides the same name further down):
 * NAME.container.d, then for foo@bar.container foo@.container.d, then for
 * a-b-c.container a-b-.container.d and a-.container.d, then container.d.
 */
static void dropin_dirs(const char *path, struct strv *dirs)
{
	const char *file = path_basename(path);
	size_t dir_len = (size_t)(file - path);
	const char *dot = strrchr(file, '.');
	const char *ext = dot && dot != file ? dot : "";
	_cleanup_free_ char *stem = xstrndup(file, *ext ? (size_t)(ext - file) : strlen(file));
	char *at = strchr(stem, '@');
	bool is_template = at != NULL;
	bool has_instance = at && at[1];
	if (at)
		*at = '\0';

	strv_addf(dirs, "%.*s%s.d", (int)dir_len, path, file);
	if (has_instance)
		strv_addf(dirs, "%.*s%s@%s.d", (int)dir_len, path, stem, ext);
	for (char *dash = strrchr(stem, '-'); dash; dash = strrchr(stem, '-')) {
		dash[1] = '\0';
		if (is_template)
			strv_addf(dirs, "%.*s%s@%s.d", (int)dir_len, path, stem, ext);
		strv_addf(dirs, "%.*s%s%s.d", (int)dir_len, path, stem, ext);
		*dash = '\0';
	}
	if (*ext)
		strv_addf(dirs, "%.*s%s.d", (int)dir_len, path, ext + 1);
}

static void dropins_release(struct dropin *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

/* The drop-in files of a unit, in the order Quadlet applies them. */
static int find_dropins(const char *path, struct dropin **ret, size_t *n_ret, struct rl_error *err)
{
	_cleanup_strv_ struct strv dirs = STRV_INIT;
	struct dropin *v = NULL;
	size_t n = 0;
	int r = 0;

	dropin_dirs(path, &dirs);
	for (size_t d = 0; d < dirs.n && r == 0; d++) {
		DIR *dir = opendir(dirs.v[d]);
		if (!dir) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			r = rl_error_set(err, RL_EIO, "cannot read directory '%s': %s", dirs.v[d],
					 strerror(errno));
			break;
		}
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (!has_conf_ext(de->d_name))
				continue;
			bool seen = false;
			for (size_t i = 0; i < n && !seen; i++)
				seen = streq(v[i].name, de->d_name);
			if (seen)
				continue;
			_cleanup_free_ char *p = xasprintf("%s/%s", dirs.v[d], de->d_name);
			struct stat st;
			/* Follows a symlink to a file; skips directories, loops, the rest. */
			if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			if (n == QUADLET_MAX_DROPINS) {
				r = rl_error_set(err, RL_EIO,
						 "%s: more than %d drop-in files; refusing to read "
						 "them all",
						 path, QUADLET_MAX_DROPINS);
				break;
			}
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n].name = xstrdup(de->d_name);
			v[n].path = steal_pointer(&p);
			n++;
		}
		closedir(dir);
	}
	if (r < 0) {
		dropins_release(v, n);
		return r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), dropin_cmp);
	*ret = v;
	*n_ret = n;
	return 0;
}

/*
 * One unit from memory, without drop-ins: what the fuzzer drives. Not in
 * lint.h because only the fuzz target needs it; it declares it itself.
 */
int quadlet_lint_text(const char *path, const char *text, size_t len, struct lint_results *out,
		      struct rl_error *err);

int quadlet_lint_text(const char *path, const char *text, size_t len, struct lint_results *out,
		      struct rl_error *err)
{
	struct unit u = {0};
	int r = parse_text(&u, path, true, text, len, err);
	if (r == 0) {
		struct workload w;
		unit_to_workload(&u, path, &w);
		lint_add_workload(out, &w);
	}
	unit_release(&u);
	return r;
}

int quadlet_lint(const char *path, struct lint_results *out, struct rl_error *err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct unit u = {0};
	struct dropin *dropins = NULL;
	size_t n_dropins = 0;

	int r = read_file_limited(path, QUADLET_MAX_FILE, &sb, err);
	if (r < 0)
		return r;
	r = parse_text(&u, path, true, sb.buf, sb.len, err);
	/* Standard input has no directory to hold drop-ins. */
	if (r == 0 && !streq(path, "-"))
		r = find_dropins(path, &dropins, &n_dropins, err);
	for (size_t i = 0; i < n_dropins && r == 0; i++) {
		strbuf_reset(&sb);
		r = read_file_limited(dropins[i].path, QUADLET_MAX_FILE, &sb, err);
		if (r == 0)
			r = parse_text(&u, dropins[i].path, false, sb.buf, sb.len, err);
	}
	if (r == 0) {
		struct workload w;
		unit_to_workload(&u, path, &w);
		lint_add_workload(out, &w);
	}
	dropins_release(dropins, n_dropins);
	unit_release(&u);
	return r;
}

/*
 * The mounts a unit asks for itself (Tmpfs=, Volume=, Mount=, PodmanArgs=
 * --tmpfs/-v/--mount), without podman's automatic tmpfs mounts of a
 * read-only root or VolatileTmp='s /tmp (which Quadlet drops once
 * ReadOnly=true): what fix must not mount twice. w->readonly_rootfs says
 * whether the unit is read-only already; *podman_readonly is what PodmanArgs=
 * says about --read-only (-1: nothing), which wins over ReadOnly=. Declared
 * by fix-quadlet.c.
 */
int quadlet_unit_mounts(const char *path, const char *text, size_t len, struct workload *w,
			int *podman_readonly, struct rl_error *err);

int quadlet_unit_mounts(const char *path, const char *text, size_t len, struct workload *w,
			int *podman_readonly, struct rl_error *err)
{
	struct unit u = {0};
	int r = parse_text(&u, path, true, text, len, err);
	if (r == 0) {
		struct podman_args pa = {.readonly = -1, .readonly_tmpfs = -1};
		const struct entry *e;
		size_t i = list_start(&u, "PodmanArgs");
		while ((e = next_value(&u, "PodmanArgs", &i)))
			podman_args_apply(&pa, e);
		workload_init(w);
		struct readonly_decision d = {0};
		decide_readonly(&u, &pa, w, &d);
		bool readonly = w->readonly_rootfs;
		/* As if ReadOnly=true and read-write: only the unit's own mounts. */
		d.key = true;
		w->readonly_rootfs = false;
		read_mounts(&u, &pa, &d, w);
		w->readonly_rootfs = readonly;
		*podman_readonly = pa.readonly;
		workload_release(&pa.extra);
	}
	unit_release(&u);
	return r;
}
