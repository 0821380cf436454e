/* cmd-init.c: setuplink init: a private home with its configuration, the
 * database, the outbox and quarantine Maildirs, and the workspace's
 * OpenPGP key (no passphrase, so the intake can run unattended). */
#include <sys/stat.h>

#include <ftw.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

static const struct option init_opts[] = {
	{ "workspace", required_argument, NULL, 'w' },
	{ "admin", required_argument, NULL, 'a' },
	{ "intake", required_argument, NULL, 'i' },
	{ "transport", required_argument, NULL, 't' },
	{ "force", no_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Start over: --force removes what an earlier init made, and only that. */
static void
remove_home_parts(const struct home *h)
{
	const char *dirs[] = { h->gnupg, h->outbox, h->quarantine };
	char *p;
	size_t i;

	for (i = 0; i < nitems(dirs); i++)
		nftw(dirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	unlink(h->db);
	p = xprintf("%s-wal", h->db);
	unlink(p);
	free(p);
	p = xprintf("%s-shm", h->db);
	unlink(p);
	free(p);
	unlink(h->config);
}

int
cmd_init(struct session *ctx, int argc, char **argv, char **errstr)
{
	struct config cfg;
	struct crypto *cr = NULL;
	struct store *st = NULL;
	const char *workspace = NULL, *admin = NULL, *intake = NULL;
	const char *transport = NULL;
	char *fpr = NULL, *uid = NULL, *local = NULL, *domain = NULL;
	bool force = false, json = false, fresh;
	int c, rv;

	config_defaults(&cfg);
	while ((c = cmd_getopt(argc, argv, "h", init_opts)) != -1) {
		switch (c) {
		case 'w': workspace = optarg; break;
		case 'a': admin = optarg; break;
		case 'i': intake = optarg; break;
		case 't': transport = optarg; break;
		case 'f': force = true; break;
		case 'j': json = true; break;
		default:
			rv = cmd_bad_usage(errstr, "init", "unknown option");
			goto out;
		}
	}
	if (optind != argc || workspace == NULL || admin == NULL ||
	    intake == NULL) {
		rv = cmd_bad_usage(errstr, "init", "--workspace, --admin and "
		    "--intake are required");
		goto out;
	}
	if (*workspace == '\0' || str_has_ctl(workspace) ||
	    strlen(workspace) > 100) {
		rv = errorf(errstr, EX_DATAERR, "the workspace name must be one "
		    "line of 1 to 100 characters");
		goto out;
	}
	if ((rv = config_set(&cfg, "workspace", workspace, errstr)) != 0 ||
	    (rv = config_set(&cfg, "admin", admin, errstr)) != 0 ||
	    (rv = config_set(&cfg, "intake", intake, errstr)) != 0 ||
	    (transport != NULL &&
	    (rv = config_set(&cfg, "transport", transport, errstr)) != 0)) {
		rv = EX_USAGE;
		goto out;
	}
	address_split(intake, &local, &domain);
	if (strchr(local, '+') != NULL) {
		rv = errorf(errstr, EX_USAGE, "the intake address may not hold "
		    "'+': setuplink adds +TOKEN to it for each link");
		goto out;
	}
	if (home_exists(&ctx->home) && !force) {
		rv = errorf(errstr, EX_USAGE, "%s is already a setuplink home: "
		    "give --force to replace its database, key and mail",
		    ctx->home.dir);
		goto out;
	}
	fresh = access(ctx->home.dir, F_OK) != 0;
	if (force)
		remove_home_parts(&ctx->home);
	if ((rv = dir_make(ctx->home.dir, errstr)) != 0 ||
	    (rv = dir_make(ctx->home.gnupg, errstr)) != 0 ||
	    (rv = dir_make(ctx->home.connectors, errstr)) != 0 ||
	    (rv = maildir_make(ctx->home.outbox, errstr)) != 0 ||
	    (rv = maildir_make(ctx->home.quarantine, errstr)) != 0)
		goto fail;
	chmod(ctx->home.dir, 0700);
	if ((rv = store_open(ctx->home.db, STORE_CREATE, 5000, &st,
	    errstr)) != 0)
		goto fail;
	if ((rv = crypto_open(ctx->home.gnupg, 60, &cr, errstr)) != 0)
		goto fail;
	uid = xprintf("%s (setuplink) <%s>", workspace, cfg.intake);
	if ((rv = crypto_keygen(cr, uid, &fpr, errstr)) != 0)
		goto fail;
	/* The configuration last: its presence is what makes a home. */
	if ((rv = config_write(ctx->home.config, &cfg, errstr)) != 0)
		goto fail;
	if (json) {
		json_t *j = json_object();
		json_object_set_new(j, "home", json_string(ctx->home.dir));
		json_object_set_new(j, "fingerprint", json_string(fpr));
		json_out(j);
	} else {
		printf("Created the setuplink home %s\n", ctx->home.dir);
		printf("Workspace key for %s: %s\n", cfg.intake, fpr);
		printf("Tell recipients this fingerprint by another channel "
		    "than email.\n");
	}
	goto out;
fail:
	crypto_close(&cr);
	store_close(&st);
	if (fresh) {
		remove_home_parts(&ctx->home);
		nftw(ctx->home.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
out:
	crypto_close(&cr);
	store_close(&st);
	config_free(&cfg);
	free(fpr);
	free(uid);
	free(local);
	free(domain);
	return rv;
}
