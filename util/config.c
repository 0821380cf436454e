/* config.c: the home directory and setuplink.conf.  Every key is declared
 * once in config_table (type, default, help); parsing, validation, the
 * file init writes and the help text all read that one table. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "util/util.h"
#include "util/config.h"

#define OFF(f) offsetof(struct config, f)

const struct config_entry config_table[] = {
	{ "workspace", CONFIG_STRING, NULL, true, OFF(workspace),
	  "Workspace name, shown to recipients in every email." },
	{ "admin", CONFIG_MAILBOX, NULL, true, OFF(admin),
	  "The admin as \"Name <address>\": who asks, and where replies to "
	  "our automatic answers go." },
	{ "intake", CONFIG_ADDRESS, NULL, true, OFF(intake),
	  "The intake address; replies come to local+TOKEN@domain." },
	{ "transport", CONFIG_TRANSPORT, "maildir", false, OFF(transport),
	  "How mail leaves: maildir (into outbox/), sendmail[:PATH], "
	  "smtp://HOST[:PORT] (STARTTLS required) or smtps://HOST[:PORT]." },
	{ "from_intake", CONFIG_BOOL, "no", false, OFF(from_intake),
	  "Send setup emails From the bare intake address, for relays that "
	  "refuse the tokened From (drops the Autocrypt header)." },
	{ "smtp_user", CONFIG_STRING, NULL, false, OFF(smtp_user),
	  "User name for SMTP AUTH; empty: no AUTH." },
	{ "smtp_password_file", CONFIG_STRING, NULL, false,
	  OFF(smtp_password_file),
	  "File holding the SMTP password (first line)." },
	{ "smtp_password_env", CONFIG_STRING, NULL, false,
	  OFF(smtp_password_env),
	  "Environment variable holding the SMTP password." },
	{ "smtp_ca_file", CONFIG_STRING, NULL, false, OFF(smtp_ca_file),
	  "PEM file of CA certificates to trust for SMTP instead of the "
	  "system's." },
	{ "smtp_verify", CONFIG_BOOL, "yes", false, OFF(smtp_verify),
	  "Verify the SMTP server's certificate; turning it off is unsafe "
	  "and warned about on every send." },
	{ "smtp_require_starttls", CONFIG_BOOL, "yes", false,
	  OFF(smtp_require_starttls),
	  "Send nothing over smtp:// to a server that does not offer "
	  "STARTTLS; turning it off sends mail and its tokens in cleartext "
	  "there, warned about on every send." },
	{ "link_expiry", CONFIG_DURATION, "7d", false, OFF(link_expiry),
	  "How long a new link works unless link create says --expires." },
	{ "link_expiry_max", CONFIG_DURATION, "90d", false,
	  OFF(link_expiry_max),
	  "The longest --expires accepted (at most 90d)." },
	{ "quarantine_days", CONFIG_NUMBER, "30", false, OFF(quarantine_days),
	  "Days a message that was not merged stays in quarantine/." },
	{ "max_message_size", CONFIG_SIZE, "25M", false, OFF(max_message_size),
	  "Largest message the intake parses; larger ones are kept and "
	  "rejected from their headers alone.  Also the most plaintext one "
	  "message may unpack by decrypting, all levels together." },
	{ "max_file_size", CONFIG_SIZE, "1M", false, OFF(max_file_size),
	  "Largest value for a file field without a limit of its own." },
	{ "replies_per_sender", CONFIG_NUMBER, "3", false,
	  OFF(replies_per_sender),
	  "Rejection replies an hour to one sender address." },
	{ "replies_total", CONFIG_NUMBER, "100", false, OFF(replies_total),
	  "Rejection replies an hour in all." },
	{ "notify_admin", CONFIG_BOOL, "no", false, OFF(notify_admin),
	  "Also mail the admin a note when a reply is merged." },
	{ "on_submit", CONFIG_STRING, NULL, false, OFF(on_submit),
	  "Command run (by /bin/sh) after a reply is merged, with "
	  "SETUPLINK_DRAFT and SETUPLINK_LINK in its environment." },
	{ "gpg_timeout", CONFIG_DURATION, "30s", false, OFF(gpg_timeout),
	  "Deadline for one OpenPGP operation on a reply." },
	{ "db_timeout", CONFIG_NUMBER, "10000", false, OFF(db_timeout),
	  "Milliseconds a writer waits for a locked database before it "
	  "gives up (the intake then exits 75)." },
	{ "database", CONFIG_STRING, NULL, false, OFF(database),
	  "A postgresql:// URI (libpq's, with its environment): the store "
	  "shared by several hosts; empty: SQLite in the home." },
	{ "test_on_merge", CONFIG_BOOL, "yes", false, OFF(test_on_merge),
	  "Test a draft's credentials against the service after a merge "
	  "completes it or changes a complete one, in a worker of its own." },
	{ "test_timeout", CONFIG_DURATION, "20s", false, OFF(test_timeout),
	  "Deadline for one credentials test, from start to verdict." },
	{ "test_networks", CONFIG_STRING, "public", false, OFF(test_networks),
	  "Addresses a test may connect to: public (all but loopback, "
	  "link-local and cloud metadata), any, and ADDRESS/BITS networks, "
	  "comma separated." },
	{ "renew_on_failed_test", CONFIG_BOOL, "no", false,
	  OFF(renew_on_failed_test),
	  "When a test fails on values a recipient sent, the follow-up "
	  "carries a fresh link for just those fields." },
	{ "webhook_url", CONFIG_STRING, NULL, false, OFF(webhook_url),
	  "http:// or https:// URL that gets a signed JSON POST per event "
	  "(merged, rejected, link_created, ...); empty: no webhook." },
	{ "webhook_secret_file", CONFIG_STRING, NULL, false,
	  OFF(webhook_secret_file),
	  "File whose first line is the HMAC-SHA256 key that signs each "
	  "webhook body (X-Setuplink-Signature)." },
	{ "remind_before", CONFIG_DURATION, "2d", false, OFF(remind_before),
	  "link remind mails links that expire within this." },
};
const size_t config_table_size = nitems(config_table);

const char *
config_type_name(enum config_type t)
{
	switch (t) {
	case CONFIG_STRING:	return "string";
	case CONFIG_ADDRESS:	return "address";
	case CONFIG_MAILBOX:	return "mailbox";
	case CONFIG_TRANSPORT:	return "transport";
	case CONFIG_BOOL:	return "boolean";
	case CONFIG_NUMBER:	return "number";
	case CONFIG_DURATION:	return "duration";
	case CONFIG_SIZE:	return "size";
	}
	return "?";
}

void
home_resolve(const char *opt, struct home *h)
{
	const char *e;

	memset(h, 0, sizeof *h);
	if (opt != NULL && *opt != '\0')
		h->dir = xstrdup(opt);
	else if ((e = getenv("SETUPLINK_HOME")) != NULL && *e != '\0')
		h->dir = xstrdup(e);
	else if ((e = getenv("XDG_DATA_HOME")) != NULL && *e != '\0')
		h->dir = xprintf("%s/setuplink", e);
	else
		h->dir = xprintf("%s/.local/share/setuplink",
		    (e = getenv("HOME")) != NULL ? e : ".");
	h->db = xprintf("%s/setuplink.db", h->dir);
	h->config = xprintf("%s/setuplink.conf", h->dir);
	h->gnupg = xprintf("%s/gnupg", h->dir);
	h->outbox = xprintf("%s/outbox", h->dir);
	h->quarantine = xprintf("%s/quarantine", h->dir);
	h->connectors = xprintf("%s/connectors", h->dir);
}

void
home_free(struct home *h)
{
	free(h->dir);
	free(h->db);
	free(h->config);
	free(h->gnupg);
	free(h->outbox);
	free(h->quarantine);
	free(h->connectors);
	memset(h, 0, sizeof *h);
}

bool
home_exists(const struct home *h)
{
	return access(h->config, F_OK) == 0;
}

bool
address_valid(const char *s)
{
	const char *at = strrchr(s, '@'), *p;

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 254)
		return false;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
			return false;
	}
	if (strchr(at + 1, '.') == NULL || at[1] == '.' || p[-1] == '.')
		return false;
	return true;
}

int
address_split(const char *s, char **local, char **domain)
{
	const char *at = strrchr(s, '@');

	if (at == NULL)
		return -1;
	*local = xstrndup(s, (size_t)(at - s));
	*domain = xstrdup(at + 1);
	return 0;
}

/* "Name <addr>" or a bare addr.  Control characters never pass. */
int
mailbox_parse(const char *s, char **name, char **addr, char **errstr)
{
	const char *lt, *gt;
	char *n, *a;

	if (str_has_ctl(s))
		return errorf(errstr, EX_DATAERR, "a mailbox may not hold "
		    "control characters or line breaks");
	if ((lt = strrchr(s, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			goto bad;
		n = xstrndup(s, (size_t)(lt - s));
		a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	} else {
		n = xstrdup("");
		a = xstrdup(s);
	}
	{
		char *t = xstrdup(str_trim(n));
		free(n);
		n = t;
		if (n[0] == '"' && strlen(n) >= 2 && n[strlen(n) - 1] == '"') {
			t = xstrndup(n + 1, strlen(n) - 2);
			free(n);
			n = t;
		}
	}
	if (!address_valid(str_trim(a))) {
		free(n);
		free(a);
		goto bad;
	}
	{
		char *t = xstrdup(str_trim(a));
		free(a);
		a = t;
	}
	*name = n;
	*addr = a;
	return 0;
bad:
	return errorf(errstr, EX_DATAERR, "'%s' is not a mailbox: write "
	    "\"Name <user@example.com>\" or user@example.com", s);
}

static int
parse_bool(const char *v, bool *b)
{
	if (str_ieq(v, "yes") || str_ieq(v, "true") || str_ieq(v, "on") ||
	    strcmp(v, "1") == 0)
		*b = true;
	else if (str_ieq(v, "no") || str_ieq(v, "false") || str_ieq(v, "off") ||
	    strcmp(v, "0") == 0)
		*b = false;
	else
		return -1;
	return 0;
}

static int
parse_size(const char *v, int64_t *out)
{
	char *end;
	long long n, mult = 1;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || n < 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1024; end++; break;
	case 'm': case 'M': mult = 1024 * 1024; end++; break;
	case 'g': case 'G': mult = 1024LL * 1024 * 1024; end++; break;
	default: return -1;
	}
	/* "9999999999999G" must be refused, not wrap around. */
	if (*end != '\0' || n > INT64_MAX / mult)
		return -1;
	*out = n * mult;
	return 0;
}

/* Set by config_check_transport: util/ cannot tell the transports. */
static int (*transport_check_fn)(const char *, char **);

void
config_check_transport(int (*check)(const char *spec, char **errstr))
{
	transport_check_fn = check;
}

static int
check_transport(const char *key, const char *value, char **errstr)
{
	char *err = NULL;
	int rv;

	if (transport_check_fn != NULL &&
	    transport_check_fn(value, &err) != 0) {
		rv = errorf(errstr, EX_CONFIG, "%s", err);
		free(err);
		return rv;
	}
	/* Whatever the check: empty would read back as maildir. */
	if (*value == '\0')
		return errorf(errstr, EX_CONFIG, "'%s' needs a transport, "
		    "such as maildir", key);
	return 0;
}

const struct config_entry *
config_find(const char *key)
{
	size_t i;

	for (i = 0; i < config_table_size; i++) {
		if (strcmp(config_table[i].key, key) == 0)
			return &config_table[i];
	}
	return NULL;
}

/* The longest line inih reads (INI_MAX_LINE, 200 with its newline). */
#define CONFIG_LINE_MAX	199

/*
 * What setuplink.conf can carry back unchanged: config_write writes
 * "key = value", and inih trims the value, ends it at a ';' after a blank
 * (an inline comment) and cannot read a longer line.  A value it would
 * change is refused here, where init and the TUI set keys, rather than
 * come back cut short (an on_submit command "a ; b" would run "a" alone)
 * or leave a file that no command can read.
 */
static int
config_value_fits(const char *key, const char *value, char **errstr)
{
	size_t n = strlen(value);

	if (n > 0 && (value[0] == ' ' || value[0] == '\t' ||
	    value[n - 1] == ' ' || value[n - 1] == '\t'))
		return errorf(errstr, EX_CONFIG, "'%s' may not start or end "
		    "with a blank", key);
	if (value[0] == ';' || strstr(value, " ;") != NULL ||
	    strstr(value, "\t;") != NULL)
		return errorf(errstr, EX_CONFIG, "'%s' may not start with ';' "
		    "or hold a ';' after a blank: setuplink.conf reads the rest "
		    "of the line as a comment", key);
	if (strlen(key) + 3 + n > CONFIG_LINE_MAX)
		return errorf(errstr, EX_CONFIG, "'%s' is too long: "
		    "setuplink.conf lines hold at most %d characters", key,
		    CONFIG_LINE_MAX);
	return 0;
}

/* Set one key from its text, validating it by its declared type. */
int
config_set(struct config *c, const char *key, const char *value,
    char **errstr)
{
	const struct config_entry *e;
	void *field;
	char *name, *addr, *err = NULL;
	int rv;

	if ((e = config_find(key)) == NULL)
		return errorf(errstr, EX_CONFIG, "unknown key '%s'", key);
	field = (char *)c + e->offset;
	if (str_has_ctl(value))
		return errorf(errstr, EX_CONFIG, "'%s' may not hold control "
		    "characters", key);
	if ((rv = config_value_fits(key, value, errstr)) != 0)
		return rv;
	switch (e->type) {
	case CONFIG_STRING:
		if (strcmp(key, "webhook_url") == 0 && *value != '\0' &&
		    !str_has_prefix(value, "http://") &&
		    !str_has_prefix(value, "https://"))
			return errorf(errstr, EX_CONFIG, "'%s' takes an "
			    "http:// or https:// URL", key);
		break;
	case CONFIG_ADDRESS:
		if (!address_valid(value))
			return errorf(errstr, EX_CONFIG, "'%s' is not an email "
			    "address like setup@example.com", key);
		break;
	case CONFIG_MAILBOX:
		if (mailbox_parse(value, &name, &addr, &err) != 0) {
			free(err);
			return errorf(errstr, EX_CONFIG, "'%s' is not a "
			    "mailbox: write \"Name <user@example.com>\"", key);
		}
		free(c->admin_name);
		free(c->admin_email);
		c->admin_name = name;
		c->admin_email = addr;
		break;
	case CONFIG_TRANSPORT:
		if ((rv = check_transport(key, value, errstr)) != 0)
			return rv;
		break;
	case CONFIG_BOOL:
		if (parse_bool(value, field) != 0)
			return errorf(errstr, EX_CONFIG, "'%s' takes yes or no",
			    key);
		return 0;
	case CONFIG_NUMBER: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0' || n < 0 || errno != 0)
			return errorf(errstr, EX_CONFIG, "'%s' takes a whole "
			    "number of 0 or more", key);
		*(int64_t *)field = n;
		return 0;
	}
	case CONFIG_DURATION:
		if (duration_parse(value, field, &err) != 0) {
			free(err);
			return errorf(errstr, EX_CONFIG, "'%s' takes a "
			    "duration like 90s, 12h or 7d", key);
		}
		return 0;
	case CONFIG_SIZE:
		if (parse_size(value, field) != 0)
			return errorf(errstr, EX_CONFIG, "'%s' takes a size "
			    "like 25M, 64k or 1000", key);
		return 0;
	}
	free(*(char **)field);
	*(char **)field = *value != '\0' ? xstrdup(value) : NULL;
	if (e->type == CONFIG_ADDRESS && strcmp(key, "intake") == 0) {
		free(c->intake_local);
		free(c->intake_domain);
		address_split(value, &c->intake_local, &c->intake_domain);
	}
	return 0;
}

