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
static int	cmd_key_rm(struct session *, const struct args *, char **);
static int	cmd_key_rotate(struct session *, const struct args *, char **);

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

const struct cmd_entry cmd_key_rm_entry = {
	.name = "key rm",
	.args = { "FINGERPRINT", 1, 1, "name one key fingerprint" },
	.help = "forget an imported key (links pinned to it then reject "
	    "signed replies)",
	.session = SESSION_HOME,
	.exec = cmd_key_rm,
};

static const struct cmd_option cmd_key_rotate_options[] = {
	{ "json", 0, NULL, 0, "print {fpr, previous}" },
	CMD_OPTIONS_END
};

const struct cmd_entry cmd_key_rotate_entry = {
	.name = "key rotate",
	.args = { "", 0, 0, NULL },
	.options = cmd_key_rotate_options,
	.help = "make a new workspace key for new links; the old one still "
	    "decrypts",
	.session = SESSION_HOME,
	.exec = cmd_key_rotate,
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
	json_object_set_new(j, "role", json_string(workspace ? "workspace" :
	    k->secret ? "previous" : "imported"));
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

/* Keys live in the GnuPG home, not the store: a failed note is said. */
static void
key_audit(struct session *ctx, const char *action, const char *fpr)
{
	char *err = NULL;

	if (session_open(ctx, SESSION_STORE, &err) != 0 ||
	    audit_add(ctx->st, ctx->cfg.admin_email, action, 0, 0, fpr,
	    &err) != 0)
		log_warnx("the audit log misses %s %s: %s", action, fpr, err);
	free(err);
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
	for (i = 0; i < n; i++)
		key_audit(ctx, "key import", k[i].fpr);
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
		snprintf(mark, sizeof mark, "%s%s%s%s%s", k[i].secret ?
		    "  (previous workspace key: decrypts replies to older "
		    "links)" : "", k[i].revoked ?
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

static int
cmd_key_rm(struct session *ctx, const struct args *args, char **errstr)
{
	struct crypto *c = NULL;
	char *fpr = xstrdup(args->argv[0]), *safe;
	int rv;

	if (!fingerprint_valid(fpr)) {
		safe = str_safe(fpr);
		rv = errorf(errstr, EX_USAGE, "'%s' is not a key fingerprint: "
		    "give all 40 hex digits, as setuplink key list shows them",
		    safe);
		free(safe);
		goto out;
	}
	for (char *p = fpr; *p != '\0'; p++)
		*p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
	if ((rv = key_open(ctx, &c, errstr)) != 0 ||
	    (rv = crypto_key_rm(c, fpr, errstr)) != 0)
		goto out;
	key_audit(ctx, "key rm", fpr);
out:
	crypto_close(&c);
	free(fpr);
	return rv;
}

/*
 * A new workspace key signs and goes with every setup email from now on;
 * the old one stays, so replies to links made under it still decrypt.
 */
static int
cmd_key_rotate(struct session *ctx, const struct args *args, char **errstr)
{
	struct crypto *c = NULL;
	char *uid, *old = NULL, *fpr = NULL, *detail;
	int rv;

	uid = xprintf("%s (setuplink) <%s>", ctx->cfg.workspace,
	    ctx->cfg.intake);
	if ((rv = key_open(ctx, &c, errstr)) != 0 ||
	    (rv = crypto_rotate(c, uid, &old, &fpr, errstr)) != 0)
		goto out;
	detail = xprintf("%s replaces %s", fpr, old);
	key_audit(ctx, "key rotate", detail);
	free(detail);
	if (args_has(args, "json")) {
		json_t *j = json_object();
		json_object_set_new(j, "fpr", json_string(fpr));
		json_object_set_new(j, "previous", json_string(old));
		json_out(j);
	} else
		printf("%s\n", fpr);
out:
	crypto_close(&c);
	free(uid);
	free(old);
	free(fpr);
	return rv;
}
