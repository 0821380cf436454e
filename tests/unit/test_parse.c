/* test_parse.c: reading messages (mailer/mime/): header fields, text in
 * any charset and encoding, PGP/MIME, DSNs and the bounds that keep
 * hostile input away from libetpan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/util.h"
#include "mailer/mailer.h"

#define FIXTURES "tests/fixtures/mail/"

static const char *keys[] = { "host", "port", "password", "sslrootcert" };
static const char *templates[] = { NULL, "5432", NULL, NULL };

static char *raw;
static size_t rawlen;
static struct mail *m;
static struct form_result fr;

static int
teardown(void **state)
{
	mail_free(&m);
	form_result_free(&fr);
	freep(&raw);
	return 0;
}

static void
load(const char *name)
{
	char *path = xprintf(FIXTURES "%s", name), *err = NULL;

	freep(&raw);
	if (file_read(path, 1 << 20, &raw, &rawlen, &err) != 0)
		fail_msg("%s: %s", path, err);
	free(path);
}

static void
parse_fixture(const char *name)
{
	char *err = NULL;

	load(name);
	mail_free(&m);
	if (mail_parse(raw, rawlen, NULL, &m, &err) != 0)
		fail_msg("%s: %s", name, err);
}

static void
read_text(void)
{
	assert_non_null(m->text);
	assert_int_equal(strlen(m->text), m->text_len);
	form_result_free(&fr);
	form_read(m->text, m->text_len, keys, templates, nitems(keys), &fr);
}

static const struct form_value *
get(const char *key)
{
	size_t i;

	for (i = 0; i < fr.n; i++) {
		if (strcmp(fr.v[i].key, key) == 0)
			return &fr.v[i];
	}
	return NULL;
}

static void
assert_value(const char *key, const char *value, bool quoted)
{
	const struct form_value *v = get(key);

	if (v == NULL)
		fail_msg("no value for %s in:\n%s", key, m->text);
	assert_string_equal(v->value, value);
	assert_int_equal(v->quoted, quoted);
}

static void
test_gmail(void **state)
{
	parse_fixture("gmail-reply.eml");
	assert_string_equal(m->message_id, "CAE1=abc@mail.gmail.com");
	assert_string_equal(m->in_reply_to, "setup-1@acme.example");
	assert_string_equal(m->references,
	    "setup-0@acme.example setup-1@acme.example");
	assert_string_equal(m->from_addr, "ann@client.example");
	assert_string_equal(m->from_name, "Ann M\xc3\xbcller");
	assert_string_equal(m->subject, "Re: Setup f\xc3\xbcr PostgreSQL");
	assert_string_equal(m->date, "25 Nov 2026 21:38:00 +0100");
	assert_string_equal(m->return_path, "ann@client.example");
	assert_false(m->return_path_empty);
	assert_int_equal(m->nrcpts, 1);
	assert_string_equal(m->rcpts[0],
	    "setup+abcdefghijklmnopqrstuvwxyz234567@acme.example");
	assert_string_equal(m->content_type, "multipart/alternative");
	assert_int_equal(m->protection, MAIL_CLEAR);
	assert_false(m->text_from_html);
	assert_null(strstr(m->text, "<div"));
	read_text();
	assert_int_equal(fr.n, 2);
	assert_value("host", "db.acme.example", false);
	assert_value("password", "s3cr\xc3\xa9t", false);
	assert_false(get("password")->bad_bytes);
	assert_true(form_has_ref(&fr, "12"));
	assert_int_equal(m->natt, 0);
}

static void
test_html_only(void **state)
{
	parse_fixture("html-only.eml");
	assert_true(m->text_from_html);
	assert_null(strstr(m->text, "evil"));
	assert_null(strstr(m->text, "color"));
	assert_non_null(strstr(m->text, "> > password: <nested> & quoted\n"));
	read_text();
	assert_value("host", "html.acme.example", false);
	assert_value("port", "6543", false);
	assert_value("password", "<nested> & quoted", true);
	assert_true(form_has_ref(&fr, "12"));
}

static void
test_outlook_latin1(void **state)
{
	parse_fixture("outlook-reply.eml");
	assert_null(strchr(m->text, '\r'));
	read_text();
	assert_int_equal(fr.n, 2);
	assert_value("host", "outlook.acme.example", false);
	assert_value("password", "p\xc3\xa4ss", false);
	assert_true(form_has_ref(&fr, "12"));
	assert_string_equal(m->rcpts[0],
	    "setup+abcdefghijklmnopqrstuvwxyz234567@acme.example");
}

static void
test_latin1_base64(void **state)
{
	parse_fixture("latin1-base64.eml");
	read_text();
	assert_value("password", "gr\xc3\xbc\xc3\x9f" "e", false);
	assert_value("host", "h\xc3\xb6st", false);
}

static void
test_bad_bytes(void **state)
{
	parse_fixture("bad-bytes.eml");
	read_text();
	assert_value("password", "ab\xef\xbf\xbd" "cd", false);
	assert_true(get("password")->bad_bytes);
	assert_false(get("host")->bad_bytes);
}

static void
test_flowed_signature(void **state)
{
	parse_fixture("thunderbird-flowed.eml");
	assert_non_null(strstr(m->text, "> # Host (required): Name or address "
	    "of the database server.\n"));
	read_text();
	assert_int_equal(fr.n, 1);
	assert_value("host", "tb.acme.example", true);
}

static void
test_attachments(void **state)
{
	static const char pem[] =
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

	parse_fixture("attachments.eml");
	assert_string_equal(m->text, "sslrootcert: see attachment");
	assert_int_equal(m->natt, 4);
	assert_string_equal(m->att[0].filename, "r\xc3\xa9sum\xc3\xa9 ca.pem");
	assert_string_equal(m->att[0].content_type, "application/x-pem-file");
	assert_int_equal(m->att[0].len, strlen(pem));
	assert_memory_equal(m->att[0].data, pem, strlen(pem));
	assert_string_equal(m->att[1].filename, "gr\xc3\xbcss.key");
	assert_int_equal(m->att[1].len, 4);
	assert_memory_equal(m->att[1].data, "\0\1\2\3", 4);
	assert_string_equal(m->att[2].filename, "service-account.json");
	assert_string_equal(m->att[2].content_type, "application/json");
	assert_string_equal(m->att[3].filename, "notes.txt");
	assert_string_equal(m->att[3].content_type, "text/plain");
}

/* A multipart without a boundary cannot be split: no text, no file. */
/*
 * A text attachment loses MIME's CRLF (Alpine sends key files so, and
 * ssh-keygen refuses them with CRs); a binary one is kept byte for byte.
 */
