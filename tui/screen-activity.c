/* screen-activity.c: what the intake did (its log, newest first), the
 * quarantine (mail that was not merged): each message readable as text,
 * and a quarantined one judged again after a fix (a key imported, say);
 * and the audit log: who did what to drafts, links and keys, and when. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailer/mailer.h"
#include "tui/private.h"

#define LOG_LIMIT	2000
#define VIEW_MAX	(1024 * 1024)	/* bytes of a message shown */

struct activity {
	int		 tab;		/* 0: log, 1: quarantine, 2: audit */
	struct audit_entry *audit;
	size_t		 naudit;
	struct list	 audit_l;	/* item i is audit[i] */
	struct message_record *log;
	size_t		 nlog;
	struct message_record *q;
	size_t		 nq;
	struct list	 log_l;		/* item i is log[i] */
	struct list	 q_l;		/* item i is q[i] */
};

static const struct key_help activity_keys[] = {
	{ "Tab", "switch between the intake's log, the quarantine and the "
	  "audit log" },
	{ "Up/Down, j/k", "move" },
	{ "Enter", "read the entry; in the quarantine, the message as text" },
	{ "r", "in the quarantine: run the intake on the message again" },
	{ "/", "filter" },
	{ "Esc, q", "back to the sources" },
	{ NULL, NULL }
};

static char *
record_text(const struct message_record *m)
{
	char *tm = fmt_time(m->at), *r;

	r = xprintf("%s %s %s %s %s", tm, outcome_name(m->outcome),
	    m->reason ? m->reason : "", m->sender ? m->sender : "",
	    m->detail ? m->detail : "");
	free(tm);
	return r;
}

static void
fill(struct list *l, struct message_record *v, size_t n)
{
	size_t i;

	list_clear(l);
	for (i = 0; i < n; i++) {
		char *text = record_text(&v[i]);
		list_add(l, v[i].id, text);
		free(text);
	}
	list_done(l);
}

/* The audit log as a list: each row's text is what the filter matches. */
static void
audit_fill(struct tui *t, struct activity *a)
{
	char *err = NULL, *tm, *text;
	size_t i;

	audit_entries_free(&a->audit, a->naudit);
	a->naudit = 0;
	if (audit_list(t->sess->st, LOG_LIMIT, 0, &a->audit, &a->naudit,
	    &err) != 0)
		tui_error(t, "Cannot read the audit log", &err);
	list_clear(&a->audit_l);
	for (i = 0; i < a->naudit; i++) {
		tm = fmt_time(a->audit[i].at);
		text = xprintf("%s %s %s %s", tm, a->audit[i].actor ?
		    a->audit[i].actor : "", a->audit[i].action,
		    a->audit[i].detail ? a->audit[i].detail : "");
		list_add(&a->audit_l, a->audit[i].id, text);
		free(text);
		free(tm);
	}
	list_done(&a->audit_l);
}

static void
audit_row(WINDOW *win, int y, int x, int w, size_t item, bool sel,
    void *arg)
{
	struct activity *a = arg;
	const struct audit_entry *e = &a->audit[item];
	attr_t at = sel ? draw_attr(TC_SELECT) : A_NORMAL;
	char *tm = fmt_time(e->at), *where;

	where = e->link ? xprintf("%lld/%lld", (long long)e->draft,
	    (long long)e->link) : e->draft ? xprintf("%lld",
	    (long long)e->draft) : xstrdup("");
	draw_text(win, y, x, w, "", at, true);
	draw_text(win, y, x, 23, tm, at, true);
	draw_text(win, y, x + 23, 13, e->action, at | A_BOLD, true);
	draw_text(win, y, x + 36, 20, e->actor ? e->actor : "-", at, true);
	draw_text(win, y, x + 56, 9, where, at, true);
	draw_text(win, y, x + 65, w - 65, e->detail ? e->detail : "", at,
	    true);
	free(tm);
	free(where);
}

static char *
audit_detail(const struct audit_entry *e)
{
	char *tm = time_rfc3339(e->at), *r;

	r = xprintf("Audit entry %lld\n\nWhen:   %s\nWho:    %s\nAction: "
	    "%s\nDraft:  %lld\nLink:   %lld\nDetail: %s\n", (long long)e->id,
	    tm, e->actor ? e->actor : "-", e->action, (long long)e->draft,
	    (long long)e->link, e->detail ? e->detail : "-");
	free(tm);
	return r;
}

