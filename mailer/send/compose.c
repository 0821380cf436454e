/* compose.c: the setup email as sent: its header block and the text and
 * the workspace key, PGP/MIME-signed (RFC 3156); the text is compose-text.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/send/private.h"

#define KEYDATA_CHUNK	72	/* base64 characters per folded line */

char *
reply_address(const struct config *cfg, const char *token)
{
	return xprintf("%s+%s@%s", cfg->intake_local, token,
	    cfg->intake_domain);
}

/*
 * A Message-ID on the intake's domain: the intake recognises replies and
 * bounces by it, and a domain of ours keeps it unique.  Should the kernel
 * refuse random bytes, the time and the process id still make one.
 */
char *
message_id_new(const struct config *cfg)
{
	static unsigned counter;
	uint8_t raw[12];
	char *r, *rnd;

	if (random_bytes(raw, sizeof raw, NULL) != 0)
		return xprintf("%lld.%ld.%u.setuplink@%s",
		    (long long)time_now(), (long)getpid(), counter++,
		    cfg->intake_domain);
	rnd = base32_lower(raw, sizeof raw);
	r = xprintf("%lld.%s.setuplink@%s", (long long)time_now(), rnd,
	    cfg->intake_domain);
	free(rnd);
	return r;
}

/* Autocrypt's keydata: the key in base64, in words a header can fold. */
static char *
compose_base64(const char *data, size_t len)
{
	char *b64 = base64_encode(data, len);
	struct buf b;
	size_t i, n = strlen(b64);

	/* Spaces let the header fold; Autocrypt ignores them. */
	buf_init(&b);
	for (i = 0; i < n; i += KEYDATA_CHUNK) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_add(&b, b64 + i, n - i < KEYDATA_CHUNK ? n - i : KEYDATA_CHUNK);
	}
	free(b64);
	return buf_take(&b);
}

/*
 * The header block: who asks, to whom, what about, and our own marks.
 * The Autocrypt header offers the key for the reply address only, so it
 * goes where that address is the From.
 */
static struct writer *
compose_writer(const struct setup_mail *sm, const char *reply,
    const char *message_id, const char *keydata)
{
	const struct config *cfg = sm->cfg;
	struct writer_head h;
	struct writer *w;
	char *name, *subject, *s;

	name = xprintf("%s via %s (setuplink)", compose_asker(cfg),
	    cfg->workspace);
	subject = compose_subject(sm);
	memset(&h, 0, sizeof h);
	h.date = time_now();
	h.from_name = name;
	h.from = cfg->from_intake ? cfg->intake : reply;
	h.reply_to = reply;
	h.to = sm->link->to;
	h.message_id = message_id;
	h.subject = subject;
	w = writer_new(&h);
	s = xprintf("%lld", (long long)sm->link->id);
	writer_field(w, "X-Setuplink", s);
	free(s);
	if (keydata != NULL) {
		s = xprintf("addr=%s; prefer-encrypt=mutual; keydata= %s",
		    reply, keydata);
		writer_field(w, "Autocrypt", s);
		free(s);
	}
	free(name);
	free(subject);
	return w;
}

/* Is needle, framed by the boundary's delimiter lines, inside hay? */
static bool
compose_framed(const char *hay, size_t hlen, const char *boundary,
    const char *needle, size_t nlen)
{
	char *open, *close;
	const char *p;
	bool ok = false;

	if (boundary == NULL)
		return false;
	open = xprintf("--%s\r\n", boundary);
	close = xprintf("\r\n--%s\r\n", boundary);
	if ((p = memmem(hay, hlen, open, strlen(open))) != NULL) {
		p += strlen(open);
		ok = (size_t)(hay + hlen - p) >= nlen + strlen(close) &&
		    memcmp(p, needle, nlen) == 0 &&
		    memcmp(p + nlen, close, strlen(close)) == 0;
	}
	free(open);
	free(close);
	return ok;
}

