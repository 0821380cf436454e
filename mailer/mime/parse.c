/* parse.c: the entry points that read a stranger's message into a plain
 * struct mail: pre-scan, libetpan, then header.c and body.c; mail_free(). */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/mime/private.h"

#define PARSE_PAD		16	/* zeros after libetpan's copy */

/*
 * libetpan reads a message from a copy of ours, with zeros after it: some
 * of its parsers look a byte or two past the length they are given.
 */
char *
parse_copy(const char *raw, size_t len)
{
	char *copy = xcalloc(1, len + PARSE_PAD);

	memcpy(copy, raw, len);
	return copy;
}

/* A whole message, or a MIME entity (no header fields but its MIME ones,
 * no mbox line): bounded first, then read by libetpan, then by us. */
static int
parse_message(const char *raw, size_t len, const struct mail_limits *lim,
    bool entity, struct mail **mp, char **errstr)
{
	struct mail_limits dflt;
	struct mailmime *mime = NULL;
	struct mail *m;
	char *copy = NULL;
	size_t skip = 0, idx = 0;
	int ret;

	*mp = NULL;
	if (lim == NULL) {
		mail_limits_default(&dflt);
		lim = &dflt;
	}
	m = xcalloc(1, sizeof *m);
	if (!entity)
		skip = header_mbox_line(raw, len, &m->envelope_from);
	if ((len -= skip) == 0) {
		ret = errorf(errstr, EX_DATAERR, "the message is empty");
		goto out;
	}
	copy = parse_copy(raw + skip, len);
	if ((ret = prescan_check(copy, len, lim, errstr)) != 0)
		goto out;
	if (mailmime_parse(copy, len, &idx, &mime) != MAILIMF_NO_ERROR) {
		mime = NULL;
		ret = errorf(errstr, EX_DATAERR,
		    "the MIME structure is unreadable");
		goto out;
	}
	if (mime->mm_type != MAILMIME_MESSAGE)
		ret = body_read(m, mime, errstr);
	else {
		if (!entity)
			header_read(m, mime->mm_data.mm_message.mm_fields);
		ret = body_read(m, mime->mm_data.mm_message.mm_msg_mime,
		    errstr);
	}
out:
	if (mime != NULL)
		mailmime_free(mime);
	free(copy);
	if (ret == 0)
		*mp = m;
	else
		mail_free(&m);
	return ret;
}

int
mail_parse(const char *raw, size_t len, const struct mail_limits *lim,
    struct mail **mp, char **errstr)
{
	return parse_message(raw, len, lim, false, mp, errstr);
}

int
mail_parse_entity(const char *raw, size_t len, const struct mail_limits *lim,
    struct mail **mp, char **errstr)
{
	return parse_message(raw, len, lim, true, mp, errstr);
}

void
mail_free(struct mail **mp)
{
	struct mail *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->subject);
	free(m->date);
	free(m->from_addr);
	free(m->from_name);
	free(m->return_path);
	free(m->envelope_from);
	strv_free(&m->rcpts, m->nrcpts);
	free(m->auto_submitted);
	free(m->precedence);
	free(m->content_type);
	free(m->signed_data);
	free(m->signature);
	free(m->armored);
	free(m->text);
	for (i = 0; i < m->natt; i++) {
		free(m->att[i].filename);
		free(m->att[i].content_type);
		free(m->att[i].data);
	}
	free(m->att);
	free(m->dsn_action);
	free(m->dsn_message_id);
	strv_free(&m->dsn_rcpts, m->ndsn_rcpts);
	free(m);
	*mp = NULL;
}
