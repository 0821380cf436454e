/* intake-policy.c: reading a reply to a usable link: what is protected
 * (signed, encrypted) and whether that counts, the form's fields and
 * files, and whether every value is valid.  Returns a verdict; never
 * touches the store. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"
#include "mailer/intake/private.h"

#define POLICY_DEPTH	4	/* signed inside encrypted inside ... */
#define POLICY_ENTITIES	(POLICY_DEPTH + 1)

/* The part of a reply that is read, and what protects it. */
struct policy_read {
	struct sig_info	*sigs;		/* every signature on the way in */
	size_t		 nsigs;
	bool		 decrypted;
	bool		 protected_;	/* a signed or encrypted part exists */
	const char	*text;
	size_t		 text_len;
	const struct mail_attachment *att;
	size_t		 natt;
	struct mail	*owned[POLICY_ENTITIES];	/* parsed inner entities */
	size_t		 nowned;
	char		*plain[POLICY_ENTITIES];	/* inline plaintexts */
	size_t		 plain_len[POLICY_ENTITIES];
	size_t		 nplain;
	const char	*fail_reason;	/* set: the reply is rejected */
	char		*fail;
};

void
intake_verdict_set(struct intake_verdict *v, enum outcome o,
    const char *reason, const char *fmt, ...)
{
	va_list ap;

	v->outcome = o;
	v->reason = reason;
	free(v->detail);
	va_start(ap, fmt);
	xvasprintf(&v->detail, fmt, ap);
	va_end(ap);
}

static void
policy_read_free(struct policy_read *r)
{
	size_t i;

	for (i = 0; i < r->nsigs; i++) {
		free(r->sigs[i].fpr);
		free(r->sigs[i].signer_fpr);
		free(r->sigs[i].detail);
	}
	free(r->sigs);
	for (i = 0; i < r->nowned; i++)
		mail_free(&r->owned[i]);
	for (i = 0; i < r->nplain; i++) {
		explicit_bzero(r->plain[i], r->plain_len[i]);
		free(r->plain[i]);
	}
	free(r->fail);
	memset(r, 0, sizeof *r);
}

static int
policy_crypto(struct intake_crypto *ic, struct crypto **c, char **errstr)
{
	int rv;

	/* Lazy: a verify or a decrypt is one gpg run, gpgme's start is
	 * paid only by what needs gpgme (crypto-direct.c). */
	if (ic->c == NULL && (rv = crypto_open_lazy(ic->gnupghome,
	    ic->timeout_s, &ic->c, errstr)) != 0)
		return rv == EX_DATAERR ? EX_TEMPFAIL : rv;
	crypto_set_budget(ic->c, &ic->budget);
	*c = ic->c;
	return 0;
}

/* Take over a crypto result's signatures and plaintext. */
static void
policy_take(struct policy_read *r, struct crypto_result *res, bool keep_plain)
{
	size_t i;

	r->sigs = xreallocarray(r->sigs, r->nsigs + res->nsigs, sizeof *r->sigs);
	for (i = 0; i < res->nsigs; i++)
		r->sigs[r->nsigs++] = res->sigs[i];
	free(res->sigs);
	res->sigs = NULL;
	res->nsigs = 0;
	if (keep_plain && r->nplain < POLICY_ENTITIES) {
		r->plain[r->nplain] = res->plain;
		r->plain_len[r->nplain++] = res->plain_len;
		res->plain = NULL;
	}
	if (res->decrypted)
		r->decrypted = true;
	crypto_result_free(res);
}

static void
policy_fail(struct policy_read *r, const char *reason, const char *fmt, ...)
    PRINTFLIKE(3, 4);

static void
policy_fail(struct policy_read *r, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (r->fail_reason != NULL)
		return;
	r->fail_reason = reason;
	va_start(ap, fmt);
	xvasprintf(&r->fail, fmt, ap);
	va_end(ap);
}

