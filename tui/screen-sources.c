/* screen-sources.c: the first screen: every draft with its connector, its
 * status, pending links and last activity, newest activity first, and
 * the changes other processes (the intake) make, as they happen. */
#include <stdlib.h>
#include <string.h>

#include "mailer/mailer.h"
#include "tui/private.h"

struct sources {
	struct draft_summary *v;
	size_t		 n;
	struct list	 list;
	int		 loaded;
};

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

/* What changed since the last load, for the status line. */
static void
note_changes(struct tui *t, struct sources *s, struct draft_summary *v,
    size_t n)
{
	struct seen *old, key, *hit;
	size_t i, changed = 0, first = 0;

	old = xcalloc(s->n ? s->n : 1, sizeof *old);
	for (i = 0; i < s->n; i++) {
		old[i].id = s->v[i].id;
		old[i].updated = s->v[i].updated;
	}
	qsort(old, s->n, sizeof *old, seen_cmp);
	for (i = 0; i < n; i++) {
		key.id = v[i].id;
		key.updated = v[i].updated;
		hit = bsearch(&key, old, s->n, sizeof *old, seen_cmp);
		if (hit == NULL || hit->updated != v[i].updated) {
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

static void
sources_recalc(struct tui *t, struct screen *sc, bool external)
{
	struct sources *s = sc->data;
	struct draft_summary *v = NULL;
	char *err = NULL;
	size_t n = 0, i;

	if (draft_list(t->sess->st, t->sess->cat, &v, &n, &err) != 0) {
		tui_error(t, "Cannot list the drafts", &err);
		return;
	}
	if (external && s->loaded)
		note_changes(t, s, v, n);
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
	line = xprintf("%zu email%s wait%s in outbox/, not sent: %s.", n,
	    n == 1 ? "" : "s", n == 1 ? "s" : "", how);
	draw_text(win, y, 0, w, line, draw_attr(TC_WARN), true);
	free(line);
	free(how);
	return 1;
}

static void
sources_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct sources *s = sc->data;
	int w = COLS, wn = w - W_FIXED, ob;
	char *head;

	if (wn < 8)
		wn = 8;
	head = xprintf("%*s %-*s %-*s %-*s %-*s %s", W_ID, "ID", wn, "NAME",
	    W_CONN, "CONNECTOR", W_STAT, "STATUS", W_LINKS, "USED/PEND",
	    "LAST ACTIVITY");
	draw_text(win, y, 0, w, head, draw_attr(TC_HEADER), true);
	free(head);
	ob = h > 3 ? sources_outbox(t, win, y + h - 1, w) : 0;
	if (s->n == 0 && *list_filter(&s->list) == '\0') {
		draw_text(win, y + 2, 2, w - 2, "No draft sources yet: press a "
		    "to add one.", A_NORMAL, false);
		return;
	}
	list_draw(&s->list, win, y + 1, 0, h - 1 - ob, w, sources_row, s);
}

static int64_t
selected_draft(struct sources *s)
{
	int64_t id;

	return list_selected_key(&s->list, &id) ? id : 0;
}

static bool
sources_key(struct tui *t, struct screen *sc, int key)
{
	struct sources *s = sc->data;
	size_t i;
	int64_t id;

	if (list_key(&s->list, key))
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
		if (id > 0) {
			i = list_selected(&s->list);
			tui_push(t, share_new(t, id, !s->v[i].complete));
		}
		return true;
	case 'd':
		if (id > 0) {
			i = list_selected(&s->list);
			draft_delete_ask(t, id, s->v[i].name);
		}
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
