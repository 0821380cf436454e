/* summary.c: the list of drafts with what each still misses, read in three
 * queries whatever the number of drafts, so draft list stays fast at ten
 * thousand drafts; and one page of it (draft_page), whose cost grows with
 * the page rather than the store, for the TUI's Sources screen. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

static int
summary_cmp(const void *a, const void *b)
{
	const struct draft_summary *x = a, *y = b;

	if (x->updated != y->updated)
		return x->updated < y->updated ? 1 : -1;
	return x->id < y->id ? 1 : (x->id > y->id ? -1 : 0);
}

static struct draft_summary *
find(struct draft_summary *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	/* v is sorted by id ascending while it is being filled. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One set value, from columns col (key) and col + 1 (value). */
static void
values_push(struct field_value **fv, size_t *n, size_t *cap,
    struct db_stmt *s, int col)
{
	struct field_value *f;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*fv = xreallocarray(*fv, *cap, sizeof **fv);
	}
	f = &(*fv)[(*n)++];
	memset(f, 0, sizeof *f);
	f->key = db_text(s, col);
	f->value = db_text(s, col + 1);
	f->len = strlen(f->value);
}

static void
values_clear(struct field_value *fv, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free(fv[i].key);
		free(fv[i].value);
	}
	*n = 0;
}

int
draft_list(struct store *st, const struct catalog *cat,
    struct draft_summary **out, size_t *np, char **errstr)
{
	static const char dsql[] = "SELECT id, name, connector, created, "
	    "updated FROM drafts WHERE deleted IS NULL ORDER BY id";
	static const char fsql[] = "SELECT f.draft, f.key, f.value FROM "
	    "field_values f JOIN drafts d ON d.id = f.draft WHERE f.current = 1 "
	    "AND d.deleted IS NULL AND f.value IS NOT NULL "
	    "AND length(f.value) > 0 ORDER BY f.draft";
	static const char lsql[] = "SELECT draft, sum(CASE WHEN state = "
	    "'pending' AND expires > ? THEN 1 ELSE 0 END), sum(CASE WHEN "
	    "state = 'used' THEN 1 ELSE 0 END) FROM links GROUP BY draft";
	struct draft_summary *v = NULL, *ds;
	struct draft d;
	struct db_stmt *s;
	size_t n = 0, i, cap = 0;
	int rc;

	*out = NULL;
	*np = 0;
	s = db_prepare(st, dsql);
	while ((rc = db_step(s)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
		}
		memset(&v[n], 0, sizeof v[n]);
		v[n].id = db_column_int64(s, 0);
		v[n].name = db_text(s, 1);
		v[n].connector = db_text(s, 2);
		v[n].created = db_column_int64(s, 3);
		v[n].updated = db_column_int64(s, 4);
		n++;
	}
	db_reset(s);
	if (rc != DB_DONE)
		goto fail;

	/*
	 * Completeness needs each draft's set values (the method's among
	 * them): gather them as a lightweight struct draft per draft.
	 */
	{
		struct field_value *fv = NULL;
		size_t nfv = 0, fcap = 0;
		int64_t cur = -1;

		s = db_prepare(st, fsql);
		for (;;) {
			rc = db_step(s);
			int64_t id = rc == DB_ROW ?
			    db_column_int64(s, 0) : -2;
			if (id != cur && cur >= 0 &&
			    (ds = find(v, n, cur)) != NULL) {
				const struct connector *c =
				    catalog_find(cat, ds->connector);
				memset(&d, 0, sizeof d);
				d.fields = fv;
				d.nfields = nfv;
				if (c != NULL)
					ds->complete = draft_complete(c, &d,
					    &ds->missing, &ds->nmissing);
				ds->pending_links = -1;	/* done marker */
			}
			if (id != cur) {
				values_clear(fv, &nfv);
				cur = id;
			}
			if (rc != DB_ROW)
				break;
			values_push(&fv, &nfv, &fcap, s, 1);
		}
		free(fv);
		db_reset(s);
		if (rc != DB_DONE)
			goto fail;
	}
	/* Drafts with no value at all. */
	for (i = 0; i < n; i++) {
		if (v[i].pending_links == -1) {
			v[i].pending_links = 0;
			continue;
		}
		const struct connector *c = catalog_find(cat, v[i].connector);
		memset(&d, 0, sizeof d);
		if (c != NULL)
			v[i].complete = draft_complete(c, &d, &v[i].missing,
			    &v[i].nmissing);
	}
	s = db_prepare(st, lsql);
	db_bind_int64(s, 1, time_now());
	while ((rc = db_step(s)) == DB_ROW) {
		if ((ds = find(v, n, db_column_int64(s, 0))) != NULL) {
			ds->pending_links = db_column_int(s, 1);
			ds->used_links = db_column_int(s, 2);
		}
	}
	db_reset(s);
	if (rc != DB_DONE)
		goto fail;
	if (n > 0)
		qsort(v, n, sizeof *v, summary_cmp);
	*out = v;
	*np = n;
	return 0;
fail:
	draft_summaries_free(&v, n);
	return db_error(st, rc, "listing drafts", errstr);
}

