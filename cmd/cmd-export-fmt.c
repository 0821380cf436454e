/* cmd-export-fmt.c: draft export's forms for the next tool: shell
 * variables under the names it reads, a connection URI, a dbt profile and
 * a Kubernetes Secret, each escaping what its reader treats as syntax. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/export.h"
#include "util/http.h"

/* The variable the field goes in: its declared one, else CONNECTOR_KEY. */
char *
export_env_name(const struct connector *c, const struct field_def *f)
{
	char *s, *p;

	if (f->env != NULL)
		return xstrdup(f->env);
	s = xprintf("%s_%s", c->key, f->key);
	for (p = s; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
		else if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' &&
		    *p <= '9')))
			*p = '_';
	}
	return s;
}

/* The value, or NULL when the field is unset or not of the chosen method. */
static const struct field_value *
export_value(const struct export_ctx *x, const struct field_def *f)
{
	const struct field_value *fv = draft_value(x->d, f->key);

	if (fv == NULL || fv->value == NULL || fv->len == 0 ||
	    !field_applies(x->c, f, x->method))
		return NULL;
	return fv;
}

/* Single quotes: the one shell quoting inside which nothing is special. */
static void
export_sh_quote(const char *s, size_t len)
{
	size_t i;

	putchar('\'');
	for (i = 0; i < len; i++) {
		if (s[i] == '\'')
			fputs("'\\''", stdout);
		else
			putchar(s[i]);
	}
	putchar('\'');
}

/*
 * A file field that the next tool reads by path (PGSSLROOTCERT) is written
 * to HOME/exports/DRAFT/KEY, 0600 in a 0700 folder, and the variable holds
 * that path; it is written again by each export.
 */
static int
export_file(const struct export_ctx *x, const struct field_def *f,
    const struct field_value *fv, char **path, char **errstr)
{
	char *dir = xprintf("%s/exports/%lld", x->home->dir,
	    (long long)x->d->id), *tmp;
	int fd, rv;

	*path = NULL;
	if ((rv = dir_make(dir, errstr)) != 0) {
		free(dir);
		return rv;
	}
	*path = xprintf("%s/%s", dir, f->key);
	tmp = xprintf("%s.tmp", *path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0 || fchmod(fd, 0600) != 0 ||
	    fd_write_all(fd, fv->value, fv->len) != 0 || fsync(fd) != 0 ||
	    rename(tmp, *path) != 0)
		rv = errorf(errstr, EX_CONFIG, "cannot write %s: %s", *path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rv != 0) {
		unlink(tmp);
		freep(path);
	}
	free(tmp);
	free(dir);
	return rv;
}

int
export_env(const struct export_ctx *x, char **errstr)
{
	const struct field_value *fv;
	char *name, *path;
	size_t i;
	int rv;

	for (i = 0; i < x->c->nfields; i++) {
		const struct field_def *f = &x->c->fields[i];
		if ((fv = export_value(x, f)) == NULL)
			continue;
		name = export_env_name(x->c, f);
		if (f->type == FT_FILE && f->env != NULL) {
			if ((rv = export_file(x, f, fv, &path, errstr)) != 0) {
				free(name);
				return rv;
			}
			printf("%s=", name);
			export_sh_quote(path, strlen(path));
			free(path);
		} else {
			printf("%s=", name);
			export_sh_quote(fv->value, fv->len);
		}
		printf("\nexport %s\n", name);
		free(name);
	}
	return 0;
}

/* Append tpl[0..n) with each {key} percent-encoded; *empty when one
 * came out empty. */
static void
export_subst(const struct export_ctx *x, const char *tpl, size_t n,
    struct buf *b, bool *empty)
{
	const char *p = tpl, *end = tpl + n, *e;
	char *key, *enc;

	*empty = false;
	while (p < end) {
		if (*p != '{' || (e = memchr(p, '}', (size_t)(end - p))) == NULL) {
			buf_addc(b, *p++);
			continue;
		}
		key = xstrndup(p + 1, (size_t)(e - p - 1));
		{
			const struct field_def *f = connector_field(x->c, key);
			const struct field_value *fv = f != NULL ?
			    export_value(x, f) : NULL;
			enc = http_escape(fv != NULL ? fv->value : "");
		}
		*empty = *empty || *enc == '\0';
		buf_adds(b, enc);
		free(enc);
		free(key);
		p = e + 1;
	}
}

/*
 * The connector's URI template with each {key} percent-encoded (every byte
 * but RFC 3986's unreserved ones, so no value can add a part), and each
 * query parameter whose value came out empty left out.
 */
