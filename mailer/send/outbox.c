/* outbox.c: the outbox the maildir transport fills: listing what waits
 * there and flushing it through another transport. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"
#include "util/config.h"
#include "store/store.h"
#include "mailer/send/private.h"

#define RETURN_PATH	"Return-Path"
#define RCPT_HEADER	"X-Setuplink-Rcpt"
#define OUTBOX_MAX	((size_t)1 << 30)	/* we wrote these: a sanity bound */

/* ---- Reading outbox messages ---- */

/*
 * The next header field at *pp (before end): its name and its unfolded
 * value; *pp moves past it.  False at the end of the header block (an
 * empty line) or at a line that is not a field.
 */
static bool
outbox_field(const char **pp, const char *end, const char **name,
    size_t *namelen, char **value)
{
	const char *p = *pp, *colon, *next;
	struct buf b;
	size_t n;

	if (p >= end || *p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
		return false;
	for (colon = p; colon < end && *colon != ':' && *colon != '\n' &&
	    *colon > ' '; colon++)
		;
	if (colon >= end || *colon != ':' || colon == p)
		return false;
	*name = p;
	*namelen = (size_t)(colon - p);
	buf_init(&b);
	p = colon + 1;
	for (;;) {
		next = line_next(p, end, &n);
		buf_add(&b, p, n);
		p = next;
		if (p >= end || (*p != ' ' && *p != '\t'))
			break;
	}
	*value = buf_take(&b);
	{
		char *t = str_trim(*value);
		memmove(*value, t, strlen(t) + 1);
	}
	*pp = p;
	return true;
}

static bool
outbox_name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/*
 * The envelope recorded at the top of a message, and where the message
 * proper starts.  False when either line is missing.
 */
static bool
outbox_envelope(const char *data, size_t len, char **from, char ***rcpts,
    size_t *nrcpts, size_t *body)
{
	const char *p = data, *end = data + len, *name, *start;
	char *v, **parts = NULL;
	size_t namelen, nparts = 0, i;
	bool have_from = false, have_rcpt = false;

	*from = NULL;
	*rcpts = NULL;
	*nrcpts = 0;
	*body = 0;
	for (;;) {
		start = p;
		if (!outbox_field(&p, end, &name, &namelen, &v))
			break;
		if (!have_from && outbox_name_is(name, namelen, RETURN_PATH)) {
			size_t l = strlen(v);
			if (l >= 2 && v[0] == '<' && v[l - 1] == '>')
				*from = xstrndup(v + 1, l - 2);
			else
				*from = xstrdup(v);
			have_from = true;
		} else if (!have_rcpt && outbox_name_is(name, namelen,
		    RCPT_HEADER)) {
			str_split(v, ',', &parts, &nparts);
			for (i = 0; i < nparts; i++) {
				char *t = str_trim(parts[i]);
				if (*t == '\0')
					continue;
				*rcpts = xreallocarray(*rcpts, *nrcpts + 1,
				    sizeof **rcpts);
				(*rcpts)[(*nrcpts)++] = xstrdup(t);
			}
			strv_free(&parts, nparts);
			have_rcpt = true;
		} else {
			free(v);
			p = start;
			break;
		}
		free(v);
	}
	if (!have_from || !have_rcpt || *nrcpts == 0) {
		freep(from);
		strv_free(rcpts, *nrcpts);
		*nrcpts = 0;
		return false;
	}
	*body = (size_t)(p - data);
	return true;
}

static int
outbox_month(const char *s)
{
	static const char *months[] = { "jan", "feb", "mar", "apr", "may",
	    "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
	size_t i;

	for (i = 0; i < nitems(months); i++) {
		if (strncasecmp(s, months[i], 3) == 0)
			return (int)i;
	}
	return -1;
}

/* An RFC 5322 date ("Wed, 25 Nov 2026 21:38:00 +0100"); -1 if unreadable. */
static int64_t
outbox_date(const char *s)
{
	struct tm tm;
	char mon[4];
	int day, year, h, m, sec = 0, n = 0, off;
	char sign;
	const char *p;
	time_t t;

	if ((p = strchr(s, ',')) != NULL)
		s = p + 1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, " %d %3s %d %d:%d%n", &day, mon, &year, &h, &m, &n) != 5)
		return -1;
	s += n;
	if (*s == ':' && sscanf(s, ":%d%n", &sec, &n) == 1)
		s += n;
	while (*s == ' ')
		s++;
	off = 0;
	if ((*s == '+' || *s == '-') && strspn(s + 1, "0123456789") >= 4) {
		sign = *s;
		off = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600 +
		    ((s[3] - '0') * 10 + (s[4] - '0')) * 60;
		if (sign == '-')
			off = -off;
	}
	if ((tm.tm_mon = outbox_month(mon)) < 0 || day < 1 || day > 31 ||
	    year < 1970 || h > 23 || m > 59 || sec > 60)
		return -1;
	tm.tm_mday = day;
	tm.tm_year = year - 1900;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return (int64_t)t - off;
}

