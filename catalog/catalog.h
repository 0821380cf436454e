/* catalog.h: the connector catalog (catalog.c) and value validation
 * (validate.c): definitions read from JSON, no database.  Every part of
 * setuplink above util/ may include it; it includes only util/. */
#ifndef SETUPLINK_CATALOG_H
#define SETUPLINK_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Connector catalog (catalog.c, validate.c) ---- */

enum field_type {
	FT_STRING, FT_INTEGER, FT_SECRET, FT_FILE, FT_ENUM, FT_BOOLEAN,
	FT_URL, FT_EMAIL
};

/* What a file field's file must be (filekind.c); FKIND_ANY: any bytes. */
enum file_kind {
	FKIND_ANY, FKIND_PEM_PRIVATE_KEY, FKIND_PEM_CERTIFICATE,
	FKIND_PEM_PUBLIC_KEY, FKIND_JSON, FKIND_SERVICE_ACCOUNT
};

struct field_def {
	char		*key;
	char		*label;
	char		*help;
	enum field_type	 type;
	bool		 required;
	bool		 secret;	/* secret type, or a secret file */
	char		*dflt;		/* canonical, or NULL */
	char		**choices;	/* FT_ENUM */
	size_t		 nchoices;
	char		*method;	/* choice of the method field, or NULL */
	int64_t		 min, max;	/* FT_INTEGER range */
	int64_t		 max_size;	/* FT_FILE, bytes; 0: the config's */
	enum file_kind	 file_kind;	/* FT_FILE: what the file must be */
	char		**json_keys;	/* FKIND_JSON: keys it must have */
	size_t		 njson_keys;
	char		*env;		/* the variable the next tool reads
					   (PGHOST), or NULL: CONNECTOR_KEY */
};

/*
 * A connector's test (catalog/conntest.c): how `draft test` tries the
 * draft's values against the service.  Each role (host, user, password,
 * secret, ...) is played by a field of the connector: the one named in
 * the definition's "fields" map, else the field with the role's name.
 */
enum conntest_kind {
	CT_FILES, CT_HTTP, CT_POSTGRES, CT_MYSQL, CT_SSH
};

struct conntest_role {
	char		*role;
	char		*field;
};

struct conntest {
	enum conntest_kind kind;
	char		*method;	/* for this choice of the method field;
					   NULL: whatever the choice */
	struct conntest_role *roles;	/* the definition's "fields" map */
	size_t		 nroles;
	char		*http_method;	/* http: "GET" unless said */
	char		*url;		/* http: template, {key} a field */
	char		*auth;		/* http: basic bearer header query none */
	char		*auth_name;	/* http: the header or query name */
	long		*status;	/* http: success statuses; none: 2xx */
	size_t		 nstatus;
	char		*why;		/* why this test and no stronger one */
};

/*
 * A connector's OAuth sign-in (catalog/oauth.c): the device authorization
 * grant (RFC 8628) for one choice of its method field.  Endpoints are
 * templates whose {key} names a field of the draft.
 */
struct oauth_def {
	char		*method;	/* the choice of the method field */
	char		*client;	/* HOME/oauth/CLIENT.conf */
	char		*device_endpoint;
	char		*token_endpoint;
	char		*userinfo_endpoint;	/* or NULL: the ID token only */
	char		*scope;		/* or NULL */
	char		*token_field;	/* receives the token */
	bool		 access_token;	/* "token": "access_token": keep the
					   access token (a provider that
					   issues no refresh token, GitHub's
					   OAuth apps); else the refresh token */
	char		*client_id_field;	/* receives the client id, or
					   NULL */
	char		*account_field;	/* receives who signed in, or NULL */
	char		*why;		/* a note for the catalog, or NULL */
};

struct connector {
	char		*key;
	char		*name;
	char		*category;
	char		*description;
	char		*method_field;	/* key of the enum choosing auth, or NULL */
	char		*uri;		/* "postgresql://{user}:{password}@..."
					   (each {key} percent-encoded), or NULL */
	char		*dbt;		/* the "dbt" object as JSON text: type,
					   fields (profile key: field key) and
					   defaults; NULL: no dbt adapter */
	struct field_def *fields;
	size_t		 nfields;
	struct conntest	*tests;		/* first whose method applies wins */
	size_t		 ntests;
	struct oauth_def *oauth;	/* NULL: no sign-in by email */
	char		*origin;	/* "shipped" or the file it came from */
};

struct catalog_pending;

struct catalog {
	struct connector *v;
	size_t		 n;
	/* catalog_load_lazy: the installed and shipped definitions not read
	 * yet, each known by its file name (KEY.json); v has room for them,
	 * so a pointer catalog_find gave stays good. */
	struct catalog_pending *pending;
	size_t		 npending;
};

const char *field_type_name(enum field_type);
/* Load the shipped definitions, then PREFIX/share/setuplink/connectors
 * beside the program (each file named after its key, KEY.json), then
 * dir's *.json (may be NULL or absent). */
int	 catalog_load(const char *dir, struct catalog **, char **errstr);
/* The same, but an installed or shipped definition is read when
 * catalog_find first asks for its key: for the intake, which needs one
 * connector or none, and never walks v. */
int	 catalog_load_lazy(const char *dir, struct catalog **,
	     char **errstr);
/* Parse one definition (JSON text); origin names it in errors. */
int	 catalog_parse(const char *json, size_t len, const char *origin,
	     struct connector *, char **errstr);
void	 catalog_free(struct catalog **);
const struct connector *catalog_find(const struct catalog *, const char *key);
const struct field_def *connector_field(const struct connector *, const char *key); /* any case */
/* Is the field one the chosen method (may be NULL) counts? */
bool	 field_applies(const struct connector *, const struct field_def *, const char *method);
char	*connector_to_json(const struct connector *);	/* connector show --json */

/*
 * Check a value for a field and return it in canonical form (booleans as
 * "true"/"false", integers without sign or zeros).  An empty value is
 * valid and means "clear".  The error names the field and the rule, never
 * the value.  max_file is the config's limit for file fields.
 */
int	 field_validate(const struct field_def *, const char *value, size_t len,
	     int64_t max_file, char **canon, char **errstr);

/* "pem_private_key" ... as connector definitions spell them. */
const char *file_kind_name(enum file_kind);
int	 file_kind_parse(const char *, enum file_kind *);	/* -1: unknown */
/*
 * Whether a file field's bytes are what its file_kind says; the error
 * names the field and the rule, never the content.
 */
int	 file_kind_check(const struct field_def *, const char *, size_t,
	     char **errstr);

/* ---- Connector tests (conntest.c) ---- */

const char *conntest_kind_name(enum conntest_kind);
/* The roles a kind knows, NULL-terminated. */
const char *const *conntest_roles(enum conntest_kind);
/* The test for the chosen method (may be NULL), or NULL: none declared. */
const struct conntest *connector_test(const struct connector *,
	     const char *method);
/* The field playing role in t, or NULL. */
const struct field_def *conntest_field(const struct connector *,
	     const struct conntest *, const char *role);
void	 conntest_clear(struct conntest *);

/* ---- OAuth sign-in (oauth.c) ---- */

void	 oauth_def_clear(struct oauth_def *);
/*
 * An endpoint with each {key} replaced by the draft's value of that key
 * (keys[i], values[i]).  A value must be letters, digits and '-' where
 * the template puts it in the host ('.' and '_' too in the path), so a
 * reply can never aim a request at another host: EX_DATAERR naming the
 * field otherwise.
 */
int	 oauth_url(const char *tmpl, const char *const *keys,
	     const char *const *values, size_t n, char **out, char **errstr);
#endif