static void
activity_recalc(struct tui *t, struct screen *sc, bool external)
{
	struct activity *a = sc->data;
	char *err = NULL;
	size_t before = a->nlog;

	message_records_free(&a->log, a->nlog);
	message_records_free(&a->q, a->nq);
	a->nlog = a->nq = 0;
	if (message_list(t->sess->st, LOG_LIMIT, &a->log, &a->nlog, &err) != 0)
		tui_error(t, "Cannot read the intake's log", &err);
	if (quarantine_list(t->sess->st, &a->q, &a->nq, &err) != 0)
		tui_error(t, "Cannot list the quarantine", &err);
	fill(&a->log_l, a->log, a->nlog);
	fill(&a->q_l, a->q, a->nq);
	audit_fill(t, a);
	if (external && a->nlog > before)
		tui_status(t, TC_OK, "Updated just now: %zu new message%s.",
		    a->nlog - before, a->nlog - before == 1 ? "" : "s");
}

static void
record_row(WINDOW *win, int y, int x, int w, const struct message_record *m,
    bool sel)
{
	attr_t a = sel ? draw_attr(TC_SELECT) : A_NORMAL;
	attr_t oa = m->outcome == OUTCOME_ACCEPTED ? draw_attr(TC_OK) :
	    m->outcome == OUTCOME_REJECTED ? draw_attr(TC_ERROR) :
	    draw_attr(TC_DIM);
	char *tm = fmt_time(m->at), *where, *what;

	where = m->draft ? xprintf("%lld", (long long)m->draft) : xstrdup("-");
	what = xprintf("%s%s%s", m->reason ? m->reason : m->fields ?
	    m->fields : "", m->detail ? ": " : "", m->detail ? m->detail : "");
	draw_text(win, y, x, w, "", a, true);
	draw_text(win, y, x, 23, tm, a, true);
	draw_text(win, y, x + 23, 9, outcome_name(m->outcome), a | oa, true);
	draw_text(win, y, x + 32, 16, m->sender ? m->sender : "-", a, true);
	draw_text(win, y, x + 49, 5, where, a, true);
	draw_text(win, y, x + 55, w - 55, what, a, true);
	free(tm);
	free(where);
	free(what);
}

static void
log_row(WINDOW *win, int y, int x, int w, size_t item, bool sel, void *arg)
{
	struct activity *a = arg;

	record_row(win, y, x, w, &a->log[item], sel);
}

static void
q_row(WINDOW *win, int y, int x, int w, size_t item, bool sel, void *arg)
{
	struct activity *a = arg;

	record_row(win, y, x, w, &a->q[item], sel);
}

#define WHY_LINES	3	/* the selected entry's whole WHY, under the list */

/*
 * The WHY column is narrow at 80 columns: the selected entry's reason
 * and detail are shown whole below the list, wrapped.  Lines taken.
 */
static int
activity_why(struct activity *a, char ***lines)
{
	struct list *l = a->tab == 0 ? &a->log_l : &a->q_l;
	struct message_record *v = a->tab == 0 ? a->log : a->q;
	size_t i = list_selected(l), n, k;
	char *text;

	*lines = NULL;
	if (i == (size_t)-1)
		return 0;
	text = xprintf("-- why (message %lld): %s%s%s", (long long)v[i].id,
	    v[i].reason ? v[i].reason : v[i].fields ? v[i].fields : "-",
	    v[i].detail ? ": " : "", v[i].detail ? v[i].detail : "");
	n = text_wrap(text, COLS, lines);
	free(text);
	for (k = WHY_LINES; k < n; k++)
		freep(&(*lines)[k]);
	return (int)(n < WHY_LINES ? n : WHY_LINES);
}

