/* SPDX-License-Identifier: MIT */
/*
 * fix for Podman Quadlet .container units: ReadOnly=true, Tmpfs= and
 * Volume= lines in the [Container] section, every other byte kept. Lines
 * are split exactly as lint-quadlet.c (and Quadlet) split them, so a
 * continued line or a comment between its parts is never cut in two.
 */
#define _GNU_SOURCE
#include "fix.h"

#include "workload.h"

#include <string.h>

/* Defined in lint-quadlet.c: the mounts the unit asks for itself. */
int quadlet_unit_mounts(const char *path, const char *text, size_t len, struct workload *w,
			int *podman_readonly, struct rl_error *err);

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* What the scan of a unit found in its [Container] sections. */
struct unit_scan {
	bool has_container;
	/* Where new lines go: the end (after its line ending) of the last entry, or header. */
	size_t anchor_end;
	int anchor_line;
	/* 1 + offset of a backslash ending a header anchor at the end of the file. */
	size_t anchor_backslash;
	/* 1 + offset of the line new lines go before, when they cannot follow the anchor. */
	size_t anchor_before;
	bool anchor_resets; /* that line is "Tmpfs=" or "Volume=", which empties the list */
	/* The last ReadOnly= entry: the bytes to replace, and whether it is one line. */
	bool has_readonly;
	size_t ro_start, ro_value, ro_end;
	bool ro_single;
	int ro_line;
	const char *eol; /* the line ending new lines take */
};

/* A logical line: physical lines joined by trailing backslashes. */
struct logical {
	size_t first_start; /* first non-space byte of the first physical line */
	size_t content_end; /* after the last non-space byte of the last physical line */
	size_t line_end;    /* after the last physical line's '\n' (or the end) */
	bool single;	    /* one physical line */
	int line;	    /* number of the first physical line */
	int last_line;	    /* number of the last physical line */
	struct strbuf text; /* joined, as Quadlet reads it */
};

static const char *line_ending_at(const char *buf, size_t len, size_t line_end)
{
	if (line_end >= 2 && line_end <= len && buf[line_end - 1] == '\n' &&
	    buf[line_end - 2] == '\r')
		return "\r\n";
	if (line_end >= 1 && line_end <= len && buf[line_end - 1] == '\n')
		return "\n";
	const char *nl = memchr(buf, '\n', len);
	if (nl && nl > buf && nl[-1] == '\r')
		return "\r\n";
	return "\n";
}

/* Is the joined line a section header; *name set to its name (borrowed, not NUL-ended). */
static bool section_header(const char *s, size_t n, const char **name, size_t *name_len)
{
	if (!n || s[0] != '[')
		return false;
	const char *end = memchr(s, ']', n);
	if (!end)
		return false;
	for (const char *p = end + 1; p < s + n; p++)
		if (*p != ' ' && *p != '\t')
			return false;
	*name = s + 1;
	*name_len = (size_t)(end - s - 1);
	return true;
}

/*
 * The anchor is the line new lines follow. One that ends the file with a
 * backslash continues nothing, but would continue onto a line added after
 * it: a header loses that backslash (it still says [Container]); an entry
 * gets the new lines before it instead, which keeps its value as it is.
 */
static void set_anchor(struct unit_scan *sc, const char *buf, const struct logical *l, bool header,
		       bool resets_list)
{
	sc->has_container = true;
	sc->anchor_end = l->line_end;
	sc->anchor_line = l->last_line;
	sc->anchor_backslash = 0;
	sc->anchor_before = 0;
	sc->anchor_resets = false;
	if (buf[l->content_end - 1] != '\\')
		return;
	if (header) {
		sc->anchor_backslash = l->content_end;
		return;
	}
	size_t start = l->first_start;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	sc->anchor_before = start + 1;
	sc->anchor_line = l->line;
	sc->anchor_resets = resets_list;
}