void
draft_summaries_free(struct draft_summary **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*vp)[i].name);
		free((*vp)[i].connector);
		strv_free(&(*vp)[i].missing, (*vp)[i].nmissing);
	}
	free(*vp);
	*vp = NULL;
}

/* One draft's completeness and link counts, each by its own indexed
 * query: draft_page() reads a screenful, never the store. */
static int
page_fill(struct store *st, const struct catalog *cat,
    struct draft_summary *ds, int64_t now)
{
	static const char fsql[] = "SELECT key, value FROM field_values "
	    "WHERE draft = ? AND current = 1 AND value IS NOT NULL AND "
	    "length(value) > 0";
	static const char lsql[] = "SELECT coalesce(sum(CASE WHEN state = "
	    "'pending' AND expires > ? THEN 1 ELSE 0 END), 0), coalesce(sum("
	    "CASE WHEN state = 'used' THEN 1 ELSE 0 END), 0) FROM links "
	    "WHERE draft = ?";
	const struct connector *c = catalog_find(cat, ds->connector);
	struct field_value *fv = NULL;
	size_t nfv = 0, fcap = 0;
	struct draft d;
	struct db_stmt *s;
	int rc;

	s = db_prepare(st, fsql);
	db_bind_int64(s, 1, ds->id);
	while ((rc = db_step(s)) == DB_ROW)
		values_push(&fv, &nfv, &fcap, s, 0);
	db_reset(s);
	if (rc == DB_DONE && c != NULL) {
		memset(&d, 0, sizeof d);
		d.fields = fv;
		d.nfields = nfv;
		ds->complete = draft_complete(c, &d, &ds->missing,
		    &ds->nmissing);
	}
	values_clear(fv, &nfv);
	free(fv);
	if (rc != DB_DONE)
		return rc;
	s = db_prepare(st, lsql);
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, ds->id);
	if ((rc = db_step(s)) == DB_ROW) {
		ds->pending_links = db_column_int(s, 0);
		ds->used_links = db_column_int(s, 1);
		rc = DB_DONE;
	}
	db_reset(s);
	return rc;
}

int
draft_count(struct store *st, size_t *n, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "SELECT count(*) FROM drafts "
	    "WHERE deleted IS NULL");
	int rc;

	*n = 0;
	if ((rc = db_step(s)) == DB_ROW)
		*n = (size_t)db_column_int64(s, 0);
	db_reset(s);
	if (rc != DB_ROW)
		return db_error(st, rc, "counting drafts", errstr);
	return 0;
}

int
draft_page(struct store *st, const struct catalog *cat, size_t off,
    size_t lim, struct draft_summary **out, size_t *np, char **errstr)
{
	/* The same order as draft_list: newest activity first. */
	static const char dsql[] = "SELECT id, name, connector, created, "
	    "updated FROM drafts WHERE deleted IS "
	    "NULL ORDER BY updated DESC, id DESC LIMIT ? OFFSET ?";
	struct draft_summary *v;
	struct db_stmt *s;
	size_t n = 0, i;
	int64_t now = time_now();
	int rc = DB_DONE;

	*out = NULL;
	*np = 0;
	v = xcalloc(lim ? lim : 1, sizeof *v);
	s = db_prepare(st, dsql);
	db_bind_int64(s, 1, (int64_t)lim);
	db_bind_int64(s, 2, (int64_t)off);
	while (n < lim && (rc = db_step(s)) == DB_ROW) {
		v[n].id = db_column_int64(s, 0);
		v[n].name = db_text(s, 1);
		v[n].connector = db_text(s, 2);
		v[n].created = db_column_int64(s, 3);
		v[n].updated = db_column_int64(s, 4);
		n++;
	}
	if (n == lim && lim > 0)
		rc = DB_DONE;
	db_reset(s);
	for (i = 0; rc == DB_DONE && i < n; i++)
		rc = page_fill(st, cat, &v[i], now);
	if (rc != DB_DONE) {
		draft_summaries_free(&v, n);
		return db_error(st, rc, "listing drafts", errstr);
	}
	*out = v;
	*np = n;
	return 0;
}
