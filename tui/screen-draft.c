/* screen-draft.c: one draft: every field with its value (secrets masked
 * until revealed), who set it, when, through which link, signed or
 * encrypted; its history; the draft's links; editing, revoking, deleting. */
#include <stdlib.h>
#include <string.h>

#include "mailer/mailer.h"
#include "tui/private.h"

#define MASK "********"

struct draftscr {
	int64_t		 id;
	struct draft	*d;
	const struct connector *c;
	struct link	**links;
	size_t		 nlinks;
	char		**missing;
	size_t		 nmissing;
	bool		 complete;
	struct list	 fields;	/* key: index into d->fields */
	struct list	 links_l;	/* key: link id, item i is links[i] */
	int		 pane;		/* 0: fields, 1: links */
	char		*revealed;	/* the one field shown in clear */
	char		*test;		/* the last test, in a few words */
};

static const struct key_help draft_keys[] = {
	{ "Up/Down, j/k", "move in the fields or, after Tab, the links" },
	{ "Tab", "switch between the fields and the links" },
	{ "e", "edit the field (checked like draft set; ^E: $EDITOR)" },
	{ "r", "reveal the field's secret value (asks first)" },
	{ "h", "the field's history: every value it had, from whom" },
	{ "n", "new link for what is still missing; on a link (after Tab): "
	  "renew it, same scope (asks first)" },
	{ "s", "share a setup link, choosing the fields" },
	{ "R", "revoke the selected link (asks first)" },
	{ "t", "test the credentials against the service (draft test)" },
	{ "d", "delete the draft (asks first)" },
	{ "/", "filter the fields" },
	{ "Esc, q", "back to the sources" },
	{ NULL, NULL }
};

static const struct field_def *
def_of(struct draftscr *s, const char *key)
{
	return s->c != NULL ? connector_field(s->c, key) : NULL;
}

/* A value as the screen shows it: masked, summarised, or as it is. */
static char *
shown(const struct field_def *f, const char *v, size_t len, bool reveal)
{
	const char *nl;

	if (v == NULL || len == 0)
		return xstrdup("-");
	if (f != NULL && f->secret && !reveal)
		return xstrdup(MASK);
	if (!utf8_valid(v, len))
		return xprintf("(%zu bytes of binary data)", len);
	if ((nl = memchr(v, '\n', len)) != NULL) {
		size_t lines = 1;
		for (const char *p = v; p < v + len - 1; p++)
			lines += *p == '\n';
		char *first = xstrndup(v, (size_t)(nl - v));
		char *r = xprintf("%s ... (%zu lines)", first, lines);
		free(first);
		return r;
	}
	return xstrndup(v, len);
}

static char *
source_text(const struct source *src, bool full)
{
	char *tm = fmt_time(src->at), *r, *signer, *via;

	if (!full) {
		r = xprintf("%s %s%s", source_kind_name(src->kind), src->from ? src->from : "?",
		    src->signed_by ? " (signed)" : "");
		free(tm);
		return r;
	}
	signer = src->signed_by ? xprintf("signed by %s", src->signed_by) :
	    xstrdup("not signed");
	via = src->link ? xprintf(", through link %lld", (long long)src->link) :
	    xstrdup("");
	r = xprintf("Set by %s %s, %s%s; %s; %s.", src->kind ==
	    SOURCE_ADMIN ? "the admin" : src->kind == SOURCE_OAUTH ?
	    "an OAuth sign-in of" : "a reply from", src->from ? src->from :
	    "?", tm, via, signer, src->encrypted ? "encrypted" :
	    "not encrypted");
	free(via);
	free(signer);
	free(tm);
	return r;
}

