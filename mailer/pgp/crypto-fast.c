/* crypto-fast.c: the setup email's two signatures (the reply address's
 * user ID on the workspace key, the detached signature over the email)
 * made here and signed by the workspace's own gpg-agent, with no gpg
 * process and no throwaway keyring or agent.  What it needs of the key is
 * kept in a cache file that gpgme's path writes; anything unexpected
 * returns -1 and the caller takes gpgme's path, which stays the reference.
 * The packets themselves are crypto-packet.c's. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium/crypto_hash_sha256.h>

#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

#define FAST_CACHE	"setuplink-fast.cache"
#define FAST_MAGIC	"setuplink key cache 1\n"
#define FAST_LINE_MAX	4096		/* an agent's line, bytes */
#define SIG_MAX		4096		/* the agent's signature, bytes */
#define ALGO_RSA	1
#define ALGO_EDDSA	22
#define HASH_SHA256	8		/* OpenPGP's and libgcrypt's number */

struct crypto_fast {
	char		*home;
	char		 fpr[41];
	char		 grip[41];
	char		*socket;	/* the agent's */
	uint8_t		*full;		/* the key as exported */
	size_t		 nfull;
	uint8_t		*min;		/* and with export-minimal */
	size_t		 nmin;
	int64_t		 expires;	/* 0: never */
	int		 timeout_s;
	int		 fd;		/* to the agent, or -1 */
};

/* ---- What must not have changed since the cache was written ---- */

/* The keyring, the secret keys, the workspace mark and gpg.conf. */
static char *
fast_stamp(const char *home)
{
	static const char *const names[] = { "pubring.kbx",
	    "private-keys-v1.d", "setuplink-workspace", "gpg.conf", NULL };

	return crypto_home_stamp(home, names);
}

void
crypto_fast_close(struct crypto_fast **fp)
{
	struct crypto_fast *f = *fp;

	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->home);
	free(f->socket);
	free(f->full);
	free(f->min);
	free(f);
	*fp = NULL;
}

const char *
crypto_fast_fpr(const struct crypto_fast *f)
{
	return f->fpr;
}

static bool
fast_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' &&
		    s[i] <= 'F')))
			return false;
	}
	return s[40] == '\0';
}

/*
 * The cache: a magic line, "stamp ...", "fpr FPR", "grip KEYGRIP",
 * "socket PATH", "expires N", "full N", "min N", an empty line, then the
 * two exports back to back.
 */
int
crypto_fast_open(const char *gnupghome, int timeout_s,
    struct crypto_fast **fp)
{
	struct crypto_fast *f;
	char *path, *data = NULL, *stamp = NULL, *line, *end, *key;
	size_t len = 0, nfull = 0, nmin = 0, off;
	int rv = -1;

	*fp = NULL;
	path = xprintf("%s/" FAST_CACHE, gnupghome);
	if (file_read(path, CRYPTO_MAX_KEYS, &data, &len, NULL) != 0)
		goto out;
	stamp = fast_stamp(gnupghome);
	f = xcalloc(1, sizeof *f);
	f->fd = -1;
	f->timeout_s = timeout_s;
	f->home = xstrdup(gnupghome);
	if (len < strlen(FAST_MAGIC) || memcmp(data, FAST_MAGIC,
	    strlen(FAST_MAGIC)) != 0)
		goto bad;
	off = strlen(FAST_MAGIC);
	for (;;) {
		line = data + off;
		if ((end = memchr(line, '\n', len - off)) == NULL)
			goto bad;
		*end = '\0';
		off = (size_t)(end - data) + 1;
		if (*line == '\0')
			break;
		if (strncmp(line, "stamp", 5) == 0) {
			if (strcmp(line, stamp) != 0)
				goto bad;
		} else if (strncmp(line, "fpr ", 4) == 0 &&
		    strlen(line + 4) == 40)
			memcpy(f->fpr, line + 4, 41);
		else if (strncmp(line, "grip ", 5) == 0 &&
		    strlen(line + 5) == 40)
			memcpy(f->grip, line + 5, 41);
		else if (strncmp(line, "socket ", 7) == 0 && f->socket == NULL)
			f->socket = xstrdup(line + 7);
		else if (strncmp(line, "expires ", 8) == 0)
			f->expires = strtoll(line + 8, NULL, 10);
		else if (strncmp(line, "full ", 5) == 0)
			nfull = strtoul(line + 5, NULL, 10);
		else if (strncmp(line, "min ", 4) == 0)
			nmin = strtoul(line + 4, NULL, 10);
		else
			goto bad;
	}
	if (!fast_hex40(f->fpr) || !fast_hex40(f->grip) || f->socket == NULL ||
	    nfull == 0 || nmin == 0 || nfull > len - off ||
	    nmin != len - off - nfull ||
	    (f->expires != 0 && f->expires <= (int64_t)time(NULL)))
		goto bad;
	/* The secret part still here: the agent is to sign with it. */
	key = xprintf("%s/private-keys-v1.d/%s.key", gnupghome, f->grip);
	if (access(key, R_OK) != 0) {
		free(key);
		goto bad;
	}
	free(key);
	f->full = xmalloc(nfull);
	memcpy(f->full, data + off, nfull);
	f->nfull = nfull;
	f->min = xmalloc(nmin);
	memcpy(f->min, data + off + nfull, nmin);
	f->nmin = nmin;
	*fp = f;
	rv = 0;
	goto out;
bad:
	crypto_fast_close(&f);
out:
	free(stamp);
	free(data);
	free(path);
	return rv;
}

