/* webhook.c: delivering the events queued in the store to webhook_url, one
 * signed JSON POST each, oldest first, by whichever process runs next. */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include "util/ssl.h"

#include "util/util.h"
#include "util/http.h"
#include "mailer/send/send.h"

#define WEBHOOK_TIMEOUT_MS	10000L	/* one POST without a budget */
#define WEBHOOK_SECRET_MAX	4096
#define WEBHOOK_BACKOFF_FIRST	30	/* seconds after the first failure */
#define WEBHOOK_BACKOFF_MAX	3600

/*
 * Exponential back-off: 30 s, 1 min, 2 min... up to an hour.  Events are
 * delivered in order, so one that fails holds back the rest with it.
 */
int64_t
webhook_backoff(int attempts)
{
	int64_t d = WEBHOOK_BACKOFF_FIRST;

	while (attempts-- > 0 && d < WEBHOOK_BACKOFF_MAX)
		d *= 2;
	return d < WEBHOOK_BACKOFF_MAX ? d : WEBHOOK_BACKOFF_MAX;
}

/* The body of one event: keys, ids and times, never a value. */
char *
webhook_body(const struct config *cfg, const struct event *e)
{
	json_t *j = json_object(), *f = json_array();
	char **keys = NULL, *t, *s;
	size_t n = 0, i;

	if (e->fields != NULL)
		str_split(e->fields, ',', &keys, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(f, json_string(keys[i]));
	strv_free(&keys, n);
	t = time_rfc3339(e->at);
	json_object_set_new(j, "id", json_string(e->uid));
	json_object_set_new(j, "type", json_string(e->type));
	json_object_set_new(j, "at", json_string(t));
	json_object_set_new(j, "workspace", cfg->workspace != NULL ?
	    json_string(cfg->workspace) : json_null());
	json_object_set_new(j, "draft", e->draft ? json_integer(e->draft) :
	    json_null());
	json_object_set_new(j, "link", e->link ? json_integer(e->link) :
	    json_null());
	json_object_set_new(j, "fields", f);
	json_object_set_new(j, "detail", e->detail != NULL ?
	    json_string(e->detail) : json_null());
	free(t);
	if ((s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT)) == NULL)
		fatalx("out of memory writing a webhook event");
	json_decref(j);
	return s;
}

/* "sha256=HEX": HMAC-SHA256 of the body under the secret. */
char *
webhook_sign(const char *secret, size_t slen, const char *body, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *hex, *out;

	if (HMAC(EVP_sha256(), secret, (int)slen, (const unsigned char *)body,
	    len, md, &mdlen) == NULL)
		fatalx("HMAC-SHA256 failed");
	hex = hex_lower(md, mdlen);
	out = xprintf("sha256=%s", hex);
	free(hex);
	return out;
}

/* The first line of webhook_secret_file, which must say something. */
static int
webhook_secret(const struct config *cfg, char **secret, size_t *len,
    char **errstr)
{
	char *data = NULL, *err = NULL;
	size_t n = 0;
	int rv;

	*secret = NULL;
	if (cfg->webhook_secret_file == NULL)
		return errorf(errstr, EX_CONFIG, "webhook_secret_file is not "
		    "set, so events cannot be signed: set it in "
		    "setuplink.conf");
	if ((rv = file_read(cfg->webhook_secret_file, WEBHOOK_SECRET_MAX,
	    &data, &n, &err)) != 0) {
		rv = errorf(errstr, EX_CONFIG, "webhook_secret_file: %s", err);
		free(err);
		return rv;
	}
	n = data != NULL ? strcspn(data, "\r\n") : 0;
	if (n == 0) {
		if (data != NULL)
			explicit_bzero(data, strlen(data));
		free(data);
		return errorf(errstr, EX_CONFIG, "webhook_secret_file %s is "
		    "empty: write the secret on its first line",
		    cfg->webhook_secret_file);
	}
	data[n] = '\0';
	*secret = data;
	*len = n;
	return 0;
}

