/* screen-add.c: adding a source: a connector picker that filters as you
 * type, then the connector's form, whose "Share setup link" button saves
 * the draft on the spot and opens the share dialog. */
#include <stdlib.h>
#include <string.h>

#include "mailer/mailer.h"
#include "tui/private.h"

/* ---- The connector picker. */

struct picker {
	struct list	 list;
	bool		 loaded;
};

static const struct key_help picker_keys[] = {
	{ "letters", "type to search the connectors by name or kind" },
	{ "Backspace, ^U", "take back a letter, clear the search" },
	{ "Up/Down", "move" },
	{ "Enter", "fill in the chosen connector's form" },
	{ "Esc", "back" },
	{ NULL, NULL }
};

static void
picker_recalc(struct tui *t, struct screen *sc, bool external)
{
	struct picker *p = sc->data;
	const struct catalog *cat = t->sess->cat;
	size_t i;

	if (p->loaded)
		return;
	p->loaded = true;
	list_clear(&p->list);
	for (i = 0; i < cat->n; i++) {
		const struct connector *c = &cat->v[i];
		char *text = xprintf("%s %s %s %s", c->name, c->key,
		    c->category ? c->category : "", c->description ?
		    c->description : "");
		list_add(&p->list, (int64_t)i, text);
		free(text);
	}
	list_done(&p->list);
}

static void
picker_row(WINDOW *win, int y, int x, int w, size_t item, bool sel, void *arg)
{
	struct tui *t = arg;
	const struct connector *c = &t->sess->cat->v[item];
	attr_t a = sel ? draw_attr(TC_SELECT) : A_NORMAL;

	draw_text(win, y, x, w, "", a, true);
	draw_text(win, y, x + 1, 22, c->name, a | A_BOLD, true);
	draw_text(win, y, x + 24, 12, c->category ? c->category : "", a, true);
	draw_text(win, y, x + 37, w - 37, c->description ? c->description : "",
	    a | (sel ? 0 : draw_attr(TC_DIM)), true);
}

static void
picker_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct picker *p = sc->data;

	draw_text(win, y, 0, COLS, " CONNECTOR              KIND         "
	    "WHAT IT REACHES", draw_attr(TC_HEADER), true);
	list_draw(&p->list, win, y + 1, 0, h - 1, COLS, picker_row, t);
}

static bool
picker_key(struct tui *t, struct screen *sc, int key)
{
	struct picker *p = sc->data;
	size_t i;

	if (key_is_enter(key)) {
		if ((i = list_selected(&p->list)) != (size_t)-1)
			tui_push(t, add_form_new(t, &t->sess->cat->v[
			    p->list.items[i].key]));
		return true;
	}
	if (key == '?')
		return false;	/* help, not a search letter */
	return list_key(&p->list, key);
}

static void
picker_free(struct screen *sc)
{
	struct picker *p = sc->data;

	list_free(&p->list);
	free(p);
}

static const struct screen_ops picker_ops = {
	"Add a source: pick a connector", picker_keys,
	"type to search  Enter:choose  Esc:back  F1:help",
	picker_recalc, picker_draw, picker_key, picker_free
};

struct screen *
picker_new(struct tui *t)
{
	struct picker *p = xcalloc(1, sizeof *p);

	list_init(&p->list);
	p->list.type_filter = true;
	return screen_new(&picker_ops, p);
}

/* ---- The connector's form. */

struct addscr {
	const struct connector *c;
	struct form	 form;
};

static const struct key_help add_keys[] = {
	{ "Tab, Down", "the next row; Shift-Tab, Up the one before" },
	{ "letters", "type the value; Backspace, Delete, Left/Right edit" },
	{ "Left/Right, Space", "change a choice (the auth method shows "
	  "its own fields)" },
	{ "^E", "write the value in $EDITOR (file fields: a PEM key, JSON)" },
	{ "^U", "clear the value" },
	{ "Enter", "on Share setup link: save the draft and share it; on "
	  "Save draft: save it" },
	{ "Esc", "back, saving nothing" },
	{ "F1", "this help" },
	{ NULL, NULL }
};

