/* outbox-rows.c: on a shared store (PostgreSQL) the outbox is rows of the
 * store that every host lists and flushes: the maildir transport queues a
 * row holding what the Maildir file would, and a flush claims each row
 * before it sends it, so that flushes on several hosts send it once.
 * A row is sealed under the home's token key (which every host of the
 * store holds), since a setup email carries its link's token and a copy
 * of the database alone must answer no link. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "util/config.h"
#include "store/store.h"
#include "mailer/send/private.h"

#define RCPT_HEADER	"X-Setuplink-Rcpt"

static struct store *outbox_st;
static const struct home *outbox_home;

void
outbox_use_store(struct store *st, const struct home *home)
{
	outbox_st = store_keeps_mail(st) ? st : NULL;
	outbox_home = home;
}

/* A sealed row's data: this prefix, then IV, ciphertext and tag in hex. */
#define ROW_SEALED	"setuplink-sealed-1:"

/* The token key every host of the store holds; never made here, since a
 * key of this host's own would seal rows no other host opens. */
static int
outbox_row_key(unsigned char key[SEAL_KEY_BYTES], char **errstr)
{
	char *path = xprintf("%s/token.key", outbox_home->dir), *err = NULL;
	int rv;

	if ((rv = seal_key(path, false, key, &err)) != 0) {
		rv = errorf(errstr, EX_CONFIG, "%s; the shared outbox's mail "
		    "is sealed under it: copy token.key from the store's "
		    "first home", err);
		free(err);
	}
	free(path);
	return rv;
}

static char *
outbox_row_aad(const char *name)
{
	return xprintf("setuplink outbox %s", name);
}

/* What the row holds for data: sealed under the token key. */
static int
outbox_row_seal(const char *name, const char *data, size_t len,
    char **out, size_t *olen, char **errstr)
{
	unsigned char key[SEAL_KEY_BYTES];
	char *aad, *hex;
	int rv;

	if ((rv = outbox_row_key(key, errstr)) != 0)
		return rv;
	aad = outbox_row_aad(name);
	hex = seal_bytes(key, aad, data, len);
	explicit_bzero(key, sizeof key);
	*out = xprintf("%s%s", ROW_SEALED, hex);
	*olen = strlen(*out);
	free(hex);
	free(aad);
	return 0;
}

/* The rows, their data opened (a row from before sealing reads as is). */
static int
outbox_rows_fetch(bool failed, struct outrow **rowsp, size_t *np,
    char **errstr)
{
	unsigned char key[SEAL_KEY_BYTES];
	bool have = false;
	struct outrow *r;
	char *aad, *data, *sealed;
	size_t i, len;
	int rv;

	if ((rv = outrow_list(outbox_st, failed, rowsp, np, errstr)) != 0)
		return rv;
	for (i = 0; i < *np && rv == 0; i++) {
		r = &(*rowsp)[i];
		if (r->len < sizeof ROW_SEALED - 1 || memcmp(r->data,
		    ROW_SEALED, sizeof ROW_SEALED - 1) != 0)
			continue;
		if (!have && (rv = outbox_row_key(key, errstr)) != 0)
			break;
		have = true;
		sealed = xstrndup(r->data + sizeof ROW_SEALED - 1,
		    r->len - (sizeof ROW_SEALED - 1));
		aad = outbox_row_aad(r->name);
		if (unseal_bytes(key, aad, sealed, &data, &len, NULL) != 0)
			rv = errorf(errstr, EX_CONFIG, "the shared outbox's "
			    "message %s does not open with this home's "
			    "token.key: copy token.key from the store's first "
			    "home", r->name);
		else {
			free(r->data);
			r->data = data;
			r->len = len;
		}
		free(aad);
		free(sealed);
	}
	explicit_bzero(key, sizeof key);
	if (rv != 0)
		outrows_free(rowsp, *np);
	return rv;
}

bool
outbox_shared(void)
{
	return outbox_st != NULL;
}

struct store *
outbox_store(void)
{
	return outbox_st;
}

const char *
outbox_where(void)
{
	return outbox_st != NULL ? "the shared outbox" : "outbox/";
}