static void
test_attachment_line_ends(void **state)
{
	static const char msg[] =
	    "From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nhost: h\r\n"
	    "--B\r\nContent-Type: TEXT/PLAIN; charset=US-ASCII; name=id_ed25519\r\n"
	    "Content-Transfer-Encoding: BASE64\r\n"
	    "Content-Disposition: attachment; filename=id_ed25519\r\n\r\n"
	    "%s\r\n"
	    "--B\r\nContent-Type: text/plain; name=q.pem\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Content-Disposition: attachment; filename=q.pem\r\n\r\n"
	    "x=3D\r\ny\r\n"
	    "--B\r\nContent-Type: application/octet-stream; name=k.bin\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=k.bin\r\n\r\n"
	    "%s\r\n"
	    "--B--\r\n";
	static const char key[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
	    "-----END OPENSSH PRIVATE KEY-----\n";
	char *text, *err = NULL;

	text = xprintf(msg, "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0NCkFBQUENCi0tLS0tRU5EIE9QRU5TU0ggUFJJVkFURSBLRVktLS0tLQ0K", "YQ0KYg0KAP8=");
	mail_free(&m);
	if (mail_parse(text, strlen(text), NULL, &m, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(m->natt, 3);
	assert_string_equal(m->att[0].content_type, "text/plain");
	assert_int_equal(m->att[0].len, strlen(key));
	assert_memory_equal(m->att[0].data, key, strlen(key));
	assert_int_equal(m->att[0].data[m->att[0].len], '\0');
	assert_int_equal(m->att[1].len, 4);
	assert_memory_equal(m->att[1].data, "x=\ny", 4);
	assert_int_equal(m->att[2].len, 8);
	assert_memory_equal(m->att[2].data, "a\r\nb\r\n\0\xff", 8);
	free(text);
}

static void
test_multipart_no_boundary(void **state)
{
	static const char msg[] =
	    "From: b@client.example\nTo: s@acme.example\n"
	    "Content-Type: multipart/mixed\n\n"
	    "--x\nContent-Type: text/plain\n\nhost: h\n--x--\n";
	char *err = NULL;

	mail_free(&m);
	assert_int_equal(mail_parse(msg, sizeof msg - 1, NULL, &m, &err), 0);
	assert_int_equal(m->natt, 0);
}

/* The first part exactly as sent, made CRLF, whatever the line ends were. */
static void
check_signed(const char *msg, size_t len)
{
	const char *start, *end;
	char *err = NULL, *want;
	struct mail *e = NULL;
	size_t i, n = 0;

	mail_free(&m);
	assert_int_equal(mail_parse(msg, len, NULL, &m, &err), 0);
	assert_int_equal(m->protection, MAIL_PGP_SIGNED);
	assert_null(m->text);
	start = strstr(msg, "--sig-b") + strlen("--sig-b");
	start += start[0] == '\r' ? 2 : 1;
	end = strstr(start, "--sig-b");
	end -= end[-2] == '\r' ? 2 : 1;
	want = xmalloc(2 * (size_t)(end - start) + 1);
	for (i = 0; start + i < end; i++) {
		if (start[i] == '\n' && (i == 0 || start[i - 1] != '\r'))
			want[n++] = '\r';
		want[n++] = start[i];
	}
	assert_int_equal(m->signed_len, n);
	assert_memory_equal(m->signed_data, want, n);
	free(want);
	assert_non_null(strstr(m->signature, "-----BEGIN PGP SIGNATURE-----"));
	assert_int_equal(strlen(m->signature), m->sig_len);

	assert_int_equal(mail_parse_entity(m->signed_data, m->signed_len, NULL,
	    &e, &err), 0);
	assert_int_equal(e->protection, MAIL_CLEAR);
	assert_null(e->message_id);
	assert_non_null(strstr(e->text, "host: signed.acme.example   \n"));
	mail_free(&e);
}

static void
test_pgp_signed(void **state)
{
	struct buf b;
	size_t i;

	load("pgp-signed.eml");
	check_signed(raw, rawlen);
	buf_init(&b);
	for (i = 0; i < rawlen; i++) {
		if (raw[i] == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, raw[i]);
	}
	check_signed(b.data, b.len);
	buf_free(&b);
}

static void
test_pgp_encrypted(void **state)
{
	parse_fixture("pgp-encrypted.eml");
	assert_int_equal(m->protection, MAIL_PGP_ENCRYPTED);
	assert_true(str_has_prefix(m->armored, "-----BEGIN PGP MESSAGE-----"));
	assert_non_null(strstr(m->armored, "-----END PGP MESSAGE-----"));
	assert_int_equal(strlen(m->armored), m->armored_len);
	assert_null(m->text);
	assert_int_equal(m->natt, 0);
}

/* Signed, then encrypted: the decrypted entity is multipart/signed. */
static void
test_entity_signed(void **state)
{
	const char *start;
	char *err = NULL;

	load("pgp-signed.eml");
	start = strstr(raw, "Content-Type: multipart/signed");
	mail_free(&m);
	assert_int_equal(mail_parse_entity(start,
	    rawlen - (size_t)(start - raw), NULL, &m, &err), 0);
	assert_int_equal(m->protection, MAIL_PGP_SIGNED);
	assert_null(m->from_addr);
	assert_null(m->subject);
}

static void
test_inline_signed(void **state)
{
	const char *begin;

	parse_fixture("inline-signed.eml");
	assert_int_equal(m->protection, MAIL_INLINE_SIGNED);
	begin = strstr(raw, "-----BEGIN PGP SIGNED");
	assert_int_equal(m->armored_len,
	    (size_t)(strstr(raw, "trailing text") - begin));
	assert_memory_equal(m->armored, begin, m->armored_len);
	assert_null(m->text);
}

static void
test_dsn(void **state)
{
	parse_fixture("dsn-failed.eml");
	assert_true(m->is_report);
	assert_true(m->return_path_empty);
	assert_null(m->return_path);
	assert_string_equal(m->auto_submitted, "auto-replied");
	assert_string_equal(m->dsn_action, "failed");
	assert_string_equal(m->dsn_message_id, "setup-77@acme.example");
	assert_int_equal(m->ndsn_rcpts, 2);
	assert_string_equal(m->dsn_rcpts[0], "nobody@client.example");
	assert_string_equal(m->dsn_rcpts[1], "Nobody@client.example");
	assert_string_equal(m->from_addr, "MAILER-DAEMON@mx.acme.example");
	assert_non_null(strstr(m->text, "could not\nbe delivered"));
}

static void
test_mbox_rcpts(void **state)
{
	static const char *want[] = { "first+x@acme.example",
	    "second@acme.example", "orig@acme.example", "To.One@acme.example",
	    "g1@acme.example", "g2@acme.example", "cc@acme.example" };
	size_t i;

	parse_fixture("mbox-rcpts.eml");
	assert_string_equal(m->envelope_from, "bounce@lists.example");
	assert_int_equal(m->nrcpts, nitems(want));
	for (i = 0; i < nitems(want); i++)
		assert_string_equal(m->rcpts[i], want[i]);
	assert_true(m->return_path_empty);
	assert_string_equal(m->precedence, "bulk");
	assert_true(m->list_id);
	assert_true(m->x_autoreply);
	assert_true(m->ours);
	assert_string_equal(m->message_id, "m@x");
	assert_string_equal(m->text, "body\n");
}

/* Oversize mail is judged on its header block alone. */
static void
test_headers_only(void **state)
{
	char *err = NULL;
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "From MAILER-DAEMON Tue Nov 25 21:38:00 2026\n"
	    "From: x@Y.example\nSubject: big\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=b\n\n");
	while (b.len < 200000)
		buf_adds(&b, "-- (((((((((( body, never read\n");
	assert_int_equal(mail_parse_headers(b.data, b.len, &m, &err), 0);
	assert_string_equal(m->envelope_from, "MAILER-DAEMON");
	assert_string_equal(m->from_addr, "x@y.example");
	assert_string_equal(m->content_type, "multipart/report");
	assert_true(m->is_report);
	assert_null(m->text);
	mail_free(&m);

	/* A header block without end: the first 64 KB, whole lines. */
	b.len = 0;
	buf_adds(&b, "Subject: endless\n");
	while (b.len < 100000)
		buf_adds(&b, "X-Filler: 0123456789\n");
	assert_int_equal(mail_parse_headers(b.data, b.len, &m, &err), 0);
	assert_string_equal(m->subject, "endless");
	buf_free(&b);
}

static int
try(const char *s, size_t len, char **err)
{
	struct mail_limits lim;
	int rv;

	mail_limits_default(&lim);
	mail_free(&m);
	rv = mail_parse(s, len, &lim, &m, err);
	if (rv != 0)
		assert_null(m);
	return rv;
}

static void
nest(struct buf *b, int depth, bool rfc822)
{
	int i;

	buf_adds(b, "From: a@b.example\n");
	for (i = 0; i < depth; i++) {
		if (rfc822)
			buf_adds(b, "content-TYPE: message/rfc822\n\n");
		else
			buf_printf(b, "Content-Type: multipart/mixed;\n\t"
			    "BOUNDARY=b%d\n\n--b%d\n", i, i);
	}
	buf_adds(b, "Content-Type: text/plain\n\nhost: deep\n");
}

static void
test_limits_depth(void **state)
{
	char *err = NULL;
	struct buf b;

	buf_init(&b);
	nest(&b, 15, false);
	assert_int_equal(try(b.data, b.len, &err), 0);
	b.len = 0;
	nest(&b, 100000, false);
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	assert_non_null(strstr(err, "deeper"));
	b.len = 0;
	nest(&b, 200000, true);
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	/* Spaces and comments do not hide a boundary from the count. */
	b.len = 0;
	buf_adds(&b, "Content-Type: multipart/mixed; boundary = (c)\n"
	    " \"q  x\"\n\n");
	while (b.len < 100000)
		buf_adds(&b, "--q x\n\n");
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	assert_non_null(strstr(err, "parts"));
	/* libetpan decodes RFC 2047 words in Content-Type: they hide none. */
	b.len = 0;
	for (int i = 0; i < 100000; i++)
		buf_printf(&b, "Content-Type: =?utf-8?q?multipart/mixed;"
		    "_b=6Fundary=3Dq%d?=\n\n--q%d\n", i, i);
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	assert_non_null(strstr(err, "deeper"));
	b.len = 0;
	buf_adds(&b, "Content-Type: =?utf-8?q?multipart/mixed;"
	    "_b=6Fundary=3Dq?=\n\n");
	while (b.len < 100000)
		buf_adds(&b, "--q\n\n");
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	assert_non_null(strstr(err, "parts"));

	/* The words elsewhere (prose, DSN fields) open no level. */
	b.len = 0;
	buf_adds(&b, "Subject: boundary rfc822\nContent-Type: multipart/report;"
	    " boundary=r\n\n--r\nContent-Type: message/delivery-status\n\n");
	for (int i = 0; i < 30; i++)
		buf_printf(&b, "Final-Recipient: rfc822; u%d@x.example\n"
		    "Action: failed\nboundary rfc822\n\n", i);
	buf_adds(&b, "--r--\n");
	assert_int_equal(try(b.data, b.len, &err), 0);
	assert_int_equal(m->ndsn_rcpts, 30);
	buf_free(&b);
	free(err);
}

static void
test_limits_parts(void **state)
{
	char *err = NULL;
	struct buf b;
	int i;

	buf_init(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < 400; i++)
		buf_adds(&b, "--p\nContent-Type: application/octet-stream\n"
		    "\nx\n");
	buf_adds(&b, "--p--\n");
	assert_int_equal(try(b.data, b.len, &err), 0);
	assert_int_equal(m->natt, 400);
	for (i = 0; i < 200; i++)
		buf_adds(&b, "--p\n\n");
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	assert_non_null(strstr(err, "500"));
	free(err);
	buf_free(&b);
}

static void
test_limits_header(void **state)
{
	char *err = NULL;
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "Subject: x\n");
	while (b.len < 70000)
		buf_adds(&b, "X-Filler: 0123456789\n");
	buf_adds(&b, "\nbody\n");
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	assert_non_null(strstr(err, "header block"));
	b.len = 0;
	buf_adds(&b, "Content-Type: text/plain ");
	while (b.len < 1000000)
		buf_adds(&b, "((((((((((");
	buf_adds(&b, "\n\nbody\n");
	assert_int_equal(try(b.data, b.len, &err), EX_DATAERR);
	free(err);
	buf_free(&b);
}

/* Nothing crashes: empty input, garbage, truncated fixtures. */
static void
test_garbage(void **state)
{
	static const char alphabet[] = "\n\r-:;=()<>\"\\ aB?\0\xff";
	static const char *names[] = { "gmail-reply.eml", "pgp-signed.eml",
	    "dsn-failed.eml", "attachments.eml", "html-only.eml" };
	char *err = NULL, buf[4096];
	unsigned int seed = 1;
	size_t i, j, n;

	assert_int_equal(try("", 0, &err), EX_DATAERR);
	assert_int_equal(try("From x\n", 7, &err), EX_DATAERR);
	for (i = 0; i < 300; i++) {
		n = (size_t)rand_r(&seed) % sizeof buf;
		for (j = 0; j < n; j++)
			buf[j] = alphabet[rand_r(&seed) % 19];
		try(buf, n, &err);
		mail_free(&m);
		if (mail_parse_headers(buf, n, &m, &err) == 0)
			mail_free(&m);
		mail_free(&m);
		if (mail_parse_entity(buf, n, NULL, &m, &err) == 0)
			mail_free(&m);
	}
	for (i = 0; i < nitems(names); i++) {
		load(names[i]);
		for (n = 0; n < rawlen; n += 7)
			try(raw, n, &err);
	}
	free(err);
}

static void
test_transfer(void **state)
{
	static const char qp[] = "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: Quoted-Printable\n\n"
	    "pass=\r\nword: a=3Db=3d=ZZ=  \n"
	    "host: h\t \n"
	    "port: 1=\n"
	    "2 =C3=A9\r";
	static const char b64[] = "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "aG9z dDog\nYjY0\n!!Cg==\nignored";
	char *err = NULL;

	assert_int_equal(try(qp, sizeof qp - 1, &err), 0);
	assert_string_equal(m->text,
	    "password: a=b==ZZhost: h\nport: 12 \xc3\xa9\r");
	assert_int_equal(try(b64, sizeof b64 - 1, &err), 0);
	assert_string_equal(m->text, "host: b64\n");
}

/* Shapes that would be quadratic in a careless parser finish at once. */
static void
test_hostile_cost(void **state)
{
	char *err = NULL;
	clock_t t0 = clock();
	struct buf b;
	int i;

	buf_init(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=p\n\n--p\n"
	    "Content-Type: application/octet-stream; name=\"");
	for (i = 0; i < 200000; i++)
		buf_adds(&b, "=?a?q?b");
	buf_adds(&b, "\"; filename*0*=x; filename*1=y\n\nzz\n"
	    "--p\nContent-Type: text/plain\n\n");
	for (i = 0; i < 100000; i++)
		buf_printf(&b, "--- setup form for link %d: x\n", i + 1);
	buf_adds(&b, "--p--\n");
	assert_int_equal(try(b.data, b.len, &err), 0);
	assert_int_equal(m->natt, 1);
	read_text();
	assert_int_equal(fr.nrefs, 100);

	b.len = 0;
	buf_adds(&b, "Content-Type: multipart/report; boundary=r\n\n--r\n"
	    "Content-Type: message/delivery-status\n\n");
	for (i = 0; i < 100000; i++)
		buf_printf(&b, "Final-Recipient: x;u%d@x.example\n", i);
	assert_int_equal(try(b.data, b.len, &err), 0);
	assert_int_equal(m->ndsn_rcpts, 1000);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20);
	buf_free(&b);
}

