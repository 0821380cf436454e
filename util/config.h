/* config.h: the home directory and its configuration file, whose keys are
 * declared once in a table (type, default, help) in config.c.  Part of
 * util/: it calls nothing above it (a transport check is a hook). */
#ifndef SETUPLINK_CONFIG_H
#define SETUPLINK_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct config {
	char	*workspace;	/* workspace name, shown in mail */
	char	*admin;		/* "Name <email>" as typed */
	char	*admin_name;	/* parsed from admin */
	char	*admin_email;
	char	*intake;	/* intake address, local@domain */
	char	*intake_local;
	char	*intake_domain;
	char	*transport;	/* maildir | sendmail[:PATH] | smtp://... */
	bool	 from_intake;	/* From: the bare intake address */
	char	*smtp_user;
	char	*smtp_password_file;
	char	*smtp_password_env;
	char	*smtp_ca_file;
	bool	 smtp_verify;
	bool	 smtp_require_starttls;
	int64_t	 link_expiry;		/* seconds */
	int64_t	 link_expiry_max;	/* seconds */
	int64_t	 quarantine_days;
	int64_t	 max_message_size;	/* bytes */
	int64_t	 max_file_size;		/* bytes, for file fields */
	int64_t	 replies_per_sender;	/* an hour */
	int64_t	 replies_total;		/* an hour */
	bool	 notify_admin;
	char	*on_submit;
	int64_t	 gpg_timeout;		/* seconds */
	int64_t	 db_timeout;		/* milliseconds */
	char	*database;		/* postgresql:// URI or NULL: SQLite */
	bool	 test_on_merge;
	int64_t	 test_timeout;		/* seconds */
	char	*test_networks;		/* see probe-net.c */
	bool	 renew_on_failed_test;
	char	*webhook_url;		/* http(s):// or NULL: no events */
	char	*webhook_secret_file;	/* the HMAC key, first line */
	int64_t	 remind_before;		/* seconds: link remind's window */
};

/* Types a configuration value may have. */
enum config_type {
	CONFIG_STRING,
	CONFIG_ADDRESS,		/* local@domain */
	CONFIG_MAILBOX,		/* Name <local@domain> */
	CONFIG_TRANSPORT,
	CONFIG_BOOL,
	CONFIG_NUMBER,
	CONFIG_DURATION,	/* 90s, 12h, 7d */
	CONFIG_SIZE,		/* 25M, 64k, 1000 */
};

struct config_entry {
	const char		*key;
	enum config_type	 type;
	const char		*dflt;		/* NULL: no default */
	bool			 required;
	size_t			 offset;	/* into struct config */
	const char		*help;
};

extern const struct config_entry config_table[];
extern const size_t config_table_size;

/* The home and the files in it. */
struct home {
	char	*dir;
	char	*db;		/* setuplink.db */
	char	*config;	/* setuplink.conf */
	char	*gnupg;		/* gnupg/ */
	char	*outbox;	/* outbox/ (Maildir) */
	char	*quarantine;	/* quarantine/ (Maildir) */
	char	*connectors;	/* connectors/ (the admin's own definitions) */
};

/* Resolve --home, $SETUPLINK_HOME, then the XDG default. */
void	 home_resolve(const char *opt, struct home *);
void	 home_free(struct home *);
bool	 home_exists(const struct home *);

const struct config_entry *config_find(const char *key);	/* or NULL */
void	 config_defaults(struct config *);
int	 config_load(const char *path, struct config *, char **errstr);
int	 config_set(struct config *, const char *key, const char *value, char **errstr);
/*
 * How config_set checks a transport spec.  The transports live in
 * mailer/send, above util/, so the session hands its transport_check in;
 * until then (fuzzers, unit tests) any spec but "" is taken as it is.
 */
void	 config_check_transport(int (*)(const char *spec, char **errstr));
int	 config_write(const char *path, const struct config *, char **errstr);
void	 config_free(struct config *);
void	 config_print_help(FILE *);	/* every key, for -h and docs */
const char *config_type_name(enum config_type);

/* Parse "Name <addr>" or a bare address; *name may be "" */
int	 mailbox_parse(const char *, char **name, char **addr, char **errstr);
bool	 address_valid(const char *);
int	 address_split(const char *, char **local, char **domain);

#endif
