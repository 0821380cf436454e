/* cmd.c: the command table (an entry per subcommand, declared with its
 * options in its cmd-*.c file), the one option parser every command's
 * line goes through, usage and -h made from the entries, the dispatcher,
 * and helpers every command shares.  A new subcommand is a new entry in
 * cmd_table and a new function, not another getopt loop. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_init_entry,
	&cmd_connectors_entry,
	&cmd_connector_show_entry,
	&cmd_draft_new_entry,
	&cmd_draft_list_entry,
	&cmd_draft_show_entry,
	&cmd_draft_set_entry,
	&cmd_draft_rm_entry,
	&cmd_draft_export_entry,
	&cmd_draft_test_entry,
	&cmd_link_create_entry,
	&cmd_link_list_entry,
	&cmd_link_revoke_entry,
	&cmd_link_renew_entry,
	&cmd_link_remind_entry,
	&cmd_outbox_list_entry,
	&cmd_outbox_show_entry,
	&cmd_outbox_flush_entry,
	&cmd_outbox_retry_entry,
	&cmd_intake_entry,
	&cmd_quarantine_list_entry,
	&cmd_quarantine_show_entry,
	&cmd_quarantine_retry_entry,
	&cmd_log_entry,
	&cmd_key_import_entry,
	&cmd_key_list_entry,
	&cmd_key_export_entry,
	&cmd_key_rm_entry,
	&cmd_key_rotate_entry,
	&cmd_audit_entry,
	&cmd_events_list_entry,
	&cmd_events_flush_entry,
	&cmd_skills_entry,
	&cmd_vault_passphrase_entry,
};
const size_t cmd_table_size = nitems(cmd_table);

/* ---- Usage, made from the entries. */

/* "--to ADDRESS", or "-v" for an option shown by its letter. */
static void
cmd_option_text(const struct cmd_option *o, struct buf *b)
{
	if (o->flags & CMD_OPT_SHORT)
		buf_printf(b, "-%c", o->letter);
	else
		buf_printf(b, "--%s", o->name);
	if (o->arg != NULL)
		buf_printf(b, " %s", o->arg);
}

char *
cmd_synopsis(const struct cmd_entry *e)
{
	const struct cmd_option *o;
	struct buf b;

	buf_init(&b);
	buf_adds(&b, e->args.usage);
	/* Optional options in brackets, and a group of choices always. */
	for (o = e->options; o != NULL && o->name != NULL; o++) {
		bool optional = !(o->flags & CMD_OPT_REQUIRED) ||
		    (o[1].name != NULL && (o[1].flags & CMD_OPT_OR));
		if (b.len > 0)
			buf_addc(&b, ' ');
		if (optional)
			buf_addc(&b, '[');
		cmd_option_text(o, &b);
		while (o[1].name != NULL && (o[1].flags & CMD_OPT_OR)) {
			buf_adds(&b, " | ");
			cmd_option_text(++o, &b);
		}
		if (optional)
			buf_addc(&b, ']');
	}
	return buf_take(&b);
}

static void
cmd_entry_usage(const struct cmd_entry *e, FILE *f)
{
	char *syn = cmd_synopsis(e);

	fprintf(f, "usage: setuplink %s%s%s [--home DIR]\n", e->name,
	    *syn != '\0' ? " " : "", syn);
	free(syn);
}

void
cmd_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: setuplink [--home DIR] [COMMAND [ARGS]]\n"
	    "Collect data-source credentials over plain email.  With no "
	    "command on a\nterminal, opens the interface.\n\nCommands:\n");
	for (i = 0; i < cmd_table_size; i++)
		fprintf(f, "  %-18s %s\n", cmd_table[i]->name,
		    cmd_table[i]->help);
	fprintf(f, "\nsetuplink COMMAND -h shows a command's usage; see "
	    "setuplink(1).\n");
}

/* Is word the first word of two-word commands ("draft", "link")? */
static bool
cmd_is_group(const char *word)
{
	size_t i, l = strlen(word);

	for (i = 0; i < cmd_table_size; i++) {
		if (strncmp(cmd_table[i]->name, word, l) == 0 &&
		    cmd_table[i]->name[l] == ' ')
			return true;
	}
	return false;
}

