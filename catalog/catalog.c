/* catalog.c: the connector catalog.  Shipped definitions are embedded in
 * the binary from contrib/connectors/; installed ones (PREFIX/share/
 * setuplink/connectors) and an admin's own *.json files in the home add
 * to them or override them by key.  The file format is the
 * `connector show --json` shape, read and written with jansson. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog/private.h"
#include "util/util.h"

struct embedded_file {
	const char		*name;
	const unsigned char	*data;
	size_t			 len;
};
extern const struct embedded_file embedded_connectors[];

static const char *type_names[] = {
	"string", "integer", "secret", "file", "enum", "boolean", "url", "email"
};

const char *
field_type_name(enum field_type t)
{
	return (size_t)t < nitems(type_names) ? type_names[t] : "?";
}

static bool
key_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return false;
	}
	return true;
}

static void
field_clear(struct field_def *f)
{
	free(f->key);
	free(f->label);
	free(f->help);
	free(f->dflt);
	free(f->method);
	strv_free(&f->choices, f->nchoices);
	strv_free(&f->json_keys, f->njson_keys);
	free(f->env);
}

static void
connector_clear(struct connector *c)
{
	size_t i;

	for (i = 0; i < c->nfields; i++)
		field_clear(&c->fields[i]);
	free(c->fields);
	for (i = 0; i < c->ntests; i++)
		conntest_clear(&c->tests[i]);
	free(c->tests);
	oauth_def_clear(c->oauth);
	free(c->oauth);
	free(c->key);
	free(c->name);
	free(c->category);
	free(c->description);
	free(c->method_field);
	free(c->uri);
	free(c->dbt);
	free(c->origin);
	memset(c, 0, sizeof *c);
}

/* An optional string member: NULL when absent or null. */
static int
opt_string(json_t *o, const char *name, char **out, const char *where,
    char **errstr)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return errorf(errstr, EX_CONFIG, "%s: \"%s\" must be a string",
		    where, name);
	if (str_has_ctl(json_string_value(v)))
		return errorf(errstr, EX_CONFIG, "%s: \"%s\" may not hold "
		    "control characters", where, name);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/*
 * "file_kind" (a file field's kind, file_kind_parse's names) and
 * "json_keys" (with "json": the keys the file must have).
 */
static int
parse_file_kind(json_t *o, struct field_def *f, const char *where,
    char **errstr)
{
	json_t *v = json_object_get(o, "file_kind"), *keys, *k;
	size_t i;

	keys = json_object_get(o, "json_keys");
	if (v == NULL || json_is_null(v)) {
		if (keys != NULL && !json_is_null(keys))
			return errorf(errstr, EX_CONFIG, "%s: \"json_keys\" "
			    "goes with \"file_kind\": \"json\"", where);
		return 0;
	}
	if (f->type != FT_FILE)
		return errorf(errstr, EX_CONFIG, "%s: only a file field has a "
		    "\"file_kind\"", where);
	if (!json_is_string(v) ||
	    file_kind_parse(json_string_value(v), &f->file_kind) != 0)
		return errorf(errstr, EX_CONFIG, "%s: \"file_kind\" must be "
		    "one of pem_private_key, pem_certificate, pem_public_key, "
		    "json, service_account", where);
	if (keys == NULL || json_is_null(keys))
		return 0;
	if (f->file_kind != FKIND_JSON || !json_is_array(keys))
		return errorf(errstr, EX_CONFIG, "%s: \"json_keys\" is an "
		    "array, with \"file_kind\": \"json\" only", where);
	f->json_keys = xcalloc(json_array_size(keys) + 1, sizeof *f->json_keys);
	for (i = 0; i < json_array_size(keys); i++) {
		k = json_array_get(keys, i);
		if (!json_is_string(k) || *json_string_value(k) == '\0' ||
		    str_has_ctl(json_string_value(k)))
			return errorf(errstr, EX_CONFIG, "%s: \"json_keys\" "
			    "must be non-empty strings", where);
		f->json_keys[f->njson_keys++] = xstrdup(json_string_value(k));
	}
	return 0;
}

