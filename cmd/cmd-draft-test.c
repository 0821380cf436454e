/* cmd-draft-test.c: setuplink draft test: try a draft's values against
 * the service, one line per check, the exit status saying how it went
 * (0 passed, 69 refused, 75 not reached in time, 65 not enough to try). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

static int	cmd_draft_test(struct session *, const struct args *, char **);

static const struct cmd_option cmd_draft_test_options[] = {
	{ "json", 0, NULL, 0, "an array of {check, ok, detail}" },
	{ "merged", 0, "LINK", 0, "as the intake's worker after a merge of "
	  "LINK: only a complete draft, and tell its recipient" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_draft_test_entry = {
	.name = "draft test",
	.args = { "ID", 1, 1, "name one draft id" },
	.options = cmd_draft_test_options,
	.help = "test the draft's credentials against the service",
	/* Durable as the intake is: the worker test_on_merge starts writes
	 * its result with one WAL sync and leaves the WAL for the next
	 * intake, rather than checkpointing it away at close. */
	.session = SESSION_ALL | SESSION_DURABLE,
	.exec = cmd_draft_test,
};

static void
print_checks(const struct probe_result *r, bool json)
{
	json_t *a;
	size_t i;
	char *d;

	if (json) {
		a = json_array();
		for (i = 0; i < r->nchecks; i++)
			json_array_append_new(a, json_pack("{s:s, s:b, s:s}",
			    "check", r->checks[i].check, "ok", r->checks[i].ok,
			    "detail", r->checks[i].detail));
		json_out(a);
		return;
	}
	for (i = 0; i < r->nchecks; i++) {
		d = str_safe(r->checks[i].detail);
		printf("%-4s  %-10s  %s\n", r->checks[i].ok ? "ok" : "FAIL",
		    r->checks[i].check, d);
		free(d);
	}
}

static int
cmd_draft_test(struct session *ctx, const struct args *args, char **errstr)
{
	struct probe_result r;
	struct buf b;
	int64_t id, link;
	size_t i;
	int rv;

	if ((rv = cmd_parse_id(args->argv[0], "draft", &id, errstr)) != 0)
		return rv;
	if (args_has(args, "merged")) {
		/* The intake's detached worker: no terminal, maybe no reader.
		 * Behind the intake and the MTA for the CPU and the database:
		 * their last writes and exit come first; a test a moment later
		 * changes nothing for anyone. */
		if (!isatty(STDERR_FILENO))
			log_open_syslog();
		if (nice(10) == -1)
			errno = 0;
		usleep(200000);
		if ((rv = cmd_parse_id(args_get(args, "merged"), "link", &link,
		    errstr)) != 0 ||
		    (rv = admin_test_merged(ctx, id, link, &r, errstr)) != 0)
			return rv;
	} else if ((rv = admin_test_draft(ctx, id, ctx->cfg.admin_email, &r,
	    errstr)) != 0)
		return rv;
	print_checks(&r, args_has(args, "json"));
	if ((rv = r.status) != 0) {
		buf_init(&b);
		for (i = 0; i < r.nblame; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", r.blame[i]);
		errorf(errstr, rv, "the test failed at %s%s%s%s",
		    r.failure ? r.failure : "a check", b.len ? " (check " : "",
		    b.len ? b.data : "", b.len ? ")" : "");
		buf_free(&b);
	}
	probe_result_free(&r);
	return rv;
}

/* The draft's last test for draft show --json: {at, ok, status, failure,
 * fields, checks, stale} or null when it was never tested. */
json_t *
cmd_draft_test_json(struct session *ctx, const struct draft *d)
{
	struct draft_test t;
	struct probe_result r;
	json_t *o, *a, *b;
	size_t i;

	if (draft_test_get(ctx->st, d->id, &t, NULL) != 0)
		return json_null();
	if (probe_result_from_json(t.result, &r) != 0) {
		draft_test_clear(&t);
		return json_null();
	}
	a = json_array();
	for (i = 0; i < r.nchecks; i++)
		json_array_append_new(a, json_pack("{s:s, s:b, s:s}", "check",
		    r.checks[i].check, "ok", r.checks[i].ok, "detail",
		    r.checks[i].detail));
	b = json_array();
	for (i = 0; i < r.nblame; i++)
		json_array_append_new(b, json_string(r.blame[i]));
	o = json_object();
	json_object_set_new(o, "at", json_time(t.at));
	json_object_set_new(o, "ok", json_boolean(t.status == 0));
	json_object_set_new(o, "status", json_integer(t.status));
	json_object_set_new(o, "failure", json_str_or_null(r.failure));
	json_object_set_new(o, "fields", b);
	json_object_set_new(o, "checks", a);
	json_object_set_new(o, "stale", json_boolean(t.values_at != d->updated));
	probe_result_free(&r);
	draft_test_clear(&t);
	return o;
}

/* "Test: passed 2026-12-02 11:40 +0000" for draft show. */
void
cmd_draft_test_print(struct session *ctx, const struct draft *d)
{
	struct draft_test t;
	struct probe_result r;
	char *when;
	size_t i;

	if (draft_test_get(ctx->st, d->id, &t, NULL) != 0) {
		printf("Test: never run (setuplink draft test %lld)\n",
		    (long long)d->id);
		return;
	}
	when = time_local(t.at);
	if (probe_result_from_json(t.result, &r) == 0) {
		if (t.status == 0)
			printf("Test: passed %s", when);
		else
			printf("Test: failed at %s %s", r.failure ? r.failure :
			    "?", when);
		for (i = 0; i < r.nblame; i++)
			printf("%s%s", i ? ", " : "; check ", r.blame[i]);
		printf("%s\n", t.values_at != d->updated ?
		    " (values changed since)" : "");
		probe_result_free(&r);
	}
	free(when);
	draft_test_clear(&t);
}
