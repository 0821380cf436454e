/* filekind.c: what a file field's file must be, when its connector says
 * (a PEM private key, certificate or public key, JSON with given keys, a
 * Google service-account key), checked the way the tool that reads it would. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "util/ssl.h"

#include "catalog/catalog.h"
#include "util/util.h"

static const struct {
	const char	*name;
	const char	*rule;		/* for "must be ..." in an error */
} kinds[] = {
	[FKIND_ANY] = { "any", "a file" },
	[FKIND_PEM_PRIVATE_KEY] = { "pem_private_key", "a PEM private key "
	    "(-----BEGIN ... PRIVATE KEY----- to its END line)" },
	[FKIND_PEM_CERTIFICATE] = { "pem_certificate", "one or more PEM "
	    "certificates (-----BEGIN CERTIFICATE----- to its END line)" },
	[FKIND_PEM_PUBLIC_KEY] = { "pem_public_key", "a PEM public key "
	    "(-----BEGIN PUBLIC KEY----- to its END line)" },
	[FKIND_JSON] = { "json", "a JSON object" },
	[FKIND_SERVICE_ACCOUNT] = { "service_account", "a Google service "
	    "account's JSON key file" },
};

const char *
file_kind_name(enum file_kind k)
{
	return (size_t)k < nitems(kinds) ? kinds[k].name : "?";
}

int
file_kind_parse(const char *s, enum file_kind *k)
{
	size_t i;

	for (i = 0; i < nitems(kinds); i++) {
		if (strcmp(s, kinds[i].name) == 0) {
			*k = (enum file_kind)i;
			return 0;
		}
	}
	return -1;
}

static uint32_t
fk_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* An SSH wire string at *p (within end): its bytes in *s, *n. */
static bool
fk_ssh_string(const unsigned char **p, const unsigned char *end,
    const unsigned char **s, uint32_t *n)
{
	if (end - *p < 4)
		return false;
	*n = fk_u32(*p);
	*p += 4;
	if ((size_t)(end - *p) < *n)
		return false;
	*s = *p;
	*p += *n;
	return true;
}

/*
 * OpenSSH's own key format (PROTOCOL.key): the magic, cipher, KDF and its
 * options, the public keys and the private section, each length within
 * the data; unencrypted, the two check words of the private section agree.
 * OpenSSL cannot read it, and ssh-keygen -y refuses what fails here.
 */
static bool
fk_openssh(const unsigned char *d, size_t len)
{
	static const char magic[] = "openssh-key-v1";
	const unsigned char *p = d, *end = d + len, *s, *cipher, *priv;
	uint32_t n, ncipher, nkeys, npriv, i;

	if (len < sizeof magic || memcmp(d, magic, sizeof magic) != 0)
		return false;
	p += sizeof magic;
	if (!fk_ssh_string(&p, end, &cipher, &ncipher) ||
	    !fk_ssh_string(&p, end, &s, &n) ||	/* kdf name */
	    !fk_ssh_string(&p, end, &s, &n) ||	/* kdf options */
	    end - p < 4)
		return false;
	nkeys = fk_u32(p);
	p += 4;
	if (nkeys == 0 || nkeys > 16)
		return false;
	for (i = 0; i < nkeys; i++) {
		if (!fk_ssh_string(&p, end, &s, &n) || n == 0)
			return false;
	}
	if (!fk_ssh_string(&p, end, &priv, &npriv) || npriv < 8 || p != end)
		return false;
	if (ncipher == 4 && memcmp(cipher, "none", 4) == 0)
		return fk_u32(priv) == fk_u32(priv + 4);
	return npriv % 8 == 0;
}

/* A traditional key's PEM header says it is encrypted (Proc-Type 4). */
static bool
fk_encrypted_header(const char *header)
{
	return header != NULL && strstr(header, "ENCRYPTED") != NULL &&
	    strstr(header, "DEK-Info:") != NULL;
}

/* One PEM block of a private key, by its label. */
static bool
fk_private_block(const char *name, const char *header,
    const unsigned char *d, long len)
{
	const unsigned char *p = d;
	EVP_PKEY *k = NULL;
	X509_SIG *sig;
	int type = EVP_PKEY_NONE;

	if (strcmp(name, "OPENSSH PRIVATE KEY") == 0)
		return fk_openssh(d, (size_t)len);
	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0) {
		/* PKCS #8 encrypted: its structure is all one can check. */
		if ((sig = d2i_X509_SIG(NULL, &p, len)) == NULL)
			return false;
		X509_SIG_free(sig);
		return p == d + len;
	}
	if (strcmp(name, "PRIVATE KEY") == 0)
		k = d2i_AutoPrivateKey(NULL, &p, len);
	else {
		if (strcmp(name, "RSA PRIVATE KEY") == 0)
			type = EVP_PKEY_RSA;
		else if (strcmp(name, "EC PRIVATE KEY") == 0)
			type = EVP_PKEY_EC;
		else if (strcmp(name, "DSA PRIVATE KEY") == 0)
			type = EVP_PKEY_DSA;
		else
			return false;
		if (fk_encrypted_header(header))
			return len > 0 && len % 8 == 0;
		k = d2i_PrivateKey(type, NULL, &p, len);
	}
	EVP_PKEY_free(k);
	return k != NULL && p == d + len;
}

static bool
fk_certificate_block(const char *name, const unsigned char *d, long len)
{
	const unsigned char *p = d;
	X509 *x;

	if (strcmp(name, "CERTIFICATE") == 0 ||
	    strcmp(name, "X509 CERTIFICATE") == 0)
		x = d2i_X509(NULL, &p, len);
	else if (strcmp(name, "TRUSTED CERTIFICATE") == 0)
		x = d2i_X509_AUX(NULL, &p, len);
	else
		return false;
	X509_free(x);
	return x != NULL && p == d + len;
}