static void
test_charset(void **state)
{
	size_t n;
	bool bad;
	char *s;

	s = charset_to_utf8("US-ASCII", "a\x80z", 3, &n, &bad);
	assert_string_equal(s, "a\xef\xbf\xbdz");
	assert_true(bad);
	free(s);
	s = charset_to_utf8("utf-8", "a\0z", 3, &n, &bad);
	assert_string_equal(s, "a\xef\xbf\xbdz");
	assert_true(bad);
	free(s);
	s = charset_to_utf8("x-no-such-charset", "\xc3\xa9\xc3", 3, &n, &bad);
	assert_string_equal(s, "\xc3\xa9\xef\xbf\xbd");
	assert_true(bad);
	free(s);
	s = charset_to_utf8("windows-1252", "\x80\x81", 2, &n, &bad);
	assert_string_equal(s, "\xe2\x82\xac\xef\xbf\xbd");
	assert_true(bad);
	free(s);
	s = charset_to_utf8("utf-16le", "h\0i\0\0\0", 6, &n, &bad);
	assert_string_equal(s, "hi\xef\xbf\xbd");
	free(s);
	s = charset_to_utf8("UTF-8//TRANSLIT", "\xed\xa0\x80", 3, &n, &bad);
	assert_int_equal(n, 9);		/* a surrogate: three bad bytes */
	assert_true(bad);
	free(s);
	s = charset_to_utf8(NULL, "plain", 5, &n, &bad);
	assert_string_equal(s, "plain");
	assert_false(bad);
	free(s);
}

