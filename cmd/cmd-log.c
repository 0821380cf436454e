/* cmd-log.c: setuplink log: what the intake decided about each message,
 * newest first, with the fixed reason codes of the SPEC (keys, never
 * values). */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_log(struct session *, const struct args *, char **);

static const struct cmd_option cmd_log_options[] = {
	{ "json", 0, NULL, 0, "print a JSON array" },
	{ "limit", 0, "N", 0, "the newest N entries only" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_log_entry = {
	.name = "log",
	.args = { "", 0, 0, NULL },
	.options = cmd_log_options,
	.help = "what the intake did, newest first",
	.session = SESSION_ALL,
	.exec = cmd_log,
};

static json_t *
cmd_log_fields(const char *fields)
{
	json_t *a = json_array();
	char **v = NULL;
	size_t n = 0, i;

	if (fields != NULL && *fields != '\0' &&
	    str_split(fields, ',', &v, &n) == 0) {
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_string(v[i]));
		strv_free(&v, n);
	}
	return a;
}

static int
cmd_log(struct session *ctx, const struct args *args, char **errstr)
{
	struct message_record *m = NULL;
	const char *l = args_get(args, "limit");
	int64_t limit = 0;
	size_t n = 0, i;
	int rv;

	if (l != NULL && (cmd_parse_id(l, "limit", &limit, NULL) != 0 ||
	    limit > 1000000))
		return cmd_bad_usage(args, errstr, "--limit takes a positive "
		    "number");
	if ((rv = message_list(ctx->st, (int)limit, &m, &n, errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < n; i++) {
			json_t *j = json_object();
			json_object_set_new(j, "id", json_integer(m[i].id));
			json_object_set_new(j, "when", json_time(m[i].at));
			json_object_set_new(j, "from",
			    json_str_or_null(m[i].sender));
			json_object_set_new(j, "link", m[i].link ?
			    json_integer(m[i].link) : json_null());
			json_object_set_new(j, "draft", m[i].draft ?
			    json_integer(m[i].draft) : json_null());
			json_object_set_new(j, "outcome",
			    json_string(outcome_name(m[i].outcome)));
			json_object_set_new(j, "reason",
			    json_str_or_null(m[i].reason));
			json_object_set_new(j, "detail",
			    json_str_or_null(m[i].detail));
			json_object_set_new(j, "fields",
			    cmd_log_fields(m[i].fields));
			json_object_set_new(j, "message_id",
			    json_str_or_null(m[i].message_id));
			json_object_set_new(j, "quarantine",
			    json_str_or_null(m[i].quarantine));
			json_array_append_new(a, j);
		}
		json_out(a);
	} else if (n == 0)
		printf("The intake has not seen a message yet.\n");
	else {
		printf("%5s  %-22s %-9s %-13s %-5s %s\n", "ID", "WHEN",
		    "OUTCOME", "REASON", "LINK", "FROM / DETAIL");
		for (i = 0; i < n; i++) {
			char *t = time_local(m[i].at);
			char *from = str_safe(m[i].sender ? m[i].sender : "?");
			char *detail = str_safe(m[i].fields ? m[i].fields :
			    m[i].detail ? m[i].detail : "");
			char link[24] = "-";
			if (m[i].link)
				snprintf(link, sizeof link, "%lld",
				    (long long)m[i].link);
			/* The detail (or merged keys) under FROM. */
			printf("%5lld  %s %-9s %-13s %-5s %s\n%60s%s\n",
			    (long long)m[i].id, cmd_col(t, 22),
			    outcome_name(m[i].outcome),
			    m[i].reason ? m[i].reason : "-", link, from, "",
			    detail);
			free(t);
			free(from);
			free(detail);
		}
	}
	message_records_free(&m, n);
	return 0;
}