/* Fill an item from its bytes: envelope, To, Subject, Date, size. */
void
outbox_item_parse(struct outbox_item *it, const char *data, size_t len,
    size_t *bodyp)
{
	const char *p, *end, *name;
	char *v;
	size_t namelen, body;

	it->size = len;
	it->date = it->mtime;
	if (!outbox_envelope(data, len, &it->env_from, &it->rcpts,
	    &it->nrcpts, &body))
		body = 0;
	p = data + body;
	end = data + len;
	while (outbox_field(&p, end, &name, &namelen, &v)) {
		if (it->to == NULL && outbox_name_is(name, namelen, "To"))
			it->to = charset_decode_words(v, strlen(v));
		else if (it->subject == NULL &&
		    outbox_name_is(name, namelen, "Subject"))
			it->subject = charset_decode_words(v, strlen(v));
		else if (it->message_id == NULL &&
		    outbox_name_is(name, namelen, "Message-ID")) {
			size_t l = strlen(v);
			it->message_id = l >= 2 && v[0] == '<' &&
			    v[l - 1] == '>' ? xstrndup(v + 1, l - 2) :
			    xstrdup(v);
		}
		else if (outbox_name_is(name, namelen, "Date")) {
			int64_t d = outbox_date(v);
			if (d > 0)
				it->date = d;
		}
		free(v);
	}
	if (bodyp != NULL)
		*bodyp = body;
}

/* Fill an item from its file. */
static int
outbox_item_read(struct outbox_item *it, char **datap, size_t *lenp,
    size_t *bodyp, char **errstr)
{
	char *data = NULL;
	size_t len, body;
	struct stat st;
	int rv;

	if ((rv = file_read(it->path, OUTBOX_MAX, &data, &len, errstr)) != 0)
		return rv;
	if (stat(it->path, &st) == 0)
		it->mtime = (int64_t)st.st_mtime;
	outbox_item_parse(it, data, len, &body);
	if (datap != NULL) {
		*datap = data;
		*lenp = len;
		*bodyp = body;
	} else
		free(data);
	return 0;
}

void
outbox_item_clear(struct outbox_item *it)
{
	free(it->id);
	free(it->path);
	free(it->env_from);
	strv_free(&it->rcpts, it->nrcpts);
	free(it->to);
	free(it->subject);
	free(it->message_id);
	memset(it, 0, sizeof *it);
}

void
outbox_items_free(struct outbox_item **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++)
		outbox_item_clear(&(*vp)[i]);
	freep(vp);
}