static void
test_html(void **state)
{
	static const char html[] = "<p>one&nbsp;&nbsp;two</p>"
	    "<blockquote><div>a</div><blockquote>b<br><br>c</blockquote>"
	    "</blockquote><pre>x\n  y</pre>tail";
	size_t n;
	char *s, *deep;
	struct buf b;
	int i;

	s = html_to_text(html, strlen(html), &n);
	assert_string_equal(s,
	    "one  two\n> a\n> > b\n> >\n> > c\nx\n  y\ntail\n");
	free(s);
	/* Quote marks stop at 16 levels. */
	buf_init(&b);
	for (i = 0; i < 100; i++)
		buf_adds(&b, "<blockquote><div>");
	buf_adds(&b, "deep");
	s = html_to_text(b.data, b.len, &n);
	assert_non_null(deep = strstr(s, "deep"));
	assert_int_equal(deep - s, 32);
	free(s);
	/* Past libxml2's depth limit there is no text, and no crash. */
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "<blockquote><div>");
	s = html_to_text(b.data, b.len, &n);
	assert_int_equal(strlen(s), n);
	free(s);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_gmail, teardown),
		cmocka_unit_test_teardown(test_html_only, teardown),
		cmocka_unit_test_teardown(test_outlook_latin1, teardown),
		cmocka_unit_test_teardown(test_latin1_base64, teardown),
		cmocka_unit_test_teardown(test_bad_bytes, teardown),
		cmocka_unit_test_teardown(test_flowed_signature, teardown),
		cmocka_unit_test_teardown(test_attachments, teardown),
		cmocka_unit_test_teardown(test_attachment_line_ends, teardown),
		cmocka_unit_test_teardown(test_multipart_no_boundary, teardown),
		cmocka_unit_test_teardown(test_pgp_signed, teardown),
		cmocka_unit_test_teardown(test_pgp_encrypted, teardown),
		cmocka_unit_test_teardown(test_entity_signed, teardown),
		cmocka_unit_test_teardown(test_inline_signed, teardown),
		cmocka_unit_test_teardown(test_dsn, teardown),
		cmocka_unit_test_teardown(test_mbox_rcpts, teardown),
		cmocka_unit_test_teardown(test_headers_only, teardown),
		cmocka_unit_test_teardown(test_limits_depth, teardown),
		cmocka_unit_test_teardown(test_limits_parts, teardown),
		cmocka_unit_test_teardown(test_limits_header, teardown),
		cmocka_unit_test_teardown(test_garbage, teardown),
		cmocka_unit_test_teardown(test_hostile_cost, teardown),
		cmocka_unit_test_teardown(test_transfer, teardown),
		cmocka_unit_test(test_charset),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
