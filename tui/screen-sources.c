/* screen-sources.c: the first screen: every draft with its connector, its
 * status, pending links and last activity, newest activity first, and
 * the changes other processes (the intake) make, as they happen.  It
 * reads one screenful of drafts at a time (draft_page), so it opens as
 * fast with a hundred thousand drafts as with ten; only / (a filter over
 * every draft's name, connector and status) loads them all, until the
 * filter is cleared. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailer/mailer.h"
#include "tui/private.h"

struct sources {
	struct draft_summary *v;	/* the page, or every draft (full) */
	size_t		 n;
	struct list	 list;		/* full only */
	int		 loaded;
	bool		 full;		/* a filter is typed or set */
	/* The page: drafts top.. of total, the selection at cursor.  The
	 * total is known once a page came short (or G asked for it), so
	 * the first screen never counts every draft. */
	size_t		 total, top, cursor;
	bool		 total_known;
	int		 height;	/* rows the page was read for */
	bool		 reload;	/* read the page before drawing */
	/* The newest drafts when last read, wherever the page is: a draft
	 * another process changes comes first, so comparing these says
	 * what changed without reading every draft. */
	struct draft_summary *head;
	size_t		 nhead;
};

#define HEAD_ROWS	16

static const struct key_help sources_keys[] = {
	{ "Up/Down, j/k", "move; PgUp/PgDn, g/G the page, the ends" },
	{ "Enter", "open the draft: its fields, sources and links" },
	{ "a", "add a source: pick a connector, fill in what you know" },
	{ "s", "share a setup link for the draft (what is missing)" },
	{ "d", "delete the draft (asks first): revokes its links" },
	{ "/", "filter by name, connector or status; Esc clears" },
	{ "Tab, l", "activity: the intake's log and the quarantine" },
	{ "ID", "the draft's id, as setuplink draft show ID takes it" },
	{ "USED/PEND", "links used (answered) / links pending (not expired)" },
	{ "?", "this help" },
	{ "q", "quit" },
	{ NULL, NULL }
};

static char *
status_text(const struct draft_summary *d)
{
	if (d->complete)
		return xstrdup("complete");
	return xprintf("%zu missing", d->nmissing);
}

struct seen {
	int64_t	 id;
	int64_t	 updated;
};