/* "test passed 12:04" or "test failed at login 12:04 (check password)". */
static char *
test_summary(struct tui *t, const struct draft *d)
{
	struct draft_test dt;
	struct probe_result r;
	struct buf b;
	char *when;
	size_t i;

	if (draft_test_get(t->sess->st, d->id, &dt, NULL) != 0)
		return xstrdup("not tested (t)");
	buf_init(&b);
	when = time_local(dt.at);
	if (probe_result_from_json(dt.result, &r) == 0) {
		buf_printf(&b, "test %s%s %s", dt.status == 0 ? "passed" :
		    "failed at ", dt.status == 0 ? "" : r.failure ? r.failure :
		    "?", when);
		for (i = 0; i < r.nblame; i++)
			buf_printf(&b, "%s%s", i ? ", " : " (check ", r.blame[i]);
		buf_adds(&b, r.nblame ? ")" : "");
		if (dt.values_at != d->updated)
			buf_adds(&b, ", values changed since");
		probe_result_free(&r);
	}
	free(when);
	draft_test_clear(&dt);
	return b.data != NULL ? buf_take(&b) : xstrdup("");
}

/* Run the test now, in the foreground: test_timeout bounds the wait. */
static void
test_run(struct tui *t, struct draftscr *s)
{
	struct probe_result r;
	char *err = NULL;

	mvprintw(LINES - 1, 0, "Testing draft %lld against the service "
	    "(at most %lld s)...", (long long)s->id,
	    (long long)t->sess->cfg.test_timeout);
	clrtoeol();
	refresh();
	tui_vault(t);	/* the test opens the secrets: the passphrase, once */
	if (admin_test_draft(t->sess, s->id, tui_admin(t), &r, &err) != 0) {
		tui_error(t, "The test did not run", &err);
		return;
	}
	if (r.status == 0)
		tui_status(t, TC_OK, "The credentials work: every check "
		    "passed.");
	else
		tui_status(t, TC_WARN, "The test failed at %s: %s",
		    r.failure ? r.failure : "a check", r.nchecks ?
		    r.checks[r.nchecks - 1].detail : "");
	probe_result_free(&r);
	tui_stale(t);
}

static void
draft_recalc(struct tui *t, struct screen *sc, bool external)
{
	struct draftscr *s = sc->data;
	struct draft *d = NULL;
	char *err = NULL, *name;
	size_t i;
	int rv;

	if ((rv = draft_get(t->sess->st, t->sess->cat, s->id, &d, &err)) != 0) {
		tui_error(t, rv == EX_NOINPUT ? "The draft is gone" :
		    "Cannot read the draft", &err);
		if (rv == EX_NOINPUT)
			tui_pop(t);
		return;
	}
	/* A field shown in clear stays so: the vault is open by then. */
	if (s->revealed != NULL && draft_reveal(t->sess->st, d, &err) != 0) {
		freep(&s->revealed);
		free(err);
	}
	if (external && s->d != NULL && d->updated != s->d->updated)
		tui_status(t, TC_OK, "Updated just now: new values arrived.");
	draft_free(&s->d);
	s->d = d;
	s->c = catalog_find(t->sess->cat, d->connector);
	strv_free(&s->missing, s->nmissing);
	s->nmissing = 0;
	s->complete = s->c != NULL && draft_complete(s->c, d, &s->missing,
	    &s->nmissing);
	name = xprintf("Draft %lld: %s", (long long)d->id, d->name);
	free(sc->title);
	sc->title = name;

	list_clear(&s->fields);
	for (i = 0; i < d->nfields; i++) {
		const struct field_def *f = def_of(s, d->fields[i].key);
		char *text = xprintf("%s %s", d->fields[i].key, f ? f->label :
		    "");
		list_add(&s->fields, (int64_t)i, text);
		free(text);
	}
	list_done(&s->fields);

	free(s->test);
	s->test = test_summary(t, d);
	links_free(&s->links, s->nlinks);
	s->nlinks = 0;
	if (link_list(t->sess->st, s->id, &s->links, &s->nlinks, &err) != 0)
		tui_error(t, "Cannot list the links", &err);
	list_clear(&s->links_l);
	for (i = 0; i < s->nlinks; i++)
		list_add(&s->links_l, s->links[i]->id, s->links[i]->to);
	list_done(&s->links_l);
}

