/* cmd-outbox.c: setuplink outbox list, flush and retry: what the maildir
 * transport queued in outbox/, sending it through a real transport, and
 * putting mail a server refused back in the queue. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_outbox_list(struct session *, const struct args *, char **);
static int	cmd_outbox_flush(struct session *, const struct args *,
		    char **);
static int	cmd_outbox_retry(struct session *, const struct args *,
		    char **);
static int	cmd_outbox_show(struct session *, const struct args *,
		    char **);

static const struct cmd_option cmd_outbox_list_options[] = {
	{ "failed", 0, NULL, 0, "the mail a server refused, in "
	  "outbox/.failed/" },
	{ "json", 0, NULL, 0, "print a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_outbox_list_entry = {
	.name = "outbox list",
	.args = { "", 0, 0, NULL },
	.options = cmd_outbox_list_options,
	.help = "list the mail waiting in outbox/",
	.session = SESSION_ALL,
	.exec = cmd_outbox_list,
};

const struct cmd_entry cmd_outbox_show_entry = {
	.name = "outbox show",
	.args = { "ID", 1, 1, "name one id (see setuplink outbox list)" },
	.help = "print a message waiting (or refused) in the outbox",
	.session = SESSION_ALL,
	.exec = cmd_outbox_show,
};

static const struct cmd_option cmd_outbox_flush_options[] = {
	{ "transport", 0, "T", 0, "send through T, else the configured one "
	  "(not maildir)" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_outbox_flush_entry = {
	.name = "outbox flush",
	.args = { "", 0, 0, NULL },
	.options = cmd_outbox_flush_options,
	.help = "send what waits in outbox/",
	.session = SESSION_ALL,
	.exec = cmd_outbox_flush,
};

static const struct cmd_option cmd_outbox_retry_options[] = {
	{ "all", 0, NULL, 0, "every refused message" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_outbox_retry_entry = {
	.name = "outbox retry",
	.args = { "[ID]", 0, 1, NULL },
	.options = cmd_outbox_retry_options,
	.help = "put refused mail (outbox list --failed) back in the queue",
	.session = SESSION_ALL,
	.exec = cmd_outbox_retry,
};

/* Where a message goes: its recorded envelope, else its To: header. */
static char *
cmd_outbox_to(const struct outbox_item *it)
{
	struct buf b;
	size_t i;

	if (it->nrcpts == 0)
		return it->to != NULL ? xstrdup(it->to) : NULL;
	buf_init(&b);
	for (i = 0; i < it->nrcpts; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", it->rcpts[i]);
	return buf_take(&b);
}

/* Where mail waits: outbox/, or on a shared store its rows. */
static const char *
cmd_outbox_where(struct session *ctx)
{
	return outbox_shared() ? "the shared outbox" : ctx->home.outbox;
}

/* Refused mail set aside by earlier flushes, so that it is not forgotten. */
static void
cmd_outbox_failed(struct session *ctx)
{
	char *dir, **names;
	size_t n, m;

	if (outbox_shared()) {
		struct outbox_item *v = NULL;
		char *err = NULL;
		n = 0;
		if (outbox_list_failed(&ctx->home, &v, &n, &err) == 0 && n > 0)
			printf("%zu refused message%s in the shared outbox: "
			    "setuplink outbox list --failed shows %s.\n", n,
			    n == 1 ? "" : "s", n == 1 ? "it" : "them");
		outbox_items_free(&v, n);
		free(err);
		return;
	}
	dir = xprintf("%s/.failed", ctx->home.outbox);
	maildir_list(dir, "new", &names, &n);
	strv_free(&names, n);
	maildir_list(dir, "cur", &names, &m);
	strv_free(&names, m);
	if (n + m > 0)
		printf("%zu refused message%s in %s/: setuplink outbox list "
		    "--failed shows %s.\n", n + m, n + m == 1 ? "" : "s", dir,
		    n + m == 1 ? "it" : "them");
	free(dir);
}

static json_t *
cmd_outbox_json(const struct outbox_item *it)
{
	json_t *j = json_object();
	char *to = cmd_outbox_to(it);

	json_object_set_new(j, "id", json_string(it->id));
	json_object_set_new(j, "to", json_str_or_null(to));
	json_object_set_new(j, "subject", json_str_or_null(it->subject));
	json_object_set_new(j, "date", json_time(it->date));
	json_object_set_new(j, "size", json_integer((json_int_t)it->size));
	json_object_set_new(j, "from", json_str_or_null(it->env_from));
	json_object_set_new(j, "message_id", json_str_or_null(it->message_id));
	free(to);
	return j;
}

static void
cmd_outbox_table(const struct outbox_item *v, size_t n)
{
	size_t i;

	printf("%-22s  %-30s %s\n", "DATE", "TO", "SUBJECT");
	for (i = 0; i < n; i++) {
		char *t = time_local(v[i].date), *to = cmd_outbox_to(&v[i]);
		char *sto = str_safe(to ? to : "?");
		char *ssub = str_safe(v[i].subject ? v[i].subject : "");
		printf("%s  %s %s\n      %s\n", cmd_col(t, 22), cmd_cut(sto, 30),
		    ssub, v[i].id);
		free(t);
		free(to);
		free(sto);
		free(ssub);
	}
}

static int
cmd_outbox_list(struct session *ctx, const struct args *args, char **errstr)
{
	struct outbox_item *v = NULL;
	bool failed = args_has(args, "failed");
	size_t n = 0, i;
	int rv;

	if ((rv = failed ? outbox_list_failed(&ctx->home, &v, &n, errstr) :
	    outbox_list(&ctx->home, &v, &n, errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, cmd_outbox_json(&v[i]));
		json_out(a);
		goto out;
	}
	if (n == 0)
		printf("Nothing %s in %s%s.\n", failed ? "refused" : "waits",
		    cmd_outbox_where(ctx), failed && !outbox_shared() ?
		    "/.failed" : "");
	else
		cmd_outbox_table(v, n);
	if (failed && n > 0)
		printf("%zu refused message%s: setuplink outbox retry ID (or "
		    "--all) puts %s back in the queue.\n", n, n == 1 ? "" : "s",
		    n == 1 ? "it" : "them");
	else if (n > 0)
		printf("%zu message%s wait%s: setuplink outbox flush "
		    "--transport T sends %s.\n", n, n == 1 ? "" : "s",
		    n == 1 ? "s" : "", n == 1 ? "it" : "them");
	if (!failed)
		cmd_outbox_failed(ctx);
out:
	outbox_items_free(&v, n);
	return 0;
}

/* The message as queued, its envelope lines first; on a shared store
 * there is no file to open with a mail reader. */
static int
cmd_outbox_show(struct session *ctx, const struct args *args, char **errstr)
{
	char *data = NULL;
	size_t len = 0;
	int rv;

	if ((rv = outbox_read(&ctx->home, args->argv[0], &data, &len,
	    errstr)) != 0)
		return rv;
	if (term_write(stdout, data, len) != 0)
		rv = errorf(errstr, EX_IOERR, "could not write the message");
	free(data);
	return rv;
}

static int
cmd_outbox_retry(struct session *ctx, const struct args *args, char **errstr)
{
	bool all = args_has(args, "all");
	size_t moved;
	int rv;

	if (all == (args->argc == 1))
		return cmd_bad_usage(args, errstr, all ? "give an ID or --all, "
		    "not both" : "name a refused message's ID (see setuplink "
		    "outbox list --failed) or give --all");
	if ((rv = outbox_retry(&ctx->home, all ? NULL : args->argv[0], &moved,
	    errstr)) != 0)
		return rv;
	if (moved == 0)
		printf("Nothing refused in %s%s.\n", cmd_outbox_where(ctx),
		    outbox_shared() ? "" : "/.failed");
	else
		printf("%zu message%s back in the queue: setuplink outbox flush "
		    "sends %s.\n", moved, moved == 1 ? "" : "s",
		    moved == 1 ? "it" : "them");
	return 0;
}

static void
cmd_outbox_progress(enum outbox_event ev, size_t i, size_t n,
    const struct outbox_item *it, const char *detail, void *arg)
{
	char *to = cmd_outbox_to(it), *sto = str_safe(to ? to : "?");
	char *sd = detail != NULL ? str_safe(detail) : NULL;

	switch (ev) {
	case OUTBOX_SENT:
		fprintf(stderr, "sent %zu/%zu: to %s\n", i, n, sto);
		break;
	case OUTBOX_REFUSED:
		fprintf(stderr, "refused %zu/%zu: to %s: %s\n", i, n, sto, sd);
		break;
	case OUTBOX_SKIPPED:
		fprintf(stderr, "skipped %zu/%zu: %s: %s\n", i, n, it->id, sd);
		break;
	case OUTBOX_STOPPED:
		fprintf(stderr, "not sent %zu/%zu: to %s\n", i, n, sto);
		break;
	}
	free(sd);
	free(sto);
	free(to);
}

static int
cmd_outbox_flush(struct session *ctx, const struct args *args, char **errstr)
{
	struct outbox_stats stats;
	const char *spec = args_get(args, "transport");
	int rv;

	/* Without --transport, the configured one, unless it is maildir. */
	if (spec == NULL && !transport_is_maildir(ctx->cfg.transport))
		spec = ctx->cfg.transport;
	if (spec == NULL)
		return cmd_bad_usage(args, errstr, "the configured transport is "
		    "maildir, which only queues into outbox/: name one that "
		    "sends with --transport T");
	rv = outbox_flush(&ctx->cfg, &ctx->home, spec, cmd_outbox_progress,
	    NULL, &stats, errstr);
	if (rv != 0)
		return rv;
	if (stats.total == 0)
		printf("Nothing waits in %s.\n", cmd_outbox_where(ctx));
	else if (stats.taken > 0)
		printf("%zu sent (%zu taken by another flush).\n", stats.sent,
		    stats.taken);
	else
		printf("%zu sent.\n", stats.sent);
	return 0;
}
