/* share.c: sharing a setup link, the one path the command line and the TUI
 * both take: check the request, create the link, compose and send. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/private.h"

#define NOTE_MAX	1000	/* bytes: a note is a line or two, not a letter */

/* A request that passed every check, with what it needs to be sent. */
struct share_plan {
	struct draft		*draft;
	const struct connector	*conn;
	char			**keys;		/* the link's fields, catalog order */
	char			**prefill;	/* per key, NULL: none */
	size_t			 nkeys;
	int64_t			 expires_in;	/* seconds, checked */
	char			*signer;	/* uppercase, or NULL */
	struct crypto		*crypto;	/* NULL while fast serves */
	struct crypto_fast	*fast;
	char			*key_fpr;	/* the workspace key */
};

static void
share_plan_free(struct share_plan *p)
{
	draft_free(&p->draft);
	strv_free(&p->keys, p->nkeys);
	strv_free(&p->prefill, p->nkeys);
	free(p->signer);
	free(p->key_fpr);
	crypto_close(&p->crypto);
	crypto_fast_close(&p->fast);
	memset(p, 0, sizeof *p);
}

/* Valid UTF-8 without C0 or C1 controls: what a header or a note may hold. */
static bool
share_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 :
		    (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return false;
		for (p++, i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
		}
	}
	return true;
}

/*
 * The recipient goes into a header and onto the envelope: a plain ASCII
 * address, nothing that could end a line or pass as an option.
 */
static int
share_check_to(const char *to, char **errstr)
{
	const unsigned char *p;
	char *safe;
	int rv;

	if (to == NULL || *to == '\0')
		return errorf(errstr, EX_USAGE, "a setup link needs a recipient: "
		    "give --to ADDRESS");
	for (p = (const unsigned char *)to; *p != '\0'; p++) {
		if (*p < 0x21 || *p >= 0x7f)
			break;
	}
	if (*p != '\0' || *to == '-' || !address_valid(to)) {
		safe = str_safe(to);
		rv = errorf(errstr, EX_DATAERR, "'%s' is not an email address: "
		    "give one like someone@example.com, without a name, line "
		    "breaks or other control characters", safe);
		free(safe);
		return rv;
	}
	return 0;
}

/*
 * The keys the link may write.  Keys are matched as the catalog does
 * (any case) and kept in the catalog's order, so the form reads the same
 * whoever typed the list.  Every unknown key is named at once.
 */
static int
share_pick_fields(const struct share_request *req, struct share_plan *p,
    char **errstr)
{
	const struct connector *c = p->conn;
	struct buf unknown;
	bool *take = xcalloc(c->nfields + 1, sizeof *take);
	char **missing = NULL;
	size_t nmissing = 0, i, j;
	int rv = 0;

	buf_init(&unknown);
	if (req->missing) {
		draft_complete(c, p->draft, &missing, &nmissing);
		if (nmissing == 0) {
			rv = errorf(errstr, EX_DATAERR, "draft %lld misses no "
			    "required field, so --missing has nothing to ask "
			    "for: name fields with --fields KEY,KEY",
			    (long long)p->draft->id);
			goto out;
		}
		for (i = 0; i < nmissing; i++) {
			for (j = 0; j < c->nfields; j++)
				take[j] = take[j] ||
				    strcmp(c->fields[j].key, missing[i]) == 0;
		}
	} else if (req->fields != NULL) {
		for (i = 0; i < req->nfields; i++) {
			const struct field_def *f = connector_field(c,
			    req->fields[i]);
			if (f == NULL) {
				char *safe = str_safe(req->fields[i]);
				buf_printf(&unknown, "%s%s", unknown.len ? ", " :
				    "", safe);
				free(safe);
				continue;
			}
			take[f - c->fields] = true;
		}
		if (unknown.len > 0) {
			rv = errorf(errstr, EX_USAGE, "%s: not a field of %s; see "
			    "setuplink connector show %s", unknown.data, c->key,
			    c->key);
			goto out;
		}
	} else {
		for (j = 0; j < c->nfields; j++)
			take[j] = true;
	}
	for (j = 0; j < c->nfields; j++) {
		if (!take[j])
			continue;
		p->keys = xreallocarray(p->keys, p->nkeys + 1, sizeof *p->keys);
		p->keys[p->nkeys++] = xstrdup(c->fields[j].key);
	}
	if (p->nkeys == 0)
		rv = errorf(errstr, EX_USAGE, "the link would ask for no field: "
		    "name at least one with --fields KEY,KEY");
out:
	strv_free(&missing, nmissing);
	buf_free(&unknown);
	free(take);
	return rv;
}

