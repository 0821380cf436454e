/* cmd-intake.c: setuplink intake, the mail delivery agent: one message on
 * standard input (procmail, fetchmail, an MTA's pipe), or a Maildir read
 * once or watched.  Quiet on success, as an MDA should be. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static int	cmd_intake(struct session *, const struct args *, char **);

static const struct cmd_option cmd_intake_options[] = {
	{ "verbose", 'v', NULL, CMD_OPT_SHORT, "say what was decided, on "
	  "standard error" },
	{ "recipient", 0, "ADDRESS", 0, "the address the MTA delivered it to" },
	{ "dry-run", 'n', NULL, 0, "print the decision, change nothing" },
	{ "maildir", 0, "DIR", 0, "every message in DIR/new, not standard "
	  "input" },
	{ "watch", 0, NULL, 0, "with --maildir: keep waiting for more" },
	{ "signin", 0, "ID", 0, "poll the OAuth sign-in ID until it ends "
	  "(the intake starts this itself)" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_intake_entry = {
	.name = "intake",
	.args = { "", 0, 0, "intake takes no arguments (the message comes on "
	    "standard input)" },
	.options = cmd_intake_options,
	.help = "read replies and merge them into drafts",
	.session = SESSION_ALL | SESSION_DURABLE | SESSION_LAZYCAT,
	.flags = CMD_INTAKE,
	.exec = cmd_intake,
};

struct cmd_intake_out {
	bool	 dry_run;
	bool	 verbose;
};

/* One line per message: on stdout for --dry-run, on stderr for -v. */
static void
cmd_intake_report(const struct intake_decision *d, void *arg)
{
	struct cmd_intake_out *o = arg;
	char *line;

	if (!o->dry_run && !o->verbose)
		return;
	line = intake_decision_line(d);
	if (d->file != NULL)
		fprintf(o->dry_run ? stdout : stderr, "%s: %s\n", d->file, line);
	else
		fprintf(o->dry_run ? stdout : stderr, "%s\n", line);
	if (o->dry_run)
		fflush(stdout);
	free(line);
}

/*
 * Exit 0 once the outcome is stored, 75 for anything else from standard
 * input: an MTA bounces a message on any other code, and a message kept
 * and tried again is never lost.
 */
static int
cmd_intake(struct session *ctx, const struct args *args, char **errstr)
{
	struct cmd_intake_out out = { false, false };
	struct intake_decision d;
	struct intake_opts o;
	struct intake *in = NULL;
	const char *maildir = args_get(args, "maildir");
	const char *signin = args_get(args, "signin");
	int rv;

	memset(&o, 0, sizeof o);
	memset(&d, 0, sizeof d);
	o.recipient = args_get(args, "recipient");
	o.dry_run = out.dry_run = args_has(args, "dry-run");
	o.watch = args_has(args, "watch");
	out.verbose = args_has(args, "verbose");
	/* Bad usage keeps a message queued (75): see CMD_INTAKE. */
	if (o.watch && maildir == NULL)
		return cmd_bad_usage(args, errstr, "--watch needs --maildir "
		    "DIR");
	if (out.verbose)
		log_set_level(LOGL_INFO);
	o.batch = maildir != NULL;
	o.report = cmd_intake_report;
	o.report_arg = &out;
	intake_open(&ctx->cfg, &ctx->home, ctx->st, ctx->cat, &o, &in);
	if (signin != NULL) {
		char *end;
		long long id = strtoll(signin, &end, 10);
		if (*signin == '\0' || *end != '\0' || id <= 0)
			rv = cmd_bad_usage(args, errstr, "--signin takes a "
			    "sign-in's number");
		else
			rv = intake_signin_poll(in, (int64_t)id, errstr);
	} else if (maildir != NULL) {
		/* One process for many messages: no start pays the WAL's
		 * size, so SQLite's default checkpoints less often. */
		store_wal_pages(ctx->st, 1000);
		rv = intake_maildir(in, maildir, errstr);
	}
	else if ((rv = intake_fd(in, STDIN_FILENO, &d, errstr)) != 0)
		rv = EX_TEMPFAIL;
	intake_decision_free(&d);
	intake_close(&in);
	return rv;
}
