/* send.h: composing and sending mail: the setup email (compose*.c,
 * mailto.c), the intake's answers (reply.c), the transports (transport*.c),
 * the outbox (outbox.c) and sharing a setup link (share.c), all written
 * by one MIME writer (writer*.c).  send/ calls pgp/, mime/ (the form's
 * text, header decoding), store/, catalog/ and util/; intake/, the
 * commands and the TUI call it. */
#ifndef SETUPLINK_SEND_H
#define SETUPLINK_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailer/mime/mime.h"
#include "mailer/pgp/pgp.h"
#include "store/store.h"
#include "util/config.h"

/* ---- The setup email (compose*.c, mailto.c) and sending (transport*.c) ---- */

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

/* ---- The intake's answers (reply.c): receipts, rejections and the
 * admin's note, all RFC 3834 automatic replies.  The intake says what an
 * answer must say in a reply_facts; reply.c says it in words. ---- */

enum reply_kind { REPLY_RECEIPT, REPLY_REJECTION, REPLY_NOTE };

enum reply_outcome {
	REPLY_NOT_PROVIDED,	/* a field of the link the reply left out */
	REPLY_RECEIVED,
	REPLY_REPLACED,		/* received, replacing an earlier value */
	REPLY_NOT_TAKEN		/* a field outside the link's */
};

/* How a received value shows: only plain, short, non-secret, unencrypted. */
enum reply_show {
	REPLY_SHOWN,		/* value holds it */
	REPLY_HIDDEN_FILE,	/* a file: its size only */
	REPLY_HIDDEN_SECRET,
	REPLY_HIDDEN_ENCRYPTED,	/* it arrived encrypted */
	REPLY_HIDDEN_LONG	/* several lines or long */
};

enum reply_draft {
	REPLY_DRAFT_UNKNOWN,	/* nothing merged: not said */
	REPLY_DRAFT_COMPLETE,
	REPLY_DRAFT_INCOMPLETE	/* missing says what */
};

struct reply_field {
	const char		*key;
	const char		*label;		/* NULL: none */
	enum reply_outcome	 outcome;
	enum reply_show		 show;		/* received or replaced */
	const char		*value;		/* REPLY_SHOWN: never a secret */
	size_t			 size;		/* REPLY_HIDDEN_FILE: bytes */
};

/* What an answer says.  Strings are borrowed; NULL where not known. */
struct reply_facts {
	enum reply_kind		 kind;
	const struct config	*cfg;
	int64_t			 now;
	const char		*answered;	/* the reply's Message-ID, else
						   sha256:HEX: seeds ours */
	const char		*in_reply_to;	/* its Message-ID header */
	const char		*rcpt;		/* Return-Path, else From */
	const char		*sender;	/* who replied (the note) */
	int64_t			 link;
	const char		*ref;		/* the link's REF (form line) */
	enum link_require	 require;
	int64_t			 link_ended;	/* 0: the link has not ended */
	int64_t			 link_expires;
	int64_t			 draft;		/* 0: the draft is gone */
	const char		*draft_name;
	const char		*connector;	/* its name, else its key */
	/* The link's fields in its order, then the keys not taken. */
	const struct reply_field *fields;
	size_t			 nfields;
	/* The fields received, in the order the reply gave them. */
	const struct reply_field *const *merged;
	size_t			 nmerged;
	const char		*const *invalid;	/* "key: rule" */
	size_t			 ninvalid;
	const char		*signer;	/* a signature that counts */
	bool			 encrypted;	/* an encryption that counts */
	const char		*reason;	/* a rejection's fixed code */
	const char		*detail;	/* never a value */
	enum reply_draft	 status;	/* after the merge */
	const char		*const *missing;	/* keys still missing */
	size_t			 nmissing;
};

/* A composed answer and its fixed Message-ID (without <>). */
struct reply_mail {
	char	*message_id;
	char	*rcpt;
	char	*data;
	size_t	 len;
};

/*
 * The answer of facts->kind: a receipt or a rejection to facts->rcpt, the
 * note to the admin.  Its Message-ID is fixed by the kind and the reply
 * answered, so a repeat after a crash reads as one message.  0 or 70.
 */
int	 reply_compose(const struct reply_facts *, struct reply_mail *,
	     char **errstr);
void	 reply_mail_free(struct reply_mail *);

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
