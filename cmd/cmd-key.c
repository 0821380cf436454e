/* cmd-key.c: setuplink key import, list and export: the recipients' public
 * keys that signed replies are checked against, and the workspace key. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mailer/mailer.h"

#define KEY_FILE_MAX	(1024 * 1024)	/* a public key is kilobytes */

static int	cmd_key_import(struct session *, const struct args *, char **);
static int	cmd_key_list(struct session *, const struct args *, char **);
static int	cmd_key_export(struct session *, const struct args *, char **);

static const struct cmd_option cmd_key_import_options[] = {
	{ "json", 0, NULL, 0, "print the imported keys as a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_key_import_entry = {
	.name = "key import",
	.args = { "FILE", 1, 1, "name one key file (- for standard input)" },
	.options = cmd_key_import_options,
	.help = "import a recipient's public key",
	.session = SESSION_HOME,
	.exec = cmd_key_import,
};

static const struct cmd_option cmd_key_list_options[] = {
	{ "json", 0, NULL, 0, "print a JSON array" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_key_list_entry = {
	.name = "key list",
	.args = { "", 0, 0, NULL },
	.options = cmd_key_list_options,
	.help = "list imported keys and the workspace key",
	.session = SESSION_HOME,
	.exec = cmd_key_list,
};

const struct cmd_entry cmd_key_export_entry = {
	.name = "key export",
	.args = { "", 0, 0, NULL },
	.help = "print the workspace's public key, armored",
	.session = SESSION_HOME,
	.exec = cmd_key_export,
};

static int
key_open(struct session *ctx, struct crypto **c, char **errstr)
{
	return crypto_open(ctx->home.gnupg, (int)ctx->cfg.gpg_timeout, c,
	    errstr);
}

static json_t *
key_json(const struct key_info *k, bool workspace)
{
	json_t *j = json_object(), *u = json_array();
	size_t i;

	for (i = 0; i < k->nuids; i++)
		json_array_append_new(u, json_string(k->uids[i]));
	json_object_set_new(j, "fpr", json_string(k->fpr));
	json_object_set_new(j, "uids", u);
	json_object_set_new(j, "created", json_time(k->created));
	json_object_set_new(j, "expires", json_time(k->expires));
	json_object_set_new(j, "revoked", json_boolean(k->revoked));
	json_object_set_new(j, "expired", json_boolean(k->expired));
	json_object_set_new(j, "workspace", json_boolean(workspace));
	return j;
}

/* A key's user IDs come from strangers: printed safe, one per line. */
static void
key_print(const struct key_info *k, const char *mark)
{
	size_t i;

	printf("%s%s\n", k->fpr, mark);
	for (i = 0; i < k->nuids; i++) {
		char *s = str_safe(k->uids[i]);
		printf("    %s\n", s);
		free(s);
	}
}

static int
cmd_key_import(struct session *ctx, const struct args *args, char **errstr)
{
	struct crypto *c = NULL;
	struct key_info *k = NULL;
	const char *file = args->argv[0];
	char *data = NULL, *err = NULL;
	size_t len = 0, n = 0, i;
	bool trunc;
	int rv;

	if (strcmp(file, "-") == 0)
		rv = fd_read_all(STDIN_FILENO, KEY_FILE_MAX + 1, &data, &len,
		    &trunc, errstr);
	else
		rv = file_read(file, KEY_FILE_MAX + 1, &data, &len, errstr);
	if (rv != 0)
		goto out;
	if (len > KEY_FILE_MAX || len == 0) {
		rv = errorf(errstr, EX_DATAERR, "%s is %s: a public key file "
		    "holds a few kilobytes (gpg --export --armor KEY)",
		    file, len == 0 ? "empty" : "too large");
		goto out;
	}
	if ((rv = key_open(ctx, &c, errstr)) != 0)
		goto out;
	if ((rv = crypto_import(c, data, len, &k, &n, &err)) != 0) {
		rv = errorf(errstr, rv, "%s: %s", file, err);
		goto out;
	}
	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, key_json(&k[i], false));
		json_out(a);
	} else {
		for (i = 0; i < n; i++)
			key_print(&k[i], "");
	}
out:
	key_info_free(&k, n);
	crypto_close(&c);
	free(data);
	free(err);
	return rv;
}

static int
cmd_key_list(struct session *ctx, const struct args *args, char **errstr)
{
	struct crypto *c = NULL;
	struct key_info *k = NULL;
	char *ws = NULL;
	size_t n = 0, i;
	int rv;

	if ((rv = key_open(ctx, &c, errstr)) != 0 ||
	    (rv = crypto_workspace_key(c, &ws, errstr)) != 0 ||
	    (rv = crypto_list(c, &k, &n, errstr)) != 0)
		goto out;
	if (args_has(args, "json")) {
		json_t *a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, key_json(&k[i],
			    strcmp(k[i].fpr, ws) == 0));
		json_out(a);
		goto out;
	}
	/* The workspace key first: it is the one people ask about. */
	for (i = 0; i < n; i++) {
		if (strcmp(k[i].fpr, ws) == 0)
			key_print(&k[i], "  (workspace key)");
	}
	for (i = 0; i < n; i++) {
		char *t, mark[96];
		if (strcmp(k[i].fpr, ws) == 0)
			continue;
		t = k[i].expires ? time_local(k[i].expires) : NULL;
		snprintf(mark, sizeof mark, "%s%s%s%s", k[i].revoked ?
		    "  (revoked)" : "", k[i].expired ? "  (expired)" : "",
		    t && !k[i].expired ? "  expires " : "",
		    t && !k[i].expired ? t : "");
		key_print(&k[i], mark);
		free(t);
	}
out:
	key_info_free(&k, n);
	free(ws);
	crypto_close(&c);
	return rv;
}

static int
cmd_key_export(struct session *ctx, const struct args *args, char **errstr)
{
	struct crypto *c = NULL;
	char *fpr = NULL, *data = NULL;
	size_t len = 0;
	int rv;

	if ((rv = key_open(ctx, &c, errstr)) != 0 ||
	    (rv = crypto_workspace_key(c, &fpr, errstr)) != 0 ||
	    (rv = crypto_export_armored(c, fpr, &data, &len, errstr)) != 0)
		goto out;
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
		rv = errorf(errstr, EX_IOERR, "cannot write the key to "
		    "standard output");
out:
	free(data);
	free(fpr);
	crypto_close(&c);
	return rv;
}
