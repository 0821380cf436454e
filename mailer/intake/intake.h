/* intake.h: reading replies and merging them into drafts (intake*.c,
 * token.c, loop.c); its answers are composed by send/ (reply.c).  intake/
 * calls send/, pgp/, mime/, store/, catalog/ and util/; the commands and
 * the TUI call it. */
#ifndef SETUPLINK_INTAKE_H
#define SETUPLINK_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailer/send/send.h"
#include "store/store.h"
#include "util/config.h"

/* ---- The intake (intake.c, intake-maildir.c) ----
 * Every message ends accepted, rejected or ignored, stored before these
 * return 0.  They return 75 (EX_TEMPFAIL) on a temporary failure (the
 * database locked, the disk full, gpg unable to run) having changed
 * nothing; nothing about a message's content is ever a temporary failure. */

struct intake_decision;

struct intake_opts {
	const char	*recipient;	/* --recipient */
	bool		 dry_run;	/* judge, print, store nothing */
	bool		 batch;		/* --maildir: group commits */
	bool		 watch;		/* --maildir: wait for more (inotify) */
	/* Called once a message's outcome is stored (may be NULL). */
	void		(*report)(const struct intake_decision *, void *arg);
	void		*report_arg;
};

struct intake_decision {
	enum outcome	 outcome;
	const char	*reason;	/* fixed code, NULL when accepted */
	char		*detail;
	int64_t		 link;
	int64_t		 draft;
	char		*quarantine;	/* file name kept in quarantine/ */
	char		*sender;
	char		*fields;	/* merged keys, comma separated */
	char		*file;		/* --maildir: the message's file */
	int64_t		 signin;	/* an OAuth sign-in it started */
};

struct intake;

void	 intake_open(const struct config *, const struct home *, struct store *,
	     const struct catalog *, const struct intake_opts *, struct intake **);
void	 intake_close(struct intake **);
/* One message read from fd to its end (procmail, fetchmail, an MTA). */
int	 intake_fd(struct intake *, int fd, struct intake_decision *, char **errstr);
/* A message kept in quarantine/ judged afresh (quarantine retry). */
int	 intake_retry(struct intake *, const char *file, struct intake_decision *,
	     char **errstr);
/*
 * A quarantined message by its name (the log's file): in quarantine/, or
 * on a shared store its row; read opens it with the vault (which may ask
 * for its passphrase).  EX_NOINPUT when it is no longer kept.
 */
struct vault;
int	 intake_kept_read(const struct home *, struct store *, struct vault *,
	     const char *name, char **data, size_t *len, char **errstr);
bool	 intake_kept_exists(const struct home *, struct store *,
	     const char *name);
void	 intake_kept_remove(const struct home *, struct store *,
	     const char *name);
/* Every message in DIR/new, each moved to DIR/cur once its outcome is
 * stored; with opts->watch, then wait for more until SIGTERM or SIGINT. */
int	 intake_maildir(struct intake *, const char *dir, char **errstr);
/*
 * OAuth sign-in by email (signin.c): intake --signin ID polls one until
 * it ends (0 also when another process holds it); the --watch loop
 * resumes those whose worker is gone, true while any is active.
 */
int	 intake_signin_poll(struct intake *, int64_t id, char **errstr);
bool	 intake_signin_resume(struct intake *);
/* The workspace's OAuth client NAME (HOME/oauth/NAME.conf): its id, and
 * its secret or NULL; for draft test to trade a refresh token. */
int	 intake_signin_client(const struct home *, const char *name,
	     char **client_id, char **secret, char **errstr);
/* Send the receipts and rejections still queued; failures are logged. */
void	 intake_send_queued(struct intake *);
/* "rejected (invalid): link 3, draft 1: port: must be ..." */
char	*intake_decision_line(const struct intake_decision *);
void	 intake_decision_free(struct intake_decision *);

#endif
