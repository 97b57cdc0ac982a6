/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "clone.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static char *fresh_volume(const char *prefix, struct strv *volumes)
{
	char *name = xasprintf("%s-%zu", prefix, volumes->n + 1);
	strv_add(volumes, name);
	return name;
}

/* "/host:/path" stays a bind, made read-only; "name:/path" gets a fresh volume. */
static json_t *clone_binds(json_t *binds, const char *prefix, struct strv *volumes)
{
	json_t *out = json_array();
	size_t i;
	json_t *v;
	json_array_foreach (binds, i, v) {
		const char *spec = json_string_value(v);
		if (!spec)
			continue;
		_cleanup_free_ char *copy = xstrdup(spec);
		char *target = strchr(copy, ':');
		if (!target)
			continue;
		*target++ = '\0';
		char *opts = strchr(target, ':');
		if (opts)
			*opts++ = '\0';
		struct strbuf sb = STRBUF_INIT;
		if (copy[0] == '/') {
			strbuf_addf(&sb, "%s:%s:ro", copy, target);
			for (char *o = opts, *tok; o && (tok = strsep(&o, ","));)
				if (*tok && !streq(tok, "rw") && !streq(tok, "ro"))
					strbuf_addf(&sb, ",%s", tok);
		} else {
			_cleanup_free_ char *name = fresh_volume(prefix, volumes);
			strbuf_addf(&sb, "%s:%s", name, target);
		}
		json_array_append_new(out, json_string(sb.buf));
		strbuf_release(&sb);
	}
	return out;
}

static json_t *clone_mounts(json_t *mounts, const char *prefix, struct strv *volumes)
{
	json_t *out = json_array();
	size_t i;
	json_t *m;
	json_array_foreach (mounts, i, m) {
		json_t *copy = json_deep_copy(m);
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *source = json_string_value(json_object_get(m, "Source"));
		if (streq(type, "bind")) {
			json_object_set_new(copy, "ReadOnly", json_true());
		} else if (streq(type, "volume") && !str_empty(source)) {
			_cleanup_free_ char *name = fresh_volume(prefix, volumes);
			json_object_set_new(copy, "Source", json_string(name));
		}
		json_array_append_new(out, copy);
	}
	return out;
}

json_t *clone_create_body(json_t *container, const struct plan *p, const char *label_value,
			  const char *volume_prefix, const char *network, struct strv *volumes)
{
	json_t *body = json_deep_copy(json_object_get(container, "Config"));
	if (!json_is_object(body)) {
		json_decref(body);
		body = json_object();
	}
	/* The image by id: a tag may point elsewhere since the original was made. */
	json_object_set(body, "Image", json_object_get(container, "Image"));
	json_object_del(body, "Hostname");
	json_object_del(body, "Domainname");
	json_t *labels = json_object_get(body, "Labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(body, "Labels", labels);
	}
	json_object_set_new(labels, TRY_LABEL, json_string(label_value));

	json_t *host = json_deep_copy(json_object_get(container, "HostConfig"));
	if (!json_is_object(host)) {
		json_decref(host);
		host = json_object();
	}
	json_object_set_new(host, "ReadonlyRootfs", json_true());
	json_object_set_new(host, "PortBindings", json_object());
	json_object_set_new(host, "PublishAllPorts", json_false());
	json_object_set_new(host, "RestartPolicy", json_pack("{s:s}", "Name", "no"));
	json_object_set_new(host, "AutoRemove", json_false());
	json_object_set_new(host, "ContainerIDFile", json_string(""));
	if (network)
		json_object_set_new(host, "NetworkMode", json_string(network));
	json_object_set_new(host, "Binds",
			    clone_binds(json_object_get(host, "Binds"), volume_prefix, volumes));
	json_t *mounts = clone_mounts(json_object_get(host, "Mounts"), volume_prefix, volumes);
	json_t *tmpfs = json_object_get(host, "Tmpfs");
	if (!json_is_object(tmpfs)) {
		tmpfs = json_object();
		json_object_set_new(host, "Tmpfs", tmpfs);
	}
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct plan_mount *m = &p->mounts[i];
		if (m->type == PLAN_TMPFS) {
			json_object_set_new(tmpfs, m->target,
					    json_string(m->options ? m->options : ""));
		} else {
			_cleanup_free_ char *name = fresh_volume(volume_prefix, volumes);
			json_array_append_new(mounts,
					      json_pack("{s:s, s:s, s:s}", "Type", "volume",
							"Source", name, "Target", m->target));
		}
	}
	json_object_set_new(host, "Mounts", mounts);
	json_object_set_new(body, "HostConfig", host);
	return body;
}

