/* tui.c: the interface's main loop: a stack of screens, each with its own
 * recalc (data), draw and key functions; signals as flags; the status
 * line (where the logger writes), y/n questions and one-line prompts. */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailer/mailer.h"
#include "tui/private.h"
#include "tui/tui.h"

#define POLL_MS		500	/* how often another process's writes show */

static volatile sig_atomic_t got_quit;
static volatile sig_atomic_t got_winch;

static void
on_quit(int sig)
{
	got_quit = sig;
}

static void
on_winch(int sig)
{
	got_winch = 1;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
now_ms(void)
{
	return now_us() / 1000;
}

char *
fmt_duration(int64_t s)
{
	if (s > 0 && s % 86400 == 0)
		return xprintf("%lldd", (long long)(s / 86400));
	if (s > 0 && s % 3600 == 0)
		return xprintf("%lldh", (long long)(s / 3600));
	if (s > 0 && s % 60 == 0)
		return xprintf("%lldm", (long long)(s / 60));
	return xprintf("%llds", (long long)s);
}

char *
fmt_time(int64_t t)
{
	return t == 0 ? xstrdup("-") : time_local(t);
}

/* ---- Screens. */

struct screen *
screen_new(const struct screen_ops *ops, void *data)
{
	struct screen *s = xcalloc(1, sizeof *s);

	s->ops = ops;
	s->data = data;
	s->stale = 1;
	return s;
}

static void
screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	if (s->ops->free != NULL)
		s->ops->free(s);
	free(s->title);
	free(s);
}

void
tui_push(struct tui *t, struct screen *s)
{
	if (t->depth == nitems(t->stack)) {
		screen_free(s);
		tui_status(t, TC_ERROR, "Too many screens open: go back first.");
		return;
	}
	t->stack[t->depth++] = s;
	t->dirty = true;
}

void
tui_pop(struct tui *t)
{
	if (t->depth == 0)
		return;
	screen_free(t->stack[--t->depth]);
	t->stack[t->depth] = NULL;
	if (t->depth == 0)
		t->quit = true;
	t->dirty = true;
}

void
tui_replace(struct tui *t, struct screen *s)
{
	if (t->depth > 0) {
		screen_free(t->stack[--t->depth]);
		t->stack[t->depth] = NULL;
	}
	tui_push(t, s);
}

struct screen *
tui_top(struct tui *t)
{
	return t->depth > 0 ? t->stack[t->depth - 1] : NULL;
}

void
tui_stale(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->depth; i++) {
		if (t->stack[i]->stale == 0)
			t->stack[i]->stale = 1;
	}
	t->dirty = true;
}

const char *
tui_admin(struct tui *t)
{
	return t->sess->cfg.admin_email;
}

/* ---- The status line. */

void
tui_status(struct tui *t, enum tui_colour c, const char *fmt, ...)
{
	va_list ap;

	free(t->status);
	va_start(ap, fmt);
	xvasprintf(&t->status, fmt, ap);
	va_end(ap);
	t->status_colour = c;
	t->dirty = true;
}

void
tui_error(struct tui *t, const char *what, char **errstr)
{
	if (errstr != NULL && *errstr != NULL)
		tui_status(t, TC_ERROR, "%s%s%s", what ? what : "",
		    what ? ": " : "", *errstr);
	else
		tui_status(t, TC_ERROR, "%s failed.", what ? what : "That");
	if (errstr != NULL)
		freep(errstr);
}

/* store/ and mailer/ log here while the interface runs. */
static void
tui_log(enum log_level level, const char *msg, void *arg)
{
	struct tui *t = arg;

	tui_status(t, level == LOGL_ERR ? TC_ERROR : level == LOGL_WARN ?
	    TC_WARN : TC_NORMAL, "%s", msg);
}

static void
confirm_end(struct tui *t)
{
	if (t->confirm_free != NULL && t->confirm_arg != NULL)
		t->confirm_free(t->confirm_arg);
	freep(&t->confirm);
	t->confirm_cb = NULL;
	t->confirm_arg = NULL;
	t->confirm_free = NULL;
	t->dirty = true;
}

void
tui_confirm(struct tui *t, const char *question,
    void (*cb)(struct tui *, void *), void *arg, void (*arg_free)(void *))
{
	confirm_end(t);
	t->confirm = xstrdup(question);
	t->confirm_cb = cb;
	t->confirm_arg = arg;
	t->confirm_free = arg_free;
}

