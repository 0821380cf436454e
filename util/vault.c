/* vault.c: secrets at rest, sealed with libsodium to the home's vault key
 * pair: vault.pub to seal, vault.key (0600, never in the database) to
 * open, itself optionally sealed under a passphrase through Argon2id. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "util/util.h"
#include "util/vault.h"

/*
 * A sealed blob: MAGIC, a data key sealed to the public key
 * (crypto_box_seal), then the data under that key as a secretstream in
 * CHUNK-byte pieces, the last one tagged final, so a cut-off blob never
 * opens.  One process seals everything it writes under one data key: the
 * public-key operation is paid once per process, not per value, which
 * keeps the intake's cost per message small.
 */
#define MAGIC		"SLVAULT1"
#define MAGIC_LEN	8
#define SEALED_KEY	(crypto_box_SEALBYTES + \
			 crypto_secretstream_xchacha20poly1305_KEYBYTES)
#define STREAM_HDR	crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define STREAM_A	crypto_secretstream_xchacha20poly1305_ABYTES
#define CHUNK		65536
#define PREFIX		(MAGIC_LEN + SEALED_KEY + STREAM_HDR)
#define KEYFILE_HEAD	"setuplink vault key 1"
#define OPENED_MAX	16

struct opened_key {
	uint8_t		 sealed[SEALED_KEY];
	uint8_t		 key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
};

struct vault {
	char		*pubpath;
	char		*keypath;
	uint8_t		 pk[crypto_box_PUBLICKEYBYTES];
	uint8_t		*sk;		/* sodium_malloc'd once unlocked */
	uint8_t		*dkey;		/* this process's data key, or NULL */
	uint8_t		 dsealed[SEALED_KEY];
	struct opened_key *opened;	/* sodium_malloc'd [OPENED_MAX] */
	size_t		 nopened;
	vault_ask_fn	 ask;
	void		*ask_arg;
};

struct vault_writer {
	crypto_secretstream_xchacha20poly1305_state st;
	int		 fd;		/* -1: into out */
	struct buf	*out;
	uint8_t		*pending;	/* CHUNK bytes not yet pushed */
	size_t		 npending;
};

static void
sodium_ready(void)
{
	if (sodium_init() < 0)
		fatalx("libsodium cannot start");
}

static void *
secure_alloc(size_t n)
{
	void *p;

	if ((p = sodium_malloc(n)) == NULL)
		fatalx("out of locked memory");
	return p;
}

/* ---- Key files ---- */

static char *
hex(const uint8_t *b, size_t n)
{
	char *s = xmalloc(2 * n + 1);

	return sodium_bin2hex(s, 2 * n + 1, b, n);
}

static bool
unhex(const char *s, uint8_t *b, size_t n)
{
	size_t got;

	return s != NULL && strlen(s) == 2 * n && sodium_hex2bin(b, n, s,
	    2 * n, NULL, &got, NULL) == 0 && got == n;
}

/* Write data to path whole or not at all: tmp, fsync, rename, 0600. */
static int
write_whole(const char *path, const char *data, bool exclusive,
    char **errstr)
{
	char *tmp = xprintf("%s.%ld.tmp", path, (long)getpid());
	int fd, rv = 0, e;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || fd_write_all(fd, data, strlen(data)) != 0 ||
	    fsync(fd) != 0) {
		e = errno;
		rv = errorf(errstr, EX_TEMPFAIL, "cannot write %s: %s", path,
		    strerror(e));
		goto out;
	}
	/* link() refuses to replace: of two racing creators one wins. */
	if (exclusive ? link(tmp, path) : rename(tmp, path)) {
		e = errno;
		rv = e == EEXIST ? -1 : errorf(errstr, EX_TEMPFAIL,
		    "cannot write %s: %s", path, strerror(e));
	}
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return rv;
}

/* The key file's lines, by their first word: public, secret, argon2id,
 * sealed. */
struct keyfile {
	char		*text;
	char		*pub, *secret, *kdf, *sealed;
};

static void
keyfile_free(struct keyfile *k)
{
	if (k->text != NULL)
		sodium_memzero(k->text, strlen(k->text));
	free(k->text);
	memset(k, 0, sizeof *k);
}

