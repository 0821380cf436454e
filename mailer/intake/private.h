/* private.h: what the files of mailer/intake/ share and nothing outside
 * it may use. */
#ifndef SETUPLINK_INTAKE_PRIVATE_H
#define SETUPLINK_INTAKE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mailer/intake/intake.h"
#include "mailer/mime/mime.h"
#include "mailer/pgp/pgp.h"
#include "mailer/send/send.h"
#include "util/util.h"

/* ---- The intake (intake*.c, token.c, loop.c) ----
 * Judging a reply is kept apart from writing the outcome: token.c,
 * loop.c and intake-policy.c read mail and return plain values, and
 * never touch the store; intake.c alone writes the outcome. */


/* The distinct tokens a message is addressed to (token.c). */
struct token_set {
	char	**v;		/* lowercase, well formed */
	size_t	 n;
	size_t	 malformed;	/* intake+SUFFIX addresses that hold no token */
};

int	 token_from_address(const struct config *, const char *addr, char **tok);
void	 token_collect(const struct config *, const char *recipient,
	     const struct mail *, struct token_set *);
void	 token_set_free(struct token_set *);
bool	 token_is_intake(const struct config *, const char *addr);

/* Mail that no person wrote (loop.c). */
bool	 loop_check(const struct config *, const struct mail *,
	     const char **reason, char **detail);
bool	 loop_is_report(const struct mail *);
bool	 loop_dsn_failed(const struct mail *);

/* A value a reply provides for one of its link's fields. */
struct intake_value {
	const struct field_def *f;
	char		*value;		/* canonical */
	size_t		 len;
	bool		 attachment;	/* came as a file */
	bool		 replaced;	/* set once written */
};

/* What the intake found out about one message, before anything is stored. */
struct intake_verdict {
	enum outcome	 outcome;
	const char	*reason;	/* fixed code; NULL when accepted */
	char		*detail;	/* for the log: never a value */
	char		*message_id;	/* Message-ID, else sha256:HEX */
	char		*sender;	/* From, else the envelope sender */
	char		*reply_rcpt;	/* Return-Path, else From; NULL: none */
	bool		 answerable;	/* a person wrote to a known link */
	bool		 bounce;	/* a failed DSN for link */
	struct mail	*mail;		/* header fields, the body once parsed */
	struct link	*link;		/* the known link, or NULL */
	struct draft	*draft;		/* the link's draft, or NULL */
	const struct connector *conn;
	struct intake_value *v;		/* accepted: what to write */
	size_t		 nv;
	char		**not_taken;	/* keys outside the link's fields */
	size_t		 nnot_taken;
	char		**invalid;	/* "key: rule" */
	size_t		 ninvalid;
	char		*signer;	/* a signature that counts: primary fpr */
	bool		 encrypted;	/* an encryption that counts */
	bool		 arrived_encrypted;	/* encrypted at all */
	bool		 signin_busy;	/* an OAuth sign-in runs for the link */
	int64_t		 signin;	/* the OAuth sign-in it started */
	/* An OAuth sign-in's merge (signin.c): v[oauth_from..] came from
	 * the provider, from oauth_account where it said who. */
	bool		 oauth;
	size_t		 oauth_from;
	const char	*oauth_account;
	const char	*in_reply_to;	/* without mail: the reply's id */
};

/* OpenPGP, opened on first use: gpgme costs time that plain mail saves. */
struct intake_crypto {
	const char	*gnupghome;
	int		 timeout_s;
	struct crypto	*c;
	size_t		 budget;	/* plaintext left to unpack */
};

void	 intake_verdict_free(struct intake_verdict *);
void	 intake_verdict_set(struct intake_verdict *, enum outcome,
	     const char *reason, const char *fmt, ...) PRINTFLIKE(4, 5);
/* Read the body of a reply to a usable link: 0, or 75 when gpg cannot run. */
int	 intake_policy(struct intake_crypto *, const struct config *,
	     struct intake_verdict *, char **errstr);

/* An intake run: what it works with (intake.c, intake-run.c). */
struct intake {
	const struct config	*cfg;
	const struct home	*home;
	struct store		*st;
	const struct catalog	*cat;
	struct intake_opts	 opts;
	struct intake_crypto	 ic;
	struct intake_worker {
		pid_t	 pid;
		void	*park;		/* what it read before its exec */
	}			*workers;	/* workers not yet reaped
						   (intake-test.c) */
	size_t			 nworkers;
	int			*gates;		/* write ends the parked
						   workers wait on */
	size_t			 ngates;
};

/* A message as read: whole, or its first max_message_size bytes. */
struct intake_raw {
	char	*data;
	size_t	 len;
	bool	 oversize;
	char	*hash;		/* SHA-256 of every byte, hex */
	char	*qname;		/* its copy in quarantine/, or NULL */
};

/* Read fd to its end; with keep, every byte into quarantine/ first
 * (intake-run.c). */
int	 intake_read(struct intake *, int fd, bool keep, struct intake_raw *,
	     char **errstr);
void	 intake_raw_free(struct intake_raw *);
/* Keep a message read whole in quarantine/, sealed (intake-run.c). */
int	 intake_keep(struct intake *, const char *data, size_t len,
	     char **qname, char **errstr);
