/* screen-init.c: the first run, when there is no home yet: ask for the
 * workspace, the admin and the intake address, then run `setuplink init`
 * with them, so the interface and the command make the same home. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Run `setuplink --home DIR init ...` and keep what it says on stderr. */
static int
run_init(struct tui *t, struct initscr *s, char **errstr)
{
	const char *argv[16];
	int p[2], n = 0, status = -1;
	char buf[1024];
	struct buf out;
	pid_t pid;
	ssize_t r;

	argv[n++] = "setuplink";
	argv[n++] = "--home";
	argv[n++] = t->sess->home.dir;
	argv[n++] = "init";
	argv[n++] = "--workspace";
	argv[n++] = form_value(&s->form, "workspace");
	argv[n++] = "--admin";
	argv[n++] = form_value(&s->form, "admin");
	argv[n++] = "--intake";
	argv[n++] = form_value(&s->form, "intake");
	if (*form_value(&s->form, "transport") != '\0') {
		argv[n++] = "--transport";
		argv[n++] = form_value(&s->form, "transport");
	}
	argv[n] = NULL;
	if (pipe(p) == -1)
		return errorf(errstr, EX_OSERR, "cannot run setuplink init: %s",
		    strerror(errno));
	if ((pid = fork()) == 0) {
		int dn = open("/dev/null", O_RDWR);
		dup2(dn, STDIN_FILENO);
		dup2(dn, STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	buf_init(&out);
	while ((r = read(p[0], buf, sizeof buf)) > 0 || (r == -1 &&
	    errno == EINTR))
		if (r > 0)
			buf_add(&out, buf, (size_t)r);
	close(p[0]);
	while (pid > 0 && waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *msg = out.len ? str_trim(out.data) : "setuplink init failed";
		if (strncmp(msg, "setuplink: ", 11) == 0)
			msg += 11;
		int rv = errorf(errstr, WIFEXITED(status) && WEXITSTATUS(status) ?
		    WEXITSTATUS(status) : EX_SOFTWARE, "%s", msg);
		buf_free(&out);
		return rv;
	}
	buf_free(&out);
	return 0;
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
	if (run_init(t, s, &err) != 0 || session_open(t->sess, SESSION_ALL,
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
	r->help = xstrdup("Runs setuplink init with these values: the home, "
	    "its database and the workspace's OpenPGP key.");
	sc = screen_new(&init_ops, s);
	sc->stale = 0;
	return sc;
}