static void scan_logical(struct unit_scan *sc, bool *in_container, const char *buf,
			 struct logical *l)
{
	const char *s = l->text.buf;
	size_t n = l->text.len;
	const char *name;
	size_t name_len;

	if (section_header(s, n, &name, &name_len)) {
		*in_container = name_len == 9 && memcmp(name, "Container", 9) == 0;
		if (*in_container)
			set_anchor(sc, buf, l, true, false);
		return;
	}
	if (!*in_container)
		return;

	const char *eq = memchr(s, '=', n);
	size_t key_len = eq ? (size_t)(eq - s) : 0;
	while (key_len && is_space(s[key_len - 1]))
		key_len--;
	const char *value = eq ? eq + 1 : s + n;
	while (value < s + n && is_space(*value))
		value++;
	bool list_key = (key_len == 5 && memcmp(s, "Tmpfs", 5) == 0) ||
			(key_len == 6 && memcmp(s, "Volume", 6) == 0);
	set_anchor(sc, buf, l, false, list_key && value == s + n);
	if (!eq)
		return;
	if (key_len != 8 || memcmp(s, "ReadOnly", 8) != 0)
		return;
	sc->has_readonly = true;
	sc->ro_single = l->single;
	sc->ro_start = l->first_start;
	sc->ro_end = l->content_end;
	sc->ro_line = l->line;
	if (l->single) {
		const char *v = memchr(buf + l->first_start, '=', l->content_end - l->first_start);
		size_t at = (size_t)(v - buf) + 1;
		while (at < l->content_end && is_space(buf[at]))
			at++;
		sc->ro_value = at;
	}
	/* A backslash that ended the file is not part of the value. */
	if (sc->ro_end > sc->ro_start && buf[sc->ro_end - 1] == '\\')
		sc->ro_end--;
}

/*
 * Walk the unit as lint-quadlet.c's parse_text() does (which has already
 * accepted it): trimmed physical lines, comments skipped, trailing
 * backslashes joining lines, an open continuation at the end dropped.
 */
static void scan_unit(const char *buf, size_t len, struct unit_scan *sc)
{
	struct logical l = {.text = STRBUF_INIT};
	bool pending = false, in_container = false;
	size_t pos = 0;

	memset(sc, 0, sizeof(*sc));
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	for (int lineno = 1; pos < len || lineno == 1; lineno++) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		size_t line_end = nl ? (size_t)(nl - buf) + 1 : len;
		bool last = !nl || line_end == len;
		size_t skip = 0;

		while (skip < n && is_space(start[skip]))
			skip++;
		while (n > skip && is_space(start[n - 1]))
			n--;
		const char *c = start + skip;
		size_t cn = n - skip;

		if (cn == 0 || *c == '#' || *c == ';') {
			/* a comment or blank line: skipped, even inside a continuation */
		} else if (c[cn - 1] == '\\' && !last) {
			if (!pending) {
				strbuf_reset(&l.text);
				l.first_start = (size_t)(c - buf);
				l.line = lineno;
				l.single = false;
				pending = true;
			}
			strbuf_add(&l.text, c, cn - 1);
		} else {
			if (!pending) {
				strbuf_reset(&l.text);
				l.first_start = (size_t)(c - buf);
				l.line = lineno;
				l.single = true;
			}
			pending = false;
			strbuf_add(&l.text, c, c[cn - 1] == '\\' ? cn - 1 : cn);
			l.content_end = (size_t)(c - buf) + cn;
			l.line_end = line_end;
			l.last_line = lineno;
			if (l.text.len)
				scan_logical(sc, &in_container, buf, &l);
		}
		pos = line_end;
		if (last)
			break;
	}
	sc->eol = line_ending_at(buf, len,
				 sc->anchor_before ? sc->anchor_before - 1 : sc->anchor_end);
	strbuf_release(&l.text);
}