static void
prompt_end(struct tui *t)
{
	if (t->prompt_free != NULL && t->prompt_arg != NULL)
		t->prompt_free(t->prompt_arg);
	form_free(&t->prompt);
	t->prompting = false;
	t->prompt_cb = NULL;
	t->prompt_arg = NULL;
	t->prompt_free = NULL;
	t->dirty = true;
}

struct form_row *
tui_prompt(struct tui *t, enum form_kind kind, const char *label,
    void (*cb)(struct tui *, struct form_row *, void *), void *arg,
    void (*arg_free)(void *))
{
	confirm_end(t);
	if (t->prompting)
		prompt_end(t);
	form_init(&t->prompt);
	t->prompting = true;
	t->prompt_cb = cb;
	t->prompt_arg = arg;
	t->prompt_free = arg_free;
	return form_add(&t->prompt, kind, "value", label);
}

/* ---- Input and drawing. */

static int
read_key(void)
{
	wint_t wc;
	int r = get_wch(&wc);

	if (r == ERR)
		return ERR;
	if (r == KEY_CODE_YES)
		return K((int)wc);
	if (wc == '\n')
		return K_ENTER;
	return (int)wc;
}

/*
 * The key bar.  When the hints do not fit they are cut, but the help key
 * (the hints' own "F1:help", else "?:help") stays at the right end: at
 * any width the admin can learn the rest.
 */
static void
draw_hints(struct tui *t, struct screen *s, int y)
{
	const char *h = s->ops->hints != NULL ? s->ops->hints : "";
	const char *hp;
	char *line, *help = NULL, *rest;
	int hw;

	if (t->confirm != NULL)
		line = xstrdup("y: yes   n or Esc: no");
	else if (t->prompting)
		line = xstrdup("Enter: done   Esc: cancel   ^U: clear   "
		    "^E: $EDITOR");
	else if ((hp = strstr(h, ":help")) != NULL) {
		while (hp > h && hp[-1] != ' ')
			hp--;
		help = xstrndup(hp, strcspn(hp, " "));
		rest = xstrndup(h, (size_t)(hp - h));
		line = xprintf("%s%s", rest, hp + strlen(help));
		free(rest);
	} else {
		line = xstrdup(h);
		help = xstrdup("?:help");
	}
	if (help == NULL || text_width(line) + 2 + text_width(help) <= COLS) {
		rest = help != NULL ? xprintf("%s%s%s", line, *line ? "  " : "",
		    help) : xstrdup(line);
		draw_text(stdscr, y, 0, COLS, str_trim(rest), draw_attr(TC_DIM),
		    true);
		free(rest);
	} else {
		hw = text_width(help);
		draw_text(stdscr, y, 0, COLS - hw - 1, str_trim(line),
		    draw_attr(TC_DIM), true);
		draw_text(stdscr, y, COLS - hw - 1, hw + 1, " ", draw_attr(TC_DIM),
		    true);
		draw_text(stdscr, y, COLS - hw, hw, help, draw_attr(TC_DIM) |
		    A_BOLD, true);
	}
	free(help);
	free(line);
}

#define STATUS_LINES_MAX	6	/* a long error or question, wrapped */

/* The status line's text wrapped to the width: how many lines it takes. */
static size_t
status_lines(struct tui *t, char ***lines)
{
	const char *s = t->confirm != NULL ? t->confirm : t->status;
	size_t n;

	*lines = NULL;
	if (t->prompting || s == NULL || *s == '\0')
		return 0;
	n = text_wrap(s, COLS, lines);
	return n;
}

static void
draw_statusline(struct tui *t, int y)
{
	char **lines;
	size_t n, i, first;

	if (t->prompting && t->prompt.nrows > 0) {
		struct form_row *r = &t->prompt.rows[0];
		char *lab = xprintf("%s: ", r->label);
		int lw = draw_text(stdscr, y, 0, COLS / 2, lab, A_BOLD, false);
		free(lab);
		if (r->kind == FK_ENUM || (r->kind == FK_FILE && r->from_editor)) {
			char *s = form_shown(r);
			draw_text(stdscr, y, lw, COLS - lw, s,
			    draw_attr(TC_SELECT), true);
			free(s);
		} else
			draw_cursor(y, draw_edit(stdscr, y, lw, COLS - lw,
			    r->value, r->cur, r->kind == FK_SECRET,
			    draw_attr(TC_FOCUS)));
		return;
	}
	n = status_lines(t, &lines);
	/* The whole text, ending on the line above the key bar; a text
	 * longer than STATUS_LINES_MAX shows its end, where the fix is. */
	first = n > STATUS_LINES_MAX ? n - STATUS_LINES_MAX : 0;
	for (i = first; i < n; i++) {
		int row = y - (int)(n - 1 - i);
		if (t->confirm != NULL)
			draw_text(stdscr, row, 0, COLS, lines[i],
			    draw_attr(TC_WARN) | A_BOLD, true);
		else
			draw_text(stdscr, row, 0, COLS, lines[i],
			    draw_attr(t->status_colour), true);
	}
	if (n == 0)
		draw_text(stdscr, y, 0, COLS, "", draw_attr(TC_NORMAL), true);
	if (t->confirm != NULL && n > 0)
		draw_cursor(y, text_width(lines[n - 1]) < COLS ?
		    text_width(lines[n - 1]) : COLS - 1);
	strv_free(&lines, n);
}

