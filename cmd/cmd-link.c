/* cmd-link.c: setuplink link create, list and revoke: sharing a draft with
 * someone who holds its settings, and keeping track of what was shared. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static const struct option link_opts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "expires", required_argument, NULL, 'e' },
	{ "fields", required_argument, NULL, 'f' },
	{ "missing", no_argument, NULL, 'm' },
	{ "require", required_argument, NULL, 'r' },
	{ "signer", required_argument, NULL, 's' },
	{ "note", required_argument, NULL, 'n' },
	{ "transport", required_argument, NULL, 'T' },
	{ "draft", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct link_args {
	const char	*to;
	const char	*expires;
	const char	*fields;
	bool		 missing;
	const char	*require;
	const char	*signer;
	const char	*note;
	const char	*transport;
	const char	*draft;
	bool		 json;
};

/* Options may come before or after the ids: getopt permutes. */
static int
link_parse(int argc, char **argv, const char *cmd, const char *allowed,
    struct link_args *a, char **errstr)
{
	int c;

	memset(a, 0, sizeof *a);
	optind = 1;
	while ((c = cmd_getopt(argc, argv, "h", link_opts)) != -1) {
		if (c == '?' || c == ':' || strchr(allowed, c) == NULL)
			return cmd_bad_usage(errstr, cmd, optopt != 0 &&
			    strchr("tefrsnTd", optopt) != NULL ?
			    "an option lacks its value" : "unknown option");
		switch (c) {
		case 't': a->to = optarg; break;
		case 'e': a->expires = optarg; break;
		case 'f': a->fields = optarg; break;
		case 'm': a->missing = true; break;
		case 'r': a->require = optarg; break;
		case 's': a->signer = optarg; break;
		case 'n': a->note = optarg; break;
		case 'T': a->transport = optarg; break;
		case 'd': a->draft = optarg; break;
		case 'j': a->json = true; break;
		}
	}
	return 0;
}

int
cmd_link_create(struct session *ctx, int argc, char **argv, char **errstr)
{
	struct share_request req;
	struct share_result res;
	struct link_args a;
	char **keys = NULL;
	size_t nkeys = 0;
	int rv;

	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	if ((rv = link_parse(argc, argv, "link create", "tefmrsnTj", &a,
	    errstr)) != 0)
		return rv;
	if (optind != argc - 1)
		return cmd_bad_usage(errstr, "link create", "name one draft id");
	if ((rv = cmd_parse_id(argv[optind], "draft", &req.draft,
	    errstr)) != 0)
		return rv;
	if (a.to == NULL)
		return cmd_bad_usage(errstr, "link create", "--to ADDRESS is "
		    "required");
	if (a.fields != NULL && a.missing)
		return cmd_bad_usage(errstr, "link create", "give --fields or "
		    "--missing, not both");
	if (a.expires != NULL &&
	    (rv = duration_parse(a.expires, &req.expires_in, errstr)) != 0)
		return rv;
	if (a.require != NULL &&
	    link_require_parse(a.require, &req.require) != 0)
		return cmd_bad_usage(errstr, "link create", "--require takes "
		    "any, signed, encrypted or signed+encrypted");
	if (a.transport != NULL &&
	    (rv = transport_check(a.transport, errstr)) != 0)
		return rv;
	if (a.fields != NULL) {
		str_split(a.fields, ',', &keys, &nkeys);
		/* str_split() trims only the end: "host, port" must work. */
		for (size_t i = 0; i < nkeys; i++) {
			char *k = str_trim(keys[i]);
			memmove(keys[i], k, strlen(k) + 1);
		}
		if (nkeys == 0) {
			rv = cmd_bad_usage(errstr, "link create", "--fields "
			    "needs at least one KEY");
			goto out;
		}
		req.fields = (const char *const *)keys;
		req.nfields = nkeys;
	}
	req.to = a.to;
	req.missing = a.missing;
	req.signer = a.signer;
	req.note = a.note;
	req.transport = a.transport;
	req.admin = ctx->cfg.admin_email;
	if ((rv = share_link(&ctx->cfg, &ctx->home, ctx->st, ctx->cat, &req,
	    &res, errstr)) != 0)
		goto out;
	if (a.json) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(res.link));
		json_object_set_new(j, "mailto", json_string(res.mailto));
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
	printf("%5lld %6lld  %-8s %-30.30s %-22s %-16s %s\n", (long long)l->id,
	    (long long)l->draft, link_state_name(l->state), to, t,
	    link_require_name(l->require), f.len ? f.data : "-");
	buf_free(&f);
	free(to);
	free(t);
}

int
cmd_link_list(struct session *ctx, int argc, char **argv, char **errstr)
{
	struct link_args a;
	struct link **v = NULL;
	size_t n = 0, i;
	int64_t draft = 0;
	int rv;

	if ((rv = link_parse(argc, argv, "link list", "dj", &a, errstr)) != 0)
		return rv;
	if (optind != argc)
		return cmd_bad_usage(errstr, "link list", "too many arguments");
	if (a.draft != NULL &&
	    (rv = cmd_parse_id(a.draft, "draft", &draft, errstr)) != 0)
		return rv;
	if ((rv = link_list(ctx->st, draft, &v, &n, errstr)) != 0)
		return rv;
	if (a.json) {
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

int
cmd_link_revoke(struct session *ctx, int argc, char **argv, char **errstr)
{
	struct link_args a;
	int64_t id;
	int rv;

	if ((rv = link_parse(argc, argv, "link revoke", "", &a, errstr)) != 0)
		return rv;
	if (optind != argc - 1)
		return cmd_bad_usage(errstr, "link revoke", "name one link id");
	if ((rv = cmd_parse_id(argv[optind], "link", &id, errstr)) != 0)
		return rv;
	return link_revoke(ctx->st, id, ctx->cfg.admin_email, errstr);
}
