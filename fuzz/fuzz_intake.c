/* fuzz_intake.c: the whole intake decision on a raw message (intake_fd, as
 * setuplink intake runs it), against a fixed home with a draft and two
 * pending links, store writes, quarantine and receipts included.  The home
 * is put back as it was before each input, so that every input is judged
 * against the same links and a crash replays.
 *
 * Link 1 (any) has the reply address setup+TOKEN1@acme.example, link 2
 * (signed+encrypted) setup+TOKEN2@acme.example; the setup email of link 1
 * had the Message-ID <setup.1@acme.example>. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "mailer/mailer.h"
#include "store/store.h"
#include "util/config.h"

#define TOKEN1	"abcdefghijklmnopqrstuvwxyz234567"
#define TOKEN2	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static struct home home;
static struct config cfg;
static struct catalog *cat;
static char *pristine;		/* the database as it was set up */
static size_t pristine_len;
static char *top;

static const char *const reasons[] = {
	"unknown_token", "expired", "used", "revoked", "policy", "no_fields",
	"invalid", "duplicate", "auto_reply", "bounce", "loop", "oversize",
	"unreadable",
};

static void
fuzz_die(const char *what, char *err)
{
	fprintf(stderr, "fuzz_intake: %s: %s\n", what, err != NULL ? err : "?");
	abort();
}

static void
fuzz_rm_tree(const char *path)
{
	struct dirent *e;
	struct stat sb;
	char *p;
	DIR *d;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			p = xprintf("%s/%s", path, e->d_name);
			fuzz_rm_tree(p);
			free(p);
		}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

/* The agent that keygen started, and the home, go when the process does. */
static void
fuzz_cleanup(void)
{
	char *cmd;

	if (top == NULL)
		return;
	cmd = xprintf("gpgconf --homedir '%s' --kill all >/dev/null 2>&1",
	    home.gnupg);
	/* A failure leaves an agent behind; nothing more to do about it. */
	(void)!system(cmd);
	free(cmd);
	fuzz_rm_tree(top);
}

static void
fuzz_link(struct store *st, int64_t draft, const char *token,
    enum link_require req, const char *msgid)
{
	static const char *const fields[] = { "host", "port", "dbname",
	    "user", "password", "sslmode", "sslrootcert" };
	static const char *const prefill[] = { "db.example", "5432", NULL,
	    NULL, NULL, "prefer", NULL };
	struct link_new ln;
	char *hash, *err = NULL;
	int64_t id;

	hash = sha256_hex(token, strlen(token));
	memset(&ln, 0, sizeof ln);
	ln.draft = draft;
	ln.to = "bob@client.example";
	ln.expires = time_now() + 80 * 86400;
	ln.fields = fields;
	ln.prefill = prefill;
	ln.nfields = nitems(fields);
	ln.require = req;
	ln.message_id = msgid;
	ln.token_hash = hash;
	ln.created_by = "ann@acme.example";
	if (link_create(st, &ln, &id, &err) != 0)
		fuzz_die("link_create", err);
	free(hash);
}

/* A home as init, draft new and link create leave it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char tmpl[] = "/dev/shm/slfi.XXXXXX", tmpl2[] = "/tmp/slfi.XXXXXX";
	const struct connector *pg;
	struct crypto *c = NULL;
	struct store *st = NULL;
	char *err = NULL, *fpr = NULL, *d;
	int64_t draft = 0;
	size_t len;

	fuzz_quiet();
	if ((d = mkdtemp(tmpl)) == NULL && (d = mkdtemp(tmpl2)) == NULL)
		fuzz_die("mkdtemp", strerror(errno));
	top = xstrdup(d);
	atexit(fuzz_cleanup);
	d = xprintf("%s/h", top);
	home_resolve(d, &home);
	free(d);
	if (dir_make(home.dir, &err) != 0 || dir_make(home.gnupg, &err) != 0 ||
	    maildir_make(home.quarantine, &err) != 0 ||
	    maildir_make(home.outbox, &err) != 0)
		fuzz_die("home", err);
	config_defaults(&cfg);
	if (config_set(&cfg, "workspace", "Acme Data", &err) != 0 ||
	    config_set(&cfg, "admin", "Ann Admin <ann@acme.example>", &err) != 0 ||
	    config_set(&cfg, "intake", "setup@acme.example", &err) != 0 ||
	    config_set(&cfg, "gpg_timeout", "5s", &err) != 0 ||
	    config_write(home.config, &cfg, &err) != 0)
		fuzz_die("config", err);
	if (crypto_open(home.gnupg, 30, &c, &err) != 0 ||
	    crypto_keygen(c, "Acme Data <setup@acme.example>", &fpr, &err) != 0)
		fuzz_die("keygen", err);
	free(fpr);
	crypto_close(&c);
	if (catalog_load(NULL, &cat, &err) != 0)
		fuzz_die("catalog", err);
	if ((pg = catalog_find(cat, "postgres")) == NULL)
		fuzz_die("catalog", "no postgres connector");
	if (store_open(home.db, STORE_CREATE, 5000, &st, &err) != 0 ||
	    draft_create(st, pg, "Fuzz", "ann@acme.example", &draft, &err) != 0)
		fuzz_die("store", err);
	fuzz_link(st, draft, TOKEN1, REQUIRE_ANY, "setup.1@acme.example");
	fuzz_link(st, draft, TOKEN2, REQUIRE_SIGNED_ENCRYPTED,
	    "setup.2@acme.example");
	store_close(&st);
	if (file_read(home.db, 64 << 20, &pristine, &len, &err) != 0)
		fuzz_die("snapshot", err);
	pristine_len = len;
	return 0;
}

/* Back to the home as it was set up: the database, empty Maildirs. */
static void
fuzz_reset(void)
{
	static const char *const sub[] = { "new", "cur", "tmp" };
	char *p;
	size_t i;
	int fd;

	p = xprintf("%s-wal", home.db);
	unlink(p);
	free(p);
	p = xprintf("%s-shm", home.db);
	unlink(p);
	free(p);
	p = xprintf("%s-journal", home.db);
	unlink(p);
	free(p);
	if ((fd = open(home.db, O_WRONLY | O_TRUNC | O_CREAT, 0600)) < 0 ||
	    write(fd, pristine, pristine_len) != (ssize_t)pristine_len)
		fuzz_die("reset", strerror(errno));
	close(fd);
	for (i = 0; i < nitems(sub); i++) {
		p = xprintf("%s/%s", home.quarantine, sub[i]);
		fuzz_rm_tree(p);
		free(p);
		p = xprintf("%s/%s", home.outbox, sub[i]);
		fuzz_rm_tree(p);
		free(p);
	}
	maildir_make(home.quarantine, NULL);
	maildir_make(home.outbox, NULL);
}

