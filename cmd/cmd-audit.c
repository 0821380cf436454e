/* cmd-audit.c: setuplink audit: what admins (and merged replies) did to
 * drafts, links and keys, who and when, newest first; never a value. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_audit(struct session *, const struct args *, char **);

static const struct cmd_option cmd_audit_options[] = {
	{ "json", 0, NULL, 0, "print a JSON array" },
	{ "draft", 0, "ID", 0, "only what touched this draft" },
	{ "limit", 0, "N", 0, "the newest N entries only" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.args = { "", 0, 0, NULL },
	.options = cmd_audit_options,
	.help = "who did what and when: drafts, links, keys, exports, reveals",
	.session = SESSION_ALL,
	.exec = cmd_audit,
};

static json_t *
cmd_audit_json(const struct audit_entry *e)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer(e->id));
	json_object_set_new(j, "at", json_time(e->at));
	json_object_set_new(j, "actor", json_str_or_null(e->actor));
	json_object_set_new(j, "action", json_string(e->action));
	json_object_set_new(j, "draft", e->draft ? json_integer(e->draft) :
	    json_null());
	json_object_set_new(j, "link", e->link ? json_integer(e->link) :
	    json_null());
	json_object_set_new(j, "detail", json_str_or_null(e->detail));
	return j;
}

static void
cmd_audit_row(const struct audit_entry *e)
{
	char *t = time_local(e->at), *who = str_safe(e->actor ? e->actor : "-");
	char *d = str_safe(e->detail ? e->detail : "");
	char dr[24] = "-", ln[24] = "-";

	if (e->draft)
		snprintf(dr, sizeof dr, "%lld", (long long)e->draft);
	if (e->link)
		snprintf(ln, sizeof ln, "%lld", (long long)e->link);
	printf("%-22s  %-24.24s %-13s %5s %5s  %s\n", t, who, e->action, dr,
	    ln, d);
	free(t);
	free(who);
	free(d);
}

static int
cmd_audit(struct session *ctx, const struct args *args, char **errstr)
{
	struct audit_entry *v = NULL;
	const char *l = args_get(args, "limit"), *d = args_get(args, "draft");
	int64_t limit = 0, draft = 0;
	size_t n = 0, i;
	int rv;

	if (l != NULL && (cmd_parse_id(l, "limit", &limit, NULL) != 0 ||
	    limit > 1000000))
		return cmd_bad_usage(args, errstr, "--limit takes a positive "
		    "number");
	if (d != NULL && (rv = cmd_parse_id(d, "draft", &draft, errstr)) != 0)
		return rv;
	if ((rv = audit_list(ctx->st, (int)limit, draft, &v, &n,
	    errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, cmd_audit_json(&v[i]));
		json_out(a);
	} else {
		printf("%-22s  %-24s %-13s %5s %5s  %s\n", "WHEN", "WHO",
		    "ACTION", "DRAFT", "LINK", "DETAIL");
		for (i = 0; i < n; i++)
			cmd_audit_row(&v[i]);
	}
	audit_entries_free(&v, n);
	return 0;
}
