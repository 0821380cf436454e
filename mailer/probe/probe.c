/* probe.c: one connector test run in a child process: the child tries
 * the service and writes its lines as JSON into a pipe; the parent
 * waits no longer than the deadline and kills what hangs, so no library
 * (libpq, libssh, a resolver) can hold the caller past test_timeout. */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "mailer/probe/private.h"

#define PROBE_DEFAULT_MS	20000
#define PROBE_GRACE_MS		1000	/* for the child to say it gave up */
#define PROBE_MAX_RESULT	(64 * 1024)

const char *
probe_get(struct probe *p, const char *role, size_t *len)
{
	const struct field_def *f = conntest_field(p->c, p->t, role);
	size_t i;

	if (f == NULL || !field_applies(p->c, f, p->method))
		return NULL;
	for (i = 0; i < p->nvals; i++) {
		if (strcmp(p->vals[i].key, f->key) == 0 &&
		    p->vals[i].value != NULL && p->vals[i].len > 0) {
			if (len != NULL)
				*len = p->vals[i].len;
			return p->vals[i].value;
		}
	}
	return NULL;
}

const char *
probe_key(struct probe *p, const char *role)
{
	const struct field_def *f = conntest_field(p->c, p->t, role);

	return f != NULL ? f->key : role;
}

static void
probe_add(struct probe *p, const char *check, bool ok, const char *fmt,
    va_list ap)
{
	struct probe_result *r = p->res;
	struct probe_check *c;

	r->checks = xreallocarray(r->checks, r->nchecks + 1, sizeof *r->checks);
	c = &r->checks[r->nchecks++];
	c->check = xstrdup(check);
	c->ok = ok;
	if (xvasprintf(&c->detail, fmt, ap) < 0)
		fatalx("out of memory");
}

void
probe_ok(struct probe *p, const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	probe_add(p, check, true, fmt, ap);
	va_end(ap);
}

int
probe_fail(struct probe *p, int status, const char *check, const char *roles,
    const char *fmt, ...)
{
	struct probe_result *r = p->res;
	char **v = NULL;
	size_t n = 0, i;
	va_list ap;

	va_start(ap, fmt);
	probe_add(p, check, false, fmt, ap);
	va_end(ap);
	if (r->status != 0)
		return status;
	r->status = status;
	r->failure = xstrdup(check);
	if (roles != NULL && str_split(roles, ',', &v, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (conntest_field(p->c, p->t, v[i]) == NULL)
				continue;
			r->blame = xreallocarray(r->blame, r->nblame + 1,
			    sizeof *r->blame);
			r->blame[r->nblame++] = xstrdup(probe_key(p, v[i]));
		}
		strv_free(&v, n);
	}
	return status;
}

int
probe_need(struct probe *p, const char *role)
{
	if (probe_get(p, role, NULL) != NULL)
		return 0;
	return probe_fail(p, EX_DATAERR, "incomplete", role, "%s has no value, "
	    "and the test needs it", probe_key(p, role));
}

