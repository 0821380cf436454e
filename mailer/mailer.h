/* mailer.h: what the commands and the TUI may call in mailer/: OpenPGP,
 * reading mail, the reply form, composing and sending mail, the intake. */
#ifndef SETUPLINK_MAILER_H
#define SETUPLINK_MAILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/config.h"

/* ---- OpenPGP through gpgme (crypto.c, crypto-verify.c) ----
 * Every function returns 0, EX_DATAERR when the input is at fault (bad
 * data, no key for it, a deadline passed), or EX_TEMPFAIL when gpg or its
 * agent cannot run.  gpgme is initialised on the first crypto_open(), so
 * a process that needs no OpenPGP never pays for it.  No pinentry ever.
 * A fingerprint the keyring lacks is EX_NOINPUT; crypto_workspace_key()
 * is EX_CONFIG when the home holds no secret key or several, and
 * crypto_keygen() when it holds one already.  gnupghome must exist
 * (dir_make() it first); timeout_s bounds each verify or decrypt (0: no
 * deadline). */

struct crypto;

struct sig_info {
	char	*fpr;		/* primary key, 40 uppercase hex; NULL: unknown key */
	char	*signer_fpr;	/* as gpg reported it (maybe a subkey) */
	bool	 good;		/* valid signature by a key in our keyring */
	bool	 bad;		/* cryptographically bad: rejects the message */
	bool	 known;		/* the key is in our keyring (imported) */
	bool	 expired;	/* key expired or signature expired */
	bool	 revoked;
	char	*detail;	/* gpg's words, for the log */
};

struct crypto_result {
	bool		 decrypted;	/* decryption done, integrity protected */
	struct sig_info	*sigs;
	size_t		 nsigs;
	char		*plain;		/* decrypted / verified plaintext */
	size_t		 plain_len;
};

struct key_info {
	char	*fpr;		/* primary, 40 uppercase hex */
	char	**uids;
	size_t	 nuids;
	int64_t	 created;
	int64_t	 expires;	/* 0: never */
	bool	 revoked;
	bool	 expired;
	bool	 secret;	/* ours: the workspace key */
};

int	 crypto_open(const char *gnupghome, int timeout_s, struct crypto **,
	     char **errstr);
void	 crypto_close(struct crypto **);
/* ed25519 signing primary + cv25519 encryption subkey, no passphrase. */
int	 crypto_keygen(struct crypto *, const char *uid, char **fpr, char **errstr);
/* The workspace key: the one secret key in the keyring. */
int	 crypto_workspace_key(struct crypto *, char **fpr, char **errstr);
int	 crypto_export_armored(struct crypto *, const char *fpr, char **data,
	     size_t *len, char **errstr);
/*
 * The workspace key with an extra user ID (the email's reply address),
 * made in a throwaway keyring that is removed afterwards: armored for
 * the attachment and minimal binary (primary, encryption subkey, that
 * UID) for the Autocrypt header.
 */
int	 crypto_export_with_uid(struct crypto *, const char *fpr, const char *uid,
	     char **armored, size_t *alen, char **minimal, size_t *mlen,
	     char **errstr);
/* Detached armored signature; *micalg gets "pgp-sha512" or the like. */
int	 crypto_sign_detached(struct crypto *, const char *fpr, const char *data,
	     size_t len, char **sig, size_t *siglen, char **micalg, char **errstr);
/* Public keys, or a revocation certificate (then *n is 0); a block that
 * holds a secret key is refused (EX_DATAERR) before anything is stored. */
int	 crypto_import(struct crypto *, const char *data, size_t len,
	     struct key_info **, size_t *n, char **errstr);
int	 crypto_list(struct crypto *, struct key_info **, size_t *n, char **errstr);
int	 crypto_key_get(struct crypto *, const char *fpr, struct key_info **, char **errstr);
void	 key_info_free(struct key_info **, size_t);
int	 crypto_verify_detached(struct crypto *, const char *data, size_t len,
	     const char *sig, size_t siglen, struct crypto_result *, char **errstr);
/* A cleartext-signed or opaque-signed armored block (inline PGP). */
int	 crypto_verify_inline(struct crypto *, const char *armored, size_t len,
	     struct crypto_result *, char **errstr);
/* Decrypt and verify; ciphertext without integrity protection is EX_DATAERR. */
int	 crypto_decrypt(struct crypto *, const char *data, size_t len,
	     struct crypto_result *, char **errstr);
void	 crypto_result_free(struct crypto_result *);
bool	 fingerprint_valid(const char *);	/* 40 hex digits */

/* ---- Reading a message (parse.c, charset.c, html.c) ----
 * Hostile input: these return plain validated structs and never touch
 * the store.  Limits are checked before libetpan sees the message. */

struct mail_limits {
	size_t	 max_depth;	/* MIME nesting, default 16 */
	size_t	 max_parts;	/* default 500 */
	size_t	 max_header;	/* header block bytes, default 64 KB */
};

struct mail_attachment {
	char	*filename;	/* RFC 2231 / 2047 decoded, UTF-8, or NULL */
	char	*content_type;	/* type/subtype, lowercase */
	char	*data;		/* transfer-decoded bytes */
	size_t	 len;
};

