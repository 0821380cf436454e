/* oauth.c: a connector's OAuth sign-in (the "oauth" member): which choice
 * of the method field signs in by the device authorization grant (RFC
 * 8628), the workspace client it uses, the provider's endpoints and the
 * field that receives the refresh token.  Endpoint URLs are the
 * definition's (the admin's); a {key} in them takes a value of the draft
 * only where it cannot move the request to another host. */
#include <stdlib.h>
#include <string.h>

#include "catalog/private.h"
#include "util/util.h"

static int
oauth_str(json_t *o, const char *name, bool need, char **out,
    const char *where, char **errstr)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (need)
			return errorf(errstr, EX_CONFIG, "%s: \"oauth\" needs "
			    "\"%s\"", where, name);
		return 0;
	}
	if (!json_is_string(v) || *json_string_value(v) == '\0' ||
	    str_has_ctl(json_string_value(v)))
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"%s\" must "
		    "be a non-empty string without control characters", where,
		    name);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/*
 * An endpoint template: https:// (http:// only to a loopback address, for
 * a provider on the same host), a fixed host, and {key} only where a value
 * cannot reach the host: in the path, or as the leftmost labels of a host
 * whose domain the template fixes ("https://{tenant}.example.com/...").
 */
static int
oauth_check_url(const struct connector *c, const char *url, const char *name,
    const char *where, char **errstr)
{
	const char *host, *end, *p, *e, *q;
	char *key;
	bool ok;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://127.0.0.1", 16) == 0 ||
	    strncmp(url, "http://[::1]", 12) == 0 ||
	    strncmp(url, "http://localhost", 16) == 0)
		host = url + 7;
	else
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"%s\" must "
		    "start with https:// (http:// only to 127.0.0.1, [::1] or "
		    "localhost)", where, name);
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"%s\" may not "
		    "carry credentials", where, name);
	for (p = url; (p = strchr(p, '{')) != NULL; p = e + 1) {
		if ((e = strchr(p, '}')) == NULL)
			return errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"%s\" "
			    "has a '{' without its '}'", where, name);
		key = xstrndup(p + 1, (size_t)(e - p - 1));
		ok = connector_field(c, key) != NULL;
		if (!ok)
			errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"%s\" names "
			    "{%s}, which is not a field of the connector",
			    where, name, key);
		free(key);
		if (!ok)
			return EX_CONFIG;
		q = strchr(e + 1, '{');
		if (p < end && (e + 1 >= end || e[1] != '.' ||
		    (q != NULL && q < end)))
			return errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"%s\" "
			    "may name a field in its host only before a fixed "
			    "domain ({tenant}.example.com)", where, name);
	}
	return 0;
}

void
oauth_def_clear(struct oauth_def *o)
{
	if (o == NULL)
		return;
	free(o->method);
	free(o->client);
	free(o->device_endpoint);
	free(o->token_endpoint);
	free(o->userinfo_endpoint);
	free(o->scope);
	free(o->token_field);
	free(o->account_field);
	free(o->client_id_field);
	free(o->why);
	memset(o, 0, sizeof *o);
}

int
oauth_parse(json_t *root, struct connector *c, char **errstr)
{
	json_t *o = json_object_get(root, "oauth");
	struct oauth_def *d;
	const struct field_def *mf, *tf, *af;
	const char *where = c->origin;
	char *token = NULL;
	size_t i;
	int rv;

	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\" must be an "
		    "object", where);
	d = c->oauth = xcalloc(1, sizeof *d);
	if ((rv = oauth_str(o, "method", true, &d->method, where, errstr)) ||
	    (rv = oauth_str(o, "client", true, &d->client, where, errstr)) ||
	    (rv = oauth_str(o, "device_authorization_endpoint", true,
	    &d->device_endpoint, where, errstr)) ||
	    (rv = oauth_str(o, "token_endpoint", true, &d->token_endpoint,
	    where, errstr)) ||
	    (rv = oauth_str(o, "userinfo_endpoint", false,
	    &d->userinfo_endpoint, where, errstr)) ||
	    (rv = oauth_str(o, "scope", false, &d->scope, where, errstr)) ||
	    (rv = oauth_str(o, "token_field", true, &d->token_field, where,
	    errstr)) ||
	    (rv = oauth_str(o, "account_field", false, &d->account_field,
	    where, errstr)) ||
	    (rv = oauth_str(o, "client_id_field", false, &d->client_id_field,
	    where, errstr)) ||
	    (rv = oauth_str(o, "token", false, &token, where, errstr)) ||
	    (rv = oauth_str(o, "why", false, &d->why, where, errstr)))
		return rv;
	d->access_token = token != NULL && strcmp(token, "access_token") == 0;
	rv = token != NULL && !d->access_token &&
	    strcmp(token, "refresh_token") != 0;
	free(token);
	if (rv)
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"token\" is "
		    "refresh_token (the default) or access_token", where);
	if (d->client_id_field != NULL &&
	    ((af = connector_field(c, d->client_id_field)) == NULL ||
	    af->type == FT_FILE))
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": "
		    "\"client_id_field\" must name a field of the connector",
		    where);
	for (i = 0; d->client[i] != '\0'; i++) {
		char ch = d->client[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '-') || i >= 64)
			return errorf(errstr, EX_CONFIG, "%s: \"oauth\": "
			    "\"client\" is a name of lowercase letters, digits, "
			    "- and _ (HOME/oauth/NAME.conf)", where);
	}
	if (c->method_field == NULL ||
	    (mf = connector_field(c, c->method_field)) == NULL)
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\" needs a "
		    "\"method_field\" whose choice it is", where);
	for (i = 0; i < mf->nchoices; i++) {
		if (strcmp(mf->choices[i], d->method) == 0)
			break;
	}
	if (i == mf->nchoices)
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": \"method\" "
		    "must be a choice of the method field %s", where,
		    mf->key);
	if ((tf = connector_field(c, d->token_field)) == NULL || !tf->secret ||
	    tf->type == FT_FILE)
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": "
		    "\"token_field\" must name a secret field of the "
		    "connector", where);
	if (d->account_field != NULL &&
	    ((af = connector_field(c, d->account_field)) == NULL ||
	    af->secret || af->type == FT_FILE))
		return errorf(errstr, EX_CONFIG, "%s: \"oauth\": "
		    "\"account_field\" must name a field of the connector that "
		    "is not secret", where);
	if ((rv = oauth_check_url(c, d->device_endpoint,
	    "device_authorization_endpoint", where, errstr)) != 0 ||
	    (rv = oauth_check_url(c, d->token_endpoint, "token_endpoint",
	    where, errstr)) != 0 ||
	    (d->userinfo_endpoint != NULL && (rv = oauth_check_url(c,
	    d->userinfo_endpoint, "userinfo_endpoint", where, errstr)) != 0))
		return rv;
	return 0;
}

