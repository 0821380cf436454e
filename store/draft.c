/* draft.c: draft sources and their fields.  Every write adds a row to
 * field_values and marks the one before it no longer current, so a
 * field's whole history (who, when, through which link, signed by whom,
 * encrypted or not) stays readable. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

static const char *kind_names[] = { "admin", "reply", "oauth" };

const char *
source_kind_name(enum source_kind k)
{
	return (size_t)k < nitems(kind_names) ? kind_names[k] : "?";
}

static void
source_clear(struct source *s)
{
	free(s->from);
	free(s->signed_by);
	memset(s, 0, sizeof *s);
}

static int
draft_exists(struct store *st, int64_t id, char **errstr)
{
	static const char sql[] =
	    "SELECT 1 FROM drafts WHERE id = ? AND deleted IS NULL";
	struct db_stmt *s = db_prepare(st, sql);
	int rc;

	db_bind_int64(s, 1, id);
	rc = db_step(s);
	db_reset(s);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return errorf(errstr, EX_NOINPUT, "there is no draft %lld: "
		    "see setuplink draft list", (long long)id);
	return db_error(st, rc, "reading a draft", errstr);
}

int
draft_create(struct store *st, const struct connector *c, const char *name,
    const char *admin_from, int64_t *id, char **errstr)
{
	static const char sql[] = "INSERT INTO drafts (name, connector, "
	    "created, updated) VALUES (?, ?, ?, ?)";
	struct field_write *w;
	struct source src = { SOURCE_ADMIN, (char *)admin_from, time_now(), 0,
	    NULL, false };
	struct db_stmt *s;
	size_t i, n = 0;
	bool mine;
	int rv;

	if ((rv = db_tx_enter(st, &mine, errstr)) != 0)
		return rv;
	s = db_prepare(st, sql);
	db_bind_text(s, 1, name, -1, DB_STATIC);
	db_bind_text(s, 2, c->key, -1, DB_STATIC);
	db_bind_int64(s, 3, src.at);
	db_bind_int64(s, 4, src.at);
	if ((rv = db_step_done(st, s, "creating a draft", errstr)) != 0)
		return db_tx_leave(st, mine, rv, errstr);
	*id = db_last_id(st);

	/* draft new sets every field that has a default, as an admin write. */
	w = xcalloc(c->nfields, sizeof *w);
	for (i = 0; i < c->nfields; i++) {
		if (c->fields[i].dflt == NULL)
			continue;
		w[n].key = c->fields[i].key;
		w[n].value = c->fields[i].dflt;
		w[n].len = strlen(c->fields[i].dflt);
		n++;
	}
	if (n > 0)
		rv = draft_write(st, *id, w, n, &src, NULL, errstr);
	free(w);
	if (rv == 0)
		rv = audit_add(st, admin_from, "draft new", *id, 0, c->key,
		    errstr);
	return db_tx_leave(st, mine, rv, errstr);
}

static void
source_read(struct db_stmt *s, int col, struct source *src)
{
	const char *kind = (const char *)db_column_text(s, col);

	src->kind = kind != NULL && strcmp(kind, "reply") == 0 ?
	    SOURCE_REPLY : kind != NULL && strcmp(kind, "oauth") == 0 ?
	    SOURCE_OAUTH : SOURCE_ADMIN;
	src->from = db_text(s, col + 1);
	src->at = db_column_int64(s, col + 2);
	src->link = db_column_int64(s, col + 3);
	src->signed_by = db_text(s, col + 4);
	src->encrypted = db_column_int(s, col + 5) != 0;
}

static void
value_read(struct db_stmt *s, int col, char **value, size_t *len)
{
	const void *p;
	int n;

	*value = NULL;
	*len = 0;
	if (db_column_null(s, col))
		return;
	p = db_column_blob(s, col);
	n = db_column_bytes(s, col);
	*value = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(*value, p, (size_t)n);
	(*value)[n] = '\0';
	*len = (size_t)n;
}