static void
field_row(WINDOW *win, int y, int x, int w, size_t item, bool sel, void *arg)
{
	struct draftscr *s = arg;
	const struct field_value *fv = &s->d->fields[s->fields.items[item].key];
	const struct field_def *f = def_of(s, fv->key);
	bool reveal = s->revealed && strcmp(s->revealed, fv->key) == 0;
	attr_t a = sel && s->pane == 0 ? draw_attr(TC_SELECT) : A_NORMAL;
	char *v = shown(f, fv->value, fv->len, reveal), *src, *k;
	bool missing = false;
	size_t i;
	int kw = 22, vw = (w - kw) / 2;

	for (i = 0; i < s->nmissing; i++)
		missing |= strcmp(s->missing[i], fv->key) == 0;
	src = fv->set ? source_text(&fv->src, false) : xstrdup("");
	k = xprintf("%s%s", fv->key, f && f->required ? " *" : "");
	draw_text(win, y, x, w, "", a, true);
	draw_text(win, y, x, kw - 1, k, a | (missing ? draw_attr(TC_WARN) : 0),
	    true);
	draw_text(win, y, x + kw, vw - 1, v, a | (reveal ? A_BOLD : 0), true);
	draw_text(win, y, x + kw + vw, w - kw - vw, src, a | (sel ? 0 :
	    draw_attr(TC_DIM)), true);
	free(v);
	free(src);
	free(k);
}

static void
link_row(WINDOW *win, int y, int x, int w, size_t item, bool sel, void *arg)
{
	struct draftscr *s = arg;
	const struct link *l = s->links[item];
	attr_t a = sel && s->pane == 1 ? draw_attr(TC_SELECT) : A_NORMAL;
	struct buf fields;
	char *line, *exp = fmt_time(l->expires);
	size_t i;

	buf_init(&fields);
	for (i = 0; i < l->nfields; i++)
		buf_printf(&fields, "%s%s", i ? "," : "", l->fields[i]);
	line = xprintf("#%-4lld %-8s %-26s until %s  %s%s%s", (long long)l->id,
	    link_state_name(l->state), l->to, exp, link_require_name(l->require),
	    fields.len ? "  " : "", fields.len ? fields.data : "");
	draw_text(win, y, x, w, line, a | (l->state == LINK_PENDING ? 0 :
	    draw_attr(TC_DIM)), true);
	free(line);
	free(exp);
	buf_free(&fields);
}