/* Crypto's answer: 0 goes on, 65 rejects the reply, anything else is 75. */
static int
policy_crypto_rv(struct policy_read *r, int rv, const char *what, char **errstr)
{
	if (rv == 0)
		return 0;
	if (rv == EX_DATAERR) {
		policy_fail(r, "policy", "%s: %s", what, *errstr);
		freep(errstr);
		return -1;
	}
	return EX_TEMPFAIL;
}

static int policy_entity(struct intake_crypto *, const struct mail *,
    size_t, struct policy_read *, char **);

/* Parse an inner MIME entity (signed data, a decrypted body) and go on. */
static int
policy_inner(struct intake_crypto *ic, const char *raw, size_t len,
    size_t depth, struct policy_read *r, char **errstr)
{
	struct mail_limits lim;
	struct mail *e = NULL;

	mail_limits_default(&lim);
	if (r->nowned >= POLICY_ENTITIES) {
		policy_fail(r, "unreadable", "the reply nests signed and "
		    "encrypted parts too deeply");
		return 0;
	}
	if (mail_parse_entity(raw, len, &lim, &e, errstr) != 0) {
		policy_fail(r, "unreadable", "the protected part cannot be "
		    "read: %s", *errstr != NULL ? *errstr : "bad MIME");
		freep(errstr);
		return 0;
	}
	r->owned[r->nowned++] = e;
	return policy_entity(ic, e, depth + 1, r, errstr);
}

/* Decrypted inline text may be a MIME entity or cleartext-signed text. */
static int
policy_inline_plain(struct intake_crypto *ic, size_t depth,
    struct policy_read *r, char **errstr)
{
	struct crypto_result res;
	struct crypto *c;
	const char *p = r->plain[r->nplain - 1];
	size_t len = r->plain_len[r->nplain - 1];
	int rv;

	if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0)
		return policy_inner(ic, p, len, depth, r, errstr);
	if (memmem(p, len, "-----BEGIN PGP SIGNED MESSAGE-----", 34) != NULL &&
	    depth < POLICY_DEPTH) {
		if ((rv = policy_crypto(ic, &c, errstr)) != 0)
			return rv;
		rv = crypto_verify_inline(c, p, len, &res, errstr);
		if ((rv = policy_crypto_rv(r, rv, "the signature cannot be "
		    "checked", errstr)) != 0)
			return rv < 0 ? 0 : rv;
		policy_take(r, &res, true);
		p = r->plain[r->nplain - 1];
		len = r->plain_len[r->nplain - 1];
	}
	r->text = p;
	r->text_len = len;
	r->att = NULL;
	r->natt = 0;
	return 0;
}

/*
 * Find the part that is read: a clear entity is read as it is; a signed
 * one is verified and its signed entity read; an encrypted one decrypted
 * and its plaintext read.  Text outside the protected part counts for
 * nothing.  Returns 0 (r->fail_reason set when the reply is rejected) or
 * 75 when gpg cannot run.
 */
static int
policy_entity(struct intake_crypto *ic, const struct mail *m, size_t depth,
    struct policy_read *r, char **errstr)
{
	struct crypto_result res;
	struct crypto *c;
	int rv;

