/* test_vault.c: the vault: a pair made once and found again, sealing and
 * opening at every size around the stream's chunk, damage and truncation
 * refused, a blob of another vault refused, the passphrase (right, wrong,
 * from the file, removed), files sealed in place, and the store sealing
 * secret values (and only those) and opening them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/util.h"
#include "util/vault.h"

struct fixture {
	char		 dir[32];
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);

	strcpy(fx->dir, "/tmp/slvt.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	unsetenv("SETUPLINK_VAULT_PASSPHRASE_FILE");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[64];

	snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	unsetenv("SETUPLINK_VAULT_PASSPHRASE_FILE");
	return 0;
}

static void
test_pair_once(void **state)
{
	struct fixture *fx = *state;
	struct vault *a = NULL, *b = NULL;
	char *err = NULL, *sealed, *plain;
	size_t slen, plen;

	assert_int_equal(vault_load(fx->dir, false, &a, &err), EX_CONFIG);
	free(err);
	err = NULL;
	assert_int_equal(vault_load(fx->dir, true, &a, &err), 0);
	/* A second process finds the same pair. */
	assert_int_equal(vault_load(fx->dir, true, &b, &err), 0);
	vault_seal(a, "hello", 5, &sealed, &slen);
	assert_true(vault_is_sealed(sealed, slen));
	assert_null(memmem(sealed, slen, "hello", 5));
	assert_int_equal(vault_open(b, sealed, slen, &plain, &plen, &err), 0);
	assert_int_equal(plen, 5);
	assert_string_equal(plain, "hello");
	free(plain);
	free(sealed);
	vault_free(&a);
	vault_free(&b);
}

static void
test_sizes(void **state)
{
	struct fixture *fx = *state;
	size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200001 };
	struct vault *v = NULL;
	char *err = NULL, *data, *sealed, *plain;
	size_t i, j, slen, plen;

	assert_int_equal(vault_load(fx->dir, true, &v, &err), 0);
	for (i = 0; i < nitems(sizes); i++) {
		data = xmalloc(sizes[i] + 1);
		for (j = 0; j < sizes[i]; j++)
			data[j] = (char)(j * 7 + i);
		vault_seal(v, data, sizes[i], &sealed, &slen);
		assert_int_equal(vault_open(v, sealed, slen, &plain, &plen,
		    &err), 0);
		assert_int_equal(plen, sizes[i]);
		assert_memory_equal(plain, data, sizes[i]);
		free(plain);
		/* Cut short at a chunk's end: refused, not read as whole. */
		if (sizes[i] > 65536) {
			assert_int_equal(vault_open(v, sealed, slen - (sizes[i] -
			    65536) - 17, &plain, &plen, &err), EX_DATAERR);
			freep(&err);
		}
		free(sealed);
		free(data);
	}
	vault_free(&v);
}

static void
test_damage(void **state)
{
	struct fixture *fx = *state;
	struct vault *v = NULL, *other = NULL;
	char *err = NULL, *sealed, *plain, odir[48];
	size_t slen, plen, at;

	assert_int_equal(vault_load(fx->dir, true, &v, &err), 0);
	vault_seal(v, "a secret value", 14, &sealed, &slen);
	for (at = 8; at < slen; at += 13) {
		sealed[at] ^= 0x01;
		assert_int_equal(vault_open(v, sealed, slen, &plain, &plen,
		    &err), EX_DATAERR);
		assert_null(plain);
		freep(&err);
		sealed[at] ^= 0x01;
	}
	assert_int_equal(vault_open(v, sealed, slen - 1, &plain, &plen, &err),
	    EX_DATAERR);
	freep(&err);
	assert_int_equal(vault_open(v, "plain text", 10, &plain, &plen, &err),
	    EX_DATAERR);
	freep(&err);
	/* Sealed to another home's vault. */
	snprintf(odir, sizeof odir, "%s/other", fx->dir);
	assert_int_equal(dir_make(odir, &err), 0);
	assert_int_equal(vault_load(odir, true, &other, &err), 0);
	assert_int_equal(vault_open(other, sealed, slen, &plain, &plen, &err),
	    EX_DATAERR);
	freep(&err);
	free(sealed);
	vault_free(&v);
	vault_free(&other);
}

static int
ask_wrong(void *arg, const char *q, char **pass, char **errstr)
{
	(*(int *)arg)++;
	*pass = xstrdup("not it");
	return 0;
}

