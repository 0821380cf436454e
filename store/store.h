/* store.h: what tui/, mailer/ and the commands may call in store/, the one
 * owner of setuplink's data.  No SQLite type or SQL text crosses this line.
 * store/ calls only catalog/ (for connector definitions) and util/. */
#ifndef SETUPLINK_STORE_H
#define SETUPLINK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "catalog/catalog.h"

/* ---- The database (db.c) ---- */

struct store;

#define STORE_CREATE	0x1	/* create the file and schema if needed */
#define STORE_DURABLE	0x2	/* synchronous=FULL (the intake) */

/*
 * Open the database: a file path is SQLite, a postgresql:// URI (libpq's,
 * with its environment) a store shared by several hosts.  timeout_ms bounds how long a writer waits for
 * another; past it a write is EX_TEMPFAIL.  Migrations run here.
 */
int	 store_open(const char *path, int flags, int timeout_ms,
	     struct store **, char **errstr);
void	 store_close(struct store **);
/* Remove the database and SQLite's files beside it; no one may have it
 * open.  A database that is not there is no error. */
int	 store_destroy(const char *path, char **errstr);
int	 store_begin(struct store *, char **errstr);	/* BEGIN IMMEDIATE */
/* A transaction whose loss in a power cut is harmless, because what it
 * records is kept durably elsewhere: SQLite commits it without waiting
 * for the disk, the next synced commit carries it. */
int	 store_begin_lazy(struct store *, char **errstr);
void	 store_wal_pages(struct store *, int pages);
int	 store_commit(struct store *, char **errstr);
void	 store_rollback(struct store *);
int	 store_schema_version(struct store *);
int	 store_schema_latest(void);	/* what this setuplink migrates to */
/* A number that changes when another connection commits (TUI refresh):
 * on PostgreSQL a counter in a table, moved by every write of any host. */
int64_t	 store_data_version(struct store *);
/* Does the target name a shared store (postgresql://...), not a file? */
bool	 store_is_shared(const char *target);
/*
 * A lock by name, held by this store's connection until store_unlock or
 * store_close: across hosts on a shared store, a no-op (got true) on
 * SQLite, where the callers' lock files in the home do the same.  With
 * wait false, *got says whether it was free.
 */
int	 store_lock(struct store *, const char *name, bool wait, bool *got,
	     char **errstr);
void	 store_unlock(struct store *, const char *name);

/*
 * store_open with a vault: secret values are sealed to it as they are
 * written (the catalog says which fields are secret) and opened with it
 * (draft_reveal).  A database an older setuplink left with secrets in the
 * clear is migrated in one transaction with its schema: before (may be
 * NULL) runs first under the write lock for what lies outside the
 * database (quarantined mail), then every secret value, current and
 * past, is sealed; then the WAL is checkpointed so that no clear copy
 * stays beside the database.  Any failure changes nothing.  Without a
 * vault (store_open: unit tests, tools) values are stored as they come.
 */
struct vault;
struct store_seal {
	struct vault		*vault;
	const struct catalog	*cat;
	int			(*before)(void *arg, char **errstr);
	void			*arg;
};
int	 store_open_sealed(const char *path, int flags, int timeout_ms,
	     const struct store_seal *, struct store **, char **errstr);
struct vault *store_vault(struct store *);	/* or NULL */
/*
 * Copy the WAL into the database and empty it (after secrets were
 * removed, so that a long-lived process does not keep them in -wal).
 * Deleted content is zeroed (secure_delete), so nothing stays in freed
 * pages either.  Best effort: a reader holding an old snapshot can only
 * delay it to the next one.
 */
void	 store_checkpoint(struct store *);

/* ---- What the homes on one store share of the workspace (setting.c):
 * its name, admin and intake address, where the first home is ---- */

int	 store_setting_set(struct store *, const char *key, const char *value,
	     char **errstr);
/* *value NULL when the key was never set. */
int	 store_setting_get(struct store *, const char *key, char **value,
	     char **errstr);
