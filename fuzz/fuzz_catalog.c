/* fuzz_catalog.c: the connector catalog loader (catalog_parse on one JSON
 * definition, as an admin drops into the home's connectors/).  A definition
 * that loads must come back the same through connector show --json, and
 * its form must read back as nothing provided. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "mailer/mailer.h"
#include "store/store.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
fuzz_free(struct connector *c)
{
	struct catalog *cat = xcalloc(1, sizeof *cat);

	cat->v = xmalloc(sizeof *c);
	cat->v[0] = *c;
	cat->n = 1;
	catalog_free(&cat);
}

static void
fuzz_same(const struct connector *a, const struct connector *b)
{
	size_t i, j;

	FUZZ_CHECK(strcmp(a->key, b->key) == 0 && strcmp(a->name, b->name) == 0 &&
	    a->nfields == b->nfields, "connector changed through JSON");
	for (i = 0; i < a->nfields; i++) {
		const struct field_def *f = &a->fields[i], *g = &b->fields[i];

		FUZZ_CHECK(strcmp(f->key, g->key) == 0 && f->type == g->type &&
		    f->required == g->required && f->secret == g->secret &&
		    f->nchoices == g->nchoices, "field changed through JSON");
		FUZZ_CHECK((f->dflt == NULL) == (g->dflt == NULL) &&
		    (f->dflt == NULL || strcmp(f->dflt, g->dflt) == 0),
		    "default changed through JSON");
		for (j = 0; j < f->nchoices; j++)
			FUZZ_CHECK(strcmp(f->choices[j], g->choices[j]) == 0,
			    "choice changed through JSON");
	}
}

/* The form of every field, unfilled, gives nothing back. */
static void
fuzz_form(const struct connector *c)
{
	const char **keys = xcalloc(c->nfields, sizeof *keys);
	struct form_result res;
	char *form;
	size_t i;

	for (i = 0; i < c->nfields; i++)
		keys[i] = c->fields[i].key;
	form = form_render("7-abcdefgh", c, keys, NULL, c->nfields);
	form_read(form, strlen(form), keys, NULL, c->nfields, &res);
	FUZZ_CHECK(res.n == 0, "an empty form read back as a value");
	FUZZ_CHECK(form_has_ref(&res, "7-abcdefgh"), "the form lost its opening line");
	form_result_free(&res);
	free(form);
	free(keys);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct connector c, again;
	char *err = NULL, *json, *canon;
	size_t i;

	if (catalog_parse((const char *)data, size, "fuzz.json", &c, &err) != 0) {
		FUZZ_CHECK(err != NULL, "a refusal without a sentence");
		free(err);
		return 0;
	}
	FUZZ_CHECK(err == NULL && c.nfields > 0, "a connector without fields");
	for (i = 0; i < c.nfields; i++) {
		const struct field_def *f = &c.fields[i];

		FUZZ_CHECK(connector_field(&c, f->key) == f,
		    "a field key is not unique");
		if (f->dflt != NULL) {
			FUZZ_CHECK(field_validate(f, f->dflt, strlen(f->dflt),
			    INT64_MAX, &canon, &err) == 0,
			    "a default that does not validate");
			FUZZ_CHECK(strcmp(canon, f->dflt) == 0,
			    "a default not in canonical form");
			free(canon);
		}
	}
	json = connector_to_json(&c);
	if (catalog_parse(json, strlen(json), "again.json", &again, &err) != 0)
		fprintf(stderr, "reparse: %s\n", err);
	FUZZ_CHECK(err == NULL, "connector show --json does not load again");
	fuzz_same(&c, &again);
	fuzz_form(&c);
	fuzz_free(&again);
	fuzz_free(&c);
	free(json);
	return 0;
}
