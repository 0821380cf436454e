/* test_probe.c: the parts of credentials tests that need no server: the
 * test_networks gate on resolved addresses (loopback, link-local and
 * metadata refused by default, IPv4-mapped IPv6 seen through), the
 * definitions' "test" member checked when the catalog loads, and the
 * result's JSON round trip. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mailer/probe/private.h"

static bool
allows(const char *spec, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	struct netgate *g = NULL;
	char *err = NULL;
	bool ok;

	assert_int_equal(netgate_parse(spec, &g, &err), 0);
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, addr, &v6->sin6_addr), 1);
		v6->sin6_family = AF_INET6;
	}
	ok = netgate_allows(g, (struct sockaddr *)&ss);
	netgate_free(&g);
	return ok;
}

static void
test_gate_default(void **state)
{
	static const char *refused[] = { "127.0.0.1", "127.9.9.9", "::1",
	    "169.254.169.254", "169.254.1.1", "fe80::1", "fd00:ec2::254",
	    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "0.0.0.0", "::",
	    "100.100.100.200" };
	static const char *allowed[] = { "93.184.216.34", "10.1.2.3",
	    "192.168.1.10", "2001:db8::1", "::ffff:93.184.216.34" };
	size_t i;

	for (i = 0; i < sizeof refused / sizeof *refused; i++) {
		assert_false(allows(NULL, refused[i]));
		assert_false(allows("public", refused[i]));
	}
	for (i = 0; i < sizeof allowed / sizeof *allowed; i++)
		assert_true(allows(NULL, allowed[i]));
}

static void
test_gate_widened(void **state)
{
	assert_true(allows("public, 127.0.0.0/8", "127.0.0.1"));
	assert_false(allows("public, 127.0.0.0/8", "::1"));
	assert_true(allows("public,127.0.0.0/8,::1/128", "::1"));
	assert_true(allows("public, 127.0.0.0/8", "::ffff:127.0.0.1"));
	assert_false(allows("public, 127.0.0.0/8", "169.254.169.254"));
	/* Networks alone: nothing else. */
	assert_true(allows("10.0.0.0/8", "10.200.0.1"));
	assert_false(allows("10.0.0.0/8", "93.184.216.34"));
	assert_true(allows("any", "169.254.169.254"));
	assert_true(allows("192.168.1.0/25", "192.168.1.127"));
	assert_false(allows("192.168.1.0/25", "192.168.1.128"));
}

static void
test_gate_bad(void **state)
{
	static const char *bad[] = { "10.0.0.0/33", "loopback", "1.2.3",
	    "public, ::1/129", "10.0.0.0/" };
	char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(probe_networks_check(bad[i], &err), EX_CONFIG);
		assert_non_null(strstr(err, "test_networks"));
		free(err);
		err = NULL;
	}
	assert_int_equal(probe_networks_check("public, any, ::/0", &err), 0);
}

static int
parse(const char *test, char **err)
{
	struct connector c;
	char *json = xprintf("{\"key\": \"t\", \"method_field\": \"m\", "
	    "\"fields\": [{\"key\": \"host\", \"type\": \"string\"}, "
	    "{\"key\": \"tok\", \"type\": \"secret\"}, {\"key\": \"m\", "
	    "\"type\": \"enum\", \"choices\": [\"a\", \"b\"]}], \"test\": %s}",
	    test);
	int rv = catalog_parse(json, strlen(json), "t.json", &c, err);

	free(json);
	if (rv == 0) {
		char *out = connector_to_json(&c);
		assert_non_null(strstr(out, "\"test\""));
		free(out);
		struct catalog *cat = xcalloc(1, sizeof *cat);
		cat->v = xcalloc(1, sizeof *cat->v);
		cat->v[0] = c;
		cat->n = 1;
		catalog_free(&cat);
	}
	return rv;
}

static void
test_definitions(void **state)
{
	static const struct { const char *test, *says; } bad[] = {
		{ "{\"kind\": \"ftp\"}", "\"kind\" is one of" },
		{ "{\"kind\": \"http\", \"url\": \"https://{nope}/\"}", "{nope}" },
		{ "{\"kind\": \"http\"}", "needs a \"url\"" },
		{ "{\"kind\": \"http\", \"url\": \"https://x/\", \"auth\": "
		  "\"header\", \"fields\": {\"secret\": \"tok\"}}",
		  "needs an \"auth_name\"" },
		{ "{\"kind\": \"http\", \"url\": \"ftp://x/\"}", "must start" },
		{ "{\"kind\": \"postgres\", \"fields\": {\"colour\": \"host\"}}",
		  "no role \"colour\"" },
		{ "{\"kind\": \"ssh\", \"fields\": {\"user\": \"nobody\"}}",
		  "must name a field" },
		{ "{\"kind\": \"files\", \"method\": \"c\"}", "not a choice" },
		{ "{\"kind\": \"http\", \"url\": \"https://x/\", \"status\": "
		  "[99]}", "HTTP statuses" },
	};
	char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(parse(bad[i].test, &err), EX_CONFIG);
		if (strstr(err, bad[i].says) == NULL)
			fail_msg("%s: said \"%s\"", bad[i].test, err);
		assert_non_null(strstr(err, "t.json"));
		free(err);
		err = NULL;
	}
	assert_int_equal(parse("[{\"kind\": \"http\", \"method\": \"a\", "
	    "\"url\": \"https://{host}/v1\", \"auth\": \"bearer\", \"fields\": "
	    "{\"secret\": \"tok\"}, \"status\": [200, 204]}, {\"kind\": "
	    "\"files\", \"why\": \"form only\"}]", &err), 0);
}

static void
test_result_json(void **state)
{
	struct probe_result r = { 0 }, back;
	char *s, *again;

	r.status = EX_UNAVAILABLE;
	r.failure = xstrdup("login");
	r.blame = xcalloc(2, sizeof *r.blame);
	r.blame[r.nblame++] = xstrdup("password");
	r.checks = xcalloc(2, sizeof *r.checks);
	r.checks[0].check = xstrdup("connect");
	r.checks[0].ok = true;
	r.checks[0].detail = xstrdup("reached db \"x\"");
	r.checks[1].check = xstrdup("login");
	r.checks[1].detail = xstrdup("the server refused the login (28P01)");
	r.nchecks = 2;
	s = probe_result_to_json(&r);
	assert_int_equal(probe_result_from_json(s, &back), 0);
	again = probe_result_to_json(&back);
	assert_string_equal(s, again);
	assert_int_equal(back.status, EX_UNAVAILABLE);
	assert_string_equal(back.blame[0], "password");
	assert_false(back.checks[1].ok);
	probe_result_free(&r);
	assert_int_equal(probe_result_from_json("not json", &r), -1);
	free(s);
	free(again);
	probe_result_free(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_default),
		cmocka_unit_test(test_gate_widened),
		cmocka_unit_test(test_gate_bad),
		cmocka_unit_test(test_definitions),
		cmocka_unit_test(test_result_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
