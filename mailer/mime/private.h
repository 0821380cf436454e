/* private.h: what the files of mailer/mime/ share and nothing outside
 * it may use. */
#ifndef SETUPLINK_MIME_PRIVATE_H
#define SETUPLINK_MIME_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mailer/mime/mime.h"

/* libetpan's structures, known here by name only: the files that take
 * them include libetpan themselves, and the rest never see it. */
struct mailimf_fields;
struct mailmime;
struct mailmime_content;

/* White space as header and body syntax has it, line ends included. */
static inline bool
mime_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- Reading a message: parse.c calls these in this order ---- */

/* A copy of raw for libetpan, with zeros after it (parse.c). */
char	*parse_copy(const char *raw, size_t len);

/* prescan.c: EX_DATAERR (with a reason) when a limit of lim is passed. */
int	 prescan_check(const char *, size_t, const struct mail_limits *lim,
	     char **errstr);
/* The offset of the empty line that ends the header block, or len. */
size_t	 prescan_header_end(const char *, size_t len);
/* Whether no header field nests "(" comments deeper than libetpan copes. */
bool	 prescan_comments_ok(const char *, size_t);

/* header.c: the fields struct mail holds; the first of each counts. */
void	 header_read(struct mail *, const struct mailimf_fields *);
/* A leading mbox "From " line: its length, and its sender in *sender. */
size_t	 header_mbox_line(const char *, size_t, char **sender);
/* An address safe to use and to write into a header line, or NULL. */
char	*header_addr(const char *, size_t, bool need_at);
/* Add addr (owned, may be NULL) to a list of distinct recipients. */
void	 header_rcpt(char ***, size_t *, char *addr);
/* A Content-Type as "type/subtype", lowercase; text/plain when absent. */
char	*header_content_type(const struct mailmime_content *);

/* body.c: the body at mm into m: its protection, its text, its files. */
int	 body_read(struct mail *, const struct mailmime *, char **errstr);

/* dsn.c: a part of a multipart/report; false when it is none of the
 * report's own (then it is read as any other part). */
bool	 dsn_report_part(struct mail *, const char *type, const char *data,
	     size_t len);

/* ---- Decoding mail text (charset.c) ---- */

/* One MIME parameter as the parser found it, before any decoding. */
struct mime_param {
	const char	*name;
	const char	*value;
};

enum transfer { TRANSFER_IDENTITY, TRANSFER_BASE64, TRANSFER_QP };

/* A parameter's value: RFC 2231 (name*, name*0*...) or 2047; NULL: absent. */
char	*charset_param(const struct mime_param *, size_t, const char *name);
/* RFC 3676 format=flowed text made fixed: soft line breaks joined. */
char	*charset_unflow(const char *, size_t, bool delsp, size_t *outlen);
/* A body with its Content-Transfer-Encoding undone. */
char	*charset_untransfer(enum transfer, const char *, size_t,
	     size_t *outlen);
#endif
