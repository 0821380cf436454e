/* fuzz_form.c: the form reader (form_read_fields on the text of a reply),
 * with the shipped postgres connector's keys, the values a form was sent
 * with and two file fields, where PEM blocks and JSON run over lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "mailer/mailer.h"

static const char *const keys[] = {
	"host", "port", "dbname", "user", "password", "sslmode",
	"sslrootcert", "auth_method", "private_key", "x",
};
static const char *const templates[] = {
	"db.example", "5432", NULL, "", NULL, "prefer", NULL, NULL, NULL, "y",
};
static const bool files[] = {
	false, false, false, false, false, false, true, false, true, false,
};

/* The last line of a value, trimmed as form.c trims it. */
static bool
fuzz_last_line_is_end(const char *v, size_t len)
{
	const char *nl = NULL, *p;

	for (p = v; p < v + len; p++) {
		if (*p == '\n')
			nl = p;
	}
	p = nl != NULL ? nl + 1 : v;
	return (size_t)(v + len - p) >= 14 && strncmp(p, "-----END ", 9) == 0 &&
	    memcmp(v + len - 5, "-----", 5) == 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form_result res;
	char *text;
	size_t i, j;

	/* An exact-size copy: form_read takes a length, not a C string. */
	text = xmalloc(size > 0 ? size : 1);
	memcpy(text, data, size);
	FUZZ_CHECK(form_read_fields(text, size, keys, templates, files,
	    nitems(keys), &res) == 0, "form_read_fields failed");
	FUZZ_CHECK(res.n <= nitems(keys), "more values than keys");
	for (i = 0; i < res.n; i++) {
		const struct form_value *v = &res.v[i];

		for (j = 0; j < nitems(keys); j++) {
			if (strcmp(v->key, keys[j]) == 0)
				break;
		}
		FUZZ_CHECK(j < nitems(keys), "a value for a key never asked for");
		FUZZ_CHECK(v->value != NULL && v->len > 0 &&
		    v->value[v->len] == '\0', "an empty or unterminated value");
		FUZZ_CHECK(v->len <= size, "a value longer than the text");
		FUZZ_CHECK(v->value[0] != ' ' && v->value[0] != '\t' &&
		    v->value[v->len - 1] != ' ' && v->value[v->len - 1] != '\t',
		    "a value not trimmed");
		FUZZ_CHECK(templates[j] == NULL ||
		    strlen(templates[j]) != v->len ||
		    memcmp(templates[j], v->value, v->len) != 0,
		    "the untouched template counted as a value");
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(res.v[j].key, v->key) != 0,
			    "a key given twice");
		/* A PEM block read whole ends with an END line, never cut. */
		if (v->unwhole == NULL && v->len > 11 &&
		    strncmp(v->value, "-----BEGIN ", 11) == 0 &&
		    memmem(v->value, strcspn(v->value, "\n"), "-----END ", 9) ==
		    NULL && strchr(v->value, '\n') != NULL)
			FUZZ_CHECK(fuzz_last_line_is_end(v->value, v->len),
			    "a PEM block taken whole without its END line");
	}
	for (i = 0; i < res.nrefs; i++)
		FUZZ_CHECK(res.refs[i][0] >= '1' && res.refs[i][0] <= '9' &&
		    strlen(res.refs[i]) <= 18 + 1 + TOKEN_REF_LEN,
		    "a link reference not an id and a tag");
	form_result_free(&res);
	free(text);
	return 0;
}