static char *clean_target(const char *t)
{
	char *s = xstrdup(t);
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/*
 * Quadlet passes these values to podman through systemd, which expands %
 * specifiers and splits on spaces and quotes; ':' separates the fields. Paths
 * and options made of these characters need no quoting at all.
 */
static bool plain_value(const char *s, bool allow_slash)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || strchr("._-+,=@", c) != NULL ||
			  (allow_slash && c == '/');
		if (!ok)
			return false;
	}
	return true;
}

/* podman's volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
static bool volume_name_ok(const char *s)
{
	if (!s || !*s ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* "web" from ".../web.container" or "web@.container". */
static char *unit_stem(const char *filename)
{
	const char *base = strrchr(filename, '/');
	base = base ? base + 1 : filename;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		char c = base[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
		strbuf_addch(&sb, ok ? c : '-');
	}
	if (!sb.len || !volume_name_ok(sb.buf)) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "rootlock");
	}
	return strbuf_detach(&sb);
}

/* The plan's name for the volume, or STEM-PATH-OF-TARGET when it has none usable. */
static char *volume_name(const char *filename, const struct plan_mount *m, const char *target)
{
	if (volume_name_ok(m->volume))
		return xstrdup(m->volume);
	struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *stem = unit_stem(filename);
	strbuf_addstr(&sb, stem);
	for (const char *p = target; *p; p++) {
		if (*p == '/') {
			if (sb.buf[sb.len - 1] != '-')
				strbuf_addch(&sb, '-');
		} else {
			strbuf_addch(&sb,
				     *p == '+' || *p == ',' || *p == '=' || *p == '@' ? '_' : *p);
		}
	}
	while (sb.len > 1 && sb.buf[sb.len - 1] == '-')
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb);
}

static bool unit_mounts_target(const struct workload *w, const char *target)
{
	for (size_t i = 0; i < w->n_mounts; i++)
		if (streq(w->mounts[i].target, target))
			return true;
	return false;
}

/*
 * The lines the unit lacks ("ReadOnly=true" first when it is not read-only
 * and has no ReadOnly= line to change), and notes on what was left out.
 */
struct planned {
	struct strv lines;
	bool set_readonly; /* the unit is not read-only */
	size_t tmpfs, volumes;
};

static void plan_lines(const char *filename, const struct workload *w, const struct plan *plan,
		       struct planned *out, struct fix_edit *edit)
{
	struct strv seen = STRV_INIT;

	out->set_readonly = !w->readonly_rootfs;
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct plan_mount *m = &plan->mounts[i];
		if (!m->target || m->target[0] != '/')
			continue;
		_cleanup_free_ char *target = clean_target(m->target);
		if (strv_contains(&seen, target))
			continue;
		strv_add(&seen, target);
		if (unit_mounts_target(w, target)) {
			strv_addf(&edit->notes,
				  "%s: %s is mounted by the unit already; left as it is", filename,
				  target);
			continue;
		}
		if (!plain_value(target, true)) {
			strv_addf(&edit->notes,
				  "%s: %s cannot be written as a Quadlet value without quoting; "
				  "mount it by hand",
				  filename, target);
			continue;
		}
		if (m->type == PLAN_TMPFS) {
			if (str_empty(m->options)) {
				strv_addf(&out->lines, "Tmpfs=%s", target);
			} else if (plain_value(m->options, false)) {
				strv_addf(&out->lines, "Tmpfs=%s:%s", target, m->options);
			} else {
				strv_addf(&edit->notes,
					  "%s: the tmpfs options of %s cannot be written as a "
					  "Quadlet "
					  "value; mount it by hand",
					  filename, target);
				continue;
			}
			out->tmpfs++;
		} else {
			_cleanup_free_ char *name = volume_name(filename, m, target);
			strv_addf(&out->lines, "Volume=%s:%s", name, target);
			strv_addf(&edit->notes,
				  "%s: Volume=%s:%s names a podman volume, which podman creates on "
				  "first start; to manage it with Quadlet, write %s.volume and say "
				  "Volume=%s.volume:%s",
				  filename, name, target, name, name, target);
			out->volumes++;
		}
	}
	strv_release(&seen);
}

