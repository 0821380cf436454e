/* intake-maildir.c: the intake over a Maildir (--maildir DIR [--watch]):
 * messages already durable there are judged in batches whose outcomes
 * share one commit (and whose quarantine copies share their syncs), then
 * removed (accepted, duplicate) or moved to cur/ while the next batch is
 * judged. */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/intake/private.h"

#define BATCH_MAX	64		/* messages sharing one commit */
#define BATCH_BYTES	(64u << 20)	/* and their bytes held at once */
#define RETRY_WAIT	10		/* seconds before --watch tries again */
#define SIGNIN_WAIT	5		/* seconds between looks at sign-ins */
#define WEBHOOK_BUDGET	2000		/* ms --watch gives the webhook a pass */
#define WEBHOOK_WAIT	15		/* seconds between tries while events
					   wait */

struct batch_item {
	char			*name;		/* in DIR/new */
	struct intake_raw	 raw;
	struct intake_verdict	 v;
	struct intake_decision	 d;
	int			 rv;		/* read and judged: 0 */
	bool			 drop;
};

/*
 * The tail of a stored batch: its messages leave new/, and the answers
 * queued go to the transport.  Work for the file system alone, which a
 * thread of its own does while the next batch is judged and stored (with
 * the maildir transport, whose answers are files; else it is done at
 * once).  One tail at a time: the next waits for the last, and what a
 * tail did is noted in the store (its notes forgotten, its answers sent)
 * before another starts, so a kill anywhere leaves only notes and queued
 * answers, which the next run finishes.
 */
struct tail {
	char			**names;	/* in DIR/new */
	bool			 *drop;		/* removed, else to cur/ */
	size_t			  n;
	struct send_queue	  sq;
	bool			  queued;	/* sq taken */
	bool			  synced;	/* new/ and cur/ synced */
};

/* A pass over DIR/new: where decided messages are noted until they have
 * left it ("maildir-decided HOST:REALPATH/new/" and the file's name). */
struct maildir_run {
	struct intake	*in;
	const char	*dir;
	char		*prefix;
	int		 sigfd;
	bool		*stop;
	struct tail	 tail;
	bool		 threaded;	/* tails go to the thread */
	bool		 started;	/* the thread runs */
	bool		 busy;		/* it has a tail to do */
	bool		 quit;
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
};

static void
batch_item_free(struct batch_item *it)
{
	free(it->name);
	intake_raw_free(&it->raw);
	intake_verdict_free(&it->v);
	intake_decision_free(&it->d);
	memset(it, 0, sizeof *it);
}

/*
 * SIGTERM and SIGINT set a flag and wake the wait through a pipe.  (A
 * signalfd would need the signals blocked, and a blocked mask is passed
 * on to every program we start: gpg, gpg-agent, on_submit, sendmail.)
 */
static volatile sig_atomic_t intake_stopping;
static int intake_wake[2] = { -1, -1 };

static void
intake_on_signal(int sig)
{
	int saved = errno;

	intake_stopping = 1;
	/* A full pipe means a wake-up is pending already: nothing to do.
	 * (A (void) cast does not silence glibc's warn_unused_result under
	 * _FORTIFY_SOURCE, which Debian's build flags set.) */
	if (intake_wake[1] >= 0 && write(intake_wake[1], "", 1) < 0)
		errno = saved;
	errno = saved;
}

/* SIGTERM or SIGINT arrived: finish what is under way, then stop. */
static bool
intake_signalled(int sigfd, bool *stop)
{
	if (intake_stopping)
		*stop = true;
	return *stop;
}

/*
 * The outcome of a message other than accepted needs its copy in
 * quarantine/.  A Maildir message is durable already, so the copy is
 * made only for those, after judging: accepted ones never pay for it.
 */
static int
intake_keep_copy(struct intake *in, const char *dir, struct batch_item *it,
    char **errstr)
{
	struct intake_raw whole;
	char *path;
	int fd, rv;

	if (it->v.outcome == OUTCOME_ACCEPTED || (it->v.reason != NULL &&
	    strcmp(it->v.reason, "duplicate") == 0))
		return 0;
	if (!it->raw.oversize)
		return intake_keep(in, it->raw.data, it->raw.len,
		    &it->raw.qname, errstr);
	path = xprintf("%s/new/%s", dir, it->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot read %s again: %s",
		    path, strerror(errno));
		free(path);
		return rv;
	}
	free(path);
	rv = intake_read(in, fd, true, &whole, errstr);
	close(fd);
	if (rv == 0) {
		it->raw.qname = whole.qname;
		whole.qname = NULL;
	}
	intake_raw_free(&whole);
	return rv;
}