static void
draft_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct draftscr *s = sc->data;
	struct buf head;
	int lh, fh, dy;
	size_t i;

	if (s->d == NULL)
		return;
	buf_init(&head);
	buf_printf(&head, "%s (%s): %s", s->c ? s->c->name : s->d->connector,
	    s->d->connector, s->complete ? "complete" : "incomplete");
	for (i = 0; i < s->nmissing; i++)
		buf_printf(&head, "%s%s", i ? ", " : "; missing ", s->missing[i]);
	if (s->test != NULL)
		buf_printf(&head, "; %s", s->test);
	draw_text(win, y, 0, COLS, head.data, s->complete ? draw_attr(TC_OK) :
	    draw_attr(TC_WARN), true);
	buf_free(&head);

	lh = s->nlinks == 0 ? 1 : s->nlinks < 4 ? (int)s->nlinks : 4;
	fh = h - 1 - 4 - (lh + 1);
	if (fh < 2)
		fh = 2;
	list_draw(&s->fields, win, y + 1, 0, fh, COLS, field_row, s);
	dy = y + 1 + fh;
	/* The selected field in full. */
	i = list_selected(&s->fields);
	if (i != (size_t)-1) {
		const struct field_value *fv =
		    &s->d->fields[s->fields.items[i].key];
		const struct field_def *f = def_of(s, fv->key);
		char *title = xprintf("%s%s%s", f ? f->label : fv->key,
		    f ? ", " : "", f ? field_type_name(f->type) : "");
		char *src = fv->set ? source_text(&fv->src, true) :
		    xstrdup("Never set.");
		char **lines = NULL;
		size_t n = text_wrap(src, COLS - 1, &lines);
		draw_hline(win, dy, 0, COLS, title);
		draw_text(win, dy + 1, 1, COLS - 1, n > 0 ? lines[0] : "",
		    A_NORMAL, true);
		draw_text(win, dy + 2, 1, COLS - 1, n > 1 ? lines[1] : "",
		    A_NORMAL, true);
		draw_text(win, dy + 3, 1, COLS - 1, f && f->help ? f->help : "",
		    draw_attr(TC_DIM), true);
		strv_free(&lines, n);
		free(title);
		free(src);
	} else
		draw_hline(win, dy, 0, COLS, NULL);
	dy += 4;
	draw_hline(win, dy, 0, COLS, s->pane == 1 ? "Links (Tab: back to "
	    "the fields)" : "Links (Tab to select)");
	if (s->nlinks == 0)
		draw_text(win, dy + 1, 1, COLS - 1, "No links yet: press n or s "
		    "to share one.", draw_attr(TC_DIM), true);
	else
		list_draw(&s->links_l, win, dy + 1, 0, lh, COLS, link_row, s);
}

/* ---- Actions. */

struct edit_arg {
	int64_t	 draft;
	char	*key;
	int64_t	 link;
};

static void
edit_arg_free(void *p)
{
	struct edit_arg *a = p;

	free(a->key);
	free(a);
}

static struct edit_arg *
edit_arg_new(int64_t draft, const char *key, int64_t link)
{
	struct edit_arg *a = xcalloc(1, sizeof *a);

	a->draft = draft;
	a->key = key ? xstrdup(key) : NULL;
	a->link = link;
	return a;
}

static struct draftscr *
find_draftscr(struct tui *t, int64_t id)
{
	size_t i;

	for (i = t->depth; i > 0; i--) {
		if (t->stack[i - 1]->ops->recalc == draft_recalc) {
			struct draftscr *s = t->stack[i - 1]->data;
			if (s->id == id)
				return s;
		}
	}
	return NULL;
}

static void
reveal_cb(struct tui *t, void *p)
{
	struct edit_arg *a = p;
	struct draftscr *s = find_draftscr(t, a->draft);
	char *err = NULL;

	if (s == NULL)
		return;
	tui_vault(t);
	if (audit_add(t->sess->st, tui_admin(t), "reveal", a->draft, 0, a->key,
	    &err) != 0) {
		tui_error(t, "Not shown: the audit log cannot note it", &err);
		return;
	}
	if (draft_reveal(t->sess->st, s->d, &err) != 0) {
		tui_error(t, "Nothing is shown", &err);
		return;
	}
	free(s->revealed);
	s->revealed = xstrdup(a->key);
	tui_status(t, TC_WARN, "%s is shown in clear until you leave this "
	    "screen or reveal another field.", a->key);
}

static void
revoke_cb(struct tui *t, void *p)
{
	struct edit_arg *a = p;
	char *err = NULL;

	if (link_withdraw(t->sess, a->link, tui_admin(t), &err) != 0) {
		tui_error(t, "The link was not revoked", &err);
		return;
	}
	tui_status(t, TC_OK, "Link %lld is revoked: a reply to it will be "
	    "rejected.", (long long)a->link);
	tui_stale(t);
}