static int
outbox_item_cmp(const void *a, const void *b)
{
	const struct outbox_item *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The messages of the Maildir dir (new/ and cur/), oldest first. */
static void
outbox_list_dir(const char *dir, struct outbox_item **out, size_t *np)
{
	static const char *subs[] = { "new", "cur" };
	struct outbox_item *v = NULL, it;
	char **names, *err = NULL;
	size_t n = 0, nnames, i, j;

	for (i = 0; i < nitems(subs); i++) {
		maildir_list(dir, subs[i], &names, &nnames);
		for (j = 0; j < nnames; j++) {
			memset(&it, 0, sizeof it);
			it.id = xstrndup(names[j], strcspn(names[j], ":"));
			it.path = xprintf("%s/%s/%s", dir, subs[i], names[j]);
			if (outbox_item_read(&it, NULL, NULL, NULL, &err) != 0) {
				/* Gone meanwhile (sent by a flush): not waiting. */
				freep(&err);
				outbox_item_clear(&it);
				continue;
			}
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = it;
		}
		strv_free(&names, nnames);
	}
	if (n > 0)
		qsort(v, n, sizeof *v, outbox_item_cmp);
	*out = v;
	*np = n;
}

/*
 * new/ and cur/ both hold waiting mail (a mail reader opened on outbox/
 * moves messages to cur/), oldest first by the time each was written.
 */
int
outbox_list(const struct home *home, struct outbox_item **out, size_t *np,
    char **errstr)
{
	if (outbox_shared())
		return outbox_rows_list(false, out, np, NULL, errstr);
	outbox_list_dir(home->outbox, out, np);
	return 0;
}

int
outbox_list_failed(const struct home *home, struct outbox_item **out,
    size_t *np, char **errstr)
{
	char *dir;

	if (outbox_shared())
		return outbox_rows_list(true, out, np, NULL, errstr);
	dir = xprintf("%s/.failed", home->outbox);
	outbox_list_dir(dir, out, np);
	free(dir);
	return 0;
}

size_t
outbox_count(const struct home *home)
{
	static const char *subs[] = { "new", "cur" };
	char **names;
	size_t i, n, total = 0;
	char *err = NULL;

	if (outbox_shared()) {
		if (outrow_count(outbox_store(), &total, &err) != 0)
			log_warnx("%s", err);
		free(err);
		return total;
	}
	for (i = 0; i < nitems(subs); i++) {
		maildir_list(home->outbox, subs[i], &names, &n);
		strv_free(&names, n);
		total += n;
	}
	return total;
}

/*
 * A revoked link's setup email must not leave later: it is removed from
 * the queue and from the refused ones, found by its Message-ID.
 */
int
outbox_drop(const struct home *home, const char *message_id, size_t *dropped,
    char **errstr)
{
	struct outbox_item *v = NULL;
	size_t n = 0, i, pass;

	if (dropped != NULL)
		*dropped = 0;
	if (message_id == NULL || *message_id == '\0')
		return 0;
	if (outbox_shared()) {
		size_t k;
		int rv = outrow_drop(outbox_store(), message_id, &k, errstr);
		if (rv == 0 && dropped != NULL)
			*dropped = k;
		return rv;
	}
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			outbox_list(home, &v, &n, NULL);
		else
			outbox_list_failed(home, &v, &n, NULL);
		for (i = 0; i < n; i++) {
			if (v[i].message_id == NULL ||
			    strcmp(v[i].message_id, message_id) != 0)
				continue;
			if (unlink(v[i].path) != 0 && errno != ENOENT) {
				int rv = errorf(errstr, EX_TEMPFAIL, "cannot "
				    "remove %s: %s", v[i].path, strerror(errno));
				outbox_items_free(&v, n);
				return rv;
			}
			if (dropped != NULL)
				(*dropped)++;
		}
		outbox_items_free(&v, n);
	}
	return 0;
}

/*
 * Refused mail back into the queue: the one named (its id as outbox
 * list --failed shows it), or all of them when id is NULL.  EX_NOINPUT
 * when there is no such message.
 */
int
outbox_retry(const struct home *home, const char *id, size_t *moved,
    char **errstr)
{
	struct outbox_item *v = NULL;
	size_t n = 0, i;
	char *to, *nd;
	int rv = 0;

	*moved = 0;
	if (outbox_shared()) {
		if ((rv = outrow_retry(outbox_store(), id, moved, errstr)) != 0)
			return rv;
		goto done;
	}
	outbox_list_failed(home, &v, &n, NULL);
	for (i = 0; i < n && rv == 0; i++) {
		if (id != NULL && strcmp(v[i].id, id) != 0)
			continue;
		to = xprintf("%s/new/%s", home->outbox, v[i].id);
		if (rename(v[i].path, to) != 0)
			rv = errorf(errstr, EX_TEMPFAIL, "cannot move %s back "
			    "to %s: %s", v[i].path, to, strerror(errno));
		else
			(*moved)++;
		free(to);
	}
	outbox_items_free(&v, n);
	if (*moved > 0) {
		nd = xprintf("%s/new", home->outbox);
		fsync_dir(nd);
		free(nd);
	}
done:
	if (rv == 0 && id != NULL && *moved == 0) {
		char *safe = str_safe(id);
		rv = errorf(errstr, EX_NOINPUT, "no refused message %s in "
		    "%s%s: see setuplink outbox list --failed", safe,
		    outbox_shared() ? "the shared outbox" : home->outbox,
		    outbox_shared() ? "" : "/.failed/");
		free(safe);
	}
	return rv;
}