/* Read the unit, refuse what fix cannot make read-only. */
static int read_unit(const char *buf, size_t len, const char *filename, struct workload *w,
		     struct unit_scan *sc, struct rl_error *err)
{
	int podman_readonly = -1;
	int r = quadlet_unit_mounts(filename, buf, len, w, &podman_readonly, err);
	if (r < 0)
		return r;
	scan_unit(buf, len, sc);
	if (!sc->has_container) {
		workload_release(w);
		return rl_error_set(err, RL_EPARSE,
				    "%s: no [Container] section: not a Quadlet .container unit",
				    filename);
	}
	if (podman_readonly == 0) {
		workload_release(w);
		return rl_error_set(err, RL_EPARSE,
				    "%s: PodmanArgs= says --read-only=false, which wins over "
				    "ReadOnly=true: remove it first",
				    filename);
	}
	return 0;
}

static void edit_init(struct fix_edit *out)
{
	memset(out, 0, sizeof(*out));
}

/* One replacement in the text: del bytes at `at` give way to ins. */
struct splice {
	size_t at, del;
	struct strbuf ins;
	bool lines_before; /* new lines that go before what starts at `at` */
};

int fix_quadlet(const char *buf, size_t len, const char *filename, const struct plan *plan,
		struct fix_edit *out, struct rl_error *err)
{
	struct workload w;
	struct unit_scan sc;
	struct planned p = {.lines = STRV_INIT};
	struct splice sp[3] = {{0}};
	size_t n_sp = 0;

	edit_init(out);
	if (!buf)
		buf = "";
	int r = read_unit(buf, len, filename, &w, &sc, err);
	if (r < 0)
		return r;
	plan_lines(filename, &w, plan, &p, out);
	workload_release(&w);

	bool add_readonly = p.set_readonly;
	if (p.set_readonly && sc.has_readonly) {
		/* Change the value of the ReadOnly= line that counts (the last one). */
		size_t from = sc.ro_single ? sc.ro_value : sc.ro_start;
		struct splice *s = &sp[n_sp++];
		s->at = from;
		s->del = sc.ro_end - from;
		strbuf_addstr(&s->ins, sc.ro_single ? "true" : "ReadOnly=true");
		add_readonly = false;
		strv_addf(&out->notes, "%s:%d: ReadOnly=true, where it said otherwise", filename,
			  sc.ro_line);
		out->changes++;
	}

	size_t n_new = p.lines.n + (add_readonly ? 1 : 0);
	if (n_new && sc.anchor_before && sc.anchor_resets && p.lines.n) {
		/* Nothing handed back on an error: no text, no notes. */
		strv_release(&p.lines);
		strv_release(&out->notes);
		edit_init(out);
		for (size_t i = 0; i < n_sp; i++)
			strbuf_release(&sp[i].ins);
		return rl_error_set(
			err, RL_EPARSE,
			"%s:%d: the unit ends in an empty Tmpfs= or Volume= continued by "
			"a backslash; fix cannot add lines that it would not empty",
			filename, sc.anchor_line);
	}
	if (n_new) {
		struct splice *s = &sp[n_sp++];
		bool open_line = false;
		if (sc.anchor_before) {
			s->at = sc.anchor_before - 1;
			s->lines_before = true;
		} else if (sc.anchor_backslash) {
			/* The header's backslash joins nothing: it goes, and the new lines follow.
			 */
			struct splice *bs = s;
			bs->at = sc.anchor_backslash - 1;
			bs->del = 1;
			s = &sp[n_sp++];
			s->at = sc.anchor_end;
			open_line = buf[sc.anchor_end - 1] != '\n';
			strv_addf(&out->notes,
				  "%s:%d: the backslash that ended the file (it continued nothing) "
				  "is "
				  "gone, or it would join the new lines to that one",
				  filename, sc.anchor_line);
		} else {
			s->at = sc.anchor_end;
			open_line = buf[sc.anchor_end - 1] != '\n';
		}
		for (size_t i = 0; i < n_new; i++) {
			const char *line = add_readonly
						   ? (i == 0 ? "ReadOnly=true" : p.lines.v[i - 1])
						   : p.lines.v[i];
			/* At the end of a file without a final newline the new lines keep it that
			 * way. */
			if (open_line)
				strbuf_addstr(&s->ins, sc.eol);
			strbuf_addstr(&s->ins, line);
			if (!open_line)
				strbuf_addstr(&s->ins, sc.eol);
		}
		strv_addf(&out->notes,
			  "%s:%d: %s%zu tmpfs and %zu volume line(s) added to [Container] %s that "
			  "line",
			  filename, sc.anchor_line, add_readonly ? "ReadOnly=true, " : "", p.tmpfs,
			  p.volumes, sc.anchor_before ? "before" : "after");
		out->changes += n_new;
	}
	strv_release(&p.lines);

