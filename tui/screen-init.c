/* screen-init.c: the first run, when there is no home yet: ask for the
 * workspace, the admin and the intake address, then make the home with
 * home_create, as `setuplink init` does. */
#include <stdlib.h>
#include <string.h>

#include "mailer/mailer.h"
#include "tui/private.h"

struct initscr {
	struct form	 form;
};

static const struct key_help init_keys[] = {
	{ "Tab, Down", "the next row; Shift-Tab, Up the one before" },
	{ "Enter", "on Create the home: make it and open the sources" },
	{ "Esc", "quit without making anything" },
	{ NULL, NULL }
};

static void
init_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct initscr *s = sc->data;
	char *head = xprintf("There is no setuplink home at %s yet. Say who "
	    "asks, and where replies arrive:", t->sess->home.dir);

	draw_text(win, y, 0, COLS, head, draw_attr(TC_HEADER), true);
	free(head);
	form_draw(&s->form, win, y + 2, 0, h - 2, COLS);
}

/* The same home_create that setuplink init calls, with the form's values. */
static int
init_create(struct tui *t, struct initscr *s, char **errstr)
{
	struct home_params p;
	char *fpr = NULL;
	int rv;

	memset(&p, 0, sizeof p);
	p.workspace = form_value(&s->form, "workspace");
	p.admin = form_value(&s->form, "admin");
	p.intake = form_value(&s->form, "intake");
	if (*form_value(&s->form, "transport") != '\0')
		p.transport = form_value(&s->form, "transport");
	rv = home_create(t->sess, &p, &fpr, errstr);
	free(fpr);
	return rv;
}

static bool
init_key(struct tui *t, struct screen *sc, int key)
{
	struct initscr *s = sc->data;
	struct form_row *r = form_focused(&s->form);
	char *err = NULL;
	enum form_event ev;

	if (key == K_ESC)
		return false;
	ev = form_key(&s->form, key);
	if (ev != FE_ACTIVATE || r == NULL || r->kind != FK_BUTTON)
		return ev != FE_NONE;
	tui_status(t, TC_NORMAL, "Creating the home and the workspace key...");
	if (init_create(t, s, &err) != 0 || session_open(t->sess, SESSION_ALL,
	    &err) != 0) {
		tui_error(t, "No home was made", &err);
		return true;
	}
	t->data_version = store_data_version(t->sess->st);
	tui_replace(t, sources_new(t));
	tui_status(t, TC_OK, "The home is ready. Press a to add a source.");
	return true;
}

static void
init_free(struct screen *sc)
{
	struct initscr *s = sc->data;

	form_free(&s->form);
	free(s);
}

static const struct screen_ops init_ops = {
	"First run", init_keys, "Tab:next row  Enter:press  Esc:quit  F1:help",
	NULL, init_draw, init_key, init_free
};

struct screen *
init_screen_new(struct tui *t)
{
	static const struct { const char *key, *label, *hint; } rows[] = {
		{ "workspace", "Workspace", "text" },
		{ "admin", "Admin", "Name <email>" },
		{ "intake", "Intake address", "email" },
		{ "transport", "Transport", "maildir, smtp://" },
	};
	struct initscr *s = xcalloc(1, sizeof *s);
	struct form_row *r;
	struct screen *sc;
	size_t i;

	form_init(&s->form);
	/* Help comes from the configuration table: said once, shown here. */
	for (i = 0; i < nitems(rows); i++) {
		r = form_add(&s->form, FK_TEXT, rows[i].key, rows[i].label);
		r->required = config_find(rows[i].key)->required;
		r->hint = xstrdup(rows[i].hint);
		r->help = xstrdup(config_find(rows[i].key)->help);
	}
	form_set(r, "maildir", 7);
	r = form_add(&s->form, FK_BUTTON, "create", "Create the home");
	r->help = xstrdup("Makes the home with these values, as setuplink "
	    "init does: its database and the workspace's OpenPGP key.");
	sc = screen_new(&init_ops, s);
	sc->stale = 0;
	return sc;
}
