/* intake-sweep.c: quarantine/ aged out, at most once an hour, by the
 * intake that runs then: kept messages past quarantine_days, copies no
 * log entry names, and what a kill left in tmp/. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/intake/private.h"

#define SWEEP_EVERY	3600		/* seconds between quarantine sweeps */
#define ORPHAN_AGE	3600		/* an unrecorded copy older than this */
#define TMP_AGE		(36 * 3600)	/* a file left in tmp/ (maildir(5)) */

static bool
intake_recorded(const struct message_record *q, size_t n, const char *name)
{
	size_t i, len = strcspn(name, ":");

	for (i = 0; i < n; i++) {
		if (q[i].quarantine != NULL && strlen(q[i].quarantine) == len &&
		    strncmp(q[i].quarantine, name, len) == 0)
			return true;
	}
	return false;
}

/* Files a delivery killed before its rename left in DIR/tmp/ (a batch
 * holds its files there until they are synced): gone after 36 hours. */
static void
intake_sweep_tmp(const char *dir, time_t now)
{
	struct stat st;
	char **names = NULL, *p;
	size_t n = 0, i;

	maildir_list(dir, "tmp", &names, &n);
	for (i = 0; i < n; i++) {
		p = xprintf("%s/tmp/%s", dir, names[i]);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > TMP_AGE)
			unlink(p);
		free(p);
	}
	strv_free(&names, n);
}

/*
 * Age out quarantine/, at most once an hour: a message kept longer than
 * quarantine_days goes (its log entry stays, without the file), and so
 * does a copy that no log entry names (an intake that died between its
 * commit and the removal of an accepted message's copy), and what a kill
 * left in quarantine/tmp/ and outbox/tmp/.
 */
void
intake_sweep(struct intake *in)
{
	static const char *subs[] = { "new", "cur" };
	struct message_record *q = NULL;
	struct stat st;
	char *stamp, **names = NULL, *p, *err = NULL;
	size_t nq = 0, n = 0, i, s;
	time_t now = time(NULL);
	int64_t t;
	int fd;

	if (in->opts.dry_run)
		return;
	stamp = xprintf("%s/.swept", in->home->quarantine);
	if (stat(stamp, &st) == 0 && now - st.st_mtime < SWEEP_EVERY &&
	    st.st_mtime <= now) {
		free(stamp);
		return;
	}
	if ((fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
	free(stamp);
	intake_sweep_tmp(in->home->quarantine, now);
	intake_sweep_tmp(in->home->outbox, now);
	if (store_keeps_mail(in->st)) {
		/* Rows: one statement for every host's, on the clock that
		 * dated them (time_now, which tests can move), where files
		 * age by their mtime on the real one. */
		t = time_now();
		kept_sweep(in->st, t - in->cfg->quarantine_days * 86400,
		    t - ORPHAN_AGE, &err);
		goto out;
	}
	if (quarantine_list(in->st, &q, &nq, &err) != 0)
		goto out;
	for (s = 0; s < nitems(subs); s++) {
		maildir_list(in->home->quarantine, subs[s], &names, &n);
		for (i = 0; i < n; i++) {
			bool kept = intake_recorded(q, nq, names[i]);
			p = xprintf("%s/%s/%s", in->home->quarantine, subs[s],
			    names[i]);
			if (stat(p, &st) == 0 && ((!kept && now - st.st_mtime >
			    ORPHAN_AGE) || (kept && now - st.st_mtime >
			    in->cfg->quarantine_days * 86400))) {
				char *base = xstrndup(names[i],
				    strcspn(names[i], ":"));
				if (!kept || quarantine_forget(in->st, base,
				    &err) == 0)
					unlink(p);
				freep(&err);
				free(base);
			}
			free(p);
		}
		strv_free(&names, n);
	}
out:
	if (err != NULL)
		log_debug("quarantine sweep: %s", err);
	free(err);
	message_records_free(&q, nq);
}