int
draft_get(struct store *st, const struct catalog *cat, int64_t id,
    struct draft **out, char **errstr)
{
	static const char dsql[] = "SELECT name, connector, created, updated "
	    "FROM drafts WHERE id = ? AND deleted IS NULL";
	static const char fsql[] = "SELECT key, value, kind, sender, at, link, "
	    "signed_by, encrypted, sealed FROM field_values "
	    "WHERE draft = ? AND current = 1 ORDER BY id";
	const struct connector *c;
	struct draft *d;
	struct db_stmt *s;
	size_t i;
	int rc;

	*out = NULL;
	s = db_prepare(st, dsql);
	db_bind_int64(s, 1, id);
	if ((rc = db_step(s)) != DB_ROW) {
		db_reset(s);
		if (rc == DB_DONE)
			return errorf(errstr, EX_NOINPUT, "there is no draft "
			    "%lld: see setuplink draft list", (long long)id);
		return db_error(st, rc, "reading a draft", errstr);
	}
	d = xcalloc(1, sizeof *d);
	d->id = id;
	d->name = db_text(s, 0);
	d->connector = db_text(s, 1);
	d->created = db_column_int64(s, 2);
	d->updated = db_column_int64(s, 3);
	db_reset(s);

	/* One slot per catalog field, in catalog order. */
	if ((c = catalog_find(cat, d->connector)) != NULL) {
		d->fields = xcalloc(c->nfields, sizeof *d->fields);
		for (i = 0; i < c->nfields; i++)
			d->fields[d->nfields++].key = xstrdup(c->fields[i].key);
	}
	s = db_prepare(st, fsql);
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *key = (const char *)db_column_text(s, 0);
		struct field_value *fv = NULL;
		for (i = 0; i < d->nfields; i++) {
			if (strcmp(d->fields[i].key, key) == 0)
				fv = &d->fields[i];
		}
		if (fv == NULL) {
			/* A key the catalog no longer has: keep showing it. */
			d->fields = xreallocarray(d->fields, d->nfields + 1,
			    sizeof *d->fields);
			fv = &d->fields[d->nfields++];
			memset(fv, 0, sizeof *fv);
			fv->key = xstrdup(key);
		}
		value_read(s, 1, &fv->value, &fv->len);
		fv->set = true;
		fv->sealed = fv->value != NULL && db_column_int(s, 8);
		source_read(s, 2, &fv->src);
	}
	db_reset(s);
	if (rc != DB_DONE) {
		draft_free(&d);
		return db_error(st, rc, "reading a draft's fields", errstr);
	}
	*out = d;
	return 0;
}

void
draft_free(struct draft **dp)
{
	struct draft *d = *dp;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfields; i++) {
		free(d->fields[i].key);
		if (d->fields[i].value != NULL)
			explicit_bzero(d->fields[i].value, d->fields[i].len);
		free(d->fields[i].value);
		source_clear(&d->fields[i].src);
	}
	free(d->fields);
	free(d->name);
	free(d->connector);
	free(d);
	*dp = NULL;
}

const struct field_value *
draft_value(const struct draft *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		if (strcasecmp(d->fields[i].key, key) == 0)
			return &d->fields[i];
	}
	return NULL;
}

static bool
has_value(const struct draft *d, const char *key)
{
	const struct field_value *fv = draft_value(d, key);

	return fv != NULL && fv->value != NULL && fv->len > 0;
}

bool
draft_complete(const struct connector *c, const struct draft *d,
    char ***missing, size_t *nmissing)
{
	const struct field_value *mv = NULL;
	const char *method = NULL;
	char **v = NULL;
	size_t i, n = 0;

	if (c->method_field != NULL) {
		mv = draft_value(d, c->method_field);
		if (mv != NULL && mv->value != NULL && mv->len > 0)
			method = mv->value;
	}
	for (i = 0; i < c->nfields; i++) {
		const struct field_def *f = &c->fields[i];
		bool counts;
		/* With no method chosen every method's fields are missing. */
		if (c->method_field != NULL && method == NULL)
			counts = f->required;
		else
			counts = f->required && field_applies(c, f, method);
		if (!counts || has_value(d, f->key))
			continue;
		if (missing != NULL) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n] = xstrdup(f->key);
		}
		n++;
	}
	if (missing != NULL) {
		*missing = v;
		*nmissing = n;
	}
	return n == 0;
}

