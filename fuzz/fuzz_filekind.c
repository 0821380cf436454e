/* fuzz_filekind.c: the file checkers (file_kind_check through
 * field_validate): PEM private keys, certificates and public keys read
 * with OpenSSL, OpenSSH keys, JSON with given keys, Google service-account
 * keys.  The first byte picks the kind; the rest is the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "store/store.h"

static char *json_keys[] = { "host", "token" };

static struct field_def defs[] = {
	{ .key = "private_key", .type = FT_FILE,
	  .file_kind = FKIND_PEM_PRIVATE_KEY },
	{ .key = "sslrootcert", .type = FT_FILE,
	  .file_kind = FKIND_PEM_CERTIFICATE },
	{ .key = "pubkey", .type = FT_FILE, .file_kind = FKIND_PEM_PUBLIC_KEY },
	{ .key = "config", .type = FT_FILE, .file_kind = FKIND_JSON,
	  .json_keys = json_keys, .njson_keys = nitems(json_keys) },
	{ .key = "credentials_json", .type = FT_FILE,
	  .file_kind = FKIND_SERVICE_ACCOUNT },
};

/*
 * Whether an input looks like file content rather than words the rules
 * themselves use (" PUBLIC KEY---" is in "a PEM public key (-----BEGIN
 * PUBLIC KEY----- ..."): a digit, a line break, a bracket or a byte
 * past ASCII, none of which a refusal's fixed text holds.
 */
static bool
fuzz_file_like(const char *v, size_t size)
{
	size_t i;

	if (size < 12)
		return false;
	for (i = 0; i < size; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c >= '0' && c <= '9') || c == '\n' || c == '{' ||
		    c == '}' || c == '[' || c == ']' || c >= 0x80)
			return true;
	}
	return false;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct field_def *f;
	char *v, *canon = (char *)1, *err = NULL;
	int rv;

	if (size == 0)
		return 0;
	f = &defs[data[0] % nitems(defs)];
	data++;
	size--;
	/* An exact-size copy, so that a read past the end is caught. */
	v = xmalloc(size > 0 ? size : 1);
	memcpy(v, data, size);
	rv = field_validate(f, v, size, 1 << 20, &canon, &err);
	if (rv == 0) {
		FUZZ_CHECK(canon != NULL && err == NULL,
		    "success without a value");
		FUZZ_CHECK(memcmp(canon, v, size) == 0 && canon[size] == '\0',
		    "a file changed on the way");
		if (size > 0 && f->file_kind != FKIND_JSON &&
		    f->file_kind != FKIND_SERVICE_ACCOUNT)
			FUZZ_CHECK(memmem(v, size, "-----BEGIN ", 11) != NULL &&
			    memmem(v, size, "-----END ", 9) != NULL,
			    "a PEM file taken without BEGIN and END lines");
		if (size > 0 && f->file_kind == FKIND_SERVICE_ACCOUNT)
			FUZZ_CHECK(memmem(v, size, "service_account", 15) !=
			    NULL, "a service account without its type");
		free(canon);
	} else {
		FUZZ_CHECK(rv == EX_DATAERR, "a bad file is not EX_DATAERR");
		FUZZ_CHECK(canon == NULL && err != NULL &&
		    strncmp(err, f->key, strlen(f->key)) == 0,
		    "a refusal that does not name its field");
		FUZZ_CHECK(!fuzz_file_like(v, size) ||
		    memmem(err, strlen(err), v, size) == NULL,
		    "the file's content in the error");
		free(err);
	}
	free(v);
	return 0;
}
