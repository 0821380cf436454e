/* conntest.c: a connector's test as its definition declares it (the
 * "test" member): which kind, which field plays which role, and for HTTP
 * the request.  Checked when the catalog loads, so a template naming a
 * field the connector lacks is the definition's error, not a test's. */
#include <stdlib.h>
#include <string.h>

#include "catalog/private.h"
#include "util/util.h"

static const char *kind_names[] = {
	"files", "http", "postgres", "mysql", "ssh"
};

static const char *const roles_files[] = { "service_account",
	"private_key", "passphrase", "certificate", "public_key", NULL };
static const char *const roles_http[] = { "user", "secret", "ca", NULL };
static const char *const roles_postgres[] = { "host", "port", "dbname",
	"user", "password", "sslmode", "sslrootcert", "sslcert", "sslkey",
	"schema", NULL };
static const char *const roles_mysql[] = { "host", "port", "database",
	"user", "password", "ssl_mode", "ssl_ca", NULL };
static const char *const roles_ssh[] = { "host", "port", "user",
	"password", "private_key", "passphrase", "host_key_fingerprint",
	NULL };
static const char *const *kind_roles[] = {
	roles_files, roles_http, roles_postgres, roles_mysql, roles_ssh
};

static const char *auth_names[] = {
	"none", "basic", "bearer", "header", "query"
};

const char *
conntest_kind_name(enum conntest_kind k)
{
	return (size_t)k < nitems(kind_names) ? kind_names[k] : "?";
}

const char *const *
conntest_roles(enum conntest_kind k)
{
	return kind_roles[k];
}

void
conntest_clear(struct conntest *t)
{
	size_t i;

	for (i = 0; i < t->nroles; i++) {
		free(t->roles[i].role);
		free(t->roles[i].field);
	}
	free(t->roles);
	free(t->method);
	free(t->http_method);
	free(t->url);
	free(t->auth);
	free(t->auth_name);
	free(t->status);
	free(t->why);
	memset(t, 0, sizeof *t);
}

const struct conntest *
connector_test(const struct connector *c, const char *method)
{
	size_t i;

	for (i = 0; i < c->ntests; i++) {
		if (c->tests[i].method == NULL || (method != NULL &&
		    strcmp(c->tests[i].method, method) == 0))
			return &c->tests[i];
	}
	return NULL;
}

const struct field_def *
conntest_field(const struct connector *c, const struct conntest *t,
    const char *role)
{
	size_t i;

	for (i = 0; i < t->nroles; i++) {
		if (strcmp(t->roles[i].role, role) == 0)
			return connector_field(c, t->roles[i].field);
	}
	return connector_field(c, role);
}

static bool
in_list(const char *s, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(s, v[i]) == 0)
			return true;
	}
	return false;
}

static int
str_member(json_t *o, const char *name, char **out, const char *where,
    char **errstr)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || str_has_ctl(json_string_value(v)))
		return errorf(errstr, EX_CONFIG, "%s: \"%s\" must be a string "
		    "without control characters", where, name);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* Every {key} of an URL template names a field of the connector. */
static int
check_template(const struct connector *c, const char *url, const char *where,
    char **errstr)
{
	const char *p = url, *e;
	char *key;
	bool ok;

	while ((p = strchr(p, '{')) != NULL) {
		if ((e = strchr(p, '}')) == NULL)
			return errorf(errstr, EX_CONFIG, "%s: the url has a '{' "
			    "without its '}'", where);
		key = xstrndup(p + 1, (size_t)(e - p - 1));
		ok = connector_field(c, key) != NULL;
		if (!ok)
			errorf(errstr, EX_CONFIG, "%s: the url names {%s}, "
			    "which is not a field of the connector", where, key);
		free(key);
		if (!ok)
			return EX_CONFIG;
		p = e + 1;
	}
	if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0)
		return 0;
	/* Or with a URL field, which the catalog validated as one. */
	e = strchr(url, '}');
	if (*url == '{' && e != NULL) {
		key = xstrndup(url + 1, (size_t)(e - url - 1));
		ok = connector_field(c, key)->type == FT_URL;
		free(key);
		if (ok)
			return 0;
	}
	return errorf(errstr, EX_CONFIG, "%s: the url must start with "
	    "https://, http:// or a url field", where);
}