/* n on a link: a fresh one with the same scope, the old one revoked. */
static void
renew_cb(struct tui *t, void *p)
{
	struct edit_arg *a = p;
	struct share_result res;
	struct session *ss = t->sess;
	char *err = NULL, *sent;

	if (link_renew(&ss->cfg, &ss->home, ss->st, ss->cat, a->link, NULL, 0,
	    tui_admin(t), &res, &err) != 0) {
		tui_error(t, "The link was not renewed", &err);
		return;
	}
	sent = transport_is_maildir(ss->cfg.transport) ? xprintf("; its "
	    "email is queued in %s, not sent", outbox_where()) :
	    xstrdup(" and sent");
	tui_status(t, TC_OK, "Link %lld is renewed as link %lld%s.",
	    (long long)a->link, (long long)res.link, sent);
	free(sent);
	share_result_free(&res);
	tui_stale(t);
}

static bool
renew_ask(struct tui *t, struct draftscr *s, const struct link *l)
{
	char *to = str_safe(l->to), *q;

	q = xprintf("Renew link %lld to %s: send a fresh link for the same "
	    "fields%s? (y/n)", (long long)l->id, to, l->state == LINK_PENDING ||
	    l->state == LINK_BOUNCED ? " and revoke this one" : "");
	tui_confirm(t, q, renew_cb, edit_arg_new(s->id, NULL, l->id),
	    edit_arg_free);
	free(q);
	free(to);
	return true;
}

static void
delete_cb(struct tui *t, void *p)
{
	struct edit_arg *a = p;
	char *err = NULL;

	/* As setuplink draft rm does: its quarantined mail goes too. */
	if (draft_delete(t->sess, a->draft, &err) != 0) {
		tui_error(t, "The draft was not deleted", &err);
		return;
	}
	while (t->depth > 1)
		tui_pop(t);
	tui_stale(t);
	tui_status(t, TC_OK, "Draft %lld is deleted; its pending links are "
	    "revoked.", (long long)a->draft);
}

void
draft_delete_ask(struct tui *t, int64_t id, const char *name)
{
	char *safe = str_safe(name), *q;

	q = xprintf("Delete draft %lld \"%s\"? Its values are wiped and its "
	    "pending links revoked. (y/n)", (long long)id, safe);
	tui_confirm(t, q, delete_cb, edit_arg_new(id, NULL, 0), edit_arg_free);
	free(q);
	free(safe);
}

static void edit_cb(struct tui *, struct form_row *, void *);

/* After y: clear the field (a->link set marks the question answered). */
static void
clear_cb(struct tui *t, void *p)
{
	struct edit_arg *a = p;
	struct form_row r;

	memset(&r, 0, sizeof r);
	r.kind = FK_TEXT;
	r.value = "";
	a->link = 1;
	edit_cb(t, &r, a);
}

static void
edit_cb(struct tui *t, struct form_row *r, void *p)
{
	struct edit_arg *a = p;
	struct draftscr *s = find_draftscr(t, a->draft);
	const struct field_def *f;
	struct value_input in;
	char *raw = NULL, *err = NULL;
	size_t rawlen = 0;

	if (s == NULL || (f = def_of(s, a->key)) == NULL)
		return;
	if (r->kind == FK_FILE && !r->from_editor && r->len > 0) {
		if (file_read(r->value, value_read_limit(t->sess, f), &raw,
		    &rawlen, &err) != 0) {
			tui_error(t, "Nothing was changed", &err);
			return;
		}
	} else {
		raw = xmalloc(r->len + 1);
		memcpy(raw, r->value, r->len + 1);
		rawlen = r->len;
	}
	if (rawlen == 0 && !a->link) {
		/* Enter on an empty secret is easy to press: ask first. */
		const struct field_value *cur = draft_value(s->d, f->key);
		if (f->secret && cur != NULL && cur->len > 0) {
			char *q = xprintf("Clear the value of %s? (y/n)", f->key);
			tui_confirm(t, q, clear_cb, edit_arg_new(a->draft, f->key,
			    0), edit_arg_free);
			free(q);
			goto out;
		}
	}
	/* As setuplink draft set does, for one field. */
	memset(&in, 0, sizeof in);
	in.key = f->key;
	in.raw = raw;
	in.len = rawlen;
	if (draft_set_values(t->sess, a->draft, s->c, &in, 1, &err) != 0) {
		tui_error(t, "Nothing was changed", &err);
		goto out;
	}
	tui_status(t, TC_OK, "%s is %s.", f->label, in.cleared ? "cleared" :
	    "set");
	tui_stale(t);
out:
	if (raw != NULL)
		memset(raw, 0, rawlen);
	free(raw);
}