static void
test_passphrase(void **state)
{
	struct fixture *fx = *state;
	struct vault *v = NULL;
	char *err = NULL, *sealed, *plain, pf[64];
	size_t slen, plen;
	bool prot;
	int asked = 0;
	FILE *f;

	assert_int_equal(vault_load(fx->dir, true, &v, &err), 0);
	vault_seal(v, "pw", 2, &sealed, &slen);
	assert_int_equal(vault_unlock(v, &err), 0);
	assert_int_equal(vault_set_passphrase(v, "right one", &err), 0);
	assert_int_equal(vault_protected(v, &prot, &err), 0);
	assert_true(prot);
	vault_free(&v);

	/* No way to ask: 77. */
	assert_int_equal(vault_load(fx->dir, false, &v, &err), 0);
	assert_int_equal(vault_open(v, sealed, slen, &plain, &plen, &err),
	    EX_NOPERM);
	freep(&err);
	vault_set_ask(v, ask_wrong, &asked);
	assert_int_equal(vault_open(v, sealed, slen, &plain, &plen, &err),
	    EX_NOPERM);
	assert_non_null(strstr(err, "wrong vault passphrase"));
	freep(&err);
	assert_int_equal(asked, 1);
	/* The file wins over asking. */
	snprintf(pf, sizeof pf, "%s/pass", fx->dir);
	assert_non_null(f = fopen(pf, "w"));
	fputs("right one\n", f);
	fclose(f);
	setenv("SETUPLINK_VAULT_PASSPHRASE_FILE", pf, 1);
	assert_int_equal(vault_open(v, sealed, slen, &plain, &plen, &err), 0);
	assert_int_equal(asked, 1);
	assert_string_equal(plain, "pw");
	free(plain);
	/* Removed again. */
	assert_int_equal(vault_set_passphrase(v, NULL, &err), 0);
	vault_free(&v);
	unsetenv("SETUPLINK_VAULT_PASSPHRASE_FILE");
	assert_int_equal(vault_load(fx->dir, false, &v, &err), 0);
	assert_int_equal(vault_protected(v, &prot, &err), 0);
	assert_false(prot);
	assert_int_equal(vault_open(v, sealed, slen, &plain, &plen, &err), 0);
	free(plain);
	free(sealed);
	vault_free(&v);
}

static void
test_file(void **state)
{
	struct fixture *fx = *state;
	struct vault *v = NULL;
	char *err = NULL, path[64], *data;
	size_t len;
	FILE *f;

	assert_int_equal(vault_load(fx->dir, true, &v, &err), 0);
	snprintf(path, sizeof path, "%s/msg", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("Subject: x\n\npassword: in-the-clear\n", f);
	fclose(f);
	/* Read in the clear as an older setuplink left it. */
	assert_int_equal(vault_read_file(v, path, 1 << 20, &data, &len, &err),
	    0);
	assert_non_null(strstr(data, "in-the-clear"));
	free(data);
	assert_int_equal(vault_seal_file(v, path, &err), 0);
	assert_int_equal(file_read(path, 1 << 20, &data, &len, &err), 0);
	assert_true(vault_is_sealed(data, len));
	assert_null(memmem(data, len, "in-the-clear", 12));
	free(data);
	/* Sealing twice changes nothing. */
	assert_int_equal(vault_seal_file(v, path, &err), 0);
	assert_int_equal(vault_read_file(v, path, 1 << 20, &data, &len, &err),
	    0);
	assert_string_equal(data, "Subject: x\n\npassword: in-the-clear\n");
	free(data);
	vault_free(&v);
}

static void
test_store(void **state)
{
	struct fixture *fx = *state;
	struct store_seal seal;
	struct catalog *cat = NULL;
	struct vault *v = NULL;
	struct store *st = NULL;
	struct draft *d = NULL;
	struct source src = { SOURCE_ADMIN, "ann@acme.example", 1, 0, NULL,
	    false };
	struct field_write w[] = { { "host", "db.example", 10 },
	    { "password", "pw-in-store", 11 } };
	const struct field_value *fv;
	char *err = NULL, path[64], *data;
	size_t len;
	int64_t id;

	assert_int_equal(vault_load(fx->dir, true, &v, &err), 0);
	assert_int_equal(catalog_load(NULL, &cat, &err), 0);
	snprintf(path, sizeof path, "%s/t.db", fx->dir);
	seal.vault = v;
	seal.cat = cat;
	seal.before = NULL;
	seal.arg = NULL;
	assert_int_equal(store_open_sealed(path, STORE_CREATE, 1000, &seal,
	    &st, &err), 0);
	assert_int_equal(draft_create(st, catalog_find(cat, "postgres"), "P",
	    "ann@acme.example", &id, &err), 0);
	assert_int_equal(draft_write(st, id, w, 2, &src, NULL, &err), 0);
	assert_int_equal(draft_get(st, cat, id, &d, &err), 0);
	fv = draft_value(d, "host");
	assert_false(fv->sealed);
	assert_string_equal(fv->value, "db.example");
	fv = draft_value(d, "password");
	assert_true(fv->sealed);
	assert_true(vault_is_sealed(fv->value, fv->len));
	assert_int_equal(draft_reveal(st, d, &err), 0);
	fv = draft_value(d, "password");
	assert_false(fv->sealed);
	assert_string_equal(fv->value, "pw-in-store");
	draft_free(&d);
	store_close(&st);
	assert_int_equal(file_read(path, 1 << 24, &data, &len, &err), 0);
	assert_null(memmem(data, len, "pw-in-store", 11));
	assert_non_null(memmem(data, len, "db.example", 10));
	free(data);
	catalog_free(&cat);
	vault_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pair_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passphrase, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