static int
keyfile_read(const char *path, struct keyfile *k, char **errstr)
{
	char *line, *save = NULL;
	size_t len;
	int rv;

	memset(k, 0, sizeof *k);
	if ((rv = file_read(path, 4096, &k->text, &len, errstr)) != 0)
		return rv;
	line = strtok_r(k->text, "\n", &save);
	if (line == NULL || strcmp(line, KEYFILE_HEAD) != 0)
		goto bad;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char *sp = strchr(line, ' ');
		if (sp == NULL)
			goto bad;
		*sp++ = '\0';
		if (strcmp(line, "public") == 0)
			k->pub = sp;
		else if (strcmp(line, "secret") == 0)
			k->secret = sp;
		else if (strcmp(line, "argon2id") == 0)
			k->kdf = sp;
		else if (strcmp(line, "sealed") == 0)
			k->sealed = sp;
	}
	if (k->pub != NULL && (k->secret != NULL ||
	    (k->kdf != NULL && k->sealed != NULL)))
		return 0;
bad:
	keyfile_free(k);
	return errorf(errstr, EX_CONFIG, "%s is not a setuplink vault key: "
	    "restore it from a backup of the home", path);
}

static int
pub_write(struct vault *v, char **errstr)
{
	char *h = hex(v->pk, sizeof v->pk), *text;
	int rv;

	text = xprintf("%s\n", h);
	rv = write_whole(v->pubpath, text, false, errstr);
	free(text);
	free(h);
	return rv;
}

/* A new pair; when another process made one first, that one stands. */
static int
vault_create(struct vault *v, char **errstr)
{
	uint8_t sk[crypto_box_SECRETKEYBYTES];
	char *hp, *hs, *text;
	int rv;

	crypto_box_keypair(v->pk, sk);
	hp = hex(v->pk, sizeof v->pk);
	hs = hex(sk, sizeof sk);
	text = xprintf("%s\npublic %s\nsecret %s\n", KEYFILE_HEAD, hp, hs);
	rv = write_whole(v->keypath, text, true, errstr);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(hs, strlen(hs));
	sodium_memzero(text, strlen(text));
	free(hp);
	free(hs);
	free(text);
	return rv;
}

static int
pub_from_keyfile(struct vault *v, char **errstr)
{
	struct keyfile k;
	int rv;

	if ((rv = keyfile_read(v->keypath, &k, errstr)) != 0)
		return rv;
	if (!unhex(k.pub, v->pk, sizeof v->pk))
		rv = errorf(errstr, EX_CONFIG, "%s is damaged: restore it "
		    "from a backup of the home", v->keypath);
	keyfile_free(&k);
	return rv == 0 ? pub_write(v, errstr) : rv;
}

int
vault_load(const char *dir, bool create, struct vault **out, char **errstr)
{
	struct vault *v;
	char *text = NULL, *nl;
	size_t len;
	int rv;

	*out = NULL;
	sodium_ready();
	v = xcalloc(1, sizeof *v);
	v->pubpath = xprintf("%s/vault.pub", dir);
	v->keypath = xprintf("%s/vault.key", dir);
	if (file_read(v->pubpath, 256, &text, &len, NULL) == 0) {
		if ((nl = strchr(text, '\n')) != NULL)
			*nl = '\0';
		rv = unhex(text, v->pk, sizeof v->pk) ? 0 : errorf(errstr,
		    EX_CONFIG, "%s is damaged: restore it, or remove it to "
		    "read the public key from vault.key again", v->pubpath);
		free(text);
	} else if (access(v->keypath, F_OK) == 0)
		rv = pub_from_keyfile(v, errstr);
	else if (!create)
		rv = errorf(errstr, EX_CONFIG, "%s has no vault key "
		    "(vault.pub): run setuplink init", dir);
	else if ((rv = vault_create(v, errstr)) <= 0)
		rv = pub_from_keyfile(v, errstr);	/* ours, or the winner's */
	if (rv != 0)
		vault_free(&v);
	*out = v;
	return rv;
}

void
vault_free(struct vault **vp)
{
	struct vault *v = *vp;

	if (v == NULL)
		return;
	sodium_free(v->sk);
	sodium_free(v->dkey);
	sodium_free(v->opened);
	free(v->pubpath);
	free(v->keypath);
	free(v);
	*vp = NULL;
}

void
vault_destroy(const char *dir)
{
	char *p;

	p = xprintf("%s/vault.key", dir);
	unlink(p);
	free(p);
	p = xprintf("%s/vault.pub", dir);
	unlink(p);
	free(p);
}

void
vault_set_ask(struct vault *v, vault_ask_fn fn, void *arg)
{
	v->ask = fn;
	v->ask_arg = arg;
}

