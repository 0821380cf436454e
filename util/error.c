/* error.c: the one error convention, a sysexits.h code and a sentence, and
 * the logger that store/ and mailer/ write through without knowing where. */
#include <stdio.h>
#include <stdlib.h>

#include "util/util.h"

int
errorf(char **errstr, int code, const char *fmt, ...)
{
	va_list ap;

	if (errstr != NULL) {
		free(*errstr);
		va_start(ap, fmt);
		xvasprintf(errstr, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *
status_name(int code)
{
	switch (code) {
	case 0:			return "ok";
	case EX_USAGE:		return "usage";
	case EX_DATAERR:	return "data";
	case EX_NOINPUT:	return "noinput";
	case EX_UNAVAILABLE:	return "unavailable";
	case EX_SOFTWARE:	return "software";
	case EX_TEMPFAIL:	return "tempfail";
	case EX_CONFIG:		return "config";
	default:		return "error";
	}
}

static void
log_stderr(enum log_level level, const char *msg, void *arg)
{
	static const char *names[] = { "error", "warning", "info", "debug" };

	fprintf(stderr, "setuplink: %s: %s\n", names[level], msg);
}

static log_fn_t	 log_fn = log_stderr;
static void	*log_arg;
static enum log_level log_level = LOG_WARN;

void
log_set(log_fn_t fn, void *arg)
{
	log_fn = fn != NULL ? fn : log_stderr;
	log_arg = arg;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	log_fn(level, s, log_arg);
	free(s);
}
