/* crypto-packet.c: the OpenPGP packets (RFC 4880) crypto-fast.c writes and
 * reads: packet headers, MPIs, the agent's S-expressions, a key with one
 * user ID more, and ASCII armor.  Pure functions of their bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/pgp/private.h"

/* The body of the first packet with tag want, from offset *off on. */
const uint8_t *
pkt_find(const uint8_t *p, size_t len, size_t *off, int want, size_t *blen)
{
	size_t total;
	int tag, hlen;

	while (*off < len) {
		if ((hlen = crypto_packet(p + *off, len - *off, &tag,
		    &total)) < 0)
			return NULL;
		*off += total;
		if (tag == want) {
			*blen = total - (size_t)hlen;
			return p + *off - total + hlen;
		}
	}
	return NULL;
}

/* An old-format packet header, as gpg writes for keys and signatures. */
void
pkt_header(struct buf *b, int tag, size_t len)
{
	if (len < 256) {
		buf_addc(b, (char)(0x80 | tag << 2));
		buf_addc(b, (char)len);
	} else {
		buf_addc(b, (char)(0x80 | tag << 2 | 1));
		buf_addc(b, (char)(len >> 8));
		buf_addc(b, (char)len);
	}
}

void
pkt_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An MPI from big-endian bytes, leading zeros dropped. */
void
pkt_mpi(struct buf *b, const uint8_t *p, size_t n)
{
	unsigned bits;
	uint8_t top;

	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	bits = (unsigned)n * 8;
	for (top = n > 0 ? *p : 0; bits > 0 && !(top & 0x80); top <<= 1)
		bits--;
	buf_addc(b, (char)(bits >> 8));
	buf_addc(b, (char)bits);
	buf_add(b, p, n);
}

/*
 * The values named name ("r", "s") in a canonical S-expression such as
 * (7:sig-val(5:eddsa(1:r32:...)(1:s32:...))): an atom that opens a list
 * and the atom right after it.
 */
bool
pkt_sexp_value(const uint8_t *p, size_t len, const char *name,
    const uint8_t **v, size_t *vlen)
{
	size_t i = 0, n, nlen = strlen(name);
	bool first = false;
	const uint8_t *prev = NULL;
	size_t prevlen = 0;

	while (i < len) {
		if (p[i] == '(') {
			first = true;
			prev = NULL;
			i++;
			continue;
		}
		if (p[i] == ')') {
			first = false;
			prev = NULL;
			i++;
			continue;
		}
		for (n = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
			n = n * 10 + (size_t)(p[i] - '0');
			if (n > len)
				return false;
		}
		if (i >= len || p[i] != ':' || n > len - i - 1)
			return false;
		i++;
		if (prev != NULL && prevlen == nlen &&
		    memcmp(prev, name, nlen) == 0) {
			*v = p + i;
			*vlen = n;
			return true;
		}
		prev = first ? p + i : NULL;
		prevlen = n;
		first = false;
		i += n;
	}
	return false;
}

/*
 * The subpackets of the workspace user ID's self-signature (sig, a v4
 * signature body) but its time, its issuer fingerprint and a primary
 * user ID flag: key flags, preferences and features, which the new
 * user ID's signature repeats as gpg's own --quick-add-uid does.
 */
int
pkt_copy_prefs(const uint8_t *sig, size_t len, struct buf *b)
{
	size_t hl, i, sl, hdr;
	int type;

	if (len < 6 || sig[0] != 4)
		return -1;
	hl = (size_t)sig[4] << 8 | sig[5];
	if (hl > len - 6)
		return -1;
	for (i = 6; i < 6 + hl; i += hdr + sl) {
		if (sig[i] < 192) {
			hdr = 1;
			sl = sig[i];
		} else if (sig[i] < 255 && i + 1 < 6 + hl) {
			hdr = 2;
			sl = ((size_t)(sig[i] - 192) << 8) + sig[i + 1] + 192;
		} else
			return -1;
		if (sl == 0 || sl > 6 + hl - i - hdr)
			return -1;
		type = sig[i + hdr] & 0x7f;
		if (type == 2 || type == 33 || type == 25)
			continue;
		buf_add(b, sig + i, hdr + sl);
	}
	return 0;
}

/*
 * A binary key with the new user ID and its signature (uid) put before
 * the first subkey, where gpg keeps a key's user IDs; with only_new, the
 * key's own user IDs and their signatures are left out (Autocrypt wants
 * the one address its header is for).
 */
void
pkt_insert_uid(const uint8_t *key, size_t len, const struct buf *uid,
    struct buf *out, bool only_new)
{
	size_t off = 0, total;
	bool skip = false, added = false;
	int tag;

	while (off < len) {
		if (crypto_packet(key + off, len - off, &tag, &total) < 0)
			break;
		if (tag == 14 && !added) {
			buf_add(out, uid->data, uid->len);
			added = true;
		}
		if (tag == 13 || tag == 17)
			skip = only_new;
		else if (tag != 2)
			skip = false;
		if (!skip)
			buf_add(out, key + off, total);
		off += total;
	}
	if (!added)
		buf_add(out, uid->data, uid->len);
}

/* Base64 in lines of 64 with its CRC-24, between armor lines. */
char *
pkt_armor(const char *what, const uint8_t *p, size_t n, size_t *alen)
{
	uint32_t crc = 0xb704ce;
	uint8_t c3[3];
	char *b64, *c;
	struct buf b;
	size_t i, m;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 16;
		for (k = 0; k < 8; k++) {
			crc <<= 1;
			if (crc & 0x1000000)
				crc ^= 0x1864cfb;
		}
	}
	crc &= 0xffffff;
	c3[0] = (uint8_t)(crc >> 16);
	c3[1] = (uint8_t)(crc >> 8);
	c3[2] = (uint8_t)crc;
	buf_init(&b);
	buf_printf(&b, "-----BEGIN PGP %s-----\n\n", what);
	b64 = base64_encode(p, n);
	m = strlen(b64);
	for (i = 0; i < m; i += 64) {
		buf_add(&b, b64 + i, m - i < 64 ? m - i : 64);
		buf_addc(&b, '\n');
	}
	c = base64_encode(c3, 3);
	buf_printf(&b, "=%s\n-----END PGP %s-----\n", c, what);
	free(c);
	free(b64);
	*alen = b.len;
	return buf_take(&b);
}

int
pkt_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}
