/* crypto-verify.c: judging what a recipient sends back: signatures checked
 * against the keys the admin imported, replies decrypted, all in time. */
#include <sys/wait.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

#define CRYPTO_MAX_PLAIN (64u << 20)	/* decrypted or signed text, bytes */
#define CRYPTO_MAX_RCPTS 8		/* recipients looked at on NO_SECKEY */
#define HEX		"0123456789ABCDEF"

/* One verify or decrypt: its deadline and what was seen on the way. */
struct crypto_run {
	struct crypto	*c;
	struct timespec	 deadline;
	bool		 late;
	bool		 encrypted;	/* gpg began to decrypt */
	bool		 symmetric;	/* gpg asked for a passphrase */
	struct crypto_loop loop;
};

static void
crypto_run_start(struct crypto_run *r, struct crypto *c)
{
	memset(r, 0, sizeof *r);
	r->c = c;
	clock_gettime(CLOCK_MONOTONIC, &r->deadline);
	r->deadline.tv_sec += c->timeout_s;
}

static bool
crypto_late(struct crypto_run *r)
{
	struct timespec now;

	if (r->c->timeout_s <= 0)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > r->deadline.tv_sec || (now.tv_sec ==
	    r->deadline.tv_sec && now.tv_nsec >= r->deadline.tv_nsec))
		r->late = true;
	return r->late;
}

static int
crypto_too_late(struct crypto_run *r, const char *what, char **errstr)
{
	return errorf(errstr, EX_DATAERR, "%s took longer than %d s",
	    what, r->c->timeout_s);
}

/*
 * Wait for the operation started on the context (after
 * crypto_loop_attach()) until the deadline, in our own poll() loop:
 * gpgme_wait_ext() returns at once when no pipe is left to watch, and a
 * loop around it spun a core until the deadline on a small malformed
 * block.  Cancelling closes the pipes, and gpg ends on its next write.
 */
static gpgme_error_t
crypto_wait(struct crypto_run *r, gpgme_error_t started)
{
	gpgme_error_t err;
	bool late;

	if (started != 0) {
		crypto_loop_detach(r->c->ctx);
		return started;
	}
	err = crypto_loop_wait(r->c->ctx, &r->loop, r->c->timeout_s > 0 ?
	    &r->deadline : NULL, &late);
	if (late)
		r->late = true;
	return err;
}

/* What gpg said about a signature, in words for the log and for the
 * sender ("it carries a bad signature (key ...)"). */
static char *
crypto_sig_detail(const struct sig_info *si, gpg_err_code_t code)
{
	const char *who = si->fpr != NULL ? si->fpr : si->signer_fpr != NULL ?
	    si->signer_fpr : "unknown";
	const char *what, *why = "";

	if (si->good)
		what = "good signature";
	else if (si->bad)
		what = "bad signature";
	else if (!si->known)
		what = "signature by a key that was not imported";
	else if (si->revoked)
		what = "signature by a revoked key";
	else if (si->expired)
		what = "signature by an expired key, or an expired signature";
	else if (code != GPG_ERR_NO_ERROR) {
		what = "signature that gpg did not accept: ";
		why = gpgme_strerror(gpg_error(code));
	} else
		what = "signature by a key that is not valid";
	if (si->fpr != NULL && si->signer_fpr != NULL &&
	    strcmp(si->fpr, si->signer_fpr) != 0)
		return xprintf("%s%s (key %s, subkey %s)", what, why, who,
		    si->signer_fpr);
	return xprintf("%s%s (key %s)", what, why, who);
}

/*
 * Judge one signature by our rule: good only when gpg found it valid, by
 * a key in this keyring (the admin imported it, or it is ours) that has
 * not expired and was not revoked.  A subkey's signature counts as its
 * primary key's, whose fingerprint goes in fpr.  A key ID alone (gpg
 * gives only that for a bad signature) can name the key but never makes
 * a signature good.  kf is the key, or NULL when the keyring has none.
 */
