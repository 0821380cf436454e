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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_rfc4231),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_seal),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