/* Removed in one lazy commit (its loss in a power cut leaves the keys). */
int	 store_settings_forget(struct store *, char *const *keys, size_t n,
	     char **errstr);
/* Every key starting with prefix, with its value, sorted by key. */
int	 store_settings_under(struct store *, const char *prefix, char ***keys,
	     char ***values, size_t *n, char **errstr);

/* ---- Drafts and fields (draft.c) ---- */

enum source_kind { SOURCE_ADMIN, SOURCE_REPLY, SOURCE_OAUTH };
/* "admin", "reply", "oauth" (a provider's sign-in) */
const char *source_kind_name(enum source_kind);

struct source {
	enum source_kind kind;
	char		*from;		/* sender or admin address */
	int64_t		 at;
	int64_t		 link;		/* 0: none */
	char		*signed_by;	/* 40-hex primary fingerprint or NULL */
	bool		 encrypted;
};

struct field_value {
	char		*key;
	char		*value;		/* NULL: never set or cleared */
	size_t		 len;		/* value's length (files may hold NULs) */
	bool		 set;		/* has a source */
	bool		 sealed;	/* value is still sealed: see draft_reveal */
	struct source	 src;
};

struct draft {
	int64_t		 id;
	char		*name;
	char		*connector;
	int64_t		 created;
	int64_t		 updated;	/* last write to the draft */
	struct field_value *fields;	/* one per connector field, catalog order,
					   then unknown keys stored earlier */
	size_t		 nfields;
};

struct draft_summary {
	int64_t		 id;
	char		*name;
	char		*connector;
	int64_t		 created;
	int64_t		 updated;
	bool		 complete;
	char		**missing;
	size_t		 nmissing;
	int		 pending_links;	/* not expired */
	int		 used_links;
};

/* One requested write: key and canonical value (NULL or "" clears). */
struct field_write {
	const char	*key;
	const char	*value;
	size_t		 len;
};

/* A field's history entry, newest first. */
struct field_history {
	char		*value;		/* NULL when cleared */
	size_t		 len;
	struct source	 src;
	bool		 removed;	/* value wiped by draft rm */
	bool		 sealed;	/* value is still sealed */
};

int	 draft_create(struct store *, const struct connector *, const char *name,
	     const char *admin_from, int64_t *id, char **errstr);
/* EX_NOINPUT when there is no such draft. */
int	 draft_get(struct store *, const struct catalog *, int64_t id,
	     struct draft **, char **errstr);
int	 draft_list(struct store *, const struct catalog *,
	     struct draft_summary **, size_t *n, char **errstr);
/* The drafts draft_list() would give from position off, at most lim of
 * them, reading only those (an index keeps the order); and how many
 * drafts there are.  What they cost grows with lim, not the store. */
int	 draft_page(struct store *, const struct catalog *, size_t off,
	     size_t lim, struct draft_summary **, size_t *n, char **errstr);
int	 draft_count(struct store *, size_t *n, char **errstr);
void	 draft_summaries_free(struct draft_summary **, size_t);
/*
 * Write fields with one source, all or none, inside the caller's
 * transaction when one is open (store_begin), else in its own.  Values
 * must already be validated.  replaced[i] (may be NULL) tells whether
 * write i replaced an earlier value.
 */
int	 draft_write(struct store *, int64_t id, const struct field_write *, size_t n,
	     const struct source *, bool *replaced, char **errstr);
int	 draft_history(struct store *, int64_t id, const char *key,
	     struct field_history **, size_t *n, char **errstr);
void	 draft_history_free(struct field_history **, size_t);
/*
 * Secret values come back from draft_get and draft_history sealed (set,
 * masked, their bytes not the value).  These open them in place with the
 * store's vault, which may ask for its passphrase: EX_NOPERM when it is
 * wrong or cannot be had, the draft then left as it was.
 */
