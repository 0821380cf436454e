/* test_validate.c: each field type's rule and canonical form, and errors
 * that name the rule but never the value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "store/store.h"
#include "util/util.h"

static struct field_def
def(enum field_type t)
{
	struct field_def f;

	memset(&f, 0, sizeof f);
	f.key = "k";
	f.type = t;
	f.min = 0;
	f.max = INT64_MAX;
	return f;
}

static void
ok(struct field_def *f, const char *in, const char *want)
{
	char *canon = NULL, *err = NULL;

	assert_int_equal(field_validate(f, in, strlen(in), 100, &canon, &err), 0);
	assert_string_equal(canon, want);
	free(canon);
}

static void
bad(struct field_def *f, const char *in, const char *rule)
{
	char *canon = NULL, *err = NULL;

	assert_int_equal(field_validate(f, in, strlen(in), 100, &canon, &err),
	    EX_DATAERR);
	assert_null(canon);
	assert_non_null(strstr(err, rule));
	if (strlen(in) > 3)
		assert_null(strstr(err, in));	/* never the value */
	free(err);
}

static void
test_integer(void **state)
{
	struct field_def f = def(FT_INTEGER);

	f.min = 1;
	f.max = 65535;
	ok(&f, "5432", "5432");
	ok(&f, " 0080 ", "80");
	ok(&f, "", "");
	bad(&f, "0", "between 1 and 65535");
	bad(&f, "65536", "between 1 and 65535");
	bad(&f, "54x32", "whole number");
	bad(&f, "99999999999999999999", "whole number");
}

static void
test_boolean(void **state)
{
	struct field_def f = def(FT_BOOLEAN);

	ok(&f, "yes", "true");
	ok(&f, "TRUE", "true");
	ok(&f, "1", "true");
	ok(&f, "no", "false");
	ok(&f, "0", "false");
	bad(&f, "maybe", "yes, no");
}

static void
test_enum(void **state)
{
	struct field_def f = def(FT_ENUM);
	char *choices[] = { "disable", "require", "verify-full" };

	f.choices = choices;
	f.nchoices = 3;
	ok(&f, "Require", "require");
	bad(&f, "sometimes", "one of disable, require, verify-full");
}

static void
test_url_email(void **state)
{
	struct field_def u = def(FT_URL), e = def(FT_EMAIL);

	ok(&u, "https://acme.example/api", "https://acme.example/api");
	bad(&u, "acme.example", "URL");
	bad(&u, "ftp://", "URL");
	ok(&e, "bob@client.example", "bob@client.example");
	bad(&e, "bob at client", "email address");
	bad(&e, "bob@client", "email address");
}

static void
test_secret_and_text(void **state)
{
	struct field_def s = def(FT_SECRET), t = def(FT_STRING);
	char *canon = NULL, *err = NULL;

	ok(&s, "hunter2 ", "hunter2");
	/* Only a file holds several lines (a .pgpass line, a variable). */
	bad(&t, "-----BEGIN X-----\nabc\n-----END X-----", "line break");
	bad(&t, "db.example\n*", "line break");
	bad(&s, "pass\rword", "line break");
	bad(&s, "pass\tword", "control characters");
	bad(&s, "pass\033[2Jword", "control characters");
	/* Bytes that are not UTF-8 are refused, never turned into '?'. */
	assert_int_equal(field_validate(&s, "p\xe9ss", 4, 100, &canon, &err),
	    EX_DATAERR);
	assert_non_null(strstr(err, "UTF-8"));
	free(err);
}

static void
test_file(void **state)
{
	struct field_def f = def(FT_FILE);
	char *canon = NULL, *err = NULL;
	char bin[] = { 'a', '\0', 'b' };

	assert_int_equal(field_validate(&f, bin, 3, 100, &canon, &err), 0);
	assert_memory_equal(canon, bin, 3);
	free(canon);
	f.max_size = 2;
	assert_int_equal(field_validate(&f, bin, 3, 100, &canon, &err),
	    EX_DATAERR);
	assert_non_null(strstr(err, "larger than 2 bytes"));
	free(err);
}

/* A throwaway RSA key (as PKCS #8 PEM), its public half and a certificate. */
static void
make_pems(char **priv, char **pub, char **cert)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	BIO *b;
	char *p;
	long n;

	assert_non_null(k);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	for (int i = 0; i < 3; i++) {
		b = BIO_new(BIO_s_mem());
		if (i == 0)
			PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
		else if (i == 1)
			PEM_write_bio_PUBKEY(b, k);
		else
			PEM_write_bio_X509(b, x);
		n = BIO_get_mem_data(b, &p);
		*(i == 0 ? priv : i == 1 ? pub : cert) = xstrndup(p, (size_t)n);
		BIO_free(b);
	}
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
kind_ok(struct field_def *f, const char *in)
{
	char *canon = NULL, *err = NULL;

	assert_int_equal(field_validate(f, in, strlen(in), 1 << 20, &canon,
	    &err), 0);
	assert_memory_equal(canon, in, strlen(in));
	free(canon);
}

