/* cmd-init.c: setuplink init: a private home with its configuration, the
 * database, the outbox and quarantine Maildirs, and the workspace's
 * OpenPGP key (no passphrase, so the intake can run unattended); made by
 * home_create, which the interface's first run calls too. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int	cmd_init(struct session *, const struct args *, char **);

static const struct cmd_option cmd_init_options[] = {
	{ "workspace", 0, "NAME", CMD_OPT_REQUIRED,
	  "who asks, shown in every email" },
	{ "admin", 0, "\"NAME <EMAIL>\"", CMD_OPT_REQUIRED,
	  "the admin, whom replies to our answers reach" },
	{ "intake", 0, "ADDRESS", CMD_OPT_REQUIRED,
	  "where replies arrive, without '+'" },
	{ "transport", 0, "T", 0, "how mail leaves (default maildir)" },
	{ "force", 0, NULL, 0, "replace an existing home's database, key "
	  "and mail" },
	{ "json", 0, NULL, 0, "print {home, fingerprint}" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.args = { "", 0, 0, NULL },
	.options = cmd_init_options,
	.help = "create the home, its database and the workspace's OpenPGP key",
	.session = 0,
	.exec = cmd_init,
};

static int
cmd_init(struct session *ctx, const struct args *args, char **errstr)
{
	struct home_params p;
	char *fpr = NULL;
	int rv;

	memset(&p, 0, sizeof p);
	p.workspace = args_get(args, "workspace");
	p.admin = args_get(args, "admin");
	p.intake = args_get(args, "intake");
	p.transport = args_get(args, "transport");
	p.force = args_has(args, "force");
	if ((rv = home_create(ctx, &p, &fpr, errstr)) != 0)
		return rv;
	if (args_has(args, "json")) {
		json_t *j = json_object();
		json_object_set_new(j, "home", json_string(ctx->home.dir));
		json_object_set_new(j, "fingerprint", json_string(fpr));
		json_out(j);
	} else {
		printf("Created the setuplink home %s\n", ctx->home.dir);
		printf("Workspace key for %s: %s\n", p.intake, fpr);
		printf("Tell recipients this fingerprint by another channel "
		    "than email.\n");
	}
	free(fpr);
	return 0;
}
