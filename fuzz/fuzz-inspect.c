/* SPDX-License-Identifier: MIT */
/*
 * Engine JSON in, every output out: an inspect answer from a hostile or
 * broken engine must never crash the parser, the rule or a reporter.
 */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "inspect.h"
#include "report.h"
#include "rule.h"
#include "term.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct exemptions exemptions;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char config[] =
		"{\"exempt\": [{\"name\": \"*legacy*\", \"reason\": \"fuzz\"},"
		" {\"image\": \"vendor/*\", \"id\": \"a\", \"reason\": \"r\"}]}";
	struct rl_error err = {0};
	if (config_parse(config, strlen(config), "fuzz.json", &exemptions, &err) < 0)
		abort();
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

static void run_reporter(const struct reporter *rep, const struct workload *w,
			 const struct judgement *j, bool strict)
{
	struct report r = {
		.out = devnull,
		.color = strict,
		.strict = strict,
		.command = "audit",
		.source = "unix:///var/run/docker.sock",
	};
	struct report_summary s = {.total = 1};
	s.counts[j->verdict]++;
	rep->begin(&r);
	rep->result(&r, w, j);
	rep->end(&r, &s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	if (!root)
		return 0;
	struct workload w;
	struct rl_error err = {0};
	if (workload_from_inspect(root, &w, &err) < 0) {
		json_decref(root);
		return 0;
	}
	json_decref(root);

	struct judgement j;
	rule_judge(&w, (size & 1) ? &exemptions : NULL, &j);

	json_t *o = result_to_json(&w, &j);
	char *text = json_dumps(o, JSON_ENSURE_ASCII | JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* The JSON reporters must always produce JSON... */
	if (!text)
		abort();
	/* ...and the direct writer exactly what jansson writes. */
	struct strbuf direct = STRBUF_INIT;
	result_write_json(&direct, &w, &j);
	if (!streq(text, strbuf_str(&direct)))
		abort();
	strbuf_release(&direct);
	free(text);
	json_decref(o);

	struct strv lines = STRV_INIT;
	workload_describe_mounts(&w, &lines);
	strv_release(&lines);
	free(term_sanitize(w.name));

	static const char *const names[] = {"table", "json", "jsonl", "sarif", "junit", "csv"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		run_reporter(reporter_find(names[i]), &w, &j, (size & 2) != 0);

	judgement_release(&j);
	workload_release(&w);
	return 0;
}