/*
 * Decided messages leave new/ (accepted and duplicate ones are removed:
 * their fields live in the draft, and a read copy in cur/ would keep
 * every password in plain mail for as long as the Maildir lives; the
 * rest move to cur/NAME:2,S, the Maildir way of saying "read"), and new/
 * and cur/ are synced once.  No store here.
 */
static bool
tail_leave(const char *dir, char **names, const bool *drop, size_t n)
{
	char *from, *to;
	char *newdir = xprintf("%s/new", dir);
	char *curdir = xprintf("%s/cur", dir);
	bool moved = false, synced;
	size_t i;

	for (i = 0; i < n; i++) {
		from = xprintf("%s/%s", newdir, names[i]);
		if (drop[i]) {
			if (unlink(from) != 0 && errno != ENOENT)
				log_warn("could not remove %s, which holds "
				    "values merged already: remove it by hand",
				    from);
		} else {
			to = xprintf("%s/%s%s", curdir, names[i],
			    strstr(names[i], ":2,") != NULL ? "" : ":2,S");
			if (rename(from, to) != 0 && errno != ENOENT)
				log_warn("could not move %s to cur/", from);
			moved = true;
			free(to);
		}
		free(from);
	}
	synced = n == 0 || fsync_dir(newdir) == 0;
	if (!synced)
		log_warn("could not sync %s", newdir);
	if (moved && fsync_dir(curdir) != 0) {
		log_warn("could not sync %s", curdir);
		synced = false;
	}
	free(newdir);
	free(curdir);
	return synced;
}

/* The tail's work, in its thread or at once: nothing of the store. */
static void
tail_run(struct maildir_run *r)
{
	struct tail *t = &r->tail;

	t->synced = tail_leave(r->dir, t->names, t->drop, t->n);
	if (t->queued)
		send_write(r->in, &t->sq);
}

static void *
tail_thread(void *arg)
{
	struct maildir_run *r = arg;
	sigset_t all;

	/* Signals are the main thread's to take. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&r->mtx);
	for (;;) {
		while (!r->busy && !r->quit)
			pthread_cond_wait(&r->cv, &r->mtx);
		if (!r->busy)
			break;
		pthread_mutex_unlock(&r->mtx);
		tail_run(r);
		pthread_mutex_lock(&r->mtx);
		r->busy = false;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mtx);
	return NULL;
}

/*
 * Wait for the last tail, then note in the store what it did: once new/
 * and cur/ are synced, its messages' notes are forgotten (unsynced, they
 * stay, and the next pass does this again); its answers are marked sent.
 */
static void
tail_wait(struct maildir_run *r)
{
	struct tail *t = &r->tail;
	char **keys, *err = NULL;
	size_t i;

	if (r->started) {
		pthread_mutex_lock(&r->mtx);
		while (r->busy)
			pthread_cond_wait(&r->cv, &r->mtx);
		pthread_mutex_unlock(&r->mtx);
	}
	if (t->synced && t->n > 0) {
		keys = xcalloc(t->n, sizeof *keys);
		for (i = 0; i < t->n; i++)
			keys[i] = xprintf("%s%s", r->prefix, t->names[i]);
		if (store_settings_forget(r->in->st, keys, t->n, &err) != 0)
			log_debug("%s", err);
		free(err);
		strv_free(&keys, t->n);
	}
	if (t->queued)
		send_done(r->in, &t->sq);
	strv_free(&t->names, t->n);
	free(t->drop);
	memset(t, 0, sizeof *t);
}

/* The tail of names[0..n) (and of the answers queued): after the last. */
static void
tail_start(struct maildir_run *r, char *const *names, const bool *drop,
    size_t n)
{
	struct tail *t = &r->tail;
	size_t i;

	tail_wait(r);
	t->names = xcalloc(n + 1, sizeof *t->names);
	t->drop = xcalloc(n + 1, sizeof *t->drop);
	for (i = 0; i < n; i++) {
		t->names[i] = xstrdup(names[i]);
		t->drop[i] = drop[i];
	}
	t->n = n;
	t->queued = send_take(r->in, &t->sq) == 0;
	if (r->threaded && !r->started) {
		pthread_mutex_init(&r->mtx, NULL);
		pthread_cond_init(&r->cv, NULL);
		r->busy = r->quit = false;
		if (pthread_create(&r->thread, NULL, tail_thread, r) == 0)
			r->started = true;
		else {
			pthread_mutex_destroy(&r->mtx);
			pthread_cond_destroy(&r->cv);
			r->threaded = false;	/* at once, then */
		}
	}
	if (!r->started) {
		tail_run(r);
		tail_wait(r);
		return;
	}
	pthread_mutex_lock(&r->mtx);
	r->busy = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mtx);
}

