/* list.c: the one list widget (after tmux's mode-tree.c): items with a
 * key and a text, a cursor, scrolling and a / filter.  The state functions
 * need no terminal, so tests drive them directly; list_draw renders. */
#include <stdlib.h>
#include <string.h>

#include "tui/private.h"

#define NONE ((size_t)-1)

void
list_init(struct list *l)
{
	memset(l, 0, sizeof *l);
	buf_init(&l->filter);
	l->height = 1;
}

static void
items_free(struct list *l)
{
	size_t i;

	for (i = 0; i < l->nitems; i++)
		free(l->items[i].text);
	l->nitems = 0;
}

void
list_free(struct list *l)
{
	items_free(l);
	free(l->items);
	free(l->vis);
	buf_free(&l->filter);
	memset(l, 0, sizeof *l);
}

void
list_clear(struct list *l)
{
	l->have_keep = list_selected_key(l, &l->keep);
	items_free(l);
	l->nvis = 0;
}

void
list_add(struct list *l, int64_t key, const char *text)
{
	if (l->nitems == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = xreallocarray(l->items, l->cap, sizeof *l->items);
	}
	l->items[l->nitems].key = key;
	l->items[l->nitems].text = xstrdup(text != NULL ? text : "");
	l->nitems++;
}

/* Keep the cursor on screen and the screen full when it can be. */
static void
fix_scroll(struct list *l)
{
	size_t h = l->height > 0 ? (size_t)l->height : 1;

	if (l->nvis == 0) {
		l->cursor = l->top = 0;
		return;
	}
	if (l->pager) {
		if (l->top + h > l->nvis)
			l->top = l->nvis > h ? l->nvis - h : 0;
		l->cursor = l->top;
		return;
	}
	if (l->cursor >= l->nvis)
		l->cursor = l->nvis - 1;
	if (l->cursor < l->top)
		l->top = l->cursor;
	if (l->cursor >= l->top + h)
		l->top = l->cursor - h + 1;
	if (l->top + h > l->nvis)
		l->top = l->nvis > h ? l->nvis - h : 0;
}

static bool
matches(const char *text, const char *filter)
{
	return *filter == '\0' || strcasestr(text, filter) != NULL;
}

/* Apply the filter; keep the remembered (or current) selection. */
static void
refilter(struct list *l, bool keep, int64_t key)
{
	const char *f = l->filter.data != NULL ? l->filter.data : "";
	size_t i;

	l->vis = xreallocarray(l->vis, l->nitems ? l->nitems : 1,
	    sizeof *l->vis);
	l->nvis = 0;
	for (i = 0; i < l->nitems; i++) {
		if (matches(l->items[i].text, f))
			l->vis[l->nvis++] = i;
	}
	if (keep) {
		for (i = 0; i < l->nvis; i++) {
			if (l->items[l->vis[i]].key == key) {
				l->cursor = i;
				break;
			}
		}
	}
	fix_scroll(l);
}

void
list_done(struct list *l)
{
	refilter(l, l->have_keep, l->keep);
	l->have_keep = false;
}

size_t
list_count(const struct list *l)
{
	return l->nvis;
}

size_t
list_selected(const struct list *l)
{
	if (l->nvis == 0 || l->cursor >= l->nvis)
		return NONE;
	return l->vis[l->cursor];
}

bool
list_selected_key(const struct list *l, int64_t *key)
{
	size_t i = list_selected(l);

	if (i == NONE)
		return false;
	*key = l->items[i].key;
	return true;
}

bool
list_select_key(struct list *l, int64_t key)
{
	size_t i;

	for (i = 0; i < l->nvis; i++) {
		if (l->items[l->vis[i]].key == key) {
			l->cursor = i;
			fix_scroll(l);
			return true;
		}
	}
	return false;
}

bool
list_move(struct list *l, long delta)
{
	size_t before = l->pager ? l->top : l->cursor, pos;

	if (l->nvis == 0)
		return false;
	if (delta < 0)
		pos = (size_t)-delta > before ? 0 : before - (size_t)-delta;
	else
		pos = before + (size_t)delta >= l->nvis ? l->nvis - 1 :
		    before + (size_t)delta;
	if (l->pager)
		l->top = pos;
	else
		l->cursor = pos;
	fix_scroll(l);
	return (l->pager ? l->top : l->cursor) != before;
}

