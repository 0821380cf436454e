/* signin-mail.c: what an OAuth sign-in by email tells the recipient, in
 * the thread of their reply: the address and the code to sign in with
 * and until when, or why it ended without a token (denied, expired, the
 * provider failing).  Never a token: the device code and what the
 * provider issues stay in the store.  Automatic replies (RFC 3834). */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/private.h"

static const char *
signin_mail_kind(enum signin_mail_kind k)
{
	switch (k) {
	case SIGNIN_MAIL_CODE:
		return "oauth-code";
	case SIGNIN_MAIL_DENIED:
		return "oauth-denied";
	case SIGNIN_MAIL_EXPIRED:
		return "oauth-expired";
	case SIGNIN_MAIL_FAILED:
		break;
	}
	return "oauth-failed";
}

static void
signin_mail_again(const struct signin_mail *sm, struct buf *b)
{
	writer_para(b, "Your setup link is still open: reply to your earlier "
	    "message again with %s: %s to start a new sign-in, or send the "
	    "values by hand.", sm->method_field, sm->method);
}

int
signin_mail_compose(const struct signin_mail *sm, struct reply_mail *out,
    char **errstr)
{
	const struct config *cfg = sm->cfg;
	char *name, *subject, *until, *seed, *hash;
	const char *kind = signin_mail_kind(sm->kind);
	struct buf b;
	int rv;

	memset(out, 0, sizeof *out);
	buf_init(&b);
	name = str_safe(sm->draft_name != NULL ? sm->draft_name : "");
	until = time_local(sm->expires);
	switch (sm->kind) {
	case SIGNIN_MAIL_CODE:
		writer_para(&b, "To let the %s workspace connect to %s for "
		    "\"%s\", sign in with %s in any browser:", cfg->workspace,
		    sm->connector, name, sm->connector);
		buf_printf(&b, "\n  1. Open %s\n", sm->verify_uri);
		buf_printf(&b, "  2. Enter the code: %s\n\n", sm->user_code);
		if (sm->verify_uri_complete != NULL)
			writer_para(&b, "Or open this address, which carries "
			    "the code already: %s", sm->verify_uri_complete);
		buf_adds(&b, "\n");
		writer_para(&b, "The code works until %s. Once you approve, "
		    "you get a receipt by email; nobody at %s sees your "
		    "password, and no token travels by email.", until,
		    cfg->workspace);
		subject = xprintf("Sign in to %s: code %s", sm->connector,
		    sm->user_code);
		break;
	case SIGNIN_MAIL_DENIED:
		writer_para(&b, "The sign-in with %s for \"%s\" was declined, "
		    "so nothing was stored.", sm->connector, name);
		buf_adds(&b, "\n");
		signin_mail_again(sm, &b);
		subject = xprintf("Sign-in declined: %s setup for \"%s\"",
		    sm->connector, name);
		break;
	case SIGNIN_MAIL_EXPIRED:
		writer_para(&b, "The sign-in code for %s (\"%s\") expired "
		    "before it was used, so nothing was stored.",
		    sm->connector, name);
		buf_adds(&b, "\n");
		signin_mail_again(sm, &b);
		subject = xprintf("Sign-in code expired: %s setup for \"%s\"",
		    sm->connector, name);
		break;
	default:
		writer_para(&b, "The sign-in with %s for \"%s\" could not go "
		    "on: %s. Nothing was stored.", sm->connector, name,
		    sm->why != NULL ? sm->why : "the provider did not answer");
		buf_adds(&b, "\n");
		signin_mail_again(sm, &b);
		subject = xprintf("Sign-in failed: %s setup for \"%s\"",
		    sm->connector, name);
		break;
	}
	buf_adds(&b, "\n");
	writer_para(&b, "Questions? Write to %s; replying to this message "
	    "reaches them.", cfg->admin_email);
	buf_printf(&b, "\nsetuplink, for the %s workspace\n", cfg->workspace);

	seed = xprintf("%s\n%lld\n%s", kind, (long long)sm->signin, sm->seed);
	hash = sha256_hex(seed, strlen(seed));
	hash[32] = '\0';
	out->message_id = xprintf("%s.%s.setuplink@%s", kind, hash,
	    cfg->intake_domain);
	out->rcpt = xstrdup(sm->rcpt);
	rv = reply_write(cfg, sm->now, sm->in_reply_to, false, kind, sm->rcpt,
	    subject, b.data, out, errstr);
	free(seed);
	free(hash);
	free(subject);
	free(until);
	free(name);
	buf_free(&b);
	return rv;
}
