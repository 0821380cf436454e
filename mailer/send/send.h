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
	struct crypto_fast	*fast;	/* when set, tried first: see
					   COMPOSE_USE_GPG */
	const char		*key_fpr;	/* workspace key */
	bool			 reminder;	/* link remind: said in the
						   subject and first line */
};

char	*reply_address(const struct config *, const char *token);
char	*message_id_new(const struct config *);	/* without <> */
/* compose_setup() with sm->fast set, when the fast path cannot make the
 * email: set up gpgme (sm->crypto) and compose again without it. */
#define COMPOSE_USE_GPG	(-1)
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
	REPLY_NOT_TAKEN,	/* a field outside the link's */
	REPLY_UNCHANGED		/* left out, but the form showed its value:
				   already known */
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
/* Where spec sends, for "Sending to ...": HOST:PORT, the program, outbox/. */
char	*transport_where(const char *spec);
/*
 * A function the network transports call while they wait (several times
 * a second): when it returns true the send stops as a temporary failure
 * ("cancelled"), so the mail stays queued.  The TUI sets one that reads
 * Esc; NULL unsets it.
 */
typedef bool (*transport_cancel_fn)(void *arg);
void	 transport_set_cancel(transport_cancel_fn, void *arg);
/* A short test message from and to admin (an address) through spec:
 * what transport_send returns.  cfg and home may be NULL (no home yet)
 * for the smtp and sendmail transports. */
int	 transport_test(const struct config *, const struct home *,
	     const char *spec, const char *admin, char **errstr);

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
	char	*message_id;	/* without <>, or NULL */
	int64_t	 row;		/* on a shared store: its row; else 0 */
};

/*
 * On a shared store (PostgreSQL) the outbox is rows in the store, which
 * every host lists and flushes: the session hands its store in (a home's
 * SQLite store changes nothing: outbox/ stays the Maildir).
 */
struct store;
void	 outbox_use_store(struct store *, const struct home *);
bool	 outbox_shared(void);
/* "outbox/", or "the shared outbox", for what says where mail waits. */
const char *outbox_where(void);

/* Waiting messages, oldest first. */
int	 outbox_list(const struct home *, struct outbox_item **, size_t *n,
	     char **errstr);
void	 outbox_items_free(struct outbox_item **, size_t);
/* Messages a server refused for good, in outbox/.failed/, oldest first. */
int	 outbox_list_failed(const struct home *, struct outbox_item **,
	     size_t *n, char **errstr);
/* A waiting or refused message by its id (as listed), as queued: the
 * envelope lines, then the message.  66 when there is none. */
int	 outbox_read(const struct home *, const char *id, char **data,
	     size_t *len, char **errstr);
/* How many messages wait (new/ and cur/), cheaply, for a status line. */
size_t	 outbox_count(const struct home *);
/* Remove a message (waiting or refused) by its Message-ID (without <>). */
int	 outbox_drop(const struct home *, const char *message_id,
	     size_t *dropped, char **errstr);
/* Refused mail back into the queue: id (as listed), or all when NULL;
 * 66 when there is no such message. */
int	 outbox_retry(const struct home *, const char *id, size_t *moved,
	     char **errstr);
/* "send it with setuplink outbox flush ...", for whoever queues mail. */
char	*outbox_how_to_send(const struct config *);

enum outbox_event { OUTBOX_SENT, OUTBOX_REFUSED, OUTBOX_SKIPPED,
	OUTBOX_STOPPED };
/* Called after each message: i counts from 1 of n; detail may be NULL. */
typedef void (*outbox_progress_fn)(enum outbox_event, size_t i, size_t n,
	     const struct outbox_item *, const char *detail, void *arg);

