/* crypto-status.c: what gpg's status lines say of a verify or a decrypt,
 * read the way gpgme reads them (its verify.c and decrypt.c), for the
 * runs crypto-direct.c makes.  Anything this file does not know sets
 * odd, and the caller then takes gpgme's path. */
#include <stdlib.h>
#include <string.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

/* Status lines that change nothing in how a reply is judged. */
static bool
status_harmless(const char *kw)
{
	static const char *ok[] = {
		"KEY_CONSIDERED", "SIG_ID", "TRUST_UNDEFINED", "TRUST_NEVER",
		"TRUST_MARGINAL", "TRUST_FULLY", "TRUST_ULTIMATE", "PLAINTEXT",
		"PLAINTEXT_LENGTH", "NOTATION_NAME", "NOTATION_DATA",
		"NOTATION_FLAGS", "POLICY_URL", "VERIFICATION_COMPLIANCE_MODE",
		"DECRYPTION_COMPLIANCE_MODE", "NO_PUBKEY", "PROGRESS",
		"GOODMDC", "KEYEXPIRED", "KEYREVOKED", "SIGEXPIRED",
		"PINENTRY_LAUNCHED", "DECRYPTION_KEY", "NEWSIG",
	};
	size_t i;

	for (i = 0; i < nitems(ok); i++) {
		if (strcmp(kw, ok[i]) == 0)
			return true;
	}
	return false;
}

/* The signature the line is about: a new one unless NEWSIG opened it. */
static struct sig_seen *
status_sig(struct crypto_status *d)
{
	struct sig_seen *s;

	if (d->fresh) {
		d->fresh = false;
		return &d->sigs[d->nsigs - 1];
	}
	if (d->nsigs == CRYPTO_MAX_SIGS) {
		d->odd = true;
		return NULL;
	}
	s = &d->sigs[d->nsigs++];
	memset(s, 0, sizeof *s);
	return s;
}

/* The n-th word of args (0: the first), in a new string, or NULL. */
static char *
status_word(const char *args, int n)
{
	size_t len;

	for (;;) {
		args += strspn(args, " ");
		len = strcspn(args, " ");
		if (len == 0)
			return NULL;
		if (n-- == 0)
			return xstrndup(args, len);
		args += len;
	}
}

static void
status_line(struct crypto_status *d, const char *kw, const char *args)
{
	struct sig_seen *s;
	char *w, *w2;
	int rc;

	if (strcmp(kw, "NEWSIG") == 0) {
		if (d->fresh || d->nsigs == CRYPTO_MAX_SIGS) {
			d->odd = true;
			return;
		}
		memset(&d->sigs[d->nsigs++], 0, sizeof d->sigs[0]);
		d->fresh = true;
	} else if (strcmp(kw, "GOODSIG") == 0 || strcmp(kw, "EXPSIG") == 0 ||
	    strcmp(kw, "EXPKEYSIG") == 0 || strcmp(kw, "REVKEYSIG") == 0 ||
	    strcmp(kw, "BADSIG") == 0 || strcmp(kw, "ERRSIG") == 0) {
		if ((s = status_sig(d)) == NULL)
			return;
		w = status_word(args, 0);
		if (kw[0] == 'G')
			s->code = GPG_ERR_NO_ERROR;
		else if (strcmp(kw, "EXPSIG") == 0)
			s->code = GPG_ERR_SIG_EXPIRED;
		else if (strcmp(kw, "EXPKEYSIG") == 0)
			s->code = GPG_ERR_KEY_EXPIRED;
		else if (kw[0] == 'R')
			s->code = GPG_ERR_CERT_REVOKED;
		else if (kw[0] == 'B')
			s->code = GPG_ERR_BAD_SIGNATURE;
		else {
			w2 = status_word(args, 5);
			rc = w2 != NULL ? atoi(w2) : 0;
			free(w2);
			s->code = rc == 4 ? GPG_ERR_UNSUPPORTED_ALGORITHM :
			    rc == 9 ? GPG_ERR_NO_PUBKEY : GPG_ERR_GENERAL;
			/* The issuer's fingerprint, where the signature
			 * carries it, names the key better than its ID. */
			if ((w2 = status_word(args, 6)) != NULL &&
			    strcmp(w2, "-") != 0) {
				free(w);
				w = w2;
			} else
				free(w2);
		}
		free(d->fprs[s - d->sigs]);
		d->fprs[s - d->sigs] = w;
		s->fpr = w;
	} else if (strcmp(kw, "VALIDSIG") == 0) {
		if (d->nsigs == 0 || d->fresh ||
		    (w = status_word(args, 0)) == NULL) {
			d->odd = true;
			return;
		}
		free(d->fprs[d->nsigs - 1]);
		d->fprs[d->nsigs - 1] = w;
		d->sigs[d->nsigs - 1].fpr = w;
	} else if (strcmp(kw, "ERROR") == 0) {
		w = status_word(args, 0);
		if (w != NULL && strcmp(w, "verify.keyusage") == 0 &&
		    d->nsigs > 0)
			d->sigs[d->nsigs - 1].wrong_key_usage = true;
		else
			d->odd = true;
		free(w);
	} else if (strcmp(kw, "FAILURE") == 0) {
		w = status_word(args, 0);
		if (w == NULL || strcmp(w, "gpg-exit") != 0)
			d->odd = true;
		free(w);
	} else if (strcmp(kw, "ENC_TO") == 0 || strcmp(kw, "NO_SECKEY") == 0)
		d->encrypted = true;
	else if (strcmp(kw, "BEGIN_DECRYPTION") == 0)
		d->begin = d->encrypted = true;
	else if (strcmp(kw, "DECRYPTION_OKAY") == 0)
		d->okay = true;
	else if (strcmp(kw, "END_DECRYPTION") == 0)
		d->end = true;
	else if (strcmp(kw, "DECRYPTION_INFO") == 0) {
		/* The MDC method or the AEAD algorithm: either protects. */
		w = status_word(args, 0);
		w2 = status_word(args, 2);
		d->mdc = (w != NULL && strcmp(w, "0") != 0) ||
		    (w2 != NULL && strcmp(w2, "0") != 0);
		free(w);
		free(w2);
	} else if (strncmp(kw, "NEED_PASSPHRASE", 15) == 0 ||
	    strcmp(kw, "INQUIRE_MAXLEN") == 0 ||
	    strcmp(kw, "GET_HIDDEN") == 0) {
		d->asked = true;
		d->odd = true;
	} else if (!status_harmless(kw))
		d->odd = true;
}

void
crypto_status_parse(struct crypto_status *d, const struct buf *st)
{
	const char *p = st->data, *end = st->data + st->len, *nl;
	char *line, *kw, *args;

	memset(d, 0, sizeof *d);
	while (p != NULL && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			d->odd = true;
			break;
		}
		line = xstrndup(p, (size_t)(nl - p));
		p = nl + 1;
		if (strncmp(line, "[GNUPG:] ", 9) != 0) {
			d->odd = true;
			free(line);
			continue;
		}
		kw = line + 9;
		args = kw + strcspn(kw, " ");
		if (*args != '\0')
			*args++ = '\0';
		status_line(d, kw, args);
		free(line);
	}
	if (d->fresh)
		d->odd = true;
}

void
crypto_status_free(struct crypto_status *d)
{
	size_t i;

	for (i = 0; i < CRYPTO_MAX_SIGS; i++)
		free(d->fprs[i]);
	memset(d, 0, sizeof *d);
}

