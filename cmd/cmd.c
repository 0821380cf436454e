/* cmd.c: the command table (one row per subcommand: its name, usage,
 * help and what it needs opened), the dispatcher, and helpers every
 * command shares.  A new subcommand is a new row and a new function. */
#include <sys/stat.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

#define S	SESSION_ALL

const struct cmd_entry cmd_table[] = {
	{ "init", "--workspace NAME --admin \"NAME <EMAIL>\" --intake ADDRESS "
	  "[--transport T] [--force]",
	  "create the home, its database and the workspace's OpenPGP key",
	  0, cmd_init },
	{ "connectors", "[--json]", "list the connectors",
	  SESSION_CATALOG, cmd_connectors },
	{ "connector show", "KEY [--json]", "show a connector's fields",
	  SESSION_CATALOG, cmd_connector_show },
	{ "draft new", "CONNECTOR --name NAME [--json]",
	  "start a draft source; prints its id", S, cmd_draft_new },
	{ "draft list", "[--json]", "list drafts with what they still miss",
	  S, cmd_draft_list },
	{ "draft show", "ID [--json] [--reveal] [--history]",
	  "show a draft's fields and where each came from", S, cmd_draft_show },
	{ "draft set", "ID KEY=VALUE... | KEY=@FILE | KEY=@- | KEY",
	  "set fields, all or none", S, cmd_draft_set },
	{ "draft rm", "ID", "remove a draft, revoke its links, wipe its values",
	  S, cmd_draft_rm },
	{ "draft export", "ID [--format env|json|pgpass]",
	  "print the values for the connector (secrets revealed)",
	  S, cmd_draft_export },
	{ "link create", "DRAFT_ID --to ADDRESS [--expires DURATION] "
	  "[--fields KEY,... | --missing] [--require any|signed|encrypted|"
	  "signed+encrypted] [--signer FINGERPRINT] [--note TEXT] "
	  "[--transport T] [--json]",
	  "share a setup link: send the email, print the id and mailto URL",
	  S, cmd_link_create },
	{ "link list", "[--draft ID] [--json]", "list links and their states",
	  S, cmd_link_list },
	{ "link revoke", "LINK_ID", "end a pending link now",
	  S, cmd_link_revoke },
	{ "outbox list", "[--json]", "list the mail waiting in outbox/",
	  S, cmd_outbox_list },
	{ "outbox flush", "--transport T", "send what waits in outbox/",
	  S, cmd_outbox_flush },
	{ "intake", "[-v] [--recipient ADDRESS] [--dry-run] | --maildir DIR "
	  "[--watch]", "read replies and merge them into drafts",
	  S | CMD_INTAKE | SESSION_DURABLE, cmd_intake },
	{ "quarantine list", "[--json]", "list messages that were not merged",
	  S, cmd_quarantine_list },
	{ "quarantine show", "ID", "print a quarantined message",
	  S, cmd_quarantine_show },
	{ "quarantine retry", "ID", "run the intake on it again",
	  S | SESSION_DURABLE, cmd_quarantine_retry },
	{ "log", "[--json] [--limit N]", "what the intake did, newest first",
	  S, cmd_log },
	{ "key import", "FILE", "import a recipient's public key",
	  SESSION_HOME, cmd_key_import },
	{ "key list", "[--json]", "list imported keys and the workspace key",
	  SESSION_HOME, cmd_key_list },
	{ "key export", "", "print the workspace's public key, armored",
	  SESSION_HOME, cmd_key_export },
	{ "skills", "", "this workflow as Markdown for AI agents",
	  SESSION_CATALOG, cmd_skills },
};
const size_t cmd_table_size = nitems(cmd_table);

void
cmd_entry_usage(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, "usage: setuplink %s%s%s [--home DIR]\n", e->name,
	    *e->args ? " " : "", e->args);
}

void
cmd_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: setuplink [--home DIR] [COMMAND [ARGS]]\n"
	    "Collect data-source credentials over plain email.  With no "
	    "command on a\nterminal, opens the interface.\n\nCommands:\n");
	for (i = 0; i < cmd_table_size; i++)
		fprintf(f, "  %-18s %s\n", cmd_table[i].name, cmd_table[i].help);
	fprintf(f, "\nsetuplink COMMAND -h shows a command's usage; see "
	    "setuplink(1).\n");
}

int
cmd_help(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_table_size; i++) {
		if (strcmp(cmd_table[i].name, name) == 0) {
			cmd_entry_usage(&cmd_table[i], stdout);
			printf("%s\n", cmd_table[i].help);
		}
	}
	return 0;
}

