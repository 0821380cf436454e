/* cmd.h: the command table.  Each command is one entry, declared in its
 * cmd-*.c file: its arguments, its options and what its session opens;
 * one parser (cmd.c) reads the entries for every command.  cmd/ is the
 * top: it may call tui/, mailer/, store/, catalog/ and util/. */
#ifndef SETUPLINK_CMD_H
#define SETUPLINK_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "mailer/mailer.h"
#include "util/config.h"
#include "util/util.h"
#include "tui/tui.h"

/*
 * One option of a command, declared once: parsing, the usage line, the
 * help of -h and the check of setuplink(1) (tests/e2e/011-docs.sh) all
 * read it.  A switch has no arg; given twice, the last value counts.
 */
struct cmd_option {
	const char	*name;		/* "to" for --to */
	int		 letter;	/* also -LETTER, or 0 */
	const char	*arg;		/* its value in usage ("ADDRESS"), or
					   NULL for a switch */
	int		 flags;		/* CMD_OPT_* */
	const char	*help;		/* one short line */
};

#define CMD_OPT_REQUIRED 0x01	/* must be given */
#define CMD_OPT_OR	 0x02	/* the other choice to the option before it:
				   [--fields KEY,... | --missing], not both */
#define CMD_OPT_CHOICE	 0x04	/* arg lists every value: "env|json|pgpass" */
#define CMD_OPT_SHORT	 0x08	/* usage shows -LETTER, not --name */

#define CMD_OPTIONS_MAX	 16
#define CMD_OPTIONS_END	 { NULL, 0, NULL, 0, NULL }

struct args;

struct cmd_entry {
	const char	*name;		/* "draft new" */
	struct {
		const char *usage;	/* as usage shows them: "ID", or "" */
		int	 lower;		/* how many, at least */
		int	 upper;		/* at most; -1: any number */
		const char *error;	/* when not that many; NULL: "too many
					   arguments" */
	} args;
	const struct cmd_option *options;	/* ends with CMD_OPTIONS_END */
	const char	*help;		/* one line */
	int		 session;	/* SESSION_*: opened before exec */
	int		 flags;		/* CMD_* */
	int		(*exec)(struct session *, const struct args *,
			    char **errstr);
};

/*
 * The intake, an MDA: exit 75, which makes an MTA keep the message and
 * try again, where another command exits 78 for a missing home or a bad
 * configuration, and where it exits 64 for bad usage with a message on
 * standard input (no --maildir).  An MTA bounces mail on anything else.
 */
#define CMD_INTAKE	0x01
/* Not followed by the short webhook delivery every other command that
 * opened the store makes (events flush delivers on its own terms). */
#define CMD_NO_WEBHOOK	0x02

/* A command line parsed against its entry: what exec reads. */
struct args {
	const struct cmd_entry *entry;
	const char	*values[CMD_OPTIONS_MAX];	/* per option: NULL when
					   not given, "" for a switch given */
	int		 argc;		/* the arguments, options taken out */
	char		**argv;
};

/* Was the option (by its long name) given?  Its value, or NULL. */
bool	 args_has(const struct args *, const char *name);
const char *args_get(const struct args *, const char *name);

extern const struct cmd_entry *const cmd_table[];
extern const size_t cmd_table_size;

int	 cmd_run(int argc, char **argv);
void	 cmd_usage(FILE *);
/* What follows the name in the usage line ("ID [--json]"): a new string. */
char	*cmd_synopsis(const struct cmd_entry *);
/* Bad usage (64): "what; usage: setuplink NAME SYNOPSIS". */
int	 cmd_bad_usage(const struct args *, char **errstr, const char *what);
int	 cmd_parse_id(const char *s, const char *what, int64_t *id,
	     char **errstr);

/*
 * A table cell: s padded (and cut, where the column has a limit) to cols
 * terminal columns, by display width, not bytes.  The string lives until
 * eight more cells have been made, enough for one printf of a row.
 */
const char *cmd_col(const char *s, size_t cols);
const char *cmd_cut(const char *s, size_t cols);

/* An audit entry for what the admin is about to see or hand on (export,
 * reveal): written first, so nothing is shown that the audit misses. */
int	 cmd_audit_note(struct session *, const char *action, int64_t draft,
	     const char *detail, char **errstr);

/* JSON out: one document on stdout. */
void	 json_out(json_t *);		/* prints and frees */
json_t	*json_time(int64_t);		/* RFC 3339 UTC, or null for 0 */
json_t	*json_str_or_null(const char *);

/* The draft's last credentials test, for draft show (cmd-draft-test.c). */
json_t	*cmd_draft_test_json(struct session *, const struct draft *);
void	 cmd_draft_test_print(struct session *, const struct draft *);

/* The commands, one entry each, in the files named. */
extern const struct cmd_entry cmd_init_entry;		/* cmd-init.c */
extern const struct cmd_entry cmd_connectors_entry;	/* cmd-connector.c */
extern const struct cmd_entry cmd_connector_show_entry;
extern const struct cmd_entry cmd_draft_new_entry;	/* cmd-draft.c */
extern const struct cmd_entry cmd_draft_list_entry;
extern const struct cmd_entry cmd_draft_show_entry;
extern const struct cmd_entry cmd_draft_set_entry;
extern const struct cmd_entry cmd_draft_rm_entry;
extern const struct cmd_entry cmd_draft_export_entry;	/* cmd-draft-export.c */
extern const struct cmd_entry cmd_draft_test_entry;	/* cmd-draft-test.c */
extern const struct cmd_entry cmd_link_create_entry;	/* cmd-link.c */
extern const struct cmd_entry cmd_link_list_entry;
extern const struct cmd_entry cmd_link_revoke_entry;
extern const struct cmd_entry cmd_link_renew_entry;	/* cmd-link-life.c */
extern const struct cmd_entry cmd_link_remind_entry;
extern const struct cmd_entry cmd_outbox_list_entry;	/* cmd-outbox.c */
extern const struct cmd_entry cmd_outbox_show_entry;
extern const struct cmd_entry cmd_outbox_flush_entry;
extern const struct cmd_entry cmd_outbox_retry_entry;
extern const struct cmd_entry cmd_intake_entry;		/* cmd-intake.c */
extern const struct cmd_entry cmd_quarantine_list_entry; /* cmd-quarantine.c */
extern const struct cmd_entry cmd_quarantine_show_entry;
extern const struct cmd_entry cmd_quarantine_retry_entry;
extern const struct cmd_entry cmd_log_entry;		/* cmd-log.c */
extern const struct cmd_entry cmd_key_import_entry;	/* cmd-key.c */
extern const struct cmd_entry cmd_key_list_entry;
extern const struct cmd_entry cmd_key_export_entry;
extern const struct cmd_entry cmd_key_rm_entry;
extern const struct cmd_entry cmd_key_rotate_entry;
extern const struct cmd_entry cmd_skills_entry;		/* cmd-skills.c */
extern const struct cmd_entry cmd_vault_passphrase_entry; /* cmd-vault.c */
/* The vault passphrase, asked on the terminal without echo (cmd-vault.c). */
int	 cmd_vault_ask(void *arg, const char *question, char **pass,
	     char **errstr);
extern const struct cmd_entry cmd_audit_entry;		/* cmd-audit.c */
extern const struct cmd_entry cmd_events_list_entry;	/* cmd-events.c */
extern const struct cmd_entry cmd_events_flush_entry;

#endif