int
export_uri(const struct export_ctx *x, char **errstr)
{
	const char *t = x->c->uri, *q, *p, *amp;
	struct buf b, prm;
	bool empty, first = true;

	if (t == NULL)
		return errorf(errstr, EX_USAGE, "the %s connector has no URI "
		    "form: use --format env or json", x->c->key);
	buf_init(&b);
	q = strchr(t, '?');
	export_subst(x, t, q != NULL ? (size_t)(q - t) : strlen(t), &b, &empty);
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0'; ) {
		amp = strchr(p, '&');
		buf_init(&prm);
		export_subst(x, p, amp != NULL ? (size_t)(amp - p) : strlen(p),
		    &prm, &empty);
		if (!empty && prm.len > 0) {
			buf_addc(&b, first ? '?' : '&');
			buf_add(&b, prm.data, prm.len);
			first = false;
		}
		buf_free(&prm);
		p = amp != NULL ? amp + 1 : NULL;
	}
	printf("%s\n", b.data != NULL ? b.data : "");
	buf_free(&b);
	return 0;
}

/* A YAML double-quoted scalar: JSON's string syntax is a subset of it. */
static void
export_yaml_str(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *out;

	if (j == NULL) {
		fputs("null", stdout);
		return;
	}
	out = json_dumps(j, JSON_ENCODE_ANY);
	fputs(out, stdout);
	free(out);
	json_decref(j);
}

int
export_k8s(const struct export_ctx *x, char **errstr)
{
	const struct field_value *fv;
	char *name, *dn;
	size_t i;

	dn = xprintf("setuplink-%s-%lld", x->c->key, (long long)x->d->id);
	for (char *p = dn; *p != '\0'; p++) {
		if (*p == '_')
			*p = '-';
	}
	printf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n"
	    "  labels:\n    app.kubernetes.io/managed-by: setuplink\n"
	    "type: Opaque\nstringData:\n", dn);
	free(dn);
	for (i = 0; i < x->c->nfields; i++) {
		const struct field_def *f = &x->c->fields[i];
		if ((fv = export_value(x, f)) == NULL)
			continue;
		if (!utf8_valid(fv->value, fv->len))
			return errorf(errstr, EX_DATAERR, "%s is binary, which "
			    "stringData cannot carry: use --format json", f->key);
		name = export_env_name(x->c, f);
		printf("  %s: ", name);
		export_yaml_str(fv->value, fv->len);
		putchar('\n');
		free(name);
	}
	return 0;
}

/* One profile value: an integer field as a number, the rest quoted. */
static void
export_dbt_value(const struct export_ctx *x, const char *fkey)
{
	const struct field_def *f = connector_field(x->c, fkey);
	const struct field_value *fv = f != NULL ? export_value(x, f) : NULL;

	if (fv == NULL)
		return;
	if (f->type == FT_INTEGER)
		printf("%s", fv->value);
	else
		export_yaml_str(fv->value, fv->len);
}

int
export_dbt(const struct export_ctx *x, char **errstr)
{
	json_t *dbt, *fields, *defs, *v;
	const char *pkey;
	char *s;

	if (x->c->dbt == NULL)
		return errorf(errstr, EX_USAGE, "dbt has no adapter setuplink "
		    "knows for %s: use --format env or json", x->c->key);
	dbt = json_loads(x->c->dbt, 0, NULL);
	fields = json_object_get(dbt, "fields");
	defs = json_object_get(dbt, "defaults");
	printf("setuplink_%s_%lld:\n  target: default\n  outputs:\n"
	    "    default:\n      type: ", x->c->key, (long long)x->d->id);
	s = json_dumps(json_object_get(dbt, "type"), JSON_ENCODE_ANY);
	printf("%s\n", s);
	free(s);
	json_object_foreach(fields, pkey, v) {
		const struct field_def *f = connector_field(x->c,
		    json_string_value(v));
		if (f == NULL || f->type == FT_FILE ||
		    export_value(x, f) == NULL)
			continue;
		printf("      %s: ", pkey);
		export_dbt_value(x, f->key);
		putchar('\n');
	}
	json_object_foreach(defs, pkey, v) {
		if (json_object_get(fields, pkey) != NULL)
			continue;
		s = json_dumps(v, JSON_ENCODE_ANY);
		printf("      %s: %s\n", pkey, s);
		free(s);
	}
	json_decref(dbt);
	return 0;
}