/*
 * setuplink GROUP -h, as git stash -h: the usage line of each of the
 * group's commands, then what each does.
 */
static void
cmd_group_usage(const char *group, FILE *f)
{
	size_t i, l = strlen(group), k = 0;
	char *syn;

	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (strncmp(e->name, group, l) != 0 || e->name[l] != ' ')
			continue;
		syn = cmd_synopsis(e);
		fprintf(f, "%s setuplink %s%s%s\n", k++ == 0 ? "usage:" :
		    "   or:", e->name, *syn != '\0' ? " " : "", syn);
		free(syn);
	}
	fprintf(f, "\n");
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (strncmp(e->name, group, l) == 0 && e->name[l] == ' ')
			fprintf(f, "  %-18s %s\n", e->name, e->help);
	}
	fprintf(f, "\nsetuplink %s COMMAND -h describes a command's options;"
	    "\nevery command takes --home DIR.\n", group);
}

/*
 * A line whose command was not found: a group word alone or with -h
 * lists its commands; anything else is named.
 */
static int
cmd_not_found(int argc, char **argv, char **errstr)
{
	if (!cmd_is_group(argv[1]))
		return errorf(errstr, EX_USAGE, "'%s' is not a setuplink "
		    "command: see setuplink -h", argv[1]);
	if (argc >= 3 && (strcmp(argv[2], "-h") == 0 ||
	    strcmp(argv[2], "--help") == 0)) {
		cmd_group_usage(argv[1], stdout);
		return 0;
	}
	if (argc < 3 || argv[2][0] == '-') {
		cmd_group_usage(argv[1], stderr);
		return errorf(errstr, EX_USAGE, "'%s' needs one of the "
		    "commands above", argv[1]);
	}
	return errorf(errstr, EX_USAGE, "'%s %s' is not a setuplink command:"
	    " see setuplink %s -h", argv[1], argv[2], argv[1]);
}

/* One option of -h: its forms, then its help in a column. */
static void
cmd_help_option(const char *forms, const char *help)
{
	if (strlen(forms) <= 22)
		printf("  %-22s %s\n", forms, help);
	else
		printf("  %s\n  %-22s %s\n", forms, "", help);
}

/* setuplink COMMAND -h: the usage line, what it does, every option. */
static int
cmd_help(const struct cmd_entry *e)
{
	const struct cmd_option *o;
	char *forms;

	cmd_entry_usage(e, stdout);
	printf("%s\n", e->help);
	for (o = e->options; o != NULL && o->name != NULL; o++) {
		forms = xprintf("--%s%s%s", o->name, o->arg ? " " : "",
		    o->arg ? o->arg : "");
		if (o->letter != 0) {
			char *both = xprintf("-%c, %s", o->letter, forms);
			free(forms);
			forms = both;
		}
		cmd_help_option(forms, o->help);
		free(forms);
	}
	cmd_help_option("--home DIR", "the home, else $SETUPLINK_HOME");
	return 0;
}

int
cmd_bad_usage(const struct args *a, char **errstr, const char *what)
{
	char *syn = cmd_synopsis(a->entry);
	int rv;

	rv = errorf(errstr, EX_USAGE, "%s; usage: setuplink %s%s%s", what,
	    a->entry->name, *syn != '\0' ? " " : "", syn);
	free(syn);
	return rv;
}

/* ---- Parsing: one parser for every command. */

static ssize_t
args_index(const struct cmd_entry *e, const char *name)
{
	const struct cmd_option *o;

	for (o = e->options; o != NULL && o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0)
			return o - e->options;
	}
	return -1;
}

/* The option -LETTER stands for, or -1. */
static ssize_t
args_letter(const struct cmd_entry *e, int letter)
{
	const struct cmd_option *o;

	for (o = e->options; letter > 0 && o != NULL && o->name != NULL; o++) {
		if (o->letter == letter)
			return o - e->options;
	}
	return -1;
}