/* The pass is over: the last tail done and noted, the thread gone. */
static void
tail_end(struct maildir_run *r)
{
	tail_wait(r);
	if (!r->started)
		return;
	pthread_mutex_lock(&r->mtx);
	r->quit = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mtx);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mtx);
	pthread_cond_destroy(&r->cv);
	r->started = false;
}

/*
 * Store the outcomes of it[0..k) in one transaction: the quarantine
 * copies of the batch are synced together before its commit, which also
 * notes each message as decided; then their tail starts.  On a failure
 * nothing of them is stored and their copies are gone; *whole says the
 * failure was no message's own (the store could not be locked).
 */
static int
intake_group(struct maildir_run *r, struct batch_item *it, size_t k,
    bool *whole, char **errstr)
{
	struct intake *in = r->in;
	char **names = xcalloc(k, sizeof *names), *key;
	bool *drop = xcalloc(k, sizeof *drop);
	size_t i;
	int rv;

	*whole = false;
	maildir_batch_begin();
	for (i = 0; i < k; i++)
		if ((rv = intake_keep_copy(in, r->dir, &it[i], errstr)) != 0)
			goto fail;
	if ((rv = store_begin(in->st, errstr)) != 0) {
		*whole = true;
		goto fail;
	}
	for (i = 0; i < k; i++) {
		if ((rv = intake_apply(in, &it[i].v, &it[i].raw, false,
		    &it[i].d, &it[i].drop, errstr)) != 0)
			goto rollback;
		key = xprintf("%s%s", r->prefix, it[i].name);
		rv = store_setting_set(in->st, key, it[i].drop ? "drop" :
		    "cur", errstr);
		free(key);
		if (rv != 0)
			goto rollback;
	}
	/* The copies are on disk before the commit that names them. */
	if ((rv = maildir_batch_end(errstr)) != 0)
		goto rollback;
	if ((rv = store_commit(in->st, errstr)) != 0)
		goto fail;
	for (i = 0; i < k; i++) {
		names[i] = it[i].name;
		drop[i] = it[i].drop;
	}
	tail_start(r, names, drop, k);
	for (i = 0; i < k; i++) {
		if (it[i].drop)
			intake_unkeep(in, it[i].raw.qname);
		it[i].d.file = xstrdup(it[i].name);
		intake_after(in, &it[i].d);
		if (in->opts.report != NULL)
			in->opts.report(&it[i].d, in->opts.report_arg);
	}
	goto out;
rollback:
	store_rollback(in->st);
fail:
	maildir_batch_abort();
	for (i = 0; i < k; i++) {
		intake_unkeep(in, it[i].raw.qname);
		freep(&it[i].raw.qname);
		intake_decision_free(&it[i].d);
		it[i].drop = false;
	}
out:
	free(names);
	free(drop);
	return rv;
}

/*
 * Judge up to a batch of messages, then store all their outcomes at once.
 * When that fails, the batch is done again a message at a time, each in
 * its own transaction, so that one message that cannot be stored does not
 * hold back the others: the first failure is returned.
 */