int	 draft_reveal(struct store *, struct draft *, char **errstr);
int	 draft_history_reveal(struct store *, struct field_history *, size_t n,
	     char **errstr);
/* Revoke pending links, wipe values, keep the audit entry. */
int	 draft_remove(struct store *, int64_t id, const char *admin, char **errstr);
void	 draft_free(struct draft **);
const struct field_value *draft_value(const struct draft *, const char *key);
/*
 * Is the draft complete?  *missing (may be NULL) gets the keys still
 * missing: with methods and none chosen, the method field and every
 * method's required fields.
 */
bool	 draft_complete(const struct connector *, const struct draft *,
	     char ***missing, size_t *nmissing);

/* ---- The last credentials test of a draft (draft-test.c) ---- */

struct draft_test {
	int64_t		 at;		/* when it ran */
	int64_t		 values_at;	/* the draft's updated time it saw */
	int		 status;	/* 0, 69, 75 or 65 */
	char		*result;	/* the probe's JSON: never a value */
};

/* Replace the draft's last test result. */
int	 draft_test_save(struct store *, int64_t draft, const struct draft_test *,
	     char **errstr);
/* EX_NOINPUT when the draft was never tested. */
int	 draft_test_get(struct store *, int64_t draft, struct draft_test *,
	     char **errstr);
void	 draft_test_clear(struct draft_test *);

/* ---- Setup links (link.c) ---- */

enum link_state {
	LINK_PENDING, LINK_USED, LINK_EXPIRED, LINK_REVOKED, LINK_BOUNCED
};

enum link_require {
	REQUIRE_ANY, REQUIRE_SIGNED, REQUIRE_ENCRYPTED, REQUIRE_SIGNED_ENCRYPTED
};

struct link {
	int64_t		 id;
	int64_t		 draft;
	char		*to;
	int64_t		 created;
	int64_t		 expires;
	char		**fields;
	char		**prefill;	/* per field: the value the form was sent
					   with (non-secret), or NULL */
	size_t		 nfields;
	enum link_require require;
	char		*signer;	/* pinned fingerprint or NULL */
	char		*note;
	char		*message_id;	/* of the setup email, without <> */
	char		*ref_tag;	/* token_ref_tag(), NULL for older links */
	enum link_state	 state;		/* derived: expiry applies when read */
	int64_t		 ended;		/* when used/revoked/bounced; 0 */
	char		*created_by;
};

struct link_new {
	int64_t		 id;		/* from link_reserve_id(), or 0: the next */
	int64_t		 created;	/* 0: now */
	int64_t		 draft;
	const char	*to;
	int64_t		 expires;
	const char	*const *fields;
	const char	*const *prefill;	/* may be NULL */
	size_t		 nfields;
	enum link_require require;
	const char	*signer;
	const char	*note;
	const char	*message_id;
	const char	*token_hash;	/* sha256 hex of the token */
	const char	*ref_tag;	/* token_ref_tag() of the token */
	const char	*created_by;
};

const char *link_state_name(enum link_state);
/* The link's REF on its form line: "ID-TAG", or "ID" for links made
 * before REFs carried a tag. */
char	*link_ref(const struct link *);
const char *link_require_name(enum link_require);
int	 link_require_parse(const char *, enum link_require *);
/*
 * A link id nobody else will get, taken in a short transaction of its own
 * (or the caller's), so that the setup email, which names the id, can be
 * composed and signed before link_create() takes the write lock.  An id
 * reserved and never created is a gap; ids are never reused.
 */
