/* session.h: what every command and the interface work in: the home, its
 * configuration, the store and the catalog, opened as the caller asks.
 * Called by cmd/ and tui/; calls mailer/send/ (the transport check),
 * store/, catalog/ and util/. */
#ifndef SETUPLINK_SESSION_H
#define SETUPLINK_SESSION_H

#include "catalog/catalog.h"
#include "store/store.h"
#include "util/config.h"
#include "util/vault.h"

/* What session_open opens. */
#define SESSION_HOME	0x01	/* an existing home and its configuration */
#define SESSION_STORE	0x02	/* the database (implies SESSION_HOME) */
#define SESSION_CATALOG	0x04	/* the connector catalog */
#define SESSION_DURABLE	0x10	/* the database with synchronous=FULL */
#define SESSION_LAZYCAT	0x20	/* shipped connectors parsed when asked for */
#define SESSION_ALL	(SESSION_HOME | SESSION_STORE | SESSION_CATALOG)

struct session {
	struct home	 home;
	struct config	 cfg;
	struct store	*st;		/* NULL until SESSION_STORE */
	struct catalog	*cat;		/* NULL until SESSION_CATALOG */
	struct vault	*vault;		/* with the store: seals secrets */
	const char	*home_opt;	/* --home as given, or NULL */
};

/* Resolve the home (--home, $SETUPLINK_HOME, the XDG default); opens
 * nothing yet. */
void	 session_init(struct session *, const char *home_opt);
/*
 * Open what flags ask for that is not open yet.  No home is EX_CONFIG,
 * naming the directory and saying to run setuplink init.  The store
 * comes with the vault and the catalog, so that secrets are sealed as
 * they are written; a home made by an older setuplink gets its vault key
 * and has what it kept in the clear sealed, once.
 */
int	 session_open(struct session *, int flags, char **errstr);
void	 session_close(struct session *);
/* Where the store lives: the home's SQLite file, or the configuration's
 * database (a postgresql:// URI); anything else is EX_CONFIG. */
int	 session_store_target(const struct session *, const char **target,
	     char **errstr);

#endif