static void
edit_field(struct tui *t, struct draftscr *s, const struct field_value *fv)
{
	const struct field_def *f = def_of(s, fv->key);
	struct form_row *r;
	enum form_kind kind = FK_TEXT;
	char *label;

	if (f == NULL) {
		tui_status(t, TC_ERROR, "%s is not a field of the %s connector "
		    "any more, so it cannot be edited.", fv->key,
		    s->d->connector);
		return;
	}
	if (f->type == FT_ENUM || f->type == FT_BOOLEAN)
		kind = FK_ENUM;
	else if (f->type == FT_FILE)
		kind = FK_FILE;
	else if (f->secret)
		kind = FK_SECRET;
	label = xprintf("%s (%s)", f->label, kind == FK_FILE ? "a path, ^E "
	    "for $EDITOR" : field_type_name(f->type));
	r = tui_prompt(t, kind, label, edit_cb, edit_arg_new(s->id, f->key, 0),
	    edit_arg_free);
	free(label);
	if (kind == FK_ENUM) {
		static const char *const yn[] = { "true", "false", "" };
		const char **v;
		size_t i;
		if (f->type == FT_BOOLEAN)
			form_row_choices(r, yn, 3);
		else {
			v = xcalloc(f->nchoices + 1, sizeof *v);
			for (i = 0; i < f->nchoices; i++)
				v[i] = f->choices[i];
			v[f->nchoices] = "";
			form_row_choices(r, v, f->nchoices + 1);
			free(v);
		}
		if (fv->value != NULL)
			form_set(r, fv->value, strlen(fv->value));
	} else if (kind == FK_TEXT && fv->value != NULL && fv->len > 0 &&
	    utf8_valid(fv->value, fv->len) && memchr(fv->value, '\n',
	    fv->len) == NULL)
		form_set(r, fv->value, fv->len);
}

static void
history(struct tui *t, struct draftscr *s, const struct field_value *fv)
{
	const struct field_def *f = def_of(s, fv->key);
	struct field_history *h = NULL;
	struct buf b;
	char *err = NULL, *title;
	size_t n = 0, i;
	bool reveal = s->revealed && strcmp(s->revealed, fv->key) == 0;

	if (draft_history(t->sess->st, s->id, fv->key, &h, &n, &err) != 0 ||
	    (reveal && draft_history_reveal(t->sess->st, h, n, &err) != 0)) {
		draft_history_free(&h, n);
		tui_error(t, "Cannot read the history", &err);
		return;
	}
	buf_init(&b);
	buf_printf(&b, "Every value %s had, newest first%s:\n\n", fv->key,
	    f && f->secret && !reveal ? " (secret: r on the draft reveals it)" :
	    "");
	for (i = 0; i < n; i++) {
		char *v = h[i].removed ? xstrdup("(wiped when the draft was "
		    "deleted)") : h[i].value == NULL || h[i].len == 0 ?
		    xstrdup("(cleared)") : shown(f, h[i].value, h[i].len,
		    reveal);
		char *src = source_text(&h[i].src, true);
		buf_printf(&b, "%s%s\n    %s\n\n", i == 0 ? "now: " : "was: ", v,
		    src);
		free(v);
		free(src);
	}
	if (n == 0)
		buf_adds(&b, "(never set)\n");
	title = xprintf("History of %s in draft %lld", fv->key,
	    (long long)s->id);
	tui_push(t, pager_new(title, b.data));
	free(title);
	buf_free(&b);
	draft_history_free(&h, n);
}

