/* test_catalog.c: the connector catalog: shipped definitions load, an
 * admin's own add and override, and bad files are refused with a sentence
 * naming the file and the problem. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/util.h"

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_shipped(void **state)
{
	struct catalog *cat = NULL;
	const struct connector *pg, *bq;
	const struct field_def *f;
	char *err = NULL;
	size_t i;

	assert_int_equal(catalog_load(NULL, &cat, &err), 0);
	assert_true(cat->n >= 20);
	pg = catalog_find(cat, "postgres");
	assert_non_null(pg);
	assert_string_equal(pg->name, "PostgreSQL");
	/* libpq's names */
	const char *libpq[] = { "host", "port", "dbname", "user", "password",
	    "sslmode" };
	for (i = 0; i < 6; i++)
		assert_non_null(connector_field(pg, libpq[i]));
	f = connector_field(pg, "PORT");	/* any case */
	assert_non_null(f);
	assert_int_equal(f->type, FT_INTEGER);
	assert_string_equal(f->dflt, "5432");
	assert_true(connector_field(pg, "password")->secret);
	bq = catalog_find(cat, "bigquery");
	assert_non_null(bq);
	assert_non_null(bq->method_field);
	for (i = 0; i < bq->nfields; i++)
		if (bq->fields[i].type == FT_FILE)
			break;
	assert_true(i < bq->nfields);
	assert_null(catalog_find(cat, "nosuch"));
	catalog_free(&cat);
	assert_null(cat);
}

/* The intake's catalog parses a shipped definition when it is asked for:
 * each one found lazily is the one the whole catalog holds (so a shipped
 * file's name is its key), a pointer stays good while others are parsed,
 * and the home's definition still wins. */
static void
test_lazy(void **state)
{
	char dir[] = "/tmp/slcat.XXXXXX", path[64], *err = NULL;
	struct catalog *all = NULL, *lazy = NULL;
	const struct connector *first = NULL, *c;
	char *a, *b;
	size_t i;

	assert_int_equal(catalog_load(NULL, &all, &err), 0);
	assert_int_equal(catalog_load_lazy(NULL, &lazy, &err), 0);
	assert_int_equal(lazy->n, 0);
	assert_int_equal(lazy->npending, all->n);
	for (i = 0; i < all->n; i++) {
		c = catalog_find(lazy, all->v[i].key);
		assert_non_null(c);
		if (first == NULL)
			first = c;
		a = connector_to_json(&all->v[i]);
		b = connector_to_json(c);
		assert_string_equal(a, b);
		free(a);
		free(b);
		assert_ptr_equal(catalog_find(lazy, all->v[i].key), c);
	}
	assert_string_equal(first->key, all->v[0].key);
	assert_int_equal(lazy->n, all->n);
	assert_null(catalog_find(lazy, "nosuch"));
	catalog_free(&lazy);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/mine.json", dir);
	write_file(path, "{\"key\": \"postgres\", \"name\": \"Our Postgres\", "
	    "\"fields\": [{\"key\": \"host\", \"type\": \"string\"}]}");
	assert_int_equal(catalog_load_lazy(dir, &lazy, &err), 0);
	assert_int_equal(lazy->npending, all->n - 1);
	assert_string_equal(catalog_find(lazy, "postgres")->name,
	    "Our Postgres");
	assert_non_null(catalog_find(lazy, "mysql"));
	catalog_free(&lazy);
	catalog_free(&all);
	unlink(path);
	rmdir(dir);
}

