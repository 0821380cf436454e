/* mailcheck.h: what a parsed message (struct mail) promises whoever reads
 * it, checked by the targets that parse whole messages, and the readers
 * downstream of the parser (loop check, tokens, the form) run on it. */
#ifndef SETUPLINK_FUZZ_MAILCHECK_H
#define SETUPLINK_FUZZ_MAILCHECK_H

#include "fuzz/fuzz.h"
#include "mailer/mailer.h"
#include "mailer/intake/private.h"
#include "mailer/mime/private.h"
#include "util/config.h"

static const char *const mailcheck_keys[] = {
	"host", "port", "dbname", "user", "password", "sslmode", "sslrootcert",
};

/* A header value: decoded to UTF-8, one line, no control character. */
static inline void
mailcheck_header(const char *s, const char *what)
{
	if (s == NULL)
		return;
	if (!fuzz_utf8_ok(s, strlen(s), false, false))
		fprintf(stderr, "header: %s\n", what);
	FUZZ_CHECK(fuzz_utf8_ok(s, strlen(s), false, false),
	    "a decoded header field is not UTF-8 without controls");
}

static inline void
mailcheck_lower(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		FUZZ_CHECK(!(*s >= 'A' && *s <= 'Z'), "a content type not lowercase");
}

static inline void
mailcheck(const struct config *cfg, const struct mail *m)
{
	struct token_set ts;
	struct form_result res;
	const char *reason;
	char *detail;
	size_t i;

	mailcheck_header(m->subject, "Subject");
	mailcheck_header(m->from_name, "From name");
	mailcheck_lower(m->content_type);
	FUZZ_CHECK(m->nrcpts == 0 || m->rcpts != NULL, "rcpts lost");
	for (i = 0; i < m->nrcpts; i++)
		FUZZ_CHECK(m->rcpts[i] != NULL, "a NULL recipient");
	for (i = 0; i < m->ndsn_rcpts; i++)
		FUZZ_CHECK(m->dsn_rcpts[i] != NULL, "a NULL DSN recipient");
	switch (m->protection) {
	case MAIL_CLEAR:
		FUZZ_CHECK(m->text != NULL, "clear mail without text");
		if (!fuzz_utf8_ok(m->text, m->text_len, true, true))
			fprintf(stderr, "text is not UTF-8\n");
		FUZZ_CHECK(fuzz_cstr_ok(m->text, m->text_len) &&
		    fuzz_utf8_ok(m->text, m->text_len, true, true),
		    "the text is not UTF-8 of its length (or holds a NUL)");
		break;
	case MAIL_PGP_SIGNED:
		FUZZ_CHECK(m->signed_data != NULL && m->signature != NULL,
		    "signed without the signed data or the signature");
		break;
	case MAIL_PGP_ENCRYPTED:
	case MAIL_INLINE_SIGNED:
	case MAIL_INLINE_ENCRYPTED:
		FUZZ_CHECK(m->armored != NULL, "protected without the armor");
		break;
	}
	for (i = 0; i < m->natt; i++) {
		FUZZ_CHECK(m->att[i].data != NULL || m->att[i].len == 0,
		    "an attachment without its data");
		mailcheck_lower(m->att[i].content_type);
		if (m->att[i].filename != NULL)
			mailcheck_header(m->att[i].filename, "filename");
	}
	if (loop_check(cfg, m, &reason, &detail))
		FUZZ_CHECK(reason != NULL && detail != NULL, "no reason");
	free(detail);
	(void)loop_is_report(m);
	(void)loop_dsn_failed(m);
	token_collect(cfg, NULL, m, &ts);
	token_set_free(&ts);
	if (m->text != NULL) {
		form_read(m->text, m->text_len, mailcheck_keys, NULL,
		    nitems(mailcheck_keys), &res);
		form_result_free(&res);
	}
}

#endif
