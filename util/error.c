/* error.c: the one error convention, a sysexits.h code and a sentence, and
 * the logger that store/ and mailer/ write through without knowing where. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

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
static enum log_level log_level = LOGL_WARN;
static bool	 log_syslog_on;

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

/*
 * A mail delivery agent's stderr goes wherever the MTA or procmail puts
 * it, often nowhere: the mail log is where an admin looks.
 */
void
log_open_syslog(void)
{
	if (log_syslog_on)
		return;
	openlog("setuplink", LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_syslog_on = true;
}

void
log_syslog(enum log_level level, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (log_syslog_on)
		syslog(prio[level], "%s", msg);
}

static void
log_emit(enum log_level level, const char *err, const char *fmt, va_list ap)
{
	char *s, *t;

	if (level > log_level)
		return;
	xvasprintf(&s, fmt, ap);
	if (err != NULL) {
		t = xprintf("%s: %s", s, err);
		free(s);
		s = t;
	}
	log_fn(level, s, log_arg);
	log_syslog(level, s);
	free(s);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(level, NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_WARN, err, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOGL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}
