/* screen-share.c: the share dialog: recipient, expiry, which fields,
 * protection and signer, a note; a preview of the email; sending through
 * share_link, the one path the command line takes too; the mailto URL. */
#include <stdlib.h>
#include <string.h>

#include "mailer/mailer.h"
#include "tui/private.h"

#define ANY_KEY "(any imported key)"

struct sharescr {
	int64_t		 draft;
	bool		 want_missing;
	bool		 loaded;
	struct form	 form;
	struct draft	*d;
	const struct connector *c;
	bool		 changed;	/* something was typed: Esc asks */
};

static const struct key_help share_keys[] = {
	{ "Tab, Down", "the next row; Shift-Tab, Up the one before" },
	{ "Left/Right, Space", "change a choice; Space ticks a field" },
	{ "Enter", "on Preview: the email as it will be read; on Send: send" },
	{ "^U", "clear the value" },
	{ "Esc", "back, sending nothing" },
	{ "F1", "this help" },
	{ NULL, NULL }
};

static bool
share_visible(const struct form *f, size_t i, void *arg)
{
	const char *key = f->rows[i].key, *v;

	if (strncmp(key, "f:", 2) == 0)
		return strcmp(form_value(f, "fields"), "pick") == 0;
	if (strcmp(key, "signer") == 0) {
		v = form_value(f, "require");
		return strcmp(v, "signed") == 0 ||
		    strcmp(v, "signed+encrypted") == 0;
	}
	return true;
}

static void
add_signers(struct tui *t, struct form_row *r)
{
	struct crypto *cr;
	struct key_info *k = NULL;
	const char **v;
	char **owned;
	char *err = NULL;
	size_t n = 0, i, m = 1;

	if (tui_crypto(t, &cr, &err) != 0 || crypto_list(cr, &k, &n,
	    &err) != 0) {
		tui_error(t, "Cannot list the imported keys", &err);
		n = 0;
	}
	v = xcalloc(n + 1, sizeof *v);
	owned = xcalloc(n + 1, sizeof *owned);
	v[0] = ANY_KEY;
	for (i = 0; i < n; i++) {
		if (k[i].secret || k[i].revoked || k[i].expired)
			continue;
		owned[m] = xprintf("%s %s", k[i].fpr, k[i].nuids ? k[i].uids[0] :
		    "");
		v[m] = owned[m];
		m++;
	}
	form_row_choices(r, v, m);
	for (i = 0; i < m; i++)
		free(owned[i]);
	free(owned);
	free(v);
	key_info_free(&k, n);
}

