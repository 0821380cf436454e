/* cmd.h: the command table and what every command gets: the home, its
 * configuration, the store and the catalog, opened as its row asks. */
#ifndef SETUPLINK_CMD_H
#define SETUPLINK_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "mailer/mailer.h"
#include "util/config.h"
#include "util/util.h"
#include "tui/tui.h"

/* How a command runs, besides what its session opens (SESSION_*). */
#define CMD_INTAKE	0x100	/* exit 75, not 78, for a missing home */

struct cmd_entry {
	const char	*name;		/* "draft new" */
	const char	*args;		/* usage after the name */
	const char	*help;		/* one line */
	int		 flags;
	int		(*exec)(struct session *, int argc, char **argv,
			    char **errstr);
};

extern const struct cmd_entry cmd_table[];
extern const size_t cmd_table_size;

int	 cmd_run(int argc, char **argv);
void	 cmd_usage(FILE *);
void	 cmd_entry_usage(const struct cmd_entry *, FILE *);

/*
 * Parse a command's options with getopt_long; -h/--help prints the
 * entry's usage.  Returns -1 when parsing is over (optind set), 'h' for
 * help, '?' for a bad option, else the option character.
 */
struct option;
int	 cmd_getopt(int argc, char **argv, const char *shortopts,
	     const struct option *longopts);
int	 cmd_help(const char *name);	/* prints usage, returns 0 */
int	 cmd_bad_usage(char **errstr, const char *name, const char *what);
int	 cmd_parse_id(const char *s, const char *what, int64_t *id, char **errstr);

/* JSON out: one document on stdout. */
void	 json_out(json_t *);		/* prints and frees */
json_t	*json_time(int64_t);		/* RFC 3339 UTC, or null for 0 */
json_t	*json_str_or_null(const char *);

/* Commands, one file each. */
int	cmd_init(struct session *, int, char **, char **);
int	cmd_connectors(struct session *, int, char **, char **);
int	cmd_connector_show(struct session *, int, char **, char **);
int	cmd_draft_new(struct session *, int, char **, char **);
int	cmd_draft_list(struct session *, int, char **, char **);
int	cmd_draft_show(struct session *, int, char **, char **);
int	cmd_draft_set(struct session *, int, char **, char **);
int	cmd_draft_rm(struct session *, int, char **, char **);
int	cmd_draft_export(struct session *, int, char **, char **);
int	cmd_skills(struct session *, int, char **, char **);
int	cmd_link_create(struct session *, int, char **, char **);
int	cmd_link_list(struct session *, int, char **, char **);
int	cmd_link_revoke(struct session *, int, char **, char **);
int	cmd_outbox_list(struct session *, int, char **, char **);
int	cmd_outbox_flush(struct session *, int, char **, char **);
int	cmd_intake(struct session *, int, char **, char **);
int	cmd_quarantine_list(struct session *, int, char **, char **);
int	cmd_quarantine_show(struct session *, int, char **, char **);
int	cmd_quarantine_retry(struct session *, int, char **, char **);
int	cmd_log(struct session *, int, char **, char **);
int	cmd_key_import(struct session *, int, char **, char **);
int	cmd_key_list(struct session *, int, char **, char **);
int	cmd_key_export(struct session *, int, char **, char **);

#endif