	/*
	 * Splices in order of place. A value change never overlaps the
	 * insertion, but may start where it goes: new lines that go before a
	 * continued ReadOnly= come first; a change to an empty ReadOnly= that
	 * ends the file comes before the lines added after it.
	 */
	for (size_t i = 1; i < n_sp; i++)
		for (size_t k = i; k > 0 && (sp[k].at < sp[k - 1].at ||
					     (sp[k].at == sp[k - 1].at && sp[k].lines_before));
		     k--) {
			struct splice t = sp[k];
			sp[k] = sp[k - 1];
			sp[k - 1] = t;
		}
	struct strbuf sb = STRBUF_INIT;
	size_t pos = 0;
	for (size_t i = 0; i < n_sp; i++) {
		strbuf_add(&sb, buf + pos, sp[i].at - pos);
		strbuf_add(&sb, sp[i].ins.buf ? sp[i].ins.buf : "", sp[i].ins.len);
		pos = sp[i].at + sp[i].del;
		strbuf_release(&sp[i].ins);
	}
	strbuf_add(&sb, buf + pos, len - pos);
	out->len = sb.len;
	out->text = sb.len ? strbuf_detach(&sb) : xstrdup("");
	strbuf_release(&sb);
	return 0;
}

int fix_quadlet_dropin(const char *unit, size_t unit_len, const char *filename,
		       const struct plan *plan, struct fix_edit *out, struct rl_error *err)
{
	struct workload w;
	struct unit_scan sc;
	struct planned p = {.lines = STRV_INIT};
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	edit_init(out);
	if (!unit)
		unit = "";
	int r = read_unit(unit, unit_len, filename, &w, &sc, err);
	if (r < 0)
		return r;
	plan_lines(filename, &w, plan, &p, out);
	workload_release(&w);

	size_t n_new = p.lines.n + (p.set_readonly ? 1 : 0);
	if (n_new) {
		strbuf_addf(&sb, "[Container]%s", sc.eol);
		if (p.set_readonly)
			strbuf_addf(&sb, "ReadOnly=true%s", sc.eol);
		for (size_t i = 0; i < p.lines.n; i++)
			strbuf_addf(&sb, "%s%s", p.lines.v[i], sc.eol);
		strv_addf(&out->notes,
			  "%s: a drop-in with %s%zu tmpfs and %zu volume line(s); drop-ins already "
			  "on disk were not read",
			  filename, p.set_readonly ? "ReadOnly=true, " : "", p.tmpfs, p.volumes);
		out->changes = n_new;
	}
	strv_release(&p.lines);
	out->len = sb.len;
	out->text = sb.len ? strbuf_detach(&sb) : xstrdup("");
	return 0;
}