int	 link_reserve_id(struct store *, int64_t *id, char **errstr);
/* Inside the caller's transaction when one is open, else its own. */
int	 link_create(struct store *, const struct link_new *, int64_t *id, char **errstr);
int	 link_set_message_id(struct store *, int64_t id, const char *msgid, char **errstr);
int	 link_get(struct store *, int64_t id, struct link **, char **errstr);
/* EX_NOINPUT when no link has that token hash. */
int	 link_find_token(struct store *, const char *token_hash, struct link **, char **errstr);
int	 link_find_message_id(struct store *, const char *msgid, struct link **, char **errstr);
/* draft 0: every link. */
int	 link_list(struct store *, int64_t draft, struct link ***, size_t *n, char **errstr);
/* EX_DATAERR naming the state when the link is not pending. */
int	 link_revoke(struct store *, int64_t id, const char *by, char **errstr);
int	 link_mark(struct store *, int64_t id, enum link_state, char **errstr);
void	 link_free(struct link **);
void	 links_free(struct link ***, size_t);

/* ---- OAuth sign-ins by email (signin.c) ----
 * One active sign-in per link at most; the store keeps what a poller
 * needs to go on after a restart.  Sealed text is the caller's (seal_text
 * under the home's token key): the store never holds the key. */

struct signin {
	int64_t		 id;
	int64_t		 link;
	int64_t		 draft;
	char		*state;		/* active done denied expired failed */
	int64_t		 created;
	char		*sender;	/* who replied */
	char		*rcpt;		/* where answers go, or NULL */
	char		*message_id;	/* the reply's, seeds our answers */
	char		*in_reply_to;	/* the reply's Message-ID header */
	char		*signer;
	bool		 encrypted;
	char		*pending;	/* the reply's other values, sealed */
	char		*device_code;	/* sealed; NULL until asked for */
	char		*user_code;
	char		*verify_uri;
	char		*verify_uri_complete;
	int64_t		 poll_every;	/* seconds */
	int64_t		 expires;
	int64_t		 failures;	/* provider errors in a row */
	char		*owner;		/* "host:pid" polling it, or NULL */
	int64_t		 lease;		/* the owner's, until then */
	int64_t		 ended;
	char		*detail;	/* why it ended: never a secret */
};

/* Start one for s->link in the caller's transaction: *id 0 when one is
 * active already (nothing written). */
int	 signin_start(struct store *, const struct signin *, int64_t *id,
	     char **errstr);
int	 signin_get(struct store *, int64_t id, struct signin **, char **errstr);
/* The active ones. */
int	 signin_active(struct store *, struct signin ***, size_t *n,
	     char **errstr);
/*
 * Take an active sign-in for owner until lease: won when it was free (its
 * lease lapsed), already owner's, or held by dead (a process known to be
 * gone; may be NULL).
 */
int	 signin_claim(struct store *, int64_t id, const char *owner,
	     const char *dead, int64_t now, int64_t lease, bool *won,
	     char **errstr);
/* Write the device grant's state (device_code ... failures, lease) while
 * still owner's: won false when another took it. */
int	 signin_save(struct store *, const struct signin *, const char *owner,
	     bool *won, char **errstr);
/* End it (state, detail) if still active; in the caller's transaction. */
int	 signin_end(struct store *, int64_t id, const char *state,
	     const char *detail, int64_t now, char **errstr);
void	 signin_free(struct signin **);
void	 signins_free(struct signin ***, size_t);

/* ---- Links over time (remind.c): the sealed token, the one reminder,
 * the one report of an expiry ---- */

/* Keep a link's token sealed (hex, from seal_text); in the caller's
 * transaction when one is open. */
int	 link_token_keep(struct store *, int64_t link, const char *sealed,
	     char **errstr);
/* EX_NOINPUT, saying to renew it, for a link made before tokens were kept. */
int	 link_token_get(struct store *, int64_t link, char **sealed,
	     char **errstr);
/* Pending or bounced links expiring in (now, now + before], not reminded. */
int	 link_remind_due(struct store *, int64_t now, int64_t before,
	     int64_t **ids, size_t *n, char **errstr);
/* Claim a link's one reminder (*won: this caller got it), or give the
 * claim back (claim false) when the reminder could not be sent. */
int	 link_remind_claim(struct store *, int64_t link, bool claim, bool *won,
	     char **errstr);
