/* crypto-wait.c: waiting for gpg in an event loop of our own, through
 * gpgme's user I/O callbacks: poll() sleeps on gpg's pipes until one has
 * something or the deadline comes, so a wait never costs a core. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

#define WAIT_SLICE_MS	1000	/* longest sleep without a deadline */

static gpgme_error_t
crypto_loop_add(void *data, int fd, int dir, gpgme_io_cb_t fnc,
    void *fnc_data, void **tag)
{
	struct crypto_loop *l = data;
	size_t i;

	for (i = 0; i < nitems(l->fds); i++) {
		if (!l->fds[i].used) {
			l->fds[i].used = true;
			l->fds[i].fd = fd;
			l->fds[i].dir = dir;
			l->fds[i].fnc = fnc;
			l->fds[i].fnc_data = fnc_data;
			*tag = &l->fds[i];
			return 0;
		}
	}
	return gpg_error(GPG_ERR_GENERAL);
}

static void
crypto_loop_remove(void *tag)
{
	struct crypto_fd *f = tag;

	f->used = false;
	f->fd = -1;
}

static void
crypto_loop_event(void *data, gpgme_event_io_t type, void *type_data)
{
	struct crypto_loop *l = data;
	gpgme_io_event_done_data_t done = type_data;

	if (type != GPGME_EVENT_DONE)
		return;
	l->done = true;
	if (done != NULL) {
		l->err = done->err;
		l->op_err = done->op_err;
	}
}

/* Before an operation's _start: its pipes come to this loop. */
void
crypto_loop_attach(gpgme_ctx_t ctx, struct crypto_loop *l)
{
	struct gpgme_io_cbs cbs;

	memset(l, 0, sizeof *l);
	memset(&cbs, 0, sizeof cbs);
	cbs.add = crypto_loop_add;
	cbs.add_priv = l;
	cbs.remove = crypto_loop_remove;
	cbs.event = crypto_loop_event;
	cbs.event_priv = l;
	gpgme_set_io_cbs(ctx, &cbs);
}

/* After it: the context goes back to gpgme's own loops. */
void
crypto_loop_detach(gpgme_ctx_t ctx)
{
	struct gpgme_io_cbs cbs;

	memset(&cbs, 0, sizeof cbs);
	gpgme_set_io_cbs(ctx, &cbs);
}

/* Milliseconds left until the deadline (0: passed), or a slice. */
static int
crypto_loop_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	if (deadline == NULL)
		return WAIT_SLICE_MS;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000L +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000L;
	return ms <= 0 ? 0 : ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : (int)ms;
}

/* Hand each ready pipe to gpgme; one it removed meanwhile is skipped. */
static void
crypto_loop_dispatch(struct crypto_loop *l, struct pollfd *p,
    struct crypto_fd **which, size_t n)
{
	short want;
	size_t i;

	for (i = 0; i < n && !l->done; i++) {
		want = which[i]->dir ? POLLIN : POLLOUT;
		if (!(p[i].revents & (want | POLLHUP | POLLERR | POLLNVAL)) ||
		    !which[i]->used || which[i]->fd != p[i].fd)
			continue;
		(void)which[i]->fnc(which[i]->fnc_data, p[i].fd);
	}
}

/*
 * Run the loop until gpgme says the operation is done, or the deadline
 * (NULL: none) passes: then it is cancelled and *late set.  With no pipe
 * left to watch and no end announced, the loop sleeps rather than spins.
 * The context is detached on return.
 */
gpgme_error_t
crypto_loop_wait(gpgme_ctx_t ctx, struct crypto_loop *l,
    const struct timespec *deadline, bool *late)
{
	struct pollfd p[nitems(l->fds)];
	struct crypto_fd *which[nitems(l->fds)];
	size_t i, n;
	int left;

	*late = false;
	while (!l->done) {
		if ((left = crypto_loop_left(deadline)) == 0) {
			*late = true;
			gpgme_cancel(ctx);
			break;
		}
		for (i = n = 0; i < nitems(l->fds); i++) {
			if (!l->fds[i].used)
				continue;
			p[n].fd = l->fds[i].fd;
			p[n].events = l->fds[i].dir ? POLLIN : POLLOUT;
			p[n].revents = 0;
			which[n++] = &l->fds[i];
		}
		if (poll(p, n, left) < 0 && errno != EINTR) {
			gpgme_cancel(ctx);
			break;
		}
		crypto_loop_dispatch(l, p, which, n);
	}
	crypto_loop_detach(ctx);
	if (*late)
		return gpg_error(GPG_ERR_TIMEOUT);
	if (!l->done)
		return gpg_error(GPG_ERR_GENERAL);
	return l->err != 0 ? l->err : l->op_err;
}
