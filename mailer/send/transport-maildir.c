/* transport-maildir.c: the maildir transport, which queues mail in the
 * home's outbox/ with its envelope recorded (outbox.c reads it back). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "util/config.h"
#include "mailer/send/private.h"

#define RETURN_PATH	"Return-Path"
#define RCPT_HEADER	"X-Setuplink-Rcpt"

/*
 * The envelope goes in front of the message as two header lines, so that
 * a person reading outbox/ with a mail reader sees where each message
 * goes.  Recipients are folded onto continuation lines to keep lines
 * short.  Lines end with LF, as in any local Maildir (a reader would show
 * a stray ^M otherwise); the transports that send add CRLF on the wire.
 */
static int
transport_maildir_send(const struct config *cfg, const struct home *home,
    const char *arg, const struct transport_msg *m, char **errstr)
{
	const char *eol = "\n";
	struct buf b;
	size_t i, col, start;
	char *name = NULL;
	int rv;

	if (home == NULL || home->outbox == NULL)
		return errorf(errstr, EX_SOFTWARE, "the maildir transport needs "
		    "a home with an outbox/");
	buf_init(&b);
	buf_printf(&b, "%s: <%s>%s%s:", RETURN_PATH, m->env_from, eol,
	    RCPT_HEADER);
	col = strlen(RCPT_HEADER) + 1;
	for (i = 0; i < m->nrcpts; i++) {
		size_t l = strlen(m->rcpts[i]);
		if (i > 0 && col + l + 2 > 76) {
			buf_printf(&b, ",%s ", eol);
			col = 1;
		} else if (i > 0) {
			buf_adds(&b, ", ");
			col += 2;
		} else {
			buf_addc(&b, ' ');
			col++;
		}
		buf_adds(&b, m->rcpts[i]);
		col += l;
	}
	buf_adds(&b, eol);
	for (i = start = 0; i < m->len; i++) {
		if (m->data[i] == '\r' && i + 1 < m->len &&
		    m->data[i + 1] == '\n') {
			buf_add(&b, m->data + start, i - start);
			start = i + 1;
		}
	}
	buf_add(&b, m->data + start, m->len - start);
	if (outbox_shared()) {
		rv = outbox_queue_row(b.data, b.len, &name, errstr);
		if (rv == 0)
			log_debug("queued in the shared outbox as %s for %s",
			    name, m->rcpts[0]);
		free(name);
		buf_free(&b);
		return rv;
	}
	rv = maildir_deliver(home->outbox, b.data, b.len, NULL, &name, errstr);
	if (rv == 0)
		log_debug("queued in %s/new/%s for %s", home->outbox, name,
		    m->rcpts[0]);
	free(name);
	buf_free(&b);
	return rv;
}

const struct transport_backend transport_maildir_backend = {
	"maildir", NULL, false, NULL, transport_maildir_send
};