static int
seen_cmp(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * What changed since the last load, for the status line: v (n) against
 * what was read before (pv, pn).  With head, both are the newest drafts
 * only, where a draft that was not there before is new only when it is
 * not older than the newest seen (it moved up because it changed, not
 * because one above it went).
 */
static void
note_changes(struct tui *t, const struct draft_summary *pv, size_t pn,
    struct draft_summary *v, size_t n, bool head)
{
	struct seen *old, key, *hit;
	size_t i, changed = 0, first = 0;
	int64_t newest = INT64_MIN;

	old = xcalloc(pn ? pn : 1, sizeof *old);
	for (i = 0; i < pn; i++) {
		old[i].id = pv[i].id;
		old[i].updated = pv[i].updated;
		if (pv[i].updated > newest)
			newest = pv[i].updated;
	}
	qsort(old, pn, sizeof *old, seen_cmp);
	for (i = 0; i < n; i++) {
		key.id = v[i].id;
		key.updated = v[i].updated;
		hit = bsearch(&key, old, pn, sizeof *old, seen_cmp);
		if ((hit == NULL && (!head || pn == 0 ||
		    v[i].updated >= newest)) ||
		    (hit != NULL && hit->updated != v[i].updated)) {
			if (changed++ == 0)
				first = i;
		}
	}
	free(old);
	if (changed == 1) {
		char *st = status_text(&v[first]);
		tui_status(t, TC_OK, "Updated just now: draft %lld \"%s\" (%s).",
		    (long long)v[first].id, v[first].name, st);
		free(st);
	} else if (changed > 1)
		tui_status(t, TC_OK, "Updated just now: %zu drafts changed.",
		    changed);
}

/* Every draft into the list, for the filter. */
static void
sources_recalc_full(struct tui *t, struct sources *s, bool external)
{
	struct draft_summary *v = NULL;
	char *err = NULL;
	size_t n = 0, i;

	if (draft_list(t->sess->st, t->sess->cat, &v, &n, &err) != 0) {
		tui_error(t, "Cannot list the drafts", &err);
		return;
	}
	if (external && s->loaded)
		note_changes(t, s->v, s->n, v, n, false);
	draft_summaries_free(&s->v, s->n);
	s->v = v;
	s->n = n;
	s->loaded = 1;
	list_clear(&s->list);
	for (i = 0; i < n; i++) {
		char *st = status_text(&v[i]), *text;
		text = xprintf("%s %s %s", v[i].name, v[i].connector, st);
		list_add(&s->list, v[i].id, text);
		free(text);
		free(st);
	}
	/* Items are added in v's order: item i is v[i]. */
	list_done(&s->list);
}

/* Keep the selection on the page and the page full when it can be. */
static void
page_scroll(struct sources *s, size_t h)
{
	if (s->total_known) {
		if (s->total == 0) {
			s->cursor = s->top = 0;
			return;
		}
		if (s->cursor >= s->total)
			s->cursor = s->total - 1;
	}
	if (s->cursor < s->top)
		s->top = s->cursor;
	if (s->cursor >= s->top + h)
		s->top = s->cursor - h + 1;
	if (s->total_known && s->top + h > s->total)
		s->top = s->total > h ? s->total - h : 0;
}

/* A copy of what the status line needs of the newest drafts. */
static struct draft_summary *
head_copy(const struct draft_summary *v, size_t n)
{
	struct draft_summary *c = xcalloc(n ? n : 1, sizeof *c);
	size_t i;

	for (i = 0; i < n; i++) {
		c[i] = v[i];
		c[i].name = xstrdup(v[i].name);
		c[i].connector = xstrdup(v[i].connector);
		c[i].missing = NULL;	/* status_text() wants the number */
	}
	return c;
}

/* The newest drafts again (from the page when it starts at the top);
 * with note, what changed since goes to the status line. */
static void
sources_head(struct tui *t, struct sources *s, const struct draft_summary
    *page, size_t npage, bool note)
{
	struct draft_summary *v = NULL;
	size_t n = 0;
	char *err = NULL;

	if (s->top == 0 && (npage >= HEAD_ROWS || s->total_known)) {
		n = npage < HEAD_ROWS ? npage : HEAD_ROWS;
		v = head_copy(page, n);
	} else if (draft_page(t->sess->st, t->sess->cat, 0, HEAD_ROWS, &v, &n,
	    &err) != 0) {
		free(err);
		return;
	}
	if (note)
		note_changes(t, s->head, s->nhead, v, n, true);
	draft_summaries_free(&s->head, s->nhead);
	s->head = v;
	s->nhead = n;
}

/*
 * Read the page: the drafts from top on, a screenful.  The selected
 * draft stays selected while it is on the page (it moves up when it
 * changes), else the selection keeps its place.  A short page tells the
 * total; past the end, the page is read again ending at the last draft.
 */
static void
sources_page(struct tui *t, struct sources *s, bool external)
{
	struct draft_summary *v = NULL;
	size_t n = 0, h = s->height > 0 ? (size_t)s->height : 1, i;
	int64_t keep = 0;
	char *err = NULL;
	int tries;

	if (s->cursor >= s->top && s->cursor - s->top < s->n)
		keep = s->v[s->cursor - s->top].id;
	/* Other processes add and remove drafts: count again as needed. */
	if (external)
		s->total_known = false;
	for (tries = 0; tries < 2; tries++) {
		page_scroll(s, h);
		draft_summaries_free(&v, n);
		n = 0;
		if (draft_page(t->sess->st, t->sess->cat, s->top, h, &v, &n,
		    &err) != 0) {
			tui_error(t, "Cannot list the drafts", &err);
			return;
		}
		if (n == h)
			break;
		s->total = s->top + n;
		s->total_known = true;
		if (s->top == 0 || s->top + h <= s->total)
			break;
	}
	if (s->total_known && s->cursor >= s->total)
		s->cursor = s->total > 0 ? s->total - 1 : 0;
	for (i = 0; keep != 0 && i < n; i++) {
		if (v[i].id == keep) {
			s->cursor = s->top + i;
			break;
		}
	}
	sources_head(t, s, v, n, external && s->loaded);
	draft_summaries_free(&s->v, s->n);
	s->v = v;
	s->n = n;
	s->loaded = 1;
	s->reload = false;
}

static void
sources_recalc(struct tui *t, struct screen *sc, bool external)
{
	struct sources *s = sc->data;

	if (s->full)
		sources_recalc_full(t, s, external);
	else if (s->height == 0)
		s->reload = true;	/* the first draw knows the rows */
	else
		sources_page(t, s, external);
}

/* / typed: every draft, the selection kept. */
static void
sources_full(struct tui *t, struct sources *s)
{
	int64_t id = 0;

	if (s->cursor >= s->top && s->cursor - s->top < s->n)
		id = s->v[s->cursor - s->top].id;
	s->full = true;
	sources_recalc_full(t, s, false);
	if (id != 0)
		list_select_key(&s->list, id);
}

/* The filter cleared: back to the page, at the selected draft's place. */
static void
sources_paged(struct tui *t, struct sources *s)
{
	size_t i = list_selected(&s->list);

	s->full = false;
	s->total = s->n;
	s->total_known = true;
	s->cursor = i < s->n ? i : 0;
	s->top = s->cursor;
	list_clear(&s->list);
	list_done(&s->list);
	draft_summaries_free(&s->v, s->n);
	s->n = 0;
	s->reload = true;
}

/* Column widths that fit 80 columns and grow the name beyond.  ID is the
 * draft's id as the command line takes it. */
#define W_ID	4
#define W_CONN	12
#define W_STAT	11
#define W_LINKS	9	/* "USED/PEND": links used, links pending */
#define W_TIME	22
#define W_FIXED	(W_ID + W_CONN + W_STAT + W_LINKS + W_TIME + 6)

static void
sources_row(WINDOW *win, int y, int x, int w, size_t item, bool sel,
    void *arg)
{
	struct sources *s = arg;
	const struct draft_summary *d = &s->v[item];
	attr_t a = sel ? draw_attr(TC_SELECT) : A_NORMAL;
	int wn = w - W_FIXED, c;
	char *st = status_text(d), *tm = fmt_time(d->updated), *links, *id;

	if (wn < 8)
		wn = 8;
	id = xprintf("%*lld", W_ID, (long long)d->id);
	links = xprintf("%d/%d", d->used_links, d->pending_links);
	draw_text(win, y, x, w, "", a, true);
	draw_text(win, y, x, W_ID, id, a, true);
	c = x + W_ID + 1;
	draw_text(win, y, c, wn, d->name, a, true);
	c += wn + 1;
	draw_text(win, y, c, W_CONN, d->connector, a, true);
	c += W_CONN + 1;
	draw_text(win, y, c, W_STAT, st, a | (d->complete ? draw_attr(TC_OK) :
	    draw_attr(TC_WARN)), true);
	c += W_STAT + 1;
	draw_text(win, y, c, W_LINKS, links, a, true);
	c += W_LINKS + 1;
	draw_text(win, y, c, W_TIME, tm, a, true);
	free(id);
	free(st);
	free(tm);
	free(links);
}

/* Mail that waits in outbox/ is said on the first screen: nobody else
 * will tell the admin that it has not left. */
static int
sources_outbox(struct tui *t, WINDOW *win, int y, int w)
{
	size_t n = outbox_count(&t->sess->home);
	char *line, *how;

	if (n == 0)
		return 0;
	how = outbox_how_to_send(&t->sess->cfg);
	line = xprintf("%zu email%s wait%s in %s, not sent: %s.", n,
	    n == 1 ? "" : "s", n == 1 ? "s" : "", outbox_where(), how);
	draw_text(win, y, 0, w, line, draw_attr(TC_WARN), true);
	free(line);
	free(how);
	return 1;
}

static void
sources_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct sources *s = sc->data;
	int w = COLS, wn = w - W_FIXED, ob, rows, i;
	size_t pos;
	char *head;

	if (wn < 8)
		wn = 8;
	head = xprintf("%*s %-*s %-*s %-*s %-*s %s", W_ID, "ID", wn, "NAME",
	    W_CONN, "CONNECTOR", W_STAT, "STATUS", W_LINKS, "USED/PEND",
	    "LAST ACTIVITY");
	draw_text(win, y, 0, w, head, draw_attr(TC_HEADER), true);
	free(head);
	ob = h > 3 ? sources_outbox(t, win, y + h - 1, w) : 0;
	if (s->full) {
		if (s->n == 0 && *list_filter(&s->list) == '\0') {
			draw_text(win, y + 2, 2, w - 2, "No draft sources yet: "
			    "press a to add one.", A_NORMAL, false);
			return;
		}
		list_draw(&s->list, win, y + 1, 0, h - 1 - ob, w, sources_row,
		    s);
		return;
	}
	rows = h - 1 - ob > 0 ? h - 1 - ob : 1;
	if (rows != s->height) {
		s->height = rows;
		s->reload = true;
	}
	if (s->reload)
		sources_page(t, s, false);
	if (s->n == 0 && s->total_known && s->total == 0) {
		draw_text(win, y + 2, 2, w - 2, "No draft sources yet: press a "
		    "to add one.", A_NORMAL, false);
		return;
	}
	for (i = 0; i < rows; i++) {
		pos = s->top + (size_t)i;
		if ((size_t)i >= s->n) {
			draw_text(win, y + 1 + i, 0, w, "", A_NORMAL, true);
			continue;
		}
		sources_row(win, y + 1 + i, 0, w, (size_t)i, pos == s->cursor,
		    s);
	}
}

