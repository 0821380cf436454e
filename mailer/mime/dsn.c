/* dsn.c: delivery status notifications (RFC 3464 in a multipart/report):
 * the action, the recipients and the returned message's Message-ID. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"
#include "mailer/mime/private.h"

/* One status field: the Action, which says whether the link bounced, or a
 * recipient ("rfc822; addr"), which says which link it was. */
static void
dsn_field(struct mail *m, const char *line, size_t len)
{
	const char *colon, *v, *semi;
	size_t nlen, vlen;

	if ((colon = memchr(line, ':', len)) == NULL)
		return;
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = len - nlen - 1;
	if (nlen == 6 && strncasecmp(line, "Action", 6) == 0 &&
	    m->dsn_action == NULL) {
		while (vlen > 0 && mime_is_space(*v)) {
			v++;
			vlen--;
		}
		for (nlen = 0; nlen < vlen && isalpha((unsigned char)v[nlen]);)
			nlen++;
		m->dsn_action = str_lower(xstrndup(v, nlen));
	} else if ((nlen == 18 &&
	    strncasecmp(line, "Original-Recipient", 18) == 0) ||
	    (nlen == 15 && strncasecmp(line, "Final-Recipient", 15) == 0)) {
		if ((semi = memchr(v, ';', vlen)) != NULL) {
			vlen -= (size_t)(semi + 1 - v);
			v = semi + 1;
		}
		header_rcpt(&m->dsn_rcpts, &m->ndsn_rcpts,
		    header_addr(v, vlen, true));
	}
}

/*
 * The status fields, folded lines joined.  The Action is the first one
 * found: the per-message block that comes first has none.
 */
static void
dsn_status(struct mail *m, const char *p, size_t len)
{
	const char *next, *end = p + len;
	struct buf line;
	size_t n;

	buf_init(&line);
	for (; p < end; p = next) {
		next = line_next(p, end, &n);
		if (n == 0 || (*p != ' ' && *p != '\t')) {
			if (line.len > 0)
				dsn_field(m, line.data, line.len);
			line.len = 0;
		}
		buf_add(&line, p, n);
	}
	if (line.len > 0)
		dsn_field(m, line.data, line.len);
	buf_free(&line);
}

/* In a multipart/report, the status and the returned message's Message-ID. */
bool
dsn_report_part(struct mail *m, const char *type, const char *data,
    size_t len)
{
	struct mail *h;

	if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		dsn_status(m, data, len);
		return true;
	}
	if (strcmp(type, "message/rfc822") != 0 &&
	    strcmp(type, "text/rfc822-headers") != 0 &&
	    strcmp(type, "message/global") != 0 &&
	    strcmp(type, "message/global-headers") != 0)
		return false;
	if (m->dsn_message_id == NULL &&
	    mail_parse_headers(data, len, &h, NULL) == 0) {
		m->dsn_message_id = h->message_id;
		h->message_id = NULL;
		mail_free(&h);
	}
	return true;
}
