/* cmd-quarantine.c: setuplink quarantine list, show and retry: the mail
 * the intake kept because it did not merge it, and a second look at it
 * once something changed (a key imported, say). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_quarantine_list(struct session *, const struct args *,
		    char **);
static int	cmd_quarantine_show(struct session *, const struct args *,
		    char **);
static int	cmd_quarantine_retry(struct session *, const struct args *,
		    char **);

static const struct cmd_option cmd_quarantine_list_options[] = {
	{ "json", 0, NULL, 0, "print a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_quarantine_list_entry = {
	.name = "quarantine list",
	.args = { "", 0, 0, NULL },
	.options = cmd_quarantine_list_options,
	.help = "list messages that were not merged",
	.session = SESSION_ALL,
	.exec = cmd_quarantine_list,
};

static const struct cmd_option cmd_quarantine_show_options[] = {
	{ "json", 0, NULL, 0, "print {id, ..., message}: the log entry and "
	    "the message" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_quarantine_show_entry = {
	.name = "quarantine show",
	.args = { "ID", 1, 1, "name one id" },
	.options = cmd_quarantine_show_options,
	.help = "print a quarantined message",
	.session = SESSION_ALL,
	.exec = cmd_quarantine_show,
};

const struct cmd_entry cmd_quarantine_retry_entry = {
	.name = "quarantine retry",
	.args = { "ID", 1, 1, "name one id" },
	.help = "run the intake on it again",
	.session = SESSION_ALL | SESSION_DURABLE,
	.exec = cmd_quarantine_retry,
};

static json_t *
cmd_quarantine_json(const struct message_record *m)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer(m->id));
	json_object_set_new(j, "when", json_time(m->at));
	json_object_set_new(j, "from", json_str_or_null(m->sender));
	json_object_set_new(j, "outcome", json_string(outcome_name(m->outcome)));
	json_object_set_new(j, "reason", json_str_or_null(m->reason));
	json_object_set_new(j, "detail", json_str_or_null(m->detail));
	json_object_set_new(j, "link", m->link ? json_integer(m->link) :
	    json_null());
	json_object_set_new(j, "draft", m->draft ? json_integer(m->draft) :
	    json_null());
	json_object_set_new(j, "file", json_str_or_null(m->quarantine));
	return j;
}

static int
cmd_quarantine_list(struct session *ctx, const struct args *args,
    char **errstr)
{
	struct message_record *q = NULL;
	size_t n = 0, i;
	int rv;

	if ((rv = quarantine_list(ctx->st, &q, &n, errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, cmd_quarantine_json(&q[i]));
		json_out(a);
	} else if (n == 0)
		printf("Nothing is in quarantine.\n");
	else {
		printf("%5s  %-22s %-28s %-13s %s\n", "ID", "WHEN", "FROM",
		    "REASON", "FILE");
		for (i = 0; i < n; i++) {
			char *t = time_local(q[i].at);
			char *from = str_safe(q[i].sender ? q[i].sender : "?");
			printf("%5lld  %s %s %-13s %s\n",
			    (long long)q[i].id, cmd_col(t, 22), cmd_cut(from, 28),
			    q[i].reason ?
			    q[i].reason : outcome_name(q[i].outcome),
			    q[i].quarantine);
			free(t);
			free(from);
		}
	}
	message_records_free(&q, n);
	return 0;
}

/* The log entry of a kept message, or 66 naming why there is none. */
static int
cmd_quarantine_entry(struct session *ctx, const char *arg,
    struct message_record **m, char **errstr)
{
	int64_t id;
	int rv;

	*m = NULL;
	if ((rv = cmd_parse_id(arg, "quarantined message", &id, errstr)) != 0 ||
	    (rv = message_get(ctx->st, id, m, errstr)) != 0)
		return rv;
	if ((*m)->quarantine == NULL || !intake_kept_exists(&ctx->home,
	    ctx->st, (*m)->quarantine)) {
		message_records_free(m, 1);
		return errorf(errstr, EX_NOINPUT, "message %lld is not kept in "
		    "quarantine (merged, removed or aged out): see setuplink "
		    "quarantine list", (long long)id);
	}
	return 0;
}

/*
 * The log entry with the message as "message"; mail that is not UTF-8
 * (JSON strings must be) comes whole as "message_base64" instead.
 */
static void
cmd_quarantine_show_json(const struct message_record *m, const char *data,
    size_t len)
{
	json_t *j = cmd_quarantine_json(m), *text;
	char *b64;

	if ((text = json_stringn(data, len)) != NULL) {
		json_object_set_new(j, "message", text);
	} else {
		b64 = base64_encode(data, len);
		json_object_set_new(j, "message", json_null());
		json_object_set_new(j, "message_base64", json_string(b64));
		free(b64);
	}
	json_out(j);
}

static int
cmd_quarantine_show(struct session *ctx, const struct args *args,
    char **errstr)
{
	struct message_record *m = NULL;
	char *data = NULL;
	size_t len = 0;
	int rv;

	if ((rv = cmd_quarantine_entry(ctx, args->argv[0], &m, errstr)) != 0)
		return rv;
	if ((rv = intake_kept_read(&ctx->home, ctx->st, ctx->vault,
	    m->quarantine, &data, &len, errstr)) == 0 &&
	    args_has(args, "json"))
		cmd_quarantine_show_json(m, data, len);
	else if (rv == 0 && term_write(stdout, data, len) != 0)
		rv = errorf(errstr, EX_IOERR, "could not write the message");
	if (data != NULL)
		explicit_bzero(data, len);
	free(data);
	message_records_free(&m, 1);
	return rv;
}

static int
cmd_quarantine_retry(struct session *ctx, const struct args *args,
    char **errstr)
{
	struct message_record *m = NULL;
	struct intake_decision d;
	struct intake_opts o;
	struct intake *in = NULL;
	char *line;
	size_t queued;
	int rv;

	if ((rv = cmd_quarantine_entry(ctx, args->argv[0], &m, errstr)) != 0)
		return rv;
	memset(&o, 0, sizeof o);
	memset(&d, 0, sizeof d);
	intake_open(&ctx->cfg, &ctx->home, ctx->st, ctx->cat, &o, &in);
	queued = outbox_count(&ctx->home);
	if ((rv = intake_retry(in, m->quarantine, &d, errstr)) == 0) {
		line = intake_decision_line(&d);
		printf("%s\n", line);
		free(line);
		/* Whoever queues mail says so: the receipt or the answer. */
		if ((queued = outbox_count(&ctx->home) - queued) > 0 &&
		    (queued < (size_t)-1 / 2)) {
			char *how = outbox_how_to_send(&ctx->cfg);
			fprintf(stderr, "setuplink: %zu answer%s to the sender "
			    "%s queued in %s, not sent: %s\n", queued,
			    queued == 1 ? "" : "s", queued == 1 ? "is" : "are",
			    outbox_where(),
			    how);
			free(how);
		}
	}
	intake_decision_free(&d);
	intake_close(&in);
	message_records_free(&m, 1);
	return rv;
}
