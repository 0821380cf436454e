/* ssl.h: OpenSSL's libcrypto, loaded on first use (util/lazy.c).  Mapping
 * it costs about 0.8 ms of CPU at every start, and an intake needs it only
 * for a file field (a PEM key or certificate), a sign-in's sealed values
 * or a webhook's signature.  A file that calls libcrypto includes this
 * after the OpenSSL headers: each function below keeps its name and goes
 * through the library loaded on the first call. */
#ifndef SETUPLINK_SSL_H
#define SETUPLINK_SSL_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* Every libcrypto function setuplink calls (nm -u of its objects). */
#define SSL_FNS(X) \
	X(BIO_ctrl) X(BIO_free) X(BIO_new_mem_buf) X(CRYPTO_clear_free) \
	X(CRYPTO_free) X(ERR_clear_error) X(ERR_peek_last_error) \
	X(EVP_CIPHER_CTX_ctrl) X(EVP_CIPHER_CTX_free) X(EVP_CIPHER_CTX_new) \
	X(EVP_DecryptFinal_ex) X(EVP_DecryptInit_ex) X(EVP_DecryptUpdate) \
	X(EVP_DigestSign) X(EVP_DigestSignInit) X(EVP_DigestVerify) \
	X(EVP_DigestVerifyInit) X(EVP_EncryptFinal_ex) \
	X(EVP_EncryptInit_ex) X(EVP_EncryptUpdate) X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) X(EVP_PKEY_eq) X(EVP_PKEY_free) \
	X(EVP_aes_256_gcm) X(EVP_sha256) X(HMAC) X(PEM_read_bio) \
	X(PEM_read_bio_PUBKEY) X(PEM_read_bio_PrivateKey) \
	X(PEM_read_bio_X509) X(X509_SIG_free) X(X509_cmp_current_time) \
	X(X509_free) X(X509_get0_notAfter) X(X509_get0_notBefore) \
	X(X509_get_pubkey) X(d2i_AutoPrivateKey) X(d2i_PUBKEY) \
	X(d2i_PrivateKey) X(d2i_PublicKey) X(d2i_X509) X(d2i_X509_AUX) \
	X(d2i_X509_SIG)

struct ssl_fns {
#define SSL_FN_MEMBER(f)	__typeof__(f) *f;
	SSL_FNS(SSL_FN_MEMBER)
#undef SSL_FN_MEMBER
};

/* The functions, resolved once.  A libcrypto that cannot be loaded ends
 * the process with EX_TEMPFAIL naming the package: the installation is
 * incomplete, and the input is not at fault. */
const struct ssl_fns *ssl_fns(void);

#define BIO_ctrl (ssl_fns()->BIO_ctrl)
#define BIO_free (ssl_fns()->BIO_free)
#define BIO_new_mem_buf (ssl_fns()->BIO_new_mem_buf)
#define CRYPTO_clear_free (ssl_fns()->CRYPTO_clear_free)
#define CRYPTO_free (ssl_fns()->CRYPTO_free)
#define ERR_clear_error (ssl_fns()->ERR_clear_error)
#define ERR_peek_last_error (ssl_fns()->ERR_peek_last_error)
#define EVP_CIPHER_CTX_ctrl (ssl_fns()->EVP_CIPHER_CTX_ctrl)
#define EVP_CIPHER_CTX_free (ssl_fns()->EVP_CIPHER_CTX_free)
#define EVP_CIPHER_CTX_new (ssl_fns()->EVP_CIPHER_CTX_new)
#define EVP_DecryptFinal_ex (ssl_fns()->EVP_DecryptFinal_ex)
#define EVP_DecryptInit_ex (ssl_fns()->EVP_DecryptInit_ex)
#define EVP_DecryptUpdate (ssl_fns()->EVP_DecryptUpdate)
#define EVP_DigestSign (ssl_fns()->EVP_DigestSign)
#define EVP_DigestSignInit (ssl_fns()->EVP_DigestSignInit)
#define EVP_DigestVerify (ssl_fns()->EVP_DigestVerify)
#define EVP_DigestVerifyInit (ssl_fns()->EVP_DigestVerifyInit)
#define EVP_EncryptFinal_ex (ssl_fns()->EVP_EncryptFinal_ex)
#define EVP_EncryptInit_ex (ssl_fns()->EVP_EncryptInit_ex)
#define EVP_EncryptUpdate (ssl_fns()->EVP_EncryptUpdate)
#define EVP_MD_CTX_free (ssl_fns()->EVP_MD_CTX_free)
#define EVP_MD_CTX_new (ssl_fns()->EVP_MD_CTX_new)
#define EVP_PKEY_eq (ssl_fns()->EVP_PKEY_eq)
#define EVP_PKEY_free (ssl_fns()->EVP_PKEY_free)
#define EVP_aes_256_gcm (ssl_fns()->EVP_aes_256_gcm)
#define EVP_sha256 (ssl_fns()->EVP_sha256)
#define HMAC (ssl_fns()->HMAC)
#define PEM_read_bio (ssl_fns()->PEM_read_bio)
#define PEM_read_bio_PUBKEY (ssl_fns()->PEM_read_bio_PUBKEY)
#define PEM_read_bio_PrivateKey (ssl_fns()->PEM_read_bio_PrivateKey)
#define PEM_read_bio_X509 (ssl_fns()->PEM_read_bio_X509)
#define X509_SIG_free (ssl_fns()->X509_SIG_free)
#define X509_cmp_current_time (ssl_fns()->X509_cmp_current_time)
#define X509_free (ssl_fns()->X509_free)
#define X509_get0_notAfter (ssl_fns()->X509_get0_notAfter)
#define X509_get0_notBefore (ssl_fns()->X509_get0_notBefore)
#define X509_get_pubkey (ssl_fns()->X509_get_pubkey)
#define d2i_AutoPrivateKey (ssl_fns()->d2i_AutoPrivateKey)
#define d2i_PUBKEY (ssl_fns()->d2i_PUBKEY)
#define d2i_PrivateKey (ssl_fns()->d2i_PrivateKey)
#define d2i_PublicKey (ssl_fns()->d2i_PublicKey)
#define d2i_X509 (ssl_fns()->d2i_X509)
#define d2i_X509_AUX (ssl_fns()->d2i_X509_AUX)
#define d2i_X509_SIG (ssl_fns()->d2i_X509_SIG)

#endif
