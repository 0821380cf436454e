/* form.c: the one form widget: rows with a label, a type hint, a required
 * mark, a value (secrets masked), the focused row's help, Tab between
 * rows and rows that show or hide with another row's choice. */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tui/private.h"

void
form_init(struct form *f)
{
	memset(f, 0, sizeof *f);
}

static void
row_free(struct form_row *r)
{
	free(r->key);
	free(r->label);
	free(r->hint);
	free(r->help);
	if (r->value != NULL)
		memset(r->value, 0, r->len);	/* it may have held a secret */
	free(r->value);
	strv_free(&r->choices, r->nchoices);
}

void
form_free(struct form *f)
{
	size_t i;

	for (i = 0; i < f->nrows; i++)
		row_free(&f->rows[i]);
	free(f->rows);
	memset(f, 0, sizeof *f);
}

struct form_row *
form_add(struct form *f, enum form_kind kind, const char *key,
    const char *label)
{
	struct form_row *r;

	f->rows = xreallocarray(f->rows, f->nrows + 1, sizeof *f->rows);
	r = &f->rows[f->nrows++];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->key = xstrdup(key);
	r->label = xstrdup(label != NULL ? label : key);
	r->value = xstrdup("");
	return r;
}

void
form_row_choices(struct form_row *r, const char *const *v, size_t n)
{
	size_t i;

	strv_free(&r->choices, r->nchoices);
	r->choices = xcalloc(n ? n : 1, sizeof *r->choices);
	for (i = 0; i < n; i++)
		r->choices[i] = xstrdup(v[i]);
	r->nchoices = n;
	if (n > 0 && r->len == 0)
		form_set(r, v[0], strlen(v[0]));
}

ssize_t
form_find(const struct form *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->nrows; i++) {
		if (strcmp(f->rows[i].key, key) == 0)
			return (ssize_t)i;
	}
	return -1;
}

struct form_row *
form_row(struct form *f, const char *key)
{
	ssize_t i = form_find(f, key);

	return i < 0 ? NULL : &f->rows[i];
}

const char *
form_value(const struct form *f, const char *key)
{
	ssize_t i = form_find(f, key);

	if (i < 0)
		return NULL;
	if (f->rows[i].kind == FK_CHECK)
		return f->rows[i].checked ? "true" : "";
	return f->rows[i].value;
}

void
form_set(struct form_row *r, const char *value, size_t len)
{
	if (r->value != NULL)
		memset(r->value, 0, r->len);
	free(r->value);
	r->value = xmalloc(len + 1);
	memcpy(r->value, value, len);
	r->value[len] = '\0';
	r->len = len;
	r->cur = len;
	r->from_editor = false;
}

static bool
row_shown(const struct form *f, size_t i)
{
	return !f->rows[i].hidden;
}

void
form_recalc(struct form *f)
{
	size_t i;

	for (i = 0; i < f->nrows; i++)
		f->rows[i].hidden = f->visible != NULL &&
		    !f->visible(f, i, f->arg);
	if (f->nrows == 0 || !f->rows[f->focus].hidden)
		return;
	if (!form_next(f))
		form_prev(f);
}

bool
form_next(struct form *f)
{
	size_t i;

	for (i = f->focus + 1; i < f->nrows; i++) {
		if (row_shown(f, i)) {
			f->focus = i;
			return true;
		}
	}
	return false;
}

bool
form_prev(struct form *f)
{
	size_t i;

	for (i = f->focus; i > 0; i--) {
		if (row_shown(f, i - 1)) {
			f->focus = i - 1;
			return true;
		}
	}
	return false;
}

void
form_focus(struct form *f, const char *key)
{
	ssize_t i = form_find(f, key);

	if (i >= 0 && !f->rows[i].hidden)
		f->focus = (size_t)i;
}

struct form_row *
form_focused(struct form *f)
{
	return f->nrows > 0 ? &f->rows[f->focus] : NULL;
}

static bool
editable(const struct form_row *r)
{
	return r->kind == FK_TEXT || r->kind == FK_SECRET ||
	    (r->kind == FK_FILE && !r->from_editor);
}

static void
insert_char(struct form_row *r, unsigned int c)
{
	char mb[4];
	size_t n;

	n = str_utf8_encode(c, mb);
	r->value = xreallocarray(r->value, r->len + n + 1, 1);
	memmove(r->value + r->cur + n, r->value + r->cur, r->len - r->cur + 1);
	memcpy(r->value + r->cur, mb, n);
	r->len += n;
	r->cur += n;
}

/* Byte offsets of the UTF-8 character before and after the cursor. */
static size_t
char_before(const struct form_row *r)
{
	size_t i = r->cur;

	if (i == 0)
		return 0;
	i--;
	while (i > 0 && ((unsigned char)r->value[i] & 0xc0) == 0x80)
		i--;
	return i;
}