static bool
fk_public_block(const char *name, const unsigned char *d, long len)
{
	const unsigned char *p = d;
	EVP_PKEY *k;

	if (strcmp(name, "PUBLIC KEY") == 0)
		k = d2i_PUBKEY(NULL, &p, len);
	else if (strcmp(name, "RSA PUBLIC KEY") == 0)
		k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
	else
		return false;
	EVP_PKEY_free(k);
	return k != NULL && p == d + len;
}

static bool
fk_block(enum file_kind kind, const char *name, const char *header,
    const unsigned char *d, long len)
{
	switch (kind) {
	case FKIND_PEM_PRIVATE_KEY:
		return fk_private_block(name, header, d, len);
	case FKIND_PEM_CERTIFICATE:
		return fk_certificate_block(name, d, len);
	case FKIND_PEM_PUBLIC_KEY:
		return fk_public_block(name, d, len);
	default:
		return false;
	}
}

/*
 * Every PEM block of the text (text around them is allowed, as OpenSSL
 * allows it) is one of the kind: a private or public key alone, one
 * certificate or a bundle of them.  A BEGIN without its END, or a block
 * whose base64 does not decode, fails: OpenSSL's reader says so.
 */
static bool
fk_pem(enum file_kind kind, const char *v, size_t len)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen;
	size_t n = 0;
	bool good = true;
	unsigned long e;

	if (len > INT32_MAX || memchr(v, '\0', len) != NULL)
		return false;
	if ((bio = BIO_new_mem_buf(v, (int)len)) == NULL)
		fatalx("out of memory reading a PEM file");
	ERR_clear_error();
	while (good && PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
		good = fk_block(kind, name, header, data, dlen);
		n++;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, (size_t)dlen);
		name = header = NULL;
		data = NULL;
	}
	/* The loop ends at the end of the text, or at a block it cannot read. */
	e = ERR_peek_last_error();
	if (good && e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
		good = false;
	ERR_clear_error();
	BIO_free(bio);
	if (n == 0 || (n > 1 && kind != FKIND_PEM_CERTIFICATE))
		return false;
	return good;
}

/* A refusal to ask for a passphrase: keys in a service account have none. */
static int
fk_no_password(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

/* A Google service account key: the private key OpenSSL must read. */
static int
fk_service_account(const struct field_def *f, json_t *o, char **errstr)
{
	const char *t, *pem;
	EVP_PKEY *k;
	BIO *bio;

	if ((t = json_string_value(json_object_get(o, "type"))) == NULL ||
	    strcmp(t, "service_account") != 0)
		return errorf(errstr, EX_DATAERR, "%s: must be %s (its \"type\" "
		    "is not \"service_account\")", f->key,
		    kinds[FKIND_SERVICE_ACCOUNT].rule);
	if (json_string_value(json_object_get(o, "client_email")) == NULL)
		return errorf(errstr, EX_DATAERR, "%s: must be %s (it has no "
		    "\"client_email\")", f->key,
		    kinds[FKIND_SERVICE_ACCOUNT].rule);
	if ((pem = json_string_value(json_object_get(o, "private_key"))) ==
	    NULL || strlen(pem) > INT32_MAX)
		return errorf(errstr, EX_DATAERR, "%s: must be %s (it has no "
		    "\"private_key\")", f->key,
		    kinds[FKIND_SERVICE_ACCOUNT].rule);
	if ((bio = BIO_new_mem_buf(pem, (int)strlen(pem))) == NULL)
		fatalx("out of memory reading a PEM key");
	k = PEM_read_bio_PrivateKey(bio, NULL, fk_no_password, NULL);
	ERR_clear_error();
	BIO_free(bio);
	if (k == NULL)
		return errorf(errstr, EX_DATAERR, "%s: must be %s (its "
		    "\"private_key\" is not a private key OpenSSL can read)",
		    f->key, kinds[FKIND_SERVICE_ACCOUNT].rule);
	EVP_PKEY_free(k);
	return 0;
}

static int
fk_json(const struct field_def *f, const char *v, size_t len, char **errstr)
{
	json_error_t jerr;
	json_t *o;
	size_t i;
	int rv = 0;

	o = json_loadb(v, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL || !json_is_object(o)) {
		rv = errorf(errstr, EX_DATAERR, "%s: must be %s (%s)", f->key,
		    kinds[f->file_kind].rule, o == NULL ? "it is not valid "
		    "JSON" : "it is JSON but not an object");
		goto out;
	}
	for (i = 0; i < f->njson_keys; i++) {
		if (json_object_get(o, f->json_keys[i]) == NULL) {
			rv = errorf(errstr, EX_DATAERR, "%s: must be %s with "
			    "the key \"%s\"", f->key, kinds[f->file_kind].rule,
			    f->json_keys[i]);
			goto out;
		}
	}
	if (f->file_kind == FKIND_SERVICE_ACCOUNT)
		rv = fk_service_account(f, o, errstr);
out:
	json_decref(o);
	return rv;
}

int
file_kind_check(const struct field_def *f, const char *v, size_t len,
    char **errstr)
{
	switch (f->file_kind) {
	case FKIND_ANY:
		return 0;
	case FKIND_JSON:
	case FKIND_SERVICE_ACCOUNT:
		return fk_json(f, v, len, errstr);
	default:
		if (!fk_pem(f->file_kind, v, len))
			return errorf(errstr, EX_DATAERR, "%s: must be %s",
			    f->key, kinds[f->file_kind].rule);
		return 0;
	}
}