static void
share_recalc(struct tui *t, struct screen *sc, bool external)
{
	struct sharescr *s = sc->data;
	struct form_row *r;
	char **missing = NULL, *err = NULL, *exp;
	size_t nmissing = 0, i, j;
	static const char *const fields[] = { "missing", "all", "pick" };
	static const char *const req[] = { "any", "signed", "encrypted",
	    "signed+encrypted" };

	if (s->loaded)
		return;
	if (draft_get(t->sess->st, t->sess->cat, s->draft, &s->d, &err) != 0 ||
	    (s->c = catalog_find(t->sess->cat, s->d->connector)) == NULL) {
		tui_error(t, "Cannot share a link for this draft", &err);
		tui_pop(t);
		return;
	}
	s->loaded = true;
	draft_complete(s->c, s->d, &missing, &nmissing);
	free(sc->title);
	sc->title = xprintf("Share a setup link for draft %lld: %s",
	    (long long)s->d->id, s->d->name);

	r = form_add(&s->form, FK_TEXT, "to", "Recipient");
	r->required = true;
	r->hint = xstrdup("email");
	r->help = xstrdup("Who holds the settings: the setup email goes to "
	    "this address, and only a reply to it can fill the draft.");
	r = form_add(&s->form, FK_TEXT, "expires", "Expires in");
	r->hint = xstrdup("7d, 12h, 90m");
	exp = fmt_duration(t->sess->cfg.link_expiry_max);
	r->help = xprintf("How long the link works: a number and s, m, h or "
	    "d, up to %s.", exp);
	free(exp);
	exp = fmt_duration(t->sess->cfg.link_expiry);
	form_set(r, exp, strlen(exp));
	free(exp);
	r = form_add(&s->form, FK_ENUM, "fields", "Fields");
	form_row_choices(r, fields, 3);
	r->hint = xstrdup("choice");
	r->help = xstrdup("missing: the required fields still empty; all: "
	    "every field of the connector; pick: tick them in the list below.");
	if (!s->want_missing || nmissing == 0)
		form_set(r, "all", 3);
	for (i = 0; i < s->c->nfields; i++) {
		const struct field_def *f = &s->c->fields[i];
		char *key = xprintf("f:%s", f->key), *lab = xprintf("  %s",
		    f->label);
		r = form_add(&s->form, FK_CHECK, key, lab);
		r->hint = xstrdup(f->key);
		r->help = f->help ? xstrdup(f->help) : NULL;
		for (j = 0; j < nmissing; j++)
			r->checked |= strcmp(missing[j], f->key) == 0;
		free(key);
		free(lab);
	}
	r = form_add(&s->form, FK_ENUM, "require", "Protection");
	form_row_choices(r, req, 4);
	r->hint = xstrdup("choice");
	r->help = xstrdup("What a reply must be to count: any; signed by a "
	    "key you imported (setuplink key import); encrypted to the "
	    "workspace key; or both.");
	r = form_add(&s->form, FK_ENUM, "signer", "Signer");
	r->hint = xstrdup("imported key");
	r->help = xstrdup("Only a signature by this key counts; any imported "
	    "key when none is chosen.");
	add_signers(t, r);
	r = form_add(&s->form, FK_TEXT, "note", "Note");
	r->hint = xstrdup("text");
	r->help = xstrdup("A line to the recipient, shown in the email.");
	r = form_add(&s->form, FK_BUTTON, "preview", "Preview the email");
	r->help = xstrdup("Shows the email's text as the recipient will read "
	    "it; nothing is sent.");
	r = form_add(&s->form, FK_BUTTON, "send", "Send");
	r->help = xstrdup("Creates the link and sends the email.");
	s->form.visible = share_visible;
	s->form.arg = s;
	form_recalc(&s->form);
	strv_free(&missing, nmissing);
}

static void
share_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct sharescr *s = sc->data;

	if (!s->loaded)
		return;
	draw_text(win, y, 0, COLS, "Whom to ask, for what, and how the reply "
	    "must be protected:", draw_attr(TC_HEADER), true);
	form_draw(&s->form, win, y + 1, 0, h - 1, COLS);
}

/* One problem of the form, named by the row's label; the first bad row
 * takes the cursor. */
static void
share_bad(struct form *f, struct buf *b, const char *key, const char *what)
{
	struct form_row *r = form_row(f, key);
	bool first = b->len == 0;

	if (r != NULL) {
		r->bad = true;
		if (first)
			form_focus(f, key);
	}
	buf_printf(b, "%s%s: %s", first ? "" : "; ", r != NULL ? r->label : key,
	    what);
}

/* The fields ticked, when the choice is pick (NULL and n = 0 otherwise). */
static const char **
share_ticked(struct form *f, size_t *np)
{
	const char **fields;
	size_t i, n = 0;

	*np = 0;
	if (strcmp(form_value(f, "fields"), "pick") != 0)
		return NULL;
	fields = xcalloc(f->nrows, sizeof *fields);
	for (i = 0; i < f->nrows; i++) {
		if (strncmp(f->rows[i].key, "f:", 2) == 0 && f->rows[i].checked)
			fields[n++] = f->rows[i].key + 2;
	}
	*np = n;
	return fields;
}

/*
 * The request from the form.  Every bad row is named at once, by its
 * label as the form shows it (never a command-line flag), and the cursor
 * goes to the first.
 */