static size_t
char_after(const struct form_row *r)
{
	size_t i = r->cur;

	if (i >= r->len)
		return r->len;
	i++;
	while (i < r->len && ((unsigned char)r->value[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static void
delete_range(struct form_row *r, size_t from, size_t to)
{
	memmove(r->value + from, r->value + to, r->len - to + 1);
	r->len -= to - from;
	r->cur = from;
}

static void
cycle(struct form_row *r, int dir)
{
	size_t i, cur = 0;

	if (r->nchoices == 0)
		return;
	for (i = 0; i < r->nchoices; i++) {
		if (strcmp(r->choices[i], r->value) == 0)
			cur = i;
	}
	cur = (cur + r->nchoices + (size_t)(dir < 0 ? -1 : 1)) % r->nchoices;
	form_set(r, r->choices[cur], strlen(r->choices[cur]));
}

/* A change may show or hide rows: recalculate, report the change. */
static enum form_event
changed(struct form *f)
{
	form_recalc(f);
	return FE_CHANGED;
}

enum form_event
form_key(struct form *f, int key)
{
	struct form_row *r = form_focused(f);

	if (r == NULL)
		return FE_NONE;
	switch (key) {
	case K_TAB:
	case K(KEY_DOWN):
		return form_next(f) ? FE_MOVED : FE_NONE;
	case K(KEY_BTAB):
	case K(KEY_UP):
		return form_prev(f) ? FE_MOVED : FE_NONE;
	}
	if (key_is_enter(key)) {
		if (r->kind == FK_BUTTON)
			return FE_ACTIVATE;
		if (r->kind == FK_CHECK) {
			r->checked = !r->checked;
			return changed(f);
		}
		return form_next(f) ? FE_MOVED : FE_ACTIVATE;
	}
	switch (r->kind) {
	case FK_BUTTON:
		return FE_NONE;
	case FK_CHECK:
		if (key == ' ' || key == 'x') {
			r->checked = !r->checked;
			return changed(f);
		}
		return FE_NONE;
	case FK_ENUM:
		if (key == K(KEY_LEFT) || key == 'h') {
			cycle(r, -1);
			return changed(f);
		}
		if (key == K(KEY_RIGHT) || key == ' ' || key == 'l') {
			cycle(r, 1);
			return changed(f);
		}
		return FE_NONE;
	case FK_FILE:
		if (r->from_editor) {
			if (key_is_backspace(key) || key == K_CTRL('u') ||
			    key == K(KEY_DC)) {
				form_set(r, "", 0);
				return changed(f);
			}
			if (key == K_CTRL('e'))
				return FE_EDITOR;
			return FE_NONE;
		}
		break;
	case FK_TEXT:
	case FK_SECRET:
		break;
	}
	if (!editable(r))
		return FE_NONE;
	if (key == K_CTRL('e'))
		return FE_EDITOR;
	if (key_is_backspace(key)) {
		if (r->cur == 0)
			return FE_NONE;
		delete_range(r, char_before(r), r->cur);
		return changed(f);
	}
	if (key == K(KEY_DC) || key == K_CTRL('d')) {
		if (r->cur >= r->len)
			return FE_NONE;
		delete_range(r, r->cur, char_after(r));
		return changed(f);
	}
	if (key == K_CTRL('u')) {
		form_set(r, "", 0);
		return changed(f);
	}
	if (key == K(KEY_LEFT)) {
		r->cur = char_before(r);
		return FE_MOVED;
	}
	if (key == K(KEY_RIGHT)) {
		r->cur = char_after(r);
		return FE_MOVED;
	}
	if (key == K(KEY_HOME) || key == K_CTRL('a')) {
		r->cur = 0;
		return FE_MOVED;
	}
	if (key == K(KEY_END)) {
		r->cur = r->len;
		return FE_MOVED;
	}
	if (key_is_text(key)) {
		insert_char(r, (unsigned int)key);
		return changed(f);
	}
	return FE_NONE;
}

char *
form_shown(const struct form_row *r)
{
	size_t i, lines = 1;

	switch (r->kind) {
	case FK_SECRET: {
		struct buf b;
		buf_init(&b);
		for (i = 0; i < r->len; i++) {
			if (((unsigned char)r->value[i] & 0xc0) != 0x80)
				buf_addc(&b, '*');
		}
		return buf_take(&b);
	}
	case FK_FILE:
		if (!r->from_editor)
			return xstrdup(r->value);
		for (i = 0; i < r->len; i++)
			lines += r->value[i] == '\n' && i + 1 < r->len;
		return xprintf("(%zu line%s, %zu bytes from the editor)",
		    lines, lines == 1 ? "" : "s", r->len);
	case FK_CHECK:
		return xstrdup(r->checked ? "[x]" : "[ ]");
	case FK_ENUM:
		return xprintf("< %s >", r->len ? r->value : "(none)");
	case FK_BUTTON:
		return xprintf("[ %s ]", r->label);
	case FK_TEXT:
		break;
	}
	return xstrdup(r->value);
}

/* The row for one connector field: its kind, hint, default and help. */
void
form_add_field(struct form *f, const struct field_def *fd)
{
	enum form_kind kind = FK_TEXT;
	struct form_row *r;

	if (fd->type == FT_ENUM || fd->type == FT_BOOLEAN)
		kind = FK_ENUM;
	else if (fd->type == FT_FILE)
		kind = FK_FILE;
	else if (fd->secret)
		kind = FK_SECRET;
	r = form_add(f, kind, fd->key, fd->label);
	r->required = fd->required;
	r->help = fd->help ? xstrdup(fd->help) : NULL;
	if (fd->type == FT_INTEGER && fd->max > fd->min)
		r->hint = xprintf("%lld-%lld", (long long)fd->min,
		    (long long)fd->max);
	else
		r->hint = xstrdup(fd->secret && fd->type == FT_FILE ?
		    "secret file" : field_type_name(fd->type));
	if (fd->type == FT_BOOLEAN) {
		static const char *const yn[] = { "", "true", "false" };
		form_row_choices(r, yn, 3);
	} else if (fd->type == FT_ENUM) {
		const char **v = xcalloc(fd->nchoices + 1, sizeof *v);
		size_t i;
		v[0] = "";
		for (i = 0; i < fd->nchoices; i++)
			v[i + 1] = fd->choices[i];
		form_row_choices(r, v, fd->nchoices + 1);
		free(v);
	}
	if (fd->dflt != NULL)
		form_set(r, fd->dflt, strlen(fd->dflt));
}

#define LABEL_W 24

static void
draw_row(struct form *f, size_t i, WINDOW *win, int y, int x, int w)
{
	struct form_row *r = &f->rows[i];
	bool focus = i == f->focus;
	attr_t la = focus ? draw_attr(TC_HEADER) : A_NORMAL;
	int hintw = r->hint != NULL ? text_width(r->hint) + 3 : 0, vw, cx;
	char *s, *lab;

	if (hintw > 16)
		hintw = 16;
	wmove(win, y, x);
	wclrtoeol(win);
	if (r->kind == FK_BUTTON) {
		s = form_shown(r);
		draw_text(win, y, x + 2, w - 2, s, focus ? draw_attr(TC_SELECT) |
		    A_BOLD : A_BOLD, false);
		free(s);
		return;
	}
	draw_text(win, y, x, 2, focus ? ">" : " ", draw_attr(TC_HEADER), true);
	lab = xprintf("%s%s", r->label, r->required ? " *" : "");
	draw_text(win, y, x + 2, LABEL_W - 1, lab, la | (r->bad ?
	    draw_attr(TC_ERROR) : 0), true);
	free(lab);
	vw = w - 2 - LABEL_W - hintw;
	if (vw < 8)
		vw = 8;
	if (r->kind == FK_CHECK || r->kind == FK_ENUM || (r->kind == FK_FILE &&
	    r->from_editor)) {
		s = form_shown(r);
		draw_text(win, y, x + 2 + LABEL_W, vw, s, focus ?
		    draw_attr(TC_SELECT) : A_NORMAL, true);
		free(s);
	} else {
		cx = draw_edit(win, y, x + 2 + LABEL_W, vw, r->value, r->cur,
		    r->kind == FK_SECRET, focus ? draw_attr(TC_FOCUS) :
		    draw_attr(TC_FIELD));
		if (focus)
			draw_cursor(y, cx);
	}
	if (hintw > 0) {
		s = xprintf(" (%s)", r->hint);
		draw_text(win, y, x + 2 + LABEL_W + vw, hintw, s,
		    draw_attr(TC_DIM), false);
		free(s);
	}
}

void
form_draw(struct form *f, WINDOW *win, int y, int x, int h, int w)
{
	size_t *vis, nvis = 0, i, fpos = 0;
	int helph = h >= 10 ? 4 : h >= 6 ? 2 : 0, rows = h - helph, k;

	vis = xcalloc(f->nrows ? f->nrows : 1, sizeof *vis);
	for (i = 0; i < f->nrows; i++) {
		if (!f->rows[i].hidden) {
			if (i == f->focus)
				fpos = nvis;
			vis[nvis++] = i;
		}
	}
	if (rows < 1)
		rows = 1;
	if (fpos < f->top)
		f->top = fpos;
	if (fpos >= f->top + (size_t)rows)
		f->top = fpos - (size_t)rows + 1;
	if (f->top + (size_t)rows > nvis)
		f->top = nvis > (size_t)rows ? nvis - (size_t)rows : 0;
	for (k = 0; k < rows; k++) {
		size_t v = f->top + (size_t)k;
		if (v < nvis)
			draw_row(f, vis[v], win, y + k, x, w);
		else
			draw_text(win, y + k, x, w, "", A_NORMAL, true);
	}
	free(vis);
	if (helph > 0 && f->nrows > 0) {
		struct form_row *r = &f->rows[f->focus];
		char **lines = NULL, *help;
		size_t n;

		draw_hline(win, y + rows, x, w, r->label);
		help = xprintf("%s%s", r->help != NULL ? r->help : "",
		    r->kind == FK_FILE ? "  Type a path, or ^E to write it "
		    "in $EDITOR." : "");
		n = text_wrap(help, w, &lines);
		for (k = 1; k < helph; k++)
			draw_text(win, y + rows + k, x, w, (size_t)(k - 1) < n ?
			    lines[k - 1] : "", draw_attr(TC_DIM), true);
		strv_free(&lines, n);
		free(help);
	}
}