	if (depth > POLICY_DEPTH) {
		policy_fail(r, "unreadable", "the reply nests signed and "
		    "encrypted parts too deeply");
		return 0;
	}
	if (m->protection == MAIL_CLEAR) {
		r->text = m->text;
		r->text_len = m->text_len;
		r->att = m->att;
		r->natt = m->natt;
		return 0;
	}
	r->protected_ = true;
	if ((rv = policy_crypto(ic, &c, errstr)) != 0)
		return rv;
	memset(&res, 0, sizeof res);
	switch (m->protection) {
	case MAIL_PGP_SIGNED:
		if (m->signed_data == NULL || m->signature == NULL) {
			policy_fail(r, "policy", "the signed part is incomplete");
			return 0;
		}
		rv = crypto_verify_detached(c, m->signed_data, m->signed_len,
		    m->signature, m->sig_len, &res, errstr);
		if ((rv = policy_crypto_rv(r, rv, "the signature cannot be "
		    "checked", errstr)) != 0)
			return rv < 0 ? 0 : rv;
		policy_take(r, &res, false);
		return policy_inner(ic, m->signed_data, m->signed_len, depth,
		    r, errstr);
	case MAIL_PGP_ENCRYPTED:
	case MAIL_INLINE_ENCRYPTED:
		if (m->armored == NULL) {
			policy_fail(r, "policy", "the encrypted part is empty");
			return 0;
		}
		rv = crypto_decrypt(c, m->armored, m->armored_len, &res, errstr);
		if ((rv = policy_crypto_rv(r, rv, "the reply cannot be "
		    "decrypted", errstr)) != 0)
			return rv < 0 ? 0 : rv;
		if (!res.decrypted) {
			/* Armor that turned out only signed. */
			policy_take(r, &res, true);
			return policy_inline_plain(ic, depth, r, errstr);
		}
		policy_take(r, &res, true);
		if (m->protection == MAIL_PGP_ENCRYPTED)
			return policy_inner(ic, r->plain[r->nplain - 1],
			    r->plain_len[r->nplain - 1], depth, r, errstr);
		return policy_inline_plain(ic, depth, r, errstr);
	case MAIL_INLINE_SIGNED:
		if (m->armored == NULL) {
			policy_fail(r, "policy", "the signed block is empty");
			return 0;
		}
		rv = crypto_verify_inline(c, m->armored, m->armored_len, &res,
		    errstr);
		if ((rv = policy_crypto_rv(r, rv, "the signature cannot be "
		    "checked", errstr)) != 0)
			return rv < 0 ? 0 : rv;
		policy_take(r, &res, true);
		r->text = r->plain[r->nplain - 1];
		r->text_len = r->plain_len[r->nplain - 1];
		return 0;
	default:
		return 0;
	}
}

/*
 * Whether the signatures count: every one good (a bad one has rejected
 * the reply already), by a key the admin imported, the pinned one where
 * the link has it, and never the workspace's own key.  *why says what
 * was missing when they do not.
 */
/*
 * A signature by a workspace key, the current one or one that key rotate
 * replaced (its secret part is here too), is ours, not the sender's.
 */
static bool
policy_ours(struct intake_crypto *ic, const char *fpr)
{
	return ic->c != NULL && crypto_key_is_ours(ic->c, fpr);
}

static char *
policy_signer(struct intake_crypto *ic, const struct link *l,
    const struct policy_read *r, char **why)
{
	const struct sig_info *s;
	char *signer = NULL;
	bool pinned = false;
	size_t i;

	*why = NULL;
	if (r->nsigs == 0) {
		*why = xstrdup("the reply is not signed");
		return NULL;
	}
	for (i = 0; i < r->nsigs; i++) {
		s = &r->sigs[i];
		if (!s->good) {
			*why = xprintf("it carries a %s", s->detail != NULL ?
			    s->detail : "signature that is not valid");
			goto out;
		}
		if (s->fpr != NULL && policy_ours(ic, s->fpr)) {
			*why = xstrdup("it is signed with the workspace's own "
			    "key, not the sender's");
			goto out;
		}
		if (l->signer != NULL && s->fpr != NULL &&
		    strcasecmp(s->fpr, l->signer) == 0)
			pinned = true;
	}
	if (l->signer != NULL && !pinned) {
		*why = xprintf("it is signed by %s, not by the key %s that the "
		    "link asks for", r->sigs[0].fpr, l->signer);
		goto out;
	}
	signer = xstrdup(l->signer != NULL ? l->signer : r->sigs[0].fpr);
	for (char *p = signer; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
out:
	return signer;
}

static bool
policy_in_link(const struct link *l, const char *key, size_t *idx)
{
	size_t i;

	for (i = 0; i < l->nfields; i++) {
		if (str_ieq(l->fields[i], key)) {
			if (idx != NULL)
				*idx = i;
			return true;
		}
	}
	return false;
}

static void
policy_strv_add(char ***v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*v)[i], s) == 0)
			return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

