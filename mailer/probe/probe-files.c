/* probe-files.c: the files kind, and the checks other kinds share: what
 * can be proved without the network.  A service account's key signs a
 * test JWT that its own public half verifies; a PEM key opens with its
 * passphrase; a certificate parses and is within its dates; a key and a
 * public key or certificate belong together.  OpenSSL's libcrypto. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "util/ssl.h"

#include "mailer/probe/private.h"

struct pass {
	const char	*pw;
	bool		 asked;
};

static int
pass_cb(char *buf, int size, int rwflag, void *arg)
{
	struct pass *ps = arg;
	size_t n;

	(void)rwflag;
	ps->asked = true;
	if (ps->pw == NULL)
		return -1;
	n = strlen(ps->pw);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, ps->pw, n);
	return (int)n;
}

/* A PEM private key, opened with pw when it is encrypted. */
static EVP_PKEY *
key_open(const char *pem, size_t len, const char *pw, bool *encrypted)
{
	struct pass ps = { pw, false };
	EVP_PKEY *k;
	BIO *b;

	*encrypted = false;
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	k = PEM_read_bio_PrivateKey(b, NULL, pass_cb, &ps);
	BIO_free(b);
	ERR_clear_error();
	*encrypted = ps.asked;
	return k;
}

/* Sign "header.payload" with k and verify it with k's public half. */
static bool
key_signs(EVP_PKEY *k)
{
	static const char msg[] = "eyJhbGciOiJSUzI1NiJ9.eyJzZXR1cGxpbmsiOjF9";
	unsigned char sig[1024];
	size_t siglen = sizeof sig;
	EVP_MD_CTX *m;
	bool ok = false;

	if ((m = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestSign(m, sig, &siglen, (const unsigned char *)msg,
	    sizeof msg - 1) == 1 &&
	    EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestVerify(m, sig, siglen, (const unsigned char *)msg,
	    sizeof msg - 1) == 1)
		ok = true;
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok;
}

static int
check_service_account(struct probe *p, const char *v, size_t len)
{
	const char *key = probe_key(p, "service_account"), *pem, *email;
	json_t *o;
	EVP_PKEY *k = NULL;
	bool enc = false;
	int rv;

	if ((o = json_loadb(v, len, 0, NULL)) == NULL || !json_is_object(o)) {
		json_decref(o);
		return probe_fail(p, EX_UNAVAILABLE, "file", "service_account",
		    "%s is not JSON", key);
	}
	pem = json_string_value(json_object_get(o, "private_key"));
	email = json_string_value(json_object_get(o, "client_email"));
	if (pem == NULL || email == NULL ||
	    !json_is_string(json_object_get(o, "type")) ||
	    strcmp(json_string_value(json_object_get(o, "type")),
	    "service_account") != 0)
		rv = probe_fail(p, EX_UNAVAILABLE, "file", "service_account",
		    "%s is not a service account key (type, client_email and "
		    "private_key)", key);
	else if ((k = key_open(pem, strlen(pem), NULL, &enc)) == NULL)
		rv = probe_fail(p, EX_UNAVAILABLE, "file", "service_account",
		    "the private key in %s does not parse", key);
	else if (!key_signs(k))
		rv = probe_fail(p, EX_UNAVAILABLE, "file", "service_account",
		    "the private key in %s cannot sign", key);
	else {
		probe_ok(p, "file", "%s: the key of %s signs a test JWT", key,
		    str_has_ctl(email) ? "the account" : email);
		rv = 0;
	}
	EVP_PKEY_free(k);
	json_decref(o);
	return rv;
}

/* The private_key role, with the passphrase role; *out keeps the key. */
static int
check_private_key(struct probe *p, const char *v, size_t len, EVP_PKEY **out)
{
	const char *key = probe_key(p, "private_key");
	const char *pw = probe_get(p, "passphrase", NULL);
	EVP_PKEY *k;
	bool enc = false;

	if (strstr(v, "BEGIN OPENSSH PRIVATE KEY") != NULL) {
		probe_ok(p, "file", "%s is an OpenSSH key, which only the SSH "
		    "login can open", key);
		return 0;
	}
	if ((k = key_open(v, len, pw, &enc)) == NULL) {
		if (enc && pw == NULL)
			return probe_fail(p, EX_DATAERR, "incomplete",
			    "passphrase", "%s is encrypted and %s has no value",
			    key, probe_key(p, "passphrase"));
		if (enc)
			return probe_fail(p, EX_UNAVAILABLE, "passphrase",
			    "passphrase", "%s does not open %s",
			    probe_key(p, "passphrase"), key);
		return probe_fail(p, EX_UNAVAILABLE, "file", "private_key",
		    "%s is not a PEM private key", key);
	}
	if (!key_signs(k)) {
		EVP_PKEY_free(k);
		return probe_fail(p, EX_UNAVAILABLE, "file", "private_key",
		    "%s cannot sign", key);
	}
	probe_ok(p, "file", "%s opens%s and signs", key,
	    enc ? " with its passphrase" : "");
	*out = k;
	return 0;
}

static int
check_certificate(struct probe *p, const char *role, const char *v,
    size_t len)
{
	const char *key = probe_key(p, role);
	X509 *x;
	BIO *b;
	int rv;

	if ((b = BIO_new_mem_buf(v, (int)len)) == NULL)
		return probe_fail(p, EX_TEMPFAIL, "file", NULL, "out of memory");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (x == NULL)
		return probe_fail(p, EX_UNAVAILABLE, "file", role, "%s is not a "
		    "PEM certificate", key);
	if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
		rv = probe_fail(p, EX_UNAVAILABLE, "file", role, "the "
		    "certificate in %s has expired", key);
	else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		rv = probe_fail(p, EX_UNAVAILABLE, "file", role, "the "
		    "certificate in %s is not valid yet", key);
	else {
		probe_ok(p, "file", "%s: a certificate within its dates", key);
		rv = 0;
	}
	X509_free(x);
	return rv;
}

/* Does the public_key role (a PEM public key or certificate) belong to k? */
static int
check_pair(struct probe *p, EVP_PKEY *k, const char *v, size_t len)
{
	const char *key = probe_key(p, "public_key");
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;
	BIO *b;
	int rv;

	if ((b = BIO_new_mem_buf(v, (int)len)) == NULL)
		return probe_fail(p, EX_TEMPFAIL, "file", NULL, "out of memory");
	if ((pub = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) == NULL) {
		(void)BIO_reset(b);
		if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
			pub = X509_get_pubkey(x);
	}
	BIO_free(b);
	ERR_clear_error();
	if (pub == NULL)
		rv = probe_fail(p, EX_UNAVAILABLE, "file", "public_key", "%s is "
		    "not a PEM public key or certificate", key);
	else if (EVP_PKEY_eq(k, pub) != 1)
		rv = probe_fail(p, EX_UNAVAILABLE, "pair", "private_key,"
		    "public_key", "%s and %s do not belong together",
		    probe_key(p, "private_key"), key);
	else {
		probe_ok(p, "pair", "%s matches %s", key,
		    probe_key(p, "private_key"));
		rv = 0;
	}
	EVP_PKEY_free(pub);
	X509_free(x);
	return rv;
}

int
probe_files(struct probe *p)
{
	EVP_PKEY *k = NULL;
	const char *v;
	size_t len, done = 0;
	int rv = 0;

	if ((v = probe_get(p, "service_account", &len)) != NULL && ++done &&
	    (rv = check_service_account(p, v, len)) != 0)
		return rv;
	if ((v = probe_get(p, "private_key", &len)) != NULL && ++done &&
	    (rv = check_private_key(p, v, len, &k)) != 0)
		return rv;
	if ((v = probe_get(p, "certificate", &len)) != NULL && ++done &&
	    (rv = check_certificate(p, "certificate", v, len)) != 0)
		goto out;
	if ((v = probe_get(p, "public_key", &len)) != NULL && k != NULL &&
	    ++done && (rv = check_pair(p, k, v, len)) != 0)
		goto out;
	if (done == 0)
		probe_ok(p, "files", "nothing to check here: %s", p->t->why ?
		    p->t->why : "the connector declares no file to check");
out:
	EVP_PKEY_free(k);
	return rv;
}

int
probe_certificate(struct probe *p, const char *role)
{
	const char *v;
	size_t len;

	if ((v = probe_get(p, role, &len)) == NULL)
		return 0;
	return check_certificate(p, role, v, len);
}