int
probe_memfile(const char *data, size_t len, char path[64])
{
	int fd;

	if ((fd = memfd_create("setuplink-probe", 0)) < 0)
		return -1;
	if (fd_write_all(fd, data, len) < 0) {
		close(fd);
		return -1;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

void
probe_result_free(struct probe_result *r)
{
	size_t i;

	for (i = 0; i < r->nchecks; i++) {
		free(r->checks[i].check);
		free(r->checks[i].detail);
	}
	free(r->checks);
	strv_free(&r->blame, r->nblame);
	free(r->failure);
	memset(r, 0, sizeof *r);
}

char *
probe_result_to_json(const struct probe_result *r)
{
	json_t *o = json_object(), *a = json_array(), *b = json_array(), *c;
	size_t i;
	char *s;

	json_object_set_new(o, "status", json_integer(r->status));
	json_object_set_new(o, "failure", r->failure != NULL ?
	    json_string(r->failure) : json_null());
	for (i = 0; i < r->nblame; i++)
		json_array_append_new(b, json_string(r->blame[i]));
	json_object_set_new(o, "blame", b);
	for (i = 0; i < r->nchecks; i++) {
		c = json_object();
		json_object_set_new(c, "check", json_string(r->checks[i].check));
		json_object_set_new(c, "ok", json_boolean(r->checks[i].ok));
		json_object_set_new(c, "detail",
		    json_string(r->checks[i].detail));
		json_array_append_new(a, c);
	}
	json_object_set_new(o, "checks", a);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		fatalx("out of memory writing JSON");
	return s;
}

static char *
json_strdup(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	return xstrdup(json_is_string(v) ? json_string_value(v) : "");
}

int
probe_result_from_json(const char *s, struct probe_result *r)
{
	json_t *o, *a, *v;
	size_t i;

	memset(r, 0, sizeof *r);
	if ((o = json_loads(s, 0, NULL)) == NULL || !json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	r->status = (int)json_integer_value(json_object_get(o, "status"));
	if (json_is_string(json_object_get(o, "failure")))
		r->failure = json_strdup(o, "failure");
	a = json_object_get(o, "blame");
	r->blame = xcalloc(json_array_size(a) + 1, sizeof *r->blame);
	json_array_foreach(a, i, v) {
		if (json_is_string(v))
			r->blame[r->nblame++] = xstrdup(json_string_value(v));
	}
	a = json_object_get(o, "checks");
	r->checks = xcalloc(json_array_size(a) + 1, sizeof *r->checks);
	json_array_foreach(a, i, v) {
		r->checks[r->nchecks].check = json_strdup(v, "check");
		r->checks[r->nchecks].detail = json_strdup(v, "detail");
		r->checks[r->nchecks++].ok = json_is_true(json_object_get(v,
		    "ok"));
	}
	json_decref(o);
	return 0;
}

/* In the child: the test itself, by kind. */
static void
probe_exec(struct probe *p)
{
	switch (p->t->kind) {
	case CT_FILES:		probe_files(p); break;
	case CT_HTTP:		probe_http(p); break;
	case CT_POSTGRES:	probe_postgres(p); break;
	case CT_MYSQL:		probe_mysql(p); break;
	case CT_SSH:		probe_ssh(p); break;
	}
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the parent: read the child's JSON until EOF or the deadline. */
static int
probe_wait(pid_t pid, int fd, int64_t deadline, struct buf *b)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char chunk[4096];
	ssize_t r;
	int64_t left;
	int st;

	for (;;) {
		if ((left = deadline - mono_ms()) <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((r = read(fd, chunk, sizeof chunk)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;
		}
		if (r == 0) {
			waitpid(pid, &st, 0);
			return 0;
		}
		if (b->len + (size_t)r > PROBE_MAX_RESULT)
			break;
		buf_add(b, chunk, (size_t)r);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return -1;
}

static void
probe_child(struct probe *p, int fd)
{
	char *s;

	signal(SIGPIPE, SIG_IGN);
	/* libpq and friends read these: the draft's values alone count. */
	unsetenv("PGSERVICEFILE");
	unsetenv("PGPASSFILE");
	unsetenv("PGSYSCONFDIR");
	unsetenv("MYSQL_PWD");
	unsetenv("SSH_AUTH_SOCK");
	probe_exec(p);
	s = probe_result_to_json(p->res);
	(void)fd_write_all(fd, s, strlen(s));
	_exit(0);
}

int
probe_run(const struct connector *c, const char *method,
    const struct probe_value *vals, size_t n, const struct probe_opts *o,
    struct probe_result *res, char **errstr)
{
	struct probe p = { 0 };
	struct buf b;
	int fds[2], rv;
	pid_t pid;

	memset(res, 0, sizeof *res);
	p.c = c;
	p.method = method;
	p.vals = vals;
	p.nvals = n;
	p.res = res;
	p.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : PROBE_DEFAULT_MS;
	if ((p.t = connector_test(c, method)) == NULL) {
		probe_fail(&p, EX_DATAERR, "test", NULL, "the %s connector "
		    "declares no test%s%s", c->key, method ? " for " : "",
		    method ? method : "");
		return 0;
	}
	if ((rv = netgate_parse(o->networks, &p.gate, errstr)) != 0)
		return rv;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		netgate_free(&p.gate);
		return errorf(errstr, EX_TEMPFAIL, "cannot start a test: %s",
		    strerror(errno));
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot start a test: %s",
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		netgate_free(&p.gate);
		return rv;
	}
	if (pid == 0) {
		close(fds[0]);
		probe_child(&p, fds[1]);
	}
	close(fds[1]);
	netgate_free(&p.gate);
	buf_init(&b);
	rv = probe_wait(pid, fds[0], mono_ms() + p.timeout_ms +
	    PROBE_GRACE_MS, &b);
	close(fds[0]);
	if (rv != 0 || b.data == NULL ||
	    probe_result_from_json(b.data, res) != 0) {
		probe_result_free(res);
		probe_fail(&p, EX_TEMPFAIL, "time", NULL, "no answer within "
		    "%lld s: the test was stopped", (long long)
		    ((p.timeout_ms + 999) / 1000));
	}
	buf_free(&b);
	return 0;
}
