/* util.h: small helpers every part of setuplink may call (memory, errors,
 * logging, strings, time, tokens, Maildir delivery, configuration, home).
 * util/ is the floor: it calls no other part of setuplink. */
#ifndef SETUPLINK_UTIL_H
#define SETUPLINK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <time.h>

#include <sodium/crypto_hash_sha256.h>

#define SETUPLINK_VERSION "0.1.0"

#if defined(__GNUC__)
#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTFLIKE(a, b)
#endif

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Errors.  Every function that can fail returns an int status, 0 for
 * success or a sysexits.h code (EX_USAGE, EX_DATAERR, EX_NOINPUT,
 * EX_UNAVAILABLE, EX_TEMPFAIL, EX_CONFIG, EX_SOFTWARE), and, when it
 * fails, sets *errstr to one sentence the caller owns (free it).  errorf()
 * builds both in one line: return errorf(errstr, EX_DATAERR, "...", ...).
 * errstr may be NULL when the caller does not care about the sentence.
 */
int	 errorf(char **errstr, int code, const char *fmt, ...) PRINTFLIKE(3, 4);
const char *status_name(int code);

/* Memory: these never return NULL; they abort on exhaustion. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) PRINTFLIKE(2, 3);
int	 xvasprintf(char **, const char *, va_list);
char	*xprintf(const char *, ...) PRINTFLIKE(1, 2);	/* returns the string */
void	 freep(void *pp);		/* free(*(void **)pp); *pp = NULL */
void	 strv_free(char ***, size_t);
void	 fatalx(const char *, ...) PRINTFLIKE(1, 2) __attribute__((noreturn));

/* Growable byte buffer; always NUL-terminated. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 buf_init(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_printf(struct buf *, const char *, ...) PRINTFLIKE(2, 3);
char	*buf_take(struct buf *);	/* hands data over, resets the buffer */
/* One byte: a writer adds most of a message this way, so the common
 * case makes no call. */
static inline void
buf_addc(struct buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
	} else
		buf_add(b, &c, 1);
}
void	 buf_free(struct buf *);

/* Strings. */
bool	 str_ieq(const char *, const char *);
bool	 str_has_prefix(const char *, const char *);
char	*str_trim(char *);		/* in place; returns start */
char	*str_lower(char *);		/* in place */
bool	 str_has_ctl(const char *);	/* any C0 control or DEL (tab too) */
char	*str_safe(const char *);	/* copy with controls as '?', for drawing/printing */
/* Mail text for a terminal: controls, stray bytes and bidi overrides
 * shown as visible escapes, newlines and tabs kept (term.c). */
char	*term_safe(const char *, size_t, size_t *outlen);
/* Write mail text: made harmless when the stream is a terminal, else raw.
 * 0, or -1 when the write failed. */
int	 term_write(FILE *, const char *, size_t);
int	 str_split(const char *, char, char ***, size_t *);
/* Columns a UTF-8 string takes on a terminal (wcwidth, East Asian wide
 * characters two), and a new copy padded with spaces to cols columns,
 * cut at a character boundary when cut is set and it is wider (width.c). */
size_t	 str_width(const char *);
char	*str_fit(const char *, size_t cols, bool cut);
/* The line at p: *len bytes without LF or CR LF; returns the next one's start. */
const char *line_next(const char *p, const char *end, size_t *len);
size_t	 str_utf8_encode(unsigned int cp, char out[4]);	/* bytes written */
bool	 utf8_valid(const char *, size_t);	/* RFC 3629, no NUL */

/*
 * Logging.  store/ and mailer/ log through log_fn; the command line routes
 * it to stderr, the TUI to its status line, and an intake with no
 * terminal to syslog(3) as well.  As OpenBSD's log.c does, log_warn()
 * appends strerror(errno) itself and log_warnx() does not, so callers
 * never format errno by hand.  Never pass a secret value.  The levels
 * are not syslog's names, which <syslog.h> defines as macros.
 */
enum log_level { LOGL_ERR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };
typedef void (*log_fn_t)(enum log_level, const char *msg, void *arg);
void	 log_set(log_fn_t, void *arg);
void	 log_set_level(enum log_level);
/* Also send each message (and log_syslog's) to syslog, facility mail. */
void	 log_open_syslog(void);
void	 log_syslog(enum log_level, const char *msg);	/* syslog alone */
void	 log_msg(enum log_level, const char *, ...) PRINTFLIKE(2, 3);
void	 log_warn(const char *, ...) PRINTFLIKE(1, 2);	/* ": strerror" */
void	 log_warnx(const char *, ...) PRINTFLIKE(1, 2);
void	 log_info(const char *, ...) PRINTFLIKE(1, 2);
void	 log_debug(const char *, ...) PRINTFLIKE(1, 2);

/*
 * Time.  time_now() honours SETUPLINK_NOW (seconds since the epoch, for
 * tests that fake the clock).  RFC 3339 UTC for JSON, local time with a
 * numeric offset for tables and mail.
 */
int64_t	 time_now(void);
char	*time_rfc3339(int64_t);		/* 2026-11-25T20:38:00Z */
char	*time_local(int64_t);		/* 2026-11-25 21:38 +0100 */
char	*time_rfc5322(int64_t);		/* Wed, 25 Nov 2026 21:38:00 +0100 */
int	 duration_parse(const char *, int64_t *secs, char **errstr);

