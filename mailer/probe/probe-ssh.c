/* probe-ssh.c: the ssh kind: libssh (loaded on first use) connects to the
 * address the gate allowed, compares the server's host key with
 * host_key_fingerprint when the draft has one, and logs in with the
 * password or the private key and its passphrase.  No ssh_config, no
 * known_hosts, no agent: the draft's values alone count. */
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "mailer/probe/private.h"

static const char *ssh_syms[] = {
	"ssh_new", "ssh_free", "ssh_options_set", "ssh_connect",
	"ssh_disconnect", "ssh_get_error", "ssh_get_server_publickey",
	"ssh_get_publickey_hash", "ssh_get_fingerprint_hash",
	"ssh_clean_pubkey_hash", "ssh_string_free_char", "ssh_key_free",
	"ssh_pki_import_privkey_base64", "ssh_userauth_publickey",
	"ssh_userauth_password",
};
static void *ssh_fns[nitems(ssh_syms)];
static struct lazy_lib ssh_lib = { "libssh.so.4", "libssh-4", ssh_syms,
    ssh_fns, nitems(ssh_syms), NULL, false };

#define s_new		((ssh_session (*)(void))ssh_fns[0])
#define s_free		((void (*)(ssh_session))ssh_fns[1])
#define s_opt		((int (*)(ssh_session, enum ssh_options_e, \
			    const void *))ssh_fns[2])
#define s_connect	((int (*)(ssh_session))ssh_fns[3])
#define s_disconnect	((void (*)(ssh_session))ssh_fns[4])
#define s_error		((const char *(*)(void *))ssh_fns[5])
#define s_server_key	((int (*)(ssh_session, ssh_key *))ssh_fns[6])
#define s_key_hash	((int (*)(const ssh_key, \
			    enum ssh_publickey_hash_type, unsigned char **, \
			    size_t *))ssh_fns[7])
#define s_fpr		((char *(*)(enum ssh_publickey_hash_type, \
			    unsigned char *, size_t))ssh_fns[8])
#define s_hash_free	((void (*)(unsigned char **))ssh_fns[9])
#define s_str_free	((void (*)(char *))ssh_fns[10])
#define s_key_free	((void (*)(ssh_key))ssh_fns[11])
#define s_import	((int (*)(const char *, const char *, \
			    ssh_auth_callback, void *, ssh_key *))ssh_fns[12])
#define s_auth_key	((int (*)(ssh_session, const char *, \
			    const ssh_key))ssh_fns[13])
#define s_auth_pw	((int (*)(ssh_session, const char *, \
			    const char *))ssh_fns[14])

/* "SHA256:abc=" and "abc" name the same key: compare the base64 alone. */
static bool
fpr_equal(const char *want, const char *got)
{
	size_t a, b;

	if (strncasecmp(want, "SHA256:", 7) == 0)
		want += 7;
	if (strncasecmp(got, "SHA256:", 7) == 0)
		got += 7;
	a = strcspn(want, "= \t");
	b = strcspn(got, "= \t");
	return a == b && memcmp(want, got, a) == 0;
}