/*
 * Attachments that mail programs add on their own, never a credential
 * file: OpenPGP and S/MIME signatures and keys (Outlook's smime.p7s would
 * otherwise replace a CA certificate), vCards, Outlook's winmail.dat.
 * Known by type, and by name where a program labels them
 * application/octet-stream.
 */
static bool
policy_att_usable(const struct mail_attachment *a)
{
	static const char *types[] = {
		"application/pgp-keys", "application/pgp-signature",
		"application/pgp-encrypted", "application/pkcs7-signature",
		"application/x-pkcs7-signature", "application/pkcs7-mime",
		"application/x-pkcs7-mime", "text/vcard", "text/x-vcard",
		"text/directory", "application/ms-tnef",
		"application/vnd.ms-tnef",
	};
	static const char *exts[] = { ".p7s", ".p7m", ".p7c", ".vcf", ".vcard" };
	const char *fn = a->filename;
	size_t i, n, fl;

	for (i = 0; a->content_type != NULL && i < nitems(types); i++) {
		if (strcmp(a->content_type, types[i]) == 0)
			return false;
	}
	if (fn == NULL)
		return true;
	fl = strlen(fn);
	for (i = 0; i < nitems(exts); i++) {
		n = strlen(exts[i]);
		if (fl >= n && strcasecmp(fn + fl - n, exts[i]) == 0)
			return false;
	}
	return strcasecmp(fn, "winmail.dat") != 0;
}

/* Is the attachment's file name, without directory or extension, key? */
static bool
policy_att_named(const struct mail_attachment *a, const char *key)
{
	const char *base, *dot;
	size_t n;

	if (a->filename == NULL)
		return false;
	base = strrchr(a->filename, '/');
	base = base != NULL ? base + 1 : a->filename;
	if (strrchr(base, '\\') != NULL)
		base = strrchr(base, '\\') + 1;
	dot = strrchr(base, '.');
	n = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
	return strlen(key) == n && strncasecmp(base, key, n) == 0;
}

static void
policy_value_add(struct intake_verdict *v, const struct field_def *f,
    const char *value, size_t len, bool attachment, int64_t max_file)
{
	char *canon = NULL, *err = NULL;

	if (field_validate(f, value, len, max_file, &canon, &err) != 0) {
		/* A pasted file may have been rewrapped by the mail program. */
		if (f->type == FT_FILE && !attachment) {
			char *e = xprintf("%s (if you pasted it, attach the "
			    "file to your reply instead)", err);
			free(err);
			err = e;
		}
		policy_strv_add(&v->invalid, &v->ninvalid, err);
		free(err);
		return;
	}
	v->v = xreallocarray(v->v, v->nv + 1, sizeof *v->v);
	memset(&v->v[v->nv], 0, sizeof v->v[v->nv]);
	v->v[v->nv].f = f;
	v->v[v->nv].value = canon;
	v->v[v->nv].len = f->type == FT_FILE ? len : strlen(canon);
	v->v[v->nv].attachment = attachment;
	v->nv++;
}