static int64_t
selected_draft(struct sources *s)
{
	int64_t id;

	if (s->full)
		return list_selected_key(&s->list, &id) ? id : 0;
	if (s->cursor >= s->top && s->cursor - s->top < s->n)
		return s->v[s->cursor - s->top].id;
	return 0;
}

/* The selected draft's summary, or NULL. */
static const struct draft_summary *
selected_summary(struct sources *s)
{
	size_t i;

	if (s->full) {
		i = list_selected(&s->list);
		return i < s->n ? &s->v[i] : NULL;
	}
	if (s->cursor >= s->top && s->cursor - s->top < s->n)
		return &s->v[s->cursor - s->top];
	return NULL;
}

/* Moving on the page: the keys list_key() gives the filtered list. */
static bool
page_key(struct tui *t, struct sources *s, int key)
{
	size_t h = s->height > 0 ? (size_t)s->height : 1;
	size_t page = h > 1 ? h - 1 : 1, before = s->cursor;
	char *err = NULL;

	switch (key) {
	case K(KEY_UP):
	case 'k':
		s->cursor = s->cursor > 0 ? s->cursor - 1 : 0;
		break;
	case K(KEY_DOWN):
	case 'j':
		s->cursor++;
		break;
	case K(KEY_PPAGE):
	case K_CTRL('b'):
		s->cursor = s->cursor > page ? s->cursor - page : 0;
		break;
	case K(KEY_NPAGE):
	case K_CTRL('f'):
	case ' ':
		s->cursor += page;
		break;
	case K(KEY_HOME):
	case 'g':
		s->cursor = 0;
		break;
	case K(KEY_END):
	case 'G':
		if (!s->total_known && draft_count(t->sess->st, &s->total,
		    &err) != 0) {
			tui_error(t, "Cannot count the drafts", &err);
			return true;
		}
		s->total_known = true;
		s->cursor = s->total > 0 ? s->total - 1 : 0;
		break;
	default:
		return false;
	}
	if (s->total_known && s->total == 0)
		s->cursor = 0;
	else if (s->total_known && s->cursor >= s->total)
		s->cursor = s->total - 1;
	/* Beyond the page read: the next read says where the end is. */
	if (!s->total_known && s->cursor >= s->top + s->n && s->n < h)
		s->cursor = s->top + (s->n > 0 ? s->n - 1 : 0);
	if (s->cursor != before) {
		size_t top = s->top;
		page_scroll(s, h);
		/* A draft off the page that was read: read the new one. */
		if (s->top != top)
			s->reload = true;
	}
	return true;
}

