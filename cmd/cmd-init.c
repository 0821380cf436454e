/* cmd-init.c: setuplink init: a private home with its configuration, the
 * database, the outbox and quarantine Maildirs, and the workspace's
 * OpenPGP key (no passphrase, so the intake can run unattended); made by
 * home_create, which the interface's first run calls too. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int	cmd_init(struct session *, const struct args *, char **);
static int	cmd_init_join(struct session *, const struct args *, char **);

static const struct cmd_option cmd_init_options[] = {
	{ "workspace", 0, "NAME", 0,
	  "who asks, shown in every email (required unless --join)" },
	{ "admin", 0, "\"NAME <EMAIL>\"", 0,
	  "the admin, whom replies to our answers reach" },
	{ "intake", 0, "ADDRESS", 0,
	  "where replies arrive, without '+'" },
	{ "transport", 0, "T", 0, "how mail leaves (default maildir)" },
	{ "database", 0, "URI", 0, "a postgresql:// URI: a new store shared "
	  "by several hosts, this home its first" },
	{ "join", 0, "URI", 0, "make a home for the shared store at URI "
	  "(another host's), and say which keys to copy" },
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

/* A word for sh: in single quotes, a quote inside as '\''. */
static char *
shell_quote(const char *s)
{
	struct buf b;

	buf_init(&b);
	buf_addc(&b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_adds(&b, "'\\''");
		else
			buf_addc(&b, *s);
	}
	buf_addc(&b, '\'');
	return buf_take(&b);
}

/*
 * A home for a shared store: what to copy from the first home, and two
 * ways to do it over SSH, pulled from here or pushed from there.  The
 * files are the workspace's OpenPGP key (gnupg/, without the agent's
 * sockets), the vault key and the token key.
 */
static int
cmd_init_join(struct session *ctx, const struct args *args, char **errstr)
{
	struct home_join_info info;
	const char *files = "gnupg vault.pub vault.key token.key";
	char *host, *home, *me;
	int rv;

	if (args_get(args, "database") != NULL ||
	    args_get(args, "workspace") != NULL)
		return errorf(errstr, EX_USAGE, "--join takes its workspace "
		    "and database from the shared store: give it alone");
	if ((rv = home_join(ctx, args_get(args, "join"),
	    args_has(args, "force"), &info, errstr)) != 0)
		return rv;
	host = shell_quote(info.first_host != NULL ? info.first_host :
	    "FIRST-HOST");
	home = shell_quote(info.first_home != NULL ? info.first_home :
	    "FIRST-HOME");
	me = shell_quote(ctx->home.dir);
	if (args_has(args, "json")) {
		json_t *j = json_object();
		json_object_set_new(j, "home", json_string(ctx->home.dir));
		json_object_set_new(j, "workspace", json_string(info.workspace));
		json_object_set_new(j, "first_host",
		    json_string(info.first_host));
		json_object_set_new(j, "first_home",
		    json_string(info.first_home));
		json_object_set_new(j, "copy", json_string(files));
		json_out(j);
	} else {
		printf("Created the setuplink home %s for the shared store of "
		    "workspace %s.\n", ctx->home.dir, info.workspace);
		printf("Before using it, copy from the first home (%s on %s):\n"
		    "  gnupg/     the workspace's OpenPGP key (signs setup "
		    "emails, decrypts replies)\n"
		    "  vault.pub, vault.key   the vault key (seals and opens "
		    "secrets)\n"
		    "  token.key  the token key (link remind)\n",
		    info.first_home, info.first_host);
		printf("Over SSH, run this here:\n"
		    "  ssh %s \"tar -C %s --exclude='S.*' -cf - %s\" | "
		    "tar -C %s -xpf -\n", host, home, files, me);
		printf("or this on %s:\n"
		    "  tar -C %s --exclude='S.*' -cf - %s | ssh THIS-HOST "
		    "\"tar -C %s -xpf -\"\n", info.first_host, home, files,
		    me);
	}
	free(host);
	free(home);
	free(me);
	home_join_info_free(&info);
	return 0;
}

static int
cmd_init(struct session *ctx, const struct args *args, char **errstr)
{
	struct home_params p;
	char *fpr = NULL;
	int rv;

	if (args_get(args, "join") != NULL)
		return cmd_init_join(ctx, args, errstr);
	memset(&p, 0, sizeof p);
	p.workspace = args_get(args, "workspace");
	p.admin = args_get(args, "admin");
	p.intake = args_get(args, "intake");
	p.transport = args_get(args, "transport");
	p.force = args_has(args, "force");
	p.database = args_get(args, "database");
	if (p.workspace == NULL || p.admin == NULL || p.intake == NULL)
		return errorf(errstr, EX_USAGE, "init needs --workspace, --admin "
		    "and --intake (or --join URI for a home on a shared "
		    "store)");
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