/* An integer's range (a port's by default) and a file's size limit. */
static void
parse_limits(json_t *o, struct field_def *f)
{
	json_t *v;

	f->min = 0;
	f->max = INT64_MAX;
	if (f->key != NULL && strcmp(f->key, "port") == 0) {
		f->min = 1;
		f->max = 65535;
	}
	if ((v = json_object_get(o, "min")) != NULL && json_is_integer(v))
		f->min = json_integer_value(v);
	if ((v = json_object_get(o, "max")) != NULL && json_is_integer(v))
		f->max = json_integer_value(v);
	if ((v = json_object_get(o, "max_size")) != NULL && json_is_integer(v))
		f->max_size = json_integer_value(v);
}

/*
 * "env": the variable a downstream tool reads the field from (libpq's
 * PGHOST).  Upper case, and never one a shell or a login already means
 * something by.
 */
static int
parse_env(json_t *o, struct field_def *f, const char *where, char **errstr)
{
	static const char *taken[] = { "USER", "HOST", "PATH", "HOME",
	    "SHELL", "PWD", "OLDPWD", "LANG", "TERM", "IFS", "LOGNAME",
	    "HOSTNAME", "MAIL", "PS1", "PS2", "TZ", "TMPDIR" };
	const char *p;
	size_t i;
	int rv;

	if ((rv = opt_string(o, "env", &f->env, where, errstr)) != 0 ||
	    f->env == NULL)
		return rv;
	for (p = f->env; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || *p == '_' ||
		    (p > f->env && *p >= '0' && *p <= '9')))
			break;
	}
	for (i = 0; *p == '\0' && i < nitems(taken); i++) {
		if (strcmp(f->env, taken[i]) == 0)
			break;
	}
	if (*p != '\0' || *f->env == '\0' || i < nitems(taken))
		return errorf(errstr, EX_CONFIG, "%s: \"env\" must be an upper "
		    "case variable name other than USER, HOST, PATH and the "
		    "like", where);
	return 0;
}

