/* loop.c: mail that no person wrote (auto-replies, list traffic, bounces,
 * our own messages coming back) is ignored and never answered, so that
 * the intake can never take part in a mail loop (RFC 3834). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "util/config.h"
#include "mailer/intake/private.h"

/* The first word of a header value (before ';' or blanks), lowercased. */
static char *
loop_keyword(const char *v)
{
	char *s, *t;

	s = xstrdup(v);
	t = str_trim(s);
	t[strcspn(t, "; \t\r\n(")] = '\0';
	memmove(s, t, strlen(t) + 1);
	return str_lower(s);
}

/* Is addr's local part MAILER-DAEMON (any case)? */
static bool
loop_mailer_daemon(const char *addr)
{
	const char *p;

	if (addr == NULL)
		return false;
	if ((p = strrchr(addr, '<')) != NULL)
		addr = p + 1;
	while (isspace((unsigned char)*addr))
		addr++;
	return strncasecmp(addr, "mailer-daemon", 13) == 0 &&
	    (addr[13] == '@' || addr[13] == '\0' || addr[13] == '>');
}

/*
 * Decide from the header fields alone whether a message comes from a
 * machine.  Returns true and sets *reason ("loop" or "auto_reply") and
 * *detail (a sentence for the log) when it does.  Delivery reports
 * (multipart/report) are the caller's: they may mark a link bounced.
 */
bool
loop_check(const struct config *cfg, const struct mail *m,
    const char **reason, char **detail)
{
	char *kw = NULL;
	bool yes = true;

	*reason = "auto_reply";
	*detail = NULL;
	if (m->ours || token_is_intake(cfg, m->from_addr)) {
		*reason = "loop";
		*detail = xstrdup("the message is one of setuplink's own");
		return true;
	}
	if (m->auto_submitted != NULL &&
	    strcmp((kw = loop_keyword(m->auto_submitted)), "no") != 0 &&
	    *kw != '\0') {
		*detail = xprintf("Auto-Submitted: %s", kw);
		goto out;
	}
	freep(&kw);
	if (m->precedence != NULL) {
		kw = loop_keyword(m->precedence);
		if (strcmp(kw, "bulk") == 0 || strcmp(kw, "junk") == 0 ||
		    strcmp(kw, "list") == 0) {
			*detail = xprintf("Precedence: %s", kw);
			goto out;
		}
		freep(&kw);
	}
	if (m->list_id) {
		*detail = xstrdup("mailing-list traffic (List-Id)");
		goto out;
	}
	if (m->x_autoreply) {
		*detail = xstrdup("an automatic reply (X-Autoreply)");
		goto out;
	}
	if (m->return_path_empty) {
		*detail = xstrdup("the return path is empty (<>): a bounce or "
		    "an automatic reply");
		goto out;
	}
	if (loop_mailer_daemon(m->from_addr) ||
	    loop_mailer_daemon(m->return_path) ||
	    loop_mailer_daemon(m->envelope_from)) {
		*detail = xstrdup("sent by MAILER-DAEMON");
		goto out;
	}
	yes = false;
out:
	free(kw);
	return yes;
}

/* Is the message a delivery report (RFC 3462/6522 multipart/report)? */
bool
loop_is_report(const struct mail *m)
{
	return m->is_report || (m->content_type != NULL &&
	    strcmp(m->content_type, "multipart/report") == 0);
}

/* Does a delivery report say that delivery failed for good? */
bool
loop_dsn_failed(const struct mail *m)
{
	char *kw;
	bool yes;

	if (m->dsn_action == NULL)
		return false;
	kw = loop_keyword(m->dsn_action);
	yes = strcmp(kw, "failed") == 0;
	free(kw);
	return yes;
}