const char *
args_get(const struct args *a, const char *name)
{
	ssize_t i = args_index(a->entry, name);

	if (i < 0)
		fatalx("%s has no option --%s", a->entry->name, name);
	return a->values[i];
}

bool
args_has(const struct args *a, const char *name)
{
	return args_get(a, name) != NULL;
}

/* "--format takes env, json or pgpass", from the option's arg. */
static int
cmd_check_choice(const struct args *a, const struct cmd_option *o,
    const char *v, char **errstr)
{
	char **c = NULL;
	size_t n = 0, i;
	struct buf b;
	int rv = 0;

	str_split(o->arg, '|', &c, &n);
	for (i = 0; i < n && strcmp(c[i], v) != 0; i++)
		;
	if (i == n) {
		buf_init(&b);
		buf_printf(&b, "--%s takes ", o->name);
		for (i = 0; i < n; i++)
			buf_printf(&b, "%s%s", i == 0 ? "" : i + 1 < n ? ", " :
			    " or ", c[i]);
		rv = cmd_bad_usage(a, errstr, b.data);
		buf_free(&b);
	}
	strv_free(&c, n);
	return rv;
}

/*
 * Required options, all named when one lacks: "--name NAME is required",
 * "--workspace, --admin and --intake are required".
 */
static int
cmd_check_required(const struct args *a, char **errstr)
{
	const struct cmd_option *o, *last = NULL;
	struct buf b;
	size_t i, n = 0, k = 0;
	bool missing = false;
	int rv;

	for (o = a->entry->options, i = 0; o != NULL && o->name != NULL;
	    o++, i++) {
		if (o->flags & CMD_OPT_REQUIRED) {
			missing |= a->values[i] == NULL;
			last = o;
			n++;
		}
	}
	if (!missing)
		return 0;
	buf_init(&b);
	for (o = a->entry->options; o->name != NULL; o++) {
		if (!(o->flags & CMD_OPT_REQUIRED))
			continue;
		buf_printf(&b, "%s--%s", k == 0 ? "" : k + 1 < n ? ", " :
		    " and ", o->name);
		k++;
	}
	if (n == 1)
		buf_printf(&b, " %s is required", last->arg);
	else
		buf_adds(&b, " are required");
	rv = cmd_bad_usage(a, errstr, b.data);
	buf_free(&b);
	return rv;
}

/* What the entry asks of the options and arguments given. */
static int
cmd_check(const struct args *a, char **errstr)
{
	const struct cmd_entry *e = a->entry;
	const struct cmd_option *o;
	size_t i;
	int rv;

	for (o = e->options, i = 0; o != NULL && o->name != NULL; o++, i++) {
		if ((o->flags & CMD_OPT_CHOICE) && a->values[i] != NULL &&
		    (rv = cmd_check_choice(a, o, a->values[i], errstr)) != 0)
			return rv;
	}
	if (a->argc < e->args.lower ||
	    (e->args.upper >= 0 && a->argc > e->args.upper))
		return cmd_bad_usage(a, errstr, e->args.error != NULL ?
		    e->args.error : a->argc < e->args.lower ?
		    "too few arguments" : "too many arguments");
	if ((rv = cmd_check_required(a, errstr)) != 0)
		return rv;
	for (o = e->options, i = 0; o != NULL && o->name != NULL; o++, i++) {
		if ((o->flags & CMD_OPT_OR) && a->values[i] != NULL &&
		    a->values[i - 1] != NULL) {
			char *what = xprintf("give --%s or --%s, not both",
			    o[-1].name, o->name);
			rv = cmd_bad_usage(a, errstr, what);
			free(what);
			return rv;
		}
	}
	return 0;
}

/*
 * The sentence for an option getopt refused, naming it: "--bogus is not
 * an option of draft list", "--json takes no value", "--to needs its
 * value (ADDRESS)", "--re is ambiguous: --reveal or --require".  word is
 * the argument getopt was reading; getopt's optopt has the letter of a
 * short option, or the long option's code.
 */
