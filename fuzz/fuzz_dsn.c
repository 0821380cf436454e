/* fuzz_dsn.c: delivery status notifications (RFC 3464, in a multipart/report
 * of RFC 6522), which may mark a link bounced.  The input is the report from
 * its message/delivery-status part on, so that every execution reaches the
 * DSN reader; it may close that part and add the returned message itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/mailcheck.h"

static const char head[] =
    "Return-Path: <>\r\n"
    "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n"
    "To: setup+abcdefghijklmnopqrstuvwxyz234567@acme.example\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Message-ID: <dsn.1@mx.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    " boundary=\"B\"\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Your message could not be delivered.\r\n"
    "--B\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n";
static const char tail[] = "\r\n--B--\r\n";

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
	struct mail *m = NULL;
	char *raw, *err = NULL;
	size_t len = sizeof head - 1 + size + sizeof tail - 1;

	raw = xmalloc(len);
	memcpy(raw, head, sizeof head - 1);
	memcpy(raw + sizeof head - 1, data, size);
	memcpy(raw + sizeof head - 1 + size, tail, sizeof tail - 1);
	if (mail_parse(raw, len, NULL, &m, &err) == 0) {
		mailcheck(&cfg, m);
		mail_free(&m);
	} else
		free(err);
	free(raw);
	return 0;
}