static void
activity_draw(struct tui *t, struct screen *sc, WINDOW *win, int y, int h)
{
	struct activity *a = sc->data;
	char **why;
	size_t i;
	int lines;
	char *tabs = xprintf(" %s Log (%zu) %s   %s Quarantine (%zu) %s   "
	    "%s Audit (%zu) %s",
	    a->tab == 0 ? "[" : " ", a->nlog, a->tab == 0 ? "]" : " ",
	    a->tab == 1 ? "[" : " ", a->nq, a->tab == 1 ? "]" : " ",
	    a->tab == 2 ? "[" : " ", a->naudit, a->tab == 2 ? "]" : " ");

	draw_text(win, y, 0, COLS, tabs, draw_attr(TC_HEADER), true);
	free(tabs);
	if (a->tab == 2) {
		draw_text(win, y + 1, 0, COLS, "WHEN                   ACTION  "
		    "     WHO                 DRAFT/LN DETAIL", A_BOLD, true);
		list_draw(&a->audit_l, win, y + 2, 0, h - 2, COLS, audit_row,
		    a);
		return;
	}
	draw_text(win, y + 1, 0, COLS, "WHEN                   OUTCOME  FROM "
	    "            DRAFT WHY", A_BOLD, true);
	lines = activity_why(a, &why);
	if (a->tab == 0)
		list_draw(&a->log_l, win, y + 2, 0, h - 2 - lines, COLS, log_row,
		    a);
	else
		list_draw(&a->q_l, win, y + 2, 0, h - 2 - lines, COLS, q_row, a);
	for (i = 0; i < (size_t)lines; i++)
		draw_text(win, y + h - lines + (int)i, 0, COLS, why[i],
		    i == 0 ? draw_attr(TC_HEADER) : A_NORMAL, true);
	strv_free(&why, (size_t)lines);
}

static char *
record_detail(const struct message_record *m)
{
	char *tm = fmt_time(m->at), *r;

	r = xprintf("Message %lld\n\nWhen:       %s\nOutcome:    %s\nReason:     "
	    "%s\nDetail:     %s\nFrom:       %s\nMessage-ID: %s\nLink:       "
	    "%lld\nDraft:      %lld\nFields:     %s\nQuarantine: %s\n",
	    (long long)m->id, tm, outcome_name(m->outcome), m->reason ?
	    m->reason : "-", m->detail ? m->detail : "-", m->sender ?
	    m->sender : "-", m->message_id ? m->message_id : "-",
	    (long long)m->link, (long long)m->draft, m->fields ? m->fields :
	    "-", m->quarantine ? m->quarantine : "-");
	free(tm);
	return r;
}

static void
view_quarantined(struct tui *t, const struct message_record *m)
{
	char *path = NULL, *data = NULL, *err = NULL, *text, *title, *head;
	size_t len = 0;
	bool trunc = false;

	if (m->quarantine == NULL || !intake_kept_exists(&t->sess->home,
	    t->sess->st, m->quarantine)) {
		tui_status(t, TC_ERROR, "The message is no longer in quarantine "
		    "(its days there are over, or it was removed).");
		return;
	}
	/* Kept sealed: opened whole, then cut for the pager. */
	if (intake_kept_read(&t->sess->home, t->sess->st, tui_vault(t),
	    m->quarantine, &data, &len, &err) != 0) {
		tui_error(t, "Cannot read the message", &err);
		return;
	}
	path = store_keeps_mail(t->sess->st) ? xprintf("%s (shared store)",
	    m->quarantine) : maildir_find(t->sess->home.quarantine,
	    m->quarantine);
	if (path == NULL)
		path = xstrdup(m->quarantine);
	if ((trunc = len > VIEW_MAX)) {
		explicit_bzero(data + VIEW_MAX, len - VIEW_MAX);
		len = VIEW_MAX;
	}
	head = record_detail(m);
	/* NULs would end the text early; text_wrap makes the rest safe. */
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\0')
			data[i] = '?';
	}
	text = xprintf("%s\n---- %s%s ----\n\n%.*s", head, path, trunc ?
	    " (its first megabyte)" : "", (int)len, data);
	title = xprintf("Quarantined message %lld", (long long)m->id);
	tui_push(t, pager_new(title, text));
	free(title);
	free(text);
	free(head);
	free(data);
	free(path);
}