/* What the maildir transport wrote, as a row instead of a file. */
int
outbox_queue_row(const char *data, size_t len, char **name, char **errstr)
{
	struct outbox_item it;
	char *sealed = NULL;
	size_t slen = 0;
	int rv;

	memset(&it, 0, sizeof it);
	it.mtime = time_now();
	outbox_item_parse(&it, data, len, NULL);
	*name = maildir_unique_name(NULL);
	if ((rv = outbox_row_seal(*name, data, len, &sealed, &slen,
	    errstr)) == 0)
		rv = outrow_add(outbox_st, *name, it.mtime, it.message_id,
		    sealed, slen, errstr);
	if (rv != 0)
		freep(name);
	free(sealed);
	outbox_item_clear(&it);
	return rv;
}

/* An item from its row; *body (may be NULL): where the message starts. */
static void
outbox_item_row(struct outbox_item *it, const struct outrow *r, size_t *body)
{
	memset(it, 0, sizeof *it);
	it->id = xstrdup(r->name);
	it->row = r->id;
	it->mtime = r->at;
	outbox_item_parse(it, r->data, r->len, body);
}

int
outbox_rows_list(bool failed, struct outbox_item **out, size_t *np,
    struct outrow **rowsp, char **errstr)
{
	struct outrow *rows = NULL;
	size_t n = 0, i;
	int rv;

	*out = NULL;
	*np = 0;
	if ((rv = outbox_rows_fetch(failed, &rows, &n, errstr)) != 0)
		return rv;
	if (n > 0)
		*out = xcalloc(n, sizeof **out);
	for (i = 0; i < n; i++)
		outbox_item_row(&(*out)[i], &rows[i], NULL);
	*np = n;
	if (rowsp != NULL)
		*rowsp = rows;
	else
		outrows_free(&rows, n);
	return 0;
}

/* A row by the name outbox list shows, waiting or refused. */
int
outbox_rows_read(const char *id, char **data, size_t *len, char **errstr)
{
	struct outrow *rows = NULL;
	size_t n = 0, i, pass;
	int rv = -1;

	for (pass = 0; pass < 2 && rv < 0; pass++) {
		if ((rv = outbox_rows_fetch(pass == 1, &rows, &n,
		    errstr)) != 0)
			return rv;
		rv = -1;
		for (i = 0; i < n && rv < 0; i++) {
			if (strcmp(rows[i].name, id) != 0)
				continue;
			*data = rows[i].data;
			*len = rows[i].len;
			rows[i].data = NULL;
			rv = 0;
		}
		outrows_free(&rows, n);
	}
	if (rv == 0)
		return 0;
	{
		char *safe = str_safe(id);
		rv = errorf(errstr, EX_NOINPUT, "no message %s waits or was "
		    "refused in the shared outbox: see setuplink outbox list",
		    safe);
		free(safe);
	}
	return rv;
}

/* ---- Flushing a shared outbox ---- */

/* How long a sender's claim holds: well past what one message takes to
 * hand over (the SMTP transport gives it 60 seconds), after which a
 * sender that died with it is taken to be gone. */
#define OUTBOX_CLAIM	900

static void
outbox_owner(char *buf, size_t len)
{
	char host[256];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(buf, len, "%s:%ld", host, (long)getpid());
}

