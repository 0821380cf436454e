/* session.c: opening a home for the commands and the interface alike:
 * its configuration (the transport checked by mailer/send), the store
 * and the catalog, each only when asked for. */
#include <string.h>

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

int
session_open(struct session *s, int flags, char **errstr)
{
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
	    (rv = catalog_load(s->home.connectors, &s->cat, errstr)) != 0)
		return rv;
	if ((flags & SESSION_STORE) && s->st == NULL &&
	    (rv = store_open(s->home.db, (flags & SESSION_DURABLE) ?
	    STORE_DURABLE : 0, (int)s->cfg.db_timeout, &s->st,
	    errstr)) != 0)
		return rv;
	/* Events are queued only where a webhook will read them. */
	if (s->st != NULL)
		store_events_enable(s->st, s->cfg.webhook_url != NULL &&
		    *s->cfg.webhook_url != '\0');
	return 0;
}

void
session_close(struct session *s)
{
	store_close(&s->st);
	catalog_free(&s->cat);
	config_free(&s->cfg);
	home_free(&s->home);
}