void	 intake_unkeep(struct intake *, const char *qname);
/* Judge without writing: 0, or 75 (the store busy, gpg unable to run). */
int	 intake_judge(struct intake *, const struct intake_raw *,
	     struct intake_verdict *, char **errstr);
/*
 * Store the outcome inside the caller's transaction: the merge, the link,
 * the log, the answer.  *drop (the quarantine copy is to go once
 * committed) is set for accepted and duplicate messages; a message kept
 * nowhere yet (--maildir) gets its copy in raw->qname when its final
 * outcome needs one.
 */
int	 intake_apply(struct intake *, struct intake_verdict *,
	     struct intake_raw *, bool retry, struct intake_decision *,
	     bool *drop, char **errstr);
void	 intake_decide(const struct intake_verdict *, const char *qname,
	     struct intake_decision *);
/* After the commit: the on_submit command for an accepted message
 * (intake-run.c). */
void	 intake_after(struct intake *, const struct intake_decision *);
/* After the commit: test_on_merge's detached worker (intake-test.c); what
 * it sends waits for the lock on sending, so it follows the receipt. */
void	 intake_test_spawn(struct intake *, const struct intake_decision *);
/* Start the executable itself, detached, as a worker (intake-test.c). */
void	 intake_spawn_release(struct intake *);
void	 intake_spawn_self(struct intake *, char *const argv[],
	     const char *what);
/* Merge v's values in the caller's transaction: the link used, events,
 * the receipt queued (intake.c). */
int	 intake_merge(struct intake *, struct intake_verdict *, int64_t now,
	     struct buf *keys, char **errstr);
/*
 * OAuth sign-in (signin.c): in the caller's transaction, start one when
 * the reply chose the OAuth method without a token (v->signin set), or
 * mark v ignored when one runs already (v->signin_busy).
 */
int	 intake_signin_begin(struct intake *, struct intake_verdict *,
	     int64_t now, int64_t *id, char **errstr);
/* After the commit: its worker. */
void	 intake_signin_spawn(struct intake *, int64_t id);
/* The answers waiting to go, taken by one sender at a time (intake-run.c):
 * send_take holds the locks and reads the queue (-1: nothing to do, the
 * cause logged), send_write gives the mail to the transport without
 * touching the store, send_done notes what went and lets go. */
struct send_queue {
	struct outmail	*q;
	size_t		 n;
	size_t		 sent;		/* q[0..sent) have gone */
	int		 lockfd;
	bool		 locked;	/* the store's "send" lock */
};
int	 send_take(struct intake *, struct send_queue *);
void	 send_write(const struct intake *, struct send_queue *);
void	 send_done(struct intake *, struct send_queue *);
/* Age out quarantine/ (at most once an hour; intake-sweep.c). */
void	 intake_sweep(struct intake *);

/*
 * What an answer says, from the verdict (intake-answer.c): send/ composes
 * it without seeing the verdict.  A value travels only where the answer
 * may show it, so no secret reaches the composing of mail.
 */
struct intake_answer {
	struct reply_facts	  f;
	struct reply_field	 *fields;
	const struct reply_field **merged;
	char			 *ref;
	char			**missing;
	size_t			  nmissing;
};

/* The facts of an answer about v->link; after: the draft once merged. */
void	 intake_answer_init(struct intake_answer *, const struct intake *,
	     const struct intake_verdict *, const struct draft *after,
	     int64_t now, enum reply_kind);
void	 intake_answer_free(struct intake_answer *);
/* Compose the answer and queue it, to go once the transaction commits. */
int	 intake_answer_queue(struct intake *, const struct reply_facts *,
	     char **errstr);
/* ---- OAuth sign-in: the worker's state (signin.c) and what it says to
 * the provider (signin-provider.c) ---- */
struct signin_client {
	char	*client_id;
	char	*secret_file;
	char	*secret;	/* the file's first line, or NULL */
	char	*bad;		/* a key inih read that we do not know */
};

struct signin_run {
	struct intake		*in;
	struct signin		*g;
	const struct connector	*conn;
	struct draft		*draft;
	struct signin_client	 client;
	char			 owner[300];
	unsigned char		 key[SEAL_KEY_BYTES];
	char			**keys;		/* the draft's values for {key} */
	char			**values;
	size_t			 nkv;
};

enum signin_poll { POLL_WAIT, POLL_SLOW, POLL_DONE, POLL_DENIED,
	POLL_EXPIRED, POLL_ERROR, POLL_REFUSED };

int	 signin_client_load(const struct home *, const char *name,
	     struct signin_client *, char **errstr);
void	 signin_client_free(struct signin_client *);
/* What binds sealed text to its sign-in. */
char	*signin_aad(int64_t link, const char *message_id, const char *what);
/* Ask for the device code: 0 (r->g filled in), 1 to try again later, or
 * a status with *why for the recipient. */
int	 signin_device(struct signin_run *, char **why, char **errstr);
/* One poll of the token endpoint; POLL_DONE with *token (and *account
 * where the provider says it). */
enum signin_poll signin_poll(struct signin_run *, char **token,
	     char **account, char **why);

#endif
