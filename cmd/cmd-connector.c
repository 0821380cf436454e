/* cmd-connector.c: setuplink connectors and connector show: the catalog,
 * shipped and the admin's own, as a table or as JSON. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static const struct option json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
json_flag(int argc, char **argv, const char *name, bool *json, char **errstr)
{
	int c;

	*json = false;
	while ((c = cmd_getopt(argc, argv, "h", json_opts)) != -1) {
		if (c == 'j')
			*json = true;
		else
			return cmd_bad_usage(errstr, name, "unknown option");
	}
	return 0;
}

int
cmd_connectors(struct session *ctx, int argc, char **argv, char **errstr)
{
	bool json;
	size_t i;
	int rv;

	if ((rv = json_flag(argc, argv, "connectors", &json, errstr)) != 0)
		return rv;
	if (optind != argc)
		return cmd_bad_usage(errstr, "connectors", "too many arguments");
	if (json) {
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
		printf("%-18s %-22s %-10s %zu%s\n", c->key, c->name,
		    c->category ? c->category : "-", c->nfields,
		    str_has_prefix(c->origin, "shipped ") ? "" : " (local)");
	}
	return 0;
}

int
cmd_connector_show(struct session *ctx, int argc, char **argv, char **errstr)
{
	const struct connector *c;
	bool json;
	size_t i, j;
	int rv;

	if ((rv = json_flag(argc, argv, "connector show", &json, errstr)) != 0)
		return rv;
	if (optind != argc - 1)
		return cmd_bad_usage(errstr, "connector show", "name one "
		    "connector");
	if ((c = catalog_find(ctx->cat, argv[optind])) == NULL)
		return errorf(errstr, EX_NOINPUT, "there is no connector '%s': "
		    "see setuplink connectors", argv[optind]);
	if (json) {
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
	printf("\n");
	for (i = 0; i < c->nfields; i++) {
		const struct field_def *f = &c->fields[i];
		printf("%-22s %-8s %s%s%s%s\n", f->key, field_type_name(f->type),
		    f->required ? "required" : "optional",
		    f->secret ? ", secret" : "",
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