/* "dbt": kept as JSON text for the export, checked to be an object. */
static int
parse_dbt(json_t *root, struct connector *c, const char *origin,
    char **errstr)
{
	json_t *v = json_object_get(root, "dbt");

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v) || !json_is_string(json_object_get(v, "type")) ||
	    !json_is_object(json_object_get(v, "fields")))
		return errorf(errstr, EX_CONFIG, "%s: \"dbt\" is an object "
		    "with \"type\" and \"fields\"", origin);
	if ((c->dbt = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		fatalx("out of memory writing JSON");
	return 0;
}

static int
parse_field(json_t *o, struct field_def *f, const char *origin, char **errstr)
{
	json_t *v;
	char *where = NULL, *type = NULL;
	size_t i;
	int rv;

	if (!json_is_object(o))
		return errorf(errstr, EX_CONFIG, "%s: each field must be an "
		    "object", origin);
	if ((rv = opt_string(o, "key", &f->key, origin, errstr)) != 0)
		return rv;
	if (f->key == NULL || !key_ok(f->key))
		return errorf(errstr, EX_CONFIG, "%s: a field has a missing or "
		    "bad \"key\" (lowercase letters, digits and _)", origin);
	where = xprintf("%s: field \"%s\"", origin, f->key);
	if ((rv = opt_string(o, "label", &f->label, where, errstr)) != 0 ||
	    (rv = opt_string(o, "help", &f->help, where, errstr)) != 0 ||
	    (rv = opt_string(o, "default", &f->dflt, where, errstr)) != 0 ||
	    (rv = opt_string(o, "method", &f->method, where, errstr)) != 0 ||
	    (rv = opt_string(o, "type", &type, where, errstr)) != 0)
		goto out;
	if (f->label == NULL)
		f->label = xstrdup(f->key);
	if (f->help == NULL)
		f->help = xstrdup("");
	for (i = 0; type != NULL && i < nitems(type_names); i++) {
		if (strcmp(type, type_names[i]) == 0)
			break;
	}
	/* The sentence only on failure: a success leaves *errstr alone. */
	if (type == NULL || i == nitems(type_names)) {
		rv = errorf(errstr, EX_CONFIG, "%s: \"type\" must be one of "
		    "string, integer, secret, file, enum, boolean, url, email",
		    where);
		goto out;
	}
	f->type = (enum field_type)i;
	f->required = json_is_true(json_object_get(o, "required"));
	f->secret = f->type == FT_SECRET ||
	    json_is_true(json_object_get(o, "secret"));
	parse_limits(o, f);
	if ((rv = parse_file_kind(o, f, where, errstr)) != 0 ||
	    (rv = parse_env(o, f, where, errstr)) != 0)
		goto out;
	v = json_object_get(o, "choices");
	if (f->type == FT_ENUM) {
		if (!json_is_array(v) || json_array_size(v) == 0) {
			rv = errorf(errstr, EX_CONFIG, "%s: an enum needs a "
			    "non-empty \"choices\" array", where);
			goto out;
		}
		f->choices = xcalloc(json_array_size(v), sizeof *f->choices);
		for (i = 0; i < json_array_size(v); i++) {
			json_t *c = json_array_get(v, i);
			if (!json_is_string(c) || *json_string_value(c) == '\0' ||
			    str_has_ctl(json_string_value(c))) {
				rv = errorf(errstr, EX_CONFIG, "%s: choices "
				    "must be non-empty strings", where);
				goto out;
			}
			f->choices[f->nchoices++] = xstrdup(json_string_value(c));
		}
	} else if (v != NULL && !json_is_null(v)) {
		rv = errorf(errstr, EX_CONFIG, "%s: only an enum has "
		    "\"choices\"", where);
		goto out;
	}
	rv = 0;
out:
	free(type);
	free(where);
	return rv;
}

/* Checks across fields: unique keys, methods, defaults that validate. */
static int
check_connector(struct connector *c, char **errstr)
{
	const struct field_def *mf = NULL;
	size_t i, j, k;
	char *canon, *err = NULL;
	int rv;

	if (c->method_field != NULL &&
	    ((mf = connector_field(c, c->method_field)) == NULL ||
	    mf->type != FT_ENUM))
		return errorf(errstr, EX_CONFIG, "%s: \"method_field\" must name "
		    "an enum field", c->origin);
	for (i = 0; i < c->nfields; i++) {
		struct field_def *f = &c->fields[i];
		if (strcmp(f->key, "name") == 0 ||
		    strcmp(f->key, "connector") == 0)
			return errorf(errstr, EX_CONFIG, "%s: \"%s\" is reserved "
			    "and cannot be a field key", c->origin, f->key);
		for (j = 0; j < i; j++) {
			if (strcmp(c->fields[j].key, f->key) == 0)
				return errorf(errstr, EX_CONFIG, "%s: the field "
				    "\"%s\" appears twice", c->origin, f->key);
		}
		if (f->method != NULL) {
			for (k = 0; mf != NULL && k < mf->nchoices; k++) {
				if (strcmp(mf->choices[k], f->method) == 0)
					break;
			}
			if (mf == NULL || k == mf->nchoices)
				return errorf(errstr, EX_CONFIG, "%s: field "
				    "\"%s\" has a method that is not a choice "
				    "of the method field", c->origin, f->key);
		}
		if (f->dflt != NULL) {
			if (field_validate(f, f->dflt, strlen(f->dflt),
			    INT64_MAX, &canon, &err) != 0) {
				rv = errorf(errstr, EX_CONFIG, "%s: the default "
				    "of \"%s\" is not valid: %s", c->origin,
				    f->key, err);
				free(err);
				return rv;
			}
			free(f->dflt);
			f->dflt = canon;
		}
	}
	return 0;
}

int
catalog_parse(const char *text, size_t len, const char *origin,
    struct connector *c, char **errstr)
{
	json_error_t jerr;
	json_t *root, *fields;
	size_t i;
	int rv;

	memset(c, 0, sizeof *c);
	c->origin = xstrdup(origin);
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "%s, line %d: %s", origin,
		    jerr.line, jerr.text);
		goto fail;
	}
	if (!json_is_object(root)) {
		rv = errorf(errstr, EX_CONFIG, "%s: a connector is a JSON "
		    "object", origin);
		goto fail;
	}
	if ((rv = opt_string(root, "key", &c->key, origin, errstr)) != 0 ||
	    (rv = opt_string(root, "name", &c->name, origin, errstr)) != 0 ||
	    (rv = opt_string(root, "category", &c->category, origin,
	    errstr)) != 0 ||
	    (rv = opt_string(root, "description", &c->description, origin,
	    errstr)) != 0 ||
	    (rv = opt_string(root, "method_field", &c->method_field, origin,
	    errstr)) != 0 ||
	    (rv = opt_string(root, "uri", &c->uri, origin, errstr)) != 0 ||
	    (rv = parse_dbt(root, c, origin, errstr)) != 0)
		goto fail;
	if (c->key == NULL || !key_ok(c->key)) {
		rv = errorf(errstr, EX_CONFIG, "%s: \"key\" is missing or not "
		    "lowercase letters, digits and _", origin);
		goto fail;
	}
	if (c->name == NULL)
		c->name = xstrdup(c->key);
	fields = json_object_get(root, "fields");
	if (!json_is_array(fields) || json_array_size(fields) == 0) {
		rv = errorf(errstr, EX_CONFIG, "%s: \"fields\" must be a "
		    "non-empty array", origin);
		goto fail;
	}
	c->fields = xcalloc(json_array_size(fields), sizeof *c->fields);
	for (i = 0; i < json_array_size(fields); i++) {
		c->nfields++;
		if ((rv = parse_field(json_array_get(fields, i),
		    &c->fields[i], origin, errstr)) != 0)
			goto fail;
	}
	if ((rv = check_connector(c, errstr)) != 0 ||
	    (rv = conntest_parse(root, c, errstr)) != 0 ||
	    (rv = oauth_parse(root, c, errstr)) != 0)
		goto fail;
	json_decref(root);
	return 0;
