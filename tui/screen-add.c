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
	const struct catalog *cat;
};

static const struct key_help picker_keys[] = {
	{ "letters", "type to search the connectors by name or category" },
	{ "Backspace, ^U", "take back a letter, clear the search" },
	{ "Up/Down", "move" },
	{ "Enter", "fill in the chosen connector's form" },
	{ "Esc", "back" },
	{ NULL, NULL }
};

static const struct catalog *picker_cat;	/* for picker_cmp */

/* By the name people know it by (Google BigQuery under G), not the key. */
static int
picker_cmp(const void *a, const void *b)
{
	const struct connector *x = &picker_cat->v[*(const size_t *)a];
	const struct connector *y = &picker_cat->v[*(const size_t *)b];
	int c = strcasecmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->key, y->key);
}

static void
picker_recalc(struct tui *t, struct screen *sc, bool external)
{
	struct picker *p = sc->data;
	const struct catalog *cat = t->sess->cat;
	size_t i, *order;

	if (p->loaded)
		return;
	p->loaded = true;
	order = xcalloc(cat->n + 1, sizeof *order);
	for (i = 0; i < cat->n; i++)
		order[i] = i;
	picker_cat = cat;
	qsort(order, cat->n, sizeof *order, picker_cmp);
	list_clear(&p->list);
	for (i = 0; i < cat->n; i++) {
		const struct connector *c = &cat->v[order[i]];
		char *text = xprintf("%s %s %s %s", c->name, c->key,
		    c->category ? c->category : "", c->description ?
		    c->description : "");
		list_add(&p->list, (int64_t)order[i], text);
		free(text);
	}
	list_done(&p->list);
	free(order);
}

static void
picker_row(WINDOW *win, int y, int x, int w, size_t item, bool sel, void *arg)
{
	struct picker *p = arg;
	const struct connector *c = &p->cat->v[p->list.items[item].key];
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

	draw_text(win, y, 0, COLS, " CONNECTOR              CATEGORY     "
	    "WHAT IT REACHES", draw_attr(TC_HEADER), true);
	p->cat = t->sess->cat;
	list_draw(&p->list, win, y + 1, 0, h - 1, COLS, picker_row, p);
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
	bool		 changed;	/* something was typed: Esc asks */
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

/*
 * The typed values as draft_new takes them: a file row's path read here
 * into read[i] (a file that cannot be read is a problem draft_new lists
 * with the others), rows that are hidden, empty or not fields left out.
 * rows[i] is the form row of in[i].
 */
static size_t
add_inputs(struct tui *t, struct addscr *s, struct value_input *in,
    size_t *rows, char **read, char **errs)
{
	struct form *f = &s->form;
	size_t i, n = 0;

	for (i = 0; i < f->nrows; i++) {
		struct form_row *r = &f->rows[i];
		const struct field_def *fd = connector_field(s->c, r->key);
		char *raw = NULL;
		size_t rawlen = 0;

		r->bad = false;
		if (fd == NULL || r->hidden || r->len == 0 ||
		    r->kind == FK_BUTTON || strcmp(r->key, ".name") == 0)
			continue;
		in[n].key = fd->key;
		rows[n] = i;
		if (r->kind == FK_FILE && !r->from_editor) {
			if (file_read(r->value, value_read_limit(t->sess, fd),
			    &raw, &rawlen, &errs[n]) != 0)
				in[n].error = errs[n];
			in[n].raw = read[n] = raw;
			in[n].len = rawlen;
		} else {
			in[n].raw = r->value;
			in[n].len = r->len;
		}
		n++;
	}
	return n;
}

/* Save through draft_new, as draft new does; name every bad row at once. */
static void
add_save(struct tui *t, struct addscr *s, bool share)
{
	struct form *f = &s->form;
	struct value_input *in;
	char **read, **errs, *err = NULL, *namebuf, *name;
	size_t *rows, n, i;
	int64_t id = 0;
	bool bad = false;
	int rv;

	in = xcalloc(f->nrows, sizeof *in);
	rows = xcalloc(f->nrows, sizeof *rows);
	read = xcalloc(f->nrows, sizeof *read);
	errs = xcalloc(f->nrows, sizeof *errs);
	namebuf = xstrdup(form_value(f, ".name"));
	name = str_trim(namebuf);
	n = add_inputs(t, s, in, rows, read, errs);
	form_row(f, ".name")->bad = draft_name_check(name, NULL) != 0;
	rv = draft_new(t->sess, s->c, name, in, n, &id, &err);
	for (i = n; rv != 0 && i > 0; i--) {
		if (in[i - 1].bad) {
			f->rows[rows[i - 1]].bad = true;
			f->focus = rows[i - 1];
			bad = true;
		}
	}
	if (form_row(f, ".name")->bad) {
		f->focus = (size_t)form_find(f, ".name");
		bad = true;
	}
	if (rv != 0) {
		if (bad)
			tui_status(t, TC_ERROR, "Nothing was saved: %s.", err);
		else
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
	/* The screen may be gone by now: only what was read here is freed. */
	for (i = 0; i < n; i++) {
		if (read[i] != NULL)
			memset(read[i], 0, in[i].len);
		free(read[i]);
		free(errs[i]);
	}
	free(read);
	free(in);
	free(rows);
	free(errs);
	free(namebuf);
	free(err);
}

static bool
add_key(struct tui *t, struct screen *sc, int key)
{
	struct addscr *s = sc->data;
	struct form_row *r = form_focused(&s->form);
	enum form_event ev;

	if (key == K_ESC) {
		tui_leave_form(t, s->changed);
		return true;
	}
	ev = form_key(&s->form, key);
	s->changed = s->changed || ev == FE_CHANGED;
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
		s->changed = true;
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
