/* send.h: composing and sending mail (compose.c, mailto.c, transport*.c),
 * the outbox (outbox.c) and sharing a setup link (share.c).  send/ calls
 * pgp/, mime/ (the form's text, header decoding), store/, catalog/ and
 * util/; intake/, the commands and the TUI call it. */
#ifndef SETUPLINK_SEND_H
#define SETUPLINK_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailer/mime/mime.h"
#include "mailer/pgp/pgp.h"
#include "store/store.h"
#include "util/config.h"

/* ---- Composing and sending (compose.c, transport*.c) ---- */

/* What a setup email needs to say. */
struct setup_mail {
	const struct config	*cfg;
	const struct connector	*conn;
	const struct draft	*draft;
	const struct link	*link;	/* id, to, expires, fields, note, require */
	const char		*token;
	const char		*const *prefill;	/* per link field */
	struct crypto		*crypto;
	const char		*key_fpr;	/* workspace key */
};

char	*reply_address(const struct config *, const char *token);
char	*message_id_new(const struct config *);	/* without <> */
int	 compose_setup(const struct setup_mail *, const char *message_id,
	     char **msg, size_t *len, char **errstr);
char	*compose_subject(const struct setup_mail *);
char	*mailto_url(const struct setup_mail *);
/* The form block as it appears in the email, for mailto and previews. */
char	*compose_form(const struct setup_mail *);
/* The text part as the recipient reads it: UTF-8, LF line ends. */
char	*compose_text(const struct setup_mail *);

/*
 * Send through a transport spec (NULL: the config's).  Returns 0, 69
 * (EX_UNAVAILABLE) when the server refused for good, or 75 with a sentence
 * naming the server and the error.  Also 78 (EX_CONFIG) when the
 * transport's own settings are wrong (a malformed spec, an unreadable
 * smtp_password_file, a login the server refuses) and 65 for an envelope
 * address no transport can carry.  An empty env_from is the null sender.
 * Only the smtp transports initialise libcurl, on their first use.
 */
int	 transport_send(const struct config *, const struct home *, const char *spec,
	     const char *env_from, const char *const *rcpts, size_t nrcpts,
	     const char *msg, size_t len, char **errstr);
/* 0 when spec names a transport, else 64 (EX_USAGE) and why. */
int	 transport_check(const char *spec, char **errstr);
bool	 transport_is_maildir(const char *spec);

/*
 * The outbox (transport-maildir.c).  The maildir transport delivers into
 * outbox/ with the envelope, which a Maildir does not keep, in two header
 * lines at the top of the file:
 *
 *	Return-Path: <ENV_FROM>
 *	X-Setuplink-Rcpt: RCPT, RCPT, ...
 *
 * outbox_flush() reads them, strips them and sends the rest.  A message in
 * new/ or cur/ is waiting; a sent one is removed; one that a server refused
 * for good is moved to the Maildir++ folder outbox/.failed/.
 */
struct outbox_item {
	char	*id;		/* file name without Maildir flags */
	char	*path;
	char	*env_from;	/* NULL: no recorded envelope */
	char	**rcpts;
	size_t	 nrcpts;
	char	*to;		/* decoded To: header, or NULL */
	char	*subject;	/* decoded, or NULL */
	int64_t	 date;		/* Date: header, else the file's mtime */
	int64_t	 mtime;
	size_t	 size;		/* bytes of the file */
};

/* Waiting messages, oldest first. */
int	 outbox_list(const struct home *, struct outbox_item **, size_t *n,
	     char **errstr);
void	 outbox_items_free(struct outbox_item **, size_t);

enum outbox_event { OUTBOX_SENT, OUTBOX_REFUSED, OUTBOX_SKIPPED,
	OUTBOX_STOPPED };
/* Called after each message: i counts from 1 of n; detail may be NULL. */
typedef void (*outbox_progress_fn)(enum outbox_event, size_t i, size_t n,
	     const struct outbox_item *, const char *detail, void *arg);

struct outbox_stats {
	size_t	 total, sent, refused, skipped, left;
};

/*
 * Send every waiting message through spec (not maildir: 64), oldest
 * first, one flush at a time (a second one gets 75).  A temporary failure
 * stops the run (75, the rest stays); a permanent refusal moves that
 * message to outbox/.failed/ and goes on (69 at the end); a message
 * without a recorded envelope is left alone (65 at the end).
 */
int	 outbox_flush(const struct config *, const struct home *, const char *spec,
	     outbox_progress_fn, void *arg, struct outbox_stats *, char **errstr);

/* ---- Sharing a setup link (share.c): the one path the command line and
 * the TUI both take to create a link and send its email. ---- */

struct share_request {
	int64_t			 draft;
	const char		*to;		/* recipient address */
	int64_t			 expires_in;	/* seconds; 0: the config's */
	const char		*const *fields;	/* NULL with missing=false: all */
	size_t			 nfields;
	bool			 missing;	/* --missing */
	enum link_require	 require;
	const char		*signer;	/* fingerprint or NULL */
	const char		*note;
	const char		*transport;	/* NULL: the config's */
	const char		*admin;		/* who asks, for the audit */
};

struct share_result {
	int64_t		 link;
	char		*mailto;
	char		*message_id;
	char		*reply_address;
};

/*
 * Validate the request (64 bad usage, 65 bad data, 66 no such draft or
 * key), create the link, compose and send the email.  A send that fails
 * leaves no pending link (it is revoked) and returns 69 or 75.
 */
int	 share_link(const struct config *, const struct home *, struct store *,
	     const struct catalog *, const struct share_request *,
	     struct share_result *, char **errstr);
/* The email's text part as the recipient will read it, sending nothing. */
int	 share_preview(const struct config *, const struct home *, struct store *,
	     const struct catalog *, const struct share_request *, char **text,
	     char **errstr);
void	 share_result_free(struct share_result *);
#endif
