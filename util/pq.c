/* pq.c: libpq resolved on first use (util/lazy.c): a SQLite home never
 * loads it; a shared store and the postgres credentials test do. */
#include "util/util.h"
#include "util/pq.h"

static const char *pq_syms[] = {
	"PQconnectdbParams", "PQstatus", "PQerrorMessage", "PQfinish",
	"PQexecParams", "PQresultStatus", "PQresultErrorField", "PQclear",
	"PQgetvalue", "PQsslInUse", "PQntuples", "PQgetisnull",
	"PQgetlength", "PQftype", "PQcmdTuples", "PQunescapeBytea",
	"PQfreemem", "PQexec", "PQsetNoticeProcessor", "PQconninfoParse",
	"PQconninfoFree", "PQtransactionStatus",
};
void *pq_fns[nitems(pq_syms)];
static struct lazy_lib pq_lib = { "libpq.so.5", "libpq5", pq_syms, pq_fns,
    nitems(pq_syms), NULL, false };

int
pq_load(char **errstr)
{
	return lazy_load(&pq_lib, errstr);
}
