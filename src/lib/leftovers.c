/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "leftovers.h"

#include <string.h>
#include <time.h>

#include "clone.h"
#include "runline.h"

void leftovers_release(struct leftovers *l)
{
	free(l->label);
	l->label = NULL;
	strv_release(&l->containers);
	strv_release(&l->volumes);
	strv_release(&l->unsure);
}

static void strv_drop(struct strv *sv, size_t i)
{
	free(sv->v[i]);
	memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i - 1) * sizeof(*sv->v));
	sv->n--;
}

static bool strv_drop_value(struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (streq(sv->v[i], s)) {
			strv_drop(sv, i);
			return true;
		}
	return false;
}

/* Each request may take what is left of the time, but at least a second. */
static void limit_request(struct engine *e, long long deadline_ms)
{
	long long left = deadline_ms - now_ms();
	engine_set_timeout(e, left > 1000 ? (long)left : 1000);
}

/* Containers the engine has with this run's label, by name, added to l. */
static int find_labelled(struct leftovers *l, long long deadline_ms, struct rl_error *err)
{
	_cleanup_free_ char *label = xasprintf("%s=%s", TRY_LABEL, l->label);
	json_t *filters = json_pack("{s:[s]}", "label", label);
	_cleanup_free_ char *text = json_dumps(filters, JSON_COMPACT);
	json_decref(filters);
	_cleanup_free_ char *esc = url_escape(text);
	_cleanup_free_ char *path = xasprintf("/containers/json?all=1&filters=%s", esc);
	json_t *list = NULL;
	limit_request(l->engine, deadline_ms);
	int rc = engine_get_json(l->engine, path, &list, err);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		const char *name =
			json_string_value(json_array_get(json_object_get(c, "Names"), 0));
		if (name && name[0] == '/')
			name++;
		if (str_empty(name))
			name = json_string_value(json_object_get(c, "Id"));
		if (name && !strv_contains(&l->containers, name))
			strv_add(&l->containers, name);
	}
	json_decref(list);
	return 0;
}

/*
 * One pass over everything; err gets the last reason something stayed.
 * Whether another pass may do better: this one removed something, or a
 * request got no answer (the engine is busy, not gone).
 */
static bool remove_pass(struct leftovers *l, long long deadline_ms, struct rl_error *err)
{
	struct rl_error e = {0};
	bool removed = false, no_answer = false;
	if (find_labelled(l, deadline_ms, &e) < 0) {
		*err = e;
		no_answer = e.code == RL_ENOANSWER;
	}
	for (size_t i = 0; i < l->containers.n;) {
		const char *name = l->containers.v[i];
		/* v=1 takes the container's anonymous volumes with it. */
		_cleanup_free_ char *path = xasprintf("/containers/%s?force=1&v=1", name);
		limit_request(l->engine, deadline_ms);
		int rc = engine_call(l->engine, "DELETE", path, NULL, NULL, &e);
		bool unsure = strv_contains(&l->unsure, name);
		if (rc == 0 || (rc == RL_ENOTFOUND && !unsure)) {
			strv_drop_value(&l->unsure, name);
			strv_drop(&l->containers, i);
			removed = true;
			continue;
		}
		no_answer |= rc == RL_ENOANSWER;
		if (rc == RL_ENOTFOUND)
			rl_error_set(&e, RL_ENOANSWER,
				     "the engine did not answer the create of %s and has not made "
				     "it yet",
				     name);
		*err = e;
		i++;
	}
	/* A volume may come from an unsure create still: not gone until that is settled. */
	for (size_t i = 0; i < l->volumes.n;) {
		_cleanup_free_ char *path = xasprintf("/volumes/%s?force=1", l->volumes.v[i]);
		limit_request(l->engine, deadline_ms);
		int rc = engine_call(l->engine, "DELETE", path, NULL, NULL, &e);
		if (rc == 0 || (rc == RL_ENOTFOUND && !l->unsure.n)) {
			strv_drop(&l->volumes, i);
			removed = true;
			continue;
		}
		no_answer |= rc == RL_ENOANSWER;
		if (rc != RL_ENOTFOUND)
			*err = e;
		i++;
	}
	return removed || no_answer;
}

int leftovers_remove(struct leftovers *l, long long deadline_ms, const volatile sig_atomic_t *stop,
		     struct rl_error *err)
{
	long saved = engine_timeout_ms(l->engine);
	long pause = 100;
	struct rl_error last = {0};
	for (;;) {
		rl_error_clear(&last);
		bool hope = remove_pass(l, deadline_ms, &last);
		/* An unsure create is waited for; anything else while passes get somewhere. */
		if ((!l->containers.n && !l->volumes.n) || now_ms() >= deadline_ms ||
		    (stop && *stop) || (!hope && !l->unsure.n))
			break;
		struct timespec ts = {0, pause * 1000000L};
		nanosleep(&ts, NULL);
		if (pause < 1000)
			pause *= 2;
	}
	engine_set_timeout(l->engine, saved);
	if (!l->containers.n && !l->volumes.n)
		return 0;
	if (!last.code)
		rl_error_set(&last, RL_EENGINE, "the engine kept them");
	*err = last;
	return err->code;
}

/* "docker -H HOST WORDS... NAME" as one safe shell line. */
static void command_line(struct strbuf *out, const char *host, const char *const *words, size_t n,
			 const char *name)
{
	struct strv argv = STRV_INIT;
	strv_add(&argv, "docker");
	strv_add(&argv, "-H");
	strv_add(&argv, host);
	for (size_t i = 0; i < n; i++)
		strv_add(&argv, words[i]);
	strv_add(&argv, name);
	_cleanup_free_ char *line = shell_join(argv.v, argv.n);
	strbuf_addf(out, "%s\n", line ? line : "?");
	strv_release(&argv);
}

void leftovers_commands(const struct leftovers *l, const char *host, struct strbuf *out)
{
	static const char *const rm[] = {"rm", "--force", "--volumes"};
	static const char *const volume_rm[] = {"volume", "rm", "--force"};
	static const char *const ps[] = {"ps", "--all", "--filter"};
	for (size_t i = 0; i < l->containers.n; i++)
		command_line(out, host, rm, ARRAY_SIZE(rm), l->containers.v[i]);
	for (size_t i = 0; i < l->volumes.n; i++)
		command_line(out, host, volume_rm, ARRAY_SIZE(volume_rm), l->volumes.v[i]);
	_cleanup_free_ char *filter = xasprintf("label=%s=%s", TRY_LABEL, l->label);
	command_line(out, host, ps, ARRAY_SIZE(ps), filter);
}
