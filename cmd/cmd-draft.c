/* cmd-draft.c: setuplink draft new, list, show, set, rm and export: the
 * admin's side of a draft source. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

#define MASK "********"

static const struct option show_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "reveal", no_argument, NULL, 'r' },
	{ "history", no_argument, NULL, 'H' },
	{ "name", required_argument, NULL, 'n' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	bool		 json;
	bool		 reveal;
	bool		 history;
	const char	*name;
	const char	*format;
};

static int
parse_opts(int argc, char **argv, const char *cmd, const char *allowed,
    struct opts *o, char **errstr)
{
	int c;

	memset(o, 0, sizeof *o);
	while ((c = cmd_getopt(argc, argv, "h", show_opts)) != -1) {
		if (c == '?' || strchr(allowed, c) == NULL)
			return cmd_bad_usage(errstr, cmd, "unknown option");
		switch (c) {
		case 'j': o->json = true; break;
		case 'r': o->reveal = true; break;
		case 'H': o->history = true; break;
		case 'n': o->name = optarg; break;
		case 'f': o->format = optarg; break;
		}
	}
	return 0;
}

int
cmd_draft_new(struct session *ctx, int argc, char **argv, char **errstr)
{
	const struct connector *c;
	struct opts o;
	int64_t id;
	int rv;

	/* Options may follow the connector: let getopt permute. */
	optind = 1;
	{
		int ch;
		memset(&o, 0, sizeof o);
		while ((ch = cmd_getopt(argc, argv, "h", show_opts)) != -1) {
			if (ch == 'n')
				o.name = optarg;
			else if (ch == 'j')
				o.json = true;
			else
				return cmd_bad_usage(errstr, "draft new",
				    "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_bad_usage(errstr, "draft new", "name one connector");
	if (o.name == NULL || *str_trim((char *)o.name) == '\0')
		return cmd_bad_usage(errstr, "draft new", "--name NAME is "
		    "required");
	if ((rv = draft_name_check(o.name, errstr)) != 0)
		return rv;
	if ((c = catalog_find(ctx->cat, argv[optind])) == NULL)
		return errorf(errstr, EX_USAGE, "there is no connector '%s': "
		    "see setuplink connectors", argv[optind]);
	if ((rv = draft_new(ctx, c, o.name, NULL, 0, &id, errstr)) != 0)
		return rv;
	if (o.json) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(id));
		json_out(j);
	} else
		printf("%lld\n", (long long)id);
	return 0;
}

static json_t *
json_keys(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int
cmd_draft_list(struct session *ctx, int argc, char **argv, char **errstr)
{
	struct draft_summary *v;
	struct opts o;
	size_t n, i;
	int rv;

	if ((rv = parse_opts(argc, argv, "draft list", "j", &o, errstr)) != 0)
		return rv;
	if (optind != argc)
		return cmd_bad_usage(errstr, "draft list", "too many arguments");
	if ((rv = draft_list(ctx->st, ctx->cat, &v, &n, errstr)) != 0)
		return rv;
	if (o.json) {
		json_t *a = json_array();
		for (i = 0; i < n; i++) {
			json_t *j = json_object();
			json_object_set_new(j, "id", json_integer(v[i].id));
			json_object_set_new(j, "name", json_string(v[i].name));
			json_object_set_new(j, "connector",
			    json_string(v[i].connector));
			json_object_set_new(j, "status", json_string(
			    v[i].complete ? "complete" : "incomplete"));
			json_object_set_new(j, "created",
			    json_time(v[i].created));
			json_object_set_new(j, "updated",
			    json_time(v[i].updated));
			json_object_set_new(j, "pending_links",
			    json_integer(v[i].pending_links));
			json_object_set_new(j, "missing",
			    json_keys(v[i].missing, v[i].nmissing));
			json_array_append_new(a, j);
		}
		json_out(a);
	} else {
		printf("%5s  %-28s %-14s %-12s %-5s %s\n", "ID", "NAME",
		    "CONNECTOR", "STATUS", "LINKS", "UPDATED");
		for (i = 0; i < n; i++) {
			char *t = time_local(v[i].updated), *name =
			    str_safe(v[i].name), st[32];
			if (v[i].complete)
				snprintf(st, sizeof st, "complete");
			else
				snprintf(st, sizeof st, "%zu missing",
				    v[i].nmissing);
			printf("%5lld  %-28.28s %-14s %-12s %-5d %s\n",
			    (long long)v[i].id, name, v[i].connector, st,
			    v[i].pending_links, t);
			free(t);
			free(name);
		}
	}
	draft_summaries_free(&v, n);
	return 0;
}

static json_t *
json_source(const struct source *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "kind", json_string(s->kind == SOURCE_ADMIN ?
	    "admin" : "reply"));
	json_object_set_new(j, "from", json_str_or_null(s->from));
	json_object_set_new(j, "at", json_time(s->at));
	json_object_set_new(j, "link", s->link ? json_integer(s->link) :
	    json_null());
	json_object_set_new(j, "signed_by", json_str_or_null(s->signed_by));
	json_object_set_new(j, "encrypted", json_boolean(s->encrypted));
	return j;
}

