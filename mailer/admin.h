/* admin.h: what an admin does, written once for the command line and the
 * interface alike (admin.c): make the home, start a draft, set its
 * values, delete it.  Sharing a link is share_link in mailer/send.
 * Called by cmd/ and tui/; calls mailer/'s rooms, store/, catalog/, util/. */
#ifndef SETUPLINK_ADMIN_H
#define SETUPLINK_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailer/session.h"

/* ---- The home ---- */

struct home_params {
	const char	*workspace;
	const char	*admin;		/* "Name <address>" */
	const char	*intake;	/* the intake address, without '+' */
	const char	*transport;	/* NULL: maildir */
	bool		 force;		/* replace an existing home's database,
					   key, mail and configuration */
	const char	*database;	/* postgresql:// URI: the first home
					   of a new shared store; NULL */
};

/* What init --join found in the shared store and needs copied. */
struct home_join_info {
	char		*workspace;
	char		*first_host;	/* where the first home lives */
	char		*first_home;
};

/*
 * Make s->home a home: its directory (0700), the configuration, the
 * database, the outbox and quarantine Maildirs and the workspace's
 * OpenPGP key for the intake address, without a passphrase so that the
 * intake runs unattended.  Bad values are EX_USAGE (EX_DATAERR for the
 * workspace name) before anything is touched; a home that existed is
 * EX_USAGE without force.  A fresh home that fails half-way is removed.
 * *fpr gets the new key's fingerprint.  Opens nothing in s.
 */
int	 home_create(struct session *, const struct home_params *, char **fpr,
	     char **errstr);
/*
 * Make s->home a home for an existing shared store (init --join): the
 * configuration from what the store keeps of the workspace, the Maildirs,
 * and no keys: those are the first home's (the workspace's OpenPGP key,
 * the vault and token keys), to be copied.  EX_CONFIG when the URI holds
 * no store, EX_USAGE when the home exists.
 */
int	 home_join(struct session *, const char *uri, bool force,
	     struct home_join_info *, char **errstr);
void	 home_join_info_free(struct home_join_info *);

/* ---- Drafts ---- */

/* A value for a field as the admin gave it, before validation. */
struct value_input {
	const char	*key;
	const char	*raw;		/* may hold NULs (a file's bytes) */
	size_t		 len;
	const char	*error;		/* the caller could not read it: why */
	bool		 bad;		/* out: refused */
	bool		 cleared;	/* out: empty once made canonical */
};

/* The most bytes worth reading for a file field (one more than allowed,
 * so that a value too large is seen as such). */
size_t	 value_read_limit(const struct session *, const struct field_def *);
/* A draft name is one line of at most 200 characters: EX_DATAERR. */
int	 draft_name_check(const char *name, char **errstr);
/*
 * Start a draft of connector c, its defaults set, then the values in in
 * (those equal to a default need no second write), all in one
 * transaction.  Every value is validated first: when the name or any
 * value is bad nothing is made, EX_DATAERR, *errstr lists each problem
 * ("; "), and in[i].bad marks the bad values.
 */
int	 draft_new(struct session *, const struct connector *, const char *name,
	     struct value_input *in, size_t n, int64_t *id, char **errstr);
/*
 * Validate and write the values as the admin's, all or none.  A bad
 * value (or one with error set, or a key c lacks) is EX_DATAERR with
 * every problem in *errstr ("; ") and in[i].bad set; nothing is written.
 */
int	 draft_set_values(struct session *, int64_t draft,
	     const struct connector *c, struct value_input *in, size_t n,
	     char **errstr);
/* ---- Links ---- */

/*
 * Revoke a link (store's link_revoke: 65 naming its state when it is
 * not pending, 66 when there is none) and remove its setup email from
 * outbox/ if it still waits there, so that no flush sends it later.
 */
int	 link_withdraw(struct session *, int64_t link, const char *by,
	     char **errstr);

/*
 * Remove a draft: its pending links revoked (their queued setup emails
 * removed from outbox/), its values wiped (the audit
 * entry stays), and the mail of it kept in quarantine forgotten and then
 * deleted.  EX_NOINPUT when there is no such draft.
 */
int	 draft_delete(struct session *, int64_t draft, char **errstr);
/*
 * A draft with its secret values opened: what draft export, draft test,
 * draft show --reveal and the interface's reveal hand on.  The vault may
 * ask for its passphrase (SETUPLINK_VAULT_PASSPHRASE_FILE, else the
 * session's question); a wrong one, or none to be had, is EX_NOPERM and
 * no draft.  EX_NOINPUT when there is no such draft.
 */
/* The draft's connector (EX_CONFIG when it left the catalog) and the auth
 * method its values chose, or NULL. */
int	 draft_connector(const struct session *, const struct draft *,
	     const struct connector **, const char **method, char **);
int	 draft_get_revealed(struct session *, int64_t draft, struct draft **,
	     char **errstr);

/* ---- Testing credentials (admin-test.c) ---- */

struct probe_result;
/*
 * Run the draft's test with its values (secrets opened as draft export
 * opens them), bounded by test_timeout and test_networks, and keep the
 * result on the draft (audited as actor's, with the webhook's event).
 * A draft that is not complete gets a result of EX_DATAERR naming what
 * is missing, without trying.  0 when res holds a result.
 */
int	 admin_test_draft(struct session *, int64_t draft, const char *actor,
	     struct probe_result *res, char **errstr);
/*
 * The intake's worker after a merge of link (draft test --merged): a
 * draft that is complete is tested; the admin gets a note when
 * notify_admin is set; a refusal that points at fields the link's
 * recipient sent gets them one follow-up (within the reply limits) and,
 * with renew_on_failed_test, a fresh link for just those fields.  An
 * incomplete draft is left alone (res->nchecks is 0).
 */
int	 admin_test_merged(struct session *, int64_t draft, int64_t link,
	     struct probe_result *res, char **errstr);

#endif
