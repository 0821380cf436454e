/* cmd-intake.c: setuplink intake, the mail delivery agent: one message on
 * standard input (procmail, fetchmail, an MTA's pipe), or a Maildir read
 * once or watched.  Quiet on success, as an MDA should be. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static const struct option intake_opts[] = {
	{ "recipient", required_argument, NULL, 'r' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "maildir", required_argument, NULL, 'm' },
	{ "watch", no_argument, NULL, 'w' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
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
int
cmd_intake(struct session *ctx, int argc, char **argv, char **errstr)
{
	struct cmd_intake_out out = { false, false };
	struct intake_decision d;
	struct intake_opts o;
	struct intake *in = NULL;
	const char *maildir = NULL;
	int c, rv;

	memset(&o, 0, sizeof o);
	memset(&d, 0, sizeof d);
	while ((c = cmd_getopt(argc, argv, "+hvn", intake_opts)) != -1) {
		switch (c) {
		case 'r': o.recipient = optarg; break;
		case 'n': o.dry_run = out.dry_run = true; break;
		case 'm': maildir = optarg; break;
		case 'w': o.watch = true; break;
		case 'v': out.verbose = true; break;
		default:
			rv = cmd_bad_usage(errstr, "intake", "unknown option");
			goto usage;
		}
	}
	if (optind != argc) {
		rv = cmd_bad_usage(errstr, "intake", "intake takes no arguments "
		    "(the message comes on standard input)");
		goto usage;
	}
	if (o.watch && maildir == NULL) {
		rv = cmd_bad_usage(errstr, "intake", "--watch needs --maildir "
		    "DIR");
		goto usage;
	}
	if (out.verbose)
		log_set_level(LOG_INFO);
	o.batch = maildir != NULL;
	o.report = cmd_intake_report;
	o.report_arg = &out;
	intake_open(&ctx->cfg, &ctx->home, ctx->st, ctx->cat, &o, &in);
	if (maildir != NULL)
		rv = intake_maildir(in, maildir, errstr);
	else if ((rv = intake_fd(in, STDIN_FILENO, &d, errstr)) != 0)
		rv = EX_TEMPFAIL;
	intake_decision_free(&d);
	intake_close(&in);
	return rv;
usage:
	/* A mistyped procmailrc must not bounce mail: keep it queued. */
	return maildir == NULL && !isatty(STDIN_FILENO) ? EX_TEMPFAIL : rv;
}