int
outbox_read(const struct home *home, const char *id, char **data,
    size_t *len, char **errstr)
{
	struct outbox_item *v = NULL;
	size_t n = 0, i, pass;
	char *safe;
	int rv = -1;

	*data = NULL;
	*len = 0;
	if (outbox_shared())
		return outbox_rows_read(id, data, len, errstr);
	for (pass = 0; pass < 2 && rv < 0; pass++) {
		if (pass == 0)
			outbox_list(home, &v, &n, NULL);
		else
			outbox_list_failed(home, &v, &n, NULL);
		for (i = 0; i < n && rv < 0; i++) {
			if (strcmp(v[i].id, id) == 0)
				rv = file_read(v[i].path, OUTBOX_MAX, data, len,
				    errstr);
		}
		outbox_items_free(&v, n);
	}
	if (rv >= 0)
		return rv;
	safe = str_safe(id);
	rv = errorf(errstr, EX_NOINPUT, "no message %s waits or was refused "
	    "in %s: see setuplink outbox list", safe, outbox_where());
	free(safe);
	return rv;
}

char *
outbox_how_to_send(const struct config *cfg)
{
	if (cfg != NULL && !transport_is_maildir(cfg->transport))
		return xstrdup("send it with setuplink outbox flush");
	return xstrdup("send it with setuplink outbox flush --transport "
	    "smtp://HOST[:PORT], or set transport in setuplink.conf to send "
	    "at once");
}

/* ---- Flushing ---- */

/*
 * A message a server refused for good goes to the Maildir++ folder
 * outbox/.failed/, out of the way of the next flush but still there for
 * the admin to read (any mail reader opens it) or to move back.
 */
static int
outbox_set_aside(const struct home *home, const struct outbox_item *it,
    char **dst, char **errstr)
{
	char *dir = xprintf("%s/.failed", home->outbox), *to = NULL;
	int rv = 0;

	*dst = NULL;
	if ((rv = maildir_make(dir, errstr)) != 0)
		goto out;
	to = xprintf("%s/new/%s", dir, it->id);
	if (rename(it->path, to) != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot move %s to %s: %s",
		    it->path, to, strerror(errno));
		goto out;
	}
	*dst = to;
	to = NULL;
	{
		char *nd = xprintf("%s/new", dir);
		fsync_dir(nd);
		free(nd);
	}
out:
	free(to);
	free(dir);
	return rv;
}

static void
outbox_sync_parent(const char *path)
{
	char *d = xstrdup(path), *s;

	if ((s = strrchr(d, '/')) != NULL) {
		*s = '\0';
		fsync_dir(d);
	}
	free(d);
}