/* What the SPEC promises of every decision. */
static void
fuzz_decision(struct store *st, const struct intake_decision *d)
{
	struct message_record *rec = NULL;
	size_t n = 0, i;
	char *p, *err = NULL;

	FUZZ_CHECK(d->outcome == OUTCOME_ACCEPTED || d->outcome ==
	    OUTCOME_REJECTED || d->outcome == OUTCOME_IGNORED, "no outcome");
	if (d->outcome == OUTCOME_ACCEPTED)
		FUZZ_CHECK(d->reason == NULL && d->link == 1 && d->draft == 1 &&
		    d->fields != NULL, "accepted without its link and fields");
	else {
		FUZZ_CHECK(d->reason != NULL, "a decision without a reason");
		for (i = 0; i < nitems(reasons); i++) {
			if (strcmp(d->reason, reasons[i]) == 0)
				break;
		}
		FUZZ_CHECK(i < nitems(reasons), "a reason not in the SPEC");
		if (strcmp(d->reason, "duplicate") != 0) {
			FUZZ_CHECK(d->quarantine != NULL,
			    "a message not merged is not in quarantine/");
			p = maildir_find(home.quarantine, d->quarantine);
			FUZZ_CHECK(p != NULL, "the quarantine file is missing");
			free(p);
		}
	}
	if (message_list(st, 5, &rec, &n, &err) != 0)
		fuzz_die("message_list", err);
	FUZZ_CHECK(n == 1, "not exactly one log entry for one message");
	FUZZ_CHECK(rec[0].outcome == d->outcome, "the log disagrees");
	message_records_free(&rec, n);
}

/* Draft 1 as draft new left it: every field at its default or unset. */
static void
fuzz_unchanged(struct store *st)
{
	const struct connector *pg = catalog_find(cat, "postgres");
	struct draft *dr = NULL;
	const struct field_value *fv;
	char *err = NULL;
	size_t i;

	if (draft_get(st, cat, 1, &dr, &err) != 0)
		fuzz_die("draft_get", err);
	for (i = 0; i < pg->nfields; i++) {
		fv = draft_value(dr, pg->fields[i].key);
		if (pg->fields[i].dflt == NULL)
			FUZZ_CHECK(fv == NULL || fv->value == NULL,
			    "a field was merged from a message not accepted");
		else
			FUZZ_CHECK(fv != NULL && fv->value != NULL &&
			    strcmp(fv->value, pg->fields[i].dflt) == 0 &&
			    fv->src.kind == SOURCE_ADMIN,
			    "a field was merged from a message not accepted");
	}
	draft_free(&dr);
}

/* Nothing but link 1's fields of draft 1 changed, and only when accepted. */
static void
fuzz_scope(struct store *st, const struct intake_decision *d)
{
	struct link **links = NULL;
	size_t n = 0, i;
	char *err = NULL;

	if (link_list(st, 0, &links, &n, &err) != 0)
		fuzz_die("link_list", err);
	FUZZ_CHECK(n == 2, "links appeared or went");
	if (d->outcome != OUTCOME_ACCEPTED)
		fuzz_unchanged(st);
	for (i = 0; i < n; i++) {
		if (links[i]->id == 1 && d->outcome == OUTCOME_ACCEPTED)
			FUZZ_CHECK(links[i]->state == LINK_USED,
			    "an accepted reply left its link pending");
		else if (links[i]->id == 1 || links[i]->id == 2)
			FUZZ_CHECK(links[i]->state == LINK_PENDING ||
			    (links[i]->state == LINK_BOUNCED &&
			    d->reason != NULL && strcmp(d->reason, "bounce") == 0),
			    "a link changed without an accepted reply");
	}
	links_free(&links, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intake_decision d;
	struct intake_opts o;
	struct intake *in = NULL;
	struct store *st = NULL;
	char *err = NULL;
	int fd, rv;

	fuzz_reset();
	if (store_open(home.db, STORE_DURABLE, 5000, &st, &err) != 0)
		fuzz_die("store_open", err);
	memset(&o, 0, sizeof o);
	intake_open(&cfg, &home, st, cat, &o, &in);
	if ((fd = memfd_create("message", 0)) < 0 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		fuzz_die("memfd", strerror(errno));
	rv = intake_fd(in, fd, &d, &err);
	close(fd);
	if (rv != 0)
		fprintf(stderr, "intake: %d: %s\n", rv, err != NULL ? err : "?");
	/* Nothing about a message's content is ever a temporary failure. */
	FUZZ_CHECK(rv == 0, "the intake failed on a message");
	fuzz_decision(st, &d);
	fuzz_scope(st, &d);
	intake_decision_free(&d);
	intake_close(&in);
	store_close(&st);
	return 0;
}
