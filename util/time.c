/* time.c: the clock (fakeable with SETUPLINK_NOW for tests) and the three
 * ways setuplink writes a time: RFC 3339 UTC, local for tables, RFC 5322. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

int64_t
time_now(void)
{
	const char *s;
	char *end;
	long long v;

	if ((s = getenv("SETUPLINK_NOW")) != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0')
			return v;
	}
	return (int64_t)time(NULL);
}

static char *
fmt(int64_t t, bool utc, const char *f)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[64];

	if (utc)
		gmtime_r(&tt, &tm);
	else
		localtime_r(&tt, &tm);
	if (strftime(s, sizeof s, f, &tm) == 0)
		s[0] = '\0';
	return xstrdup(s);
}

char *
time_rfc3339(int64_t t)
{
	return fmt(t, true, "%Y-%m-%dT%H:%M:%SZ");
}

char *
time_local(int64_t t)
{
	return fmt(t, false, "%Y-%m-%d %H:%M %z");
}

char *
time_rfc5322(int64_t t)
{
	/* Day and month names must be English whatever the locale. */
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	char zone[8];

	localtime_r(&tt, &tm);
	strftime(zone, sizeof zone, "%z", &tm);
	return xprintf("%s, %d %s %d %02d:%02d:%02d %s", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, zone);
}

/* DURATION: a number and a unit, s, m, h or d ("90s", "12h", "7d"). */
int
duration_parse(const char *s, int64_t *secs, char **errstr)
{
	const char *p = s;
	int64_t v = 0, mult;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 100000000)
			goto bad;
	}
	switch (*p) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: goto bad;
	}
	if (p[1] != '\0' || v == 0)
		goto bad;
	*secs = v * mult;
	return 0;
bad:
	return errorf(errstr, EX_USAGE, "'%s' is not a duration: write a "
	    "positive number and a unit, s, m, h or d (90s, 12h, 7d)", s);
}