static bool
sources_key(struct tui *t, struct screen *sc, int key)
{
	struct sources *s = sc->data;
	const struct draft_summary *d;
	int64_t id;

	if (s->full) {
		if (list_key(&s->list, key)) {
			if (!s->list.filtering &&
			    *list_filter(&s->list) == '\0')
				sources_paged(t, s);
			return true;
		}
	} else if (key == '/') {
		sources_full(t, s);
		return list_key(&s->list, key);
	} else if (page_key(t, s, key))
		return true;
	id = selected_draft(s);
	switch (key) {
	case K_ENTER:
	case K(KEY_ENTER):
	case '\n':
		if (id > 0)
			tui_push(t, draft_screen_new(t, id));
		return true;
	case 'a':
		tui_push(t, picker_new(t));
		return true;
	case 's':
		if (id > 0 && (d = selected_summary(s)) != NULL)
			tui_push(t, share_new(t, id, !d->complete));
		return true;
	case 'd':
		if (id > 0 && (d = selected_summary(s)) != NULL)
			draft_delete_ask(t, id, d->name);
		return true;
	case K_TAB:
	case 'l':
		tui_push(t, activity_new(t));
		return true;
	case K_ESC:
		return true;	/* the first screen: only q quits */
	}
	return false;
}

static void
sources_free(struct screen *sc)
{
	struct sources *s = sc->data;

	draft_summaries_free(&s->v, s->n);
	draft_summaries_free(&s->head, s->nhead);
	list_free(&s->list);
	free(s);
}

static const struct screen_ops sources_ops = {
	"Sources", sources_keys,
	"Enter:open  a:add  s:share  d:delete  /:filter  Tab:activity  q:quit",
	sources_recalc, sources_draw, sources_key, sources_free
};

struct screen *
sources_new(struct tui *t)
{
	struct sources *s = xcalloc(1, sizeof *s);

	list_init(&s->list);
	return screen_new(&sources_ops, s);
}
