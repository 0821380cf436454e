/* cmd-link-life.c: setuplink link renew and link remind: a fresh link
 * with the same scope, and the setup email again for links about to
 * expire (from cron or contrib/setuplink-remind.timer). */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_link_renew(struct session *, const struct args *, char **);
static int	cmd_link_remind(struct session *, const struct args *, char **);

static const struct cmd_option cmd_link_renew_options[] = {
	{ "expires", 0, "DURATION", 0, "how long the new link works: 7d "
	  "unless given" },
	{ "to", 0, "ADDRESS", 0, "send it to another address" },
	{ "json", 0, NULL, 0, "print {id, mailto, renews}" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_link_renew_entry = {
	.name = "link renew",
	.args = { "LINK_ID", 1, 1, "name one link id" },
	.options = cmd_link_renew_options,
	.help = "revoke a link if pending or bounced and send a fresh one, "
	    "same scope",
	.session = SESSION_ALL,
	.exec = cmd_link_renew,
};

static const struct cmd_option cmd_link_remind_options[] = {
	{ "before", 0, "DURATION", 0, "links expiring within this "
	  "(remind_before, 2d, unless given)" },
	{ "dry-run", 'n', NULL, 0, "say which links would be reminded, send "
	  "nothing" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_link_remind_entry = {
	.name = "link remind",
	.args = { "", 0, 0, NULL },
	.options = cmd_link_remind_options,
	.help = "mail the setup email again, once, to links about to expire",
	.session = SESSION_ALL,
	.exec = cmd_link_remind,
};

static int
cmd_link_renew(struct session *ctx, const struct args *args, char **errstr)
{
	struct share_result res;
	const char *expires = args_get(args, "expires");
	int64_t id, in = 0;
	int rv;

	if ((rv = cmd_parse_id(args->argv[0], "link", &id, errstr)) != 0 ||
	    (expires != NULL &&
	    (rv = duration_parse(expires, &in, errstr)) != 0))
		return rv;
	if ((rv = link_renew(&ctx->cfg, &ctx->home, ctx->st, ctx->cat, id,
	    args_get(args, "to"), in, ctx->cfg.admin_email, &res,
	    errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(res.link));
		json_object_set_new(j, "mailto", json_string(res.mailto));
		json_object_set_new(j, "renews", json_integer(id));
		json_out(j);
	} else
		printf("%lld\n%s\n", (long long)res.link, res.mailto);
	if (transport_is_maildir(ctx->cfg.transport))
		fprintf(stderr, "setuplink: the setup email is queued in "
		    "%s, not sent: setuplink outbox flush --transport T "
		    "sends it\n", outbox_where());
	share_result_free(&res);
	return 0;
}

struct cmd_remind_out {
	size_t	 sent, failed;
};

static void
cmd_remind_line(enum remind_what w, const struct link *l, const char *detail,
    void *arg)
{
	struct cmd_remind_out *o = arg;
	char *t = time_local(l->expires), *to = str_safe(l->to ? l->to : "?");
	char *d = detail != NULL ? str_safe(detail) : NULL;

	switch (w) {
	case REMIND_SENT:
		o->sent++;
		printf("reminded: link %lld (draft %lld) to %s, expires %s\n",
		    (long long)l->id, (long long)l->draft, to, t);
		break;
	case REMIND_WOULD:
		printf("would remind: link %lld (draft %lld) to %s, expires "
		    "%s\n", (long long)l->id, (long long)l->draft, to, t);
		break;
	case REMIND_FAILED:
		o->failed++;
		printf("not reminded: link %lld (draft %lld) to %s: %s\n",
		    (long long)l->id, (long long)l->draft, to, d ? d : "?");
		break;
	case REMIND_EXPIRED:
		printf("expired unused: link %lld (draft %lld) to %s, on %s: "
		    "setuplink link renew %lld sends a fresh one\n",
		    (long long)l->id, (long long)l->draft, to, t,
		    (long long)l->id);
		break;
	}
	free(t);
	free(to);
	free(d);
}

static int
cmd_link_remind(struct session *ctx, const struct args *args, char **errstr)
{
	struct cmd_remind_out o = { 0, 0 };
	const char *b = args_get(args, "before");
	int64_t before = ctx->cfg.remind_before;
	int rv;

	if (b != NULL && (rv = duration_parse(b, &before, errstr)) != 0)
		return rv;
	rv = link_remind(&ctx->cfg, &ctx->home, ctx->st, ctx->cat, before,
	    args_has(args, "dry-run"), cmd_remind_line, &o, errstr);
	fflush(stdout);
	if (o.sent > 0 && transport_is_maildir(ctx->cfg.transport))
		fprintf(stderr, "setuplink: %zu reminder%s queued in %s, "
		    "not sent: setuplink outbox flush --transport T sends "
		    "them\n", o.sent, o.sent == 1 ? "" : "s", outbox_where());
	return rv;
}