int
vault_protected(struct vault *v, bool *yes, char **errstr)
{
	struct keyfile k;
	int rv;

	if ((rv = keyfile_read(v->keypath, &k, errstr)) != 0)
		return rv;
	*yes = k.secret == NULL;
	keyfile_free(&k);
	return 0;
}

/* ---- The private key ---- */

static int
passphrase_get(struct vault *v, char **pass, char **errstr)
{
	const char *file = getenv("SETUPLINK_VAULT_PASSPHRASE_FILE");
	size_t len;
	int rv;

	*pass = NULL;
	if (file != NULL && *file != '\0') {
		if ((rv = file_read(file, 4096, pass, &len, NULL)) != 0)
			return errorf(errstr, EX_NOPERM, "cannot read the vault "
			    "passphrase from %s (SETUPLINK_VAULT_PASSPHRASE_FILE)"
			    ": check the file", file);
		(*pass)[strcspn(*pass, "\r\n")] = '\0';
		return 0;
	}
	if (v->ask == NULL)
		return errorf(errstr, EX_NOPERM, "the vault key is protected by "
		    "a passphrase and there is no terminal to ask on: name a "
		    "file holding it in SETUPLINK_VAULT_PASSPHRASE_FILE");
	return v->ask(v->ask_arg, "Vault passphrase: ", pass, errstr);
}

static void
pass_free(char **pass)
{
	if (*pass != NULL)
		sodium_memzero(*pass, strlen(*pass));
	freep(pass);
}

