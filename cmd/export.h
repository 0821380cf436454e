/* export.h: what cmd-draft-export.c and cmd-export-fmt.c share: the
 * forms of draft export written for the next tool. */
#ifndef SETUPLINK_CMD_EXPORT_H
#define SETUPLINK_CMD_EXPORT_H

#include "mailer/session.h"

struct export_ctx {
	const struct home	*home;
	const struct connector	*c;
	const struct draft	*d;
	const char		*method;	/* the chosen auth method, or NULL */
};

/* The variable a field is exported as: its declared "env", else
 * CONNECTOR_KEY in capitals. */
char	*export_env_name(const struct connector *, const struct field_def *);
int	 export_env(const struct export_ctx *, char **errstr);
int	 export_uri(const struct export_ctx *, char **errstr);
int	 export_dbt(const struct export_ctx *, char **errstr);
int	 export_k8s(const struct export_ctx *, char **errstr);

#endif