static bool
add_visible(const struct form *f, size_t i, void *arg)
{
	struct addscr *s = arg;
	const struct field_def *fd = connector_field(s->c, f->rows[i].key);
	const char *m;

	if (fd == NULL || strcmp(f->rows[i].key, ".name") == 0 ||
	    f->rows[i].kind == FK_BUTTON)
		return true;
	m = s->c->method_field ? form_value(f, s->c->method_field) : NULL;
	return field_applies(s->c, fd, m != NULL && *m ? m : NULL);
}

static void
add_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct addscr *s = sc->data;
	char *head = xprintf("%s: %s  (* required)", s->c->name,
	    s->c->description ? s->c->description : "");

	draw_text(win, y, 0, COLS, head, draw_attr(TC_HEADER), true);
	free(head);
	form_draw(&s->form, win, y + 1, 0, h - 1, COLS);
}

/* Validate everything typed, name every bad row at once, then save. */
static void
add_save(struct tui *t, struct addscr *s, bool share)
{
	struct form *f = &s->form;
	struct field_write *w;
	struct buf bad;
	struct source src;
	char **vals, *err = NULL, *name, *namebuf;
	size_t *lens, nw = 0, i;
	ssize_t firstbad = -1;
	int64_t id = 0;
	int rv;

	buf_init(&bad);
	w = xcalloc(f->nrows, sizeof *w);
	vals = xcalloc(f->nrows, sizeof *vals);
	lens = xcalloc(f->nrows, sizeof *lens);
	namebuf = xstrdup(form_value(f, ".name"));
	name = str_trim(namebuf);
	for (i = 0; i < f->nrows; i++)
		f->rows[i].bad = false;
	if (*name == '\0' || str_has_ctl(name) || strlen(name) > 200) {
		buf_adds(&bad, *name == '\0' ? "the draft needs a name" :
		    "a draft name is one line of at most 200 characters");
		firstbad = form_find(f, ".name");
		form_row(f, ".name")->bad = true;
	}
	for (i = 0; i < f->nrows; i++) {
		struct form_row *r = &f->rows[i];
		const struct field_def *fd = connector_field(s->c, r->key);
		char *raw = NULL, *canon = NULL;
		size_t rawlen = 0;

		if (fd == NULL || r->hidden || r->len == 0 ||
		    r->kind == FK_BUTTON || strcmp(r->key, ".name") == 0)
			continue;
		if (r->kind == FK_FILE && !r->from_editor) {
			size_t max = (size_t)(fd->max_size > 0 ? fd->max_size :
			    t->sess->cfg.max_file_size) + 1;
			if (file_read(r->value, max, &raw, &rawlen, &err) != 0) {
				buf_printf(&bad, "%s%s", bad.len ? "; " : "",
				    err);
				freep(&err);
				r->bad = true;
				if (firstbad < 0)
					firstbad = (ssize_t)i;
				continue;
			}
		} else {
			raw = xmalloc(r->len + 1);
			memcpy(raw, r->value, r->len + 1);
			rawlen = r->len;
		}
		if (field_validate(fd, raw, rawlen, t->sess->cfg.max_file_size,
		    &canon, &err) != 0) {
			buf_printf(&bad, "%s%s", bad.len ? "; " : "", err);
			freep(&err);
			r->bad = true;
			if (firstbad < 0)
				firstbad = (ssize_t)i;
		} else if (fd->dflt == NULL || strcmp(fd->dflt, canon) != 0) {
			/* draft_create writes the defaults already. */
			w[nw].key = fd->key;
			w[nw].value = canon;
			w[nw].len = fd->type == FT_FILE ? rawlen : strlen(canon);
			vals[nw] = canon;
			lens[nw] = w[nw].len;
			canon = NULL;
			nw++;
		}
		if (raw != NULL)
			memset(raw, 0, rawlen);
		free(raw);
		free(canon);
	}
	if (bad.len > 0) {
		tui_status(t, TC_ERROR, "Nothing was saved: %s.", bad.data);
		if (firstbad >= 0)
			f->focus = (size_t)firstbad;
		goto out;
	}
	if ((rv = store_begin(t->sess->st, &err)) != 0) {
		tui_error(t, "Nothing was saved", &err);
		goto out;
	}
	memset(&src, 0, sizeof src);
	src.kind = SOURCE_ADMIN;
	src.from = (char *)tui_admin(t);
	src.at = time_now();
	if ((rv = draft_create(t->sess->st, s->c, name, tui_admin(t), &id,
	    &err)) != 0 || (nw > 0 && (rv = draft_write(t->sess->st, id, w, nw,
	    &src, NULL, &err)) != 0) || (rv = store_commit(t->sess->st,
	    &err)) != 0) {
		store_rollback(t->sess->st);
		tui_error(t, "Nothing was saved", &err);
		goto out;
	}
	/* Back past the picker to the sources, then into the new draft. */
	while (t->depth > 1)
		tui_pop(t);
	tui_stale(t);
	tui_push(t, draft_screen_new(t, id));
	if (share)
		tui_push(t, share_new(t, id, true));
	tui_status(t, TC_OK, "Draft %lld is saved.%s", (long long)id, share ?
	    " Now say whom to ask." : "");
out:
	for (i = 0; i < nw; i++) {
		memset(vals[i], 0, lens[i]);
		free(vals[i]);
	}
	free(vals);
	free(lens);
	free(w);
	free(namebuf);
	buf_free(&bad);
}

