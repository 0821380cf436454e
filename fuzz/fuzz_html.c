/* fuzz_html.c: the HTML-to-text step (html_to_text) that an HTML-only reply
 * goes through before its form is read, and form_read on what it gives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "mailer/mailer.h"

static const char *const keys[] = { "host", "port", "password", "user" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form_result res;
	size_t outlen = (size_t)-1;
	char *html, *text;

	html = xmalloc(size > 0 ? size : 1);
	memcpy(html, data, size);
	text = html_to_text(html, size, &outlen);
	FUZZ_CHECK(text != NULL && text[outlen] == '\0', "unterminated text");
	form_read(text, outlen, keys, NULL, nitems(keys), &res);
	form_result_free(&res);
	free(text);
	free(html);
	return 0;
}