json_t *
oauth_to_json(const struct connector *c)
{
	const struct oauth_def *d = c->oauth;
	json_t *o;

	if (d == NULL)
		return NULL;
	o = json_object();
	json_object_set_new(o, "method", json_string(d->method));
	json_object_set_new(o, "client", json_string(d->client));
	json_object_set_new(o, "device_authorization_endpoint",
	    json_string(d->device_endpoint));
	json_object_set_new(o, "token_endpoint",
	    json_string(d->token_endpoint));
	if (d->userinfo_endpoint != NULL)
		json_object_set_new(o, "userinfo_endpoint",
		    json_string(d->userinfo_endpoint));
	json_object_set_new(o, "scope", d->scope != NULL ?
	    json_string(d->scope) : json_null());
	json_object_set_new(o, "token_field", json_string(d->token_field));
	json_object_set_new(o, "token", json_string(d->access_token ?
	    "access_token" : "refresh_token"));
	if (d->client_id_field != NULL)
		json_object_set_new(o, "client_id_field",
		    json_string(d->client_id_field));
	if (d->account_field != NULL)
		json_object_set_new(o, "account_field",
		    json_string(d->account_field));
	if (d->why != NULL)
		json_object_set_new(o, "why", json_string(d->why));
	return o;
}

/*
 * A value put in a URL: letters, digits, '-' (and '.', '_' in the path,
 * though never a whole "." or ".." segment), so it cannot end the host,
 * add a port, a user, a query or climb the path.
 */
static bool
oauth_value_ok(const char *v, bool in_host)
{
	const char *p;

	if (*v == '\0' || strlen(v) > 253 || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return false;
	for (p = v; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-')
			continue;
		if (!in_host && (*p == '.' || *p == '_'))
			continue;
		return false;
	}
	return true;
}

int
oauth_url(const char *tmpl, const char *const *keys,
    const char *const *values, size_t n, char **out, char **errstr)
{
	const char *p = tmpl, *e, *v, *host_end;
	struct buf b;
	char *key;
	size_t i;

	*out = NULL;
	host_end = strstr(tmpl, "://");
	host_end = host_end != NULL ? host_end + 3 : tmpl;
	host_end += strcspn(host_end, "/?#");
	buf_init(&b);
	while ((e = strchr(p, '{')) != NULL) {
		buf_add(&b, p, (size_t)(e - p));
		p = strchr(e, '}');
		key = xstrndup(e + 1, (size_t)(p - e - 1));
		for (i = 0, v = NULL; i < n; i++) {
			if (strcmp(keys[i], key) == 0)
				v = values[i];
		}
		if (v == NULL || !oauth_value_ok(v, e < host_end)) {
			errorf(errstr, EX_DATAERR, "%s: %s", key, v == NULL ||
			    *v == '\0' ? "needed for the OAuth sign-in, and not "
			    "given" : e < host_end ? "must be letters, digits "
			    "and - (it names the provider's host)" : "must be "
			    "letters, digits, '.', '_' and -");
			free(key);
			buf_free(&b);
			return EX_DATAERR;
		}
		free(key);
		buf_adds(&b, v);
		p++;
	}
	buf_adds(&b, p);
	*out = buf_take(&b);
	return 0;
}