static int
intake_batch(struct maildir_run *r, char **names, size_t n, size_t *next,
    char **errstr)
{
	struct intake *in = r->in;
	struct batch_item *it = xcalloc(BATCH_MAX, sizeof *it);
	size_t k = 0, i, bytes = 0;
	char *path, *err = NULL;
	bool whole, judged = true;
	int fd, rv = 0;

	for (; *next < n && k < BATCH_MAX && bytes < BATCH_BYTES; (*next)++) {
		if (intake_signalled(r->sigfd, r->stop))
			break;
		path = xprintf("%s/new/%s", r->dir, names[*next]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			free(path);
			continue;	/* another reader took it */
		}
		free(path);
		it[k].name = xstrdup(names[*next]);
		it[k].rv = intake_read(in, fd, false, &it[k].raw, &err);
		close(fd);
		if (it[k].rv == 0)
			it[k].rv = intake_judge(in, &it[k].raw, &it[k].v, &err);
		if (it[k].rv != 0) {
			judged = false;
			if (rv == 0)
				rv = errorf(errstr, it[k].rv, "%s", err != NULL ?
				    err : "the message could not be read");
			freep(&err);
		}
		bytes += it[k].raw.len;
		k++;
	}
	if (in->opts.dry_run) {
		for (i = 0; i < k; i++) {
			if (it[i].rv != 0)
				continue;
			intake_decide(&it[i].v, NULL, &it[i].d);
			it[i].d.file = xstrdup(it[i].name);
			if (in->opts.report != NULL)
				in->opts.report(&it[i].d, in->opts.report_arg);
		}
		goto out;
	}
	if (k == 0)
		goto out;
	if (judged && intake_group(r, it, k, &whole, &err) == 0)
		goto stored;
	if (judged && whole) {
		rv = errorf(errstr, EX_TEMPFAIL, "%s", err != NULL ? err :
		    "the store could not be locked");
		goto out;
	}
	freep(&err);
	/* Again, one message at a time, judged afresh (storing changes a
	 * verdict); a locked store stops it. */
	for (i = 0; i < k; i++) {
		if (it[i].rv != 0)
			continue;
		intake_verdict_free(&it[i].v);
		if ((it[i].rv = intake_judge(in, &it[i].raw, &it[i].v,
		    &err)) == 0)
			it[i].rv = intake_group(r, &it[i], 1, &whole, &err);
		if (it[i].rv != 0) {
			if (rv == 0)
				rv = errorf(errstr, it[i].rv, "%s", err != NULL ?
				    err : "the message could not be stored");
			freep(&err);
			if (!whole)
				continue;
			/* What is left stays in new/ for the next pass. */
			for (; i < k; i++)
				it[i].rv = EX_TEMPFAIL;
		}
	}
stored:
	for (i = 0; i < k; i++) {
		if (it[i].rv != 0)
			continue;
		intake_test_spawn(in, &it[i].d);
		intake_signin_spawn(in, it[i].d.signin);
	}
	intake_spawn_release(in);
out:
	free(err);
	for (i = 0; i < k; i++)
		batch_item_free(&it[i]);
	free(it);
	return rv;
}

/*
 * Messages a pass decided whose leaving new/ a kill cut short: the note
 * its commit left says what to do with each, and the message is not
 * judged (nor logged) a second time.  Their answers wait in the outmail
 * queue: sent now.
 */
static void
intake_finish_decided(struct maildir_run *r)
{
	char **keys = NULL, **values = NULL, **names, *err = NULL;
	bool *drop;
	size_t n = 0, i;

	if (store_settings_under(r->in->st, r->prefix, &keys, &values, &n,
	    &err) != 0) {
		log_warnx("%s", err);
		free(err);
		return;
	}
	if (n == 0)
		return;
	names = xcalloc(n, sizeof *names);
	drop = xcalloc(n, sizeof *drop);
	for (i = 0; i < n; i++) {
		names[i] = keys[i] + strlen(r->prefix);
		drop[i] = strcmp(values[i], "drop") == 0;
	}
	log_info("%zu message%s of %s/new decided already: only leaving it",
	    n, n == 1 ? "" : "s", r->dir);
	/* Gone from new/ before the pass lists it. */
	tail_start(r, names, drop, n);
	tail_wait(r);
	free(names);
	free(drop);
	strv_free(&keys, n);
	strv_free(&values, n);
}