static int
parse_roles(json_t *o, const struct connector *c, struct conntest *t,
    const char *where, char **errstr)
{
	const char *const *known = kind_roles[t->kind];
	size_t nk = 0;
	const char *role;
	json_t *m = json_object_get(o, "fields"), *v;

	while (known[nk] != NULL)
		nk++;
	if (m == NULL || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return errorf(errstr, EX_CONFIG, "%s: \"fields\" maps roles to "
		    "field keys", where);
	t->roles = xcalloc(json_object_size(m), sizeof *t->roles);
	json_object_foreach(m, role, v) {
		if (!in_list(role, known, nk))
			return errorf(errstr, EX_CONFIG, "%s: a %s test has no "
			    "role \"%s\"", where, kind_names[t->kind], role);
		if (!json_is_string(v) ||
		    connector_field(c, json_string_value(v)) == NULL)
			return errorf(errstr, EX_CONFIG, "%s: the role \"%s\" "
			    "must name a field of the connector", where, role);
		t->roles[t->nroles].role = xstrdup(role);
		t->roles[t->nroles++].field = xstrdup(json_string_value(v));
	}
	return 0;
}

static int
parse_http(json_t *o, const struct connector *c, struct conntest *t,
    const char *where, char **errstr)
{
	json_t *st = json_object_get(o, "status"), *v;
	size_t i;
	int rv;

	if ((rv = str_member(o, "http_method", &t->http_method, where,
	    errstr)) != 0 ||
	    (rv = str_member(o, "url", &t->url, where, errstr)) != 0 ||
	    (rv = str_member(o, "auth", &t->auth, where, errstr)) != 0 ||
	    (rv = str_member(o, "auth_name", &t->auth_name, where,
	    errstr)) != 0)
		return rv;
	if (t->url == NULL)
		return errorf(errstr, EX_CONFIG, "%s: an http test needs a "
		    "\"url\"", where);
	if ((rv = check_template(c, t->url, where, errstr)) != 0)
		return rv;
	if (t->auth == NULL)
		t->auth = xstrdup("none");
	if (!in_list(t->auth, auth_names, nitems(auth_names)))
		return errorf(errstr, EX_CONFIG, "%s: \"auth\" is one of none, "
		    "basic, bearer, header, query", where);
	if ((strcmp(t->auth, "header") == 0 || strcmp(t->auth, "query") == 0)
	    && (t->auth_name == NULL || *t->auth_name == '\0'))
		return errorf(errstr, EX_CONFIG, "%s: auth \"%s\" needs an "
		    "\"auth_name\"", where, t->auth);
	if (strcmp(t->auth, "none") != 0 &&
	    conntest_field(c, t, "secret") == NULL)
		return errorf(errstr, EX_CONFIG, "%s: auth \"%s\" needs a field "
		    "for the role \"secret\"", where, t->auth);
	if (st != NULL && !json_is_null(st)) {
		if (!json_is_array(st) || json_array_size(st) == 0)
			return errorf(errstr, EX_CONFIG, "%s: \"status\" is a "
			    "non-empty array of HTTP statuses", where);
		t->status = xcalloc(json_array_size(st), sizeof *t->status);
		json_array_foreach(st, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 100 ||
			    json_integer_value(v) > 599)
				return errorf(errstr, EX_CONFIG, "%s: \"status\" "
				    "holds HTTP statuses (100-599)", where);
			t->status[t->nstatus++] = (long)json_integer_value(v);
		}
	}
	return 0;
}

static int
parse_one(json_t *o, const struct connector *c, struct conntest *t,
    const char *where, char **errstr)
{
	const struct field_def *mf;
	char *kind = NULL;
	size_t i;
	int rv;

	if (!json_is_object(o))
		return errorf(errstr, EX_CONFIG, "%s: a test is an object", where);
	if ((rv = str_member(o, "kind", &kind, where, errstr)) != 0 ||
	    (rv = str_member(o, "method", &t->method, where, errstr)) != 0 ||
	    (rv = str_member(o, "why", &t->why, where, errstr)) != 0)
		goto out;
	for (i = 0; kind != NULL && i < nitems(kind_names); i++) {
		if (strcmp(kind, kind_names[i]) == 0)
			break;
	}
	if (kind == NULL || i == nitems(kind_names)) {
		rv = errorf(errstr, EX_CONFIG, "%s: \"kind\" is one of files, "
		    "http, postgres, mysql, ssh", where);
		goto out;
	}
	t->kind = (enum conntest_kind)i;
	if (t->method != NULL && (c->method_field == NULL ||
	    (mf = connector_field(c, c->method_field)) == NULL ||
	    !in_list(t->method, (const char *const *)mf->choices,
	    mf->nchoices))) {
		rv = errorf(errstr, EX_CONFIG, "%s: \"method\" is not a choice "
		    "of the method field", where);
		goto out;
	}
	if ((rv = parse_roles(o, c, t, where, errstr)) != 0)
		goto out;
	if (t->kind == CT_HTTP)
		rv = parse_http(o, c, t, where, errstr);
out:
	free(kind);
	return rv;
}

int
conntest_parse(json_t *root, struct connector *c, char **errstr)
{
	json_t *v = json_object_get(root, "test"), *one;
	char *where;
	size_t i, n;
	int rv = 0;

	if (v == NULL || json_is_null(v))
		return 0;
	n = json_is_array(v) ? json_array_size(v) : 1;
	c->tests = xcalloc(n, sizeof *c->tests);
	for (i = 0; i < n && rv == 0; i++) {
		one = json_is_array(v) ? json_array_get(v, i) : v;
		where = xprintf("%s: test %zu", c->origin, i + 1);
		c->ntests++;
		rv = parse_one(one, c, &c->tests[i], where, errstr);
		free(where);
	}
	return rv;
}

static void
set_str(json_t *o, const char *name, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, name, json_string(v));
}

json_t *
conntest_to_json(const struct connector *c)
{
	json_t *a, *o, *m, *st;
	size_t i, j;

	if (c->ntests == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < c->ntests; i++) {
		const struct conntest *t = &c->tests[i];
		o = json_object();
		json_object_set_new(o, "kind",
		    json_string(conntest_kind_name(t->kind)));
		set_str(o, "method", t->method);
		if (t->nroles > 0) {
			m = json_object();
			for (j = 0; j < t->nroles; j++)
				json_object_set_new(m, t->roles[j].role,
				    json_string(t->roles[j].field));
			json_object_set_new(o, "fields", m);
		}
		set_str(o, "http_method", t->http_method);
		set_str(o, "url", t->url);
		if (t->kind == CT_HTTP)
			set_str(o, "auth", t->auth);
		set_str(o, "auth_name", t->auth_name);
		if (t->nstatus > 0) {
			st = json_array();
			for (j = 0; j < t->nstatus; j++)
				json_array_append_new(st,
				    json_integer(t->status[j]));
			json_object_set_new(o, "status", st);
		}
		set_str(o, "why", t->why);
		json_array_append_new(a, o);
	}
	return a;
}