/* One flush at a time: two would send the same message twice. */
static int
outbox_lock(const struct home *home, int *fdp, char **errstr)
{
	int fd;

	*fdp = -1;
	if ((fd = open(home->outbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return errorf(errstr, EX_TEMPFAIL, "cannot open %s: %s",
		    home->outbox, strerror(errno));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;
		close(fd);
		if (saved == EWOULDBLOCK)
			return errorf(errstr, EX_TEMPFAIL, "another outbox flush "
			    "is running on %s: wait for it and try again",
			    home->outbox);
		return errorf(errstr, EX_TEMPFAIL, "cannot lock %s: %s",
		    home->outbox, strerror(saved));
	}
	*fdp = fd;
	return 0;
}

int
outbox_flush(const struct config *cfg, const struct home *home,
    const char *spec, outbox_progress_fn fn, void *arg,
    struct outbox_stats *stats, char **errstr)
{
	struct outbox_item *v = NULL;
	char *data = NULL, *err = NULL, *dst = NULL;
	size_t n = 0, i, len, body;
	int rv = 0, fd = -1;

	memset(stats, 0, sizeof *stats);
	if (spec == NULL || transport_is_maildir(spec))
		return errorf(errstr, EX_USAGE, "outbox flush sends through "
		    "another transport than maildir: give --transport "
		    "smtp://HOST[:PORT], smtps://HOST[:PORT] or "
		    "sendmail[:/PATH]");
	if ((rv = transport_check(spec, errstr)) != 0)
		return rv;
	if (outbox_shared())
		return outbox_rows_flush(cfg, home, spec, fn, arg, stats,
		    errstr);
	if ((rv = outbox_lock(home, &fd, errstr)) != 0 || fd < 0)
		return rv;
	outbox_list(home, &v, &n, errstr);
	stats->total = n;
	for (i = 0; i < n; i++) {
		struct outbox_item *it = &v[i];

		free(it->env_from);
		it->env_from = NULL;
		strv_free(&it->rcpts, it->nrcpts);
		it->nrcpts = 0;
		freep(&data);
		if (outbox_item_read(it, &data, &len, &body, &err) != 0) {
			freep(&err);	/* gone since it was listed */
			continue;
		}
		if (it->env_from == NULL) {
			stats->skipped++;
			if (fn != NULL)
				fn(OUTBOX_SKIPPED, i + 1, n, it, "it has no "
				    "recorded envelope (Return-Path and "
				    RCPT_HEADER " lines at its top)", arg);
			continue;
		}
		rv = transport_send(cfg, home, spec, it->env_from,
		    (const char *const *)it->rcpts, it->nrcpts, data + body,
		    len - body, &err);
		if (rv == 0) {
			if (unlink(it->path) != 0)
				log_warn("sent %s but cannot remove it (remove "
				    "it by hand, or it is sent again)",
				    it->path);
			else
				outbox_sync_parent(it->path);
			stats->sent++;
			if (fn != NULL)
				fn(OUTBOX_SENT, i + 1, n, it, NULL, arg);
		} else if (rv == EX_UNAVAILABLE) {
			char *why = err, *moved = NULL;
			err = NULL;
			if ((rv = outbox_set_aside(home, it, &dst, &err)) != 0) {
				stats->left = n - i + stats->skipped;
				rv = errorf(errstr, rv, "%s; and then %s", why, err);
				free(why);
				goto out;
			}
			moved = xprintf("%s; moved to %s", why, dst);
			stats->refused++;
			if (fn != NULL)
				fn(OUTBOX_REFUSED, i + 1, n, it, moved, arg);
			free(moved);
			free(why);
			freep(&dst);
		} else if (rv == EX_DATAERR) {
			stats->skipped++;
			if (fn != NULL)
				fn(OUTBOX_SKIPPED, i + 1, n, it, err, arg);
			freep(&err);
		} else {
			stats->left = n - i + stats->skipped;
			if (fn != NULL)
				fn(OUTBOX_STOPPED, i + 1, n, it, err, arg);
			rv = errorf(errstr, rv, "%s; %zu sent, %zu message%s "
			    "still wait%s in outbox/: %s", err, stats->sent,
			    stats->left, stats->left == 1 ? "" : "s",
			    stats->left == 1 ? "s" : "", rv == EX_TEMPFAIL ?
			    "run setuplink outbox flush again later" :
			    "fix that and run setuplink outbox flush again");
			goto out;
		}
	}
	rv = 0;
	stats->left = stats->skipped;
	if (stats->refused > 0)
		rv = errorf(errstr, EX_UNAVAILABLE, "%zu of %zu message%s %s "
		    "refused for good and moved to %s/.failed/ (%zu sent): "
		    "check the recipients", stats->refused, n, n == 1 ? "" : "s",
		    stats->refused == 1 ? "was" : "were", home->outbox,
		    stats->sent);
	else if (stats->skipped > 0)
		rv = errorf(errstr, EX_DATAERR, "%zu of %zu message%s in outbox/ "
		    "could not be sent as %s (%zu sent): see the lines above",
		    stats->skipped, n, n == 1 ? "" : "s", stats->skipped == 1 ?
		    "it was" : "they were", stats->sent);
out:
	free(err);
	free(dst);
	free(data);
	outbox_items_free(&v, n);
	if (fd >= 0)
		close(fd);
	return rv;
}