void
config_defaults(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < config_table_size; i++) {
		if (config_table[i].dflt != NULL &&
		    config_set(c, config_table[i].key, config_table[i].dflt,
		    NULL) != 0)
			fatalx("bad default for %s", config_table[i].key);
	}
}

struct load_state {
	struct config	*c;
	char		*err;
	FILE		*f;
	char		*cut;	/* the line just read lost a comment */
};

/*
 * inih's reader, fgets() that also notices a value inih will cut at an
 * inline comment (a ';' after a blank): the handler then refuses that
 * line instead of taking what is left of it.
 */
static char *
load_reader(char *line, int size, void *arg)
{
	struct load_state *st = arg;
	const char *p, *eq;

	if (fgets(line, size, st->f) == NULL)
		return NULL;
	freep(&st->cut);
	for (p = line; isspace((unsigned char)*p); p++)
		;
	if (*p == ';' || *p == '#' || *p == '[' || (eq = strpbrk(p, "=:")) == NULL)
		return line;
	/* As inih reads a value: a ';' after a blank, the blanks after '='
	 * included, cuts it. */
	for (p = eq + 1; *p != '\0'; p++) {
		if (*p == ';' && p > eq + 1 && isspace((unsigned char)p[-1])) {
			st->cut = xstrdup("a ';' after a blank starts a "
			    "comment, so the value would be cut there; remove "
			    "the blank before the ';'");
			break;
		}
	}
	return line;
}