/* The key that seals the private key under a passphrase. */
static int
kdf(const char *pass, const char *params, uint8_t key[32],
    char **errstr)
{
	unsigned long long ops;
	unsigned long mem;
	char salthex[2 * crypto_pwhash_SALTBYTES + 1];
	uint8_t salt[crypto_pwhash_SALTBYTES];

	if (sscanf(params, "%llu %lu %32s", &ops, &mem, salthex) != 3 ||
	    !unhex(salthex, salt, sizeof salt) ||
	    ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN)
		return errorf(errstr, EX_CONFIG, "the vault key's passphrase "
		    "settings are damaged: restore vault.key from a backup");
	if (crypto_pwhash(key, 32, pass, strlen(pass), salt, ops, (size_t)mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return errorf(errstr, EX_TEMPFAIL, "not enough memory to read "
		    "the vault passphrase (Argon2id wants %lu MB)", mem >> 20);
	return 0;
}

static int
unseal_secret(const struct keyfile *k, const char *pass, uint8_t *sk,
    char **errstr)
{
	uint8_t key[32], nonce[crypto_secretbox_NONCEBYTES];
	uint8_t box[crypto_secretbox_MACBYTES + crypto_box_SECRETKEYBYTES];
	char nhex[2 * sizeof nonce + 1], bhex[2 * sizeof box + 1];
	int rv;

	if (sscanf(k->sealed, "%48s %96s", nhex, bhex) != 2 ||
	    !unhex(nhex, nonce, sizeof nonce) || !unhex(bhex, box, sizeof box))
		return errorf(errstr, EX_CONFIG, "the vault key is damaged: "
		    "restore vault.key from a backup");
	if ((rv = kdf(pass, k->kdf, key, errstr)) != 0)
		return rv;
	rv = crypto_secretbox_open_easy(sk, box, sizeof box, nonce, key);
	sodium_memzero(key, sizeof key);
	if (rv != 0)
		return errorf(errstr, EX_NOPERM, "wrong vault passphrase: "
		    "nothing was opened; try again");
	return 0;
}

int
vault_unlock(struct vault *v, char **errstr)
{
	uint8_t pk[crypto_box_PUBLICKEYBYTES], *sk;
	struct keyfile k;
	char *pass = NULL;
	int rv;

	if (v->sk != NULL)
		return 0;
	if (access(v->keypath, F_OK) != 0)
		return errorf(errstr, EX_NOPERM, "the vault key %s is missing: "
		    "copy it from the host whose home made it", v->keypath);
	if ((rv = keyfile_read(v->keypath, &k, errstr)) != 0)
		return rv;
	sk = secure_alloc(crypto_box_SECRETKEYBYTES);
	if (k.secret != NULL)
		rv = unhex(k.secret, sk, crypto_box_SECRETKEYBYTES) ? 0 :
		    errorf(errstr, EX_CONFIG, "the vault key %s is damaged: "
		    "restore it from a backup", v->keypath);
	else if ((rv = passphrase_get(v, &pass, errstr)) == 0)
		rv = unseal_secret(&k, pass, sk, errstr);
	pass_free(&pass);
	keyfile_free(&k);
	if (rv == 0 && (crypto_scalarmult_base(pk, sk) != 0 ||
	    sodium_memcmp(pk, v->pk, sizeof pk) != 0))
		rv = errorf(errstr, EX_CONFIG, "%s does not belong to %s: "
		    "restore the pair from a backup", v->keypath, v->pubpath);
	if (rv != 0) {
		sodium_free(sk);
		return rv;
	}
	v->sk = sk;
	return 0;
}

static char *
keyfile_text(struct vault *v, const char *pass)
{
	uint8_t key[32], salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint8_t box[crypto_secretbox_MACBYTES + crypto_box_SECRETKEYBYTES];
	char *hp = hex(v->pk, sizeof v->pk), *h1, *h2, *h3, *text;
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

	if (pass == NULL || *pass == '\0') {
		h1 = hex(v->sk, crypto_box_SECRETKEYBYTES);
		text = xprintf("%s\npublic %s\nsecret %s\n", KEYFILE_HEAD, hp,
		    h1);
		sodium_memzero(h1, strlen(h1));
		free(h1);
		free(hp);
		return text;
	}
	randombytes_buf(salt, sizeof salt);
	randombytes_buf(nonce, sizeof nonce);
	if (crypto_pwhash(key, sizeof key, pass, strlen(pass), salt, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		fatalx("out of memory for Argon2id");
	crypto_secretbox_easy(box, v->sk, crypto_box_SECRETKEYBYTES, nonce,
	    key);
	sodium_memzero(key, sizeof key);
	h1 = hex(salt, sizeof salt);
	h2 = hex(nonce, sizeof nonce);
	h3 = hex(box, sizeof box);
	text = xprintf("%s\npublic %s\nargon2id %llu %zu %s\nsealed %s %s\n",
	    KEYFILE_HEAD, hp, ops, mem, h1, h2, h3);
	free(hp);
	free(h1);
	free(h2);
	free(h3);
	return text;
}

int
vault_set_passphrase(struct vault *v, const char *pass, char **errstr)
{
	char *text;
	int rv;

	if (v->sk == NULL)
		return errorf(errstr, EX_SOFTWARE, "the vault is not unlocked");
	text = keyfile_text(v, pass);
	rv = write_whole(v->keypath, text, false, errstr);
	sodium_memzero(text, strlen(text));
	free(text);
	return rv;
}

/* ---- Sealing and opening ---- */

static void
data_key(struct vault *v)
{
	if (v->dkey != NULL)
		return;
	v->dkey = secure_alloc(crypto_secretstream_xchacha20poly1305_KEYBYTES);
	crypto_secretstream_xchacha20poly1305_keygen(v->dkey);
	if (crypto_box_seal(v->dsealed, v->dkey,
	    crypto_secretstream_xchacha20poly1305_KEYBYTES, v->pk) != 0)
		fatalx("cannot seal to the vault key");
}

static int
emit(struct vault_writer *w, const void *p, size_t n)
{
	if (w->fd < 0) {
		buf_add(w->out, p, n);
		return 0;
	}
	return fd_write_all(w->fd, p, n);
}

static int
writer_start(struct vault *v, int fd, struct buf *out,
    struct vault_writer **wp)
{
	struct vault_writer *w = xcalloc(1, sizeof *w);
	uint8_t hdr[STREAM_HDR];

	data_key(v);
	w->fd = fd;
	w->out = out;
	w->pending = secure_alloc(CHUNK);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, hdr, v->dkey);
	*wp = w;
	if (emit(w, MAGIC, MAGIC_LEN) != 0 ||
	    emit(w, v->dsealed, SEALED_KEY) != 0 || emit(w, hdr, STREAM_HDR))
		return -1;
	return 0;
}

int
vault_writer_new(struct vault *v, int fd, struct vault_writer **wp)
{
	return writer_start(v, fd, NULL, wp);
}

static int
writer_push(struct vault_writer *w, bool final)
{
	uint8_t c[CHUNK + STREAM_A];
	unsigned long long clen;

	crypto_secretstream_xchacha20poly1305_push(&w->st, c, &clen,
	    w->pending, w->npending, NULL, 0, final ?
	    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
	sodium_memzero(w->pending, w->npending);
	w->npending = 0;
	return emit(w, c, (size_t)clen);
}

int
vault_writer_add(struct vault_writer *w, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t take;

	while (len > 0) {
		/* A full chunk goes out only once more follows it. */
		if (w->npending == CHUNK && writer_push(w, false) != 0)
			return -1;
		take = CHUNK - w->npending;
		if (take > len)
			take = len;
		memcpy(w->pending + w->npending, p, take);
		w->npending += take;
		p += take;
		len -= take;
	}
	return 0;
}

void
vault_writer_free(struct vault_writer **wp)
{
	struct vault_writer *w = *wp;

	if (w == NULL)
		return;
	sodium_free(w->pending);
	sodium_memzero(&w->st, sizeof w->st);
	free(w);
	*wp = NULL;
}

int
vault_writer_end(struct vault_writer **wp)
{
	int rv = writer_push(*wp, true);

	vault_writer_free(wp);
	return rv;
}

void
vault_seal(struct vault *v, const void *data, size_t len, char **out,
    size_t *outlen)
{
	struct vault_writer *w;
	struct buf b;

	buf_init(&b);
	writer_start(v, -1, &b, &w);
	vault_writer_add(w, data, len);
	vault_writer_end(&w);
	*outlen = b.len;
	*out = buf_take(&b);
}

bool
vault_is_sealed(const void *data, size_t len)
{
	return len >= PREFIX + STREAM_A && memcmp(data, MAGIC, MAGIC_LEN) == 0;
}

/* The data key of a blob, opened with the private key once per key. */
static int
blob_key(struct vault *v, const uint8_t *sealed, uint8_t **key,
    char **errstr)
{
	struct opened_key *o;
	size_t i;
	int rv;

	for (i = 0; i < v->nopened; i++) {
		if (memcmp(v->opened[i].sealed, sealed, SEALED_KEY) == 0) {
			*key = v->opened[i].key;
			return 0;
		}
	}
	if ((rv = vault_unlock(v, errstr)) != 0)
		return rv;
	if (v->opened == NULL)
		v->opened = secure_alloc(OPENED_MAX * sizeof *v->opened);
	o = &v->opened[v->nopened < OPENED_MAX ? v->nopened++ :
	    randombytes_uniform(OPENED_MAX)];
	memcpy(o->sealed, sealed, SEALED_KEY);
	if (crypto_box_seal_open(o->key, sealed, SEALED_KEY, v->pk,
	    v->sk) != 0) {
		memset(o->sealed, 0, SEALED_KEY);
		return errorf(errstr, EX_DATAERR, "a sealed value was not "
		    "sealed to this home's vault key (or is damaged)");
	}
	*key = o->key;
	return 0;
}

int
vault_open(struct vault *v, const void *data, size_t len, char **out,
    size_t *outlen, char **errstr)
{
	crypto_secretstream_xchacha20poly1305_state st;
	const uint8_t *p = data, *end = p + len;
	unsigned long long mlen;
	unsigned char tag = 0;
	uint8_t *key = NULL;
	size_t n;
	int rv;

	*out = NULL;
	*outlen = 0;
	if (!vault_is_sealed(data, len))
		return errorf(errstr, EX_DATAERR, "a stored value is not sealed "
		    "as setuplink seals");
	if ((rv = blob_key(v, p + MAGIC_LEN, &key, errstr)) != 0)
		return rv;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st,
	    p + MAGIC_LEN + SEALED_KEY, key) != 0)
		goto bad;
	*out = xmalloc(len - PREFIX + 1);
	for (p += PREFIX; tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	    p += n) {
		if (p >= end || (size_t)(end - p) < STREAM_A)
			goto bad;
		n = (size_t)(end - p) > CHUNK + STREAM_A ? CHUNK + STREAM_A :
		    (size_t)(end - p);
		if (crypto_secretstream_xchacha20poly1305_pull(&st,
		    (uint8_t *)*out + *outlen, &mlen, &tag, p, n, NULL, 0) != 0)
			goto bad;
		*outlen += (size_t)mlen;
	}
	if (p != end)
		goto bad;
	(*out)[*outlen] = '\0';
	return 0;
bad:
	if (*out != NULL)
		sodium_memzero(*out, *outlen);
	freep(out);
	*outlen = 0;
	return errorf(errstr, EX_DATAERR, "a sealed value is damaged or cut "
	    "short: it cannot be opened");
}