/* Links expired unused and not reported yet: each noted, with its
 * "expired" event, in one transaction of its own. */
int	 link_expiry_note(struct store *, int64_t now, int64_t **ids,
	     size_t *n, char **errstr);

/* ---- Processed messages and the intake log (message.c) ---- */

enum outcome { OUTCOME_ACCEPTED, OUTCOME_REJECTED, OUTCOME_IGNORED };

struct message_record {
	int64_t		 id;
	int64_t		 at;
	char		*message_id;	/* Message-ID, or sha256:HEX of the bytes */
	char		*sender;
	int64_t		 link;		/* 0: none */
	int64_t		 draft;		/* 0: none */
	enum outcome	 outcome;
	char		*reason;	/* fixed code, see SPEC; NULL when accepted */
	char		*detail;	/* free text, never a secret value */
	char		*fields;	/* merged keys, comma separated */
	char		*quarantine;	/* file name in quarantine/, or NULL */
};

const char *outcome_name(enum outcome);
int	 message_record(struct store *, const struct message_record *, int64_t *id, char **errstr);
/* Was a message with this id already accepted? */
int	 message_accepted(struct store *, const char *message_id, bool *yes, char **errstr);
int	 message_list(struct store *, int limit, struct message_record **, size_t *n, char **errstr);
int	 message_get(struct store *, int64_t id, struct message_record **, char **errstr);
/* Quarantined messages: the newest record per quarantine file still kept. */
int	 quarantine_list(struct store *, struct message_record **, size_t *n, char **errstr);
int	 quarantine_forget(struct store *, const char *file, char **errstr);
int	 quarantine_held(struct store *, const char *file, bool *yes, char **errstr);
void	 message_records_free(struct message_record **, size_t);
/* Count replies sent to a sender (NULL: to anyone) since a time. */
int	 reply_count(struct store *, const char *sender, int64_t since, int64_t *n, char **errstr);
int	 reply_note(struct store *, const char *sender, int64_t at, char **errstr);

/* ---- Outgoing mail queued in a transaction (outmail.c) ---- */

struct outmail {
	int64_t		 id;
	char		*message_id;
	char		*envelope_from;
	char		*rcpt;
	char		*data;
	size_t		 len;
};

/* Queue inside the caller's transaction; sent after the commit. */
int	 outmail_queue(struct store *, const char *message_id, const char *env_from,
	     const char *rcpt, const char *data, size_t len, char **errstr);
int	 outmail_pending(struct store *, struct outmail **, size_t *n, char **errstr);
int	 outmail_done(struct store *, int64_t id, char **errstr);
int	 outmail_done_all(struct store *, const int64_t *ids, size_t n,
	     char **errstr);
void	 outmail_free(struct outmail **, size_t);

/* ---- Mail kept as rows on a shared store (kept.c) ----
 * A home's SQLite store keeps quarantined mail and mail waiting to be
 * sent in its Maildirs (quarantine/, outbox/), which mail tools read and
 * which hold a message even when the database is what failed; a shared
 * store keeps both as rows, so that every host sees them. */

/* Are quarantined and outgoing mail rows in this store (PostgreSQL)? */
bool	 store_keeps_mail(const struct store *);
/* A quarantined message, sealed by the caller, under its file-like name;
 * in the caller's transaction when one is open. */
int	 kept_add(struct store *, const char *name, int64_t at,
	     const void *data, size_t len, char **errstr);
/* EX_NOINPUT when no such message is kept. */
int	 kept_get(struct store *, const char *name, char **data, size_t *len,
	     char **errstr);
int	 kept_remove(struct store *, const char *name, char **errstr);
/* Remove what was kept before old (its log entries forget it) and what
 * no log entry names, kept before orphan. */
int	 kept_sweep(struct store *, int64_t old, int64_t orphan,
	     char **errstr);