/* One value's row, a secret sealed before it reaches SQLite's pages. */
static int
value_insert(struct store *st, int64_t id, const char *connector,
    const struct field_write *w, const struct source *src, char **errstr)
{
	static const char ins[] = "INSERT INTO field_values (draft, key, value, "
	    "kind, sender, at, link, signed_by, encrypted, sealed) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct db_stmt *s = db_prepare(st, ins);
	char *sealed;
	size_t slen;

	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, w->key, -1, DB_STATIC);
	db_bind_int64(s, 10, 0);
	if (w->value != NULL && w->len > 0 && db_seal(st, connector, w->key,
	    w->value, w->len, &sealed, &slen)) {
		db_bind_blob(s, 3, sealed, (int)slen, free);
		db_bind_int64(s, 10, 1);
	} else if (w->value != NULL && w->len > 0)
		db_bind_blob(s, 3, w->value, (int)w->len, DB_STATIC);
	db_bind_text(s, 4, kind_names[src->kind], -1, DB_STATIC);
	db_bind_text(s, 5, src->from, -1, DB_STATIC);
	db_bind_int64(s, 6, src->at);
	if (src->link != 0)
		db_bind_int64(s, 7, src->link);
	db_bind_text(s, 8, src->signed_by, -1, DB_STATIC);
	db_bind_int64(s, 9, src->encrypted);
	return db_step_done(st, s, "writing a field", errstr);
}

int
draft_write(struct store *st, int64_t id, const struct field_write *w,
    size_t n, const struct source *src, bool *replaced, char **errstr)
{
	static const char cur[] = "SELECT id, value IS NOT NULL AND "
	    "length(value) > 0 FROM field_values WHERE draft = ? AND key = ? "
	    "AND current = 1";
	static const char retire[] =
	    "UPDATE field_values SET current = 0 WHERE id = ?";
	static const char touch[] = "UPDATE drafts SET updated = ? WHERE id = ?";
	struct db_stmt *s;
	struct buf keys;
	char *connector = NULL;
	size_t i;
	bool mine;
	int rv, rc;

	if ((rv = db_tx_enter(st, &mine, errstr)) != 0)
		return rv;
	buf_init(&keys);
	if ((rv = draft_exists(st, id, errstr)) != 0 ||
	    (rv = db_draft_connector(st, id, &connector, errstr)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		int64_t old = 0;
		bool had = false;

		s = db_prepare(st, cur);
		db_bind_int64(s, 1, id);
		db_bind_text(s, 2, w[i].key, -1, DB_STATIC);
		if ((rc = db_step(s)) == DB_ROW) {
			old = db_column_int64(s, 0);
			had = db_column_int(s, 1) != 0;
		}
		db_reset(s);
		if (rc != DB_ROW && rc != DB_DONE) {
			rv = db_error(st, rc, "reading a field", errstr);
			goto out;
		}
		if (replaced != NULL)
			replaced[i] = had;
		if (old != 0) {
			s = db_prepare(st, retire);
			db_bind_int64(s, 1, old);
			if ((rv = db_step_done(st, s, "writing a field",
			    errstr)) != 0)
				goto out;
		}
		/* No checkpoint for a replaced value: the old one stays in
		 * the history by design, sealed when secret. */
		if ((rv = value_insert(st, id, connector, &w[i], src,
		    errstr)) != 0)
			goto out;
		buf_printf(&keys, "%s%s", i ? "," : "", w[i].key);
	}
	s = db_prepare(st, touch);
	db_bind_int64(s, 1, src->at);
	db_bind_int64(s, 2, id);
	if ((rv = db_step_done(st, s, "writing a draft", errstr)) != 0)
		goto out;
	/* The audit names the keys, never the values. */
	rv = audit_add(st, src->from, src->kind == SOURCE_ADMIN ? "draft set" :
	    src->kind == SOURCE_OAUTH ? "oauth signed in" : "reply merged", id,
	    src->link, keys.data, errstr);
out:
	free(connector);
	buf_free(&keys);
	return db_tx_leave(st, mine, rv, errstr);
}

int
draft_history(struct store *st, int64_t id, const char *key,
    struct field_history **out, size_t *np, char **errstr)
{
	static const char sql[] = "SELECT value, kind, sender, at, link, "
	    "signed_by, encrypted, removed, sealed FROM field_values "
	    "WHERE draft = ? AND key = ? ORDER BY id DESC";
	struct field_history *v = NULL;
	struct db_stmt *s;
	size_t n = 0;
	int rc, rv;

	*out = NULL;
	*np = 0;
	if ((rv = draft_exists(st, id, errstr)) != 0)
		return rv;
	s = db_prepare(st, sql);
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, key, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		memset(&v[n], 0, sizeof v[n]);
		value_read(s, 0, &v[n].value, &v[n].len);
		source_read(s, 1, &v[n].src);
		v[n].removed = db_column_int(s, 7) != 0;
		v[n].sealed = v[n].value != NULL &&
		    db_column_int(s, 8) != 0;
		n++;
	}
	db_reset(s);
	*out = v;
	*np = n;
	if (rc != DB_DONE) {
		draft_history_free(out, n);
		*np = 0;
		return db_error(st, rc, "reading a field's history", errstr);
	}
	return 0;
}

