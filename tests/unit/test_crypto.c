/* test_crypto.c: the workspace key against real gpg in throwaway homes
 * under /tmp: a workspace home for crypto.c and a recipient's for gpg. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/util.h"
#include "mailer/mailer.h"

/* The recipient's gpg: batch, no passphrase, no pinentry. */
#define RGPG	"gpg --homedir %s --batch --quiet --no-tty --yes " \
		"--pinentry-mode loopback --passphrase '' --trust-model always"

static struct {
	char		 base[32];	/* /tmp/sltc.XXXXXX */
	char		*ws;		/* workspace home */
	char		*rh;		/* recipient home */
	struct crypto	*c;
	char		*fpr;		/* workspace key */
	char		*wsub;		/* its encryption subkey's key ID */
	char		*rfpr;		/* recipient's primary */
	char		*rsign;		/* recipient's signing subkey */
	char		*efpr;		/* an expired key of the recipient */
} t;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int PRINTFLIKE(1, 2)
run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int st;

	va_start(ap, fmt);
	xvasprintf(&cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	free(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

/* The command's standard output, its trailing newline dropped. */
static char * PRINTFLIKE(1, 2)
capture(const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	char *cmd, chunk[4096];
	size_t n;
	FILE *f;

	va_start(ap, fmt);
	xvasprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_init(&b);
	assert_non_null(f = popen(cmd, "r"));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	pclose(f);
	free(cmd);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return buf_take(&b);
}

static char *
slurp(const char *name, size_t *len)
{
	char *path = xprintf("%s/%s", t.base, name), *data = NULL;

	assert_int_equal(file_read(path, 64 << 20, &data, len, NULL), 0);
	free(path);
	return data;
}

static void
spit(const char *name, const char *data, size_t len)
{
	char *path = xprintf("%s/%s", t.base, name);
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(path);
}

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p += n) {
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* How many gpg-agents run for homes whose path starts with prefix. */
static int
agents(const char *prefix)
{
	char *out = capture("ps -eo args | grep -c '^gpg-agent --homedir %s' "
	    "|| true", prefix);
	int n = atoi(out);

	free(out);
	return n;
}

static int
setup(void **state)
{
	double t0;
	char *err = NULL;

	strcpy(t.base, "/tmp/sltc.XXXXXX");
	if (mkdtemp(t.base) == NULL)
		return -1;
	t.ws = xprintf("%s/w", t.base);
	t.rh = xprintf("%s/r", t.base);
	if (mkdir(t.ws, 0700) != 0 || mkdir(t.rh, 0700) != 0)
		return -1;
	if (crypto_open(t.ws, 30, &t.c, &err) != 0) {
		fprintf(stderr, "crypto_open: %s\n", err);
		return -1;
	}
	t0 = now();
	if (crypto_keygen(t.c, "Acme setup <setup@acme.example>", &t.fpr,
	    &err) != 0) {
		fprintf(stderr, "crypto_keygen: %s\n", err);
		return -1;
	}
	fprintf(stderr, "# crypto_keygen: %.0f ms\n", (now() - t0) * 1e3);
	t.wsub = capture("gpg --homedir %s --with-colons --list-keys %s | "
	    "awk -F: '/^sub/ { print $5 }'", t.ws, t.fpr);

	/* The recipient: ed25519 primary, cv25519 for encryption and an
	 * ed25519 subkey for signing, made with gpg as a mail client would. */
	if (run(RGPG " --quick-gen-key 'R <r@x.example>' ed25519 sign never "
	    "2>/dev/null", t.rh) != 0)
		return -1;
	t.rfpr = capture("gpg --homedir %s --with-colons --list-keys "
	    "r@x.example 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'",
	    t.rh);
	if (run(RGPG " --quick-add-key %s cv25519 encr never", t.rh, t.rfpr) ||
	    run(RGPG " --quick-add-key %s ed25519 sign never", t.rh, t.rfpr))
		return -1;
	t.rsign = capture("gpg --homedir %s --with-colons --list-keys %s | "
	    "awk -F: '/^fpr/ { f = $10 } END { print f }'", t.rh, t.rfpr);
	return 0;
}

static int
teardown(void **state)
{
	crypto_close(&t.c);
	run("gpgconf --homedir %s --kill all", t.ws);
	run("gpgconf --homedir %s --kill all", t.rh);
	if (agents(t.base) != 0)
		fprintf(stderr, "gpg-agents left running for %s\n", t.base);
	run("rm -rf %s", t.base);
	free(t.ws);
	free(t.rh);
	free(t.fpr);
	free(t.wsub);
	free(t.rfpr);
	free(t.rsign);
	free(t.efpr);
	return 0;
}

static void
test_keygen(void **state)
{
	char *conf, *fpr, *err = NULL;
	size_t len;

	assert_true(fingerprint_valid(t.fpr));
	assert_int_equal(strspn(t.fpr, "0123456789ABCDEF"), 40);
	assert_int_equal(strlen(t.wsub), 16);
	assert_true(fingerprint_valid(t.rfpr));
	assert_true(fingerprint_valid(t.rsign));
	assert_string_not_equal(t.rfpr, t.rsign);
	assert_false(fingerprint_valid("ABCD"));
	assert_false(fingerprint_valid(NULL));
	conf = slurp("w/gpg.conf", &len);
	assert_true(has_line(conf, "trust-model always"));
	free(conf);
	/* One secret key per home. */
	assert_int_equal(crypto_keygen(t.c, "Second <s@x.example>", &fpr, &err),
	    EX_CONFIG);
	assert_null(fpr);
	assert_non_null(strstr(err, t.fpr));
	free(err);
}

static void
test_workspace_key(void **state)
{
	struct key_info *ki;
	char *fpr = NULL, *err = NULL;
	size_t n;

	assert_int_equal(crypto_workspace_key(t.c, &fpr, &err), 0);
	assert_string_equal(fpr, t.fpr);
	free(fpr);
	assert_int_equal(crypto_key_get(t.c, t.fpr, &ki, &err), 0);
	assert_true(ki->secret);
	assert_int_equal(ki->nuids, 1);
	assert_string_equal(ki->uids[0], "Acme setup <setup@acme.example>");
	assert_int_equal(ki->expires, 0);
	assert_true(ki->created > 0);
	assert_false(ki->revoked || ki->expired);
	key_info_free(&ki, 1);
	assert_int_equal(crypto_list(t.c, &ki, &n, &err), 0);
	assert_int_equal(n, 1);
	key_info_free(&ki, n);

	assert_int_equal(crypto_key_get(t.c, t.rfpr, &ki, &err), EX_NOINPUT);
	assert_non_null(err);
	assert_int_equal(crypto_key_get(t.c, "setup@acme.example", &ki, &err),
	    EX_DATAERR);
	free(err);
}

static void
test_export_armored(void **state)
{
	char *data, *err = NULL, *out;
	size_t len;

	assert_int_equal(crypto_export_armored(t.c, t.fpr, &data, &len,
	    &err), 0);
	assert_true(str_has_prefix(data, "-----BEGIN PGP PUBLIC KEY BLOCK"));
	assert_null(strstr(data, "PRIVATE"));
	spit("ws.asc", data, len);
	free(data);
	out = capture("gpg --homedir %s --with-colons --show-keys %s/ws.asc",
	    t.rh, t.base);
	assert_non_null(strstr(out, t.fpr));
	assert_null(strstr(out, "\nsec:"));
	free(out);
	/* The recipient will encrypt to it. */
	assert_int_equal(run(RGPG " --import %s/ws.asc 2>/dev/null", t.rh,
	    t.base), 0);
}

static void
test_export_with_uid(void **state)
{
	const char *uid = "Acme setup <setup+abcdefghijklmnopqrstuvwxyz234567"
	    "@acme.example>";
	struct key_info *ki;
	char *arm, *min, *err = NULL, *out;
	size_t alen, mlen, n, i, j;
	double t0;
	int before = agents("/tmp/slk.");

	t0 = now();
	assert_int_equal(crypto_export_with_uid(t.c, t.fpr, uid, &arm, &alen,
	    &min, &mlen, &err), 0);
	fprintf(stderr, "# crypto_export_with_uid: %.0f ms\n",
	    (now() - t0) * 1e3);
	assert_true(str_has_prefix(arm, "-----BEGIN PGP PUBLIC KEY BLOCK"));
	spit("arm.asc", arm, alen);
	spit("min.gpg", min, mlen);
	/* The attachment carries both user IDs. */
	out = capture("gpg --homedir %s --with-colons --show-keys %s/arm.asc | "
	    "awk -F: '/^uid/ { print $10 }'", t.rh, t.base);
	assert_true(has_line(out, uid));
	assert_true(has_line(out, "Acme setup <setup@acme.example>"));
	free(out);
	/* Autocrypt's key: the primary, its encryption subkey, one user ID. */
	out = capture("gpg --homedir %s --with-colons --show-keys %s/min.gpg | "
	    "awk -F: '/^(pub|sub|uid)/ { print $1 \":\" $10 }'", t.rh, t.base);
	assert_string_equal(out, "pub:\nuid:Acme setup <setup+abcdefghijklmno"
	    "pqrstuvwxyz234567@acme.example>\nsub:");
	free(out);
	out = capture("gpg --homedir %s --list-packets %s/min.gpg | grep -c "
	    "'^:signature packet'", t.rh, t.base);
	assert_string_equal(out, "2");
	free(out);
	free(arm);
	free(min);

	/* The workspace keyring never holds the token. */
	assert_int_equal(crypto_list(t.c, &ki, &n, &err), 0);
	for (i = 0; i < n; i++) {
		for (j = 0; j < ki[i].nuids; j++)
			assert_null(strstr(ki[i].uids[j], "+abcdefgh"));
	}
	key_info_free(&ki, n);
	assert_int_equal(agents("/tmp/slk."), before);

	assert_int_equal(crypto_export_with_uid(t.c, t.fpr, "two\nlines", &arm,
	    &alen, &min, &mlen, &err), EX_DATAERR);
	free(err);
}

static void
test_sign_verify(void **state)
{
	const char *text = "Content-Type: text/plain\r\n\r\nhello  \r\n";
	struct crypto_result res;
	char *sig, *micalg, *err = NULL;
	size_t siglen;
	double t0;

	t0 = now();
	assert_int_equal(crypto_sign_detached(t.c, t.fpr, text, strlen(text),
	    &sig, &siglen, &micalg, &err), 0);
	fprintf(stderr, "# crypto_sign_detached: %.0f ms\n",
	    (now() - t0) * 1e3);
	assert_true(str_has_prefix(sig, "-----BEGIN PGP SIGNATURE-----"));
	assert_true(str_has_prefix(micalg, "pgp-sha"));
	t0 = now();
	assert_int_equal(crypto_verify_detached(t.c, text, strlen(text), sig,
	    siglen, &res, &err), 0);
	fprintf(stderr, "# crypto_verify_detached: %.0f ms\n",
	    (now() - t0) * 1e3);
	assert_int_equal(res.nsigs, 1);
	assert_true(res.sigs[0].good);
	assert_true(res.sigs[0].known);
	assert_false(res.sigs[0].bad);
	assert_string_equal(res.sigs[0].fpr, t.fpr);
	crypto_result_free(&res);

	/* A blank less at a line's end is another text. */
	assert_int_equal(crypto_verify_detached(t.c, text, strlen(text) - 3,
	    sig, siglen, &res, &err), 0);
	assert_true(res.sigs[0].bad);
	assert_false(res.sigs[0].good);
	crypto_result_free(&res);
	free(sig);
	free(micalg);

	assert_int_equal(crypto_sign_detached(t.c, t.rfpr, text, strlen(text),
	    &sig, &siglen, &micalg, &err), EX_NOINPUT);
	assert_int_equal(crypto_verify_detached(t.c, text, strlen(text),
	    "garbage", 7, &res, &err), EX_DATAERR);
	free(err);
}

/* Sign text.txt in the recipient's home as key: a detached armored
 * signature in name. */
static void
rsign(const char *key, const char *name)
{
	assert_int_equal(run(RGPG " --local-user %s! --armor --output %s/%s "
	    "--detach-sign %s/text.txt", t.rh, key, t.base, name, t.base), 0);
}

static void
verify_file(const char *sigfile, struct crypto_result *res)
{
	char *text, *sig, *err = NULL;
	size_t len, siglen;

	text = slurp("text.txt", &len);
	sig = slurp(sigfile, &siglen);
	assert_int_equal(crypto_verify_detached(t.c, text, len, sig, siglen,
	    res, &err), 0);
	assert_int_equal(res->nsigs, 1);
	free(text);
	free(sig);
}

static void
test_recipient_signature(void **state)
{
	struct crypto_result res;
	struct key_info *ki;
	char *pub, *err = NULL;
	size_t len, n;

	spit("text.txt", "host: db.example\npassword: s3cret\n", 34);
	rsign(t.rfpr, "r.sig");
	rsign(t.rsign, "rsub.sig");

	/* Not imported: neither known nor good. */
	verify_file("r.sig", &res);
	assert_false(res.sigs[0].good);
	assert_false(res.sigs[0].known);
	assert_false(res.sigs[0].bad);
	assert_null(res.sigs[0].fpr);
	assert_non_null(res.sigs[0].signer_fpr);
	assert_non_null(res.sigs[0].detail);
	crypto_result_free(&res);

	assert_int_equal(run(RGPG " --armor --export %s > %s/r.asc", t.rh,
	    t.rfpr, t.base), 0);
	pub = slurp("r.asc", &len);
	assert_int_equal(crypto_import(t.c, pub, len, &ki, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ki[0].fpr, t.rfpr);
	assert_false(ki[0].secret);
	assert_string_equal(ki[0].uids[0], "R <r@x.example>");
	key_info_free(&ki, n);
	free(pub);

	verify_file("r.sig", &res);
	assert_true(res.sigs[0].good);
	assert_string_equal(res.sigs[0].fpr, t.rfpr);
	crypto_result_free(&res);

	/* A signing subkey counts as its primary. */
	verify_file("rsub.sig", &res);
	assert_true(res.sigs[0].good);
	assert_string_equal(res.sigs[0].fpr, t.rfpr);
	assert_string_equal(res.sigs[0].signer_fpr, t.rsign);
	crypto_result_free(&res);

	/* Tampered. */
	spit("text.txt", "host: db.example\npassword: s3creT\n", 34);
	verify_file("rsub.sig", &res);
	assert_true(res.sigs[0].bad);
	assert_false(res.sigs[0].good);
	crypto_result_free(&res);
}

static void
test_import_refuses(void **state)
{
	struct key_info *ki;
	char *data, *err = NULL;
	size_t len, n;

	assert_int_equal(run(RGPG " --armor --export-secret-keys %s > "
	    "%s/rsec.asc", t.rh, t.rfpr, t.base), 0);
	data = slurp("rsec.asc", &len);
	assert_int_equal(crypto_import(t.c, data, len, &ki, &n, &err),
	    EX_DATAERR);
	assert_non_null(strstr(err, "secret"));
	free(data);
	assert_int_equal(crypto_import(t.c, "hello", 5, &ki, &n, &err),
	    EX_DATAERR);
	free(err);
	assert_int_equal(crypto_list(t.c, &ki, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(ki[0].secret != ki[1].secret);
	key_info_free(&ki, n);
}

/* Encrypt text.txt in the recipient's home with gpg options opts. */
static char *
rencrypt(const char *opts, size_t *len)
{
	assert_int_equal(run(RGPG " %s --armor --output %s/msg.asc %s/text.txt"
	    " 2>/dev/null", t.rh, opts, t.base, t.base), 0);
	return slurp("msg.asc", len);
}

static void
test_decrypt(void **state)
{
	const char *text = "host: db.example\npassword: s3cret\n";
	struct crypto_result res;
	char *msg, *opts, *err = NULL;
	size_t len;
	double t0;

	spit("text.txt", text, strlen(text));
	opts = xprintf("--recipient %s --encrypt", t.fpr);
	msg = rencrypt(opts, &len);
	free(opts);
	t0 = now();
	assert_int_equal(crypto_decrypt(t.c, msg, len, &res, &err), 0);
	fprintf(stderr, "# crypto_decrypt: %.0f ms\n", (now() - t0) * 1e3);
	assert_true(res.decrypted);
	assert_int_equal(res.nsigs, 0);
	assert_int_equal(res.plain_len, strlen(text));
	assert_memory_equal(res.plain, text, res.plain_len);
	crypto_result_free(&res);
	free(msg);

	/* Signed by a subkey and encrypted. */
	opts = xprintf("--recipient %s --local-user %s! --sign --encrypt",
	    t.fpr, t.rsign);
	msg = rencrypt(opts, &len);
	free(opts);
	t0 = now();
	assert_int_equal(crypto_decrypt(t.c, msg, len, &res, &err), 0);
	fprintf(stderr, "# crypto_decrypt, signed: %.0f ms\n",
	    (now() - t0) * 1e3);
	assert_true(res.decrypted);
	assert_int_equal(res.nsigs, 1);
	assert_true(res.sigs[0].good);
	assert_string_equal(res.sigs[0].fpr, t.rfpr);
	assert_memory_equal(res.plain, text, res.plain_len);
	crypto_result_free(&res);
	/* Verifying never decrypts. */
	assert_int_equal(crypto_verify_inline(t.c, msg, len, &res, &err),
	    EX_DATAERR);
	assert_non_null(strstr(err, "encrypted"));
	free(msg);

	/* Damaged on the way: the integrity check fails at the end. */
	opts = xprintf("--recipient %s --encrypt", t.fpr);
	msg = rencrypt(opts, &len);
	free(opts);
	assert_int_equal(run("gpg --homedir %s --dearmor < %s/msg.asc > "
	    "%s/msg.gpg", t.rh, t.base, t.base), 0);
	free(msg);
	msg = slurp("msg.gpg", &len);
	msg[len - 5] ^= 1;
	assert_int_equal(crypto_decrypt(t.c, msg, len, &res, &err), EX_DATAERR);
	assert_null(res.plain);
	free(msg);

	/* Not for us. */
	opts = xprintf("--recipient %s --encrypt", t.rfpr);
	msg = rencrypt(opts, &len);
	free(opts);
	assert_int_equal(crypto_decrypt(t.c, msg, len, &res, &err), EX_DATAERR);
	assert_non_null(strstr(err, "workspace key"));
	free(msg);

	assert_int_equal(crypto_decrypt(t.c, "garbage", 7, &res, &err),
	    EX_DATAERR);
	free(err);
}

/* gpg 2.2 still writes a message without MDC when told --rfc2440. */
static void
test_decrypt_no_mdc(void **state)
{
	struct crypto_result res;
	char *msg, *opts, *err = NULL, *out;
	size_t len;

	opts = xprintf("--rfc2440 --recipient %s --encrypt", t.fpr);
	msg = rencrypt(opts, &len);
	free(opts);
	out = capture("gpg --homedir %s --list-packets %s/msg.asc 2>/dev/null "
	    "| grep -c 'encrypted data packet'", t.ws, t.base);
	assert_string_equal(out, "1");
	free(out);
	out = capture("gpg --homedir %s --list-packets %s/msg.asc 2>/dev/null "
	    "| grep -c 'mdc_method'", t.ws, t.base);
	assert_string_equal(out, "0");
	free(out);
	assert_int_equal(crypto_decrypt(t.c, msg, len, &res, &err), EX_DATAERR);
	assert_non_null(strstr(err, "without integrity protection"));
	assert_null(res.plain);
	assert_false(res.decrypted);
	free(msg);
	free(err);
}

/* A small message that inflates past the limit stops there. */
static void
test_plain_limit(void **state)
{
	struct crypto_result res;
	char *msg, *err = NULL;
	size_t len;
	double t0;

	assert_int_equal(run("head -c 70000000 /dev/zero > %s/big && "
	    RGPG " --compress-level 9 --recipient %s --output %s/big.gpg "
	    "--encrypt %s/big 2>/dev/null", t.base, t.rh, t.fpr, t.base,
	    t.base), 0);
	msg = slurp("big.gpg", &len);
	assert_true(len < 1000000);
	t0 = now();
	assert_int_equal(crypto_decrypt(t.c, msg, len, &res, &err), EX_DATAERR);
	fprintf(stderr, "# crypto_decrypt, 70 MB inflated: %.0f ms\n",
	    (now() - t0) * 1e3);
	assert_non_null(strstr(err, "larger than"));
	assert_null(res.plain);
	free(msg);
	free(err);
}

static void
test_inline(void **state)
{
	const char *text = "host: db.example\n- dash: yes\n";
	struct crypto_result res;
	char *msg, *opts, *err = NULL, *p;
	size_t len;

	spit("text.txt", text, strlen(text));
	opts = xprintf("--local-user %s! --clearsign", t.rfpr);
	msg = rencrypt(opts, &len);
	free(opts);
	assert_true(str_has_prefix(msg, "-----BEGIN PGP SIGNED MESSAGE-----"));
	assert_int_equal(crypto_verify_inline(t.c, msg, len, &res, &err), 0);
	assert_int_equal(res.nsigs, 1);
	assert_true(res.sigs[0].good);
	assert_string_equal(res.sigs[0].fpr, t.rfpr);
	assert_false(res.decrypted);
	assert_non_null(strstr(res.plain, "- dash: yes"));
	crypto_result_free(&res);
	/* Tampered. */
	assert_non_null(p = strstr(msg, "db.example"));
	p[0] = 'D';
	assert_int_equal(crypto_verify_inline(t.c, msg, len, &res, &err), 0);
	assert_true(res.sigs[0].bad);
	crypto_result_free(&res);
	free(msg);

	/* An opaque signed message, through either door. */
	opts = xprintf("--local-user %s! --sign", t.rsign);
	msg = rencrypt(opts, &len);
	free(opts);
	assert_true(str_has_prefix(msg, "-----BEGIN PGP MESSAGE-----"));
	assert_int_equal(crypto_verify_inline(t.c, msg, len, &res, &err), 0);
	assert_true(res.sigs[0].good);
	assert_int_equal(res.plain_len, strlen(text));
	assert_memory_equal(res.plain, text, res.plain_len);
	crypto_result_free(&res);
	assert_int_equal(crypto_decrypt(t.c, msg, len, &res, &err), 0);
	assert_false(res.decrypted);
	assert_true(res.sigs[0].good);
	assert_memory_equal(res.plain, text, res.plain_len);
	crypto_result_free(&res);
	free(msg);

	assert_int_equal(crypto_verify_inline(t.c, "no", 2, &res, &err),
	    EX_DATAERR);
	free(err);
}

/* A key made in 2020 that expired in 2021, signed with while it was good. */
static void
test_expired(void **state)
{
	struct crypto_result res;
	struct key_info *ki;
	char *pub, *err = NULL;
	size_t len, n;

	assert_int_equal(run(RGPG " --faked-system-time 20200101T000000! "
	    "--quick-gen-key 'E <e@x.example>' ed25519 sign 1y 2>/dev/null",
	    t.rh), 0);
	t.efpr = capture("gpg --homedir %s --with-colons --list-keys "
	    "e@x.example 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'",
	    t.rh);
	assert_int_equal(run(RGPG " --faked-system-time 20200601T000000! "
	    "--local-user %s! --armor --output %s/e.sig --detach-sign "
	    "%s/text.txt 2>/dev/null", t.rh, t.efpr, t.base, t.base), 0);
	assert_int_equal(run(RGPG " --armor --export %s > %s/e.asc", t.rh,
	    t.efpr, t.base), 0);
	pub = slurp("e.asc", &len);
	assert_int_equal(crypto_import(t.c, pub, len, &ki, &n, &err), 0);
	assert_true(ki[0].expired);
	assert_true(ki[0].expires > 0);
	key_info_free(&ki, n);
	free(pub);
	verify_file("e.sig", &res);
	assert_true(res.sigs[0].known);
	assert_true(res.sigs[0].expired);
	assert_false(res.sigs[0].good);
	assert_false(res.sigs[0].bad);
	assert_string_equal(res.sigs[0].fpr, t.efpr);
	crypto_result_free(&res);
}

/* A key revoked after it signed: its revocation certificate, which gpg
 * wrote when it made the key, imported on its own. */
static void
test_revoked(void **state)
{
	struct crypto_result res;
	struct key_info *ki;
	char *vfpr, *pub, *err = NULL;
	size_t len, n;

	assert_int_equal(run(RGPG " --quick-gen-key 'V <v@x.example>' ed25519 "
	    "sign never 2>/dev/null", t.rh), 0);
	vfpr = capture("gpg --homedir %s --with-colons --list-keys v@x.example "
	    "2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'", t.rh);
	rsign(vfpr, "v.sig");
	assert_int_equal(run(RGPG " --armor --export %s > %s/v.asc", t.rh,
	    vfpr, t.base), 0);
	pub = slurp("v.asc", &len);
	assert_int_equal(crypto_import(t.c, pub, len, &ki, &n, &err), 0);
	assert_false(ki[0].revoked);
	key_info_free(&ki, n);
	free(pub);
	verify_file("v.sig", &res);
	assert_true(res.sigs[0].good);
	crypto_result_free(&res);

	assert_int_equal(run("sed 's/^:-----/-----/' "
	    "%s/openpgp-revocs.d/%s.rev > %s/v.rev", t.rh, vfpr, t.base), 0);
	pub = slurp("v.rev", &len);
	assert_int_equal(crypto_import(t.c, pub, len, &ki, &n, &err), 0);
	assert_int_equal(n, 0);
	free(pub);
	assert_int_equal(crypto_key_get(t.c, vfpr, &ki, &err), 0);
	assert_true(ki->revoked);
	key_info_free(&ki, 1);
	verify_file("v.sig", &res);
	assert_true(res.sigs[0].known);
	assert_true(res.sigs[0].revoked);
	assert_false(res.sigs[0].good);
	assert_string_equal(res.sigs[0].fpr, vfpr);
	assert_non_null(strstr(res.sigs[0].detail, "revoked"));
	crypto_result_free(&res);
	free(vfpr);
}

/*
 * Thousands of public-key packets for our subkey, each a garbage session
 * key that gpg-agent must try: gpg takes seconds, the deadline is one.
 */
static void
test_deadline(void **state)
{
	struct crypto_result res;
	struct crypto *c;
	struct buf b;
	uint8_t pkt[88], keyid[8];
	char *fpr, *err = NULL;
	size_t i;
	double t0;

	for (i = 0; i < 8; i++)
		assert_int_equal(sscanf(t.wsub + 2 * i, "%2hhx", &keyid[i]), 1);
	pkt[0] = 0xc1;			/* new format, tag 1 */
	pkt[1] = 86;
	pkt[2] = 3;
	memcpy(pkt + 3, keyid, 8);
	pkt[11] = 18;			/* ECDH */
	pkt[12] = 0x01;			/* a 263-bit MPI: 0x40 and x */
	pkt[13] = 0x07;
	pkt[14] = 0x40;
	for (i = 15; i < 47; i++)
		pkt[i] = (uint8_t)rand();
	pkt[47] = 40;
	for (i = 48; i < 88; i++)
		pkt[i] = (uint8_t)rand();
	buf_init(&b);
	for (i = 0; i < 6000; i++)
		buf_add(&b, pkt, sizeof pkt);
	buf_add(&b, "\xd2\x41\x01", 3);	/* an integrity-protected packet */
	for (i = 0; i < 64; i++)
		buf_addc(&b, (char)rand());

	assert_int_equal(crypto_open(t.ws, 1, &c, &err), 0);
	t0 = now();
	assert_int_equal(crypto_decrypt(c, b.data, b.len, &res, &err),
	    EX_DATAERR);
	assert_non_null(strstr(err, "took longer than 1 s"));
	assert_true(now() - t0 < 3.0);
	/* The context still works. */
	assert_int_equal(crypto_workspace_key(c, &fpr, &err), 0);
	assert_string_equal(fpr, t.fpr);
	free(fpr);
	crypto_close(&c);
	buf_free(&b);
	free(err);
}

/* A home that is missing, and one whose agent cannot start (its socket's
 * path is too long): temporary failures, never the message's fault. */
static void
test_tempfail(void **state)
{
	struct crypto_result res;
	struct crypto *c;
	char *home, *msg, *opts, *sig, *micalg, *err = NULL;
	size_t len, siglen;

	assert_int_equal(crypto_open("/nonexistent/gnupg", 5, &c, &err),
	    EX_TEMPFAIL);
	assert_null(c);

	home = xprintf("%s/%0100d", t.base, 0);
	assert_int_equal(run("mkdir -m 700 %s && cp -R %s/pubring.kbx "
	    "%s/private-keys-v1.d %s/", home, t.ws, t.ws, home), 0);
	assert_int_equal(crypto_open(home, 10, &c, &err), 0);
	opts = xprintf("--recipient %s --encrypt", t.fpr);
	msg = rencrypt(opts, &len);
	free(opts);
	assert_int_equal(crypto_decrypt(c, msg, len, &res, &err), EX_TEMPFAIL);
	assert_non_null(strstr(err, "gpg-agent"));
	assert_int_equal(crypto_sign_detached(c, t.fpr, "x", 1, &sig, &siglen,
	    &micalg, &err), EX_TEMPFAIL);
	crypto_close(&c);
	free(msg);
	free(home);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen),
		cmocka_unit_test(test_workspace_key),
		cmocka_unit_test(test_export_armored),
		cmocka_unit_test(test_export_with_uid),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_recipient_signature),
		cmocka_unit_test(test_import_refuses),
		cmocka_unit_test(test_decrypt),
		cmocka_unit_test(test_decrypt_no_mdc),
		cmocka_unit_test(test_plain_limit),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_tempfail),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
