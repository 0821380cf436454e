/* mime.h: reading a stranger's mail (parse.c and the files it calls) and the
 * reply form's text (form.c).  Hostile input: these return plain validated
 * structs.  mime/ calls catalog/ and util/ only and never the store: this
 * header must not include store/store.h, so that is a compile-time fact. */
#ifndef SETUPLINK_MIME_H
#define SETUPLINK_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

#define UTF8_REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

/* ---- Reading a message (parse.c, prescan.c, header.c, body.c, dsn.c,
 * charset.c, html.c) ----
 * Hostile input: these return plain validated structs and never touch
 * the store.  Limits are checked before libetpan sees the message. */

struct mail_limits {
	size_t	 max_depth;	/* MIME nesting, default 16 */
	size_t	 max_parts;	/* default 500 */
	size_t	 max_header;	/* header block bytes, default 64 KB */
};

struct mail_attachment {
	char	*filename;	/* RFC 2231 / 2047 decoded, UTF-8, or NULL */
	char	*content_type;	/* type/subtype, lowercase */
	char	*data;		/* transfer-decoded bytes */
	size_t	 len;
};

enum mail_protection {
	MAIL_CLEAR,		/* nothing signed or encrypted */
	MAIL_PGP_SIGNED,	/* multipart/signed, RFC 3156 */
	MAIL_PGP_ENCRYPTED,	/* multipart/encrypted, RFC 3156 */
	MAIL_INLINE_SIGNED,	/* -----BEGIN PGP SIGNED MESSAGE----- in text */
	MAIL_INLINE_ENCRYPTED,	/* -----BEGIN PGP MESSAGE----- in text */
};

struct mail {
	/* Header fields; text decoded (RFC 2047) to UTF-8. */
	char		*message_id;	/* without <>, or NULL */
	char		*in_reply_to;
	char		*references;	/* ids without <>, one space apart */
	char		*subject;
	char		*date;
	char		*from_addr;
	char		*from_name;
	char		*return_path;	/* NULL: absent */
	bool		 return_path_empty;	/* Return-Path: <> */
	char		*envelope_from;	/* leading mbox "From " line */
	char		**rcpts;	/* --recipient excluded: Delivered-To,
					   X-Original-To, To, Cc, in order */
	size_t		 nrcpts;
	char		*auto_submitted;
	char		*precedence;
	bool		 list_id;
	bool		 x_autoreply;
	bool		 ours;		/* carries our X-Setuplink header */
	char		*content_type;	/* top-level type/subtype, lowercase */

	/* The body. */
	enum mail_protection protection;
	char		*signed_data;	/* MAIL_PGP_SIGNED: exact signed bytes */
	size_t		 signed_len;
	char		*signature;
	size_t		 sig_len;
	char		*armored;	/* PGP_ENCRYPTED ciphertext, or the inline block */
	size_t		 armored_len;
	char		*text;		/* UTF-8 text of a MAIL_CLEAR entity; bytes
					   that did not convert are U+FFFD */
	size_t		 text_len;
	bool		 text_from_html;
	struct mail_attachment *att;
	size_t		 natt;

	/* A delivery status notification (multipart/report). */
	bool		 is_report;
	char		*dsn_action;		/* "failed", ... of the first recipient */
	char		*dsn_message_id;	/* Message-ID of the returned message */
	char		**dsn_rcpts;		/* Original- or Final-Recipient */
	size_t		 ndsn_rcpts;
};

void	 mail_limits_default(struct mail_limits *);
/* EX_DATAERR (with a reason) when the message cannot be read. */
int	 mail_parse(const char *raw, size_t len, const struct mail_limits *,
	     struct mail **, char **errstr);
/* The header block alone (the first 64 KB at most): oversize messages. */
int	 mail_parse_headers(const char *raw, size_t len, struct mail **, char **errstr);
/*
 * A decrypted or signed MIME entity (its MIME headers, a blank line, its
 * body): body fields only.  Plain text is no entity: its first lines
 * would be read as headers.
 */
int	 mail_parse_entity(const char *raw, size_t len, const struct mail_limits *,
	     struct mail **, char **errstr);
void	 mail_free(struct mail **);

/* Convert to UTF-8; bytes that do not convert become U+FFFD and set *bad. */
char	*charset_to_utf8(const char *charset, const char *in, size_t len,
	     size_t *outlen, bool *bad);
/* HTML to text; <blockquote> becomes "> " quoting. */
char	*html_to_text(const char *html, size_t len, size_t *outlen);

/* ---- The reply form (form.c) ---- */

/* %s is the link's REF: its id, a dash and eight base32 characters from
 * its token (just the id for links made before). */
#define FORM_OPEN_FMT	"--- setup form for link %s: keep the names left of the colons ---"
#define FORM_END	"--- end of setup form ---"

/*
 * The form block, both marker lines included, one "key: value" line per
 * key after "# " comment lines (label; required, secret or file; help),
 * lines under 78 characters.  prefill[i] is the value to show (NULL: none).
 */
char	*form_render(const char *ref, const struct connector *, const char *const *keys,
	     const char *const *prefill, size_t nkeys);

struct form_value {
	char	*key;		/* the connector's key, as the catalog spells it */
	char	*value;		/* trimmed; continuation lines joined by \n */
	size_t	 len;
	bool	 quoted;
	bool	 bad_bytes;	/* held U+FFFD: bytes that did not convert */
	const char *unwhole;	/* set: it cannot be read whole (a PEM block
				   without its END, JSON that does not
				   close), and says so; static text */
};

struct form_result {
	struct form_value *v;	/* provided values, one per key */
	size_t		 n;
	char		**refs;	/* REFs whose opening form line appears */
	size_t		 nrefs;
};

/*
 * Read "key: value" lines (SPEC "The reply"): keys are matched without
 * regard to case against keys[], templates[i] (may be NULL) is what key i
 * was sent with (a line equal to it counts for nothing).
 */
int	 form_read(const char *text, size_t len, const char *const *keys,
	     const char *const *templates, size_t nkeys, struct form_result *);
/*
 * The same, where files[i] says key i is a file field: only a file's
 * value that starts with "{" or "[" runs to the line that closes it.
 */
int	 form_read_fields(const char *text, size_t len, const char *const *keys,
	     const char *const *templates, const bool *files, size_t nkeys,
	     struct form_result *);
void	 form_result_free(struct form_result *);
bool	 form_has_ref(const struct form_result *, const char *ref);
/*
 * Header text (unfolded, RFC 2047 words decoded) as UTF-8 without control
 * characters; bytes that do not convert are U+FFFD.
 */
char	*charset_decode_words(const char *, size_t);

#endif
