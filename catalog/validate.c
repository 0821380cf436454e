/* validate.c: checking a value against its field's type and bringing it to
 * canonical form.  Errors name the field and the rule, never the value,
 * since the value may be a password. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "util/util.h"
#include "util/config.h"

/*
 * Only a file holds several lines: elsewhere a line break (or any other
 * control character, tab included) would reach an export, a .pgpass or a
 * shell variable as syntax.
 */
static int
check_one_line(const struct field_def *f, const char *s, size_t len,
    char **errstr)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r')
			return errorf(errstr, EX_DATAERR, "%s: the value holds a "
			    "line break (only a file field takes several "
			    "lines): give it on one line", f->key);
		if (c < 0x20 || c == 0x7f)
			return errorf(errstr, EX_DATAERR, "%s: the value holds "
			    "control characters", f->key);
	}
	return 0;
}

static int
check_url(const char *s)
{
	const char *p = s, *host;

	if (!isalpha((unsigned char)*p))
		return -1;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return -1;
	host = p + 3;
	if (*host == '\0' || *host == '/' || strpbrk(s, " \t<>\"") != NULL)
		return -1;
	return 0;
}

/* A file: bytes as they came, within its size, of its declared kind. */
static int
validate_file(const struct field_def *f, const char *v, size_t len,
    int64_t max_file, char **canon, char **errstr)
{
	int64_t max = f->max_size > 0 ? f->max_size : max_file;

	if ((int64_t)len > max)
		return errorf(errstr, EX_DATAERR, "%s: the file is larger than "
		    "%lld bytes", f->key, (long long)max);
	/* Empty clears the field: no kind to check. */
	if (len > 0 && file_kind_check(f, v, len, errstr) != 0)
		return EX_DATAERR;
	*canon = xmalloc(len + 1);
	memcpy(*canon, v, len);
	(*canon)[len] = '\0';
	return 0;
}

int
field_validate(const struct field_def *f, const char *v, size_t len,
    int64_t max_file, char **canon, char **errstr)
{
	char *s = NULL, *t, *end;
	long long n;
	size_t i;

	*canon = NULL;
	if (f->type == FT_FILE)
		return validate_file(f, v, len, max_file, canon, errstr);
	if (memchr(v, '\0', len) != NULL || !utf8_valid(v, len))
		return errorf(errstr, EX_DATAERR, "%s: the value is not valid "
		    "UTF-8 text", f->key);
	if (check_one_line(f, v, len, errstr) != 0)
		return EX_DATAERR;
	if (len > 65536)
		return errorf(errstr, EX_DATAERR, "%s: the value is longer "
		    "than 65536 bytes", f->key);
	s = xstrndup(v, len);
	t = str_trim(s);
	if (*t == '\0') {
		*canon = xstrdup("");
		free(s);
		return 0;
	}
	switch (f->type) {
	case FT_INTEGER:
		errno = 0;
		n = strtoll(t, &end, 10);
		if (errno != 0 || *end != '\0' || !(isdigit((unsigned char)*t) ||
		    *t == '-' || *t == '+')) {
			free(s);
			return errorf(errstr, EX_DATAERR, "%s: must be a whole "
			    "number", f->key);
		}
		if (n < f->min || n > f->max) {
			free(s);
			if (f->max == INT64_MAX)
				return errorf(errstr, EX_DATAERR, "%s: must be "
				    "at least %lld", f->key, (long long)f->min);
			return errorf(errstr, EX_DATAERR, "%s: must be between "
			    "%lld and %lld", f->key, (long long)f->min,
			    (long long)f->max);
		}
		*canon = xprintf("%lld", n);
		break;
	case FT_BOOLEAN:
		if (str_ieq(t, "yes") || str_ieq(t, "true") ||
		    strcmp(t, "1") == 0)
			*canon = xstrdup("true");
		else if (str_ieq(t, "no") || str_ieq(t, "false") ||
		    strcmp(t, "0") == 0)
			*canon = xstrdup("false");
		else {
			free(s);
			return errorf(errstr, EX_DATAERR, "%s: must be yes, no, "
			    "true, false, 1 or 0", f->key);
		}
		break;
	case FT_ENUM:
		for (i = 0; i < f->nchoices; i++) {
			if (str_ieq(t, f->choices[i])) {
				*canon = xstrdup(f->choices[i]);
				break;
			}
		}
		if (*canon == NULL) {
			struct buf b;
			buf_init(&b);
			for (i = 0; i < f->nchoices; i++)
				buf_printf(&b, "%s%s", i ? ", " : "",
				    f->choices[i]);
			free(s);
			errorf(errstr, EX_DATAERR, "%s: must be one of %s",
			    f->key, b.data);
			buf_free(&b);
			return EX_DATAERR;
		}
		break;
	case FT_URL:
		if (check_url(t) != 0) {
			free(s);
			return errorf(errstr, EX_DATAERR, "%s: must be a URL "
			    "like https://host/path", f->key);
		}
		*canon = xstrdup(t);
		break;
	case FT_EMAIL:
		if (!address_valid(t)) {
			free(s);
			return errorf(errstr, EX_DATAERR, "%s: must be an email "
			    "address like user@example.com", f->key);
		}
		*canon = xstrdup(t);
		break;
	default:
		*canon = xstrdup(t);
		break;
	}
	free(s);
	return 0;
}