/* The form's lines and the files, each checked against its field. */
static void
policy_fields(const struct config *cfg, struct intake_verdict *v,
    const struct form_result *fr, const struct policy_read *r)
{
	const struct connector *c = v->conn;
	const struct link *l = v->link;
	const struct mail_attachment *only = NULL;
	const struct field_def *f;
	size_t i, j, nfile = 0, nusable = 0;
	bool *given = xcalloc(c->nfields, sizeof *given);

	for (i = 0; i < fr->n; i++) {
		const struct form_value *fv = &fr->v[i];
		if ((f = connector_field(c, fv->key)) == NULL)
			continue;
		if (!policy_in_link(l, f->key, NULL)) {
			policy_strv_add(&v->not_taken, &v->nnot_taken, f->key);
			continue;
		}
		given[f - c->fields] = true;
		if (fv->unwhole != NULL) {
			char *e = xprintf("%s: %s, so it cannot be read whole: "
			    "attach the file to your reply instead, or paste it "
			    "whole after \"%s:\", from its first line to its "
			    "last", f->key, fv->unwhole, f->key);
			policy_strv_add(&v->invalid, &v->ninvalid, e);
			free(e);
			continue;
		}
		if (fv->bad_bytes) {
			char *e = xprintf("%s: holds bytes that do not convert "
			    "to text (check the mail program's character set)",
			    f->key);
			policy_strv_add(&v->invalid, &v->ninvalid, e);
			free(e);
			continue;
		}
		policy_value_add(v, f, fv->value, fv->len, false,
		    cfg->max_file_size);
	}
	for (i = 0; i < c->nfields; i++)
		nfile += c->fields[i].type == FT_FILE;
	for (j = 0; j < r->natt; j++) {
		if (policy_att_usable(&r->att[j])) {
			nusable++;
			only = &r->att[j];
		}
	}
	for (i = 0; i < c->nfields; i++) {
		const struct mail_attachment *a = NULL;
		f = &c->fields[i];
		if (f->type != FT_FILE || given[i])
			continue;
		for (j = 0; j < r->natt && a == NULL; j++) {
			if (policy_att_usable(&r->att[j]) &&
			    policy_att_named(&r->att[j], f->key))
				a = &r->att[j];
		}
		if (a == NULL && nfile == 1 && nusable == 1)
			a = only;
		if (a == NULL)
			continue;
		if (!policy_in_link(l, f->key, NULL)) {
			policy_strv_add(&v->not_taken, &v->nnot_taken, f->key);
			continue;
		}
		policy_value_add(v, f, a->data, a->len, true,
		    cfg->max_file_size);
	}
	free(given);
}

/*
 * Field keys for form_read_fields: every key of the connector, with
 * templates and which of them are files.
 */
static void
policy_keys(const struct intake_verdict *v, const char ***keys,
    const char ***tmpl, bool **files)
{
	const struct connector *c = v->conn;
	size_t i, k;

	*keys = xcalloc(c->nfields + 1, sizeof **keys);
	*tmpl = xcalloc(c->nfields + 1, sizeof **tmpl);
	*files = xcalloc(c->nfields + 1, sizeof **files);
	for (i = 0; i < c->nfields; i++) {
		(*keys)[i] = c->fields[i].key;
		(*files)[i] = c->fields[i].type == FT_FILE;
		if (policy_in_link(v->link, c->fields[i].key, &k) &&
		    v->link->prefill != NULL)
			(*tmpl)[i] = v->link->prefill[k];
	}
}

int
intake_policy(struct intake_crypto *ic, const struct config *cfg,
    struct intake_verdict *v, char **errstr)
{
	const struct link *l = v->link;
	struct policy_read r;
	struct form_result fr;
	const char **keys = NULL, **tmpl = NULL;
	bool *files = NULL;
	char *why = NULL, *lref;
	bool ref, need_sig, need_enc;
	size_t i;
	int rv;

	memset(&r, 0, sizeof r);
	memset(&fr, 0, sizeof fr);
	/* Every plaintext of this message together, however deep it nests,
	 * stays within what the message itself may weigh. */
	ic->budget = cfg->max_message_size > 0 &&
	    (uint64_t)cfg->max_message_size < SIZE_MAX ?
	    (size_t)cfg->max_message_size : SIZE_MAX;
	if ((rv = policy_entity(ic, v->mail, 0, &r, errstr)) != 0)
		goto out;
	v->arrived_encrypted = r.decrypted || v->mail->protection ==
	    MAIL_PGP_ENCRYPTED || v->mail->protection == MAIL_INLINE_ENCRYPTED;
	for (i = 0; i < r.nsigs && r.fail_reason == NULL; i++) {
		if (r.sigs[i].bad)
			policy_fail(&r, "policy", "it carries a %s",
			    r.sigs[i].detail != NULL ? r.sigs[i].detail :
			    "bad signature");
	}
	if (r.fail_reason != NULL) {
		intake_verdict_set(v, OUTCOME_REJECTED, r.fail_reason, "%s",
		    r.fail);
		goto out;
	}
	policy_keys(v, &keys, &tmpl, &files);
	form_read_fields(r.text != NULL ? r.text : "", r.text != NULL ?
	    r.text_len : 0, keys, tmpl, files, v->conn->nfields, &fr);

