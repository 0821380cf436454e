/* followup.c: what a credentials test tells people after a merge: the
 * recipient, when the service refused a value they sent (which field,
 * what kind of failure, never the server's words, and a fresh link when
 * one was made), and the admin's note.  Automatic replies (RFC 3834) in
 * the setup email's thread, written by the one MIME writer. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/private.h"

/* The kind of failure in words a recipient can act on. */
static const char *
followup_kind(const char *failure)
{
	static const struct { const char *k, *words; } v[] = {
		{ "login", "the service refused the login with these values" },
		{ "resolve", "the host name does not resolve" },
		{ "network", "the host is an address we may not connect to "
		    "(loopback or an internal network)" },
		{ "tls", "the server's certificate did not verify with these "
		    "values" },
		{ "host_key", "the server's host key is not the one given" },
		{ "passphrase", "the passphrase does not open the key" },
		{ "file", "the file could not be used (it does not parse, or "
		    "it has expired)" },
		{ "pair", "the key and the certificate do not belong together" },
		{ "request", "the service did not accept the request" },
		{ "schema", "the user may not use the schema" },
	};
	size_t i;

	for (i = 0; failure != NULL && i < nitems(v); i++) {
		if (strcmp(v[i].k, failure) == 0)
			return v[i].words;
	}
	return "the test did not pass";
}

static char *
followup_list(const struct followup *fu)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < fu->nfields; i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : i + 1 == fu->nfields ?
		    " and " : ", ", fu->fields[i]);
	return b.data != NULL ? buf_take(&b) : xstrdup("");
}

static int
followup_build(const struct followup *fu, const char *to, const char *subject,
    const char *text, struct reply_mail *out, char **errstr)
{
	const struct config *cfg = fu->cfg;
	char *seed, *hash;

	memset(out, 0, sizeof *out);
	seed = xprintf("%s\n%s", fu->to_admin ? "test-note" : "test", fu->seed);
	hash = sha256_hex(seed, strlen(seed));
	hash[32] = '\0';
	out->message_id = xprintf("%s.%s.setuplink@%s", fu->to_admin ?
	    "testnote" : "test", hash, cfg->intake_domain);
	out->rcpt = xstrdup(to);
	free(seed);
	free(hash);
	return reply_write(cfg, fu->now, fu->in_reply_to, fu->to_admin,
	    fu->to_admin ? "test-note" : "test", to, subject, text, out,
	    errstr);
}

static void
followup_recipient_text(const struct followup *fu, struct buf *b,
    const char *name, const char *fields)
{
	writer_para(b, "Thank you for your reply to setup link %lld for the "
	    "draft \"%s\" (%s) in the %s workspace. We tried the values "
	    "against the service, and it did not work: %s.", (long long)
	    fu->link, name, fu->connector, fu->cfg->workspace,
	    followup_kind(fu->failure));
	buf_adds(b, "\n");
	writer_para(b, "Please check: %s.", fields);
	buf_adds(b, "\n");
	if (fu->renew_address != NULL)
		writer_para(b, "A fresh setup link for just %s (setup link %lld) "
		    "comes in a separate email; or write the corrected values "
		    "to %s.", fields, (long long)fu->renew_link,
		    fu->renew_address);
	else
		writer_para(b, "%s will be in touch about how to send them "
		    "again.", fu->cfg->admin_name && *fu->cfg->admin_name ?
		    fu->cfg->admin_name : fu->cfg->admin_email);
	buf_adds(b, "\n");
	writer_para(b, "Questions? Write to %s; replying to this message "
	    "reaches them.", fu->cfg->admin_email);
	buf_printf(b, "\nsetuplink, for the %s workspace\n", fu->cfg->workspace);
}

int
followup_compose(const struct followup *fu, struct reply_mail *out,
    char **errstr)
{
	char *name, *fields, *subject;
	struct buf b;
	int rv;

	buf_init(&b);
	name = str_safe(fu->draft_name ? fu->draft_name : "");
	fields = followup_list(fu);
	if (fu->to_admin) {
		if (fu->passed)
			writer_para(&b, "The credentials of draft %lld \"%s\" "
			    "(%s) passed their test after a merge.",
			    (long long)fu->draft, name, fu->connector);
		else
			writer_para(&b, "The credentials of draft %lld \"%s\" "
			    "(%s) failed their test after a merge: %s%s%s.",
			    (long long)fu->draft, name, fu->connector,
			    followup_kind(fu->failure), fu->nfields ?
			    "; check " : "", fields);
		writer_para(&b, "See: setuplink draft show %lld",
		    (long long)fu->draft);
		subject = xprintf("Test %s: %s setup for \"%s\"", fu->passed ?
		    "passed" : "failed", fu->connector, name);
		rv = followup_build(fu, fu->cfg->admin_email, subject, b.data,
		    out, errstr);
	} else {
		followup_recipient_text(fu, &b, name, fields);
		subject = xprintf("Please check %s: %s setup for \"%s\"",
		    fields, fu->connector, name);
		rv = followup_build(fu, fu->rcpt, subject, b.data, out, errstr);
	}
	free(subject);
	free(fields);
	free(name);
	buf_free(&b);
	return rv;
}