fail:
	if (root != NULL)
		json_decref(root);
	connector_clear(c);
	return rv;
}

static void
catalog_put(struct catalog *cat, struct connector *c)
{
	size_t i;

	for (i = 0; i < cat->n; i++) {
		if (strcmp(cat->v[i].key, c->key) == 0) {
			connector_clear(&cat->v[i]);
			cat->v[i] = *c;
			return;
		}
	}
	cat->v = xreallocarray(cat->v, cat->n + 1, sizeof *cat->v);
	cat->v[cat->n++] = *c;
}

static int
connector_cmp(const void *a, const void *b)
{
	return strcmp(((const struct connector *)a)->key,
	    ((const struct connector *)b)->key);
}

/* A definition catalog_load_lazy found and has not read: an installed
 * file or a shipped one, known by its name (KEY.json). */
struct catalog_pending {
	char				*key;	/* NULL once read */
	char				*path;	/* installed, or NULL */
	const struct embedded_file	*e;	/* shipped, or NULL */
};

/* KEY of a file named KEY.json, or NULL for any other name. */
static char *
json_name_key(const char *name)
{
	size_t l = strlen(name);

	if (l < 6 || strcmp(name + l - 5, ".json") != 0)
		return NULL;
	return xstrndup(name, l - 5);
}

/*
 * One definition file, parsed; want: the key its name gives it (an
 * installed file's), or NULL (the home's, named as the admin likes).
 */
static int
catalog_read_file(const char *path, const char *want, struct connector *c,
    char **errstr)
{
	char *data;
	size_t len;
	int rv;

	if ((rv = file_read(path, 1 << 20, &data, &len, errstr)) != 0)
		return EX_CONFIG;
	rv = catalog_parse(data, len, path, c, errstr);
	free(data);
	if (rv != 0)
		return EX_CONFIG;
	if (want != NULL && strcmp(c->key, want) != 0) {
		rv = errorf(errstr, EX_CONFIG, "%s defines \"%s\": an installed "
		    "definition is found by its file name, so rename it "
		    "%s.json", path, c->key, c->key);
		connector_clear(c);
	}
	return rv;
}

/* dir's *.json files, each adding to or replacing one by its key; by_name:
 * each file's key must be its name's. */
static int
catalog_load_dir(struct catalog *cat, const char *dir, bool by_name,
    char **errstr)
{
	struct connector c;
	char **names = NULL, *path, *key;
	size_t n = 0, i;
	int rv = 0;

	if (dir == NULL || maildir_list(dir, ".", &names, &n) != 0)
		return 0;
	for (i = 0; i < n && rv == 0; i++) {
		if ((key = json_name_key(names[i])) == NULL)
			continue;
		path = xprintf("%s/%s", dir, names[i]);
		if ((rv = catalog_read_file(path, by_name ? key : NULL, &c,
		    errstr)) == 0)
			catalog_put(cat, &c);
		free(path);
		free(key);
	}
	strv_free(&names, n);
	return rv;
}

/* Where the installed definitions are: PREFIX/share/setuplink/connectors,
 * found beside the program (a packager may have patched them). */
