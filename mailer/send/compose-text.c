/* compose-text.c: the setup email as its recipient reads it: who asks for
 * what until when, how to protect the answer and check the key, the form. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/private.h"

/* A paragraph of prose and the blank line that ends it. */
static void
compose_para(struct buf *b, const char *fmt, ...) PRINTFLIKE(2, 3);

static void
compose_para(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	writer_vpara(b, fmt, ap);
	va_end(ap);
	buf_addc(b, '\n');
}

/* 40 hex digits as gpg shows them: ten groups of four, two halves. */
static char *
compose_fpr_groups(const char *fpr)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; fpr != NULL && fpr[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			buf_adds(&b, i == 20 ? "  " : " ");
		buf_addc(&b, fpr[i] >= 'a' && fpr[i] <= 'f' ?
		    (char)(fpr[i] - 32) : fpr[i]);
	}
	return buf_take(&b);
}

const char *
compose_asker(const struct config *cfg)
{
	return cfg->admin_name != NULL && *cfg->admin_name != '\0' ?
	    cfg->admin_name : cfg->admin_email;
}

char *
compose_subject(const struct setup_mail *sm)
{
	return xprintf("%s%s asks for %s settings: %s", sm->reminder ?
	    "Reminder: " : "", sm->cfg->workspace, sm->conn->name,
	    sm->draft->name);
}

char *
compose_form(const struct setup_mail *sm)
{
	char *ref = link_ref(sm->link), *form;

	form = form_render(ref, sm->conn,
	    (const char *const *)sm->link->fields, sm->prefill,
	    sm->link->nfields);
	free(ref);
	return form;
}

/*
 * The attached key's file name, the workspace in safe characters: the
 * text names it, so the recipient finds the file it speaks of.
 */
char *
compose_key_filename(const struct config *cfg)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	for (p = cfg->workspace; *p != '\0' && b.len < 32; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf_addc(&b, c);
		else if (b.len > 0 && b.data[b.len - 1] != '-')
			buf_addc(&b, '-');
	}
	while (b.len > 0 && b.data[b.len - 1] == '-')
		b.data[--b.len] = '\0';
	buf_adds(&b, b.len > 0 ? "-key.asc" : "workspace-key.asc");
	return buf_take(&b);
}

/*
 * "a" or "an" before a name, by its sound: a vowel letter, or an acronym
 * whose first letter is said with a vowel ("an SFTP", "an HTTP", but "a
 * MySQL", "a HubSpot").
 */
static const char *
compose_article(const char *name)
{
	char c = name[0], n = name[0] != '\0' ? name[1] : '\0';

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 32);
	if (strchr("AEIO", c) != NULL && c != '\0')
		return "an";
	if (((n >= 'A' && n <= 'Z') || (n >= '0' && n <= '9')) &&
	    strchr("FHLMNRSX", c) != NULL && c != '\0')
		return "an";
	return "a";
}

/* What the intake will accept, said before the form. */
static void
compose_require(struct buf *b, const struct setup_mail *sm)
{
	const struct link *l = sm->link;
	char *sfpr;

	switch (l->require) {
	case REQUIRE_SIGNED:
	case REQUIRE_SIGNED_ENCRYPTED:
		if (l->signer != NULL) {
			sfpr = compose_fpr_groups(l->signer);
			compose_para(b, "This request accepts only a reply "
			    "signed with your OpenPGP key, the one with this "
			    "fingerprint:");
			buf_printf(b, "    %s\n\n", sfpr);
			free(sfpr);
		} else
			compose_para(b, "This request accepts only a reply "
			    "signed with your OpenPGP key, one that %s has on "
			    "file.", compose_asker(sm->cfg));
		if (l->require == REQUIRE_SIGNED_ENCRYPTED)
			compose_para(b, "The reply must also be encrypted to "
			    "the attached key.");
		break;
	case REQUIRE_ENCRYPTED:
		compose_para(b, "This request accepts only a reply encrypted "
		    "to the attached key.");
		break;
	default:
		compose_para(b, "A plain reply is accepted, but an encrypted "
		    "one keeps your credentials out of every mailbox and "
		    "server it passes.");
		break;
	}
}

