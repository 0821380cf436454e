/* handoff.c: what the interface hands to others: a long value to $EDITOR
 * (as tmux's window-buffer.c does), text to the terminal's clipboard
 * through OSC 52, and the workspace's OpenPGP keyring, opened on need. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mailer/mailer.h"
#include "tui/private.h"

/* The passphrase on the terminal itself, the interface put aside. */
static int
tui_vault_ask(void *arg, const char *question, char **pass, char **errstr)
{
	struct tui *t = arg;
	struct termios old, noecho;
	size_t cap = 0;
	bool off;

	*pass = NULL;
	def_prog_mode();
	endwin();
	fputs("\nThe vault key is protected.\n", stdout);
	fputs(question, stdout);
	fflush(stdout);
	off = tcgetattr(STDIN_FILENO, &old) == 0;
	if (off) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		noecho.c_lflag |= ICANON;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	if (getline(pass, &cap, stdin) < 0)
		freep(pass);
	if (off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	reset_prog_mode();
	clearok(curscr, TRUE);
	t->dirty = true;
	if (*pass == NULL)
		return errorf(errstr, EX_NOPERM, "no vault passphrase was "
		    "given: nothing was opened");
	(*pass)[strcspn(*pass, "\r\n")] = '\0';
	return 0;
}

struct vault *
tui_vault(struct tui *t)
{
	if (t->sess->vault != NULL)
		vault_set_ask(t->sess->vault, tui_vault_ask, t);
	return t->sess->vault;
}

int
tui_editor(struct tui *t, const char *value, size_t len, char **out,
    size_t *outlen, char **errstr)
{
	char *path;
	pid_t pid;
	int fd, status, rv;

	/* In the home, private: the value may be a key or a password. */
	path = xprintf("%s/.edit-XXXXXX", t->sess->home.dir);
	if ((fd = mkstemp(path)) == -1) {
		rv = errorf(errstr, EX_CANTCREAT, "cannot make a file for the "
		    "editor in %s: %s", t->sess->home.dir, strerror(errno));
		free(path);
		return rv;
	}
	fchmod(fd, 0600);
	if (len > 0 && write(fd, value, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		free(path);
		return errorf(errstr, EX_IOERR, "cannot write the file for the "
		    "editor");
	}
	close(fd);
	def_prog_mode();
	endwin();
	if ((pid = fork()) == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execl("/bin/sh", "sh", "-c",
		    "exec ${VISUAL:-${EDITOR:-vi}} \"$1\"", "sh", path,
		    (char *)NULL);
		_exit(127);
	}
	status = -1;
	while (pid > 0 && waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	reset_prog_mode();
	clearok(curscr, TRUE);
	t->dirty = true;
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rv = errorf(errstr, EX_SOFTWARE, "the editor did not finish "
		    "cleanly; nothing was changed (set $EDITOR to the editor "
		    "you want)");
		goto out;
	}
	rv = file_read(path, 16 * 1024 * 1024, out, outlen, errstr);
out:
	{
		/* Overwrite before removing: it may hold a secret. */
		int wfd = open(path, O_WRONLY);
		struct stat st;
		if (wfd != -1 && fstat(wfd, &st) == 0 && st.st_size > 0) {
			char zero[512];
			off_t left = st.st_size;
			memset(zero, 0, sizeof zero);
			while (left > 0) {
				size_t n = left > (off_t)sizeof zero ?
				    sizeof zero : (size_t)left;
				if (write(wfd, zero, n) <= 0)
					break;
				left -= (off_t)n;
			}
		}
		if (wfd != -1)
			close(wfd);
	}
	unlink(path);
	free(path);
	return rv;
}

static void	tui_clipboard_said(struct tui *);

/*
 * OSC 52 asks the terminal (or tmux, or the terminal across SSH) to put
 * the text on the clipboard; nothing is drawn.
 */
void
tui_clipboard(struct tui *t, const char *text)
{
	char *b64 = base64_encode(text, strlen(text)), *seq;
	size_t len, off = 0;
	ssize_t n;

	seq = xprintf("\033]52;c;%s\a", b64);
	len = strlen(seq);
	refresh();
	while (off < len && ((n = write(STDOUT_FILENO, seq + off,
	    len - off)) > 0 || (n == -1 && errno == EINTR)))
		off += n > 0 ? (size_t)n : 0;
	free(seq);
	free(b64);
	tui_clipboard_said(t);
}

/*
 * Whether OSC 52 reached a clipboard cannot be known from here, so the
 * status says what was done and how to make it work.  Inside tmux it
 * works only with set-clipboard on: its default (external) drops what an
 * application sends, so tmux is asked what it is set to.
 */
static void
tui_clipboard_said(struct tui *t)
{
	char line[64] = "";
	FILE *fp;

	if (getenv("TMUX") == NULL) {
		tui_status(t, TC_NORMAL, "Sent to the clipboard with OSC 52: it "
		    "is there if your terminal allows OSC 52 (not all do). If "
		    "it is not, press u and copy the URL with the mouse.");
		return;
	}
	if ((fp = popen("tmux show-options -gv set-clipboard 2>/dev/null",
	    "r")) != NULL) {
		if (fgets(line, sizeof line, fp) == NULL)
			line[0] = '\0';
		pclose(fp);
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, "on") == 0)
		tui_status(t, TC_OK, "Copied to the clipboard (OSC 52, through "
		    "tmux with set-clipboard on).");
	else
		tui_status(t, TC_WARN, "Not copied, most likely: tmux drops OSC "
		    "52 from programs unless set-clipboard is on (it is %s); "
		    "add 'set -g set-clipboard on' to ~/.tmux.conf, or press u "
		    "and copy the URL with the mouse.", *line ? line :
		    "unknown");
}

void
tui_show_plain(struct tui *t, const char *text)
{
	char *safe = str_safe(text), c;
	ssize_t n;

	def_prog_mode();
	endwin();
	/* The terminal wraps the line itself, so a mouse copies it whole. */
	printf("\033[H\033[2J%s\n\nPress Enter to go back.\n", safe);
	fflush(stdout);
	while ((n = read(STDIN_FILENO, &c, 1)) == 1 ||
	    (n == -1 && errno == EINTR)) {
		if (n == 1 && (c == '\n' || c == '\r' || c == 0x1b ||
		    c == 'q'))
			break;
	}
	reset_prog_mode();
	clearok(curscr, TRUE);
	t->dirty = true;
	free(safe);
}

int
tui_crypto(struct tui *t, struct crypto **cr, char **errstr)
{
	int rv;

	if (t->crypto == NULL && (rv = crypto_open(t->sess->home.gnupg,
	    (int)t->sess->cfg.gpg_timeout, &t->crypto, errstr)) != 0)
		return rv;
	*cr = t->crypto;
	return 0;
}