static char *
catalog_installed_dir(void)
{
	return file_beside_exe("../share/setuplink/connectors");
}

/* A shipped definition, parsed. */
static int
catalog_parse_shipped(const struct embedded_file *e, struct connector *c,
    char **errstr)
{
	char *origin = xprintf("shipped %s", e->name);
	int rv;

	rv = catalog_parse((const char *)e->data, e->len, origin, c, errstr);
	free(origin);
	return rv;
}

/*
 * The shipped definitions (embedded), then the installed ones, then the
 * home's: each later one wins by key.
 */
int
catalog_load(const char *dir, struct catalog **out, char **errstr)
{
	struct catalog *cat = xcalloc(1, sizeof *cat);
	const struct embedded_file *e;
	struct connector c;
	char *inst;
	int rv;

	for (e = embedded_connectors; e->name != NULL; e++) {
		if ((rv = catalog_parse_shipped(e, &c, errstr)) != 0)
			goto fail;
		catalog_put(cat, &c);
	}
	inst = catalog_installed_dir();
	rv = catalog_load_dir(cat, inst, true, errstr);
	free(inst);
	if (rv != 0 || (rv = catalog_load_dir(cat, dir, false, errstr)) != 0)
		goto fail;
	qsort(cat->v, cat->n, sizeof *cat->v, connector_cmp);
	*out = cat;
	return 0;
fail:
	catalog_free(&cat);
	return rv;
}

/* True when cat holds key, read or waiting. */
static bool
catalog_has(const struct catalog *cat, const char *key)
{
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->v[i].key, key) == 0)
			return true;
	for (i = 0; i < cat->npending; i++)
		if (cat->pending[i].key != NULL &&
		    strcmp(cat->pending[i].key, key) == 0)
			return true;
	return false;
}

/* key waits in cat, in path (installed) or e (shipped); key is taken. */
static void
catalog_wait(struct catalog *cat, char *key, char *path,
    const struct embedded_file *e)
{
	struct catalog_pending *p;

	if (catalog_has(cat, key)) {
		free(key);
		free(path);
		return;
	}
	cat->pending = xreallocarray(cat->pending, cat->npending + 1,
	    sizeof *cat->pending);
	p = &cat->pending[cat->npending++];
	p->key = key;
	p->path = path;
	p->e = e;
}

/*
 * Reading every definition is a millisecond of each intake for the 25
 * shipped ones, and as much again for each installed copy of them; the
 * intake needs at most the one its link's draft is for.  The home's are
 * read at once (their names say nothing); the installed and shipped ones
 * the home does not replace wait in pending, by file name, until
 * catalog_find asks, an installed one before a shipped one of the same
 * name.  A shipped file's name is its key (test_catalog checks every
 * one), and an installed one's must be (catalog_read_file).
 */
int
catalog_load_lazy(const char *dir, struct catalog **out, char **errstr)
{
	struct catalog *cat = xcalloc(1, sizeof *cat);
	const struct embedded_file *e;
	char **names = NULL, *inst, *key;
	size_t n = 0, i;
	int rv;

	if ((rv = catalog_load_dir(cat, dir, false, errstr)) != 0) {
		catalog_free(&cat);
		return rv;
	}
	inst = catalog_installed_dir();
	if (inst != NULL && maildir_list(inst, ".", &names, &n) == 0) {
		for (i = 0; i < n; i++)
			if ((key = json_name_key(names[i])) != NULL)
				catalog_wait(cat, key, xprintf("%s/%s", inst,
				    names[i]), NULL);
		strv_free(&names, n);
	}
	free(inst);
	for (e = embedded_connectors; e->name != NULL; e++)
		catalog_wait(cat, json_name_key(e->name), NULL, e);
	cat->v = xreallocarray(cat->v, cat->n + cat->npending + 1,
	    sizeof *cat->v);
	*out = cat;
	return 0;
}

void
catalog_free(struct catalog **catp)
{
	struct catalog *cat = *catp;
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n; i++)
		connector_clear(&cat->v[i]);
	free(cat->v);
	for (i = 0; i < cat->npending; i++) {
		free(cat->pending[i].key);
		free(cat->pending[i].path);
	}
	free(cat->pending);
	free(cat);
	*catp = NULL;
}