void logs_demux(const char *data, size_t len, bool tty, struct strbuf *out)
{
	if (tty) {
		strbuf_add(out, data, len);
		return;
	}
	const unsigned char *p = (const unsigned char *)data;
	while (len > 0) {
		if (p[0] > 2 || (len > 1 && p[1]) || (len > 2 && p[2]) || (len > 3 && p[3])) {
			/* Not a frame header: the stream is raw after all. */
			strbuf_add(out, p, len);
			return;
		}
		if (len < 8)
			return; /* a header cut off */
		size_t size = (size_t)p[4] << 24 | (size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7];
		p += 8;
		len -= 8;
		if (size > len)
			size = len;
		strbuf_add(out, p, size);
		p += size;
		len -= size;
	}
}

/* Does line hold needle (case-insensitive) where a word starts? */
static bool says(const char *line, size_t len, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t k = 0; k + nl <= len; k++) {
		if (k > 0 && (isalnum((unsigned char)line[k - 1]) || line[k - 1] == '/' ||
			      line[k - 1] == '_'))
			continue;
		if (strncasecmp(line + k, needle, nl) == 0)
			return true;
	}
	return false;
}

static bool says_any(const char *line, size_t len, const char *const *needles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (says(line, len, needles[i]))
			return true;
	return false;
}

/*
 * What a line says went wrong, from the messages of libc (strerror), Python
 * ("[Errno 13]"), Node ("EACCES"), nginx ("(2: No such file or directory)"),
 * busybox ("nonexistent directory") and the dynamic loader; -1 for nothing.
 */
static int line_kind(const char *line, size_t len)
{
	static const char *const read_only[] = {"read-only file system", "erofs", "[errno 30]"};
	static const char *const noexec[] = {"failed to map segment"};
	static const char *const denied[] = {"permission denied", "eacces", "[errno 13]"};
	/* "exec", "execve", "cannot execute": a word that starts with exec. */
	static const char *const exec_words[] = {"exec"};
	static const char *const missing[] = {"no such file or directory", "enoent",
					      "nonexistent directory", "[errno 2]"};
	if (says_any(line, len, read_only, ARRAY_SIZE(read_only)))
		return EVIDENCE_READ_ONLY;
	if (says_any(line, len, noexec, ARRAY_SIZE(noexec)))
		return EVIDENCE_NOEXEC;
	if (says_any(line, len, denied, ARRAY_SIZE(denied)))
		return says_any(line, len, exec_words, ARRAY_SIZE(exec_words)) ? EVIDENCE_NOEXEC
									       : EVIDENCE_DENIED;
	if (says_any(line, len, missing, ARRAY_SIZE(missing)))
		return EVIDENCE_MISSING;
	return -1;
}

void logs_find_evidence(const char *text, struct strv *lines, struct plan_evidence_list *found)
{
	for (const char *line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		size_t len = (size_t)(end - line);
		int kind = line_kind(line, len);
		bool named = false;
		for (size_t k = 0; kind >= 0 && k < len; k++) {
			/* A path starts a word ("https://x/y" holds none). */
			if (line[k] != '/' || (k > 0 && !strchr(" \t'\"`(=[<{", line[k - 1])))
				continue;
			size_t e = k;
			while (e < len && !strchr(" \t'\"`:,;()[]<>{}", line[e]))
				e++;
			while (e > k + 1 && (line[e - 1] == '.' || line[e - 1] == '/'))
				e--;
			if (e > k + 1) {
				_cleanup_free_ char *path = xstrndup(line + k, e - k);
				plan_evidence_add(found, path, (enum plan_evidence_kind)kind);
				named = true;
			}
			k = e;
		}
		/* Other failures are ordinary in logs: only those at a path count. */
		if (kind == EVIDENCE_READ_ONLY || named)
			strv_push(lines, xstrndup(line, len > 500 ? 500 : len));
		line = *end ? end + 1 : end;
	}
}