static void
test_override_and_add(void **state)
{
	char dir[] = "/tmp/slcat.XXXXXX", path[64], *err = NULL;
	struct catalog *cat = NULL;
	const struct connector *c;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/postgres.json", dir);
	write_file(path, "{\"key\": \"postgres\", \"name\": \"Our Postgres\", "
	    "\"fields\": [{\"key\": \"host\", \"type\": \"string\", "
	    "\"required\": true}]}");
	snprintf(path, sizeof path, "%s/acme.json", dir);
	write_file(path, "{\"key\": \"acme\", \"name\": \"Acme API\", "
	    "\"fields\": [{\"key\": \"token\", \"type\": \"secret\", "
	    "\"required\": true, \"help\": \"Settings, API.\"}]}");
	assert_int_equal(catalog_load(dir, &cat, &err), 0);
	c = catalog_find(cat, "postgres");
	assert_string_equal(c->name, "Our Postgres");
	assert_int_equal(c->nfields, 1);
	c = catalog_find(cat, "acme");
	assert_non_null(c);
	assert_true(c->fields[0].secret);
	catalog_free(&cat);

	/* A broken file is refused, naming the file. */
	snprintf(path, sizeof path, "%s/bad.json", dir);
	write_file(path, "{\"key\": \"bad\", \"fields\": [{\"key\": \"x\", "
	    "\"type\": \"colour\"}]}");
	assert_int_equal(catalog_load(dir, &cat, &err), EX_CONFIG);
	assert_non_null(strstr(err, "bad.json"));
	assert_non_null(strstr(err, "type"));
	free(err);
	err = NULL;
	unlink(path);
	snprintf(path, sizeof path, "%s/postgres.json", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/acme.json", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_parse_errors(void **state)
{
	struct connector c;
	char *err = NULL;
	static const char *bad[] = {
		"not json",
		"{\"key\": \"X\", \"fields\": [{\"key\": \"a\", \"type\": \"string\"}]}",
		"{\"key\": \"x\", \"fields\": []}",
		"{\"key\": \"x\", \"fields\": [{\"key\": \"a\", \"type\": \"enum\"}]}",
		"{\"key\": \"x\", \"fields\": [{\"key\": \"a\", \"type\": \"string\"},"
		    "{\"key\": \"a\", \"type\": \"string\"}]}",
		"{\"key\": \"x\", \"fields\": [{\"key\": \"name\", \"type\": \"string\"}]}",
		"{\"key\": \"x\", \"fields\": [{\"key\": \"p\", \"type\": \"integer\","
		    " \"default\": \"abc\"}]}",
		"{\"key\": \"x\", \"method_field\": \"m\", \"fields\": [{\"key\": \"m\","
		    " \"type\": \"enum\", \"choices\": [\"a\"]}, {\"key\": \"p\","
		    " \"type\": \"string\", \"method\": \"b\"}]}",
		/* file kinds: a known name, on a file field, keys with json */
		"{\"key\": \"x\", \"fields\": [{\"key\": \"f\", \"type\": \"file\","
		    " \"file_kind\": \"pem\"}]}",
		"{\"key\": \"x\", \"fields\": [{\"key\": \"f\", \"type\": \"string\","
		    " \"file_kind\": \"json\"}]}",
		"{\"key\": \"x\", \"fields\": [{\"key\": \"f\", \"type\": \"file\","
		    " \"file_kind\": \"pem_certificate\", \"json_keys\": [\"a\"]}]}",
		"{\"key\": \"x\", \"fields\": [{\"key\": \"f\", \"type\": \"file\","
		    " \"file_kind\": \"json\", \"json_keys\": [\"\"]}]}",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(catalog_parse(bad[i], strlen(bad[i]), "t.json",
		    &c, &err), EX_CONFIG);
		assert_non_null(strstr(err, "t.json"));
		free(err);
		err = NULL;
	}
}

/* Every shipped file field says what its file must be. */
static void
test_shipped_file_kinds(void **state)
{
	struct catalog *cat = NULL;
	const struct connector *c;
	const struct field_def *f;
	char *err = NULL, *json;
	size_t i, j, nfiles = 0;

	assert_int_equal(catalog_load(NULL, &cat, &err), 0);
	for (i = 0; i < cat->n; i++) {
		for (j = 0; j < cat->v[i].nfields; j++) {
			f = &cat->v[i].fields[j];
			if (f->type != FT_FILE)
				continue;
			nfiles++;
			if (f->file_kind == FKIND_ANY)
				fail_msg("%s.%s declares no file_kind",
				    cat->v[i].key, f->key);
		}
	}
	assert_true(nfiles >= 8);
	c = catalog_find(cat, "bigquery");
	assert_int_equal(connector_field(c, "credentials_json")->file_kind,
	    FKIND_SERVICE_ACCOUNT);
	json = connector_to_json(c);
	assert_non_null(strstr(json, "\"file_kind\": \"service_account\""));
	free(json);
	c = catalog_find(cat, "sftp");
	assert_int_equal(connector_field(c, "private_key")->file_kind,
	    FKIND_PEM_PRIVATE_KEY);
	catalog_free(&cat);

	/* json_keys survive the round trip. */
	static const char def[] = "{\"key\": \"x\", \"fields\": [{\"key\": "
	    "\"f\", \"type\": \"file\", \"file_kind\": \"json\", "
	    "\"json_keys\": [\"host\", \"token\"]}]}";
	struct connector one;
	assert_int_equal(catalog_parse(def, strlen(def), "t", &one, &err), 0);
	assert_int_equal(one.fields[0].njson_keys, 2);
	json = connector_to_json(&one);
	assert_non_null(strstr(json, "\"json_keys\": [\n        \"host\","));
	free(json);
	{
		struct catalog *p = xcalloc(1, sizeof *p);
		p->v = xmalloc(sizeof one);
		*p->v = one;
		p->n = 1;
		catalog_free(&p);
	}
}

static void
test_round_trip(void **state)
{
	struct catalog *cat = NULL;
	struct connector c;
	char *err = NULL, *json;
	size_t i;

	/* connector show --json is itself a definition an admin can edit. */
	assert_int_equal(catalog_load(NULL, &cat, &err), 0);
	for (i = 0; i < cat->n; i++) {
		json = connector_to_json(&cat->v[i]);
		assert_int_equal(catalog_parse(json, strlen(json), "rt", &c,
		    &err), 0);
		assert_string_equal(c.key, cat->v[i].key);
		assert_int_equal(c.nfields, cat->v[i].nfields);
		free(json);
		{
			struct catalog one = { &c, 1, NULL, 0 }, *p = xmalloc(sizeof *p);
			*p = one;
			p->v = xmalloc(sizeof c);
			*p->v = c;
			catalog_free(&p);
		}
	}
	catalog_free(&cat);
}

/* A connector's "oauth" object: checked against its fields, and an
 * endpoint's {key} can never carry a reply to another host. */
static void
test_oauth(void **state)
{
	static const char head[] = "{\"key\": \"x\", \"method_field\": "
	    "\"m\", \"fields\": [{\"key\": \"tenant\", \"type\": "
	    "\"string\"}, {\"key\": \"m\", \"type\": \"enum\", "
	    "\"choices\": [\"pw\", \"oauth\"]}, {\"key\": \"rt\", "
	    "\"type\": \"secret\"}, {\"key\": \"who\", \"type\": "
	    "\"string\"}], \"oauth\": {\"method\": \"oauth\", "
	    "\"client\": \"c\", \"token_field\": \"%s\", "
	    "\"device_authorization_endpoint\": \"%s\", "
	    "\"token_endpoint\": \"https://idp.example/t\"}}";
	static const struct { const char *field, *url; bool ok; } cases[] = {
		{ "rt", "https://idp.example/{tenant}/device", true },
		{ "rt", "https://{tenant}.idp.example/device", true },
		{ "rt", "http://127.0.0.1:8080/device", true },
		{ "rt", "https://{tenant}/device", false },
		{ "rt", "https://idp.{tenant}/device", false },
		{ "rt", "http://idp.example/device", false },
		{ "rt", "https://u:p@idp.example/device", false },
		{ "rt", "https://idp.example/{nope}", false },
		{ "who", "https://idp.example/device", false },
	};
	const char *keys[] = { "tenant" }, *bad[] = { "evil.example/x",
	    "a@b", "x:1", "..", "", "a?b", "a#b" };
	struct connector c;
	char *json, *err = NULL, *url = NULL, *js;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json = xprintf(head, cases[i].field, cases[i].url);
		if (cases[i].ok) {
			assert_int_equal(catalog_parse(json, strlen(json), "t",
			    &c, &err), 0);
			assert_non_null(c.oauth);
			js = connector_to_json(&c);
			assert_non_null(strstr(js, "\"oauth\""));
			free(js);
			{
				struct catalog *p = xcalloc(1, sizeof *p);
				p->v = xmalloc(sizeof c);
				*p->v = c;
				p->n = 1;
				catalog_free(&p);
			}
		} else {
			assert_int_equal(catalog_parse(json, strlen(json), "t",
			    &c, &err), EX_CONFIG);
			assert_non_null(strstr(err, "oauth"));
			freep(&err);
		}
		free(json);
	}
	/* A value may fill a label before a fixed domain or a path segment,
	 * never more. */
	keys[0] = "tenant";
	{
		const char *v[] = { "acme-eu" };
		assert_int_equal(oauth_url("https://{tenant}.idp.example/d",
		    keys, v, 1, &url, &err), 0);
		assert_string_equal(url, "https://acme-eu.idp.example/d");
		freep(&url);
		v[0] = "contoso.onmicrosoft.com";
		assert_int_equal(oauth_url("https://idp.example/{tenant}/d",
		    keys, v, 1, &url, &err), 0);
		freep(&url);
		assert_int_equal(oauth_url("https://{tenant}.idp.example/d",
		    keys, v, 1, &url, &err), EX_DATAERR);
		assert_null(url);
		freep(&err);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *v[] = { bad[i] };
		assert_int_equal(oauth_url("https://idp.example/{tenant}/d",
		    keys, v, 1, &url, &err), EX_DATAERR);
		assert_null(url);
		assert_null(strstr(err, bad[i][0] ? bad[i] : "\x01"));
		freep(&err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_lazy),
		cmocka_unit_test(test_override_and_add),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_shipped_file_kinds),
		cmocka_unit_test(test_oauth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
