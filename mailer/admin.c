/* admin.c: what an admin does, once for `setuplink init`, `draft new`,
 * `draft set` and `draft rm` and for the interface's screens that do the
 * same, so that the two cannot drift apart. */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/admin.h"
#include "mailer/pgp/pgp.h"
#include "mailer/send/send.h"

/* ---- The home ---- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Start over: remove what an earlier init made, and only that. */
static int
home_remove_parts(const struct home *h, char **errstr)
{
	const char *dirs[] = { h->gnupg, h->outbox, h->quarantine };
	size_t i;

	for (i = 0; i < nitems(dirs); i++)
		nftw(dirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	unlink(h->config);
	vault_destroy(h->dir);
	return store_destroy(h->db, errstr);
}

/* Everything that can be refused before the home is touched. */
static int
home_check(const struct home *h, const struct home_params *p,
    struct config *cfg, char **errstr)
{
	char *local = NULL, *domain = NULL;
	int rv = 0;

	if (*p->workspace == '\0' || str_has_ctl(p->workspace) ||
	    strlen(p->workspace) > 100)
		return errorf(errstr, EX_DATAERR, "the workspace name must be "
		    "one line of 1 to 100 characters");
	if (config_set(cfg, "workspace", p->workspace, errstr) != 0 ||
	    config_set(cfg, "admin", p->admin, errstr) != 0 ||
	    config_set(cfg, "intake", p->intake, errstr) != 0 ||
	    (p->transport != NULL &&
	    config_set(cfg, "transport", p->transport, errstr) != 0))
		return EX_USAGE;
	address_split(p->intake, &local, &domain);
	if (strchr(local, '+') != NULL)
		rv = errorf(errstr, EX_USAGE, "the intake address may not hold "
		    "'+': setuplink adds +TOKEN to it for each link");
	else if (p->database != NULL && !store_is_shared(p->database))
		rv = errorf(errstr, EX_USAGE, "--database takes a "
		    "postgresql:// URI (libpq's)");
	else if (p->database != NULL && config_set(cfg, "database",
	    p->database, errstr) != 0)
		rv = EX_USAGE;
	else if (home_exists(h) && !p->force)
		rv = errorf(errstr, EX_USAGE, "%s is already a setuplink home: "
		    "give --force to replace its database, key and mail",
		    h->dir);
	free(local);
	free(domain);
	return rv;
}

/*
 * The home's own SQLite database, or a new shared store: one that holds
 * a store already belongs to another home (init --join is for that), and
 * what the next homes need to know of the workspace goes into it.
 */
static int
home_store(const struct home *h, const struct home_params *p,
    struct store **st, char **errstr)
{
	unsigned char tkey[32];
	char host[256], *err = NULL;
	int rv;

	if (p->database == NULL)
		return store_open(h->db, STORE_CREATE, 5000, st, errstr);
	if ((rv = store_open(p->database, 0, 5000, st, &err)) == 0) {
		store_close(st);
		return errorf(errstr, EX_USAGE, "the database already holds a "
		    "setuplink store: give setuplink init --join URI to make "
		    "a home for it");
	}
	if (rv != EX_CONFIG) {
		if (errstr != NULL)
			*errstr = err;
		else
			free(err);
		return rv;
	}
	free(err);
	if (gethostname(host, sizeof host) != 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	/* The token key now, not at the first link: every home must share
	 * this one, so it has to exist before the next home copies it. */
	if ((rv = store_open(p->database, STORE_CREATE, 5000, st,
	    errstr)) != 0 ||
	    (rv = share_token_key(h, tkey, errstr)) != 0 ||
	    (rv = store_begin(*st, errstr)) != 0)
		return rv;
	explicit_bzero(tkey, sizeof tkey);
	if ((rv = store_setting_set(*st, "workspace", p->workspace,
	    errstr)) != 0 ||
	    (rv = store_setting_set(*st, "admin", p->admin, errstr)) != 0 ||
	    (rv = store_setting_set(*st, "intake", p->intake, errstr)) != 0 ||
	    (rv = store_setting_set(*st, "first_host", host, errstr)) != 0 ||
	    (rv = store_setting_set(*st, "first_home", h->dir, errstr)) != 0) {
		store_rollback(*st);
		return rv;
	}
	return store_commit(*st, errstr);
}

int
home_join(struct session *s, const char *uri, bool force,
    struct home_join_info *info, char **errstr)
{
	const struct home *h = &s->home;
	const char *keys[] = { "workspace", "admin", "intake" };
	struct config cfg;
	struct store *st = NULL;
	char *v = NULL;
	size_t i;
	int rv;

	memset(info, 0, sizeof *info);
	config_defaults(&cfg);
	if (!store_is_shared(uri)) {
		rv = errorf(errstr, EX_USAGE, "--join takes the postgresql:// "
		    "URI the first home was made with (init --database)");
		goto out;
	}
	if (home_exists(h) && !force) {
		rv = errorf(errstr, EX_USAGE, "%s is already a setuplink home: "
		    "give another --home, or --force to replace it", h->dir);
		goto out;
	}
	if ((rv = store_open(uri, 0, 5000, &st, errstr)) != 0)
		goto out;
	for (i = 0; i < nitems(keys); i++) {
		if ((rv = store_setting_get(st, keys[i], &v, errstr)) != 0)
			goto out;
		if (v == NULL) {
			rv = errorf(errstr, EX_CONFIG, "the shared store does "
			    "not say its %s: it was not made by setuplink init "
			    "--database", keys[i]);
			goto out;
		}
		rv = config_set(&cfg, keys[i], v, errstr);
		freep(&v);
		if (rv != 0)
			goto out;
	}
	if ((rv = config_set(&cfg, "database", uri, errstr)) != 0 ||
	    (rv = store_setting_get(st, "workspace", &info->workspace,
	    errstr)) != 0 ||
	    (rv = store_setting_get(st, "first_host", &info->first_host,
	    errstr)) != 0 ||
	    (rv = store_setting_get(st, "first_home", &info->first_home,
	    errstr)) != 0)
		goto out;
	if (force)
		unlink(h->config);
	if ((rv = dir_make(h->dir, errstr)) != 0 ||
	    (rv = dir_make(h->gnupg, errstr)) != 0 ||
	    (rv = dir_make(h->connectors, errstr)) != 0 ||
	    (rv = maildir_make(h->outbox, errstr)) != 0 ||
	    (rv = maildir_make(h->quarantine, errstr)) != 0)
		goto out;
	chmod(h->dir, 0700);
	chmod(h->gnupg, 0700);
	rv = config_write(h->config, &cfg, errstr);
out:
	if (rv != 0)
		home_join_info_free(info);
	store_close(&st);
	config_free(&cfg);
	return rv;
}

void
home_join_info_free(struct home_join_info *info)
{
	freep(&info->workspace);
	freep(&info->first_host);
	freep(&info->first_home);
}

int
home_create(struct session *s, const struct home_params *p, char **fpr,
    char **errstr)
{
	const struct home *h = &s->home;
	struct config cfg;
	struct crypto *cr = NULL;
	struct store *st = NULL;
	struct vault *v = NULL;
	char *uid = NULL;
	bool fresh;
	int rv;

	*fpr = NULL;
	config_defaults(&cfg);
	if ((rv = home_check(h, p, &cfg, errstr)) != 0)
		goto out;
	fresh = access(h->dir, F_OK) != 0;
	if ((p->force && (rv = home_remove_parts(h, errstr)) != 0) ||
	    (rv = dir_make(h->dir, errstr)) != 0 ||
	    (rv = dir_make(h->gnupg, errstr)) != 0 ||
	    (rv = dir_make(h->connectors, errstr)) != 0 ||
	    (rv = maildir_make(h->outbox, errstr)) != 0 ||
	    (rv = maildir_make(h->quarantine, errstr)) != 0)
		goto fail;
	chmod(h->dir, 0700);
	if ((rv = home_store(h, p, &st, errstr)) != 0 ||
	    (rv = vault_load(h->dir, true, &v, errstr)) != 0 ||
	    (rv = crypto_open(h->gnupg, 60, &cr, errstr)) != 0)
		goto fail;
	uid = xprintf("%s (setuplink) <%s>", p->workspace, cfg.intake);
	if ((rv = crypto_keygen(cr, uid, fpr, errstr)) != 0)
		goto fail;
	/* The configuration last: its presence is what makes a home. */
	if ((rv = config_write(h->config, &cfg, errstr)) != 0)
		goto fail;
	goto out;
fail:
	crypto_close(&cr);
	store_close(&st);
	freep(fpr);
	if (fresh || p->force)
		vault_destroy(h->dir);
	if (fresh) {
		home_remove_parts(h, NULL);
		nftw(h->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
out:
	crypto_close(&cr);
	store_close(&st);
	vault_free(&v);
	config_free(&cfg);
	free(uid);
	return rv;
}

/* ---- Drafts ---- */

size_t
value_read_limit(const struct session *s, const struct field_def *f)
{
	if (f->type != FT_FILE)
		return 65537;
	return (size_t)(f->max_size > 0 ? f->max_size :
	    s->cfg.max_file_size) + 1;
}

int
draft_name_check(const char *name, char **errstr)
{
	if (*name == '\0')
		return errorf(errstr, EX_DATAERR, "the draft needs a name");
	if (str_has_ctl(name) || strlen(name) > 200)
		return errorf(errstr, EX_DATAERR, "a draft name is one line of "
		    "at most 200 characters without control characters");
	return 0;
}

/* Values checked and made canonical, ready for draft_write. */
struct values {
	struct field_write *w;
	size_t		 n;
	struct buf	 bad;		/* every problem, "; " between */
};

static void
values_problem(struct values *v, struct value_input *in, const char *what)
{
	buf_printf(&v->bad, "%s%s", v->bad.len ? "; " : "", what);
	in->bad = true;
}

/*
 * Validate each value against its field.  skip_default leaves out a value
 * equal to the field's default (a new draft has it already).
 */
static void
values_check(const struct session *s, const struct connector *c,
    struct value_input *in, size_t n, bool skip_default, struct values *v)
{
	const struct field_def *f;
	char *canon, *err = NULL, *what;
	size_t i;

	v->w = xcalloc(n + 1, sizeof *v->w);
	for (i = 0; i < n; i++) {
		in[i].bad = in[i].cleared = false;
		if (in[i].error != NULL) {
			values_problem(v, &in[i], in[i].error);
			continue;
		}
		if ((f = connector_field(c, in[i].key)) == NULL) {
			what = xprintf("%s: not a field of %s", in[i].key,
			    c->key);
			values_problem(v, &in[i], what);
			free(what);
			continue;
		}
		if (field_validate(f, in[i].raw, in[i].len,
		    s->cfg.max_file_size, &canon, &err) != 0) {
			values_problem(v, &in[i], err);
			freep(&err);
			continue;
		}
		in[i].cleared = f->type == FT_FILE ? in[i].len == 0 :
		    *canon == '\0';
		if (skip_default && f->dflt != NULL &&
		    strcmp(f->dflt, canon) == 0) {
			free(canon);
			continue;
		}
		v->w[v->n].key = f->key;
		v->w[v->n].value = canon;
		v->w[v->n].len = f->type == FT_FILE ? in[i].len : strlen(canon);
		v->n++;
	}
}

/* Values are secrets as often as not: wiped before they are freed. */
static void
values_free(struct values *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		memset((char *)v->w[i].value, 0, v->w[i].len);
		free((char *)v->w[i].value);
	}
	free(v->w);
	buf_free(&v->bad);
}

static int
values_write(struct session *s, int64_t draft, const struct values *v,
    char **errstr)
{
	struct source src;

	memset(&src, 0, sizeof src);
	src.kind = SOURCE_ADMIN;
	src.from = s->cfg.admin_email;
	src.at = time_now();
	return draft_write(s->st, draft, v->w, v->n, &src, NULL, errstr);
}

int
draft_new(struct session *s, const struct connector *c, const char *name,
    struct value_input *in, size_t n, int64_t *id, char **errstr)
{
	struct values v;
	char *err = NULL;
	int rv;

	memset(&v, 0, sizeof v);
	buf_init(&v.bad);
	if (draft_name_check(name, &err) != 0) {
		buf_adds(&v.bad, err);
		free(err);
	}
	values_check(s, c, in, n, true, &v);
	if (v.bad.len > 0) {
		rv = errorf(errstr, EX_DATAERR, "%s", v.bad.data);
		goto out;
	}
	if ((rv = store_begin(s->st, errstr)) != 0)
		goto out;
	if ((rv = draft_create(s->st, c, name, s->cfg.admin_email, id,
	    errstr)) != 0 || (v.n > 0 && (rv = values_write(s, *id, &v,
	    errstr)) != 0) || (rv = store_commit(s->st, errstr)) != 0)
		store_rollback(s->st);
out:
	values_free(&v);
	return rv;
}

int
draft_set_values(struct session *s, int64_t draft, const struct connector *c,
    struct value_input *in, size_t n, char **errstr)
{
	struct values v;
	int rv;

	memset(&v, 0, sizeof v);
	buf_init(&v.bad);
	values_check(s, c, in, n, false, &v);
	if (v.bad.len > 0)
		rv = errorf(errstr, EX_DATAERR, "%s", v.bad.data);
	else
		rv = values_write(s, draft, &v, errstr);
	values_free(&v);
	return rv;
}

/*
 * After the commit: the setup emails of the links, if they still wait in
 * outbox/ (or were refused), must not leave for a link that is over.
 * What cannot be removed is said, not fatal: the link is revoked already,
 * and the intake refuses a reply to it.
 */
static void
links_unqueue(struct session *s, struct link **v, size_t n)
{
	size_t i, k;
	char *err = NULL;

	for (i = 0; i < n; i++) {
		if (v[i]->message_id == NULL)
			continue;
		if (outbox_drop(&s->home, v[i]->message_id, &k, &err) != 0) {
			log_warnx("link %lld is revoked but its setup email "
			    "could not be removed from outbox/: %s; remove it "
			    "by hand", (long long)v[i]->id, err);
			freep(&err);
		} else if (k > 0)
			log_debug("link %lld: its queued setup email removed",
			    (long long)v[i]->id);
	}
}

int
link_withdraw(struct session *s, int64_t id, const char *by, char **errstr)
{
	struct link *l = NULL;
	int rv;

	if ((rv = link_revoke(s->st, id, by, errstr)) != 0)
		return rv;
	if (link_get(s->st, id, &l, NULL) == 0)
		links_unqueue(s, &l, 1);
	link_free(&l);
	return 0;
}

int
draft_connector(const struct session *s, const struct draft *d,
    const struct connector **c, const char **method, char **errstr)
{
	const struct field_value *mv;

	*method = NULL;
	if ((*c = catalog_find(s->cat, d->connector)) == NULL)
		return errorf(errstr, EX_CONFIG, "the connector '%s' is no "
		    "longer in the catalog", d->connector);
	if ((*c)->method_field != NULL &&
	    (mv = draft_value(d, (*c)->method_field)) != NULL && mv->len > 0)
		*method = mv->value;
	return 0;
}

int
draft_get_revealed(struct session *s, int64_t draft, struct draft **out,
    char **errstr)
{
	int rv;

	if ((rv = draft_get(s->st, s->cat, draft, out, errstr)) != 0)
		return rv;
	if ((rv = draft_reveal(s->st, *out, errstr)) != 0)
		draft_free(out);
	return rv;
}

int
draft_delete(struct session *s, int64_t draft, char **errstr)
{
	struct message_record *q = NULL;
	struct link **links = NULL;
	size_t nq = 0, nlinks = 0, i;
	char *path;
	int rv;

	if ((rv = store_begin(s->st, errstr)) != 0)
		return rv;
	if ((rv = link_list(s->st, draft, &links, &nlinks, errstr)) == 0 &&
	    (rv = draft_remove(s->st, draft, s->cfg.admin_email,
	    errstr)) == 0 &&
	    (rv = quarantine_list(s->st, &q, &nq, errstr)) == 0) {
		for (i = 0; i < nq && rv == 0; i++) {
			if (q[i].draft == draft && q[i].quarantine != NULL)
				rv = quarantine_forget(s->st, q[i].quarantine,
				    errstr);
			/* On a shared store the message goes with its
			 * entry, in the same transaction. */
			if (rv == 0 && q[i].draft == draft &&
			    q[i].quarantine != NULL && store_keeps_mail(s->st))
				rv = kept_remove(s->st, q[i].quarantine, errstr);
		}
	}
	if (rv == 0)
		rv = store_commit(s->st, errstr);
	else
		store_rollback(s->st);
	/* After the commit: a file left behind is only mail, not a value. */
	for (i = 0; i < nq && rv == 0; i++) {
		if (q[i].draft != draft || q[i].quarantine == NULL ||
		    (path = maildir_find(s->home.quarantine,
		    q[i].quarantine)) == NULL)
			continue;
		unlink(path);
		free(path);
	}
	if (rv == 0)
		links_unqueue(s, links, nlinks);
	links_free(&links, nlinks);
	message_records_free(&q, nq);
	return rv;
}