/*
 * What the form shows as already known: a non-secret, non-file value on
 * one line.  The same rule as form_render(), so that what is stored with
 * the link is exactly what the form was sent with, and the intake can
 * tell an untouched line from an answer.
 */
static void
share_prefill(struct share_plan *p)
{
	size_t i;

	p->prefill = xcalloc(p->nkeys, sizeof *p->prefill);
	for (i = 0; i < p->nkeys; i++) {
		const struct field_def *f = connector_field(p->conn, p->keys[i]);
		const struct field_value *v = draft_value(p->draft, p->keys[i]);
		if (f == NULL || f->secret || f->type == FT_FILE || v == NULL ||
		    v->value == NULL || v->len == 0 ||
		    strlen(v->value) != v->len || !share_text_ok(v->value))
			continue;
		p->prefill[i] = xstrdup(v->value);
	}
}

static int
share_check_signer(const struct share_request *req, struct share_plan *p,
    char **errstr)
{
	struct key_info *k = NULL;
	int rv;

	if (req->signer == NULL)
		return 0;
	p->signer = xstrdup(req->signer);
	for (char *c = p->signer; *c != '\0'; c++) {
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 32);
	}
	rv = crypto_key_get(p->crypto, p->signer, &k, errstr);
	if (rv == EX_NOINPUT || (rv == 0 && k->secret)) {
		rv = errorf(errstr, EX_NOINPUT, "no key %s has been imported: "
		    "import the signer's public key with setuplink key import "
		    "FILE first", p->signer);
	} else if (rv == 0 && (k->revoked || k->expired)) {
		rv = errorf(errstr, EX_DATAERR, "key %s is %s, so no reply "
		    "could be signed with it: import a fresh key", p->signer,
		    k->revoked ? "revoked" : "expired");
	}
	key_info_free(&k, 1);
	return rv;
}

/* gpgme on the workspace's GnuPG home, and the workspace key by it. */
static int
share_open_gpg(const struct config *cfg, const struct home *home,
    const struct share_request *req, struct share_plan *p, char **errstr)
{
	int rv;

	crypto_fast_close(&p->fast);
	freep(&p->key_fpr);
	if ((rv = crypto_open(home->gnupg, (int)cfg->gpg_timeout, &p->crypto,
	    errstr)) != 0 ||
	    (rv = share_check_signer(req, p, errstr)) != 0 ||
	    (rv = crypto_workspace_key(p->crypto, &p->key_fpr, errstr)) != 0)
		return rv;
	return 0;
}

/* Every check, the cheap ones first, so that a typo costs no gpg run. */
static int
share_check(const struct config *cfg, const struct home *home,
    struct store *st, const struct catalog *cat,
    const struct share_request *req, struct share_plan *p, char **errstr)
{
	int64_t in;
	int rv;

	memset(p, 0, sizeof *p);
	if ((rv = share_check_to(req->to, errstr)) != 0)
		return rv;
	if (req->note != NULL && (!share_text_ok(req->note) ||
	    strlen(req->note) > NOTE_MAX))
		return errorf(errstr, EX_DATAERR, "a note is one line of UTF-8 "
		    "text of at most %d bytes, without line breaks or other "
		    "control characters", NOTE_MAX);
	if ((unsigned)req->require > REQUIRE_SIGNED_ENCRYPTED)
		return errorf(errstr, EX_USAGE, "--require takes any, signed, "
		    "encrypted or signed+encrypted");
	if (req->signer != NULL && req->require != REQUIRE_SIGNED &&
	    req->require != REQUIRE_SIGNED_ENCRYPTED)
		return errorf(errstr, EX_USAGE, "--signer pins the key a reply "
		    "must be signed with, so it needs --require signed or "
		    "signed+encrypted");
	if (req->signer != NULL && !fingerprint_valid(req->signer)) {
		char *safe = str_safe(req->signer);
		rv = errorf(errstr, EX_USAGE, "'%s' is not a key fingerprint: "
		    "give all 40 hex digits, as setuplink key list shows them",
		    safe);
		free(safe);
		return rv;
	}
	if (req->missing && req->fields != NULL)
		return errorf(errstr, EX_USAGE, "give --fields or --missing, "
		    "not both");
	in = req->expires_in != 0 ? req->expires_in : cfg->link_expiry;
	if (in < 0)
		return errorf(errstr, EX_USAGE, "a link cannot expire in the "
		    "past");
	if (in > cfg->link_expiry_max)
		return errorf(errstr, EX_DATAERR, "a link may work for at most "
		    "%lld days (link_expiry_max); give a shorter --expires",
		    (long long)(cfg->link_expiry_max / 86400));
	p->expires_in = in;
	if ((rv = draft_get(st, cat, req->draft, &p->draft, errstr)) != 0)
		goto fail;
	if ((p->conn = catalog_find(cat, p->draft->connector)) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "the draft's connector '%s' is no "
		    "longer in the catalog", p->draft->connector);
		goto fail;
	}
	if ((rv = share_pick_fields(req, p, errstr)) != 0)
		goto fail;
	share_prefill(p);
	/* Without a signer to look up, the cached workspace key will do. */
	if (req->signer == NULL && crypto_fast_open(home->gnupg,
	    (int)cfg->gpg_timeout, &p->fast) == 0) {
		p->key_fpr = xstrdup(crypto_fast_fpr(p->fast));
		return 0;
	}
	if ((rv = share_open_gpg(cfg, home, req, p, errstr)) != 0)
		goto fail;
	return 0;
