/* cmd-vault.c: setuplink vault passphrase, and the question every command
 * that opens secrets asks on the terminal when a passphrase protects the
 * vault key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_vault_passphrase(struct session *, const struct args *,
		    char **);

static const struct cmd_option cmd_vault_passphrase_options[] = {
	{ "remove", 0, NULL, 0, "keep the vault key without a passphrase" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_vault_passphrase_entry = {
	.name = "vault passphrase",
	.args = { "", 0, 0, NULL },
	.options = cmd_vault_passphrase_options,
	.help = "protect the key that opens stored secrets",
	.session = SESSION_ALL,
	.exec = cmd_vault_passphrase,
};

/* One line from the terminal without echo; NULL at its end. */
static char *
tty_line(FILE *tty, const char *question)
{
	struct termios old, noecho;
	char *line = NULL;
	size_t cap = 0;
	bool off;

	fputs(question, tty);
	fflush(tty);
	off = tcgetattr(fileno(tty), &old) == 0;
	if (off) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &noecho);
	}
	if (getline(&line, &cap, tty) < 0)
		freep(&line);
	if (off)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fflush(tty);
	if (line != NULL)
		line[strcspn(line, "\r\n")] = '\0';
	return line;
}

/* The vault's question, asked on the controlling terminal (stdin and
 * stdout may be a pipe: draft export > file). */
int
cmd_vault_ask(void *arg, const char *question, char **pass, char **errstr)
{
	FILE *tty;

	if ((tty = fopen("/dev/tty", "r+e")) == NULL)
		return errorf(errstr, EX_NOPERM, "the vault key is protected by "
		    "a passphrase and there is no terminal to ask on: name a "
		    "file holding it in SETUPLINK_VAULT_PASSPHRASE_FILE");
	*pass = tty_line(tty, question);
	fclose(tty);
	if (*pass == NULL)
		return errorf(errstr, EX_NOPERM, "no vault passphrase was "
		    "given: nothing was opened");
	return 0;
}

/* The new passphrase: asked twice on a terminal, else one line of
 * standard input (a script's pipe). */
static int
new_passphrase(char **pass, char **errstr)
{
	FILE *tty = NULL;
	char *again = NULL;
	size_t cap = 0;
	int rv = 0;

	*pass = NULL;
	if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+e")) == NULL) {
		if (getline(pass, &cap, stdin) < 0)
			freep(pass);
		else
			(*pass)[strcspn(*pass, "\r\n")] = '\0';
	} else if ((*pass = tty_line(tty, "New vault passphrase: ")) != NULL &&
	    (again = tty_line(tty, "The same again: ")) != NULL &&
	    strcmp(*pass, again) != 0)
		rv = errorf(errstr, EX_USAGE, "the two passphrases differ: "
		    "nothing was changed");
	if (tty != NULL)
		fclose(tty);
	if (again != NULL) {
		explicit_bzero(again, strlen(again));
		free(again);
	}
	if (rv == 0 && (*pass == NULL || **pass == '\0'))
		rv = errorf(errstr, EX_USAGE, "the new passphrase is empty: "
		    "nothing was changed (--remove drops the passphrase)");
	if (rv != 0 && *pass != NULL) {
		explicit_bzero(*pass, strlen(*pass));
		freep(pass);
	}
	return rv;
}

static int
cmd_vault_passphrase(struct session *ctx, const struct args *args,
    char **errstr)
{
	bool remove = args_has(args, "remove");
	char *pass = NULL;
	int rv;

	if ((rv = vault_unlock(ctx->vault, errstr)) != 0)
		return rv;
	if (!remove && (rv = new_passphrase(&pass, errstr)) != 0)
		return rv;
	rv = vault_set_passphrase(ctx->vault, pass, errstr);
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		free(pass);
	}
	if (rv == 0)
		printf(remove ? "The vault key has no passphrase now.\n" :
		    "The vault key is protected by this passphrase now: "
		    "revealing, exporting and testing secrets ask for it; "
		    "the intake does not.\n");
	return rv;
}
