/* seal.c: link tokens kept sealed (AES-256-GCM) under a key file in the
 * home, so that the database alone never answers a link.  libsodium's
 * AES-256-GCM where the processor has AES-NI (every link create seals,
 * and OpenSSL's first cipher loads its configuration: 2.5 ms), OpenSSL's
 * elsewhere; the two write the same bytes: IV, ciphertext, tag. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "util/ssl.h"

#include "util/util.h"

#define SEAL_IV		12
#define SEAL_TAG	16

/* A new key, written whole to a temporary file and linked into place, so
 * that two processes making it at once both end with the one that won. */
static int
seal_key_make(const char *path, char **errstr)
{
	unsigned char key[SEAL_KEY_BYTES];
	char *tmp = xprintf("%s.%ld.tmp", path, (long)getpid());
	int fd, rv = 0;

	if ((rv = random_bytes(key, sizeof key, errstr)) != 0)
		goto out;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		rv = errorf(errstr, EX_CONFIG, "cannot create %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (fd_write_all(fd, key, sizeof key) != 0 || fsync(fd) != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot write %s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (link(tmp, path) != 0 && errno != EEXIST)
		rv = errorf(errstr, EX_CONFIG, "cannot create %s: %s", path,
		    strerror(errno));
	unlink(tmp);
out:
	explicit_bzero(key, sizeof key);
	free(tmp);
	return rv;
}

int
seal_key(const char *path, bool create, unsigned char key[SEAL_KEY_BYTES],
    char **errstr)
{
	char *data = NULL, *err = NULL;
	size_t len = 0;
	int rv;

	if (create && access(path, F_OK) != 0 &&
	    (rv = seal_key_make(path, errstr)) != 0)
		return rv;
	if ((rv = file_read(path, SEAL_KEY_BYTES + 1, &data, &len,
	    &err)) != 0) {
		rv = errorf(errstr, EX_CONFIG, "the token key: %s", err);
		free(err);
		return rv;
	}
	if (len != SEAL_KEY_BYTES) {
		free(data);
		return errorf(errstr, EX_CONFIG, "%s is not a token key (%zu "
		    "bytes, not %d): restore it from a backup of the home",
		    path, len, SEAL_KEY_BYTES);
	}
	memcpy(key, data, SEAL_KEY_BYTES);
	explicit_bzero(data, len);
	free(data);
	return 0;
}

/* Is libsodium's AES-256-GCM there (it needs AES-NI)? */
static bool
seal_sodium(void)
{
	if (sodium_init() < 0)
		fatalx("libsodium cannot start");
	return crypto_aead_aes256gcm_is_available() != 0;
}

static int
seal_unhex(const char *s, unsigned char **out, size_t *n)
{
	size_t len = strlen(s), i;
	unsigned int b;

	if (len % 2 != 0)
		return -1;
	*out = xmalloc(len / 2 + 1);
	for (i = 0; i < len / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1) {
			freep(out);
			return -1;
		}
		(*out)[i] = (unsigned char)b;
	}
	*n = len / 2;
	return 0;
}

char *
seal_bytes(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
    const void *text, size_t n)
{
	unsigned char *out = xmalloc(SEAL_IV + n + SEAL_TAG);
	unsigned long long clen;
	EVP_CIPHER_CTX *c;
	int len = 0, fin = 0;
	char *hex;

	if (random_bytes(out, SEAL_IV, NULL) != 0)
		fatalx("AES-256-GCM sealing failed: no random IV");
	if (seal_sodium()) {
		crypto_aead_aes256gcm_encrypt(out + SEAL_IV, &clen,
		    (const unsigned char *)text, n, (const unsigned char *)aad,
		    strlen(aad), NULL, out, key);
		goto done;
	}
	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(c, out + SEAL_IV, &len,
	    (const unsigned char *)text, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(c, out + SEAL_IV + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    out + SEAL_IV + n) != 1)
		fatalx("AES-256-GCM sealing failed");
	EVP_CIPHER_CTX_free(c);
done:
	hex = hex_lower(out, SEAL_IV + n + SEAL_TAG);
	free(out);
	return hex;
}

char *
seal_text(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
    const char *text)
{
	return seal_bytes(key, aad, text, strlen(text));
}

int
unseal_bytes(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
    const char *sealed, char **text, size_t *tlen, char **errstr)
{
	unsigned char *in = NULL, *out = NULL;
	EVP_CIPHER_CTX *c = NULL;
	size_t n = 0;
	int len = 0, fin = 0, rv = 0;

	*text = NULL;
	if (seal_unhex(sealed, &in, &n) != 0 || n < SEAL_IV + SEAL_TAG)
		goto bad;
	n -= SEAL_IV + SEAL_TAG;
	out = xmalloc(n + 1);
	if (seal_sodium()) {
		if (crypto_aead_aes256gcm_decrypt(out, NULL, NULL, in + SEAL_IV,
		    n + SEAL_TAG, (const unsigned char *)aad, strlen(aad), in,
		    key) != 0)
			goto bad;
		goto opened;
	}
	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, in) != 1 ||
	    EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(c, out, &len, in + SEAL_IV, (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
	    in + SEAL_IV + n) != 1 ||
	    EVP_DecryptFinal_ex(c, out + len, &fin) != 1)
		goto bad;
opened:
	out[n] = '\0';
	*text = (char *)out;
	if (tlen != NULL)
		*tlen = n;
	out = NULL;
	goto done;
bad:
	rv = errorf(errstr, EX_DATAERR, "a sealed token does not open with "
	    "this home's token key (another home's database, or a damaged "
	    "key)");
done:
	if (c != NULL)
		EVP_CIPHER_CTX_free(c);
	free(in);
	if (out != NULL) {
		explicit_bzero(out, n);
		free(out);
	}
	return rv;
}

int
unseal_text(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
    const char *sealed, char **text, char **errstr)
{
	return unseal_bytes(key, aad, sealed, text, NULL, errstr);
}
