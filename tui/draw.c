/* draw.c: safe drawing.  Every string that came from mail or the database
 * reaches the terminal through draw_text or draw_edit, which turn control
 * characters and invalid UTF-8 into '?' and measure with wcwidth. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "tui/private.h"

static bool	 colour;

bool
key_is_text(int k)
{
	return k >= 0x20 && k != 0x7f && !(k >= 0x80 && k < 0xa0) &&
	    (k & KEY_FN) == 0 && k <= 0x10ffff;
}

bool
key_is_enter(int k)
{
	return k == '\r' || k == '\n' || k == K(KEY_ENTER);
}

bool
key_is_backspace(int k)
{
	return k == 0x7f || k == 0x08 || k == K(KEY_BACKSPACE);
}

/* Colour only when the terminal has it and NO_COLOR is not set. */
void
draw_init_colours(void)
{
	const char *nc = getenv("NO_COLOR");

	colour = false;
	if (nc != NULL && *nc != '\0')
		return;
	if (!has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	init_pair(1, COLOR_WHITE, COLOR_BLUE);	/* title */
	init_pair(2, COLOR_BLACK, COLOR_CYAN);	/* selection */
	init_pair(3, COLOR_CYAN, -1);		/* headers */
	init_pair(4, COLOR_RED, -1);		/* errors */
	init_pair(5, COLOR_GREEN, -1);		/* done */
	init_pair(6, COLOR_YELLOW, -1);		/* warnings */
	colour = true;
}

bool
draw_has_colour(void)
{
	return colour;
}

attr_t
draw_attr(enum tui_colour c)
{
	switch (c) {
	case TC_TITLE:
		return colour ? COLOR_PAIR(1) | A_BOLD : A_REVERSE | A_BOLD;
	case TC_SELECT:
		return colour ? COLOR_PAIR(2) : A_REVERSE;
	case TC_HEADER:
		return colour ? COLOR_PAIR(3) | A_BOLD : A_BOLD;
	case TC_DIM:
		return A_DIM;
	case TC_ERROR:
		return colour ? COLOR_PAIR(4) | A_BOLD : A_BOLD;
	case TC_OK:
		return colour ? COLOR_PAIR(5) : A_NORMAL;
	case TC_WARN:
		return colour ? COLOR_PAIR(6) : A_NORMAL;
	case TC_FIELD:
		return A_UNDERLINE;
	case TC_FOCUS:
		return A_REVERSE;
	case TC_NORMAL:
		break;
	}
	return A_NORMAL;
}

/* Bidirectional overrides and isolates could reorder what follows. */
static bool
is_bidi(wchar_t wc)
{
	return (wc >= 0x200e && wc <= 0x200f) || (wc >= 0x202a &&
	    wc <= 0x202e) || (wc >= 0x2066 && wc <= 0x2069) || wc == 0x061c;
}

/*
 * Decode one character of s (at most n bytes) into *wc, made safe, and
 * its width into *cw.  Returns the bytes used (at least 1).
 */
static size_t
next_char(const char *s, size_t n, wchar_t *wc, int *cw)
{
	mbstate_t mbs;
	size_t r;

	memset(&mbs, 0, sizeof mbs);
	r = mbrtowc(wc, s, n, &mbs);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		*wc = L'?';
		*cw = 1;
		return 1;
	}
	if (*wc < 0x20 || *wc == 0x7f || (*wc >= 0x80 && *wc < 0xa0) ||
	    is_bidi(*wc)) {
		*wc = L'?';
		*cw = 1;
		return r;
	}
	*cw = wcwidth(*wc);
	if (*cw < 0) {
		*wc = L'?';
		*cw = 1;
	}
	return r;
}

int
text_width(const char *s)
{
	size_t n = strlen(s), i = 0;
	wchar_t wc;
	int cw, w = 0;

	while (i < n) {
		i += next_char(s + i, n - i, &wc, &cw);
		w += cw;
	}
	return w;
}

int
draw_text(WINDOW *win, int y, int x, int w, const char *s, attr_t attr,
    bool pad)
{
	size_t n, i = 0;
	wchar_t wc, one[2];
	int cw, used = 0, tw;

	if (w <= 0)
		return 0;
	if (s == NULL)
		s = "";
	n = strlen(s);
	tw = text_width(s);
	wattr_set(win, attr, PAIR_NUMBER(attr), NULL);
	wmove(win, y, x);
	while (i < n) {
		i += next_char(s + i, n - i, &wc, &cw);
		/* Room for the cut mark when the rest does not fit. */
		if (tw > w && used + cw > w - 1) {
			waddch(win, '~');
			used++;
			break;
		}
		if (used + cw > w)
			break;
		if (cw == 0 && used == 0)
			continue;	/* a combining mark with nothing to mark */
		one[0] = wc;
		one[1] = L'\0';
		waddnwstr(win, one, 1);
		used += cw;
	}
	while (pad && used < w) {
		waddch(win, ' ');
		used++;
	}
	wattr_set(win, A_NORMAL, 0, NULL);
	return used;
}