fail:
	share_plan_free(p);
	return rv;
}

/*
 * A sentence from below may quote the reply address (gpg naming the
 * user ID it refused, a server the sender it refused): the token in it
 * is replaced, since errors reach terminals and logs.
 */
static void
share_scrub(char **errstr, const char *token)
{
	struct buf b;
	const char *p, *q;

	if (errstr == NULL || *errstr == NULL || token == NULL ||
	    *token == '\0' || strstr(*errstr, token) == NULL)
		return;
	buf_init(&b);
	for (p = *errstr; (q = strstr(p, token)) != NULL;
	    p = q + strlen(token)) {
		buf_add(&b, p, (size_t)(q - p));
		buf_adds(&b, "TOKEN");
	}
	buf_adds(&b, p);
	free(*errstr);
	*errstr = buf_take(&b);
}

static void
share_mail_init(struct setup_mail *sm, const struct config *cfg,
    const struct share_plan *p, const struct link *l, const char *token)
{
	memset(sm, 0, sizeof *sm);
	sm->cfg = cfg;
	sm->conn = p->conn;
	sm->draft = p->draft;
	sm->link = l;
	sm->token = token;
	sm->prefill = (const char *const *)p->prefill;
	sm->crypto = p->crypto;
	sm->fast = p->fast;
	sm->key_fpr = p->key_fpr;
}

/*
 * A link whose email never left must not stay pending: nobody holds its
 * token, and the admin would wait for an answer that cannot come.
 */
static void
share_withdraw(struct store *st, const char *admin, int64_t draft, int64_t id)
{
	char *err = NULL;

	if (store_begin(st, &err) == 0) {
		if (link_mark(st, id, LINK_REVOKED, &err) == 0 &&
		    audit_add(st, admin, "link revoke", draft, id,
		    "its email could not be sent", &err) == 0 &&
		    event_add(st, "link_revoked", draft, id, NULL, 0,
		    "not_sent", &err) == 0 &&
		    store_commit(st, &err) == 0)
			return;
		store_rollback(st);
	}
	log_msg(LOGL_ERR, "link %lld could not be revoked after its email "
	    "failed: %s; revoke it with setuplink link revoke %lld",
	    (long long)id, err ? err : "?", (long long)id);
	free(err);
}

/*
 * The transport could not take the email, for now (75) or until a setting
 * is fixed (78), and it was queued in outbox/ instead: the link stays
 * pending, since the email can still leave (outbox flush).  A new link
 * each time would leave dead ones behind.
 */
static int
share_queued(const struct config *cfg, int64_t id, const char *why, int rv,
    struct share_result *res, char **errstr)
{
	char *how = outbox_how_to_send(cfg);

	res->queued = res->failed = true;
	res->notice = xprintf("the setup email of link %lld was not sent (%s); "
	    "it is queued in %s and the link stays pending: %s%s",
	    (long long)id, why != NULL ? why : status_name(rv), outbox_where(),
	    rv == EX_CONFIG ?
	    "fix that, then " : "", how);
	free(how);
	if (rv == EX_CONFIG)
		return errorf(errstr, rv, "%s", res->notice);
	return 0;
}

