/* prescan.c: the bounds on a stranger's message (header size, nested
 * comments, MIME depth and parts), checked before libetpan reads a byte. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/mime/private.h"

#define PRESCAN_COMMENTS_MAX	200	/* "(" nested in one header field */

/* What a message may hold when the configuration says nothing else. */
void
mail_limits_default(struct mail_limits *lim)
{
	lim->max_depth = 16;
	lim->max_parts = 500;
	lim->max_header = 65536;
}

/* The offset of the empty line that ends the header block, or len. */
size_t
prescan_header_end(const char *p, size_t len)
{
	const char *nl;
	size_t i = 0;

	while (i < len) {
		if (p[i] == '\n' ||
		    (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
			return i;
		if ((nl = memchr(p + i, '\n', len - i)) == NULL)
			break;
		i = (size_t)(nl - p) + 1;
	}
	return len;
}

/*
 * libetpan reads nested comments "((...))" by recursion, three calls a
 * level: a field holding a million "(" would run the stack out.  A field is
 * a line and the indented lines after it; body text is counted as well,
 * which costs nothing but the rare false alarm.
 */
bool
prescan_comments_ok(const char *p, size_t len)
{
	size_t i, depth = 0;

	for (i = 0; i < len; i++) {
		if ((i == 0 || p[i - 1] == '\n') && p[i] != ' ' && p[i] != '\t')
			depth = 0;
		if (p[i] == '\\' && i + 1 < len && p[i + 1] != '\n')
			i++;
		else if (p[i] == '(' && ++depth > PRESCAN_COMMENTS_MAX)
			return false;
		else if (p[i] == ')' && depth > 0)
			depth--;
	}
	return true;
}

/* Does p (at most len bytes) start with a lowercase word, in any case? */
static bool
prescan_word_at(const char *p, size_t len, const char *word)
{
	size_t wl = strlen(word);

	return wl <= len && (p[0] | 0x20) == word[0] &&
	    strncasecmp(p, word, wl) == 0;
}

static bool
prescan_has_word(const char *p, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (prescan_word_at(p + i, len - i, word))
			return true;
	}
	return false;
}

/*
 * One reading of a Content-Type value: whether it may open a level (it
 * names a boundary or rfc822), and the boundary libetpan will use.
 */
static bool
prescan_ct_reading(const char *v, size_t len, char **bounds, size_t *nb)
{
	struct mailmime_content *ct = NULL;
	size_t idx = 0;
	char *b;

	if (!prescan_has_word(v, len, "boundary"))
		return prescan_has_word(v, len, "rfc822");
	if (mailmime_content_parse(v, len, &idx, &ct) == MAILIMF_NO_ERROR) {
		if ((b = mailmime_extract_boundary(ct)) != NULL)
			bounds[(*nb)++] = b;
		mailmime_content_free(ct);
	}
	return true;
}

/*
 * A Content-Type field as libetpan will read it.  libetpan 1.9.4 decodes
 * RFC 2047 words in the whole value before it parses it (later versions
 * do so when the plain parse fails), so an encoded word can hide
 * "boundary" or "rfc822": both readings are taken, each with libetpan's
 * own parsers, so that the count cannot differ from what it will do.
 */
static bool
prescan_ct_field(const char *v, size_t len, char **bounds, size_t *nb)
{
	char *dec = NULL;
	size_t idx = 0;
	bool level;

	level = prescan_ct_reading(v, len, bounds, nb);
	if (mailmime_encoded_phrase_parse("us-ascii", v, len, &idx, "utf-8",
	    &dec) == MAILIMF_NO_ERROR && dec != NULL) {
		level = prescan_ct_reading(dec, strlen(dec), bounds, nb) || level;
		free(dec);
	}
	return level;
}

/* Lines that start with "--" and a declared boundary: a bound on parts. */
static size_t
prescan_count_delims(const char *p, size_t len, char **bounds, size_t nb,
    size_t max)
{
	const char *nl;
	size_t i = 0, n = 0, j, bl;

	while (i < len && n <= max) {
		for (j = 0; i + 2 <= len && p[i] == '-' && p[i + 1] == '-' &&
		    j < nb; j++) {
			bl = strlen(bounds[j]);
			if (bl <= len - i - 2 &&
			    memcmp(p + i + 2, bounds[j], bl) == 0) {
				n++;
				break;
			}
		}
		if ((nl = memchr(p + i, '\n', len - i)) == NULL)
			break;
		i = (size_t)(nl - p) + 1;
	}
	return n;
}

/* The end of the line at i and of the indented lines that continue it. */
static size_t
prescan_field_end(const char *p, size_t len, size_t i)
{
	const char *nl;

	do {
		if ((nl = memchr(p + i, '\n', len - i)) == NULL)
			return len;
		i = (size_t)(nl - p) + 1;
	} while (i < len && (p[i] == ' ' || p[i] == '\t'));
	return i;
}

/*
 * libetpan recurses once per nesting level and keeps every part, with no
 * limit of its own.  A level opens only where a Content-Type field (a
 * line that starts with its name, and the indented lines after it) makes
 * a multipart or a message/rfc822, one level a field at most, so counting
 * such fields bounds the depth.  Lines that start with "--" and a boundary
 * declared there bound the parts.
 */
int
prescan_check(const char *p, size_t len, const struct mail_limits *lim,
    char **errstr)
{
	const char *colon;
	char **bounds;
	size_t depth = 0, nb = 0, i, end, vlen;
	int ret = 0;

	if (prescan_header_end(p, len) > lim->max_header)
		return errorf(errstr, EX_DATAERR, "the header block is larger "
		    "than %zu bytes", lim->max_header);
	if (!prescan_comments_ok(p, len))
		return errorf(errstr, EX_DATAERR,
		    "a header nests more than %d comments", PRESCAN_COMMENTS_MAX);
	bounds = xcalloc(2 * lim->max_depth + 2, sizeof *bounds);
	for (i = 0; i < len && depth <= lim->max_depth; i = end) {
		end = prescan_field_end(p, len, i);
		if (!prescan_word_at(p + i, end - i, "content-type") ||
		    (colon = memchr(p + i, ':', end - i)) == NULL)
			continue;
		vlen = end - (size_t)(colon + 1 - p);
		while (vlen > 0 && mime_is_space(colon[vlen]))
			vlen--;
		if (prescan_ct_field(colon + 1, vlen, bounds, &nb))
			depth++;
	}
	if (depth > lim->max_depth)
		ret = errorf(errstr, EX_DATAERR,
		    "MIME parts nest deeper than %zu levels", lim->max_depth);
	else if (prescan_count_delims(p, len, bounds, nb, lim->max_parts) >
	    lim->max_parts)
		ret = errorf(errstr, EX_DATAERR,
		    "the message has more than %zu MIME parts", lim->max_parts);
	strv_free(&bounds, nb);
	return ret;
}