/* Who asks, for what, until when, and the admin's note. */
static void
compose_intro(struct buf *b, const struct setup_mail *sm)
{
	const struct config *cfg = sm->cfg;
	const struct link *l = sm->link;
	char *until = time_local(l->expires);

	if (sm->reminder)
		compose_para(b, "Reminder: this request has not been answered "
		    "yet, and it ends on %s.", until);
	buf_adds(b, "Hello,\n\n");
	compose_para(b, "%s <%s> asks you, for the workspace \"%s\", for the "
	    "connection settings of %s %s data source, \"%s\".",
	    compose_asker(cfg), cfg->admin_email, cfg->workspace,
	    compose_article(sm->conn->name), sm->conn->name, sm->draft->name);
	compose_para(b, "This request works until %s. After that, ask %s for "
	    "a new one.", until, compose_asker(cfg));
	if (l->note != NULL && *l->note != '\0') {
		compose_para(b, "%s adds:", compose_asker(cfg));
		writer_wrap(b, l->note, "    ");
		buf_addc(b, '\n');
	}
	free(until);
}

/*
 * Where the link asks for the method and the token of a connector that
 * signs in by OAuth, the one sentence that saves the recipient minting a
 * token by hand.
 */
static void
compose_oauth(struct buf *b, const struct setup_mail *sm)
{
	const struct oauth_def *o = sm->conn->oauth;
	const struct link *l = sm->link;
	bool method = false, token = false;
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < l->nfields; i++) {
		method |= strcmp(l->fields[i], sm->conn->method_field) == 0;
		token |= strcmp(l->fields[i], o->token_field) == 0;
	}
	if (method && token)
		compose_para(b, "Rather than making a token by hand, you can "
		    "sign in with %s in your browser: reply with `%s: %s` "
		    "and we will send you a sign-in code.", sm->conn->name,
		    sm->conn->method_field, o->method);
}

/*
 * The signature, said plainly: a mail program that does not know the key
 * yet warns that it "could NOT be verified", which reads like phishing
 * unless the email says what it means and how to check the key.
 */
static void
compose_check(struct buf *b, const struct setup_mail *sm, const char *fpr,
    const char *keyfile)
{
	const char *asker = compose_asker(sm->cfg);

	compose_para(b, "This email is signed with that key. Until you have "
	    "checked the key, your mail program may say the signature "
	    "\"could not be verified\": that means only that it does not "
	    "know the key yet, not that the email was changed.");
	compose_para(b, "Check the key's fingerprint with %s by another "
	    "channel than email (a call, a chat, in person):", asker);
	buf_printf(b, "    %s\n\n", fpr);
	compose_para(b, "If it matches, you can import the key and mark it as "
	    "checked, so that your mail program (mutt, for one) trusts it "
	    "from then on:");
	buf_printf(b, "    gpg --import %s\n    gpg --quick-lsign-key %s\n\n",
	    keyfile, sm->key_fpr != NULL ? sm->key_fpr : "FINGERPRINT");
}

/*
 * The text part as the recipient reads it (UTF-8, LF line ends): who asks,
 * for what, until when, how to protect the answer and how to check the
 * key, then the form.  The prose is wrapped here; names that people typed
 * are shown as typed.
 */
char *
compose_text(const struct setup_mail *sm)
{
	struct buf b;
	char *fpr, *form, *keyfile;

	buf_init(&b);
	fpr = compose_fpr_groups(sm->key_fpr);
	keyfile = compose_key_filename(sm->cfg);
	compose_intro(&b, sm);
	buf_adds(&b, "How to answer\n-------------\n\n");
	compose_para(&b, "Reply to this email and write each value after the "
	    "colon of its line in the form below. Keep the names left of the "
	    "colons as they are. Answer what you know and leave the rest "
	    "empty; a partial answer is welcome.");
	compose_oauth(&b, sm);
	buf_adds(&b, "How to protect your credentials\n"
	    "-------------------------------\n\n");
	compose_para(&b, "Encrypt your reply to the attached key (%s). Some "
	    "mail programs do so by themselves; with others, import the key "
	    "and encrypt to it. Reply from the address this email was sent "
	    "to.", keyfile);
	compose_check(&b, sm, fpr, keyfile);
	compose_require(&b, sm);
	form = compose_form(sm);
	buf_adds(&b, form);
	if (b.len > 0 && b.data[b.len - 1] != '\n')
		buf_addc(&b, '\n');
	buf_addc(&b, '\n');
	writer_para(&b, "If you did not expect this email, do not answer it, "
	    "and tell the person named above.");
	free(form);
	free(keyfile);
	free(fpr);
	return buf_take(&b);
}