static bool
draft_key(struct tui *t, struct screen *sc, int key)
{
	struct draftscr *s = sc->data;
	const struct field_value *fv = NULL;
	const struct link *l = NULL;
	size_t i;

	if (s->d == NULL)
		return false;
	if ((i = list_selected(&s->fields)) != (size_t)-1)
		fv = &s->d->fields[s->fields.items[i].key];
	if ((i = list_selected(&s->links_l)) != (size_t)-1)
		l = s->links[i];
	if (key == K_TAB || key == K(KEY_BTAB)) {
		s->pane = s->pane == 0 && s->nlinks > 0 ? 1 : 0;
		return true;
	}
	if (list_key(s->pane == 0 ? &s->fields : &s->links_l, key))
		return true;
	switch (key) {
	case 'e':
		if (fv != NULL)
			edit_field(t, s, fv);
		return true;
	case 't':
		test_run(t, s);
		return true;
	case 'r':
		if (fv == NULL)
			return true;
		if (def_of(s, fv->key) == NULL || !def_of(s, fv->key)->secret) {
			tui_status(t, TC_NORMAL, "%s is not a secret: its value "
			    "is shown already.", fv->key);
			return true;
		}
		if (fv->len == 0) {
			tui_status(t, TC_NORMAL, "%s has no value to reveal.",
			    fv->key);
			return true;
		}
		{
			char *q = xprintf("Show the value of %s on the screen? "
			    "(y/n)", fv->key);
			tui_confirm(t, q, reveal_cb, edit_arg_new(s->id, fv->key,
			    0), edit_arg_free);
			free(q);
		}
		return true;
	case 'h':
		if (fv != NULL)
			history(t, s, fv);
		return true;
	case 'R':
		if (l == NULL) {
			tui_status(t, TC_NORMAL, "This draft has no link to "
			    "revoke.");
			return true;
		}
		if (l->state != LINK_PENDING && l->state != LINK_BOUNCED) {
			tui_status(t, TC_NORMAL, "Link %lld is %s already: only "
			    "a pending or bounced link can be revoked.",
			    (long long)l->id,
			    link_state_name(l->state));
			return true;
		}
		{
			char *to = str_safe(l->to), *q = xprintf("Revoke link "
			    "%lld to %s? A reply to it will be rejected. (y/n)",
			    (long long)l->id, to);
			tui_confirm(t, q, revoke_cb, edit_arg_new(s->id, NULL,
			    l->id), edit_arg_free);
			free(q);
			free(to);
		}
		return true;
	case 'n':
		if (s->pane == 1 && l != NULL)
			return renew_ask(t, s, l);
		if (s->complete) {
			tui_status(t, TC_NORMAL, "Nothing is missing: press s to "
			    "share a link for chosen fields.");
			return true;
		}
		tui_push(t, share_new(t, s->id, true));
		return true;
	case 's':
		tui_push(t, share_new(t, s->id, false));
		return true;
	case 'd':
		draft_delete_ask(t, s->id, s->d->name);
		return true;
	}
	return false;
}

static void
draft_free_screen(struct screen *sc)
{
	struct draftscr *s = sc->data;

	draft_free(&s->d);
	links_free(&s->links, s->nlinks);
	strv_free(&s->missing, s->nmissing);
	list_free(&s->fields);
	list_free(&s->links_l);
	free(s->revealed);
	free(s->test);
	free(s);
}

static const struct screen_ops draft_ops = {
	"Draft", draft_keys,
	"e:edit  r:reveal  h:history  t:test  n:new link  s:share  "
	"Tab+R:revoke  Tab+n:renew  d:delete  Esc:back",
	draft_recalc, draft_draw, draft_key, draft_free_screen
};

struct screen *
draft_screen_new(struct tui *t, int64_t id)
{
	struct draftscr *s = xcalloc(1, sizeof *s);

	s->id = id;
	list_init(&s->fields);
	list_init(&s->links_l);
	return screen_new(&draft_ops, s);
}
