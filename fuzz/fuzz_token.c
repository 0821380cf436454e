/* fuzz_token.c: which link a reply is for: the recipient addresses of a
 * message (Delivered-To, X-Original-To, To, Cc, as header.c reads them from
 * the header block) and the token in LOCAL+TOKEN@DOMAIN (token.c), with
 * the address helpers of util/config.c and the loop check on the sender.
 *
 * The first byte picks the mode: even, the rest is lines of addresses
 * (the first one the --recipient); odd, the rest is a header block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "mailer/mailer.h"
#include "mailer/intake/private.h"
#include "util/config.h"

#define FUZZ_ADDRS	600

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

/* Every token found is lowercase base32, once, from an intake address. */
static void
fuzz_tokens(const char *recipient, const struct mail *m)
{
	struct token_set ts;
	size_t i, j;

	token_collect(&cfg, recipient, m, &ts);
	for (i = 0; i < ts.n; i++) {
		FUZZ_CHECK(token_well_formed(ts.v[i]), "a malformed token");
		for (j = 0; ts.v[i][j] != '\0'; j++)
			FUZZ_CHECK((ts.v[i][j] >= 'a' && ts.v[i][j] <= 'z') ||
			    (ts.v[i][j] >= '2' && ts.v[i][j] <= '7'),
			    "a token not in lowercase base32");
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(ts.v[i], ts.v[j]) != 0,
			    "a token counted twice");
	}
	token_set_free(&ts);
}

static void
fuzz_address(const char *a)
{
	char *tok, *name, *addr, *err = NULL, *local, *domain;
	int r;

	r = token_from_address(&cfg, a, &tok);
	FUZZ_CHECK(r >= -1 && r <= 1, "token_from_address out of range");
	FUZZ_CHECK((r == 0) == (tok != NULL), "a token without success");
	if (r >= 0)
		FUZZ_CHECK(token_is_intake(&cfg, a),
		    "a tokened address that is not the intake's");
	if (tok != NULL)
		FUZZ_CHECK(token_well_formed(tok), "a malformed token");
	free(tok);
	if (mailbox_parse(a, &name, &addr, &err) == 0) {
		FUZZ_CHECK(address_valid(addr), "mailbox_parse gave a bad address");
		FUZZ_CHECK(!str_has_ctl(name), "a display name with controls");
		free(name);
		free(addr);
	} else
		free(err);
	if (address_valid(a)) {
		FUZZ_CHECK(address_split(a, &local, &domain) == 0,
		    "a valid address that does not split");
		free(local);
		free(domain);
	}
}

static void
fuzz_lines(const uint8_t *data, size_t size)
{
	struct mail m;
	char *recipient, *a;
	const char *reason;
	char *detail;

	memset(&m, 0, sizeof m);
	m.rcpts = xcalloc(FUZZ_ADDRS, sizeof *m.rcpts);
	m.dsn_rcpts = xcalloc(FUZZ_ADDRS, sizeof *m.dsn_rcpts);
	recipient = fuzz_take(&data, &size, '\n');
	while ((a = fuzz_take(&data, &size, '\n')) != NULL) {
		fuzz_address(a);
		if (m.nrcpts < FUZZ_ADDRS && (m.nrcpts + m.ndsn_rcpts) % 3 != 2)
			m.rcpts[m.nrcpts++] = a;
		else if (m.ndsn_rcpts < FUZZ_ADDRS)
			m.dsn_rcpts[m.ndsn_rcpts++] = a;
		else
			free(a);
	}
	if (recipient != NULL)
		fuzz_address(recipient);
	fuzz_tokens(recipient, &m);
	m.from_addr = m.nrcpts > 0 ? m.rcpts[0] : NULL;
	m.return_path = m.nrcpts > 1 ? m.rcpts[1] : NULL;
	if (loop_check(&cfg, &m, &reason, &detail))
		FUZZ_CHECK(reason != NULL && detail != NULL,
		    "a loop without a reason");
	free(detail);
	strv_free(&m.rcpts, m.nrcpts);
	strv_free(&m.dsn_rcpts, m.ndsn_rcpts);
	free(recipient);
}

static void
fuzz_headers(const uint8_t *data, size_t size)
{
	struct mail *m = NULL;
	char *raw, *err = NULL, *detail;
	const char *reason;
	size_t i;

	raw = xmalloc(size > 0 ? size : 1);
	memcpy(raw, data, size);
	if (mail_parse_headers(raw, size, &m, &err) != 0) {
		FUZZ_CHECK(m == NULL, "a failed parse with a message");
		free(err);
		free(raw);
		return;
	}
	for (i = 0; i < m->nrcpts; i++) {
		FUZZ_CHECK(m->rcpts[i] != NULL, "a NULL recipient");
		fuzz_address(m->rcpts[i]);
	}
	fuzz_tokens(NULL, m);
	if (loop_check(&cfg, m, &reason, &detail))
		FUZZ_CHECK(reason != NULL && detail != NULL,
		    "a loop without a reason");
	free(detail);
	mail_free(&m);
	free(raw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_lines(data + 1, size - 1);
	else
		fuzz_headers(data + 1, size - 1);
	return 0;
}