int
draw_edit(WINDOW *win, int y, int x, int w, const char *s, size_t cursor,
    bool mask, attr_t attr)
{
	struct buf b;
	size_t n = strlen(s), i = 0, ccol = 0, start = 0;
	wchar_t wc;
	int cw, col = 0, cx;
	int *cols = NULL;
	size_t *offs = NULL, nc = 0;
	char *shown;

	/* Lay the characters out, noting where each starts. */
	buf_init(&b);
	cols = xreallocarray(NULL, n + 2, sizeof *cols);
	offs = xreallocarray(NULL, n + 2, sizeof *offs);
	while (i < n) {
		size_t r = next_char(s + i, n - i, &wc, &cw);
		if (i <= cursor)
			ccol = (size_t)col;
		cols[nc] = col;
		offs[nc++] = i;
		if (mask) {
			buf_addc(&b, '*');
			cw = 1;
		} else
			buf_add(&b, s + i, r);
		col += cw;
		i += r;
	}
	if (cursor >= n)
		ccol = (size_t)col;
	cols[nc] = col;
	offs[nc++] = n;
	shown = buf_take(&b);
	/* Scroll so that the cursor is on screen. */
	if ((int)ccol >= w) {
		size_t k;
		int want = (int)ccol - w + 1;
		for (k = 0; k < nc && cols[k] < want; k++)
			;
		start = k;
	}
	cx = x + (int)ccol - (start < nc ? cols[start] : 0);
	{
		/* Byte offset in shown of character start. */
		size_t boff = mask ? start : (start < nc ? offs[start] : n);
		if (boff > strlen(shown))
			boff = strlen(shown);
		draw_text(win, y, x, w, shown + boff, attr, true);
	}
	free(shown);
	free(cols);
	free(offs);
	if (cx >= x + w)
		cx = x + w - 1;
	return cx;
}

size_t
text_wrap(const char *s, int w, char ***linesp)
{
	char **v = NULL, *safe;
	size_t n = 0;
	const char *p = s, *end = s + strlen(s);

	if (w < 8)
		w = 8;
	for (;;) {
		size_t ll;
		const char *next = line_next(p, end, &ll);
		char *line = xstrndup(p, ll);

		for (size_t k = 0; k < ll; k++) {
			if (line[k] == '\t')
				line[k] = ' ';
		}
		safe = str_safe(line);
		free(line);
		/* Break long lines at spaces where possible. */
		char *q = safe;
		do {
			size_t i = 0, cut = 0, lastsp = 0, len2 = strlen(q);
			wchar_t wc;
			int cw, col = 0;
			while (i < len2) {
				size_t r = next_char(q + i, len2 - i, &wc, &cw);
				if (col + cw > w)
					break;
				col += cw;
				i += r;
				if (q[i - r] == ' ')
					lastsp = i;
			}
			cut = i;
			if (i < len2 && lastsp > (size_t)w / 3)
				cut = lastsp;
			if (cut == 0 && len2 > 0)
				cut = next_char(q, len2, &wc, &cw);
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = xstrndup(q, cut);
			q += cut;
		} while (*q != '\0');
		free(safe);
		/* A text that ends in LF ends in an empty line. */
		if (next == p || next[-1] != '\n')
			break;
		p = next;
	}
	*linesp = v;
	return n;
}

void
draw_hline(WINDOW *win, int y, int x, int w, const char *title)
{
	int i, used = 0;

	wmove(win, y, x);
	wattr_set(win, draw_attr(TC_HEADER), PAIR_NUMBER(draw_attr(TC_HEADER)),
	    NULL);
	if (title != NULL) {
		waddstr(win, "-- ");
		wattr_set(win, A_NORMAL, 0, NULL);
		used = 3 + draw_text(win, y, x + 3, w - 3, title,
		    draw_attr(TC_HEADER), false);
		wattr_set(win, draw_attr(TC_HEADER),
		    PAIR_NUMBER(draw_attr(TC_HEADER)), NULL);
		if (used < w) {
			waddch(win, ' ');
			used++;
		}
	}
	for (i = used; i < w; i++)
		waddch(win, '-');
	wattr_set(win, A_NORMAL, 0, NULL);
}

static int	 cursor_y = -1, cursor_x = -1;

void
draw_cursor(int y, int x)
{
	cursor_y = y;
	cursor_x = x;
}

bool
draw_cursor_get(int *y, int *x)
{
	*y = cursor_y;
	*x = cursor_x;
	return cursor_y >= 0;
}
