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

int
cmd_init(struct session *ctx, int argc, char **argv, char **errstr)
{
	struct home_params p;
	const char *workspace = NULL, *admin = NULL, *intake = NULL;
	const char *transport = NULL;
	char *fpr = NULL;
	bool force = false, json = false;
	int c, rv;

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
	p.workspace = workspace;
	p.admin = admin;
	p.intake = intake;
	p.transport = transport;
	p.force = force;
	if ((rv = home_create(ctx, &p, &fpr, errstr)) != 0)
		goto out;
	if (json) {
		json_t *j = json_object();
		json_object_set_new(j, "home", json_string(ctx->home.dir));
		json_object_set_new(j, "fingerprint", json_string(fpr));
		json_out(j);
	} else {
		printf("Created the setuplink home %s\n", ctx->home.dir);
		printf("Workspace key for %s: %s\n", intake, fpr);
		printf("Tell recipients this fingerprint by another channel "
		    "than email.\n");
	}
out:
	free(fpr);
	return rv;
}