/* A value as shown: masked unless revealed, binary files summarised. */
static char *
shown_value(const struct field_def *f, const char *v, size_t len, bool reveal)
{
	if (v == NULL)
		return NULL;
	if (f != NULL && f->secret && !reveal)
		return xstrdup(MASK);
	if (!utf8_valid(v, len))
		return xprintf("(%zu bytes of binary data)", len);
	return xstrndup(v, len);
}

static char *
source_line(const struct source *s)
{
	char *t = time_local(s->at), *r;

	r = xprintf("%s %s, %s%s%s%s%s", s->kind == SOURCE_ADMIN ? "admin" :
	    "reply", s->from ? s->from : "?", t,
	    s->link ? xprintf(", link %lld", (long long)s->link) : "",
	    s->signed_by ? ", signed by " : "",
	    s->signed_by ? s->signed_by : "", s->encrypted ? ", encrypted" : "");
	free(t);
	return r;
}

static void
print_history(struct session *ctx, const struct connector *c,
    const struct draft *d, const char *key, bool reveal)
{
	struct field_history *h;
	char *err = NULL;
	size_t n, i;

	if (draft_history(ctx->st, d->id, key, &h, &n, &err) != 0) {
		free(err);
		return;
	}
	for (i = 1; i < n; i++) {
		char *v = shown_value(c ? connector_field(c, key) : NULL,
		    h[i].value, h[i].len, reveal), *s = source_line(&h[i].src);
		char *safe = str_safe(v ? v : "(empty)");
		printf("  %-20s   was %s  (%s)\n", "", safe, s);
		free(safe);
		free(v);
		free(s);
	}
	draft_history_free(&h, n);
}

int
cmd_draft_show(struct session *ctx, int argc, char **argv, char **errstr)
{
	const struct connector *c;
	struct draft *d = NULL;
	struct opts o;
	char **missing = NULL;
	size_t nmissing = 0, i;
	int64_t id;
	bool complete = false;
	int rv;

	if ((rv = parse_opts(argc, argv, "draft show", "jrH", &o, errstr)) != 0)
		return rv;
	if (optind != argc - 1)
		return cmd_bad_usage(errstr, "draft show", "name one draft id");
	if ((rv = cmd_parse_id(argv[optind], "draft", &id, errstr)) != 0 ||
	    (rv = draft_get(ctx->st, ctx->cat, id, &d, errstr)) != 0)
		return rv;
	if ((c = catalog_find(ctx->cat, d->connector)) != NULL)
		complete = draft_complete(c, d, &missing, &nmissing);
	if (o.json) {
		json_t *j = json_object(), *fields = json_array();
		json_object_set_new(j, "id", json_integer(d->id));
		json_object_set_new(j, "name", json_string(d->name));
		json_object_set_new(j, "connector", json_string(d->connector));
		json_object_set_new(j, "status", json_string(complete ?
		    "complete" : "incomplete"));
		json_object_set_new(j, "created", json_time(d->created));
		json_object_set_new(j, "updated", json_time(d->updated));
		json_object_set_new(j, "missing", json_keys(missing, nmissing));
		for (i = 0; i < d->nfields; i++) {
			const struct field_value *fv = &d->fields[i];
			const struct field_def *f = c ? connector_field(c,
			    fv->key) : NULL;
			json_t *fj = json_object();
			char *v = fv->len > 0 ? shown_value(f, fv->value,
			    fv->len, o.reveal) : NULL;
			json_object_set_new(fj, "key", json_string(fv->key));
			json_object_set_new(fj, "value", json_str_or_null(v));
			json_object_set_new(fj, "secret",
			    json_boolean(f != NULL && f->secret));
			json_object_set_new(fj, "source", fv->set ?
			    json_source(&fv->src) : json_null());
			json_array_append_new(fields, fj);
			free(v);
		}
		json_object_set_new(j, "fields", fields);
		json_out(j);
	} else {
		char *name = str_safe(d->name);
		printf("Draft %lld: %s (%s), %s", (long long)d->id, name,
		    d->connector, complete ? "complete" : "incomplete");
		free(name);
		for (i = 0; i < nmissing; i++)
			printf("%s%s", i ? ", " : "; missing ", missing[i]);
		printf("\n\n");
		for (i = 0; i < d->nfields; i++) {
			const struct field_value *fv = &d->fields[i];
			const struct field_def *f = c ? connector_field(c,
			    fv->key) : NULL;
			char *v = fv->len > 0 ? shown_value(f, fv->value,
			    fv->len, o.reveal) : NULL;
			char *safe = str_safe(v ? v : "-");
			char *s = fv->set ? source_line(&fv->src) : NULL;
			if (strchr(safe, '?') && v && strchr(v, '\n')) {
				free(safe);
				safe = xprintf("(%zu lines)", (size_t)1 +
				    (size_t)(strchr(v, '\n') != NULL));
			}
			printf("  %-22s %-30s %s\n", fv->key, safe, s ? s : "");
			if (o.history)
				print_history(ctx, c, d, fv->key, o.reveal);
			free(v);
			free(safe);
			free(s);
		}
	}
	strv_free(&missing, nmissing);
	draft_free(&d);
	return 0;
}

