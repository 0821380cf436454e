/* intake-run.c: the intake on one message from a pipe (procmail,
 * fetchmail, an MTA) or from quarantine/ (retry): kept in quarantine/
 * before anything else, then judged and stored; after the commit, what
 * it queued is sent and on_submit runs. */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "util/util.h"
#include "util/vault.h"
#include "mailer/intake/private.h"

/*
 * Read fd to its end (procmail and OpenSMTPD count an unread pipe as a
 * failure), keeping at most max_message_size bytes in memory.  With
 * keep, a message that grows past the limit is kept whole in
 * quarantine/, sealed to the vault as it comes: what was read so far,
 * then the rest, written to tmp/, synced, renamed into new/, new/
 * synced, before it is judged.  A message within the limit is judged
 * from memory first: while we have not exited 0 the MTA holds it, so
 * only one that is not accepted needs a copy, made durable before the
 * commit that records it (intake_apply); an accepted one never pays for
 * a copy that would be deleted right after.
 */
static void
intake_read_keep(struct intake *in, char **name, char **tmp, int *out,
    struct vault_writer **w, int *werr)
{
	char *err = NULL;

	if (maildir_make(in->home->quarantine, &err) != 0) {
		free(err);
		*werr = EIO;
		*name = xstrdup("");	/* tried: not again */
		return;
	}
	*name = maildir_unique_name(NULL);
	*tmp = xprintf("%s/tmp/%s", in->home->quarantine, *name);
	if ((*out = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0)
		*werr = errno;
	else if (store_vault(in->st) != NULL &&
	    vault_writer_new(store_vault(in->st), *out, w) != 0)
		*werr = errno;
}

int
intake_read(struct intake *in, int fd, bool keep, struct intake_raw *raw,
    char **errstr)
{
	size_t max = (size_t)in->cfg->max_message_size;
	char chunk[65536], *name = NULL, *tmp = NULL, *dst = NULL;
	char *newdir = NULL;
	unsigned char md[SHA256_LEN];
	struct sha256 h;
	struct vault_writer *w = NULL;
	struct buf b, whole;
	ssize_t r;
	int out = -1, werr = 0, rv = 0;
	/* On a shared store the copy is a row: the whole message is held
	 * until it is read, then kept, before it is judged. */
	bool rows = keep && store_keeps_mail(in->st);

	memset(raw, 0, sizeof *raw);
	buf_init(&b);
	buf_init(&whole);
	sha256_begin(&h);
	for (;;) {
		if ((r = read(fd, chunk, sizeof chunk)) < 0) {
			if (errno == EINTR)
				continue;
			rv = errorf(errstr, EX_TEMPFAIL, "cannot read the "
			    "message: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		sha256_add(&h, chunk, (size_t)r);
		if (rows && whole.len == 0 && (size_t)r > max - b.len)
			buf_add(&whole, b.data, b.len);
		if (rows && (whole.len > 0 || (size_t)r > max - b.len))
			buf_add(&whole, chunk, (size_t)r);
		else if (keep && !rows && name == NULL &&
		    (size_t)r > max - b.len) {
			intake_read_keep(in, &name, &tmp, &out, &w, &werr);
			if (out >= 0 && werr == 0 && (w != NULL ?
			    vault_writer_add(w, b.data, b.len) :
			    fd_write_all(out, b.data, b.len)) != 0)
				werr = errno;
		}
		if (out >= 0 && werr == 0 && (w != NULL ?
		    vault_writer_add(w, chunk, (size_t)r) :
		    fd_write_all(out, chunk, (size_t)r)) != 0)
			werr = errno;
		if ((size_t)r > max - b.len) {
			raw->oversize = true;
			buf_add(&b, chunk, max - b.len);
		} else
			buf_add(&b, chunk, (size_t)r);
	}
	if (out >= 0) {
		if (werr == 0 && w != NULL && vault_writer_end(&w) != 0)
			werr = errno;
		if (werr == 0 && fsync(out) != 0)
			werr = errno;
		if (close(out) != 0 && werr == 0)
			werr = errno;
		out = -1;
	}
	if (name != NULL && werr == 0) {
		dst = xprintf("%s/new/%s", in->home->quarantine, name);
		newdir = xprintf("%s/new", in->home->quarantine);
		if (rename(tmp, dst) != 0)
			werr = errno;
		else if (fsync_dir(newdir) != 0) {
			werr = errno;
			unlink(dst);
		}
	}
	if (werr != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot keep the message in "
		    "%s: %s", in->home->quarantine, strerror(werr));
		goto fail;
	}
	if (whole.len > 0 && (rv = intake_keep(in, whole.data, whole.len,
	    &name, errstr)) != 0)
		goto fail;
	sha256_end(&h, md);
	raw->hash = hex_lower(md, sizeof md);
	raw->len = b.len;
	raw->data = buf_take(&b);
	raw->qname = name;
	name = NULL;
	goto out;
fail:
	if (tmp != NULL)
		unlink(tmp);
	buf_free(&b);
out:
	if (whole.data != NULL)
		explicit_bzero(whole.data, whole.len);
	buf_free(&whole);
	vault_writer_free(&w);
	if (out >= 0)
		close(out);
	if (rv != 0)
		sha256_end(&h, md);
	free(name);
	free(tmp);
	free(dst);
	free(newdir);
	return rv;
}

/* Keep a message read whole in quarantine/, sealed to the vault. */
int
intake_keep(struct intake *in, const char *data, size_t len, char **qname,
    char **errstr)
{
	struct vault *v = store_vault(in->st);
	char *sealed = NULL, *err = NULL;
	size_t slen = 0;
	int rv;

	if (store_keeps_mail(in->st)) {
		/* A row, in the transaction that records the decision when
		 * one is open: sealed as the file would be. */
		if (v != NULL)
			vault_seal(v, data, len, &sealed, &slen);
		*qname = maildir_unique_name(NULL);
		if ((rv = kept_add(in->st, *qname, time_now(), sealed != NULL ?
		    sealed : data, sealed != NULL ? slen : len, errstr)) != 0)
			freep(qname);
		free(sealed);
		return rv;
	}
	if (v == NULL)
		rv = maildir_deliver(in->home->quarantine, data, len, NULL,
		    qname, &err);
	else {
		vault_seal(v, data, len, &sealed, &slen);
		rv = maildir_deliver(in->home->quarantine, sealed, slen, NULL,
		    qname, &err);
	}
	if (rv != 0)
		rv = errorf(errstr, rv, "cannot keep the message in %s: %s",
		    in->home->quarantine, err);
	free(err);
	free(sealed);
	return rv;
}

/* ---- A quarantined message by name, wherever it is kept ---- */

int
intake_kept_read(const struct home *home, struct store *st,
    struct vault *v, const char *name, char **data, size_t *len,
    char **errstr)
{
	char *blob = NULL, *path;
	size_t blen = 0;
	int rv;

	*data = NULL;
	*len = 0;
	if (!store_keeps_mail(st)) {
		if (strchr(name, '/') != NULL || *name == '.' ||
		    (path = maildir_find(home->quarantine, name)) == NULL)
			return errorf(errstr, EX_NOINPUT, "the message file %s "
			    "is no longer in %s", name, home->quarantine);
		rv = vault_read_file(v, path, SIZE_MAX, data, len, errstr);
		free(path);
		return rv;
	}
	if ((rv = kept_get(st, name, &blob, &blen, errstr)) != 0)
		return rv;
	if (v != NULL && vault_is_sealed(blob, blen))
		rv = vault_open(v, blob, blen, data, len, errstr);
	else {
		*data = blob;
		*len = blen;
		blob = NULL;
	}
	free(blob);
	return rv;
}

bool
intake_kept_exists(const struct home *home, struct store *st,
    const char *name)
{
	char *blob = NULL, *path, *err = NULL;
	size_t blen;
	bool yes;

	if (name == NULL)
		return false;
	if (!store_keeps_mail(st)) {
		if (strchr(name, '/') != NULL || *name == '.' ||
		    (path = maildir_find(home->quarantine, name)) == NULL)
			return false;
		free(path);
		return true;
	}
	yes = kept_get(st, name, &blob, &blen, &err) == 0;
	free(blob);
	free(err);
	return yes;
}

void
intake_kept_remove(const struct home *home, struct store *st,
    const char *name)
{
	char *path, *err = NULL;

	if (name == NULL)
		return;
	if (store_keeps_mail(st)) {
		if (kept_remove(st, name, &err) != 0)
			log_warnx("could not remove the kept message %s: %s",
			    name, err);
		free(err);
		return;
	}
	if ((path = maildir_find(home->quarantine, name)) == NULL)
		return;
	if (unlink(path) != 0)
		log_warn("could not remove %s", path);
	free(path);
}

void
intake_raw_free(struct intake_raw *raw)
{
	if (raw->data != NULL)
		explicit_bzero(raw->data, raw->len);
	free(raw->data);
	free(raw->hash);
	free(raw->qname);
	memset(raw, 0, sizeof *raw);
}

/* Remove a quarantine copy: its fields live in the draft now, or never were. */
void
intake_unkeep(struct intake *in, const char *qname)
{
	char *p;

	if (qname != NULL && store_keeps_mail(in->st)) {
		intake_kept_remove(in->home, in->st, qname);
		return;
	}
	if (qname == NULL || (p = maildir_find(in->home->quarantine,
	    qname)) == NULL)
		return;
	if (unlink(p) != 0)
		log_warn("could not remove %s", p);
	free(p);
}

/*
 * Judge, then store the outcome in one transaction.  A temporary failure
 * anywhere before the commit leaves the store as it was.
 */
static int
intake_one(struct intake *in, struct intake_raw *raw, bool retry,
    struct intake_decision *d, char **errstr)
{
	struct intake_verdict v;
	bool drop = false;
	int rv;

	memset(d, 0, sizeof *d);
	if ((rv = intake_judge(in, raw, &v, errstr)) != 0)
		goto out;
	if (in->opts.dry_run) {
		intake_decide(&v, NULL, d);
		goto out;
	}
	/* Mail for no link (a forged or mistyped token) changes nothing but
	 * the log, and is kept in quarantine/, synced, before the commit:
	 * its log row may wait for the next synced commit, which saves a
	 * sync a message in a flood of forgeries. */
	if (v.link == NULL)
		rv = store_begin_lazy(in->st, errstr);
	else
		rv = store_begin(in->st, errstr);
	if (rv != 0)
		goto out;
	if ((rv = intake_apply(in, &v, raw, retry, d, &drop, errstr)) != 0) {
		store_rollback(in->st);
		goto out;
	}
	if ((rv = store_commit(in->st, errstr)) != 0) {
		intake_decision_free(d);
		goto out;
	}
	if (drop)
		intake_unkeep(in, raw->qname);
	if (d->signin != 0) {
		intake_signin_spawn(in, d->signin);
		goto out;
	}
	intake_after(in, d);
	intake_send_queued(in);
	intake_test_spawn(in, d);
out:
	intake_verdict_free(&v);
	return rv;
}

int
intake_fd(struct intake *in, int fd, struct intake_decision *d,
    char **errstr)
{
	struct intake_raw raw;
	int rv;

	memset(d, 0, sizeof *d);
	if ((rv = intake_read(in, fd, !in->opts.dry_run, &raw, errstr)) != 0)
		return rv;
	if ((rv = intake_one(in, &raw, false, d, errstr)) != 0)
		intake_unkeep(in, raw.qname);	/* as if it never came */
	else {
		if (in->opts.report != NULL)
			in->opts.report(d, in->opts.report_arg);
		intake_sweep(in);
	}
	intake_raw_free(&raw);
	return rv;
}

/*
 * A quarantined message to read again: sealed, it is opened (the vault
 * may ask for its passphrase) into memory that no file system holds.
 * Returns a descriptor, -1 with errno, or minus a status with *errstr.
 */
static int
quarantine_open(struct intake *in, const char *path, char **errstr)
{
	struct vault *v = store_vault(in->st);
	char *data;
	size_t len;
	int fd, rv;

	if (v == NULL)
		return open(path, O_RDONLY | O_CLOEXEC);
	if ((rv = vault_read_file(v, path, SIZE_MAX, &data, &len,
	    errstr)) != 0)
		return -rv;
	if ((fd = memfd_create("setuplink-retry", MFD_CLOEXEC)) >= 0 &&
	    (fd_write_all(fd, data, len) != 0 || lseek(fd, 0, SEEK_SET) != 0)) {
		close(fd);
		fd = -1;
	}
	explicit_bzero(data, len);
	free(data);
	return fd;
}

/* A quarantined row, opened, as a descriptor as quarantine_open's. */
static int
quarantine_open_row(struct intake *in, const char *file, char **errstr)
{
	char *data;
	size_t len;
	int fd, rv;

	if ((rv = intake_kept_read(in->home, in->st, store_vault(in->st), file,
	    &data, &len, errstr)) != 0)
		return -rv;
	if ((fd = memfd_create("setuplink-retry", MFD_CLOEXEC)) >= 0 &&
	    (fd_write_all(fd, data, len) != 0 || lseek(fd, 0, SEEK_SET) != 0)) {
		close(fd);
		fd = -1;
	}
	explicit_bzero(data, len);
	free(data);
	return fd;
}

int
intake_retry(struct intake *in, const char *file, struct intake_decision *d,
    char **errstr)
{
	struct intake_raw raw;
	char *path;
	int fd, rv;

	memset(d, 0, sizeof *d);
	if (store_keeps_mail(in->st)) {
		if ((fd = quarantine_open_row(in, file, errstr)) < 0)
			return fd == -1 ? errorf(errstr, EX_TEMPFAIL, "cannot "
			    "read %s again: %s", file, strerror(errno)) : -fd;
	} else if (strchr(file, '/') != NULL || *file == '.' ||
	    (path = maildir_find(in->home->quarantine, file)) == NULL)
		return errorf(errstr, EX_NOINPUT, "the message file %s is no "
		    "longer in %s", file, in->home->quarantine);
	else {
		fd = quarantine_open(in, path, errstr);
		free(path);
		if (fd < 0)
			return fd == -1 ? errorf(errstr, EX_NOINPUT, "cannot "
			    "open %s in %s: %s", file, in->home->quarantine,
			    strerror(errno)) : -fd;
	}
	rv = intake_read(in, fd, false, &raw, errstr);
	close(fd);
	if (rv != 0)
		return rv;
	raw.qname = xstrdup(file);
	rv = intake_one(in, &raw, true, d, errstr);
	if (rv == 0 && in->opts.report != NULL)
		in->opts.report(d, in->opts.report_arg);
	intake_raw_free(&raw);
	return rv;
}

/*
 * Send what waits in the outmail queue.  One sender at a time (a lock
 * file, and on a shared store a lock every host takes), so that intakes
 * running side by side never send a receipt twice; a failure is logged
 * and the mail stays queued for the next run.  In three steps, so that
 * --maildir can write one batch's answers while it stores the next:
 * send_take reads the queue and holds the locks, send_write hands the
 * mail to the transport (no store), send_done notes what went.
 */
int
send_take(struct intake *in, struct send_queue *sq)
{
	char *lock, *err = NULL;

	memset(sq, 0, sizeof *sq);
	sq->lockfd = -1;
	if (in->opts.dry_run)
		return -1;
	lock = xprintf("%s/.send.lock", in->home->dir);
	sq->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (sq->lockfd >= 0)
		while (flock(sq->lockfd, LOCK_EX) != 0 && errno == EINTR)
			;
	if (store_lock(in->st, "send", true, &sq->locked, &err) != 0) {
		log_warnx("the mail to send stays queued: %s", err);
		goto fail;
	}
	if (outmail_pending(in->st, &sq->q, &sq->n, &err) != 0) {
		log_warnx("could not read the mail to send: %s", err);
		goto fail;
	}
	return 0;
fail:
	free(err);
	send_done(in, sq);
	return -1;
}

/* No store here: a thread of its own may run it. */
void
send_write(const struct intake *in, struct send_queue *sq)
{
	char *err = NULL;
	size_t i;
	int rv;

	/* Answers queued into outbox/ share their syncs; each is marked
	 * sent only once all of them are on disk. */
	maildir_batch_begin();
	for (i = 0; i < sq->n; i++) {
		const char *rcpt = sq->q[i].rcpt;
		rv = transport_send(in->cfg, in->home, NULL,
		    sq->q[i].envelope_from, &rcpt, 1, sq->q[i].data,
		    sq->q[i].len, &err);
		/* Refused for good, or an address no transport can carry:
		 * trying again would only hold up the rest of the queue. */
		if (rv == EX_UNAVAILABLE || rv == EX_DATAERR)
			log_warnx("the answer %s cannot be sent, and is dropped: "
			    "%s", sq->q[i].message_id, err);
		else if (rv != 0) {
			log_warnx("could not send the answer %s (it stays queued "
			    "for the next run): %s", sq->q[i].message_id, err);
			break;
		}
		freep(&err);
	}
	if (maildir_batch_end(&err) != 0) {
		log_warnx("the answers stay queued for the next run: %s", err);
		i = 0;
	}
	sq->sent = i;
	free(err);
}

void
send_done(struct intake *in, struct send_queue *sq)
{
	char *err = NULL;
	int64_t *ids;
	size_t i;

	if (sq->sent > 0) {
		ids = xcalloc(sq->sent, sizeof *ids);
		for (i = 0; i < sq->sent; i++)
			ids[i] = sq->q[i].id;
		if (outmail_done_all(in->st, ids, sq->sent, &err) != 0)
			log_warnx("sent %zu answer%s but could not note it: %s",
			    sq->sent, sq->sent == 1 ? "" : "s", err);
		free(ids);
	}
	if (sq->locked)
		store_unlock(in->st, "send");
	free(err);
	outmail_free(&sq->q, sq->n);
	if (sq->lockfd >= 0)
		close(sq->lockfd);
	memset(sq, 0, sizeof *sq);
	sq->lockfd = -1;
}

void
intake_send_queued(struct intake *in)
{
	struct send_queue sq;

	if (send_take(in, &sq) != 0)
		return;
	send_write(in, &sq);
	send_done(in, &sq);
}

char *
intake_decision_line(const struct intake_decision *d)
{
	struct buf b;
	char *s;

	buf_init(&b);
	buf_adds(&b, outcome_name(d->outcome));
	if (d->reason != NULL)
		buf_printf(&b, " (%s)", d->reason);
	buf_adds(&b, ":");
	if (d->link != 0)
		buf_printf(&b, " link %lld, draft %lld:", (long long)d->link,
		    (long long)d->draft);
	if (d->outcome == OUTCOME_ACCEPTED && d->fields != NULL)
		buf_printf(&b, " %s", d->fields);
	else if (d->detail != NULL) {
		s = str_safe(d->detail);
		buf_printf(&b, " %s", s);
		free(s);
	}
	return buf_take(&b);
}

void
intake_decision_free(struct intake_decision *d)
{
	free(d->detail);
	free(d->quarantine);
	free(d->sender);
	free(d->fields);
	free(d->file);
	memset(d, 0, sizeof *d);
}

/* on_submit: the admin's own command, told which draft and link (never a value). */
void
intake_after(struct intake *in, const struct intake_decision *d)
{
	char draft[32], link[32];
	pid_t pid;
	int status, fd;

	/* A sign-in's values are not merged yet: its worker runs this. */
	if (d->outcome != OUTCOME_ACCEPTED || d->signin != 0 ||
	    in->cfg->on_submit == NULL ||
	    *in->cfg->on_submit == '\0' || in->opts.dry_run)
		return;
	snprintf(draft, sizeof draft, "%lld", (long long)d->draft);
	snprintf(link, sizeof link, "%lld", (long long)d->link);
	if ((pid = fork()) < 0) {
		log_warn("on_submit: cannot start /bin/sh");
		return;
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(STDERR_FILENO, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		setenv("SETUPLINK_DRAFT", draft, 1);
		setenv("SETUPLINK_LINK", link, 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", in->cfg->on_submit, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("on_submit failed (%s %d) for draft %s, link %s",
		    WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status), draft, link);
}