static void
crypto_sig_judge(const struct sig_seen *s, const struct crypto_kfacts *kf,
    struct sig_info *si)
{
	bool byfpr = false;

	memset(si, 0, sizeof *si);
	if (s->fpr != NULL && *s->fpr != '\0')
		si->signer_fpr = crypto_upper(s->fpr);
	si->bad = s->code == GPG_ERR_BAD_SIGNATURE;
	if (kf != NULL) {
		byfpr = strlen(si->signer_fpr) >= 40;
		si->known = true;
		si->fpr = xstrdup(kf->fpr);
	}
	si->expired = s->code == GPG_ERR_KEY_EXPIRED ||
	    s->code == GPG_ERR_SIG_EXPIRED || s->sum_expired ||
	    (kf != NULL && (kf->key_expired || kf->sub_expired));
	si->revoked = s->code == GPG_ERR_CERT_REVOKED || s->sum_revoked ||
	    (kf != NULL && (kf->key_revoked || kf->sub_revoked));
	si->good = s->code == GPG_ERR_NO_ERROR && si->known && byfpr &&
	    !si->expired && !si->revoked && !s->wrong_key_usage &&
	    !kf->key_invalid && !kf->key_disabled && !kf->sub_invalid &&
	    !kf->sub_disabled;
	si->detail = crypto_sig_detail(si, s->code);
}