enum mail_protection {
	MAIL_CLEAR,		/* nothing signed or encrypted */
	MAIL_PGP_SIGNED,	/* multipart/signed, RFC 3156 */
	MAIL_PGP_ENCRYPTED,	/* multipart/encrypted, RFC 3156 */
	MAIL_INLINE_SIGNED,	/* -----BEGIN PGP SIGNED MESSAGE----- in text */
	MAIL_INLINE_ENCRYPTED,	/* -----BEGIN PGP MESSAGE----- in text */
};

struct mail {
	/* Header fields; text decoded (RFC 2047) to UTF-8. */
	char		*message_id;	/* without <>, or NULL */
	char		*in_reply_to;
	char		*references;	/* ids without <>, one space apart */
	char		*subject;
	char		*date;
	char		*from_addr;
	char		*from_name;
	char		*return_path;	/* NULL: absent */
	bool		 return_path_empty;	/* Return-Path: <> */
	char		*envelope_from;	/* leading mbox "From " line */
	char		**rcpts;	/* --recipient excluded: Delivered-To,
					   X-Original-To, To, Cc, in order */
	size_t		 nrcpts;
	char		*auto_submitted;
	char		*precedence;
	bool		 list_id;
	bool		 x_autoreply;
	bool		 ours;		/* carries our X-Setuplink header */
	char		*content_type;	/* top-level type/subtype, lowercase */

	/* The body. */
	enum mail_protection protection;
	char		*signed_data;	/* MAIL_PGP_SIGNED: exact signed bytes */
	size_t		 signed_len;
	char		*signature;
	size_t		 sig_len;
	char		*armored;	/* PGP_ENCRYPTED ciphertext, or the inline block */
	size_t		 armored_len;
	char		*text;		/* UTF-8 text of a MAIL_CLEAR entity; bytes
					   that did not convert are U+FFFD */
	size_t		 text_len;
	bool		 text_from_html;
	struct mail_attachment *att;
	size_t		 natt;

	/* A delivery status notification (multipart/report). */
	bool		 is_report;
	char		*dsn_action;		/* "failed", ... of the first recipient */
	char		*dsn_message_id;	/* Message-ID of the returned message */
	char		**dsn_rcpts;		/* Original- or Final-Recipient */
	size_t		 ndsn_rcpts;
};

void	 mail_limits_default(struct mail_limits *);
/* EX_DATAERR (with a reason) when the message cannot be read. */
int	 mail_parse(const char *raw, size_t len, const struct mail_limits *,
	     struct mail **, char **errstr);
/* The header block alone (the first 64 KB at most): oversize messages. */
int	 mail_parse_headers(const char *raw, size_t len, struct mail **, char **errstr);
/*
 * A decrypted or signed MIME entity (its MIME headers, a blank line, its
 * body): body fields only.  Plain text is no entity: its first lines
 * would be read as headers.
 */
int	 mail_parse_entity(const char *raw, size_t len, const struct mail_limits *,
	     struct mail **, char **errstr);
void	 mail_free(struct mail **);

/* Convert to UTF-8; bytes that do not convert become U+FFFD and set *bad. */
char	*charset_to_utf8(const char *charset, const char *in, size_t len,
	     size_t *outlen, bool *bad);
/* HTML to text; <blockquote> becomes "> " quoting. */
char	*html_to_text(const char *html, size_t len, size_t *outlen);

/* ---- The reply form (form.c) ---- */

#define FORM_OPEN_FMT	"--- setup form for link %lld: keep the names left of the colons ---"
#define FORM_END	"--- end of setup form ---"

/*
 * The form block, both marker lines included, one "key: value" line per
 * key after "# " comment lines (label; required, secret or file; help),
 * lines under 78 characters.  prefill[i] is the value to show (NULL: none).
 */
char	*form_render(int64_t link, const struct connector *, const char *const *keys,
	     const char *const *prefill, size_t nkeys);

struct form_value {
	char	*key;		/* the connector's key, as the catalog spells it */
	char	*value;		/* trimmed; continuation lines joined by \n */
	size_t	 len;
	bool	 quoted;
	bool	 bad_bytes;	/* held U+FFFD: bytes that did not convert */
};

struct form_result {
	struct form_value *v;	/* provided values, one per key */
	size_t		 n;
	int64_t		*refs;	/* links whose opening form line appears */
	size_t		 nrefs;
};

/*
 * Read "key: value" lines (SPEC "The reply"): keys are matched without
 * regard to case against keys[], templates[i] (may be NULL) is what key i
 * was sent with (a line equal to it counts for nothing).
 */
int	 form_read(const char *text, size_t len, const char *const *keys,
	     const char *const *templates, size_t nkeys, struct form_result *);
void	 form_result_free(struct form_result *);
bool	 form_has_ref(const struct form_result *, int64_t link);

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
/* Every message in DIR/new, each moved to DIR/cur once its outcome is
 * stored; with opts->watch, then wait for more until SIGTERM or SIGINT. */
int	 intake_maildir(struct intake *, const char *dir, char **errstr);
/* Send the receipts and rejections still queued; failures are logged. */
void	 intake_send_queued(struct intake *);
/* "rejected (invalid): link 3, draft 1: port: must be ..." */
char	*intake_decision_line(const struct intake_decision *);
void	 intake_decision_free(struct intake_decision *);

#endif