/* The signed entity: the text and the key, as one multipart/mixed. */
static struct mailmime *
compose_mixed(struct writer *w, struct mailmime *parent,
    const struct setup_mail *sm, const char *armored, size_t alen)
{
	struct writer_leaf key;
	struct mailmime *mixed;
	char *plain, *keyfile;

	plain = compose_text(sm);
	keyfile = compose_key_filename(sm->cfg);
	mixed = writer_multipart(w, parent, "multipart/mixed");
	writer_text(w, mixed, plain);
	memset(&key, 0, sizeof key);
	key.type = "application/pgp-keys";
	key.name = keyfile;
	key.filename = keyfile;
	key.data = armored;
	key.len = alen;
	writer_leaf(w, mixed, &key);
	free(plain);
	free(keyfile);
	return mixed;
}

/*
 * The whole message.  RFC 3156: multipart/signed holds the signed entity
 * (here multipart/mixed: the text and the key) and the detached signature
 * over that entity's exact CRLF bytes, which the writer writes once for
 * the signature and once more inside the message; fixed boundaries make
 * the two writes equal, and the result is checked before it is handed out.
 */
int
compose_setup(const struct setup_mail *sm, const char *message_id,
    char **msg, size_t *len, char **errstr)
{
	struct writer *w = NULL;
	struct writer_leaf sig;
	struct mailmime *sgn, *mixed;
	char *reply, *uid = NULL, *armored = NULL, *minimal = NULL;
	char *keydata = NULL, *signed_data = NULL, *signature = NULL;
	char *micalg = NULL;
	size_t alen, mlen, slen, siglen;
	int rv;

	*msg = NULL;
	*len = 0;
	reply = reply_address(sm->cfg, sm->token);
	uid = xprintf("%s (setuplink) <%s>", sm->cfg->workspace, reply);
	if (sm->fast != NULL) {
		if (crypto_fast_export_with_uid(sm->fast, uid, &armored, &alen,
		    &minimal, &mlen) != 0) {
			rv = COMPOSE_USE_GPG;
			goto out;
		}
	} else if ((rv = crypto_export_with_uid(sm->crypto, sm->key_fpr, uid,
	    &armored, &alen, &minimal, &mlen, errstr)) != 0)
		goto out;
	if (!sm->cfg->from_intake)
		keydata = compose_base64(minimal, mlen);
	w = compose_writer(sm, reply, message_id, keydata);
	sgn = writer_multipart(w, NULL, "multipart/signed");
	mixed = compose_mixed(w, sgn, sm, armored, alen);
	if (writer_write(w, mixed, &signed_data, &slen, NULL) != 0) {
		rv = errorf(errstr, EX_SOFTWARE, "could not write the setup "
		    "email's signed part");
		goto out;
	}
	if (sm->fast != NULL) {
		if (crypto_fast_sign(sm->fast, signed_data, slen, &signature,
		    &siglen, &micalg) != 0) {
			rv = COMPOSE_USE_GPG;
			goto out;
		}
	} else if ((rv = crypto_sign_detached(sm->crypto, sm->key_fpr,
	    signed_data, slen, &signature, &siglen, &micalg, errstr)) != 0)
		goto out;
	writer_param(sgn, "micalg", micalg);
	writer_param(sgn, "protocol", "application/pgp-signature");
	memset(&sig, 0, sizeof sig);
	sig.type = "application/pgp-signature";
	sig.name = "signature.asc";
	sig.description = "OpenPGP digital signature";
	sig.data = signature;
	sig.len = siglen;
	writer_leaf(w, sgn, &sig);
	if (writer_write(w, NULL, msg, len, NULL) != 0) {
		rv = errorf(errstr, EX_SOFTWARE, "could not write the setup "
		    "email");
		goto out;
	}
	if (!compose_framed(*msg, *len, writer_boundary_of(sgn), signed_data,
	    slen)) {
		freep(msg);
		*len = 0;
		rv = errorf(errstr, EX_SOFTWARE, "the setup email's signed part "
		    "came out different from what was signed");
		goto out;
	}
out:
	writer_free(&w);
	free(reply);
	free(uid);
	free(armored);
	free(minimal);
	free(keydata);
	free(signed_data);
	free(signature);
	free(micalg);
	return rv;
}