/* Tokens and hashes. */
#define TOKEN_BYTES 20			/* 160 bits, 32 base32 characters */
int	 random_bytes(void *, size_t, char **errstr);
char	*base32_lower(const uint8_t *, size_t);
char	*base64_encode(const void *, size_t);
bool	 token_well_formed(const char *);
int	 token_new(char **token, char **errstr);
#define SHA256_LEN	32
struct sha256 {
	crypto_hash_sha256_state st;
};
void	 sha256_begin(struct sha256 *);
void	 sha256_add(struct sha256 *, const void *, size_t);
void	 sha256_end(struct sha256 *, unsigned char[SHA256_LEN]);
void	 sha256(const void *, size_t, unsigned char[SHA256_LEN]);
char	*sha256_hex(const void *, size_t);
char	*hex_lower(const unsigned char *, size_t);
/* The eight base32 characters a link's REF carries after its id: derived
 * from the token (so no two homes share a REF) but never revealing it. */
#define TOKEN_REF_LEN 8
char	*token_ref_tag(const char *token);
bool	 token_ref_tag_well_formed(const char *, size_t);

/*
 * Sealing (seal.c): AES-256-GCM under a key file of the home, for what
 * must be read back but never from the database alone (a link's token,
 * for link remind).  aad binds the sealed text to its row.
 */
#define SEAL_KEY_BYTES	32
/* Read the key; with create, make it first (0600) if it is not there. */
int	 seal_key(const char *path, bool create,
	     unsigned char key[SEAL_KEY_BYTES], char **errstr);
char	*seal_bytes(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
	     const void *, size_t);
int	 unseal_bytes(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
	     const char *sealed, char **out, size_t *len, char **errstr);
char	*seal_text(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
	     const char *text);		/* hex */
/* EX_DATAERR when it does not open (another key, or tampered with). */
int	 unseal_text(const unsigned char key[SEAL_KEY_BYTES], const char *aad,
	     const char *sealed, char **text, char **errstr);
/* Secrets in the process (guard.c): no core dumps, and windows in which
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT wait until cleanup is done. */
void	 secrets_guard(void);
struct sig_guard {
	struct sigaction old[4];
};
void	 sig_guard_begin(struct sig_guard *);
void	 sig_guard_end(struct sig_guard *);

/* A shared library loaded on first use (lazy.c). */
struct lazy_lib {
	const char	*soname;	/* "libxml2.so.2" */
	const char	*package;	/* the Debian package, for the error */
	const char	*const *syms;
	void		**fns;		/* filled in syms' order */
	size_t		 nsyms;
	void		*handle;
	bool		 loaded;
};
int	 lazy_load(struct lazy_lib *, char **errstr);
void	 lazy_need(struct lazy_lib *, void *table, size_t size);
/* A library called under its functions' own names (util/ssl.h,
 * mailer/pgp/gpgme-lib.h, tui/curses-lib.h): its header lists the names
 * (LIST(X) calls X on each), declares struct TAG_fns with LAZY_MEMBER and
 * maps each name through TAG_fns(); one .c file says LAZY_TABLE. */
#define LAZY_MEMBER(f)	__typeof__(f) *f;
#define LAZY_NAME(f)	#f,
#define LAZY_TABLE(tag, soname, package, LIST)				\
static const char *const tag##_names[] = { LIST(LAZY_NAME) };		\
static void *tag##_ptrs[nitems(tag##_names)];				\
static struct lazy_lib tag##_lib = { soname, package, tag##_names,	\
    tag##_ptrs, nitems(tag##_names), NULL, false };			\
static struct tag##_fns tag##_table;					\
_Static_assert(sizeof tag##_table == sizeof tag##_ptrs,		\
    "struct " #tag "_fns holds one pointer per name");			\
const struct tag##_fns *						\
tag##_fns(void)								\
{									\
	lazy_need(&tag##_lib, &tag##_table, sizeof tag##_table);	\
	return &tag##_table;						\
}

/* Files. */
int	 file_read(const char *path, size_t max, char **data, size_t *len, char **errstr);
/* REL beside the running program's folder ("../share/setuplink"), found
 * through /proc/self/exe so an installed tree may move: a new string, or
 * NULL when the program's path is unknown. */
char	*file_beside_exe(const char *rel);
int	 fd_read_all(int fd, size_t max, char **data, size_t *len, bool *truncated, char **errstr);
int	 fd_write_all(int fd, const void *, size_t);	/* -1 and errno */
int	 dir_make(const char *path, char **errstr);	/* mkdir -p, 0700 */
int	 fsync_dir(const char *path);

/*
 * Maildir.  maildir_deliver() writes tmp/, fsyncs the file, renames into
 * new/ and fsyncs new/: a message is either wholly there or not at all.
 * A failure to write is EX_TEMPFAIL.  *name gets the file's base name.
 */
int	 maildir_make(const char *dir, char **errstr);
char	*maildir_unique_name(const char *suffix);
int	 maildir_deliver(const char *dir, const void *data, size_t len,
	     const char *suffix, char **name, char **errstr);
/*
 * A group commit: between begin and end, maildir_deliver() leaves its
 * files in tmp/ unsynced; maildir_batch_end() syncs them all at once,
 * renames them into new/ and syncs each new/ once (EX_TEMPFAIL and none
 * of them kept on a failure); abort removes them.  The name a delivery
 * returns is the one its file gets in new/ at the end.
 */
void	 maildir_batch_begin(void);
bool	 maildir_batch_active(void);
int	 maildir_batch_end(char **errstr);
void	 maildir_batch_abort(void);
char	*maildir_find(const char *dir, const char *name);	/* path or NULL */
int	 maildir_list(const char *dir, const char *sub, char ***names, size_t *n);

#endif
