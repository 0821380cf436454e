/* cmd-events.c: setuplink events list and flush: the webhook events still
 * waiting in the store, why the last attempt failed, and sending them now. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_events_list(struct session *, const struct args *, char **);
static int	cmd_events_flush(struct session *, const struct args *,
		    char **);

static const struct cmd_option cmd_events_list_options[] = {
	{ "json", 0, NULL, 0, "print a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_events_list_entry = {
	.name = "events list",
	.args = { "", 0, 0, NULL },
	.options = cmd_events_list_options,
	.help = "webhook events waiting or failing, oldest first",
	.session = SESSION_ALL,
	.exec = cmd_events_list,
};

const struct cmd_entry cmd_events_flush_entry = {
	.name = "events flush",
	.args = { "", 0, 0, NULL },
	.help = "post the waiting webhook events now, back-off or not",
	.session = SESSION_ALL,
	.flags = CMD_NO_WEBHOOK,
	.exec = cmd_events_flush,
};

static json_t *
cmd_event_json(const struct event *e)
{
	json_t *j = json_object(), *f = json_array();
	char **keys = NULL;
	size_t n = 0, i;

	if (e->fields != NULL)
		str_split(e->fields, ',', &keys, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(f, json_string(keys[i]));
	strv_free(&keys, n);
	json_object_set_new(j, "id", json_string(e->uid));
	json_object_set_new(j, "seq", json_integer(e->id));
	json_object_set_new(j, "type", json_string(e->type));
	json_object_set_new(j, "at", json_time(e->at));
	json_object_set_new(j, "draft", e->draft ? json_integer(e->draft) :
	    json_null());
	json_object_set_new(j, "link", e->link ? json_integer(e->link) :
	    json_null());
	json_object_set_new(j, "fields", f);
	json_object_set_new(j, "detail", json_str_or_null(e->detail));
	json_object_set_new(j, "state", json_string(e->attempts > 0 ?
	    "failing" : "waiting"));
	json_object_set_new(j, "attempts", json_integer(e->attempts));
	json_object_set_new(j, "next_attempt", json_time(e->next_at));
	json_object_set_new(j, "last_error", json_str_or_null(e->last_error));
	return j;
}

static void
cmd_event_row(const struct event *e)
{
	char *at = time_local(e->at), *next = time_local(e->next_at);
	char *err = e->last_error != NULL ? str_safe(e->last_error) : NULL;

	printf("%6lld  %-13s %5lld %5lld  %-22s %3d  %s\n", (long long)e->id,
	    e->type, (long long)e->draft, (long long)e->link, at, e->attempts,
	    e->attempts > 0 ? next : "-");
	if (err != NULL)
		printf("        last error: %s\n", err);
	free(at);
	free(next);
	free(err);
}

static int
cmd_events_list(struct session *ctx, const struct args *args, char **errstr)
{
	struct event *v = NULL;
	size_t n = 0, i;
	int rv;

	if ((rv = event_pending(ctx->st, 0, &v, &n, errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, cmd_event_json(&v[i]));
		json_out(a);
	} else if (n == 0) {
		printf("No webhook event waits.%s\n", ctx->cfg.webhook_url ==
		    NULL ? "  (No webhook_url is set, so none is queued.)" :
		    "");
	} else {
		printf("%6s  %-13s %5s %5s  %-22s %3s  %s\n", "SEQ", "TYPE",
		    "DRAFT", "LINK", "AT", "TRY", "NEXT TRY");
		for (i = 0; i < n; i++)
			cmd_event_row(&v[i]);
		printf("%zu event%s wait%s: setuplink events flush posts %s "
		    "now.\n", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
		    n == 1 ? "it" : "them");
	}
	events_free(&v, n);
	return 0;
}

static int
cmd_events_flush(struct session *ctx, const struct args *args, char **errstr)
{
	struct webhook_opts o = { 0, true };
	struct webhook_stats stats;
	int rv;

	if (ctx->cfg.webhook_url == NULL)
		return errorf(errstr, EX_CONFIG, "no webhook_url is set in %s, "
		    "so there is nowhere to post events", ctx->home.config);
	rv = webhook_deliver(&ctx->cfg, &ctx->home, ctx->st, &o, &stats,
	    errstr);
	if (stats.delivered > 0 || rv == 0)
		printf("%zu delivered, %zu waiting.\n", stats.delivered,
		    stats.left);
	return rv;
}