int
share_token_key(const struct home *home, unsigned char *key,
    char **errstr)
{
	char *path = xprintf("%s/token.key", home->dir);
	int rv = seal_key(path, true, key, errstr);

	free(path);
	return rv;
}

char *
share_token_aad(int64_t link)
{
	return xprintf("setuplink link %lld", (long long)link);
}

/*
 * The token, sealed under the home's token key and bound to its link, so
 * that link remind can send the same reply address again while the
 * database alone answers nothing.
 */
static int
share_keep_token(struct store *st, const unsigned char *key, int64_t id,
    const char *token, char **errstr)
{
	char *aad = share_token_aad(id), *sealed = seal_text(key, aad, token);
	int rv = link_token_keep(st, id, sealed, errstr);

	free(sealed);
	free(aad);
	return rv;
}

int
share_link(const struct config *cfg, const struct home *home,
    struct store *st, const struct catalog *cat,
    const struct share_request *req, struct share_result *res,
    char **errstr)
{
	struct share_plan p;
	struct setup_mail sm;
	struct link_new ln;
	struct link mem, *l = NULL;
	const char *admin = req->admin ? req->admin : cfg->admin_email;
	const char *rcpt[1];
	char *token = NULL, *hash = NULL, *msgid = NULL, *msg = NULL;
	char *reply = NULL, *err = NULL, *tag = NULL;
	const char *spec;
	unsigned char tkey[SEAL_KEY_BYTES];
	size_t len;
	int64_t id = 0;
	int rv;

	memset(res, 0, sizeof *res);
	if ((rv = share_check(cfg, home, st, cat, req, &p, errstr)) != 0)
		return rv;
	if ((rv = token_new(&token, errstr)) != 0)
		goto out;
	hash = sha256_hex(token, strlen(token));
	if ((rv = share_token_key(home, tkey, errstr)) != 0)
		goto out;
	msgid = message_id_new(cfg);
	memset(&ln, 0, sizeof ln);
	ln.draft = p.draft->id;
	ln.to = req->to;
	/* From as close to the link's creation time as can be. */
	ln.expires = time_now() + p.expires_in;
	ln.fields = (const char *const *)p.keys;
	ln.prefill = (const char *const *)p.prefill;
	ln.nfields = p.nkeys;
	ln.require = req->require;
	ln.signer = p.signer;
	ln.note = req->note != NULL && *req->note != '\0' ? req->note : NULL;
	ln.message_id = msgid;
	ln.token_hash = hash;
	ln.ref_tag = tag = token_ref_tag(token);
	ln.created_by = admin;

	/*
	 * The email names the link's id.  The id is reserved first, in a
	 * commit of its own; the email is composed and signed holding no
	 * lock (gpg may take a while, and the intake must not wait on it);
	 * the link is then written in one short transaction.  A failure in
	 * between leaves an unused id and nothing else.
	 */
	if ((rv = link_reserve_id(st, &id, errstr)) != 0)
		goto out;
	ln.id = id;
	ln.created = time_now();
	memset(&mem, 0, sizeof mem);
	mem.id = id;
	mem.draft = ln.draft;
	mem.to = (char *)ln.to;
	mem.created = ln.created;
	mem.expires = ln.expires;
	mem.fields = p.keys;
	mem.prefill = p.prefill;
	mem.nfields = p.nkeys;
	mem.require = ln.require;
	mem.signer = p.signer;
	mem.note = (char *)ln.note;
	mem.message_id = msgid;
	mem.ref_tag = tag;
	mem.state = LINK_PENDING;
	mem.created_by = (char *)admin;
	share_mail_init(&sm, cfg, &p, &mem, token);
	if ((rv = compose_setup(&sm, msgid, &msg, &len, errstr)) ==
	    COMPOSE_USE_GPG) {
		log_debug("link %lld: the setup email is signed through gpgme",
		    (long long)id);
		if ((rv = share_open_gpg(cfg, home, req, &p, errstr)) != 0)
			goto out;
		share_mail_init(&sm, cfg, &p, &mem, token);
		if ((rv = compose_setup(&sm, msgid, &msg, &len, errstr)) == 0)
			crypto_fast_save(p.crypto, p.key_fpr);
	} else if (rv == 0 && p.fast == NULL && req->signer == NULL)
		crypto_fast_save(p.crypto, p.key_fpr);
	if (rv != 0)
		goto out;
	if ((rv = store_begin(st, errstr)) != 0)
		goto out;
	if ((rv = link_create(st, &ln, &id, errstr)) != 0 ||
	    (rv = share_keep_token(st, tkey, id, token, errstr)) != 0) {
		store_rollback(st);
		goto out;
	}
	if ((rv = store_commit(st, errstr)) != 0)
		goto out;
	l = &mem;

	reply = reply_address(cfg, token);
	rcpt[0] = l->to;
	spec = req->transport != NULL ? req->transport : cfg->transport;
	res->queued = transport_is_maildir(spec);
	if ((rv = transport_send(cfg, home, req->transport, reply, rcpt, 1, msg,
	    len, &err)) != 0) {
		share_scrub(&err, token);
		if ((rv == EX_TEMPFAIL || rv == EX_CONFIG) && !res->queued &&
		    transport_send(cfg, home, "maildir", reply, rcpt, 1, msg,
		    len, NULL) == 0) {
			rv = share_queued(cfg, id, err, rv, res, errstr);
			goto done;
		}
		share_withdraw(st, admin, p.draft->id, id);
		rv = errorf(errstr, rv, "the setup email was not sent, so link "
		    "%lld is revoked: %s", (long long)id, err ? err :
		    status_name(rv));
		goto out;
	}
	if (res->queued) {
		char *how = outbox_how_to_send(cfg);
		res->notice = xprintf("the setup email of link %lld is queued "
		    "in %s, not sent: %s", (long long)id, outbox_where(), how);
		free(how);
	}
done:
	log_info("link %lld for draft %lld %s %s", (long long)id,
	    (long long)p.draft->id, res->queued ? "queued for" : "sent to",
	    l->to);
	res->link = id;
	res->mailto = mailto_url(&sm);
	res->message_id = msgid;
	res->reply_address = reply;
	msgid = reply = NULL;
out:
	share_scrub(errstr, token);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (msg != NULL) {
		explicit_bzero(msg, len);
		free(msg);
	}
	explicit_bzero(tkey, sizeof tkey);
	free(err);
	free(hash);
	free(tag);
	free(msgid);
	free(reply);
	share_plan_free(&p);
	return rv;
}

