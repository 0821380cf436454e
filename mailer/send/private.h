/* private.h: what the files of mailer/send/ share and nothing outside it
 * may use (intake/ uses the text-body helpers for its answers). */
#ifndef SETUPLINK_SEND_PRIVATE_H
#define SETUPLINK_SEND_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mailer/send/send.h"

/* ---- Transports (transport.c picks one of transport-*.c by scheme) ---- */

struct config;
struct home;

struct transport_msg {
	const char		*env_from;	/* "" for the null sender */
	const char		*const *rcpts;
	size_t			 nrcpts;
	const char		*data;
	size_t			 len;
};

/*
 * A backend.  arg is what follows the scheme: NULL or a path for
 * sendmail[:PATH], HOST[:PORT] for smtp:// and smtps://, NULL for maildir.
 * check validates arg (64 and a sentence); send returns 0, 69 or 75 (or
 * 78 for its own bad settings).
 */
struct transport_backend {
	const char	*name;		/* the scheme */
	const char	*sep;		/* between scheme and arg: ":", "://" */
	bool		 arg_required;
	int		(*check)(const char *arg, char **errstr);
	int		(*send)(const struct config *, const struct home *,
			    const char *arg, const struct transport_msg *,
			    char **errstr);
};

extern const struct transport_backend transport_maildir_backend;
extern const struct transport_backend transport_sendmail_backend;
extern const struct transport_backend transport_smtp_backend;
extern const struct transport_backend transport_smtps_backend;
/* ---- Text bodies (compose.c), shared by the setup email and replies ---- */

/* 8-bit bytes, long lines, trailing blanks, "From " or "." at a start. */
bool	 compose_needs_qp(const char *);
/* Readable quoted-printable with CRLF line ends. */
char	*compose_qp(const char *, size_t *outlen);
/* LF or CRLF text with CRLF line ends. */
char	*compose_crlf(const char *, size_t, size_t *outlen);

#endif
