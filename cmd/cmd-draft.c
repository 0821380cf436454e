/* cmd-draft.c: setuplink draft new, list, show, set and rm: the admin's
 * side of a draft source (export is cmd-draft-export.c). */
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

#define MASK "********"

static int	cmd_draft_new(struct session *, const struct args *, char **);
static int	cmd_draft_list(struct session *, const struct args *, char **);
static int	cmd_draft_show(struct session *, const struct args *, char **);
static int	cmd_draft_set(struct session *, const struct args *, char **);
static int	cmd_draft_rm(struct session *, const struct args *, char **);

static const struct cmd_option cmd_draft_new_options[] = {
	{ "name", 0, "NAME", CMD_OPT_REQUIRED, "what you will know it by" },
	{ "json", 0, NULL, 0, "print {\"id\": ID}" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_draft_new_entry = {
	.name = "draft new",
	.args = { "CONNECTOR", 1, 1, "name one connector" },
	.options = cmd_draft_new_options,
	.help = "start a draft source; prints its id",
	.session = SESSION_ALL,
	.exec = cmd_draft_new,
};

static const struct cmd_option cmd_draft_list_options[] = {
	{ "json", 0, NULL, 0, "print a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_draft_list_entry = {
	.name = "draft list",
	.args = { "", 0, 0, NULL },
	.options = cmd_draft_list_options,
	.help = "list drafts with what they still miss",
	.session = SESSION_ALL,
	.exec = cmd_draft_list,
};

static const struct cmd_option cmd_draft_show_options[] = {
	{ "json", 0, NULL, 0, "print a JSON object" },
	{ "reveal", 0, NULL, 0, "show secret values, not ********" },
	{ "history", 0, NULL, 0, "every earlier value, under each field" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_draft_show_entry = {
	.name = "draft show",
	.args = { "ID", 1, 1, "name one draft id" },
	.options = cmd_draft_show_options,
	.help = "show a draft's fields and where each came from",
	.session = SESSION_ALL,
	.exec = cmd_draft_show,
};

const struct cmd_entry cmd_draft_set_entry = {
	.name = "draft set",
	.args = { "ID KEY=VALUE... | KEY=@FILE | KEY=@- | KEY", 2, -1,
	    "name a draft id and at least one KEY=VALUE" },
	.help = "set fields, all or none",
	.session = SESSION_ALL,
	.exec = cmd_draft_set,
};

const struct cmd_entry cmd_draft_rm_entry = {
	.name = "draft rm",
	.args = { "ID", 1, 1, "name one draft id" },
	.help = "remove a draft, revoke its links, wipe its values",
	.session = SESSION_ALL,
	.exec = cmd_draft_rm,
};

static int
cmd_draft_new(struct session *ctx, const struct args *args, char **errstr)
{
	const struct connector *c;
	char *name;
	int64_t id;
	int rv;

	/* Blanks after the name go; a blank name is no name. */
	name = xstrdup(args_get(args, "name"));
	if (*str_trim(name) == '\0') {
		rv = cmd_bad_usage(args, errstr, "--name NAME is required");
		goto out;
	}
	if ((rv = draft_name_check(name, errstr)) != 0)
		goto out;
	if ((c = catalog_find(ctx->cat, args->argv[0])) == NULL) {
		rv = errorf(errstr, EX_NOINPUT, "there is no connector '%s': "
		    "see setuplink connectors", args->argv[0]);
		goto out;
	}
	if ((rv = draft_new(ctx, c, name, NULL, 0, &id, errstr)) != 0)
		goto out;
	if (args_has(args, "json")) {
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(id));
		json_out(j);
	} else
		printf("%lld\n", (long long)id);
out:
	free(name);
	return rv;
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

static int
cmd_draft_list(struct session *ctx, const struct args *args, char **errstr)
{
	struct draft_summary *v;
	size_t n, i;
	int rv;

	if ((rv = draft_list(ctx->st, ctx->cat, &v, &n, errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
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
			printf("%5lld  %s %-14s %-12s %-5d %s\n",
			    (long long)v[i].id, cmd_cut(name, 28),
			    v[i].connector, st,
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

	json_object_set_new(j, "kind", json_string(
	    source_kind_name(s->kind)));
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

	r = xprintf("%s %s, %s%s%s%s%s", source_kind_name(s->kind), s->from ? s->from : "?", t,
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

	if (draft_history(ctx->st, d->id, key, &h, &n, &err) != 0 ||
	    (reveal && draft_history_reveal(ctx->st, h, n, &err) != 0)) {
		draft_history_free(&h, n);
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

static int
cmd_draft_show(struct session *ctx, const struct args *args, char **errstr)
{
	const struct connector *c;
	struct draft *d = NULL;
	char **missing = NULL;
	size_t nmissing = 0, i;
	int64_t id;
	bool complete = false, reveal = args_has(args, "reveal");
	int rv;

	if ((rv = cmd_parse_id(args->argv[0], "draft", &id, errstr)) != 0 ||
	    (rv = (reveal ? draft_get_revealed(ctx, id, &d, errstr) :
	    draft_get(ctx->st, ctx->cat, id, &d, errstr))) != 0)
		return rv;
	if (reveal && (rv = cmd_audit_note(ctx, "reveal", id, NULL,
	    errstr)) != 0) {
		draft_free(&d);
		return rv;
	}
	if ((c = catalog_find(ctx->cat, d->connector)) != NULL)
		complete = draft_complete(c, d, &missing, &nmissing);
	if (args_has(args, "json")) {
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
			    fv->len, reveal) : NULL;
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
		json_object_set_new(j, "test", cmd_draft_test_json(ctx, d));
		json_out(j);
	} else {
		char *name = str_safe(d->name);
		printf("Draft %lld: %s (%s), %s", (long long)d->id, name,
		    d->connector, complete ? "complete" : "incomplete");
		free(name);
		for (i = 0; i < nmissing; i++)
			printf("%s%s", i ? ", " : "; missing ", missing[i]);
		printf("\n");
		cmd_draft_test_print(ctx, d);
		printf("\n");
		for (i = 0; i < d->nfields; i++) {
			const struct field_value *fv = &d->fields[i];
			const struct field_def *f = c ? connector_field(c,
			    fv->key) : NULL;
			char *v = fv->len > 0 ? shown_value(f, fv->value,
			    fv->len, reveal) : NULL;
			char *safe = str_safe(v ? v : "-");
			char *s = fv->set ? source_line(&fv->src) : NULL;
			if (strchr(safe, '?') && v && strchr(v, '\n')) {
				free(safe);
				safe = xprintf("(%zu lines)", (size_t)1 +
				    (size_t)(strchr(v, '\n') != NULL));
			}
			printf("  %-22s %s %s\n", fv->key, cmd_col(safe, 30),
			    s ? s : "");
			if (args_has(args, "history"))
				print_history(ctx, c, d, fv->key, reveal);
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
			if (in[j].key != NULL &&
			    strcmp(in[j].key, f->key) == 0) {
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

static int
cmd_draft_set(struct session *ctx, const struct args *args, char **errstr)
{
	const struct connector *c;
	struct draft *d = NULL;
	struct value_input *in = NULL;
	char *err = NULL;
	size_t n = 0, i;
	int64_t id;
	bool stdin_used = false, bad = false;
	int rv;

	if ((rv = cmd_parse_id(args->argv[0], "draft", &id, errstr)) != 0 ||
	    (rv = draft_get(ctx->st, ctx->cat, id, &d, errstr)) != 0)
		return rv;
	if ((c = catalog_find(ctx->cat, d->connector)) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "the draft's connector '%s' is "
		    "no longer in the catalog", d->connector);
		goto out;
	}
	n = (size_t)args->argc - 1;
	in = xcalloc(n, sizeof *in);
	if ((rv = set_keys(c, args->argv + 1, n, in, errstr)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(args->argv[1 + i], '=');
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

static int
cmd_draft_rm(struct session *ctx, const struct args *args, char **errstr)
{
	int64_t id;
	int rv;

	if ((rv = cmd_parse_id(args->argv[0], "draft", &id, errstr)) != 0)
		return rv;
	return draft_delete(ctx, id, errstr);
}