/* Read a secret from the terminal without echo. */
static int
prompt_value(const struct field_def *f, char **value, size_t *len,
    char **errstr)
{
	struct termios old, noecho;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool echo_off;

	if (!isatty(STDIN_FILENO))
		return errorf(errstr, EX_USAGE, "'%s' has no value and there is "
		    "no terminal to ask on: write %s=VALUE, %s=@FILE or %s=@-",
		    f->key, f->key, f->key, f->key);
	fprintf(stderr, "%s (%s): ", f->label, f->key);
	fflush(stderr);
	echo_off = tcgetattr(STDIN_FILENO, &old) == 0;
	if (echo_off) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	n = getline(&line, &cap, stdin);
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (n < 0) {
		free(line);
		return errorf(errstr, EX_USAGE, "no value read for '%s'",
		    f->key);
	}
	line[strcspn(line, "\r\n")] = '\0';
	*len = strlen(line);
	*value = line;
	return 0;
}

/* One KEY=VALUE, KEY=@FILE, KEY=@-, KEY=@@literal or bare KEY argument. */
static int
read_arg(struct session *ctx, const struct field_def *f, const char *eq,
    bool *stdin_used, char **value, size_t *len, char **errstr)
{
	size_t max = value_read_limit(ctx, f);
	bool trunc;

	if (eq == NULL)
		return prompt_value(f, value, len, errstr);
	if (eq[0] == '@' && eq[1] == '@') {
		*value = xstrdup(eq + 1);
		*len = strlen(*value);
		return 0;
	}
	if (strcmp(eq, "@-") == 0) {
		if (*stdin_used)
			return errorf(errstr, EX_USAGE, "only one value can "
			    "come from standard input (@-)");
		*stdin_used = true;
		if (fd_read_all(STDIN_FILENO, max, value, len, &trunc,
		    errstr) != 0)
			return EX_NOINPUT;
		/* A value typed or piped ends with one newline: drop it. */
		if (f->type != FT_FILE && *len > 0 && (*value)[*len - 1] == '\n')
			(*value)[--*len] = '\0';
		return 0;
	}
	if (eq[0] == '@') {
		int rv = file_read(eq + 1, max, value, len, errstr);
		if (rv == EX_DATAERR)
			return errorf(errstr, EX_DATAERR, "%s: the file %s is "
			    "too large for this field", f->key, eq + 1);
		if (rv == 0 && f->type != FT_FILE && *len > 0 &&
		    (*value)[*len - 1] == '\n')
			(*value)[--*len] = '\0';
		return rv;
	}
	*value = xstrdup(eq);
	*len = strlen(eq);
	return 0;
}

/*
 * The fields named by KEY=... arguments, before any value is read: an
 * unknown key (or one given twice) is bad usage, and no file is read and
 * no prompt shown for a command that is refused anyway.
 */
static int
set_keys(const struct connector *c, char **args, size_t n,
    struct value_input *in, char **errstr)
{
	const struct field_def *f;
	struct buf unknown;
	size_t i, j;
	int rv = 0;

	buf_init(&unknown);
	for (i = 0; i < n; i++) {
		char *key = xstrndup(args[i], strcspn(args[i], "="));
		if ((f = connector_field(c, key)) == NULL)
			buf_printf(&unknown, "%s%s", unknown.len ? ", " : "",
			    key);
		for (j = 0; f != NULL && j < i; j++) {
			if (in[j].key != NULL && strcmp(in[j].key, f->key) == 0) {
				buf_printf(&unknown, "%s%s (given twice)",
				    unknown.len ? ", " : "", key);
				f = NULL;
			}
		}
		in[i].key = f != NULL ? f->key : NULL;
		free(key);
	}
	if (unknown.len > 0)
		rv = errorf(errstr, EX_USAGE, "%s: not a field of %s; see "
		    "setuplink connector show %s", unknown.data, c->key, c->key);
	buf_free(&unknown);
	return rv;
}