int
cmd_bad_usage(char **errstr, const char *name, const char *what)
{
	size_t i;

	for (i = 0; i < cmd_table_size; i++) {
		if (strcmp(cmd_table[i].name, name) == 0)
			return errorf(errstr, EX_USAGE, "%s; usage: setuplink "
			    "%s %s", what, name, cmd_table[i].args);
	}
	return errorf(errstr, EX_USAGE, "%s", what);
}

int
cmd_getopt(int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	return c;
}

int
cmd_parse_id(const char *s, const char *what, int64_t *id, char **errstr)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0)
		return errorf(errstr, EX_USAGE, "'%s' is not a %s id: ids are "
		    "positive whole numbers", s, what);
	*id = v;
	return 0;
}

void
json_out(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY);

	if (s == NULL)
		fatalx("out of memory writing JSON");
	puts(s);
	free(s);
	json_decref(j);
}

json_t *
json_time(int64_t t)
{
	char *s;
	json_t *j;

	if (t == 0)
		return json_null();
	s = time_rfc3339(t);
	j = json_string(s);
	free(s);
	return j;
}

json_t *
json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static const struct cmd_entry *
cmd_find(int argc, char **argv, int *used)
{
	size_t i, l;

	for (i = 0; argc >= 2 && i < cmd_table_size; i++) {
		l = strlen(argv[0]);
		if (strncmp(cmd_table[i].name, argv[0], l) == 0 &&
		    cmd_table[i].name[l] == ' ' &&
		    strcmp(cmd_table[i].name + l + 1, argv[1]) == 0) {
			*used = 2;
			return &cmd_table[i];
		}
	}
	for (i = 0; argc >= 1 && i < cmd_table_size; i++) {
		if (strcmp(cmd_table[i].name, argv[0]) == 0) {
			*used = 1;
			return &cmd_table[i];
		}
	}
	return NULL;
}

/*
 * --home DIR may stand anywhere before "--": take it out so that each
 * command parses only its own options.
 */
static int
take_home(int *argcp, char **argv, const char **home, char **errstr)
{
	int i, j, argc = *argcp;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--home") == 0) {
			if (i + 1 >= argc)
				return errorf(errstr, EX_USAGE, "--home needs "
				    "a directory");
			*home = argv[i + 1];
			for (j = i; j + 2 <= argc; j++)
				argv[j] = argv[j + 2];
			argc -= 2;
			i--;
		} else if (strncmp(argv[i], "--home=", 7) == 0) {
			*home = argv[i] + 7;
			for (j = i; j + 1 <= argc; j++)
				argv[j] = argv[j + 1];
			argc -= 1;
			i--;
		}
	}
	*argcp = argc;
	return 0;
}

int
cmd_run(int argc, char **argv)
{
	const struct cmd_entry *e;
	struct session ctx;
	const char *home_opt = NULL;
	char *errstr = NULL;
	int used = 0, rv, flags;

	rv = take_home(&argc, argv, &home_opt, &errstr);
	session_init(&ctx, home_opt);
	if (rv != 0)
		goto out;
	if (argc < 2) {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			cmd_usage(stderr);
			rv = errorf(&errstr, EX_USAGE, "no command given and no "
			    "terminal for the interface: name a command");
			goto out;
		}
		rv = tui_main(&ctx, &errstr);
		goto out;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cmd_usage(stdout);
		rv = 0;
		goto out;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("setuplink %s\n", SETUPLINK_VERSION);
		rv = 0;
		goto out;
	}
	if ((e = cmd_find(argc - 1, argv + 1, &used)) == NULL) {
		rv = errorf(&errstr, EX_USAGE, "'%s' is not a setuplink command:"
		    " see setuplink -h", argv[1]);
		goto out;
	}
	flags = e->flags;
	/* -h needs nothing opened. */
	for (int i = 1 + used; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			rv = cmd_help(e->name);
			goto out;
		}
	}
	if ((rv = session_open(&ctx, flags, &errstr)) != 0) {
		if ((flags & CMD_INTAKE) && (rv == EX_CONFIG || rv == EX_SOFTWARE))
			rv = EX_TEMPFAIL;	/* MTAs bounce on anything else */
		goto out;
	}
	optind = 1;
	rv = e->exec(&ctx, argc - used, argv + used, &errstr);
out:
	if (rv != 0 && errstr != NULL)
		fprintf(stderr, "setuplink: %s\n", errstr);
	else if (rv != 0)
		fprintf(stderr, "setuplink: failed (%s)\n", status_name(rv));
	free(errstr);
	session_close(&ctx);
	return rv;
}
