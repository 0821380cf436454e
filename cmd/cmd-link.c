/* cmd-link.c: setuplink link create, list and revoke: sharing a draft with
 * someone who holds its settings, and keeping track of what was shared. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_link_create(struct session *, const struct args *, char **);
static int	cmd_link_list(struct session *, const struct args *, char **);
static int	cmd_link_revoke(struct session *, const struct args *, char **);

static const struct cmd_option cmd_link_create_options[] = {
	{ "to", 0, "ADDRESS", CMD_OPT_REQUIRED, "whom the setup email asks" },
	{ "expires", 0, "DURATION", 0, "how long it works: 7d unless given, "
	  "90d at most" },
	{ "fields", 0, "KEY,...", 0, "the fields the reply may write" },
	{ "missing", 0, NULL, CMD_OPT_OR, "the required fields still empty" },
	{ "require", 0, "any|signed|encrypted|signed+encrypted", CMD_OPT_CHOICE,
	  "what the reply must be (any unless given)" },
	{ "signer", 0, "FINGERPRINT", 0, "the imported key that must sign it" },
	{ "note", 0, "TEXT", 0, "a line for the recipient" },
	{ "transport", 0, "T", 0, "send through T, not the configured one" },
	{ "json", 0, NULL, 0, "print {id, mailto, delivery}" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_link_create_entry = {
	.name = "link create",
	.args = { "DRAFT_ID", 1, 1, "name one draft id" },
	.options = cmd_link_create_options,
	.help = "share a setup link: send the email, print the id and "
	    "mailto URL",
	.session = SESSION_ALL | SESSION_DURABLE,
	.exec = cmd_link_create,
};

static const struct cmd_option cmd_link_list_options[] = {
	{ "draft", 0, "ID", 0, "only the links of this draft" },
	{ "json", 0, NULL, 0, "print a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_link_list_entry = {
	.name = "link list",
	.args = { "", 0, 0, NULL },
	.options = cmd_link_list_options,
	.help = "list links and their states",
	.session = SESSION_ALL,
	.exec = cmd_link_list,
};

const struct cmd_entry cmd_link_revoke_entry = {
	.name = "link revoke",
	.args = { "LINK_ID", 1, 1, "name one link id" },
	.help = "end a pending link now",
	.session = SESSION_ALL,
	.exec = cmd_link_revoke,
};

static int
cmd_link_create(struct session *ctx, const struct args *args, char **errstr)
{
	struct share_request req;
	struct share_result res;
	const char *expires = args_get(args, "expires");
	const char *require = args_get(args, "require");
	const char *fields = args_get(args, "fields");
	char **keys = NULL;
	size_t nkeys = 0;
	int rv;

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	if ((rv = cmd_parse_id(args->argv[0], "draft", &req.draft,
	    errstr)) != 0)
		return rv;
	if (expires != NULL &&
	    (rv = duration_parse(expires, &req.expires_in, errstr)) != 0)
		return rv;
	if (require != NULL && link_require_parse(require, &req.require) != 0)
		fatalx("--require %s is in the table, not in store/", require);
	req.transport = args_get(args, "transport");
	if (req.transport != NULL &&
	    (rv = transport_check(req.transport, errstr)) != 0)
		return rv;
	if (fields != NULL) {
		str_split(fields, ',', &keys, &nkeys);
		/* str_split() trims only the end: "host, port" must work. */
		for (size_t i = 0; i < nkeys; i++) {
			char *k = str_trim(keys[i]);
			memmove(keys[i], k, strlen(k) + 1);
		}
		if (nkeys == 0) {
			rv = cmd_bad_usage(args, errstr, "--fields needs at "
			    "least one KEY");
			goto out;
		}
		req.fields = (const char *const *)keys;
		req.nfields = nkeys;
	}
	req.to = args_get(args, "to");
	req.missing = args_has(args, "missing");
	req.signer = args_get(args, "signer");
	req.note = args_get(args, "note");
	req.admin = ctx->cfg.admin_email;
	if ((rv = share_link(&ctx->cfg, &ctx->home, ctx->st, ctx->cat, &req,
	    &res, errstr)) != 0)
		goto out;
	/* Whoever queues mail says so, and how to send it. */
	if (res.failed)
		log_warnx("%s", res.notice);
	else if (res.notice != NULL)
		fprintf(stderr, "setuplink: %s\n", res.notice);
	if (args_has(args, "json")) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(res.link));
		json_object_set_new(j, "mailto", json_string(res.mailto));
		json_object_set_new(j, "delivery", json_string(res.queued ?
		    "queued" : "sent"));
		json_out(j);
	} else
		printf("%lld\n%s\n", (long long)res.link, res.mailto);
out:
	share_result_free(&res);
	strv_free(&keys, nkeys);
	return rv;
}

static json_t *
link_json(const struct link *l)
{
	json_t *j = json_object(), *f = json_array();
	size_t i;

	for (i = 0; i < l->nfields; i++)
		json_array_append_new(f, json_string(l->fields[i]));
	json_object_set_new(j, "id", json_integer(l->id));
	json_object_set_new(j, "draft", json_integer(l->draft));
	json_object_set_new(j, "to", json_str_or_null(l->to));
	json_object_set_new(j, "state", json_string(link_state_name(l->state)));
	json_object_set_new(j, "expires", json_time(l->expires));
	json_object_set_new(j, "created", json_time(l->created));
	json_object_set_new(j, "ended", json_time(l->ended));
	json_object_set_new(j, "fields", f);
	json_object_set_new(j, "require",
	    json_string(link_require_name(l->require)));
	json_object_set_new(j, "signer", json_str_or_null(l->signer));
	json_object_set_new(j, "note", json_str_or_null(l->note));
	json_object_set_new(j, "message_id", json_str_or_null(l->message_id));
	return j;
}

static void
link_row_print(const struct link *l)
{
	struct buf f;
	char *t = time_local(l->expires), *to = str_safe(l->to ? l->to : "");
	size_t i;

	buf_init(&f);
	for (i = 0; i < l->nfields; i++)
		buf_printf(&f, "%s%s", i ? "," : "", l->fields[i]);
	printf("%5lld %6lld  %-8s %s %-22s %-16s %s\n", (long long)l->id,
	    (long long)l->draft, link_state_name(l->state), cmd_cut(to, 30), t,
	    link_require_name(l->require), f.len ? f.data : "-");
	buf_free(&f);
	free(to);
	free(t);
}

static int
cmd_link_list(struct session *ctx, const struct args *args, char **errstr)
{
	const char *d = args_get(args, "draft");
	struct link **v = NULL;
	size_t n = 0, i;
	int64_t draft = 0;
	int rv;

	if (d != NULL && (rv = cmd_parse_id(d, "draft", &draft, errstr)) != 0)
		return rv;
	if ((rv = link_list(ctx->st, draft, &v, &n, errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, link_json(v[i]));
		json_out(arr);
	} else {
		printf("%5s %6s  %-8s %-30s %-22s %-16s %s\n", "ID", "DRAFT",
		    "STATE", "TO", "EXPIRES", "REQUIRE", "FIELDS");
		for (i = 0; i < n; i++)
			link_row_print(v[i]);
	}
	links_free(&v, n);
	return 0;
}

static int
cmd_link_revoke(struct session *ctx, const struct args *args, char **errstr)
{
	int64_t id;
	int rv;

	if ((rv = cmd_parse_id(args->argv[0], "link", &id, errstr)) != 0)
		return rv;
	return link_withdraw(ctx, id, ctx->cfg.admin_email, errstr);
}