const struct connector *
catalog_find(const struct catalog *cat, const char *key)
{
	struct catalog *lazy = (struct catalog *)cat;	/* see pending */
	struct connector c;
	char *err = NULL;
	size_t i;

	for (i = 0; i < cat->n; i++) {
		if (strcmp(cat->v[i].key, key) == 0)
			return &cat->v[i];
	}
	for (i = 0; i < cat->npending; i++) {
		struct catalog_pending *p = &lazy->pending[i];
		if (p->key == NULL || strcmp(p->key, key) != 0)
			continue;
		if ((p->e != NULL ? catalog_parse_shipped(p->e, &c, &err) :
		    catalog_read_file(p->path, p->key, &c, &err)) != 0) {
			log_warnx("%s", err);
			free(err);
			return NULL;
		}
		freep(&p->key);
		freep(&p->path);
		lazy->v[lazy->n] = c;
		return &lazy->v[lazy->n++];
	}
	return NULL;
}

const struct field_def *
connector_field(const struct connector *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->nfields; i++) {
		if (strcasecmp(c->fields[i].key, key) == 0)
			return &c->fields[i];
	}
	return NULL;
}

bool
field_applies(const struct connector *c, const struct field_def *f,
    const char *method)
{
	if (f->method == NULL)
		return true;
	return method != NULL && strcmp(f->method, method) == 0;
}

char *
connector_to_json(const struct connector *c)
{
	json_t *o = json_object(), *fields = json_array(), *t;
	size_t i, j;
	char *s;

	json_object_set_new(o, "key", json_string(c->key));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "category", c->category ?
	    json_string(c->category) : json_null());
	json_object_set_new(o, "description", c->description ?
	    json_string(c->description) : json_null());
	json_object_set_new(o, "method_field", c->method_field ?
	    json_string(c->method_field) : json_null());
	for (i = 0; i < c->nfields; i++) {
		const struct field_def *f = &c->fields[i];
		json_t *fo = json_object(), *ch = json_null();
		json_object_set_new(fo, "key", json_string(f->key));
		json_object_set_new(fo, "label", json_string(f->label));
		json_object_set_new(fo, "type",
		    json_string(field_type_name(f->type)));
		json_object_set_new(fo, "required", json_boolean(f->required));
		json_object_set_new(fo, "secret", json_boolean(f->secret));
		json_object_set_new(fo, "default", f->dflt ?
		    json_string(f->dflt) : json_null());
		if (f->type == FT_ENUM) {
			ch = json_array();
			for (j = 0; j < f->nchoices; j++)
				json_array_append_new(ch,
				    json_string(f->choices[j]));
		}
		json_object_set_new(fo, "choices", ch);
		json_object_set_new(fo, "method", f->method ?
		    json_string(f->method) : json_null());
		if (f->type == FT_INTEGER) {
			if (f->min != 0)
				json_object_set_new(fo, "min",
				    json_integer(f->min));
			if (f->max != INT64_MAX)
				json_object_set_new(fo, "max",
				    json_integer(f->max));
		}
		if (f->type == FT_FILE && f->max_size > 0)
			json_object_set_new(fo, "max_size",
			    json_integer(f->max_size));
		if (f->type == FT_FILE)
			json_object_set_new(fo, "file_kind", f->file_kind ==
			    FKIND_ANY ? json_null() :
			    json_string(file_kind_name(f->file_kind)));
		if (f->file_kind == FKIND_JSON) {
			ch = json_array();
			for (j = 0; j < f->njson_keys; j++)
				json_array_append_new(ch,
				    json_string(f->json_keys[j]));
			json_object_set_new(fo, "json_keys", ch);
		}
		if (f->env != NULL)
			json_object_set_new(fo, "env", json_string(f->env));
		json_object_set_new(fo, "help", json_string(f->help));
		json_array_append_new(fields, fo);
	}
	json_object_set_new(o, "fields", fields);
	if ((t = conntest_to_json(c)) != NULL)
		json_object_set_new(o, "test", t);
	if ((t = oauth_to_json(c)) != NULL)
		json_object_set_new(o, "oauth", t);
	if (c->uri != NULL)
		json_object_set_new(o, "uri", json_string(c->uri));
	if (c->dbt != NULL)
		json_object_set_new(o, "dbt", json_loads(c->dbt, 0, NULL));
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		fatalx("out of memory writing JSON");
	return s;
}