static int
build_request(struct tui *t, struct sharescr *s, struct share_request *rq,
    const char ***fieldsp, char **signerp, char **errstr)
{
	struct form *f = &s->form;
	const char *to = form_value(f, "to"), *req = form_value(f, "require");
	const char *sig = form_value(f, "signer"), *which;
	const char **fields = NULL;
	struct buf bad;
	size_t n = 0, i;
	int64_t secs = 0, max = t->sess->cfg.link_expiry_max;
	char *err = NULL, *m;

	memset(rq, 0, sizeof *rq);
	*fieldsp = NULL;
	*signerp = NULL;
	buf_init(&bad);
	for (i = 0; i < f->nrows; i++)
		f->rows[i].bad = false;
	if (*to == '\0' || !address_valid(to))
		share_bad(f, &bad, "to", "must be an email address such as "
		    "it@client.example");
	if (*form_value(f, "expires") != '\0' && duration_parse(
	    form_value(f, "expires"), &secs, &err) != 0) {
		share_bad(f, &bad, "expires", "a number and s, m, h or d, such "
		    "as 7d");
		freep(&err);
	} else if (secs > max) {
		m = fmt_duration(max);
		err = xprintf("at most %s (link_expiry_max in setuplink.conf)",
		    m);
		share_bad(f, &bad, "expires", err);
		freep(&err);
		free(m);
	}
	which = form_value(f, "fields");
	fields = share_ticked(f, &n);
	if (fields != NULL && n == 0)
		share_bad(f, &bad, "fields", "tick at least one field below, or "
		    "choose all or missing");
	if (bad.len > 0) {
		free(fields);
		m = buf_take(&bad);
		i = (size_t)errorf(errstr, EX_USAGE, "%s", m);
		free(m);
		return (int)i;
	}
	buf_free(&bad);
	rq->draft = s->draft;
	rq->to = to;
	rq->expires_in = secs;
	rq->fields = fields;
	rq->nfields = n;
	rq->missing = strcmp(which, "missing") == 0;
	if (link_require_parse(req, &rq->require) != 0)
		rq->require = REQUIRE_ANY;
	if ((rq->require == REQUIRE_SIGNED ||
	    rq->require == REQUIRE_SIGNED_ENCRYPTED) && sig != NULL &&
	    strcmp(sig, ANY_KEY) != 0 && strlen(sig) >= 40)
		*signerp = xstrndup(sig, 40);
	rq->signer = *signerp;
	rq->note = *form_value(f, "note") ? form_value(f, "note") : NULL;
	rq->admin = tui_admin(t);
	*fieldsp = fields;
	return 0;
}

/* The email as it will be read, with its headers, before anything is made. */
static void
share_preview_show(struct tui *t, struct share_request *rq)
{
	struct session *ss = t->sess;
	char *text = NULL, *err = NULL, *title, *all;

	if (share_preview(&ss->cfg, &ss->home, ss->st, ss->cat, rq, &text,
	    &err) != 0) {
		tui_error(t, "No preview", &err);
		return;
	}
	title = xprintf("Preview: the email to %s", rq->to);
	all = xprintf("%s\n(REF and TOKEN stand for the link's reference and "
	    "secret token, made when it is sent.)\n", text);
	tui_push(t, pager_new(title, all));
	free(all);
	free(title);
	free(text);
}

/* What the admin reads once the link is made: where its email went. */
static char *
share_told(struct tui *t, const struct share_request *rq,
    const struct share_result *res)
{
	char *where, *how;

	if (res->failed)
		where = xprintf("Its email to %s is QUEUED in %s, NOT SENT: "
		    "%s.", rq->to, outbox_where(), res->notice);
	else if (res->queued) {
		how = outbox_how_to_send(&t->sess->cfg);
		where = xprintf("Its email to %s is QUEUED in %s, NOT SENT: "
		    "%s.", rq->to, outbox_where(), how);
		free(how);
	} else
		where = xprintf("Its email is sent to %s.", rq->to);
	return where;
}

