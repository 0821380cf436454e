/* session.c: opening a home for the commands and the interface alike:
 * its configuration (the transport checked by mailer/send), the store
 * and the catalog, each only when asked for. */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/session.h"
#include "mailer/send/send.h"

void
session_init(struct session *s, const char *home_opt)
{
	memset(s, 0, sizeof *s);
	s->home_opt = home_opt;
	home_resolve(home_opt, &s->home);
	/* util/ cannot know the transports: mailer/send checks a spec. */
	config_check_transport(transport_check);
}

/* Quarantined mail an older setuplink kept in the clear. */
static int
seal_quarantine(void *arg, char **errstr)
{
	struct session *s = arg;
	const char *subs[] = { "new", "cur" };
	struct stat sb;
	char **names, *path;
	size_t i, j, n;
	int rv = 0;

	for (i = 0; i < nitems(subs) && rv == 0; i++) {
		names = NULL;
		n = 0;
		maildir_list(s->home.quarantine, subs[i], &names, &n);
		for (j = 0; j < n && rv == 0; j++) {
			path = xprintf("%s/%s/%s", s->home.quarantine, subs[i],
			    names[j]);
			/* Only messages: nothing else belongs there. */
			if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
				rv = vault_seal_file(s->vault, path, errstr);
			free(path);
		}
		strv_free(&names, n);
	}
	return rv;
}

/* The home's SQLite file, or the shared store the configuration names. */
int
session_store_target(const struct session *s, const char **target,
    char **errstr)
{
	const char *db = s->cfg.database;

	*target = s->home.db;
	if (db == NULL || *db == '\0')
		return 0;
	if (!store_is_shared(db))
		return errorf(errstr, EX_CONFIG, "%s: database must be a "
		    "postgresql:// URI, or empty for the home's own SQLite "
		    "database", s->home.config);
	*target = db;
	return 0;
}

int
session_open(struct session *s, int flags, char **errstr)
{
	const char *target;
	int rv;

	/* A required key is set once the configuration is loaded. */
	if ((flags & (SESSION_HOME | SESSION_STORE)) &&
	    s->cfg.workspace == NULL) {
		if (!home_exists(&s->home))
			return errorf(errstr, EX_CONFIG, "there is no "
			    "setuplink home at %s: run setuplink init first "
			    "(or give --home DIR)", s->home.dir);
		config_free(&s->cfg);
		if ((rv = config_load(s->home.config, &s->cfg, errstr)) != 0)
			return rv;
	}
	if ((flags & SESSION_CATALOG) && s->cat == NULL &&
	    (rv = ((flags & SESSION_LAZYCAT) ? catalog_load_lazy :
	    catalog_load)(s->home.connectors, &s->cat, errstr)) != 0)
		return rv;
	if ((flags & SESSION_STORE) && s->st == NULL) {
		struct store_seal seal = { NULL, NULL, seal_quarantine, s };
		bool shared = s->cfg.database != NULL &&
		    *s->cfg.database != '\0';
		/* Secrets are sealed as they are written: the vault and the
		 * catalog (which fields are secret) come with the store. */
		/* A home on a shared store never makes its own vault key:
		 * it must hold the first home's (init --join says so). */
		if (s->vault == NULL && shared && access(s->home.dir,
		    F_OK) == 0 && vault_load(s->home.dir, false, &s->vault,
		    NULL) != 0)
			return errorf(errstr, EX_CONFIG, "%s has no vault key: "
			    "copy vault.pub and vault.key (and gnupg/, "
			    "token.key) from the first home of the shared "
			    "store, as setuplink init --join said", s->home.dir);
		if ((s->vault == NULL && (rv = vault_load(s->home.dir,
		    !shared, &s->vault, errstr)) != 0) || (s->cat == NULL &&
		    (rv = catalog_load(s->home.connectors, &s->cat,
		    errstr)) != 0))
			return rv;
		seal.vault = s->vault;
		seal.cat = s->cat;
		if ((rv = session_store_target(s, &target, errstr)) != 0)
			return rv;
		if ((rv = store_open_sealed(target, (flags &
		    SESSION_DURABLE) ? STORE_DURABLE : 0,
		    (int)s->cfg.db_timeout, &seal, &s->st, errstr)) != 0)
			return rv;
	}
	/* On a shared store, the outbox is rows every host sends. */
	if (s->st != NULL)
		outbox_use_store(s->st, &s->home);
	/* Events are queued only where a webhook will read them. */
	if (s->st != NULL)
		store_events_enable(s->st, s->cfg.webhook_url != NULL &&
		    *s->cfg.webhook_url != '\0');
	return 0;
}

void
session_close(struct session *s)
{
	if (s->st != NULL)
		outbox_use_store(NULL, NULL);
	store_close(&s->st);
	vault_free(&s->vault);
	catalog_free(&s->cat);
	config_free(&s->cfg);
	home_free(&s->home);
}