static int
cmd_bad_option(const struct args *a, const char *word, int c, char **errstr)
{
	const struct cmd_option *o, *hit = NULL;
	char *name, *what;
	size_t l, n = 0;
	int rv;

	if (optopt > 0 && optopt < 256) {
		name = xprintf("-%c", optopt);
		hit = NULL;
		for (o = a->entry->options; o != NULL && o->name != NULL; o++)
			hit = o->letter == optopt ? o : hit;
	} else {
		name = xstrdup(word);
		name[strcspn(name, "=")] = '\0';
		l = strlen(name) > 2 ? strlen(name) - 2 : 0;
		for (o = a->entry->options; o != NULL && o->name != NULL; o++) {
			if (strncmp(o->name, name + 2, l) == 0) {
				n++;
				hit = o;
			}
		}
		n += l > 0 && strncmp("help", name + 2, l) == 0;
	}
	if (c == ':' && hit != NULL)
		what = xprintf("%s needs its value (%s)", name, hit->arg);
	else if (hit != NULL && n <= 1 && hit->arg == NULL &&
	    strchr(word, '=') != NULL)
		what = xprintf("--%s takes no value", hit->name);
	else if (n > 1)
		what = xprintf("%s is ambiguous: give the whole option's name",
		    name);
	else
		what = xprintf("%s is not an option of %s", name,
		    a->entry->name);
	rv = cmd_bad_usage(a, errstr, what);
	free(what);
	free(name);
	return rv;
}

/*
 * Parse argv (argv[0] is the command's last word) against the entry with
 * getopt_long, options anywhere before "--".  Every option in the entry
 * and nothing else is taken; a value for a switch, an ambiguous prefix or
 * an option the entry lacks is "unknown option".
 */