static void
draw_all(struct tui *t)
{
	struct screen *s = tui_top(t);
	char *title, **lines;
	size_t n;
	int cy, cx, h;

	draw_cursor(-1, -1);
	erase();
	if (s == NULL)
		return;
	n = status_lines(t, &lines);
	strv_free(&lines, n);
	if (n > STATUS_LINES_MAX)
		n = STATUS_LINES_MAX;
	h = LINES - 2 - (n > 1 ? (int)n : 1);
	title = xprintf(" setuplink | %s | %s", t->sess->cfg.workspace ?
	    t->sess->cfg.workspace : "new home", s->title ? s->title :
	    s->ops->name);
	draw_text(stdscr, 0, 0, COLS, title, draw_attr(TC_TITLE), true);
	free(title);
	if (h > 0)
		s->ops->draw(t, s, stdscr, 1, h);
	draw_statusline(t, LINES - 2);
	draw_hints(t, s, LINES - 1);
	if (draw_cursor_get(&cy, &cx)) {
		curs_set(1);
		move(cy, cx);
	} else
		curs_set(0);
	refresh();
	t->dirty = false;
}

static void
leave_form_cb(struct tui *t, void *arg)
{
	tui_pop(t);
	tui_status(t, TC_NORMAL, "Left the form; what was typed there is not "
	    "saved.");
}

void
tui_leave_form(struct tui *t, bool changed)
{
	if (!changed) {
		tui_pop(t);
		return;
	}
	tui_confirm(t, "Leave this form? What you typed here is not saved. "
	    "(y/n)", leave_form_cb, NULL, NULL);
}

void
tui_draw_now(struct tui *t)
{
	draw_all(t);
}

bool
tui_cancel_key(void *arg)
{
	int k;
	bool esc = false;

	timeout(0);
	while ((k = read_key()) != ERR)
		esc = esc || k == K_ESC;
	timeout(POLL_MS);
	return esc;
}

/*
 * Another process committed (the intake, a shell): reload every screen.
 * A PostgreSQL store counts our own commits too, so a screen already
 * stale from our own write stays so: reloaded all the same, without
 * saying that new values arrived (it would replace "Host is set.").
 */
static void
poll_store(struct tui *t)
{
	int64_t now = now_ms(), v;
	size_t i;

	if (t->sess->st == NULL || now - t->polled < POLL_MS)
		return;
	t->polled = now;
	v = store_data_version(t->sess->st);
	if (v == t->data_version)
		return;
	t->data_version = v;
	for (i = 0; i < t->depth; i++)
		if (t->stack[i]->stale == 0)
			t->stack[i]->stale = 2;
	t->dirty = true;
}

static void
resize(struct tui *t)
{
	struct winsize ws;

	got_winch = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	t->dirty = true;
}

static void
help_global(struct tui *t)
{
	struct screen *s = tui_top(t);

	if (s != NULL && s->ops->keys != NULL && strcmp(s->ops->name,
	    "Help") != 0)
		tui_push(t, help_new(t, s));
}

