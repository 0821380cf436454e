/* fuzz_validate.c: the value validators (field_validate, for every field
 * type a connector may declare) and DURATION (duration_parse), which read
 * what a reply or an admin typed.  The first byte picks the field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "store/store.h"
#include "util/config.h"

static char *choices[] = { "password", "key_file", "oauth", "require" };

static struct field_def defs[] = {
	{ .key = "host", .type = FT_STRING, .max = INT64_MAX },
	{ .key = "port", .type = FT_INTEGER, .min = 1, .max = 65535 },
	{ .key = "timeout", .type = FT_INTEGER, .min = 0, .max = INT64_MAX },
	{ .key = "offset", .type = FT_INTEGER, .min = INT64_MIN,
	  .max = INT64_MAX },
	{ .key = "password", .type = FT_SECRET, .secret = true,
	  .max = INT64_MAX },
	{ .key = "sslrootcert", .type = FT_FILE, .max = INT64_MAX },
	{ .key = "keyfile", .type = FT_FILE, .secret = true, .max_size = 64,
	  .max = INT64_MAX },
	{ .key = "auth", .type = FT_ENUM, .choices = choices,
	  .nchoices = nitems(choices), .max = INT64_MAX },
	{ .key = "ssl", .type = FT_BOOLEAN, .max = INT64_MAX },
	{ .key = "endpoint", .type = FT_URL, .max = INT64_MAX },
	{ .key = "contact", .type = FT_EMAIL, .max = INT64_MAX },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* A canonical value is its own canonical form: validating it again must
 * give it back unchanged, or a value would drift each time it is saved. */
static void
fuzz_fixed_point(const struct field_def *f, const char *canon)
{
	char *again = NULL, *err = NULL;
	int rv;

	rv = field_validate(f, canon, strlen(canon), 1 << 20, &again, &err);
	FUZZ_CHECK(rv == 0, "a canonical value no longer validates");
	FUZZ_CHECK(strcmp(again, canon) == 0,
	    "a canonical value is not its own canonical form");
	free(again);
	free(err);
}

static void
fuzz_field(const struct field_def *f, const uint8_t *data, size_t size)
{
	char *canon = (char *)1, *err = NULL, *v;
	int rv;

	/* An exact-size copy, so that a read past len is caught. */
	v = xmalloc(size > 0 ? size : 1);
	memcpy(v, data, size);
	rv = field_validate(f, v, size, 1 << 20, &canon, &err);
	if (rv == 0) {
		FUZZ_CHECK(canon != NULL && err == NULL, "success without a value");
		if (f->type == FT_FILE)
			FUZZ_CHECK(memcmp(canon, v, size) == 0 &&
			    canon[size] == '\0', "a file changed on the way");
		else {
			/* Only a file holds several lines. */
			FUZZ_CHECK(fuzz_utf8_ok(canon, strlen(canon), false,
			    false), "a canonical text value is not one clean "
			    "line of UTF-8");
			fuzz_fixed_point(f, canon);
		}
	} else {
		FUZZ_CHECK(rv == EX_DATAERR, "a bad value is not EX_DATAERR");
		FUZZ_CHECK(canon == NULL && err != NULL,
		    "a failure without its sentence");
	}
	free(canon);
	free(err);
	free(v);
}

static void
fuzz_duration(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *err = NULL;
	int64_t secs = -1;

	if (duration_parse(s, &secs, &err) == 0) {
		FUZZ_CHECK(err == NULL && secs > 0, "a duration of 0 or less");
		FUZZ_CHECK(secs <= (int64_t)100000000 * 86400,
		    "a duration past its bound");
	} else
		FUZZ_CHECK(err != NULL && secs == -1,
		    "a failed duration changed its output");
	free(err);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	fuzz_field(&defs[data[0] % nitems(defs)], data + 1, size - 1);
	fuzz_duration(data + 1, size - 1);
	return 0;
}