/* A claim of this host's whose process is gone (killed mid-send). */
static bool
outbox_owner_dead(const char *owner)
{
	char me[300], *colon;
	size_t hl;
	long pid;

	if (owner == NULL)
		return false;
	outbox_owner(me, sizeof me);
	if ((colon = strrchr(owner, ':')) == NULL)
		return false;
	hl = (size_t)(colon - owner);
	if (strncmp(me, owner, hl) != 0 || me[hl] != ':')
		return false;
	pid = strtol(colon + 1, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/*
 * Each message is claimed before it is sent (a conditional UPDATE of its
 * row), so that flushes on several hosts at once send it once; one
 * another sender holds is left to it.  The row goes once the server took
 * the message: a sender killed in between leaves it claimed, and it is
 * sent again (same Message-ID) once the claim lapses, or at once by a
 * flush on the same host, which sees the claimer is dead.
 */
int
outbox_rows_flush(const struct config *cfg, const struct home *home,
    const char *spec, outbox_progress_fn fn, void *arg,
    struct outbox_stats *stats, char **errstr)
{
	struct outbox_item *v = NULL;
	struct outrow *rows = NULL;
	char owner[300], *err = NULL;
	size_t n = 0, i, body;
	int64_t now;
	bool won;
	int rv;

	outbox_owner(owner, sizeof owner);
	if ((rv = outbox_rows_list(false, &v, &n, &rows, errstr)) != 0)
		return rv;
	stats->total = n;
	for (i = 0; i < n; i++) {
		struct outbox_item *it = &v[i];
		const char *dead = outbox_owner_dead(rows[i].claim) ?
		    rows[i].claim : NULL;

		if (it->env_from == NULL) {
			stats->skipped++;
			if (fn != NULL)
				fn(OUTBOX_SKIPPED, i + 1, n, it, "it has no "
				    "recorded envelope (Return-Path and "
				    RCPT_HEADER " lines at its top)", arg);
			continue;
		}
		now = time_now();
		if ((rv = outrow_claim(outbox_st, it->row, owner, dead, now,
		    now - OUTBOX_CLAIM, &won, &err)) != 0) {
			stats->left = n - i + stats->skipped;
			rv = errorf(errstr, rv, "%s; %zu sent, the rest still "
			    "waits: run setuplink outbox flush again later",
			    err, stats->sent);
			goto out;
		}
		if (!won) {
			/* Sent or being sent by another flush. */
			stats->taken++;
			continue;
		}
		/* Read again for where the message proper starts. */
		outbox_item_clear(it);
		outbox_item_row(it, &rows[i], &body);
		rv = transport_send(cfg, home, spec, it->env_from,
		    (const char *const *)it->rcpts, it->nrcpts,
		    rows[i].data + body, rows[i].len - body, &err);
		if (rv == 0) {
			stats->sent++;
			if (outrow_end(outbox_st, it->row, owner, OUTROW_SENT,
			    &err) != 0) {
				log_warnx("sent %s but could not remove it from "
				    "the outbox (it is sent again once its "
				    "claim lapses): %s", it->id, err);
				freep(&err);
			}
			if (fn != NULL)
				fn(OUTBOX_SENT, i + 1, n, it, NULL, arg);
		} else if (rv == EX_UNAVAILABLE) {
			char *why = err, *said;
			err = NULL;
			if ((rv = outrow_end(outbox_st, it->row, owner,
			    OUTROW_FAILED, &err)) != 0) {
				stats->left = n - i + stats->skipped;
				rv = errorf(errstr, rv, "%s; and then %s", why,
				    err);
				free(why);
				goto out;
			}
			said = xprintf("%s; set aside (setuplink outbox list "
			    "--failed)", why);
			stats->refused++;
			if (fn != NULL)
				fn(OUTBOX_REFUSED, i + 1, n, it, said, arg);
			free(said);
			free(why);
		} else {
			char *ignore = NULL;
			outrow_end(outbox_st, it->row, owner, OUTROW_RELEASE,
			    &ignore);
			free(ignore);
			if (rv == EX_DATAERR) {
				stats->skipped++;
				if (fn != NULL)
					fn(OUTBOX_SKIPPED, i + 1, n, it, err,
					    arg);
				freep(&err);
				continue;
			}
			stats->left = n - i + stats->skipped;
			if (fn != NULL)
				fn(OUTBOX_STOPPED, i + 1, n, it, err, arg);
			rv = errorf(errstr, rv, "%s; %zu sent, %zu message%s "
			    "still wait%s in the shared outbox: %s", err,
			    stats->sent, stats->left, stats->left == 1 ? "" :
			    "s", stats->left == 1 ? "s" : "", rv ==
			    EX_TEMPFAIL ? "run setuplink outbox flush again "
			    "later" : "fix that and run setuplink outbox flush "
			    "again");
			goto out;
		}
	}
	rv = 0;
	stats->left = stats->skipped;
	if (stats->refused > 0)
		rv = errorf(errstr, EX_UNAVAILABLE, "%zu of %zu message%s %s "
		    "refused for good and set aside (%zu sent): check the "
		    "recipients (setuplink outbox list --failed)",
		    stats->refused, n, n == 1 ? "" : "s", stats->refused == 1 ?
		    "was" : "were", stats->sent);
	else if (stats->skipped > 0)
		rv = errorf(errstr, EX_DATAERR, "%zu of %zu message%s in the "
		    "outbox could not be sent as %s (%zu sent): see the lines "
		    "above", stats->skipped, n, n == 1 ? "" : "s",
		    stats->skipped == 1 ? "it was" : "they were", stats->sent);
out:
	free(err);
	outbox_items_free(&v, n);
	outrows_free(&rows, n);
	return rv;
}

