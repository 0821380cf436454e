/* token.c: link tokens, at least 128 bits from the kernel's CSPRNG written
 * in lowercase base32 so that MTAs folding case do not break them, and the
 * SHA-256 that is all the database keeps of them. */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/util.h"

int
random_bytes(void *p, size_t n, char **errstr)
{
	unsigned char *c = p;
	ssize_t r;

	while (n > 0) {
		if ((r = getrandom(c, n, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return errorf(errstr, EX_TEMPFAIL, "cannot read random "
			    "bytes from the kernel: %s", strerror(errno));
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * RFC 4648 base32 in lowercase without padding.  No Debian library offers
 * base32 on its own (libgcrypt and GnuTLS keep theirs private), and this
 * is the only encoder setuplink needs.
 */
char *
base32_lower(const uint8_t *p, size_t n)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	struct buf b;
	uint32_t acc = 0;
	int bits = 0;
	size_t i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			buf_addc(&b, alpha[(acc >> (bits - 5)) & 31]);
			bits -= 5;
		}
	}
	if (bits > 0)
		buf_addc(&b, alpha[(acc << (5 - bits)) & 31]);
	return buf_take(&b);
}

bool
token_well_formed(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '2' && *s <= '7')))
			return false;
	}
	return n >= 26 && n <= 64;
}

int
token_new(char **token, char **errstr)
{
	uint8_t raw[TOKEN_BYTES];
	int rv;

	if ((rv = random_bytes(raw, sizeof raw, errstr)) != 0)
		return rv;
	*token = base32_lower(raw, sizeof raw);
	return 0;
}

/*
 * SHA-256 by libsodium, not OpenSSL: OpenSSL's first digest loads its
 * configuration and providers (about 2.5 ms in a process that lives 10),
 * which mail for no link, hashed twice and nothing more, would pay on
 * every delivery.
 */
void
sha256_begin(struct sha256 *h)
{
	if (sodium_init() < 0)
		fatalx("libsodium cannot start");
	crypto_hash_sha256_init(&h->st);
}

void
sha256_add(struct sha256 *h, const void *p, size_t n)
{
	crypto_hash_sha256_update(&h->st, p, n);
}

void
sha256_end(struct sha256 *h, unsigned char md[SHA256_LEN])
{
	crypto_hash_sha256_final(&h->st, md);
	sodium_memzero(&h->st, sizeof h->st);
}

void
sha256(const void *p, size_t n, unsigned char md[SHA256_LEN])
{
	struct sha256 h;

	sha256_begin(&h);
	sha256_add(&h, p, n);
	sha256_end(&h, md);
}

char *
hex_lower(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 1);
	size_t i;

	/* Not snprintf: every message's hash and token go through here. */
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 0xf];
	}
	s[2 * n] = '\0';
	return s;
}

char *
sha256_hex(const void *p, size_t n)
{
	unsigned char md[SHA256_LEN];

	sha256(p, n, md);
	return hex_lower(md, sizeof md);
}

/*
 * SHA-256 over a label and the token, its first five bytes in base32: a
 * different hash from the stored token_hash, so the REF printed in every
 * form says nothing of the token nor of the row that holds its hash.
 */
char *
token_ref_tag(const char *token)
{
	static const char label[] = "setuplink form ref\n";
	unsigned char md[SHA256_LEN];
	char *in = xprintf("%s%s", label, token), *tag;
	size_t n = strlen(in);

	sha256(in, n, md);
	explicit_bzero(in, n);
	free(in);
	tag = base32_lower(md, 5);
	explicit_bzero(md, sizeof md);
	return tag;
}

bool
token_ref_tag_well_formed(const char *s, size_t n)
{
	size_t i;

	if (n != TOKEN_REF_LEN)
		return false;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' &&
		    s[i] <= '7')))
			return false;
	}
	return true;
}

/* RFC 4648 base64, unwrapped, through libsodium's encoder. */
char *
base64_encode(const void *p, size_t n)
{
	size_t max;
	char *out;

	if (n > (size_t)INT32_MAX / 2)
		fatalx("base64 of %zu bytes", n);
	max = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	out = xmalloc(max);
	sodium_bin2base64(out, max, p, n, sodium_base64_VARIANT_ORIGINAL);
	return out;
}
