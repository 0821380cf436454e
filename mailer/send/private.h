/* private.h: what the files of mailer/send/ share and nothing outside it
 * may use: the transports' backends, the MIME writer, the setup email's parts. */
#ifndef SETUPLINK_SEND_PRIVATE_H
#define SETUPLINK_SEND_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailer/send/send.h"
#include "util/util.h"

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

/* Has the caller asked to stop the send under way (transport_set_cancel)? */
bool	 transport_cancelled(void);

/* ---- The outbox (outbox.c; on a shared store outbox-rows.c) ---- */

/* Fill an item from its bytes: envelope, To, Subject, Date, size; *body
 * (may be NULL) where the message proper starts. */
void	 outbox_item_parse(struct outbox_item *, const char *data, size_t len,
	     size_t *body);
void	 outbox_item_clear(struct outbox_item *);
/* The shared store the outbox is rows of, or NULL. */
struct store *outbox_store(void);
/* The maildir transport's message, queued as a row of the shared store;
 * *name is what outbox list shows. */
int	 outbox_queue_row(const char *data, size_t len, char **name,
	     char **errstr);
struct outrow;
/* Waiting or refused rows as items (and the rows, when rows is not NULL). */
int	 outbox_rows_list(bool failed, struct outbox_item **, size_t *n,
	     struct outrow **rows, char **errstr);
int	 outbox_rows_read(const char *id, char **data, size_t *len,
	     char **errstr);
int	 outbox_rows_flush(const struct config *, const struct home *,
	     const char *spec, outbox_progress_fn, void *arg,
	     struct outbox_stats *, char **errstr);

extern const struct transport_backend transport_maildir_backend;
extern const struct transport_backend transport_sendmail_backend;
extern const struct transport_backend transport_smtp_backend;
extern const struct transport_backend transport_smtps_backend;

/* ---- The MIME writer (writer.c, writer-text.c) ----
 * Every message we compose is built and written here: the setup email
 * and every answer of the intake.  One wrapper, one RFC 2047 encoder,
 * one quoted-printable; libetpan is seen by writer.c alone. */

#define WRITER_WIDTH	72	/* columns of wrapped prose */

/* Words as lines of at most WRITER_WIDTH columns, each begun with indent;
 * a longer word overflows on a line of its own, never cut. */
void	 writer_wrap(struct buf *, const char *text, const char *indent);
/* A formatted paragraph, wrapped, ending in one line end. */
void	 writer_para(struct buf *, const char *fmt, ...) PRINTFLIKE(2, 3);
void	 writer_vpara(struct buf *, const char *fmt, va_list);

/* 8-bit bytes, long lines, trailing blanks, "From " or "." at a start. */
bool	 writer_needs_qp(const char *);
/* Readable quoted-printable with CRLF line ends. */
char	*writer_qp(const char *, size_t *outlen);
/* LF or CRLF text with CRLF line ends. */
char	*writer_crlf(const char *, size_t, size_t *outlen);
/* UTF-8 header text as it is when it can be, else RFC 2047 words: an
 * unstructured field (a Subject), a display name. */
char	*writer_header_text(const char *);
char	*writer_phrase(const char *);

/* A message being built.  A part is libetpan's; only writer.c looks
 * inside.  Parts are made inside a parent (NULL: the message itself),
 * so freeing the message frees every one. */
struct writer;
struct mailmime;

struct writer_head {
	int64_t		 date;
	const char	*from_name;	/* UTF-8 display name, or NULL */
	const char	*from;
	const char	*reply_to_name;	/* UTF-8 display name, or NULL */
	const char	*reply_to;	/* NULL: no Reply-To */
	const char	*to;
	const char	*message_id;	/* without <> */
	const char	*in_reply_to;	/* and References; NULL: none */
	const char	*subject;	/* UTF-8 */
};

struct writer_leaf {
	const char	*type;		/* "application/pgp-keys" */
	const char	*name;		/* Content-Type name, or NULL */
	const char	*filename;	/* an attachment's name, or NULL */
	const char	*description;	/* Content-Description, or NULL */
	const char	*data;		/* ASCII lines, LF or CRLF ... */
	size_t		 len;
	bool		 base64;	/* ... unless this says bytes */
};

struct writer	*writer_new(const struct writer_head *);
void		 writer_free(struct writer **);
/* A header field of ours (ASCII), after the standard ones, in call order. */
void		 writer_field(struct writer *, const char *name, const char *value);
/* A multipart with a fresh boundary; its parts follow. */
struct mailmime	*writer_multipart(struct writer *, struct mailmime *parent,
		     const char *type);
/* text/plain; charset=utf-8 from UTF-8 text with LF line ends. */
struct mailmime	*writer_text(struct writer *, struct mailmime *parent,
		     const char *text);
struct mailmime	*writer_leaf(struct writer *, struct mailmime *parent,
		     const struct writer_leaf *);
/* Set a Content-Type parameter, replacing one of the same name. */
void		 writer_param(struct mailmime *, const char *name,
		     const char *value);
/* A multipart's boundary (borrowed), or NULL. */
const char	*writer_boundary_of(const struct mailmime *);
/* The whole message (part NULL), or a part with its header lines. */
int		 writer_write(struct writer *, struct mailmime *part,
		     char **out, size_t *len, char **errstr);

/* ---- The setup email (compose.c, compose-text.c) ---- */

/* Who asks: the admin's name, else address. */
const char *compose_asker(const struct config *);
/* The attached key's file name: the workspace in safe characters. */
char	*compose_key_filename(const struct config *);

/* An answer of ours written whole (reply.c), for receipts and follow-ups. */
int	 reply_write(const struct config *, int64_t, const char *, bool,
	     const char *, const char *, const char *, const char *,
	     struct reply_mail *, char **);

#endif
