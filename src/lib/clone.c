/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "clone.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "runline.h"

static char *fresh_volume(const char *prefix, struct strv *volumes)
{
	char *name = xasprintf("%s-%zu", prefix, volumes->n + 1);
	strv_add(volumes, name);
	return name;
}

/* "/host:/path" stays a bind, made read-only; "name:/path" gets a fresh volume. */
static void protect_binds(json_t *binds, const char *prefix, struct strv *volumes)
{
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
			if (opts && *opts)
				strbuf_addf(&sb, ":%s", opts);
		}
		json_array_set_new(binds, i, json_string(sb.buf));
		strbuf_release(&sb);
	}
}

static void protect_mounts(json_t *mounts, const char *prefix, struct strv *volumes)
{
	size_t i;
	json_t *m;
	json_array_foreach (mounts, i, m) {
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *source = json_string_value(json_object_get(m, "Source"));
		if (streq(type, "bind")) {
			json_object_set_new(m, "ReadOnly", json_true());
		} else if (streq(type, "volume") && !str_empty(source)) {
			_cleanup_free_ char *name = fresh_volume(prefix, volumes);
			json_object_set_new(m, "Source", json_string(name));
		}
	}
}

/* Another container's volumes, read-only: "name" or "name:rw" becomes "name:ro". */
static void protect_volumes_from(json_t *from)
{
	size_t i;
	json_t *v;
	json_array_foreach (from, i, v) {
		const char *spec = json_string_value(v);
		if (!spec)
			continue;
		_cleanup_free_ char *ro = xasprintf("%.*s:ro", (int)strcspn(spec, ":"), spec);
		json_array_set_new(from, i, json_string(ro));
	}
}

int clone_create_body(json_t *container, json_t *image, const struct plan *p,
		      const char *label_value, const char *volume_prefix, const char *network,
		      struct strv *volumes, json_t **ret_body, struct rl_error *err)
{
	/* The plan's volumes go in under the plan's names and are renamed below with the rest. */
	_cleanup_free_ struct run_mount *mounts = plan_run_mounts(p);
	const struct run_changes ch = {
		.read_only = true,
		.mounts = mounts,
		.n_mounts = p->n_mounts,
		.drop_published_ports = true,
	};
	json_t *body = NULL;
	int r = runline_create_body(container, image, &ch, &body, err);
	if (r < 0)
		return r;

	/* The image by id: a tag may point elsewhere since the original was made. */
	const char *image_id = json_string_value(json_object_get(container, "Image"));
	if (!str_empty(image_id))
		json_object_set_new(body, "Image", json_string(image_id));
	json_t *labels = json_object_get(body, "Labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(body, "Labels", labels);
	}
	/* Compose would count the clone as one more container of its service. */
	const char *key;
	void *next;
	json_t *value;
	json_object_foreach_safe(labels, next, key, value)
	{
		if (str_startswith(key, "com.docker.compose."))
			json_object_del(labels, key);
	}
	json_object_set_new(labels, TRY_LABEL, json_string(label_value));

	json_t *host = json_object_get(body, "HostConfig");
	json_object_set_new(host, "RestartPolicy", json_pack("{s:s}", "Name", "no"));
	/* Its logs and state are read after it exits. */
	json_object_del(host, "AutoRemove");
	if (network)
		json_object_set_new(host, "NetworkMode", json_string(network));
	protect_binds(json_object_get(host, "Binds"), volume_prefix, volumes);
	protect_mounts(json_object_get(host, "Mounts"), volume_prefix, volumes);
	protect_volumes_from(json_object_get(host, "VolumesFrom"));
	*ret_body = body;
	return 0;
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
