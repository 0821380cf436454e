/* fuzz_charset.c: RFC 2047 words, RFC 2231 parameters, body charsets and
 * format=flowed (charset.c): the decoding every header and text part of a
 * reply goes through.  Whatever comes in, UTF-8 must come out.
 *
 * The first byte picks the decoder; for a body, the first line of the rest
 * names the charset; for parameters, the lines are name=value pairs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "mailer/mailer.h"
#include "mailer/mime/private.h"

#define FUZZ_PARAMS	32

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* A body in a charset: UTF-8 out, U+FFFD for what does not convert. */
static void
fuzz_body(const uint8_t *data, size_t size)
{
	char *charset, *in, *out;
	size_t outlen = (size_t)-1;
	bool bad = false;

	if ((charset = fuzz_take(&data, &size, '\n')) == NULL)
		return;
	in = xmalloc(size > 0 ? size : 1);
	memcpy(in, data, size);
	out = charset_to_utf8(*charset != '\0' ? charset : NULL, in, size,
	    &outlen, &bad);
	FUZZ_CHECK(out != NULL && out[outlen] == '\0', "unterminated output");
	FUZZ_CHECK(fuzz_utf8_ok(out, outlen, true, true),
	    "charset_to_utf8 gave bytes that are not UTF-8 (or a NUL)");
	free(out);
	free(in);
	free(charset);
}

/* Header text: UTF-8 without a control character, trimmed. */
static void
fuzz_words(const uint8_t *data, size_t size)
{
	char *in, *out;
	size_t n;

	in = xmalloc(size > 0 ? size : 1);
	memcpy(in, data, size);
	out = charset_decode_words(in, size);
	FUZZ_CHECK(out != NULL, "no output");
	n = strlen(out);
	FUZZ_CHECK(fuzz_utf8_ok(out, n, false, false),
	    "decoded header text is not UTF-8 without controls");
	FUZZ_CHECK(n == 0 || (out[0] != ' ' && out[n - 1] != ' '),
	    "decoded header text is not trimmed");
	free(out);
	free(in);
}

static void
fuzz_params(const uint8_t *data, size_t size)
{
	static const char *names[] = { "filename", "name", "boundary",
	    "charset" };
	struct mime_param p[FUZZ_PARAMS];
	char *s[FUZZ_PARAMS], *eq, *out;
	size_t n = 0, i;

	while (n < FUZZ_PARAMS && (s[n] = fuzz_take(&data, &size, '\n')) != NULL) {
		p[n].name = s[n];
		p[n].value = NULL;
		if ((eq = strchr(s[n], '=')) != NULL) {
			*eq = '\0';
			p[n].value = eq + 1;
		}
		n++;
	}
	for (i = 0; i < nitems(names); i++) {
		if ((out = charset_param(p, n, names[i])) == NULL)
			continue;
		FUZZ_CHECK(fuzz_utf8_ok(out, strlen(out), false, false),
		    "a decoded parameter is not UTF-8 without controls");
		free(out);
	}
	for (i = 0; i < n; i++)
		free(s[i]);
}

static void
fuzz_flowed(const uint8_t *data, size_t size, bool delsp)
{
	char *in, *out;
	size_t outlen = (size_t)-1;

	in = xmalloc(size > 0 ? size : 1);
	memcpy(in, data, size);
	out = charset_unflow(in, size, delsp, &outlen);
	FUZZ_CHECK(out != NULL && out[outlen] == '\0', "unterminated output");
	free(out);
	free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_body(data + 1, size - 1);
		break;
	case 1:
		fuzz_words(data + 1, size - 1);
		break;
	case 2:
		fuzz_params(data + 1, size - 1);
		break;
	default:
		fuzz_flowed(data + 1, size - 1, data[0] % 5 == 4);
		break;
	}
	return 0;
}