bool
list_home(struct list *l)
{
	return list_move(l, -(long)l->nvis);
}

bool
list_end(struct list *l)
{
	return list_move(l, (long)l->nvis);
}

void
list_set_height(struct list *l, int h)
{
	l->height = h > 0 ? h : 1;
	fix_scroll(l);
}

void
list_set_filter(struct list *l, const char *f)
{
	int64_t key = 0;
	bool keep = list_selected_key(l, &key);

	l->filter.len = 0;
	buf_adds(&l->filter, f != NULL ? f : "");
	refilter(l, keep, key);
}

const char *
list_filter(const struct list *l)
{
	return l->filter.data != NULL ? l->filter.data : "";
}

/* Drop the last UTF-8 character of the filter. */
static void
filter_backspace(struct list *l)
{
	char *copy;

	if (l->filter.len == 0)
		return;
	copy = xstrdup(l->filter.data);
	size_t n = strlen(copy);
	while (n > 0 && ((unsigned char)copy[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	copy[n] = '\0';
	list_set_filter(l, copy);
	free(copy);
}

static void
filter_addc(struct list *l, int key)
{
	char mb[8], *f;
	size_t n;
	unsigned int c = (unsigned int)key;

	n = str_utf8_encode(c, mb);
	mb[n] = '\0';
	f = xprintf("%s%s", list_filter(l), mb);
	list_set_filter(l, f);
	free(f);
}

bool
list_key(struct list *l, int key)
{
	long page = l->height > 1 ? l->height - 1 : 1;

	if (l->filtering || l->type_filter) {
		if (key_is_backspace(key)) {
			filter_backspace(l);
			return true;
		}
		if (key == K_CTRL('u')) {
			list_set_filter(l, "");
			return true;
		}
		if (l->filtering && key_is_enter(key)) {
			l->filtering = false;
			return true;
		}
		if (l->filtering && key == K_ESC) {
			l->filtering = false;
			list_set_filter(l, "");
			return true;
		}
		if (key_is_text(key)) {
			filter_addc(l, key);
			return true;
		}
	}
	switch (key) {
	case K(KEY_UP):
	case 'k':
		list_move(l, -1);
		return true;
	case K(KEY_DOWN):
	case 'j':
		list_move(l, 1);
		return true;
	case K(KEY_PPAGE):
	case K_CTRL('b'):
		list_move(l, -page);
		return true;
	case K(KEY_NPAGE):
	case K_CTRL('f'):
	case ' ':
		list_move(l, page);
		return true;
	case K(KEY_HOME):
	case 'g':
		list_home(l);
		return true;
	case K(KEY_END):
	case 'G':
		list_end(l);
		return true;
	case '/':
		l->filtering = true;
		return true;
	}
	return false;
}

/*
 * Draw the visible rows through the caller's row function; the last line
 * shows the filter while it is typed or set.
 */
void
list_draw(struct list *l, WINDOW *win, int y, int x, int h, int w,
    list_draw_fn fn, void *arg)
{
	const char *f = list_filter(l);
	bool show_filter = l->filtering || l->type_filter || *f != '\0';
	size_t i;
	int rows = h - (show_filter ? 1 : 0);

	list_set_height(l, rows);
	for (i = 0; (int)i < rows; i++) {
		size_t v = l->top + i;
		if (v >= l->nvis) {
			wmove(win, y + (int)i, x);
			draw_text(win, y + (int)i, x, w, "", A_NORMAL, true);
			continue;
		}
		fn(win, y + (int)i, x, w, l->vis[v], !l->pager && v == l->cursor,
		    arg);
	}
	if (show_filter) {
		char *s = xprintf("%s%s%s  (%zu of %zu)", l->type_filter ?
		    "Type to search: " : "Filter: /", f, l->filtering ||
		    l->type_filter ? "_" : "", l->nvis, l->nitems);
		draw_text(win, y + rows, x, w, s, draw_attr(TC_HEADER), true);
		free(s);
	}
	if (l->nvis == 0 && rows > 0)
		draw_text(win, y, x, w, *f ? "  (nothing matches the filter)" :
		    "  (nothing here yet)", draw_attr(TC_DIM), true);
}
