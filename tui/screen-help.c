/* screen-help.c: text that scrolls (help, a field's history, an email's
 * preview, a quarantined message), drawn through the list widget in its
 * pager mode, and the help screen built from a screen's key table. */
#include <stdlib.h>
#include <string.h>

#include "tui/private.h"

struct pager {
	struct list	 list;
	char		*text;
	char		*url;		/* y copies it */
	int		 width;		/* the text is wrapped for this */
};

static const struct key_help pager_keys[] = {
	{ "Up/Down, j/k", "scroll a line" },
	{ "PgUp/PgDn, Space", "scroll a page" },
	{ "g/G, Home/End", "the top, the end" },
	{ "/", "show only the lines that hold a text; Esc clears" },
	{ "Esc, q", "back" },
	{ NULL, NULL }
};

static const struct key_help pager_url_keys[] = {
	{ "y", "copy the mailto URL to the clipboard (OSC 52, where the "
	  "terminal allows it; in tmux: set -g set-clipboard on)" },
	{ "u", "show the URL alone, unbroken, for a mouse copy" },
	{ "Up/Down, j/k", "scroll a line" },
	{ "PgUp/PgDn, Space", "scroll a page" },
	{ "Esc, q", "back" },
	{ NULL, NULL }
};

static void
pager_wrap(struct pager *p, int w)
{
	char **lines;
	size_t n, i;

	if (w == p->width)
		return;
	p->width = w;
	n = text_wrap(p->text, w, &lines);
	list_clear(&p->list);
	for (i = 0; i < n; i++)
		list_add(&p->list, (int64_t)i, lines[i]);
	list_done(&p->list);
	strv_free(&lines, n);
}

static void
pager_row(WINDOW *win, int y, int x, int w, size_t item, bool sel, void *arg)
{
	struct pager *p = arg;

	draw_text(win, y, x, w, p->list.items[item].text, A_NORMAL, true);
}

static void
pager_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct pager *p = sc->data;

	pager_wrap(p, COLS - 2);
	list_draw(&p->list, win, y, 1, h, COLS - 2, pager_row, p);
}

static bool
pager_key(struct tui *t, struct screen *sc, int key)
{
	struct pager *p = sc->data;

	if (p->url != NULL && key == 'y') {
		tui_clipboard(t, p->url);
		return true;
	}
	if (p->url != NULL && key == 'u') {
		tui_show_plain(t, p->url);
		return true;
	}
	return list_key(&p->list, key);
}

static void
pager_free(struct screen *sc)
{
	struct pager *p = sc->data;

	list_free(&p->list);
	free(p->text);
	free(p->url);
	free(p);
}

static const struct screen_ops pager_ops = {
	"Text", pager_keys, "Up/Down:scroll  /:find  Esc:back",
	NULL, pager_draw, pager_key, pager_free
};

static const struct screen_ops pager_url_ops = {
	"Text", pager_url_keys, "y:copy URL  u:URL alone  Up/Down:scroll  Esc:back",
	NULL, pager_draw, pager_key, pager_free
};

struct screen *
pager_new(const char *title, const char *text)
{
	struct pager *p = xcalloc(1, sizeof *p);
	struct screen *s;

	list_init(&p->list);
	p->list.pager = true;
	p->text = xstrdup(text);
	s = screen_new(&pager_ops, p);
	s->stale = 0;
	s->title = xstrdup(title);
	return s;
}

struct screen *
pager_new_url(const char *title, const char *text, const char *url)
{
	struct screen *s = pager_new(title, text);
	struct pager *p = s->data;

	p->url = xstrdup(url);
	s->ops = &pager_url_ops;
	return s;
}

/* ---- Help: every key of the screen it was opened on. */

static const struct key_help help_keys[] = {
	{ "Up/Down, j/k", "scroll" },
	{ "Esc, q", "back" },
	{ NULL, NULL }
};

static const struct screen_ops help_ops = {
	"Help", help_keys, "Up/Down:scroll  Esc:back",
	NULL, pager_draw, pager_key, pager_free
};

struct screen *
help_new(struct tui *t, const struct screen *of)
{
	const struct key_help *k;
	struct screen *s;
	struct buf b;
	char *title;
	int w = 0;

	buf_init(&b);
	buf_printf(&b, "Keys on the %s screen:\n\n", of->title ? of->title :
	    of->ops->name);
	for (k = of->ops->keys; k->keys != NULL; k++) {
		int kw = text_width(k->keys);
		if (kw > w)
			w = kw;
	}
	for (k = of->ops->keys; k->keys != NULL; k++)
		buf_printf(&b, "  %-*s  %s\n", w, k->keys, k->what);
	buf_adds(&b, "\nEverywhere: ? or F1 help, Esc or q back, ^L redraw, "
	    "^C quit.\nIn a form: Tab/Down and Shift-Tab/Up move between rows, "
	    "Left/Right or Space change a choice, Enter presses a button, "
	    "^U clears a value, ^E edits it in $EDITOR.\n");
	title = xprintf("Help: %s", of->title ? of->title : of->ops->name);
	s = pager_new(title, b.data);
	s->ops = &help_ops;
	free(title);
	buf_free(&b);
	return s;
}