static int
ssh_host_key(struct probe *p, ssh_session s)
{
	const char *want = probe_get(p, "host_key_fingerprint", NULL);
	unsigned char *hash = NULL;
	size_t hlen = 0;
	ssh_key k = NULL;
	char *fpr = NULL;
	int rv = 0;

	if (s_server_key(s, &k) != SSH_OK ||
	    s_key_hash(k, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0 ||
	    (fpr = s_fpr(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) == NULL)
		rv = probe_fail(p, EX_UNAVAILABLE, "host_key", NULL, "the "
		    "server showed no usable host key");
	else if (want == NULL)
		probe_ok(p, "host_key", "%s (not compared: %s is empty)", fpr,
		    probe_key(p, "host_key_fingerprint"));
	else if (!fpr_equal(want, fpr))
		rv = probe_fail(p, EX_UNAVAILABLE, "host_key",
		    "host_key_fingerprint", "the server's host key is %s, not "
		    "the one in %s", fpr, probe_key(p, "host_key_fingerprint"));
	else
		probe_ok(p, "host_key", "%s, as %s says", fpr,
		    probe_key(p, "host_key_fingerprint"));
	if (fpr != NULL)
		s_str_free(fpr);
	if (hash != NULL)
		s_hash_free(&hash);
	if (k != NULL)
		s_key_free(k);
	return rv;
}

static int
ssh_login(struct probe *p, ssh_session s)
{
	const char *key = probe_get(p, "private_key", NULL);
	const char *pass = probe_get(p, "passphrase", NULL);
	const char *pw = probe_get(p, "password", NULL);
	ssh_key k = NULL;
	int rc;

	if (key == NULL && pw == NULL)
		return probe_need(p, "password");
	if (key == NULL) {
		if (s_auth_pw(s, NULL, pw) != SSH_AUTH_SUCCESS)
			return probe_fail(p, EX_UNAVAILABLE, "login",
			    "user,password", "the server refused the login "
			    "with the password");
		probe_ok(p, "login", "logged in as %s with the password",
		    probe_get(p, "user", NULL));
		return 0;
	}
	if (s_import(key, pass, NULL, NULL, &k) != SSH_OK)
		return probe_fail(p, EX_UNAVAILABLE, "passphrase", pass ?
		    "passphrase" : "private_key,passphrase", "%s does not "
		    "open with %s", probe_key(p, "private_key"), pass ?
		    probe_key(p, "passphrase") : "no passphrase");
	probe_ok(p, "file", "%s opens%s", probe_key(p, "private_key"),
	    pass ? " with its passphrase" : "");
	rc = s_auth_key(s, NULL, k);
	s_key_free(k);
	if (rc != SSH_AUTH_SUCCESS)
		return probe_fail(p, EX_UNAVAILABLE, "login",
		    "user,private_key", "the server refused the login with "
		    "the key");
	probe_ok(p, "login", "logged in as %s with the key",
	    probe_get(p, "user", NULL));
	return 0;
}

static int
ssh_open(struct probe *p, ssh_session s, const char *ip, int port)
{
	long timeout = (long)(p->timeout_ms / 1000 > 1 ? p->timeout_ms / 1000 :
	    1);
	int no = 0;
	const char *err;

	s_opt(s, SSH_OPTIONS_HOST, ip);
	s_opt(s, SSH_OPTIONS_PORT, &port);
	s_opt(s, SSH_OPTIONS_USER, probe_get(p, "user", NULL));
	s_opt(s, SSH_OPTIONS_TIMEOUT, &timeout);
	s_opt(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	s_opt(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	s_opt(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	if (s_connect(s) == SSH_OK) {
		probe_ok(p, "connect", "reached %s port %d",
		    probe_get(p, "host", NULL), port);
		return 0;
	}
	err = s_error(s);
	if (strstr(err, "refused") || strstr(err, "imeout") ||
	    strstr(err, "unreachable"))
		return probe_fail(p, EX_TEMPFAIL, "connect", "host,port",
		    "nothing answers on %s at that port in time",
		    probe_get(p, "host", NULL));
	return probe_fail(p, EX_UNAVAILABLE, "connect", "host,port", "%s did "
	    "not speak SSH", probe_get(p, "host", NULL));
}

int
probe_ssh(struct probe *p)
{
	const char *portv = probe_get(p, "port", NULL);
	char ip[64], *err = NULL;
	ssh_session s;
	int rv, port = portv ? atoi(portv) : 22;

	if ((rv = probe_need(p, "host")) != 0 ||
	    (rv = probe_need(p, "user")) != 0 ||
	    (rv = probe_resolve(p, port, ip)) != 0)
		return rv;
	if (lazy_load(&ssh_lib, &err) != 0) {
		rv = probe_fail(p, EX_TEMPFAIL, "library", NULL, "%s", err);
		free(err);
		return rv;
	}
	if ((s = s_new()) == NULL)
		return probe_fail(p, EX_TEMPFAIL, "library", NULL, "cannot "
		    "start libssh");
	if ((rv = ssh_open(p, s, ip, port)) == 0) {
		if ((rv = ssh_host_key(p, s)) == 0)
			rv = ssh_login(p, s);
		s_disconnect(s);
	}
	s_free(s);
	return rv;
}
