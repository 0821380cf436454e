/* test_lifecycle.c: the pieces of links over time that stand alone: the
 * webhook's signature (RFC 4231's vector) and back-off, its body (keys,
 * never values), and tokens sealed under the home's key. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "util/util.h"
#include "mailer/send/send.h"

static void
test_sign_rfc4231(void **state)
{
	/* RFC 4231 test case 2: key "Jefe". */
	char *s = webhook_sign("Jefe", 4, "what do ya want for nothing?", 28);

	assert_string_equal(s, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	free(s);
}

static void
test_backoff(void **state)
{
	assert_int_equal(webhook_backoff(0), 30);
	assert_int_equal(webhook_backoff(1), 60);
	assert_int_equal(webhook_backoff(2), 120);
	assert_int_equal(webhook_backoff(6), 1920);
	assert_int_equal(webhook_backoff(7), 3600);
	assert_int_equal(webhook_backoff(1000), 3600);
}

static void
test_body(void **state)
{
	struct config cfg;
	struct event e;
	char *b;

	memset(&cfg, 0, sizeof cfg);
	memset(&e, 0, sizeof e);
	cfg.workspace = "Acme \"Data\"";
	e.uid = "abc";
	e.type = "merged";
	e.at = 1796212170;
	e.draft = 3;
	e.link = 7;
	e.fields = "host,password";
	b = webhook_body(&cfg, &e);
	assert_string_equal(b, "{\"id\":\"abc\",\"type\":\"merged\",\"at\":"
	    "\"2026-12-02T11:49:30Z\",\"workspace\":\"Acme \\\"Data\\\"\","
	    "\"draft\":3,\"link\":7,\"fields\":[\"host\",\"password\"],"
	    "\"detail\":null}");
	free(b);
	e.link = 0;
	e.fields = NULL;
	e.detail = "used";
	b = webhook_body(&cfg, &e);
	assert_non_null(strstr(b, "\"link\":null,\"fields\":[],\"detail\":"
	    "\"used\""));
	free(b);
}

static void
test_seal(void **state)
{
	char dir[] = "/tmp/sltu.XXXXXX", *path, *sealed, *text = NULL;
	unsigned char key[SEAL_KEY_BYTES], again[SEAL_KEY_BYTES];
	char *err = NULL;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	path = xprintf("%s/token.key", dir);
	assert_int_equal(seal_key(path, false, key, &err), EX_CONFIG);
	free(err);
	err = NULL;
	assert_int_equal(seal_key(path, true, key, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, SEAL_KEY_BYTES);
	assert_int_equal(seal_key(path, true, again, &err), 0);
	assert_memory_equal(key, again, SEAL_KEY_BYTES);

	sealed = seal_text(key, "setuplink link 1", "abcdefgh2345");
	assert_null(strstr(sealed, "abcdefgh2345"));
	assert_int_equal(unseal_text(key, "setuplink link 1", sealed, &text,
	    &err), 0);
	assert_string_equal(text, "abcdefgh2345");
	free(text);
	/* Bound to its link: another row's aad does not open it. */
	assert_int_equal(unseal_text(key, "setuplink link 2", sealed, &text,
	    &err), EX_DATAERR);
	assert_null(text);
	free(err);
	err = NULL;
	/* Tampered: one hex digit changed. */
	sealed[30] = sealed[30] == '0' ? '1' : '0';
	assert_int_equal(unseal_text(key, "setuplink link 1", sealed, &text,
	    &err), EX_DATAERR);
	free(err);
	err = NULL;
	/* Another key. */
	again[0] ^= 1;
	sealed[30] = sealed[30] == '0' ? '1' : '0';
	assert_int_equal(unseal_text(again, "setuplink link 1", sealed, &text,
	    &err), EX_DATAERR);
	free(err);
	err = NULL;
	assert_int_equal(unseal_text(key, "x", "zz", &text, &err), EX_DATAERR);
	free(err);
	free(sealed);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* The sealed form is AES-256-GCM as OpenSSL writes it (IV, ciphertext,
 * tag, in hex), whichever library sealed it: what OpenSSL seals opens,
 * and what seal_text seals opens in OpenSSL. */
static void
test_seal_openssl(void **state)
{
	unsigned char key[SEAL_KEY_BYTES], iv[12], ct[64], tag[16], pt[64];
	const char *aad = "setuplink link 7", *msg = "tokentokentoken7";
	char *hex, *text = NULL, *err = NULL, *sealed;
	EVP_CIPHER_CTX *c;
	int len, fin, n = (int)strlen(msg);
	size_t i, k;
	unsigned int b;

	for (i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)(i * 7 + 1);
	for (i = 0; i < sizeof iv; i++)
		iv[i] = (unsigned char)(i * 13 + 5);
	c = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key,
	    iv), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &len,
	    (const unsigned char *)aad, (int)strlen(aad)), 1);
	assert_int_equal(EVP_EncryptUpdate(c, ct, &len,
	    (const unsigned char *)msg, n), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, ct + len, &fin), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag),
	    1);
	EVP_CIPHER_CTX_free(c);
	hex = xmalloc(2 * (12 + (size_t)n + 16) + 1);
	k = 0;
	for (i = 0; i < 12; i++, k += 2)
		snprintf(hex + k, 3, "%02x", iv[i]);
	for (i = 0; i < (size_t)n; i++, k += 2)
		snprintf(hex + k, 3, "%02x", ct[i]);
	for (i = 0; i < 16; i++, k += 2)
		snprintf(hex + k, 3, "%02x", tag[i]);
	assert_int_equal(unseal_text(key, aad, hex, &text, &err), 0);
	assert_string_equal(text, msg);
	free(text);
	free(hex);

	sealed = seal_text(key, aad, msg);
	assert_int_equal(strlen(sealed), 2 * (12 + (size_t)n + 16));
	for (i = 0; i < 12; i++) {
		sscanf(sealed + 2 * i, "%2x", &b);
		iv[i] = (unsigned char)b;
	}
	for (i = 0; i < (size_t)n; i++) {
		sscanf(sealed + 24 + 2 * i, "%2x", &b);
		ct[i] = (unsigned char)b;
	}
	for (i = 0; i < 16; i++) {
		sscanf(sealed + 24 + 2 * (size_t)n + 2 * i, "%2x", &b);
		tag[i] = (unsigned char)b;
	}
	c = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key,
	    iv), 1);
	assert_int_equal(EVP_DecryptUpdate(c, NULL, &len,
	    (const unsigned char *)aad, (int)strlen(aad)), 1);
	assert_int_equal(EVP_DecryptUpdate(c, pt, &len, ct, n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag),
	    1);
	assert_int_equal(EVP_DecryptFinal_ex(c, pt + len, &fin), 1);
	EVP_CIPHER_CTX_free(c);
	assert_memory_equal(pt, msg, (size_t)n);
	free(sealed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_rfc4231),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_seal_openssl),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
