/* private.h: what catalog.c and conntest.c share and no other folder
 * sees: the JSON side of a connector's test. */
#ifndef SETUPLINK_CATALOG_PRIVATE_H
#define SETUPLINK_CATALOG_PRIVATE_H

#include <jansson.h>

#include "catalog/catalog.h"

/* Read root's "test" (an object or an array of them) into c->tests,
 * checked against c's fields; EX_CONFIG naming what is wrong. */
int	 conntest_parse(json_t *root, struct connector *c, char **errstr);
/* The "test" member for connector show --json (an array), or NULL. */
json_t	*conntest_to_json(const struct connector *);

/* Read root's "oauth" into c->oauth, checked against c's fields. */
int	 oauth_parse(json_t *root, struct connector *c, char **errstr);
/* The "oauth" member for connector show --json, or NULL. */
json_t	*oauth_to_json(const struct connector *);

#endif