void
draft_history_free(struct field_history **hp, size_t n)
{
	size_t i;

	if (*hp == NULL)
		return;
	for (i = 0; i < n; i++) {
		if ((*hp)[i].value != NULL)
			explicit_bzero((*hp)[i].value, (*hp)[i].len);
		free((*hp)[i].value);
		source_clear(&(*hp)[i].src);
	}
	free(*hp);
	*hp = NULL;
}

/* A link_revoked event for each link the removal revokes. */
static int
draft_remove_events(struct store *st, int64_t id, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "SELECT id FROM links WHERE "
	    "draft = ? AND state = 'pending'");
	int64_t *v = NULL;
	size_t n = 0, i;
	int rc, rv = 0;

	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = db_column_int64(s, 0);
	}
	db_reset(s);
	if (rc != DB_DONE)
		rv = db_error(st, rc, "reading the draft's links", errstr);
	for (i = 0; rv == 0 && i < n; i++)
		rv = event_add(st, "link_revoked", id, v[i], NULL, 0,
		    "draft_removed", errstr);
	free(v);
	return rv;
}

/*
 * Removing a draft keeps nothing secret behind: every value, current or
 * old, is wiped; pending links are revoked; the draft row and the audit
 * entry stay, so ids are never reused and the log still makes sense.
 */
int
draft_remove(struct store *st, int64_t id, const char *admin, char **errstr)
{
	static const char revoke[] = "UPDATE links SET state = 'revoked', "
	    "ended = ? WHERE draft = ? AND state IN ('pending', 'bounced')";
	static const char wipe[] = "UPDATE field_values SET value = NULL, "
	    "removed = 1, sealed = 0 WHERE draft = ?";
	static const char del[] = "UPDATE drafts SET deleted = ? WHERE id = ?";
	int64_t now = time_now();
	struct db_stmt *s;
	bool mine;
	int rv;

	if ((rv = db_tx_enter(st, &mine, errstr)) != 0)
		return rv;
	if ((rv = draft_exists(st, id, errstr)) != 0 ||
	    (rv = draft_remove_events(st, id, errstr)) != 0)
		goto out;
	s = db_prepare(st, revoke);
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, id);
	if ((rv = db_step_done(st, s, "revoking links", errstr)) != 0)
		goto out;
	s = db_prepare(st, wipe);
	db_bind_int64(s, 1, id);
	if ((rv = db_step_done(st, s, "removing values", errstr)) != 0)
		goto out;
	s = db_prepare(st, del);
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, id);
	if ((rv = db_step_done(st, s, "removing a draft", errstr)) != 0)
		goto out;
	rv = audit_add(st, admin, "draft rm", id, 0, NULL, errstr);
	st->scrub = rv == 0;
out:
	return db_tx_leave(st, mine, rv, errstr);
}