/* "maildir-decided HOST:REALPATH/new/": what notes DIR's messages. */
static char *
intake_decided_prefix(const char *dir)
{
	char host[HOST_NAME_MAX + 1], *real, *p;

	if (gethostname(host, sizeof host) != 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	if ((real = realpath(dir, NULL)) == NULL)
		real = xstrdup(dir);
	p = xprintf("maildir-decided %s:%s/new/", host, real);
	free(real);
	return p;
}

static int
intake_pass(struct intake *in, const char *dir, int sigfd, bool *stop,
    char **errstr)
{
	struct maildir_run r;
	const char *spec = in->cfg->transport;
	char **names = NULL;
	size_t n = 0, next = 0;
	int rv = 0;

	memset(&r, 0, sizeof r);
	r.in = in;
	r.dir = dir;
	r.sigfd = sigfd;
	r.stop = stop;
	r.prefix = intake_decided_prefix(dir);
	/* Answers that are files in outbox/ are written beside the next
	 * batch; those that are rows of a shared store, or go out over the
	 * network, at once.  So is every tail when on_submit runs a command
	 * after each merge: a thread's tail holds the lock on sending until
	 * the next batch is stored, and the command may send mail. */
	r.threaded = (spec == NULL || transport_is_maildir(spec)) &&
	    !outbox_shared() && (in->cfg->on_submit == NULL ||
	    *in->cfg->on_submit == '\0');
	if (!in->opts.dry_run)
		intake_finish_decided(&r);
	maildir_list(dir, "new", &names, &n);
	while (rv == 0 && next < n && !*stop)
		rv = intake_batch(&r, names, n, &next, errstr);
	tail_end(&r);
	strv_free(&names, n);
	free(r.prefix);
	if (rv == 0)
		intake_sweep(in);
	return rv;
}

/* Wait for new mail (inotify) or a signal; false once it is time to stop. */
static bool
intake_wait(int ifd, int sigfd, int timeout_ms, bool *stop)
{
	struct pollfd pfd[2];
	char ev[4096];

	pfd[0].fd = ifd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sigfd;
	pfd[1].events = POLLIN;
	if (!intake_signalled(sigfd, stop) &&
	    poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
		return false;
	if (intake_signalled(sigfd, stop))
		return false;
	while (read(ifd, ev, sizeof ev) > 0)
		;
	while (read(sigfd, ev, sizeof ev) > 0)
		;
	return true;
}

/*
 * --watch is the process that runs next: it posts the webhook events its
 * passes queued (and any left by others), for a bounded time so that mail
 * is not held up.  True while some still wait, to come back for them.
 */
static bool
intake_webhook(struct intake *in)
{
	struct webhook_opts o = { WEBHOOK_BUDGET, false };
	struct webhook_stats stats;
	char *err = NULL;

	if (in->cfg->webhook_url == NULL || in->opts.dry_run)
		return false;
	if (webhook_deliver(in->cfg, in->home, in->st, &o, &stats, &err) != 0)
		log_debug("webhook: %s", err);
	free(err);
	return stats.left > 0;
}

int
intake_maildir(struct intake *in, const char *dir, char **errstr)
{
	struct sigaction sa, old_term, old_int;
	struct stat st;
	char *newdir = xprintf("%s/new", dir), *err = NULL;
	bool stop = false, signins;
	int ifd = -1, rv = 0;

	if (stat(newdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rv = errorf(errstr, EX_NOINPUT, "%s is not a Maildir (it has "
		    "no new/ folder)", dir);
		goto out;
	}
	if (pipe2(intake_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot make a pipe: %s",
		    strerror(errno));
		goto out;
	}
	intake_stopping = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = intake_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	if (in->opts.watch) {
		/* Watch first, then scan: nothing delivered in between is missed. */
		if ((ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
		    inotify_add_watch(ifd, newdir, IN_MOVED_TO |
		    IN_CLOSE_WRITE) < 0) {
			rv = errorf(errstr, EX_TEMPFAIL, "cannot watch %s: %s",
			    newdir, strerror(errno));
			goto restore;
		}
	}
	for (;;) {
		rv = intake_pass(in, dir, intake_wake[0], &stop,
		    in->opts.watch ? &err : errstr);
		if (!in->opts.watch || stop)
			break;
		if (rv != 0) {
			/* Locked or full: keep the messages, try again soon. */
			log_warnx("%s; trying again in %d s", err, RETRY_WAIT);
			freep(&err);
			rv = 0;
			intake_spawn_release(in);
			if (!intake_wait(ifd, intake_wake[0], RETRY_WAIT * 1000,
			    &stop))
				break;
			continue;
		}
		/* Sign-ins whose worker is gone get a new one; while any
		 * is active, look again every SIGNIN_WAIT seconds. */
		signins = intake_signin_resume(in);
		/* Every worker this pass started goes before the wait. */
		intake_spawn_release(in);
		if (!intake_wait(ifd, intake_wake[0], intake_webhook(in) ?
		    WEBHOOK_WAIT * 1000 : signins ? SIGNIN_WAIT * 1000 : -1,
		    &stop))
			break;
	}
	if (stop)
		rv = 0;
restore:
	if (ifd >= 0)
		close(ifd);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	close(intake_wake[0]);
	close(intake_wake[1]);
	intake_wake[0] = intake_wake[1] = -1;
out:
	free(err);
	free(newdir);
	return rv;
}
