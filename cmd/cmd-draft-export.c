/* cmd-draft-export.c: setuplink draft export: a draft's values, revealed,
 * in the form the next tool reads (shell variables, JSON, a .pgpass line). */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/export.h"

static int	cmd_draft_export(struct session *, const struct args *,
		    char **);

static const struct cmd_option cmd_draft_export_options[] = {
	{ "format", 0, "env|json|pgpass|uri|dbt|k8s", CMD_OPT_CHOICE,
	  "shell variables (the default), JSON, a .pgpass line, a URI, a "
	  "dbt profile or a Kubernetes Secret" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_draft_export_entry = {
	.name = "draft export",
	.args = { "ID", 1, 1, "name one draft id" },
	.options = cmd_draft_export_options,
	.help = "print the values for the connector (secrets revealed)",
	.session = SESSION_ALL,
	.exec = cmd_draft_export,
};

/*
 * A .pgpass field: ":" and "\\" escaped, as libpq reads them.  Nothing
 * escapes a line break (it would start another entry) or makes a lone "*"
 * literal (it would match any host, database or user): such a value,
 * stored before values were held to one line, is refused, not written.
 */
static int
pgpass_check(const char *key, const char *s, bool last, char **errstr)
{
	if (str_has_ctl(s))
		return errorf(errstr, EX_DATAERR, "%s holds a line break or a "
		    "control character, which a .pgpass line cannot carry: "
		    "set it again with draft set", key);
	if (!last && strcmp(s, "*") == 0)
		return errorf(errstr, EX_DATAERR, "%s is \"*\", which .pgpass "
		    "reads as matching anything: set it again with draft set",
		    key);
	return 0;
}

static void
pgpass_field(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == ':' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
}

static int
cmd_draft_export(struct session *ctx, const struct args *args, char **errstr)
{
	const struct connector *c;
	struct draft *d = NULL;
	const char *method = NULL, *fmt;
	json_t *j = NULL;
	size_t i;
	int64_t id;
	int rv;

	if ((fmt = args_get(args, "format")) == NULL)
		fmt = "env";
	if ((rv = cmd_parse_id(args->argv[0], "draft", &id, errstr)) != 0 ||
	    (rv = draft_get_revealed(ctx, id, &d, errstr)) != 0)
		return rv;
	if ((rv = cmd_audit_note(ctx, "export", id, fmt, errstr)) != 0)
		goto out;
	if ((rv = draft_connector(ctx, d, &c, &method, errstr)) != 0)
		goto out;
	if (strcmp(fmt, "pgpass") == 0) {
		static const char *keys[] = { "host", "port", "dbname", "user",
		    "password" };
		for (i = 0; i < nitems(keys); i++) {
			const struct field_value *fv = draft_value(d, keys[i]);
			if (connector_field(c, keys[i]) == NULL) {
				rv = errorf(errstr, EX_USAGE, "the %s connector "
				    "has no '%s' field, so it has no pgpass "
				    "form: use --format env or json", c->key,
				    keys[i]);
				goto out;
			}
			if (fv != NULL && fv->len > 0 && (rv = pgpass_check(
			    keys[i], fv->value, i + 1 == nitems(keys),
			    errstr)) != 0)
				goto out;
		}
		for (i = 0; i < nitems(keys); i++) {
			const struct field_value *fv = draft_value(d, keys[i]);
			if (i > 0)
				putchar(':');
			pgpass_field(fv && fv->len ? fv->value : "*");
		}
		putchar('\n');
		goto out;
	}
	if (strcmp(fmt, "json") != 0) {
		struct export_ctx x = { &ctx->home, c, d, method };
		rv = strcmp(fmt, "uri") == 0 ? export_uri(&x, errstr) :
		    strcmp(fmt, "dbt") == 0 ? export_dbt(&x, errstr) :
		    strcmp(fmt, "k8s") == 0 ? export_k8s(&x, errstr) :
		    export_env(&x, errstr);
		goto out;
	}
	j = json_object();
	for (i = 0; i < c->nfields; i++) {
		const struct field_def *f = &c->fields[i];
		const struct field_value *fv = draft_value(d, f->key);
		if (fv == NULL || fv->len == 0 || !field_applies(c, f, method))
			continue;
		json_object_set_new(j, f->key, utf8_valid(fv->value, fv->len) ?
		    json_stringn(fv->value, fv->len) : json_null());
	}
	json_out(j);
out:
	draft_free(&d);
	return rv;
}
