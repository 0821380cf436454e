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

#include "util/util.h"

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
	SSL_FNS(LAZY_MEMBER)
};

/* The functions, resolved once.  A libcrypto that cannot be loaded ends
 * the process with EX_TEMPFAIL naming the package: the installation is
 * incomplete, and the input is not at fault. */
const struct ssl_fns *ssl_fns(void);

#define BIO_ctrl(...) (ssl_fns()->BIO_ctrl)(__VA_ARGS__)
#define BIO_free(...) (ssl_fns()->BIO_free)(__VA_ARGS__)
#define BIO_new_mem_buf(...) (ssl_fns()->BIO_new_mem_buf)(__VA_ARGS__)
#define CRYPTO_clear_free(...) (ssl_fns()->CRYPTO_clear_free)(__VA_ARGS__)
#define CRYPTO_free(...) (ssl_fns()->CRYPTO_free)(__VA_ARGS__)
#define ERR_clear_error(...) (ssl_fns()->ERR_clear_error)(__VA_ARGS__)
#define ERR_peek_last_error(...) (ssl_fns()->ERR_peek_last_error)(__VA_ARGS__)
#define EVP_CIPHER_CTX_ctrl(...) (ssl_fns()->EVP_CIPHER_CTX_ctrl)(__VA_ARGS__)
#define EVP_CIPHER_CTX_free(...) (ssl_fns()->EVP_CIPHER_CTX_free)(__VA_ARGS__)
#define EVP_CIPHER_CTX_new(...) (ssl_fns()->EVP_CIPHER_CTX_new)(__VA_ARGS__)
#define EVP_DecryptFinal_ex(...) (ssl_fns()->EVP_DecryptFinal_ex)(__VA_ARGS__)
#define EVP_DecryptInit_ex(...) (ssl_fns()->EVP_DecryptInit_ex)(__VA_ARGS__)
#define EVP_DecryptUpdate(...) (ssl_fns()->EVP_DecryptUpdate)(__VA_ARGS__)
#define EVP_DigestSign(...) (ssl_fns()->EVP_DigestSign)(__VA_ARGS__)
#define EVP_DigestSignInit(...) (ssl_fns()->EVP_DigestSignInit)(__VA_ARGS__)
#define EVP_DigestVerify(...) (ssl_fns()->EVP_DigestVerify)(__VA_ARGS__)
#define EVP_DigestVerifyInit(...) (ssl_fns()->EVP_DigestVerifyInit)(__VA_ARGS__)
#define EVP_EncryptFinal_ex(...) (ssl_fns()->EVP_EncryptFinal_ex)(__VA_ARGS__)
#define EVP_EncryptInit_ex(...) (ssl_fns()->EVP_EncryptInit_ex)(__VA_ARGS__)
#define EVP_EncryptUpdate(...) (ssl_fns()->EVP_EncryptUpdate)(__VA_ARGS__)
#define EVP_MD_CTX_free(...) (ssl_fns()->EVP_MD_CTX_free)(__VA_ARGS__)
#define EVP_MD_CTX_new(...) (ssl_fns()->EVP_MD_CTX_new)(__VA_ARGS__)
#define EVP_PKEY_eq(...) (ssl_fns()->EVP_PKEY_eq)(__VA_ARGS__)
#define EVP_PKEY_free(...) (ssl_fns()->EVP_PKEY_free)(__VA_ARGS__)
#define EVP_aes_256_gcm(...) (ssl_fns()->EVP_aes_256_gcm)(__VA_ARGS__)
#define EVP_sha256(...) (ssl_fns()->EVP_sha256)(__VA_ARGS__)
#define HMAC(...) (ssl_fns()->HMAC)(__VA_ARGS__)
#define PEM_read_bio(...) (ssl_fns()->PEM_read_bio)(__VA_ARGS__)
#define PEM_read_bio_PUBKEY(...) (ssl_fns()->PEM_read_bio_PUBKEY)(__VA_ARGS__)
#define PEM_read_bio_PrivateKey(...) (ssl_fns()->PEM_read_bio_PrivateKey)(__VA_ARGS__)
#define PEM_read_bio_X509(...) (ssl_fns()->PEM_read_bio_X509)(__VA_ARGS__)
#define X509_SIG_free(...) (ssl_fns()->X509_SIG_free)(__VA_ARGS__)
#define X509_cmp_current_time(...) (ssl_fns()->X509_cmp_current_time)(__VA_ARGS__)
#define X509_free(...) (ssl_fns()->X509_free)(__VA_ARGS__)
#define X509_get0_notAfter(...) (ssl_fns()->X509_get0_notAfter)(__VA_ARGS__)
#define X509_get0_notBefore(...) (ssl_fns()->X509_get0_notBefore)(__VA_ARGS__)
#define X509_get_pubkey(...) (ssl_fns()->X509_get_pubkey)(__VA_ARGS__)
#define d2i_AutoPrivateKey(...) (ssl_fns()->d2i_AutoPrivateKey)(__VA_ARGS__)
#define d2i_PUBKEY(...) (ssl_fns()->d2i_PUBKEY)(__VA_ARGS__)
#define d2i_PrivateKey(...) (ssl_fns()->d2i_PrivateKey)(__VA_ARGS__)
#define d2i_PublicKey(...) (ssl_fns()->d2i_PublicKey)(__VA_ARGS__)
#define d2i_X509(...) (ssl_fns()->d2i_X509)(__VA_ARGS__)
#define d2i_X509_AUX(...) (ssl_fns()->d2i_X509_AUX)(__VA_ARGS__)
#define d2i_X509_SIG(...) (ssl_fns()->d2i_X509_SIG)(__VA_ARGS__)

#endif