/* What gpgconf says the home's agent socket is, on one line. */
static char *
fast_agent_socket(const char *home)
{
	char *gpgconf = crypto_gpgconf_path();
	char *cmd, *line = NULL;
	size_t cap = 0;
	FILE *p;

	if (gpgconf == NULL || strchr(home, '\'') != NULL ||
	    strchr(gpgconf, '\'') != NULL) {
		free(gpgconf);
		return NULL;
	}
	cmd = xprintf("'%s' --homedir '%s' --list-dirs agent-socket "
	    "2>/dev/null", gpgconf, home);
	free(gpgconf);
	p = popen(cmd, "re");
	free(cmd);
	if (p == NULL)
		return NULL;
	if (getline(&line, &cap, p) <= 0) {
		free(line);
		line = NULL;
	} else
		line[strcspn(line, "\n")] = '\0';
	if (pclose(p) != 0 || line == NULL || *line != '/') {
		free(line);
		return NULL;
	}
	return line;
}

/*
 * The workspace key as crypto_fast_open() wants it, written after gpgme's
 * path made a setup email with it: gpg decided the key is usable, and
 * this keeps what it exported.  The stamp is taken first, so a keyring
 * that changes meanwhile makes the cache stale rather than wrong.
 */
int
crypto_fast_save(struct crypto *c, const char *fpr)
{
	struct crypto_out full, min;
	gpgme_key_t key = NULL;
	char *stamp = NULL, *sock = NULL, *path = NULL, *tmp = NULL;
	char *err = NULL;
	struct buf b;
	int fd = -1, rv = -1;

	memset(&full, 0, sizeof full);
	memset(&min, 0, sizeof min);
	buf_init(&b);
	stamp = fast_stamp(c->home);
	if (crypto_lookup(c, fpr, &key, &err) != 0 || key->subkeys == NULL ||
	    key->subkeys->keygrip == NULL || !key->can_sign || key->revoked ||
	    key->expired || key->invalid || (key->subkeys->pubkey_algo !=
	    GPGME_PK_EDDSA && key->subkeys->pubkey_algo != GPGME_PK_RSA) ||
	    !crypto_have_secret(c->home, key->subkeys->keygrip))
		goto out;
	if ((sock = fast_agent_socket(c->home)) == NULL ||
	    crypto_export(c->ctx, fpr, 0, false, &full, &err) != 0 ||
	    crypto_export(c->ctx, fpr, GPGME_EXPORT_MODE_MINIMAL, false, &min,
	    &err) != 0 || full.b.len == 0 || min.b.len == 0)
		goto out;
	buf_adds(&b, FAST_MAGIC);
	buf_printf(&b, "%s\nfpr %s\ngrip %s\nsocket %s\nexpires %lld\n"
	    "full %zu\nmin %zu\n\n", stamp, fpr, key->subkeys->keygrip, sock,
	    (long long)key->subkeys->expires, full.b.len, min.b.len);
	buf_add(&b, full.b.data, full.b.len);
	buf_add(&b, min.b.data, min.b.len);
	path = xprintf("%s/" FAST_CACHE, c->home);
	/* Two link creates may write it at once: each its own file. */
	tmp = xprintf("%s.%ld.tmp", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || fd_write_all(fd, b.data, b.len) != 0 ||
	    close(fd) != 0 || rename(tmp, path) != 0) {
		log_debug("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rv = 0;
out:
	if (fd >= 0 && rv != 0)
		close(fd);
	if (key != NULL)
		gpgme_key_unref(key);
	crypto_out_free(&full);
	crypto_out_free(&min);
	buf_free(&b);
	free(err);
	free(stamp);
	free(sock);
	free(path);
	free(tmp);
	return rv;
}

/* ---- The agent, over its Assuan socket ---- */

/* All of p to the agent; an agent gone is an error, never a SIGPIPE. */
static int
fast_send(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line from the agent, without its LF, and its length (D lines may
 * hold NUL bytes); -1 on error or a long line. */
static ssize_t
fast_read_line(int fd, char *line, size_t max)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (ch == '\n')
			break;
		if (n + 1 >= max)
			return -1;
		line[n++] = ch;
	}
	line[n] = '\0';
	return (ssize_t)n;
}

/*
 * Send cmd and read to its OK, gathering D lines (percent-unescaped) into
 * data when given.  Status lines are skipped; an ERR, an INQUIRE (the
 * agent wanting a passphrase, say) or anything else is -1.
 */
static int
fast_transact(struct crypto_fast *f, const char *cmd, struct buf *data)
{
	char line[FAST_LINE_MAX];
	size_t n = strlen(cmd), i;
	ssize_t ll;
	int hi, lo;

	if (fast_send(f->fd, cmd, n) != 0 || fast_send(f->fd, "\n", 1) != 0)
		return -1;
	for (;;) {
		if ((ll = fast_read_line(f->fd, line, sizeof line)) < 0)
			return -1;
		if (strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0)
			return 0;
		if (line[0] == '#' || strncmp(line, "S ", 2) == 0)
			continue;
		if (strncmp(line, "D ", 2) != 0 || data == NULL) {
			log_debug("gpg-agent answered %s with: %.80s", cmd,
			    line);
			return -1;
		}
		for (i = 2; i < (size_t)ll; i++) {
			if (line[i] != '%') {
				buf_addc(data, line[i]);
				continue;
			}
			if (i + 2 >= (size_t)ll ||
			    (hi = pkt_hexval(line[i + 1])) < 0 ||
			    (lo = pkt_hexval(line[i + 2])) < 0)
				return -1;
			buf_addc(data, (char)(hi << 4 | lo));
			i += 2;
		}
		if (data->len > SIG_MAX)
			return -1;
	}
}

static int
fast_connect(struct crypto_fast *f)
{
	struct sockaddr_un sa;
	struct timeval tv;
	char line[FAST_LINE_MAX];

	if (f->fd >= 0)
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(f->socket) >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, f->socket, strlen(f->socket));
	if ((f->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* A hung agent ends in gpgme's path, which has its own deadline. */
	memset(&tv, 0, sizeof tv);
	tv.tv_sec = f->timeout_s > 0 ? f->timeout_s : 30;
	setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(f->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(f->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    fast_read_line(f->fd, line, sizeof line) < 0 ||
	    strncmp(line, "OK", 2) != 0 ||
	    /* Never a pinentry: a key that wants a passphrase is refused. */
	    fast_transact(f, "OPTION pinentry-mode=cancel", NULL) != 0) {
		close(f->fd);
		f->fd = -1;
		return -1;
	}
	return 0;
}

/* ---- OpenPGP packets (RFC 4880) ---- */

/*
 * Finish a v4 signature whose hash h has taken what it signs: add the
 * hashed part and its trailer, have the agent sign the digest, and write
 * the packet into out.
 */
static int
fast_sign_packet(struct crypto_fast *f, crypto_hash_sha256_state *h,
    const uint8_t *hashed, size_t hlen, int algo, struct buf *out)
{
	uint8_t digest[crypto_hash_sha256_BYTES], trailer[6], keyid[8];
	char cmd[128], *hex;
	const uint8_t *r, *s;
	size_t rlen, slen, i;
	struct buf sexp, body;
	int rv = -1;

	buf_init(&sexp);
	buf_init(&body);
	crypto_hash_sha256_update(h, hashed, hlen);
	trailer[0] = 4;
	trailer[1] = 0xff;
	pkt_be32(trailer + 2, (uint32_t)hlen);
	crypto_hash_sha256_update(h, trailer, sizeof trailer);
	crypto_hash_sha256_final(h, digest);
	if (fast_connect(f) != 0)
		goto out;
	snprintf(cmd, sizeof cmd, "SIGKEY %s", f->grip);
	hex = xmalloc(2 * sizeof digest + 1);
	for (i = 0; i < sizeof digest; i++)
		snprintf(hex + 2 * i, 3, "%02X", digest[i]);
	if (fast_transact(f, "RESET", NULL) != 0 ||
	    fast_transact(f, cmd, NULL) != 0) {
		free(hex);
		goto out;
	}
	snprintf(cmd, sizeof cmd, "SETHASH %d %s", HASH_SHA256, hex);
	free(hex);
	if (fast_transact(f, cmd, NULL) != 0 ||
	    fast_transact(f, "PKSIGN", &sexp) != 0)
		goto out;
	buf_add(&body, hashed, hlen);
	/* Unhashed: the issuer's key id, the fingerprint's last 8 bytes. */
	for (i = 0; i < 8; i++)
		keyid[i] = (uint8_t)(pkt_hexval(f->fpr[24 + 2 * i]) << 4 |
		    pkt_hexval(f->fpr[25 + 2 * i]));
	buf_add(&body, "\x00\x0a\x09\x10", 4);
	buf_add(&body, keyid, 8);
	buf_add(&body, digest, 2);
	if (algo == ALGO_EDDSA && pkt_sexp_value((uint8_t *)sexp.data,
	    sexp.len, "r", &r, &rlen) && pkt_sexp_value((uint8_t *)sexp.data,
	    sexp.len, "s", &s, &slen)) {
		pkt_mpi(&body, r, rlen);
		pkt_mpi(&body, s, slen);
	} else if (algo == ALGO_RSA && pkt_sexp_value((uint8_t *)sexp.data,
	    sexp.len, "s", &s, &slen))
		pkt_mpi(&body, s, slen);
	else {
		log_debug("gpg-agent's signature is not what was asked for");
		goto out;
	}
	pkt_header(out, 2, body.len);
	buf_add(out, body.data, body.len);
	rv = 0;
out:
	buf_free(&sexp);
	buf_free(&body);
	return rv;
}

/* The hashed part of a v4 signature: version, class, algorithms, then
 * the issuer's fingerprint, the time, and what more the caller adds. */
static void
fast_hashed_begin(struct crypto_fast *f, struct buf *b, int class, int algo)
{
	uint8_t t[4];
	size_t i;

	buf_addc(b, 4);
	buf_addc(b, (char)class);
	buf_addc(b, (char)algo);
	buf_addc(b, HASH_SHA256);
	buf_add(b, "\0\0", 2);		/* the length, set at the end */
	buf_add(b, "\x16\x21\x04", 3);
	for (i = 0; i < 20; i++)
		buf_addc(b, (char)(pkt_hexval(f->fpr[2 * i]) << 4 |
		    pkt_hexval(f->fpr[2 * i + 1])));
	/* The real clock, as gpg's: SETUPLINK_NOW moves links, not keys. */
	pkt_be32(t, (uint32_t)time(NULL));
	buf_add(b, "\x05\x02", 2);
	buf_add(b, t, 4);
}

static int
fast_hashed_end(struct buf *b)
{
	size_t n = b->len - 6;

	if (n > 0xffff)
		return -1;
	((uint8_t *)b->data)[4] = (uint8_t)(n >> 8);
	((uint8_t *)b->data)[5] = (uint8_t)n;
	return 0;
}

/* The SHA-256 of a key packet for signing: 0x99, two bytes, the body. */
static void
fast_hash_key(crypto_hash_sha256_state *h, const uint8_t *body, size_t n)
{
	uint8_t hd[3] = { 0x99, (uint8_t)(n >> 8), (uint8_t)n };

	crypto_hash_sha256_update(h, hd, 3);
	crypto_hash_sha256_update(h, body, n);
}

int
crypto_fast_export_with_uid(struct crypto_fast *f, const char *uid,
    char **armored, size_t *alen, char **minimal, size_t *mlen)
{
	const uint8_t *pk, *oldsig;
	size_t off = 0, pklen, slen, ulen = strlen(uid);
	crypto_hash_sha256_state h;
	struct buf hashed, pkt, full, min;
	uint8_t u[5];
	int algo, rv = -1;

	*armored = *minimal = NULL;
	*alen = *mlen = 0;
	buf_init(&hashed);
	buf_init(&pkt);
	buf_init(&full);
	buf_init(&min);
	if (ulen == 0 || ulen > 1024 || str_has_ctl(uid))
		goto out;
	/* The primary key, and the self-signature on its first user ID. */
	if ((pk = pkt_find(f->full, f->nfull, &off, 6, &pklen)) == NULL ||
	    pklen < 6 || pk[0] != 4 || pkt_find(f->full, f->nfull, &off, 13,
	    &slen) == NULL || (oldsig = pkt_find(f->full, f->nfull, &off, 2,
	    &slen)) == NULL || slen < 6 || oldsig[1] != 0x13)
		goto out;
	algo = pk[5];
	if (algo != ALGO_EDDSA && algo != ALGO_RSA)
		goto out;
	fast_hashed_begin(f, &hashed, 0x13, algo);
	if (pkt_copy_prefs(oldsig, slen, &hashed) != 0 ||
	    fast_hashed_end(&hashed) != 0)
		goto out;
	crypto_hash_sha256_init(&h);
	fast_hash_key(&h, pk, pklen);
	u[0] = 0xb4;
	pkt_be32(u + 1, (uint32_t)ulen);
	crypto_hash_sha256_update(&h, u, 5);
	crypto_hash_sha256_update(&h, (const uint8_t *)uid, ulen);
	/* The user ID packet, then its signature. */
	pkt_header(&pkt, 13, ulen);
	buf_add(&pkt, uid, ulen);
	if (fast_sign_packet(f, &h, (uint8_t *)hashed.data, hashed.len, algo,
	    &pkt) != 0)
		goto out;
	pkt_insert_uid(f->full, f->nfull, &pkt, &full, false);
	pkt_insert_uid(f->min, f->nmin, &pkt, &min, true);
	*armored = pkt_armor("PUBLIC KEY BLOCK", (uint8_t *)full.data,
	    full.len, alen);
	*mlen = min.len;
	*minimal = buf_take(&min);
	rv = 0;
out:
	buf_free(&hashed);
	buf_free(&pkt);
	buf_free(&full);
	buf_free(&min);
	return rv;
}

int
crypto_fast_sign(struct crypto_fast *f, const char *data, size_t len,
    char **sig, size_t *siglen, char **micalg)
{
	const uint8_t *pk;
	size_t off = 0, pklen;
	crypto_hash_sha256_state h;
	struct buf hashed, pkt;
	int rv = -1;

	*sig = *micalg = NULL;
	*siglen = 0;
	buf_init(&hashed);
	buf_init(&pkt);
	if ((pk = pkt_find(f->full, f->nfull, &off, 6, &pklen)) == NULL ||
	    pklen < 6 || (pk[5] != ALGO_EDDSA && pk[5] != ALGO_RSA))
		goto out;
	/* A binary document, as gpgme's path signs it (not text mode). */
	fast_hashed_begin(f, &hashed, 0x00, pk[5]);
	if (fast_hashed_end(&hashed) != 0)
		goto out;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const uint8_t *)data, len);
	if (fast_sign_packet(f, &h, (uint8_t *)hashed.data, hashed.len, pk[5],
	    &pkt) != 0)
		goto out;
	*sig = pkt_armor("SIGNATURE", (uint8_t *)pkt.data, pkt.len, siglen);
	*micalg = xstrdup("pgp-sha256");
	rv = 0;
out:
	buf_free(&hashed);
	buf_free(&pkt);
	return rv;
}