static void
kind_bad(struct field_def *f, const char *in, const char *rule)
{
	char *canon = NULL, *err = NULL;

	assert_int_equal(field_validate(f, in, strlen(in), 1 << 20, &canon,
	    &err), EX_DATAERR);
	assert_null(canon);
	if (strstr(err, rule) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err, rule);
	assert_null(strstr(err, "MII"));	/* never the content */
	free(err);
}

static void
test_file_kinds(void **state)
{
	struct field_def f = def(FT_FILE);
	char *priv, *pub, *cert, *s, *cut, *sa;
	char *keys[] = { "host", "token" };

	make_pems(&priv, &pub, &cert);
	f.file_kind = FKIND_PEM_PRIVATE_KEY;
	kind_ok(&f, "");				/* clears the field */
	kind_ok(&f, priv);
	s = xprintf("Bag Attributes: text before is allowed\n%s", priv);
	kind_ok(&f, s);
	free(s);
	kind_bad(&f, cert, "a PEM private key");
	kind_bad(&f, pub, "a PEM private key");
	kind_bad(&f, "this is not a key", "a PEM private key");
	cut = xstrndup(priv, strstr(priv, "-----END") - priv);
	kind_bad(&f, cut, "a PEM private key");		/* no END line */
	s = xprintf("%s%s", priv, priv);
	kind_bad(&f, s, "a PEM private key");		/* two keys */
	free(s);
	s = xstrdup(priv);				/* a line lost */
	memmove(strchr(s, '\n') + 1, strchr(strchr(s, '\n') + 1, '\n') + 1,
	    strlen(strchr(strchr(s, '\n') + 1, '\n') + 1) + 1);
	kind_bad(&f, s, "a PEM private key");
	free(s);

	f.file_kind = FKIND_PEM_CERTIFICATE;
	kind_ok(&f, cert);
	s = xprintf("%s%s", cert, cert);		/* a bundle */
	kind_ok(&f, s);
	free(s);
	s = xprintf("%s%s", cert, priv);
	kind_bad(&f, s, "PEM certificates");
	free(s);
	kind_bad(&f, priv, "PEM certificates");

	f.file_kind = FKIND_PEM_PUBLIC_KEY;
	kind_ok(&f, pub);
	kind_bad(&f, priv, "a PEM public key");

	f.file_kind = FKIND_JSON;
	f.json_keys = keys;
	f.njson_keys = 2;
	kind_ok(&f, "{\"host\": \"h\", \"token\": \"t\"}");
	kind_bad(&f, "{\"host\": \"h\"}", "with the key \"token\"");
	kind_bad(&f, "[1, 2]", "not an object");
	kind_bad(&f, "this is not json", "not valid JSON");
	f.json_keys = NULL;
	f.njson_keys = 0;

	f.file_kind = FKIND_SERVICE_ACCOUNT;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", "service_account",
	    "project_id", "p", "private_key", priv, "client_email",
	    "a@p.iam.gserviceaccount.com");
	sa = json_dumps(o, JSON_INDENT(2));
	kind_ok(&f, sa);
	free(sa);
	json_object_set_new(o, "private_key", json_string("FAKE"));
	sa = json_dumps(o, 0);
	kind_bad(&f, sa, "\"private_key\" is not a private key");
	free(sa);
	json_object_set_new(o, "private_key", json_string(priv));
	json_object_set_new(o, "type", json_string("authorized_user"));
	sa = json_dumps(o, 0);
	kind_bad(&f, sa, "is not \"service_account\"");
	free(sa);
	json_decref(o);
	kind_bad(&f, "this is not json", "service account");
	free(priv);
	free(pub);
	free(cert);
	free(cut);
}

static void
test_duration(void **state)
{
	int64_t s;
	char *err = NULL;

	assert_int_equal(duration_parse("90s", &s, &err), 0);
	assert_int_equal(s, 90);
	assert_int_equal(duration_parse("12h", &s, &err), 0);
	assert_int_equal(s, 43200);
	assert_int_equal(duration_parse("7d", &s, &err), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(duration_parse("7", &s, &err), EX_USAGE);
	free(err);
	err = NULL;
	assert_int_equal(duration_parse("0d", &s, &err), EX_USAGE);
	free(err);
	err = NULL;
	assert_int_equal(duration_parse("1w", &s, &err), EX_USAGE);
	free(err);
	err = NULL;
	assert_int_equal(duration_parse("-1d", &s, &err), EX_USAGE);
	free(err);
}

static void
test_token(void **state)
{
	char *a = NULL, *b = NULL, *err = NULL, *h;

	assert_int_equal(token_new(&a, &err), 0);
	assert_int_equal(token_new(&b, &err), 0);
	assert_int_equal(strlen(a), 32);	/* 160 bits */
	assert_true(token_well_formed(a));
	assert_string_not_equal(a, b);
	assert_false(token_well_formed("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
	assert_false(token_well_formed("abc"));
	h = sha256_hex("abc", 3);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a3"
	    "96177a9cb410ff61f20015ad");
	free(h);
	h = base32_lower((const uint8_t *)"foobar", 6);
	assert_string_equal(h, "mzxw6ytboi");	/* RFC 4648 test vector */
	free(h);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integer),
		cmocka_unit_test(test_boolean),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_url_email),
		cmocka_unit_test(test_secret_and_text),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_kinds),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