static bool
add_key(struct tui *t, struct screen *sc, int key)
{
	struct addscr *s = sc->data;
	struct form_row *r = form_focused(&s->form);
	enum form_event ev;

	if (key == K_ESC)
		return false;
	ev = form_key(&s->form, key);
	if (ev == FE_ACTIVATE && r != NULL && r->kind == FK_BUTTON) {
		add_save(t, s, strcmp(r->key, ".share") == 0);
		return true;
	}
	if (ev == FE_EDITOR && r != NULL) {
		char *err = NULL, *v = NULL;
		size_t len = 0;
		if (tui_editor(t, r->from_editor ? r->value : "", r->from_editor ?
		    r->len : 0, &v, &len, &err) != 0) {
			tui_error(t, NULL, &err);
			return true;
		}
		if (r->kind != FK_FILE && len > 0 && v[len - 1] == '\n')
			v[--len] = '\0';
		form_set(r, v, len);
		r->from_editor = r->kind == FK_FILE;
		memset(v, 0, len);
		free(v);
		form_recalc(&s->form);
		return true;
	}
	return ev != FE_NONE;
}

static void
add_free(struct screen *sc)
{
	struct addscr *s = sc->data;

	form_free(&s->form);
	free(s);
}

static const struct screen_ops add_ops = {
	"Add a source", add_keys,
	"Tab:next row  Left/Right:choose  ^E:$EDITOR  Enter:press  Esc:back  "
	"F1:help",
	NULL, add_draw, add_key, add_free
};

struct screen *
add_form_new(struct tui *t, const struct connector *c)
{
	struct addscr *s = xcalloc(1, sizeof *s);
	struct form_row *r;
	struct screen *sc;
	size_t i;

	s->c = c;
	form_init(&s->form);
	r = form_add(&s->form, FK_BUTTON, ".share", "Share setup link");
	r->help = xstrdup("Saves the draft with what you typed below and "
	    "opens the share dialog, to ask someone for the rest by email.");
	r = form_add(&s->form, FK_BUTTON, ".save", "Save draft");
	r->help = xstrdup("Saves the draft with what you typed below; share "
	    "a link later with s.");
	r = form_add(&s->form, FK_TEXT, ".name", "Draft name");
	r->required = true;
	r->hint = xstrdup("text");
	r->help = xstrdup("A name you will know the source by, such as "
	    "\"Client X production\".");
	for (i = 0; i < c->nfields; i++)
		form_add_field(&s->form, &c->fields[i]);
	s->form.visible = add_visible;
	s->form.arg = s;
	form_recalc(&s->form);
	form_focus(&s->form, ".name");
	sc = screen_new(&add_ops, s);
	sc->stale = 0;
	sc->title = xprintf("Add a %s source", c->name);
	return sc;
}