/*
 * The headers a recipient sees, then the text.  The link has no id and no
 * token yet: REF and TOKEN stand in for them, never a "link 0" that reads
 * like a real link.
 */
static char *
share_preview_text(const struct config *cfg, const struct setup_mail *sm)
{
	char *text = compose_text(sm), *subject = compose_subject(sm);
	char *reply = reply_address(cfg, "TOKEN"), *r;
	const char *mark = "--- setup form for link ", *q;
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "From: %s via %s (setuplink) <%s>\nTo: %s\n"
	    "Subject: %s\n\n", compose_asker(cfg), cfg->workspace,
	    cfg->from_intake ? cfg->intake : reply, sm->link->to, subject);
	/* Whatever stands for the link (0, or 0-XXXXXXXX) up to the colon. */
	for (r = text; (q = strstr(r, mark)) != NULL; ) {
		q += strlen(mark);
		buf_add(&b, r, (size_t)(q - r));
		buf_adds(&b, "REF");
		r = (char *)q + strcspn(q, ": \n");
	}
	buf_adds(&b, r);
	free(text);
	free(subject);
	free(reply);
	return buf_take(&b);
}

/* The text as it would go out, for an admin to read before sending. */
int
share_preview(const struct config *cfg, const struct home *home,
    struct store *st, const struct catalog *cat,
    const struct share_request *req, char **text, char **errstr)
{
	struct share_plan p;
	struct setup_mail sm;
	struct link l;
	int rv;

	*text = NULL;
	if ((rv = share_check(cfg, home, st, cat, req, &p, errstr)) != 0)
		return rv;
	memset(&l, 0, sizeof l);
	l.draft = p.draft->id;
	l.to = (char *)req->to;
	l.created = time_now();
	l.expires = l.created + p.expires_in;
	l.fields = p.keys;
	l.prefill = p.prefill;
	l.nfields = p.nkeys;
	l.require = req->require;
	l.signer = p.signer;
	l.note = (char *)req->note;
	share_mail_init(&sm, cfg, &p, &l, NULL);
	*text = share_preview_text(cfg, &sm);
	share_plan_free(&p);
	return 0;
}

void
share_result_free(struct share_result *r)
{
	if (r == NULL)
		return;
	free(r->mailto);
	free(r->message_id);
	free(r->reply_address);
	free(r->notice);
	memset(r, 0, sizeof *r);
}
