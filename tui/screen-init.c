/* screen-init.c: the first run, when there is no home yet: ask for the
 * workspace, the admin, the intake address and how mail leaves (with a
 * test of it), then make the home with home_create, as `setuplink init`
 * does. */
#include <stdlib.h>
#include <string.h>

#include "mailer/mailer.h"
#include "tui/private.h"

struct initscr {
	struct form	 form;
};

static const struct key_help init_keys[] = {
	{ "Tab, Down", "the next row; Shift-Tab, Up the one before" },
	{ "Left/Right", "on Send mail by: maildir, sendmail or smtp" },
	{ "Enter", "on Test: send a test email to the admin; on Create the "
	  "home: make it and open the sources" },
	{ "Esc", "quit without making anything" },
	{ NULL, NULL }
};

#define HOW_MAILDIR	"maildir (queue in outbox/)"

/* The intro, wrapped: at 80 columns it takes three lines. */
static void
init_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct initscr *s = sc->data;
	char *head = xprintf("There is no setuplink home at %s yet. Say who "
	    "asks, where replies arrive, and how setup emails leave: maildir "
	    "only queues them in outbox/ (sent later with setuplink outbox "
	    "flush); sendmail hands them to the local mail server; smtp sends "
	    "them through a server you name.", t->sess->home.dir);
	char **lines;
	size_t n, i;

	n = text_wrap(head, COLS, &lines);
	for (i = 0; i < n && (int)i < h - 2; i++)
		draw_text(win, y + (int)i, 0, COLS, lines[i],
		    draw_attr(TC_HEADER), true);
	form_draw(&s->form, win, y + (int)i + 1, 0, h - (int)i - 1, COLS);
	strv_free(&lines, n);
	free(head);
}

/* The transport the rows say: maildir, sendmail[:PATH] or the SMTP URL. */
static char *
init_transport(struct initscr *s)
{
	const char *how = form_value(&s->form, "how");
	const char *where = form_value(&s->form, "where");

	if (strncmp(how, "sendmail", 8) == 0)
		return *where != '\0' ? xprintf("sendmail:%s", where) :
		    xstrdup("sendmail");
	if (strncmp(how, "smtp", 4) == 0)
		return xstrdup(where);
	return xstrdup("maildir");
}

static bool
init_visible(const struct form *f, size_t i, void *arg)
{
	const char *key = f->rows[i].key;

	if (strcmp(key, "where") == 0 || strcmp(key, "test") == 0)
		return strncmp(form_value(f, "how"), "maildir", 7) != 0;
	return true;
}

/* Send a test email to the admin through the chosen transport. */
static void
init_test(struct tui *t, struct initscr *s)
{
	char *spec = init_transport(s), *name = NULL, *addr = NULL;
	char *err = NULL, *where;

	if (mailbox_parse(form_value(&s->form, "admin"), &name, &addr,
	    NULL) != 0) {
		form_focus(&s->form, "admin");
		tui_status(t, TC_ERROR, "Admin: write \"Name <you@example.com>\" "
		    "first; the test email goes to that address.");
		goto out;
	}
	if (transport_check(spec, &err) != 0) {
		form_focus(&s->form, "where");
		tui_error(t, "Send mail by", &err);
		goto out;
	}
	where = transport_where(spec);
	tui_status(t, TC_NORMAL, "Sending a test email to %s through %s... "
	    "(Esc cancels)", addr, where);
	free(where);
	tui_draw_now(t);
	transport_set_cancel(tui_cancel_key, t);
	if (transport_test(NULL, NULL, spec, addr, &err) != 0)
		tui_error(t, "The test email was not sent", &err);
	else
		tui_status(t, TC_OK, "A test email left through %s: look for it "
		    "at %s.", spec, addr);
	transport_set_cancel(NULL, NULL);
out:
	free(spec);
	free(name);
	free(addr);
}

/* The same home_create that setuplink init calls, with the form's values. */
static int
init_create(struct tui *t, struct initscr *s, char **errstr)
{
	struct home_params p;
	char *fpr = NULL, *transport;
	int rv;

	memset(&p, 0, sizeof p);
	p.workspace = form_value(&s->form, "workspace");
	p.admin = form_value(&s->form, "admin");
	p.intake = form_value(&s->form, "intake");
	transport = init_transport(s);
	p.transport = transport;
	rv = home_create(t->sess, &p, &fpr, errstr);
	free(transport);
	free(fpr);
	return rv;
}

/* What the Where row starts with for the chosen way, to be edited. */
static void
init_where_default(struct initscr *s)
{
	struct form_row *r = form_row(&s->form, "where");
	const char *how = form_value(&s->form, "how"), *v = "";

	if (strncmp(how, "sendmail", 8) == 0)
		v = "/usr/sbin/sendmail";
	else if (strncmp(how, "smtp", 4) == 0)
		v = "smtp://";
	if (r != NULL && (r->len == 0 || strcmp(r->value, "smtp://") == 0 ||
	    strcmp(r->value, "/usr/sbin/sendmail") == 0))
		form_set(r, v, strlen(v));
	form_recalc(&s->form);
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
	if (ev == FE_CHANGED && r != NULL && strcmp(r->key, "how") == 0)
		init_where_default(s);
	if (ev != FE_ACTIVATE || r == NULL || r->kind != FK_BUTTON)
		return ev != FE_NONE;
	if (strcmp(r->key, "test") == 0) {
		init_test(t, s);
		return true;
	}
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
	};
	static const char *const how[] = { HOW_MAILDIR, "sendmail (local)",
	    "smtp (a server)" };
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
	r = form_add(&s->form, FK_ENUM, "how", "Send mail by");
	form_row_choices(r, how, nitems(how));
	r->hint = xstrdup("choice");
	r->help = xstrdup(config_find("transport")->help);
	r = form_add(&s->form, FK_TEXT, "where", "  Server or program");
	r->hint = xstrdup("smtp://HOST[:PORT]");
	r->help = xstrdup("smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT]; "
	    "for sendmail, the program's path. A login goes in smtp_user and "
	    "smtp_password_file in setuplink.conf, never here.");
	r = form_add(&s->form, FK_BUTTON, "test", "Test: send a test email "
	    "to the admin");
	r->help = xstrdup("Sends a short email to the admin's address through "
	    "this transport, now, before anything is made.");
	r = form_add(&s->form, FK_BUTTON, "create", "Create the home");
	r->help = xstrdup("Makes the home with these values, as setuplink "
	    "init does: its database and the workspace's OpenPGP key.");
	s->form.visible = init_visible;
	form_recalc(&s->form);
	sc = screen_new(&init_ops, s);
	sc->stale = 0;
	return sc;
}
