/* admin-test.c: testing a draft's credentials, once for the command line,
 * the interface and the intake's worker: open the values as `draft
 * export` does, run the connector's test (mailer/probe), keep the result
 * on the draft, audit it and queue the webhook's event. */
#include <stdlib.h>
#include <string.h>

#include "mailer/admin.h"
#include "mailer/probe/probe.h"
#include "util/util.h"

/* A result made here, without the service: the draft lacks values. */
static void
incomplete(struct probe_result *res, char **missing, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", missing[i]);
	res->status = EX_DATAERR;
	res->failure = xstrdup("incomplete");
	res->blame = xcalloc(n + 1, sizeof *res->blame);
	for (i = 0; i < n; i++)
		res->blame[res->nblame++] = xstrdup(missing[i]);
	res->checks = xcalloc(1, sizeof *res->checks);
	res->checks[0].check = xstrdup("incomplete");
	res->checks[0].detail = xprintf("the draft lacks %s, so the test "
	    "cannot try it", b.data);
	res->nchecks = 1;
	buf_free(&b);
}

static int
test_record(struct session *s, int64_t id, int64_t values_at,
    const struct probe_result *res, const char *actor, char **errstr)
{
	struct draft_test t = { 0 };
	char *detail;
	int rv;

	t.at = time_now();
	t.values_at = values_at;
	t.status = res->status;
	t.result = probe_result_to_json(res);
	detail = res->status == 0 ? xstrdup("passed") :
	    xprintf("failed: %s", res->failure ? res->failure : "?");
	if ((rv = store_begin(s->st, errstr)) != 0)
		goto out;
	if ((rv = draft_test_save(s->st, id, &t, errstr)) != 0 ||
	    (rv = audit_add(s->st, actor, "test", id, 0, detail,
	    errstr)) != 0 ||
	    (rv = event_add(s->st, res->status == 0 ? "test_passed" :
	    "test_failed", id, 0, (const char *const *)res->blame,
	    res->nblame, res->failure, errstr)) != 0) {
		store_rollback(s->st);
		goto out;
	}
	rv = store_commit(s->st, errstr);
out:
	free(detail);
	draft_test_clear(&t);
	return rv;
}

int
admin_test_draft(struct session *s, int64_t id, const char *actor,
    struct probe_result *res, char **errstr)
{
	const struct connector *c;
	const struct field_value *mv;
	struct probe_value *vals = NULL;
	struct probe_opts o = { 0 };
	struct draft *d = NULL;
	const char *method = NULL;
	char **missing = NULL;
	size_t nmissing = 0, i, n = 0;
	int rv;

	memset(res, 0, sizeof *res);
	if ((rv = draft_get(s->st, s->cat, id, &d, errstr)) != 0)
		return rv;
	if ((c = catalog_find(s->cat, d->connector)) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "the connector '%s' is no longer "
		    "in the catalog", d->connector);
		goto out;
	}
	if (c->method_field != NULL &&
	    (mv = draft_value(d, c->method_field)) != NULL && mv->len > 0)
		method = mv->value;
	if (!draft_complete(c, d, &missing, &nmissing))
		incomplete(res, missing, nmissing);
	else {
		vals = xcalloc(d->nfields + 1, sizeof *vals);
		for (i = 0; i < d->nfields; i++) {
			if (d->fields[i].value == NULL)
				continue;
			vals[n].key = d->fields[i].key;
			vals[n].value = d->fields[i].value;
			vals[n++].len = d->fields[i].len;
		}
		o.timeout_ms = s->cfg.test_timeout * 1000;
		o.networks = s->cfg.test_networks;
		if ((rv = probe_run(c, method, vals, n, &o, res, errstr)) != 0)
			goto out;
	}
	rv = test_record(s, id, d->updated, res, actor, errstr);
out:
	strv_free(&missing, nmissing);
	free(vals);
	draft_free(&d);
	return rv;
}