	/* Protection counts only for text that names this very link. */
	lref = link_ref(l);
	ref = form_has_ref(&fr, lref);
	if (r.protected_ && !ref && fr.nrefs > 0) {
		/* A protected reply to another link, replayed to this one:
		 * the REF's tag tells links of two homes with one id apart. */
		intake_verdict_set(v, OUTCOME_REJECTED, "policy", "the %s text "
		    "answers link %s, not link %s", r.decrypted ?
		    "encrypted" : "signed", fr.refs[0], lref);
		free(lref);
		goto out;
	}
	free(lref);
	need_sig = l->require == REQUIRE_SIGNED ||
	    l->require == REQUIRE_SIGNED_ENCRYPTED;
	need_enc = l->require == REQUIRE_ENCRYPTED ||
	    l->require == REQUIRE_SIGNED_ENCRYPTED;
	if (r.nsigs > 0 || need_sig)
		v->signer = policy_signer(ic, l, &r, &why);
	if (v->signer != NULL && !ref) {
		freep(&v->signer);
		free(why);
		why = xprintf("the signed text does not carry the form line "
		    "of link %lld", (long long)l->id);
	}
	v->encrypted = r.decrypted && ref;
	if (need_sig && v->signer == NULL) {
		intake_verdict_set(v, OUTCOME_REJECTED, "policy", "link %lld "
		    "wants a signed reply, but %s", (long long)l->id, why);
		goto out;
	}
	if (need_enc && !v->encrypted) {
		intake_verdict_set(v, OUTCOME_REJECTED, "policy", "link %lld "
		    "wants a reply encrypted to the workspace key, but %s",
		    (long long)l->id, !r.decrypted ? "it is not encrypted" :
		    "the encrypted text does not carry the form line of this "
		    "link");
		goto out;
	}

	policy_fields(cfg, v, &fr, &r);
	if (v->ninvalid > 0) {
		struct buf b;
		buf_init(&b);
		for (i = 0; i < v->ninvalid; i++)
			buf_printf(&b, "%s%s", i ? "; " : "", v->invalid[i]);
		intake_verdict_set(v, OUTCOME_REJECTED, "invalid", "%s", b.data);
		buf_free(&b);
	} else if (v->nv == 0)
		intake_verdict_set(v, OUTCOME_REJECTED, "no_fields", "%s",
		    v->nnot_taken > 0 ? "no field of this link is provided "
		    "(only fields it does not ask for)" : r.protected_ &&
		    r.text == NULL ? "the protected part holds no text" :
		    "no field is provided");
	else
		intake_verdict_set(v, OUTCOME_ACCEPTED, NULL, "%zu field%s",
		    v->nv, v->nv == 1 ? "" : "s");
out:
	free(why);
	free(keys);
	free(tmpl);
	free(files);
	form_result_free(&fr);
	policy_read_free(&r);
	return rv;
}

void
intake_verdict_free(struct intake_verdict *v)
{
	size_t i;

	free(v->detail);
	free(v->message_id);
	free(v->sender);
	free(v->reply_rcpt);
	mail_free(&v->mail);
	link_free(&v->link);
	draft_free(&v->draft);
	for (i = 0; i < v->nv; i++) {
		if (v->v[i].value != NULL)
			explicit_bzero(v->v[i].value, v->v[i].len);
		free(v->v[i].value);
	}
	free(v->v);
	strv_free(&v->not_taken, v->nnot_taken);
	strv_free(&v->invalid, v->ninvalid);
	free(v->signer);
	memset(v, 0, sizeof *v);
}
