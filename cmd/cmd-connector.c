/* cmd-connector.c: setuplink connectors and connector show: the catalog,
 * shipped and the admin's own, as a table or as JSON. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int	cmd_connectors(struct session *, const struct args *, char **);
static int	cmd_connector_show(struct session *, const struct args *,
		    char **);

static const struct cmd_option cmd_connectors_options[] = {
	{ "json", 0, NULL, 0, "print a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_connectors_entry = {
	.name = "connectors",
	.args = { "", 0, 0, NULL },
	.options = cmd_connectors_options,
	.help = "list the connectors",
	.session = SESSION_CATALOG,
	.exec = cmd_connectors,
};

static const struct cmd_option cmd_connector_show_options[] = {
	{ "json", 0, NULL, 0, "print the definition, the format of a "
	  "connector file" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_connector_show_entry = {
	.name = "connector show",
	.args = { "KEY", 1, 1, "name one connector" },
	.options = cmd_connector_show_options,
	.help = "show a connector's fields",
	.session = SESSION_CATALOG,
	.exec = cmd_connector_show,
};

static int
cmd_connectors(struct session *ctx, const struct args *args, char **errstr)
{
	size_t i;

	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < ctx->cat->n; i++) {
			const struct connector *c = &ctx->cat->v[i];
			json_t *o = json_object();
			json_object_set_new(o, "key", json_string(c->key));
			json_object_set_new(o, "name", json_string(c->name));
			json_object_set_new(o, "category",
			    json_str_or_null(c->category));
			json_object_set_new(o, "description",
			    json_str_or_null(c->description));
			json_object_set_new(o, "fields",
			    json_integer((json_int_t)c->nfields));
			json_object_set_new(o, "oauth", json_boolean(
			    c->oauth != NULL));
			json_object_set_new(o, "origin", json_string(
			    str_has_prefix(c->origin, "shipped ") ? "shipped" :
			    c->origin));
			json_array_append_new(a, o);
		}
		json_out(a);
		return 0;
	}
	printf("%-18s %-22s %-10s %s\n", "KEY", "NAME", "CATEGORY", "FIELDS");
	for (i = 0; i < ctx->cat->n; i++) {
		const struct connector *c = &ctx->cat->v[i];
		char *name = str_safe(c->name);
		printf("%-18s %s %-10s %zu%s%s\n", c->key, cmd_col(name, 22),
		    c->category ? c->category : "-", c->nfields,
		    c->oauth != NULL ? " (oauth sign-in)" : "",
		    str_has_prefix(c->origin, "shipped ") ? "" : " (local)");
		free(name);
	}
	return 0;
}

static int
cmd_connector_show(struct session *ctx, const struct args *args, char **errstr)
{
	const struct connector *c;
	size_t i, j;

	if ((c = catalog_find(ctx->cat, args->argv[0])) == NULL)
		return errorf(errstr, EX_NOINPUT, "there is no connector '%s': "
		    "see setuplink connectors", args->argv[0]);
	if (args_has(args, "json")) {
		char *s = connector_to_json(c);
		puts(s);
		free(s);
		return 0;
	}
	printf("%s (%s)\n", c->name, c->key);
	if (c->description != NULL)
		printf("%s\n", c->description);
	if (c->method_field != NULL)
		printf("Authentication is chosen by the field '%s'.\n",
		    c->method_field);
	if (c->oauth != NULL)
		printf("Choosing %s=%s without a %s signs in with the provider "
		    "by email (OAuth client '%s').\n", c->method_field,
		    c->oauth->method, c->oauth->token_field, c->oauth->client);
	printf("\n");
	for (i = 0; i < c->nfields; i++) {
		const struct field_def *f = &c->fields[i];
		printf("%-22s %-8s %s%s%s%s%s%s\n", f->key,
		    field_type_name(f->type),
		    f->required ? "required" : "optional",
		    f->secret ? ", secret" : "",
		    f->file_kind != FKIND_ANY ? ", " : "",
		    f->file_kind != FKIND_ANY ?
		    file_kind_name(f->file_kind) : "",
		    f->method ? ", for " : "", f->method ? f->method : "");
		printf("    %s", f->label);
		if (f->dflt != NULL)
			printf(" (default %s)", f->dflt);
		if (f->type == FT_ENUM) {
			printf(": ");
			for (j = 0; j < f->nchoices; j++)
				printf("%s%s", j ? "|" : "", f->choices[j]);
		}
		printf("\n    %s\n", f->help);
	}
	return 0;
}