static int
cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct args *a,
    char **errstr)
{
	struct option lo[CMD_OPTIONS_MAX + 2];
	char so[3 * CMD_OPTIONS_MAX + 3];
	const struct cmd_option *o;
	size_t n = 0, k = 0;
	ssize_t i;
	int c;

	memset(a, 0, sizeof *a);
	a->entry = e;
	so[k++] = ':';		/* a missing value is ':', not '?' */
	for (o = e->options; o != NULL && o->name != NULL; o++, n++) {
		if (n == CMD_OPTIONS_MAX)
			fatalx("%s: more than %d options", e->name,
			    CMD_OPTIONS_MAX);
		lo[n].name = o->name;
		lo[n].has_arg = o->arg != NULL ? required_argument :
		    no_argument;
		lo[n].flag = NULL;
		lo[n].val = 256 + (int)n;
		if (o->letter != 0) {
			so[k++] = (char)o->letter;
			if (o->arg != NULL)
				so[k++] = ':';
		}
	}
	so[k] = '\0';
	/*
	 * cmd_exec took -h and --help already; help stays in the table so
	 * that --h is as ambiguous with --history as it was.
	 */
	lo[n] = (struct option){ "help", no_argument, NULL, 0 };
	lo[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		i = c >= 256 ? c - 256 : c == '?' || c == ':' ? -1 :
		    args_letter(e, c);
		if (i < 0)
			return cmd_bad_option(a, argv[optind - 1], c, errstr);
		a->values[i] = optarg != NULL ? optarg : "";
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	return cmd_check(a, errstr);
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

static const char *
cmd_cell(const char *s, size_t cols, bool cut)
{
	static char *ring[8];
	static size_t next;
	char **slot = &ring[next++ % nitems(ring)];

	free(*slot);
	*slot = str_fit(s != NULL ? s : "", cols, cut);
	return *slot;
}

const char *
cmd_col(const char *s, size_t cols)
{
	return cmd_cell(s, cols, false);
}

const char *
cmd_cut(const char *s, size_t cols)
{
	return cmd_cell(s, cols, true);
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

int
cmd_audit_note(struct session *ctx, const char *action, int64_t draft,
    const char *detail, char **errstr)
{
	return audit_add(ctx->st, ctx->cfg.admin_email, action, draft, 0,
	    detail, errstr);
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
		if (strncmp(cmd_table[i]->name, argv[0], l) == 0 &&
		    cmd_table[i]->name[l] == ' ' &&
		    strcmp(cmd_table[i]->name + l + 1, argv[1]) == 0) {
			*used = 2;
			return cmd_table[i];
		}
	}
	for (i = 0; argc >= 1 && i < cmd_table_size; i++) {
		if (strcmp(cmd_table[i]->name, argv[0]) == 0) {
			*used = 1;
			return cmd_table[i];
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

/* Was a switch the entry may not even declare given? */
static bool
cmd_given(const struct args *a, const char *name)
{
	const struct cmd_option *o;

	for (o = a->entry->options; o != NULL && o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0)
			return args_has(a, name);
	}
	return false;
}

/*
 * Webhook events wait in the store until some process posts them: every
 * command that opened it tries, for a few hundred milliseconds at most,
 * so that neither an MTA nor an admin waits on a slow receiver.  What is
 * left goes with the next run, or with setuplink events flush.
 */
#define CMD_WEBHOOK_BUDGET_MS	300

static void
cmd_webhook(struct session *ctx, const struct args *a)
{
	struct webhook_opts o = { CMD_WEBHOOK_BUDGET_MS, false };
	struct webhook_stats stats;
	char *err = NULL;

	if (ctx->st == NULL || ctx->cfg.webhook_url == NULL ||
	    (a->entry->flags & CMD_NO_WEBHOOK) || cmd_given(a, "dry-run"))
		return;
	if (webhook_deliver(&ctx->cfg, &ctx->home, ctx->st, &o, &stats,
	    &err) != 0)
		log_debug("webhook: %s", err);
	free(err);
}

/*
 * Run one command: -h (nothing opened), then the session its entry asks
 * for, its options and arguments, and its function.  The session is
 * opened before the line is parsed, so a missing home is 78 whatever
 * else is wrong.
 */
static int
cmd_exec(const struct cmd_entry *e, struct session *ctx, int argc,
    char **argv, char **errstr)
{
	struct args a;
	int i, rv;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return cmd_help(e);
	}
	/* An MDA's stderr often goes nowhere: the mail log is read. */
	if ((e->flags & CMD_INTAKE) && !isatty(STDERR_FILENO))
		log_open_syslog();
	if ((rv = session_open(ctx, e->session, errstr)) != 0) {
		if ((e->flags & CMD_INTAKE) &&
		    (rv == EX_CONFIG || rv == EX_SOFTWARE))
			rv = EX_TEMPFAIL;
		return rv;
	}
	/* The intake only seals: it never asks for the passphrase. */
	if (ctx->vault != NULL && !(e->flags & CMD_INTAKE))
		vault_set_ask(ctx->vault, cmd_vault_ask, NULL);
	if ((rv = cmd_parse(e, argc, argv, &a, errstr)) == 0) {
		rv = e->exec(ctx, &a, errstr);
		cmd_webhook(ctx, &a);
	}
	/* A mistyped procmailrc must not bounce mail: keep it queued. */
	if (rv == EX_USAGE && (e->flags & CMD_INTAKE) &&
	    !args_has(&a, "maildir") && !isatty(STDIN_FILENO))
		rv = EX_TEMPFAIL;
	return rv;
}

int
cmd_run(int argc, char **argv)
{
	const struct cmd_entry *e;
	struct session ctx;
	const char *home_opt = NULL;
	char *errstr = NULL;
	int used = 0, rv;

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
		rv = cmd_not_found(argc, argv, &errstr);
		goto out;
	}
	rv = cmd_exec(e, &ctx, argc - used, argv + used, &errstr);
out:
	if (rv != 0 && errstr != NULL) {
		fprintf(stderr, "setuplink: %s\n", errstr);
		log_syslog(LOGL_ERR, errstr);
	} else if (rv != 0)
		fprintf(stderr, "setuplink: failed (%s)\n", status_name(rv));
	free(errstr);
	session_close(&ctx);
	return rv;
}