int
cmd_draft_set(struct session *ctx, int argc, char **argv, char **errstr)
{
	const struct connector *c;
	struct draft *d = NULL;
	struct value_input *in = NULL;
	char *err = NULL;
	size_t n = 0, i;
	int64_t id;
	bool stdin_used = false, bad = false;
	int rv;

	if (argc < 3)
		return cmd_bad_usage(errstr, "draft set", "name a draft id and "
		    "at least one KEY=VALUE");
	if ((rv = cmd_parse_id(argv[1], "draft", &id, errstr)) != 0 ||
	    (rv = draft_get(ctx->st, ctx->cat, id, &d, errstr)) != 0)
		return rv;
	if ((c = catalog_find(ctx->cat, d->connector)) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "the draft's connector '%s' is "
		    "no longer in the catalog", d->connector);
		goto out;
	}
	n = (size_t)argc - 2;
	in = xcalloc(n, sizeof *in);
	if ((rv = set_keys(c, argv + 2, n, in, errstr)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(argv[2 + i], '=');
		char *raw = NULL;
		if ((rv = read_arg(ctx, connector_field(c, in[i].key),
		    eq ? eq + 1 : NULL, &stdin_used, &raw, &in[i].len,
		    errstr)) != 0)
			goto out;
		in[i].raw = raw;
	}
	if ((rv = draft_set_values(ctx, id, c, in, n, &err)) != 0) {
		for (i = 0; i < n; i++)
			bad |= in[i].bad;
		rv = errorf(errstr, rv, bad ? "nothing was set: %s" : "%s",
		    err);
	}
out:
	for (i = 0; in != NULL && i < n; i++) {
		if (in[i].raw != NULL)
			memset((char *)in[i].raw, 0, in[i].len);
		free((char *)in[i].raw);
	}
	free(in);
	free(err);
	draft_free(&d);
	return rv;
}

int
cmd_draft_rm(struct session *ctx, int argc, char **argv, char **errstr)
{
	int64_t id;
	int rv;

	if (argc != 2)
		return cmd_bad_usage(errstr, "draft rm", "name one draft id");
	if ((rv = cmd_parse_id(argv[1], "draft", &id, errstr)) != 0)
		return rv;
	return draft_delete(ctx, id, errstr);
}

static void
shell_quote(const char *s)
{
	putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
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

int
cmd_draft_export(struct session *ctx, int argc, char **argv, char **errstr)
{
	const struct connector *c;
	const struct field_value *mv;
	struct draft *d = NULL;
	struct opts o;
	const char *method = NULL, *fmt;
	json_t *j = NULL;
	size_t i;
	int64_t id;
	int rv;

	if ((rv = parse_opts(argc, argv, "draft export", "f", &o, errstr)) != 0)
		return rv;
	fmt = o.format ? o.format : "env";
	if (strcmp(fmt, "env") != 0 && strcmp(fmt, "json") != 0 &&
	    strcmp(fmt, "pgpass") != 0)
		return cmd_bad_usage(errstr, "draft export", "--format takes "
		    "env, json or pgpass");
	if (optind != argc - 1)
		return cmd_bad_usage(errstr, "draft export", "name one draft id");
	if ((rv = cmd_parse_id(argv[optind], "draft", &id, errstr)) != 0 ||
	    (rv = draft_get(ctx->st, ctx->cat, id, &d, errstr)) != 0)
		return rv;
	if ((c = catalog_find(ctx->cat, d->connector)) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "the connector '%s' is no longer "
		    "in the catalog", d->connector);
		goto out;
	}
	if (c->method_field != NULL &&
	    (mv = draft_value(d, c->method_field)) != NULL && mv->len > 0)
		method = mv->value;
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
			if (i > 0)
				putchar(':');
			pgpass_field(fv && fv->len ? fv->value : "*");
		}
		putchar('\n');
		goto out;
	}
	if (strcmp(fmt, "json") == 0)
		j = json_object();
	for (i = 0; i < c->nfields; i++) {
		const struct field_def *f = &c->fields[i];
		const struct field_value *fv = draft_value(d, f->key);
		if (fv == NULL || fv->len == 0 || !field_applies(c, f, method))
			continue;
		if (j != NULL) {
			json_object_set_new(j, f->key, utf8_valid(fv->value,
			    fv->len) ? json_stringn(fv->value, fv->len) :
			    json_null());
			continue;
		}
		char *up = str_lower(xstrdup(f->key));
		for (char *p = up; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		printf("%s=", up);
		shell_quote(fv->value);
		putchar('\n');
		free(up);
	}
	if (j != NULL)
		json_out(j);
out:
	draft_free(&d);
	return rv;
}