static void
retry(struct tui *t, const struct message_record *m)
{
	struct intake *in = NULL;
	struct intake_opts o;
	struct intake_decision d;
	char *err = NULL, *line;
	struct session *ss = t->sess;
	size_t queued;

	if (m->quarantine == NULL) {
		tui_status(t, TC_ERROR, "This entry has no quarantined file.");
		return;
	}
	memset(&o, 0, sizeof o);
	memset(&d, 0, sizeof d);
	tui_vault(t);
	intake_open(&ss->cfg, &ss->home, ss->st, ss->cat, &o, &in);
	queued = outbox_count(&ss->home);
	if (intake_retry(in, m->quarantine, &d, &err) != 0) {
		tui_error(t, "The intake did not judge it again (run setuplink "
		    "quarantine retry in a shell to see more)", &err);
		intake_close(&in);
		return;
	}
	intake_send_queued(in);
	line = intake_decision_line(&d);
	queued = outbox_count(&ss->home) - queued;
	if (queued > 0 && queued < (size_t)-1 / 2) {
		char *how = outbox_how_to_send(&ss->cfg);
		tui_status(t, TC_WARN, "Judged again: %s. The answer to the "
		    "sender is queued in %s, not sent: %s.", line,
		    outbox_where(), how);
		free(how);
	} else
		tui_status(t, d.outcome == OUTCOME_ACCEPTED ? TC_OK : TC_WARN,
		    "Judged again: %s", line);
	free(line);
	intake_decision_free(&d);
	intake_close(&in);
	tui_stale(t);
}

static bool
audit_key(struct tui *t, struct activity *a, int key)
{
	size_t i;
	char *text, *title;

	if (list_key(&a->audit_l, key))
		return true;
	if (!key_is_enter(key))
		return false;
	if ((i = list_selected(&a->audit_l)) == (size_t)-1)
		return true;
	text = audit_detail(&a->audit[i]);
	title = xprintf("Audit entry %lld", (long long)a->audit[i].id);
	tui_push(t, pager_new(title, text));
	free(text);
	free(title);
	return true;
}

static bool
activity_key(struct tui *t, struct screen *sc, int key)
{
	struct activity *a = sc->data;
	struct list *l = a->tab == 0 ? &a->log_l : &a->q_l;
	struct message_record *v = a->tab == 0 ? a->log : a->q;
	size_t i;

	if (key == K_TAB || key == K(KEY_BTAB)) {
		a->tab = (a->tab + (key == K_TAB ? 1 : 2)) % 3;
		return true;
	}
	if (a->tab == 2)
		return audit_key(t, a, key);
	if (list_key(l, key))
		return true;
	i = list_selected(l);
	if (key_is_enter(key)) {
		if (i == (size_t)-1)
			return true;
		if (a->tab == 1 || v[i].quarantine != NULL)
			view_quarantined(t, &v[i]);
		else {
			char *text = record_detail(&v[i]), *title = xprintf(
			    "Message %lld", (long long)v[i].id);
			tui_push(t, pager_new(title, text));
			free(text);
			free(title);
		}
		return true;
	}
	if (key == 'r') {
		if (a->tab != 1) {
			tui_status(t, TC_NORMAL, "Tab to the quarantine to run "
			    "the intake again on a message.");
			return true;
		}
		if (i != (size_t)-1)
			retry(t, &v[i]);
		return true;
	}
	return false;
}

static void
activity_free(struct screen *sc)
{
	struct activity *a = sc->data;

	message_records_free(&a->log, a->nlog);
	message_records_free(&a->q, a->nq);
	audit_entries_free(&a->audit, a->naudit);
	list_free(&a->log_l);
	list_free(&a->q_l);
	list_free(&a->audit_l);
	free(a);
}

static const struct screen_ops activity_ops = {
	"Activity", activity_keys,
	"Tab:log/quarantine/audit  Enter:read  r:retry  /:filter  Esc:back",
	activity_recalc, activity_draw, activity_key, activity_free
};

struct screen *
activity_new(struct tui *t)
{
	struct activity *a = xcalloc(1, sizeof *a);

	list_init(&a->log_l);
	list_init(&a->q_l);
	list_init(&a->audit_l);
	return screen_new(&activity_ops, a);
}