static int64_t
webhook_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* POST one event: 0 once the receiver said 2xx, else why not. */
static int
webhook_post(const struct config *cfg, const struct event *e,
    const char *secret, size_t slen, long timeout_ms, char **errstr)
{
	struct http_request rq;
	struct http_response resp;
	const char *hdrs[4];
	char *body = webhook_body(cfg, e), *sig, *h[3];
	int rv;

	sig = webhook_sign(secret, slen, body, strlen(body));
	h[0] = xprintf("X-Setuplink-Signature: %s", sig);
	h[1] = xprintf("X-Setuplink-Event: %s", e->type);
	h[2] = xprintf("X-Setuplink-Delivery: %s", e->uid);
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = h[0];
	hdrs[2] = h[1];
	hdrs[3] = h[2];
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.url = cfg->webhook_url;
	rq.headers = hdrs;
	rq.nheaders = nitems(hdrs);
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_ms = timeout_ms;
	rq.max_response = 4096;
	if ((rv = http_do(&rq, &resp, errstr)) == 0) {
		if (resp.status < 200 || resp.status > 299)
			rv = errorf(errstr, EX_TEMPFAIL, "the webhook answered "
			    "HTTP %ld", resp.status);
		http_response_free(&resp);
	}
	free(h[0]);
	free(h[1]);
	free(h[2]);
	free(sig);
	free(body);
	return rv;
}

/*
 * One deliverer at a time on this host, so that two processes never post
 * one event side by side or the next before the first.  With a budget the
 * caller has other work (an MTA waiting): it does not wait for the lock.
 */
static int
webhook_lock(const struct home *home, bool wait)
{
	char *path = xprintf("%s/.webhook.lock", home->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	free(path);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* A failed attempt: noted with its back-off.  Returns the store's status. */
static int
webhook_failed(struct store *st, const struct event *e, const char *why,
    char **errstr)
{
	int64_t next = time_now() + webhook_backoff(e->attempts);

	log_warnx("webhook event %s (%s) not delivered, tried again after "
	    "back-off: %s", e->uid, e->type, why);
	return event_retry(st, e->id, next, why, errstr);
}

int
webhook_deliver(const struct config *cfg, const struct home *home,
    struct store *st, const struct webhook_opts *o,
    struct webhook_stats *stats, char **errstr)
{
	struct event *v = NULL;
	char *secret = NULL, *err = NULL;
	size_t n = 0, i, slen = 0;
	int64_t start = webhook_clock_ms(), left;
	long tmo;
	int fd = -1, rv;
	bool locked = false;

	memset(stats, 0, sizeof *stats);
	if (cfg->webhook_url == NULL || *cfg->webhook_url == '\0')
		return 0;
	if ((fd = webhook_lock(home, o->budget_ms == 0)) < 0)
		return 0;	/* another process delivers them */
	/* On a shared store, the same across hosts. */
	if ((rv = store_lock(st, "webhook", o->budget_ms == 0, &locked,
	    errstr)) != 0 || !locked)
		goto out;
	if ((rv = event_pending(st, 0, &v, &n, errstr)) != 0 || n == 0)
		goto out;
	if ((rv = webhook_secret(cfg, &secret, &slen, &err)) != 0) {
		/* Said in events list, and again at each due attempt. */
		if (o->force || v[0].next_at <= time_now())
			(void)webhook_failed(st, &v[0], err, NULL);
		rv = errorf(errstr, rv, "%s", err);
		stats->failed = 1;
		stats->left = n;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!o->force && v[i].next_at > time_now())
			break;
		tmo = WEBHOOK_TIMEOUT_MS;
		if (o->budget_ms > 0) {
			left = o->budget_ms - (webhook_clock_ms() - start);
			if (left < 50)
				break;
			tmo = (long)left;
		}
		if (webhook_post(cfg, &v[i], secret, slen, tmo, &err) != 0) {
			stats->failed++;
			rv = webhook_failed(st, &v[i], err, errstr);
			if (rv == 0)
				rv = errorf(errstr, EX_TEMPFAIL, "webhook event "
				    "%s not delivered: %s", v[i].uid, err);
			break;
		}
		if ((rv = event_delivered(st, v[i].id, errstr)) != 0)
			break;
		stats->delivered++;
	}
	stats->left = n - stats->delivered;
out:
	if (secret != NULL) {
		explicit_bzero(secret, slen);
		free(secret);
	}
	free(err);
	events_free(&v, n);
	if (locked)
		store_unlock(st, "webhook");
	if (fd >= 0)
		close(fd);
	return rv;
}
