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
	char		*origin;	/* "shipped" or the file it came from */
};

struct catalog {
	struct connector *v;
	size_t		 n;
};

const char *field_type_name(enum field_type);
/* Load the shipped definitions, then PREFIX/share/setuplink/connectors
 * beside the program, then dir's *.json (may be NULL or absent). */
int	 catalog_load(const char *dir, struct catalog **, char **errstr);
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
#endif