static void
share_send(struct tui *t, struct share_request *rq)
{
	struct session *ss = t->sess;
	struct share_result res;
	char *err = NULL, *text, *title, *where, *told;
	const char *spec = ss->cfg.transport;
	int rv;

	memset(&res, 0, sizeof res);
	where = transport_where(spec);
	if (transport_is_maildir(spec))
		tui_status(t, TC_NORMAL, "Queueing the email in %s...",
		    outbox_where());
	else
		tui_status(t, TC_NORMAL, "Sending to %s... (Esc cancels; the "
		    "email then waits in %s)", where, outbox_where());
	free(where);
	tui_draw_now(t);
	transport_set_cancel(tui_cancel_key, t);
	rv = share_link(&ss->cfg, &ss->home, ss->st, ss->cat, rq, &res, &err);
	transport_set_cancel(NULL, NULL);
	if (rv != 0 && res.link == 0) {
		tui_error(t, "Nothing was sent", &err);
		return;
	}
	tui_stale(t);
	told = share_told(t, rq, &res);
	text = xprintf("Link %lld is created. %s\n\n"
	    "Replies go to %s until the link expires or is used.\n\n"
	    "The same request as a mailto: URL, to paste into a chat "
	    "(y copies it to the clipboard, u shows it alone for a mouse "
	    "copy):\n\n%s\n", (long long)res.link, told,
	    res.reply_address ? res.reply_address : "the reply address",
	    res.mailto ? res.mailto : "");
	title = xprintf("Link %lld %s", (long long)res.link, res.queued ?
	    "queued, not sent" : "sent");
	if (rv != 0)
		tui_error(t, "The email was not sent", &err);
	else if (res.queued)
		tui_status(t, TC_WARN, "Link %lld: its email is queued in "
		    "%s, not sent.", (long long)res.link, outbox_where());
	else
		tui_status(t, TC_OK, "Link %lld is sent to %s.",
		    (long long)res.link, rq->to);
	free(err);
	/* This frees the form, and rq's strings with it. */
	tui_replace(t, pager_new_url(title, text, res.mailto ? res.mailto :
	    ""));
	free(told);
	free(title);
	free(text);
	share_result_free(&res);
}

static void
share_do(struct tui *t, struct screen *sc, bool send)
{
	struct sharescr *s = sc->data;
	struct share_request rq;
	const char **fields = NULL;
	char *signer = NULL, *err = NULL;

	if (build_request(t, s, &rq, &fields, &signer, &err) != 0)
		tui_error(t, send ? "Nothing was sent" : "No preview", &err);
	else if (!send)
		share_preview_show(t, &rq);
	else
		share_send(t, &rq);
	free(fields);
	free(signer);
}

static bool
share_key(struct tui *t, struct screen *sc, int key)
{
	struct sharescr *s = sc->data;
	struct form_row *r = form_focused(&s->form);
	enum form_event ev;

	if (key == K_ESC && s->loaded) {
		tui_leave_form(t, s->changed);
		return true;
	}
	if (!s->loaded)
		return false;
	ev = form_key(&s->form, key);
	s->changed = s->changed || ev == FE_CHANGED;
	if (ev == FE_ACTIVATE && r != NULL && r->kind == FK_BUTTON) {
		share_do(t, sc, strcmp(r->key, "send") == 0);
		return true;
	}
	if (ev == FE_EDITOR)
		return true;	/* nothing here is long enough for it */
	return ev != FE_NONE;
}

static void
share_free(struct screen *sc)
{
	struct sharescr *s = sc->data;

	form_free(&s->form);
	draft_free(&s->d);
	free(s);
}

static const struct screen_ops share_ops = {
	"Share a setup link", share_keys,
	"Tab:next row  Left/Right:choose  Space:tick  Enter:press  Esc:back  "
	"F1:help",
	share_recalc, share_draw, share_key, share_free
};

struct screen *
share_new(struct tui *t, int64_t draft, bool missing)
{
	struct sharescr *s = xcalloc(1, sizeof *s);

	s->draft = draft;
	s->want_missing = missing;
	form_init(&s->form);
	return screen_new(&share_ops, s);
}