static int
load_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct load_state *st = arg;
	char *err = NULL;

	if (st->err != NULL)
		return 1;
	if (st->cut != NULL) {
		st->err = st->cut;
		st->cut = NULL;
		return 0;
	}
	if (section[0] != '\0') {
		st->err = xprintf("sections like [%s] are not used; write "
		    "key = value lines", section);
		return 0;
	}
	if (config_set(st->c, key, value, &err) != 0) {
		st->err = err;
		return 0;
	}
	return 1;
}

int
config_load(const char *path, struct config *c, char **errstr)
{
	struct load_state st = { c, NULL, NULL, NULL };
	size_t i;
	FILE *f;
	int line;

	config_defaults(c);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return errorf(errstr, EX_CONFIG, "no setuplink home "
			    "here (%s is missing): run setuplink init first",
			    path);
		return errorf(errstr, EX_CONFIG, "cannot read %s: %s", path,
		    strerror(errno));
	}
	st.f = f;
	line = ini_parse_stream(load_reader, &st, load_handler, &st);
	fclose(f);
	free(st.cut);
	if (line != 0) {
		int rv = errorf(errstr, EX_CONFIG, "%s, line %d: %s; fix it or "
		    "see setuplink.conf(5)", path, line, st.err != NULL ?
		    st.err : "not a key = value line");
		free(st.err);
		return rv;
	}
	for (i = 0; i < config_table_size; i++) {
		const struct config_entry *e = &config_table[i];
		if (e->required && *(char **)((char *)c + e->offset) == NULL)
			return errorf(errstr, EX_CONFIG, "%s: the key '%s' is "
			    "missing; add a line '%s = ...'", path, e->key,
			    e->key);
	}
	if (c->link_expiry_max > 90 * 86400)
		return errorf(errstr, EX_CONFIG, "%s: 'link_expiry_max' may be "
		    "at most 90d", path);
	return 0;
}