static void
handle_key(struct tui *t, int key)
{
	struct screen *s = tui_top(t);

	if (t->confirm != NULL) {
		if (key == 'y' || key == 'Y') {
			void (*cb)(struct tui *, void *) = t->confirm_cb;
			void (*afree)(void *) = t->confirm_free;
			void *arg = t->confirm_arg;
			/* Detach first: the callback may ask another question. */
			t->confirm_arg = NULL;
			t->confirm_free = NULL;
			confirm_end(t);
			cb(t, arg);
			if (afree != NULL && arg != NULL)
				afree(arg);
		} else if (key == 'n' || key == 'N' || key == K_ESC ||
		    key == 'q') {
			confirm_end(t);
			tui_status(t, TC_NORMAL, "Nothing was changed.");
		}
		return;
	}
	if (t->prompting) {
		struct form_row *r = &t->prompt.rows[0];
		enum form_event ev;
		if (key == K_ESC) {
			prompt_end(t);
			tui_status(t, TC_NORMAL, "Nothing was changed.");
			return;
		}
		if (key_is_enter(key)) {
			void (*cb)(struct tui *, struct form_row *, void *) =
			    t->prompt_cb;
			void (*afree)(void *) = t->prompt_free;
			void *arg = t->prompt_arg;
			struct form saved = t->prompt;
			/* Detach first: the callback may open another prompt. */
			t->prompting = false;
			t->prompt_cb = NULL;
			t->prompt_arg = NULL;
			t->prompt_free = NULL;
			form_init(&t->prompt);
			cb(t, &saved.rows[0], arg);
			form_free(&saved);
			if (afree != NULL && arg != NULL)
				afree(arg);
			t->dirty = true;
			return;
		}
		ev = form_key(&t->prompt, key);
		if (ev == FE_EDITOR) {
			char *err = NULL, *v = NULL;
			size_t len = 0;
			if (tui_editor(t, r->value, r->len, &v, &len, &err) == 0) {
				/* One-line values lose the editor's newline. */
				if (r->kind != FK_FILE && len > 0 &&
				    v[len - 1] == '\n')
					v[--len] = '\0';
				form_set(r, v, len);
				r->from_editor = r->kind == FK_FILE;
				free(v);
			} else
				tui_error(t, NULL, &err);
		}
		t->dirty = true;
		return;
	}
	if (s == NULL)
		return;
	if (key == K_CTRL('c')) {
		t->quit = true;
		return;
	}
	if (key == K_CTRL('l')) {
		clearok(curscr, TRUE);
		t->dirty = true;
		return;
	}
	t->dirty = true;
	if (s->ops->key(t, s, key))
		return;
	if (key == '?' || key == K(KEY_F(1)))
		help_global(t);
	else if (key == 'q' || key == K_ESC)
		tui_pop(t);
}

static void
tui_loop(struct tui *t)
{
	struct screen *s;
	int key;

	while (!t->quit && !got_quit) {
		if (got_winch)
			resize(t);
		poll_store(t);
		if ((s = tui_top(t)) == NULL)
			break;
		if (s->stale) {
			int how = s->stale;
			s->stale = 0;
			if (s->ops->recalc != NULL)
				s->ops->recalc(t, s, how == 2);
			t->dirty = true;
			continue;	/* the recalc may have replaced it */
		}
		if (t->dirty)
			draw_all(t);
		if (t->first_draw_exit) {
			t->first_us = now_us();
			break;
		}
		key = read_key();
		if (key == ERR)
			continue;
		if (key == K(KEY_RESIZE)) {
			/* resizeterm queued it: the size is known already. */
			t->dirty = true;
			continue;
		}
		/* An old message goes when the admin does something. */
		if (t->confirm == NULL && !t->prompting) {
			freep(&t->status);
			t->status_colour = TC_NORMAL;
		}
		handle_key(t, key);
	}
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
tui_main(struct session *sess, char **errstr)
{
	struct tui t;
	const char *e;
	int64_t start = now_us();
	int rv;

	memset(&t, 0, sizeof t);
	t.sess = sess;
	setlocale(LC_ALL, "");
	if (home_exists(&sess->home) && (rv = session_open(sess, SESSION_ALL,
	    errstr)) != 0)
		return rv;
	e = getenv("SETUPLINK_TUI_EXIT");
	t.first_draw_exit = e != NULL && strcmp(e, "first-screen") == 0;
	signals();
	if (initscr() == NULL)
		return errorf(errstr, EX_UNAVAILABLE, "cannot start the "
		    "terminal interface: is TERM set right?");
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	timeout(POLL_MS);
	draw_init_colours();
	log_set(tui_log, &t);
	if (sess->st != NULL) {
		t.data_version = store_data_version(sess->st);
		t.polled = now_ms();
		tui_push(&t, sources_new(&t));
	} else
		tui_push(&t, init_screen_new(&t));
	tui_loop(&t);
	log_set(NULL, NULL);
	confirm_end(&t);
	if (t.prompting)
		prompt_end(&t);
	while (t.depth > 0) {
		screen_free(t.stack[--t.depth]);
		t.stack[t.depth] = NULL;
	}
	erase();
	refresh();
	curs_set(1);
	endwin();
	/* For bench/tui.sh, which cannot time this through script(1). */
	if (t.first_us != 0)
		fprintf(stderr, "setuplink: first full screen %.2f ms after "
		    "the interface started\n", (t.first_us - start) / 1000.0);
	free(t.status);
	crypto_close(&t.crypto);
	return 0;
}
