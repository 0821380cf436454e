/* test_http.c: util/http.c against a real HTTP server on loopback
 * (tests/lib/httpd.py, Python's http.server): statuses, bodies, headers,
 * the address gate, timeouts, names that do not resolve, closed ports. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/util.h"
#include "util/http.h"

static char dir[] = "/tmp/slhttp.XXXXXX";
static pid_t server;
static char base[64];

static int
setup(void **state)
{
	char *port_file, *spool, *data = NULL;
	size_t len;
	int i;

	if (mkdtemp(dir) == NULL)
		return -1;
	port_file = xprintf("%s/port", dir);
	spool = xprintf("%s/spool", dir);
	if ((server = fork()) == 0) {
		execl("/usr/bin/python3", "python3", "tests/lib/httpd.py",
		    "--spool", spool, "--port-file", port_file, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && file_read(port_file, 64, &data, &len,
	    NULL) != 0; i++)
		usleep(100000);
	if (data == NULL)
		return -1;
	snprintf(base, sizeof base, "http://127.0.0.1:%d", atoi(data));
	free(data);
	free(port_file);
	free(spool);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	cmd = xprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

/* How many requests the server has recorded. */
static int
recorded(void)
{
	char *p;
	int n = 0;
	struct stat sb;

	for (;;) {
		p = xprintf("%s/spool/%d.json", dir, n + 1);
		if (stat(p, &sb) != 0) {
			free(p);
			return n;
		}
		free(p);
		n++;
	}
}

static void
test_status_and_body(void **state)
{
	struct http_request rq = { 0 };
	struct http_response r;
	char *url = xprintf("%s/status/404", base), *err = NULL;

	rq.url = url;
	assert_int_equal(http_do(&rq, &r, &err), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.fail, HTTP_FAIL_NONE);
	assert_non_null(strstr(r.body, "\"ok\": false"));
	assert_string_equal(r.content_type, "application/json");
	http_response_free(&r);
	free(url);
}

static void
test_post_headers(void **state)
{
	const char *hdrs[] = { "Authorization: Bearer t0k", "X-Test: 1" };
	struct http_request rq = { 0 };
	struct http_response r;
	char *url = xprintf("%s/auth/bearer/t0k", base), *err = NULL;
	char *rec = NULL, *p;
	size_t len;
	int before = recorded();

	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.nheaders = 2;
	rq.body = "{\"a\":1}";
	rq.body_len = 7;
	assert_int_equal(http_do(&rq, &r, &err), 0);
	assert_int_equal(r.status, 200);
	http_response_free(&r);
	assert_int_equal(recorded(), before + 1);
	p = xprintf("%s/spool/%d.json", dir, before + 1);
	assert_int_equal(file_read(p, 65536, &rec, &len, NULL), 0);
	assert_non_null(strstr(rec, "\"method\": \"POST\""));
	assert_non_null(strstr(rec, "{\\\"a\\\":1}"));
	assert_non_null(strstr(rec, "\"X-Test\": \"1\""));
	free(rec);
	free(p);
	free(url);
}

static bool
refuse_loopback(const struct sockaddr *sa, socklen_t len, void *arg)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

	(*(int *)arg)++;
	return !(sa->sa_family == AF_INET &&
	    ntohl(in->sin_addr.s_addr) >> 24 == 127);
}

static void
test_gate_refuses(void **state)
{
	struct http_request rq = { 0 };
	struct http_response r;
	char *url = xprintf("%s/status/200", base), *err = NULL;
	int asked = 0, before = recorded();

	rq.url = url;
	rq.allow = refuse_loopback;
	rq.allow_arg = &asked;
	assert_int_equal(http_do(&rq, &r, &err), EX_UNAVAILABLE);
	assert_int_equal(r.fail, HTTP_FAIL_REFUSED);
	assert_true(asked > 0);
	assert_int_equal(recorded(), before);	/* nothing reached it */
	assert_non_null(strstr(err, "127.0.0.1"));
	free(err);
	free(url);
}

static void
test_timeout(void **state)
{
	struct http_request rq = { 0 };
	struct http_response r;
	char *url = xprintf("%s/sleep/3", base), *err = NULL;

	rq.url = url;
	rq.timeout_ms = 300;
	assert_int_equal(http_do(&rq, &r, &err), EX_TEMPFAIL);
	assert_int_equal(r.fail, HTTP_FAIL_TIMEOUT);
	free(err);
	free(url);
}

static void
test_unreachable(void **state)
{
	struct http_request rq = { 0 };
	struct http_response r;
	char *err = NULL;
	int fd, port;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	char url[64];

	/* A port that was free a moment ago: nothing listens there. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(fd);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	rq.url = url;
	assert_int_equal(http_do(&rq, &r, &err), EX_TEMPFAIL);
	assert_int_equal(r.fail, HTTP_FAIL_CONNECT);
	freep(&err);
	rq.url = "http://no-such-host.invalid/";
	assert_int_equal(http_do(&rq, &r, &err), EX_UNAVAILABLE);
	assert_int_equal(r.fail, HTTP_FAIL_RESOLVE);
	assert_non_null(strstr(err, "no-such-host.invalid"));
	freep(&err);
	rq.url = "file:///etc/passwd";
	assert_int_equal(http_do(&rq, &r, &err), EX_USAGE);
	free(err);
}

static void
test_encode(void **state)
{
	const char *n[] = { "grant_type", "scope" };
	const char *v[] = { "urn:ietf:params:oauth:grant-type:device_code",
	    "a b&c=d~" };
	char *s = http_form_encode(n, v, 2);

	assert_string_equal(s, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3A"
	    "grant-type%3Adevice_code&scope=a%20b%26c%3Dd~");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_and_body),
		cmocka_unit_test(test_post_headers),
		cmocka_unit_test(test_gate_refuses),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