/* gpgme's signature, its key looked up in the keyring through gpgme. */
static void
crypto_sig_fill(struct crypto_run *r, gpgme_signature_t s, struct sig_info *si)
{
	struct sig_seen seen;
	struct crypto_kfacts kf;
	gpgme_key_t key = NULL;
	gpgme_subkey_t sub = NULL;
	char *signer = NULL;
	bool byfpr;

	memset(&seen, 0, sizeof seen);
	seen.code = gpg_err_code(s->status);
	seen.fpr = s->fpr;
	seen.wrong_key_usage = s->wrong_key_usage;
	seen.sum_expired = (s->summary & (GPGME_SIGSUM_KEY_EXPIRED |
	    GPGME_SIGSUM_SIG_EXPIRED)) != 0;
	seen.sum_revoked = (s->summary & GPGME_SIGSUM_KEY_REVOKED) != 0;
	if (s->fpr != NULL && *s->fpr != '\0')
		signer = crypto_upper(s->fpr);
	if (signer != NULL && !crypto_late(r) &&
	    strspn(signer, HEX) == strlen(signer) &&
	    crypto_find(r->c->ctx, signer, &key) == 0) {
		byfpr = strlen(signer) >= 40;
		for (sub = key->subkeys; sub != NULL; sub = sub->next) {
			if (strcasecmp(byfpr ? sub->fpr : sub->keyid,
			    signer) == 0)
				break;
		}
	}
	memset(&kf, 0, sizeof kf);
	if (sub != NULL) {
		snprintf(kf.fpr, sizeof kf.fpr, "%s", key->subkeys->fpr);
		for (char *p = kf.fpr; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		kf.key_expired = key->expired;
		kf.key_revoked = key->revoked;
		kf.key_invalid = key->invalid;
		kf.key_disabled = key->disabled;
		kf.sub_expired = sub->expired;
		kf.sub_revoked = sub->revoked;
		kf.sub_invalid = sub->invalid;
		kf.sub_disabled = sub->disabled;
	}
	crypto_sig_judge(&seen, sub != NULL ? &kf : NULL, si);
	free(signer);
	if (key != NULL)
		gpgme_key_unref(key);
}

/* The signatures of the finished operation, judged, into res. */
static int
crypto_sigs(struct crypto_run *r, const char *what, struct crypto_result *res,
    char **errstr)
{
	gpgme_verify_result_t vr;
	gpgme_signature_t s;
	size_t n = 0;
	int rv = 0;

	if ((vr = gpgme_op_verify_result(r->c->ctx)) == NULL)
		return 0;
	/* Looking keys up runs new operations, which would free it. */
	gpgme_result_ref(vr);
	for (s = vr->signatures; s != NULL; s = s->next)
		n++;
	if (n > CRYPTO_MAX_SIGS) {
		rv = errorf(errstr, EX_DATAERR, "it carries %zu signatures, "
		    "more than %d", n, CRYPTO_MAX_SIGS);
		goto out;
	}
	res->sigs = xcalloc(n, sizeof *res->sigs);
	for (s = vr->signatures; s != NULL; s = s->next)
		crypto_sig_fill(r, s, &res->sigs[res->nsigs++]);
	if (r->late)
		rv = crypto_too_late(r, what, errstr);
out:
	gpgme_result_unref(vr);
	return rv;
}

/* ---- The same, as one gpg run of our own ---- */

/* The signatures seen, judged against the keyring's cache; -1 when one
 * of them needs gpgme's look-up. */
static int
direct_sigs(struct crypto *c, const struct crypto_status *d,
    struct crypto_result *res)
{
	struct crypto_kfacts kf;
	struct sig_info *si;
	char *u;
	size_t i;
	int found;

	si = xcalloc(d->nsigs > 0 ? d->nsigs : 1, sizeof *si);
	for (i = 0; i < d->nsigs; i++) {
		found = 0;
		if (d->sigs[i].fpr != NULL && *d->sigs[i].fpr != '\0') {
			u = crypto_upper(d->sigs[i].fpr);
			found = strspn(u, HEX) == strlen(u) ?
			    crypto_kc_find(c, u, &kf) : 0;
			free(u);
		}
		if (found < 0)
			goto fail;
		crypto_sig_judge(&d->sigs[i], found == 1 ? &kf : NULL, &si[i]);
	}
	res->sigs = si;
	res->nsigs = d->nsigs;
	return 0;
fail:
	while (i-- > 0) {
		free(si[i].fpr);
		free(si[i].signer_fpr);
		free(si[i].detail);
	}
	free(si);
	return -1;
}

/* Whether gpg ended as gpg does on the inputs judged here: 0, or 1 (a
 * bad signature) or 2 (a key we lack), which the status lines tell. */
static bool
direct_ended(const struct crypto_gpg *g)
{
	return g->ended && WIFEXITED(g->status) &&
	    WEXITSTATUS(g->status) <= 2;
}

/*
 * A detached signature checked by one gpg --verify: 0 with res filled,
 * or -1 for gpgme's path (anything but signatures gpg could check or
 * name a key for, and keys the cache knows).
 */
static int
direct_verify_detached(struct crypto_run *r, const char *data, size_t len,
    const char *sig, size_t siglen, struct crypto_result *res, char **errstr)
{
	static const char *args[] = { "--verify", "--", "-&4", "-", NULL };
	struct crypto_gpg g;
	struct crypto_status d;
	int rv = -1;

	if (crypto_gpg_run(r->c, args, data, len, sig, siglen, 0,
	    r->c->timeout_s > 0 ? &r->deadline : NULL, &g) != 0)
		return -1;
	if (g.late) {
		r->late = true;
		rv = crypto_too_late(r, "checking the signature", errstr);
		goto out;
	}
	crypto_status_parse(&d, &g.st);
	if (direct_ended(&g) && !d.odd && !d.encrypted && d.nsigs > 0)
		rv = direct_sigs(r->c, &d, res);
	crypto_status_free(&d);
out:
	crypto_gpg_free(&g);
	return rv;
}

int
crypto_verify_detached(struct crypto *c, const char *data, size_t len,
    const char *sig, size_t siglen, struct crypto_result *res, char **errstr)
{
	gpgme_data_t text = NULL, sigd = NULL;
	struct crypto_run r;
	gpgme_error_t err;
	int rv;

	memset(res, 0, sizeof *res);
	crypto_run_start(&r, c);
	if ((rv = direct_verify_detached(&r, data, len, sig, siglen, res,
	    errstr)) >= 0)
		return rv;
	if ((rv = crypto_ready(c, errstr)) != 0)
		return rv;
	if ((err = gpgme_data_new_from_mem(&text, data, len, 0)) != 0 ||
	    (err = gpgme_data_new_from_mem(&sigd, sig, siglen, 0)) != 0) {
		rv = crypto_fail(errstr, err, "read the signature");
		goto out;
	}
	crypto_loop_attach(c->ctx, &r.loop);
	err = crypto_wait(&r, gpgme_op_verify_start(c->ctx, sigd, text, NULL));
	if (r.late)
		rv = crypto_too_late(&r, "checking the signature", errstr);
	else if (err != 0)
		rv = crypto_fail(errstr, err, "check the signature");
	else if ((rv = crypto_sigs(&r, "checking the signature", res,
	    errstr)) == 0 && res->nsigs == 0)
		rv = errorf(errstr, EX_DATAERR, "the signature part holds no "
		    "OpenPGP signature");
out:
	if (rv != 0)
		crypto_result_free(res);
	gpgme_data_release(text);
	gpgme_data_release(sigd);
	return rv;
}

void
crypto_set_budget(struct crypto *c, size_t *remaining)
{
	c->budget = remaining;
}

/* The most plaintext the next operation may write. */
static size_t
crypto_max_plain(const struct crypto *c)
{
	if (c->budget != NULL && *c->budget < CRYPTO_MAX_PLAIN)
		return *c->budget;
	return CRYPTO_MAX_PLAIN;
}

/* An operation's plaintext past its cap: whose cap it was. */
static int
crypto_too_much(const struct crypto *c, const char *what, char **errstr)
{
	if (c->budget != NULL && *c->budget < CRYPTO_MAX_PLAIN)
		return errorf(errstr, EX_DATAERR, "the %s text goes past the "
		    "%zu bytes of plaintext one message may unpack "
		    "(max_message_size)", what, crypto_max_plain(c));
	return errorf(errstr, EX_DATAERR, "the %s text is larger than %u MB",
	    what, CRYPTO_MAX_PLAIN >> 20);
}

/* What an operation produced comes off the budget. */
static void
crypto_spend(struct crypto *c, size_t n)
{
	if (c->budget != NULL)
		*c->budget = n >= *c->budget ? 0 : *c->budget - n;
}

/* Stop gpg as soon as it turns out to decrypt: verifying never does. */
static gpgme_error_t
crypto_watch(void *hook, const char *keyword, const char *args)
{
	struct crypto_run *r = hook;

	if (strcmp(keyword, "ENC_TO") == 0 ||
	    strcmp(keyword, "NEED_PASSPHRASE_SYM") == 0 ||
	    strcmp(keyword, "BEGIN_DECRYPTION") == 0) {
		r->encrypted = true;
		return gpg_error(GPG_ERR_CANCELED);
	}
	return 0;
}

/*
 * A cleartext-signed block, or an armored message that is only signed.
 * gpgme verifies such a block by running gpg with no command, which
 * decrypts an encrypted one; crypto_watch() stops that, so decrypting is
 * crypto_decrypt()'s alone.
 */
static int
crypto_inline(struct crypto_run *r, const char *armored, size_t len,
    struct crypto_result *res, char **errstr)
{
	struct crypto *c = r->c;
	gpgme_data_t in = NULL;
	struct crypto_out out;
	gpgme_error_t err;
	int rv;

	memset(res, 0, sizeof *res);
	if ((rv = crypto_out_new(&out, crypto_max_plain(c), errstr)) != 0)
		return rv;
	if ((err = gpgme_data_new_from_mem(&in, armored, len, 0)) != 0) {
		rv = crypto_fail(errstr, err, "read the signed text");
		goto out;
	}
	gpgme_set_ctx_flag(c->ctx, "full-status", "1");
	gpgme_set_status_cb(c->ctx, crypto_watch, r);
	crypto_loop_attach(c->ctx, &r->loop);
	err = crypto_wait(r, gpgme_op_verify_start(c->ctx, in, NULL, out.d));
	gpgme_set_status_cb(c->ctx, NULL, NULL);
	gpgme_set_ctx_flag(c->ctx, "full-status", "0");
	if (r->late)
		rv = crypto_too_late(r, "checking the signature", errstr);
	else if (r->encrypted)
		rv = errorf(errstr, EX_DATAERR, "the block is encrypted, not "
		    "only signed");
	else if (out.over)
		rv = crypto_too_much(c, "signed", errstr);
	else if (err != 0)
		rv = crypto_fail(errstr, err, "check the signed text");
	else if ((rv = crypto_sigs(r, "checking the signature", res,
	    errstr)) == 0 && res->nsigs == 0)
		rv = errorf(errstr, EX_DATAERR, "the block holds no OpenPGP "
		    "signature");
	if (rv == 0) {
		crypto_spend(c, out.b.len);
		res->plain_len = out.b.len;
		res->plain = buf_take(&out.b);
	}
out:
	if (rv != 0)
		crypto_result_free(res);
	crypto_out_free(&out);
	gpgme_data_release(in);
	return rv;
}

/* A signed-only result of a direct run: its signatures and plaintext. */
static int
direct_signed(struct crypto *c, const struct crypto_status *d,
    struct crypto_gpg *g, struct crypto_result *res)
{
	if (direct_sigs(c, d, res) != 0)
		return -1;
	crypto_spend(c, g->out.len);
	res->plain_len = g->out.len;
	res->plain = buf_take(&g->out);
	return 0;
}

/*
 * A cleartext-signed or signed-only armored block checked by one gpg
 * --verify --output -, which never decrypts: 0 with res filled, or -1
 * for gpgme's path (an encrypted block, too much text, anything odd).
 */
static int
direct_inline(struct crypto_run *r, const char *armored, size_t len,
    struct crypto_result *res, char **errstr)
{
	static const char *args[] = { "--output", "-", "--verify", NULL };
	struct crypto *c = r->c;
	struct crypto_gpg g;
	struct crypto_status d;
	int rv = -1;

	if (crypto_gpg_run(c, args, armored, len, NULL, 0, crypto_max_plain(c),
	    c->timeout_s > 0 ? &r->deadline : NULL, &g) != 0)
		return -1;
	if (g.late) {
		r->late = true;
		rv = crypto_too_late(r, "checking the signature", errstr);
		goto out;
	}
	crypto_status_parse(&d, &g.st);
	if (direct_ended(&g) && !d.odd && !d.encrypted && !d.begin &&
	    d.nsigs > 0)
		rv = direct_signed(c, &d, &g, res);
	crypto_status_free(&d);
out:
	crypto_gpg_free(&g);
	return rv;
}

int
crypto_verify_inline(struct crypto *c, const char *armored, size_t len,
    struct crypto_result *res, char **errstr)
{
	struct crypto_run r;
	int rv;

	memset(res, 0, sizeof *res);
	crypto_run_start(&r, c);
	if ((rv = direct_inline(&r, armored, len, res, errstr)) >= 0)
		return rv;
	if ((rv = crypto_ready(c, errstr)) != 0)
		return rv;
	return crypto_inline(&r, armored, len, res, errstr);
}

/*
 * gpg says "no secret key" also when gpg-agent could not start.  When a
 * recipient of the message is a subkey whose secret part is here, it was
 * the agent: a temporary failure, not the message's fault.
 */
static bool
crypto_agent_failed(struct crypto_run *r, gpgme_decrypt_result_t dr)
{
	gpgme_recipient_t rcpt;
	gpgme_subkey_t sub;
	gpgme_key_t key;
	bool failed = false;
	int n = 0;

	for (rcpt = dr->recipients; rcpt != NULL && !failed &&
	    n < CRYPTO_MAX_RCPTS; rcpt = rcpt->next, n++) {
		if (rcpt->keyid == NULL || crypto_late(r) ||
		    crypto_find(r->c->ctx, rcpt->keyid, &key) != 0)
			continue;
		for (sub = key->subkeys; sub != NULL; sub = sub->next) {
			if (strcasecmp(sub->keyid, rcpt->keyid) == 0 &&
			    crypto_have_secret(r->c->home, sub->keygrip))
				failed = true;
		}
		gpgme_key_unref(key);
	}
	return failed;
}

/*
 * Whether the message had no integrity protection: gpgme calls the mode
 * of such a cipher "PGPCFB" (with an MDC it is "CFB", with AEAD its AEAD
 * mode).  gpg 2.2.8 and later fail on such a message by themselves;
 * earlier ones only warn, and gpgme then reports success.
 */
static bool
crypto_no_mdc(gpgme_decrypt_result_t dr)
{
	const char *a = dr->symkey_algo;
	size_t n = a != NULL ? strlen(a) : 0;

	return dr->legacy_cipher_nomdc ||
	    (n >= 7 && strcmp(a + n - 7, ".PGPCFB") == 0);
}

/*
 * A message that wants a passphrase (symmetric, or a bare encrypted
 * packet, which gpg takes for one) is the sender's doing: noted, and gpg
 * stopped, so that it is rejected rather than taken for our own key
 * asking for a passphrase, which is a temporary failure.
 */
static gpgme_error_t
crypto_watch_sym(void *hook, const char *keyword, const char *args)
{
	struct crypto_run *r = hook;

	if (strcmp(keyword, "NEED_PASSPHRASE_SYM") == 0) {
		r->symmetric = true;
		return gpg_error(GPG_ERR_CANCELED);
	}
	return 0;
}

/*
 * Decrypt and verify in one gpg --decrypt: 0 with res filled, an error
 * gpgme's path would give the same way (too late, too much plaintext),
 * or -1 for gpgme's path: anything but a decryption gpg completed with
 * integrity protection, whose signers the cache knows.
 */
static int
direct_decrypt(struct crypto_run *r, const char *data, size_t len,
    struct crypto_result *res, char **errstr)
{
	static const char *args[] = { "--decrypt", NULL };
	struct crypto *c = r->c;
	struct crypto_gpg g;
	struct crypto_status d;
	int rv = -1;

	if (crypto_gpg_run(c, args, data, len, NULL, 0, crypto_max_plain(c),
	    c->timeout_s > 0 ? &r->deadline : NULL, &g) != 0)
		return -1;
	if (g.late) {
		r->late = true;
		rv = crypto_too_late(r, "decrypting", errstr);
		goto out;
	}
	crypto_status_parse(&d, &g.st);
	if (g.over && d.begin && !d.asked)
		rv = crypto_too_much(c, "decrypted", errstr);
	else if (direct_ended(&g) && !d.odd && d.begin && d.okay && d.end &&
	    d.mdc && (rv = direct_sigs(c, &d, res)) == 0) {
		res->decrypted = true;
		crypto_spend(c, g.out.len);
		res->plain_len = g.out.len;
		res->plain = buf_take(&g.out);
	} else if (direct_ended(&g) && !d.odd && !d.encrypted && !d.begin &&
	    d.nsigs > 0)
		/* Only signed: gpg verified it, as crypto_inline() would. */
		rv = direct_signed(c, &d, &g, res);
	crypto_status_free(&d);
out:
	crypto_gpg_free(&g);
	return rv;
}

/*
 * Decrypt, checking the signatures inside.  gpg writes plaintext before
 * it reaches the integrity check at the end, so nothing of a failed
 * decryption is kept.  A message that turns out only signed is verified
 * instead, and res->decrypted stays false.
 */
int
crypto_decrypt(struct crypto *c, const char *data, size_t len,
    struct crypto_result *res, char **errstr)
{
	gpgme_decrypt_result_t dr = NULL;
	gpgme_data_t in = NULL;
	struct crypto_out out;
	struct crypto_run r;
	gpgme_error_t err;
	int rv = 0;

	memset(res, 0, sizeof *res);
	crypto_run_start(&r, c);
	if ((rv = direct_decrypt(&r, data, len, res, errstr)) >= 0)
		return rv;
	if ((rv = crypto_ready(c, errstr)) != 0)
		return rv;
	if ((rv = crypto_out_new(&out, crypto_max_plain(c), errstr)) != 0)
		return rv;
	if ((err = gpgme_data_new_from_mem(&in, data, len, 0)) != 0) {
		rv = crypto_fail(errstr, err, "read the encrypted text");
		goto out;
	}
	gpgme_set_ctx_flag(c->ctx, "full-status", "1");
	gpgme_set_status_cb(c->ctx, crypto_watch_sym, &r);
	crypto_loop_attach(c->ctx, &r.loop);
	err = crypto_wait(&r, gpgme_op_decrypt_verify_start(c->ctx, in, out.d));
	gpgme_set_status_cb(c->ctx, NULL, NULL);
	gpgme_set_ctx_flag(c->ctx, "full-status", "0");
	if ((dr = gpgme_op_decrypt_result(c->ctx)) != NULL)
		gpgme_result_ref(dr);
	if (r.late)
		rv = crypto_too_late(&r, "decrypting", errstr);
	else if (r.symmetric)
		rv = errorf(errstr, EX_DATAERR, "it is encrypted with a "
		    "passphrase (or as if with one), not to the workspace key");
	else if (out.over)
		rv = crypto_too_much(c, "decrypted", errstr);
	else if (gpg_err_code(err) == GPG_ERR_NO_DATA &&
	    (dr == NULL || dr->recipients == NULL)) {
		crypto_out_free(&out);
		gpgme_result_unref(dr);
		dr = NULL;
		rv = crypto_inline(&r, data, len, res, errstr);
		goto out;
	} else if (gpg_err_code(err) == GPG_ERR_NO_SECKEY)
		rv = dr != NULL && crypto_agent_failed(&r, dr) ?
		    errorf(errstr, EX_TEMPFAIL, "gpg-agent could not use the "
		    "workspace key in %s; try again once it can run", c->home) :
		    errorf(errstr, EX_DATAERR, "it is not encrypted to the "
		    "workspace key");
	else if (dr != NULL && crypto_no_mdc(dr))
		rv = errorf(errstr, EX_DATAERR, "it is encrypted without "
		    "integrity protection (no MDC), so it may have been "
		    "altered; it needs a current OpenPGP program");
	else if (err != 0 && !crypto_transient(err))
		rv = errorf(errstr, EX_DATAERR, "it cannot be decrypted: %s",
		    gpgme_strerror(err));
	else if (err != 0)
		rv = crypto_fail(errstr, err, "decrypt");
	else if (dr == NULL)
		rv = errorf(errstr, EX_SOFTWARE, "gpg decrypted without a "
		    "result");
	else if ((rv = crypto_sigs(&r, "decrypting", res, errstr)) == 0) {
		res->decrypted = true;
		crypto_spend(c, out.b.len);
		res->plain_len = out.b.len;
		res->plain = buf_take(&out.b);
	}
out:
	if (rv != 0)
		crypto_result_free(res);
	if (dr != NULL)
		gpgme_result_unref(dr);
	crypto_out_free(&out);
	gpgme_data_release(in);
	return rv;
}

void
crypto_result_free(struct crypto_result *res)
{
	size_t i;

	for (i = 0; i < res->nsigs; i++) {
		free(res->sigs[i].fpr);
		free(res->sigs[i].signer_fpr);
		free(res->sigs[i].detail);
	}
	free(res->sigs);
	if (res->plain != NULL)
		explicit_bzero(res->plain, res->plain_len);
	free(res->plain);
	memset(res, 0, sizeof *res);
}