struct outrow {
	int64_t		 id;
	char		*name;		/* as outbox list shows it */
	int64_t		 at;
	char		*message_id;	/* or NULL */
	char		*data;		/* as the Maildir file would hold it */
	size_t		 len;
	char		*claim;		/* "host:pid" sending it, or NULL */
	int64_t		 claimed;
};

enum outrow_end { OUTROW_SENT, OUTROW_FAILED, OUTROW_RELEASE };

int	 outrow_add(struct store *, const char *name, int64_t at,
	     const char *message_id, const char *data, size_t len,
	     char **errstr);
/* Waiting (failed false) or refused for good, oldest first. */
int	 outrow_list(struct store *, bool failed, struct outrow **, size_t *n,
	     char **errstr);
int	 outrow_count(struct store *, size_t *n, char **errstr);
/*
 * Take a waiting row for owner before sending it: won when nobody holds
 * it, its claim is older than stale, or its holder is dead (a claim
 * known to be gone; may be NULL).
 */
int	 outrow_claim(struct store *, int64_t id, const char *owner,
	     const char *dead, int64_t now, int64_t stale, bool *won,
	     char **errstr);
/* What became of a row owner holds: sent (removed), refused for good
 * (set aside), or given back to the queue. */
int	 outrow_end(struct store *, int64_t id, const char *owner,
	     enum outrow_end, char **errstr);
/* Refused rows back in the queue: the one named, or all (name NULL). */
int	 outrow_retry(struct store *, const char *name, size_t *moved,
	     char **errstr);
/* Remove every row, waiting or refused, with this Message-ID. */
int	 outrow_drop(struct store *, const char *message_id, size_t *dropped,
	     char **errstr);
void	 outrows_free(struct outrow **, size_t);

/* ---- Webhook events, queued in the transaction that causes them
 * (event.c) ---- */

struct event {
	int64_t		 id;		/* order of delivery */
	char		*uid;		/* the event's "id" in JSON: unique
					   across homes */
	char		*type;		/* "merged", "link_created", ... */
	int64_t		 at;
	int64_t		 draft;		/* 0: none */
	int64_t		 link;		/* 0: none */
	char		*fields;	/* keys, comma separated, or NULL */
	char		*detail;	/* a reason code or NULL; never a value */
	int		 attempts;
	int64_t		 next_at;	/* not before this time */
	int64_t		 delivered;	/* 0: not yet */
	char		*last_error;
};

/*
 * Queue events only when a webhook wants them (the config's webhook_url):
 * until this is called with true, event_add() does nothing.
 */
void	 store_events_enable(struct store *, bool);
/* Inside the caller's transaction when one is open, else its own. */
int	 event_add(struct store *, const char *type, int64_t draft, int64_t link,
	     const char *const *keys, size_t nkeys, const char *detail,
	     char **errstr);
/* Undelivered events, oldest first (limit 0: all). */
int	 event_pending(struct store *, int limit, struct event **, size_t *n,
	     char **errstr);
int	 event_delivered(struct store *, int64_t id, char **errstr);
/* A failed attempt: count it, say why, try again at next_at. */
int	 event_retry(struct store *, int64_t id, int64_t next_at,
	     const char *error, char **errstr);
void	 events_free(struct event **, size_t);

/* ---- Audit log: never a secret value (audit.c) ---- */

int	 audit_add(struct store *, const char *actor, const char *action,
	     int64_t draft, int64_t link, const char *detail, char **errstr);

struct audit_entry {
	int64_t		 id;
	int64_t		 at;
	char		*actor;		/* who: an address */
	char		*action;	/* "draft set", "link renew", ... */
	int64_t		 draft;		/* 0: none */
	int64_t		 link;		/* 0: none */
	char		*detail;	/* keys, an address, a format: no value */
};

/* Newest first; limit 0: all; draft 0: every draft. */
int	 audit_list(struct store *, int limit, int64_t draft,
	     struct audit_entry **, size_t *n, char **errstr);
void	 audit_entries_free(struct audit_entry **, size_t);

#endif