static void
write_duration(FILE *f, int64_t s)
{
	if (s % 86400 == 0)
		fprintf(f, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		fprintf(f, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		fprintf(f, "%lldm", (long long)(s / 60));
	else
		fprintf(f, "%llds", (long long)s);
}

/*
 * Write every key with its help as a comment: keys still at their default
 * are written commented out, so the file documents itself.
 */
int
config_write(const char *path, const struct config *c, char **errstr)
{
	char *tmp = xprintf("%s.tmp", path);
	size_t i;
	FILE *f;
	int rv = 0;

	if ((f = fopen(tmp, "w")) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	fprintf(f, "# setuplink.conf: see setuplink.conf(5).  Lines are "
	    "key = value; # starts a comment.\n");
	for (i = 0; i < config_table_size; i++) {
		const struct config_entry *e = &config_table[i];
		const void *field = (const char *)c + e->offset;
		fprintf(f, "\n# %s\n", e->help);
		switch (e->type) {
		case CONFIG_BOOL:
			fprintf(f, "%s = %s\n", e->key,
			    *(const bool *)field ? "yes" : "no");
			break;
		case CONFIG_NUMBER:
		case CONFIG_SIZE:
			fprintf(f, "%s = %lld\n", e->key,
			    (long long)*(const int64_t *)field);
			break;
		case CONFIG_DURATION:
			fprintf(f, "%s = ", e->key);
			write_duration(f, *(const int64_t *)field);
			fputc('\n', f);
			break;
		default:
			if (*(char *const *)field != NULL)
				fprintf(f, "%s = %s\n", e->key,
				    *(char *const *)field);
			else
				fprintf(f, "#%s =\n", e->key);
			break;
		}
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rv = errorf(errstr, EX_CONFIG, "cannot write %s: %s", tmp,
		    strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, path) != 0) {
		rv = errorf(errstr, EX_CONFIG, "cannot write %s: %s", path,
		    strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	return rv;
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < config_table_size; i++) {
		switch (config_table[i].type) {
		case CONFIG_STRING:
		case CONFIG_ADDRESS:
		case CONFIG_MAILBOX:
		case CONFIG_TRANSPORT:
			freep((char *)c + config_table[i].offset);
			break;
		default:
			break;
		}
	}
	free(c->admin_name);
	free(c->admin_email);
	free(c->intake_local);
	free(c->intake_domain);
	memset(c, 0, sizeof *c);
}

void
config_print_help(FILE *f)
{
	size_t i;

	for (i = 0; i < config_table_size; i++) {
		const struct config_entry *e = &config_table[i];
		fprintf(f, "  %-20s %-9s %-8s %s\n", e->key,
		    config_type_name(e->type), e->dflt ? e->dflt :
		    (e->required ? "(req.)" : "-"), e->help);
	}
}
