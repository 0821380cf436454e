/* mailto.c: the setup link as a mailto: URL (RFC 6068) that opens a new
 * message to the reply address with the form as its body. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/send.h"

/* Mail clients cut longer URLs; past it the body only points to the email. */
#define MAILTO_MAX	2000

/*
 * Percent-encode UTF-8 text.  Only unreserved characters stay as they
 * are, and a line end becomes %0D%0A whether the text had LF or CRLF
 * (RFC 6068 section 5), so the form arrives with the same lines.
 */
static void
mailto_pct(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			buf_addc(b, (char)*p);
		else if (*p == '\n' || (*p == '\r' && p[1] != '\n'))
			buf_adds(b, "%0D%0A");
		else if (*p != '\r') {
			buf_addc(b, '%');
			buf_addc(b, hex[*p >> 4]);
			buf_addc(b, hex[*p & 15]);
		}
	}
}

/* The address part may keep "+" and "@" (RFC 6068 some-delims). */
static void
mailto_addr(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~+@!$'*", *p))
			buf_addc(b, (char)*p);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[*p >> 4]);
			buf_addc(b, hex[*p & 15]);
		}
	}
}

static char *
mailto_build(const char *addr, const char *subject, const char *body)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "mailto:");
	mailto_addr(&b, addr);
	buf_adds(&b, "?subject=");
	mailto_pct(&b, subject);
	buf_adds(&b, "&body=");
	mailto_pct(&b, body);
	return buf_take(&b);
}

char *
mailto_url(const struct setup_mail *sm)
{
	char *reply, *subject, *form, *url, *open, *body, *ref;

	reply = reply_address(sm->cfg, sm->token);
	subject = compose_subject(sm);
	form = compose_form(sm);
	url = mailto_build(reply, subject, form);
	if (strlen(url) > MAILTO_MAX) {
		free(url);
		ref = link_ref(sm->link);
		open = xprintf(FORM_OPEN_FMT, ref);
		free(ref);
		body = xprintf("%s\nThis form is too long for a link: please "
		    "reply to the setup email instead.\n", open);
		url = mailto_build(reply, subject, body);
		free(open);
		free(body);
	}
	free(reply);
	free(subject);
	free(form);
	return url;
}