struct outbox_stats {
	size_t	 total, sent, refused, skipped, left;
	size_t	 taken;		/* shared: claimed by another flush */
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

/* ---- After a credentials test (followup.c) ---- */

struct followup {
	const struct config	*cfg;
	int64_t			 now;
	bool			 to_admin;	/* the admin's note, else the
						   recipient's follow-up */
	bool			 passed;	/* the note: how it went */
	const char		*rcpt;		/* who sent the values */
	const char		*in_reply_to;	/* the setup email's id */
	const char		*seed;		/* fixes the Message-ID */
	int64_t			 link;
	int64_t			 draft;
	const char		*draft_name;
	const char		*connector;	/* its name */
	const char		*failure;	/* the failed check's kind */
	const char		*const *fields;	/* keys to check */
	size_t			 nfields;
	const char		*renew_address;	/* a fresh link's, or NULL */
	int64_t			 renew_link;
};

/* The recipient's follow-up, or the admin's note: which fields, what
 * kind of failure, never a value or the server's words.  0 or 70. */
int	 followup_compose(const struct followup *, struct reply_mail *,
	     char **errstr);

/* ---- OAuth sign-in by email (signin-mail.c) ---- */

enum signin_mail_kind {
	SIGNIN_MAIL_CODE,	/* where to sign in, the code, until when */
	SIGNIN_MAIL_DENIED,
	SIGNIN_MAIL_EXPIRED,
	SIGNIN_MAIL_FAILED	/* the provider failing: why */
};

struct signin_mail {
	enum signin_mail_kind	 kind;
	const struct config	*cfg;
	int64_t			 now;
	int64_t			 signin;
	const char		*seed;		/* the reply's id: fixes ours */
	const char		*rcpt;
	const char		*in_reply_to;
	const char		*draft_name;
	const char		*connector;	/* its name */
	const char		*method_field;
	const char		*method;
	const char		*verify_uri;	/* CODE */
	const char		*verify_uri_complete;	/* or NULL */
	const char		*user_code;
	int64_t			 expires;
	const char		*why;		/* FAILED: never a token */
};

/* One message of a sign-in to its recipient.  0 or 70. */
int	 signin_mail_compose(const struct signin_mail *, struct reply_mail *,
	     char **errstr);

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
	bool		 queued;	/* the email waits in outbox/ */
	char		*notice;	/* with queued: "queued in outbox/, not
					   sent" and how to send it, or why the
					   transport could not take it */
	bool		 failed;	/* queued because the transport failed */
};

/*
 * Validate the request (64 bad usage, 65 bad data, 66 no such draft or
 * key), create the link, compose and send the email.  The maildir
 * transport queues it (queued, a notice saying so).  A transport that
 * cannot take it for now (75) queues it in outbox/ too, the link stays
 * pending, 0 with failed and the notice a warning; a transport whose
 * settings are wrong (78) does the same but returns 78, naming the
 * setting (res still says which link).  A refusal for good (69, 65)
 * revokes the link, which nobody could answer.
 */
int	 share_link(const struct config *, const struct home *, struct store *,
	     const struct catalog *, const struct share_request *,
	     struct share_result *, char **errstr);
/* The email's text part as the recipient will read it, sending nothing. */
int	 share_preview(const struct config *, const struct home *, struct store *,
	     const struct catalog *, const struct share_request *, char **text,
	     char **errstr);
void	 share_result_free(struct share_result *);
/* The home's token key (made on first use) and what binds a sealed token
 * to its link. */
int	 share_token_key(const struct home *, unsigned char *key,
	     char **errstr);
char	*share_token_aad(int64_t link);

/* ---- Links over time (remind.c) ---- */

/*
 * link renew: a new link with the old one's draft, fields, requirement,
 * signer and note, to --to or the same address, sent; then the old one
 * revoked if it was pending or bounced.  As share_link otherwise.
 */
int	 link_renew(const struct config *, const struct home *, struct store *,
	     const struct catalog *, int64_t link, const char *to,
	     int64_t expires_in, const char *admin, struct share_result *,
	     char **errstr);

enum remind_what { REMIND_SENT, REMIND_WOULD, REMIND_FAILED, REMIND_EXPIRED };
typedef void (*remind_fn)(enum remind_what, const struct link *,
	     const char *detail, void *arg);

/*
 * link remind: the setup email again, marked as a reminder, once per
 * pending or bounced link expiring within `before` seconds, to the same
 * reply address; then each link that expired unused since the last run
 * is reported once (its "expired" event queued).  dry_run sends and
 * notes nothing.  0, or the status of the last failure (the others are
 * still tried; a failed reminder is tried again next run).
 */
int	 link_remind(const struct config *, const struct home *, struct store *,
	     const struct catalog *, int64_t before, bool dry_run, remind_fn,
	     void *arg, char **errstr);

/* ---- Webhook events (webhook.c): the store queues them in the
 * transaction that causes them; these POST them to webhook_url. ---- */

struct webhook_opts {
	long	 budget_ms;	/* the whole run, lock not awaited; 0: no
				   bound, 10 s a POST, the lock awaited */
	bool	 force;		/* now, whatever the back-off says */
};

struct webhook_stats {
	size_t	 delivered, failed, left;
};

/*
 * POST what waits, oldest first, each as one JSON object signed with
 * HMAC-SHA256 under webhook_secret_file (X-Setuplink-Signature:
 * sha256=HEX); a 2xx marks it delivered.  The first failure is noted
 * with an exponential back-off and stops the run, so that no event
 * overtakes another.  0 when nothing failed (or no webhook_url), else
 * 75 (or 78 for an unreadable secret) with why; the events stay queued.
 */
int	 webhook_deliver(const struct config *, const struct home *,
	     struct store *, const struct webhook_opts *,
	     struct webhook_stats *, char **errstr);
char	*webhook_body(const struct config *, const struct event *);
char	*webhook_sign(const char *secret, size_t, const char *body, size_t);
int64_t	 webhook_backoff(int attempts);	/* seconds after a failure */
#endif
