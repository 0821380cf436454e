/* fuzz_mail.c: reading a stranger's message (mime/: the bounds checks,
 * libetpan's MIME parse, headers, transfer encodings, charsets, PGP/MIME
 * and inline PGP found, attachments) as a whole message, as an entity
 * (what decryption gives) and as a header block alone (oversize mail). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/mailcheck.h"

static struct config cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	config_defaults(&cfg);
	if (config_set(&cfg, "intake", "setup@acme.example", NULL) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_limits lim;
	struct mail *m = NULL;
	char *raw, *err = NULL;

	raw = xmalloc(size > 0 ? size : 1);
	memcpy(raw, data, size);
	mail_limits_default(&lim);
	if (mail_parse(raw, size, &lim, &m, &err) == 0) {
		FUZZ_CHECK(m != NULL && err == NULL, "success without a message");
		mailcheck(&cfg, m);
		mail_free(&m);
	} else {
		FUZZ_CHECK(m == NULL && err != NULL, "failure without a reason");
		freep(&err);
	}
	if (mail_parse_entity(raw, size, &lim, &m, &err) == 0) {
		mailcheck(&cfg, m);
		mail_free(&m);
	} else
		freep(&err);
	if (mail_parse_headers(raw, size, &m, &err) == 0) {
		mailcheck_header(m->subject, "Subject");
		mailcheck_header(m->from_name, "From name");
		mail_free(&m);
	} else
		freep(&err);
	free(raw);
	return 0;
}
