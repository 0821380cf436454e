/* pq.h: libpq, loaded on first use (util/lazy.c) and shared by the store's
 * PostgreSQL engine and the postgres credentials test, so that a process
 * that never talks to PostgreSQL never maps it. */
#ifndef SETUPLINK_PQ_H
#define SETUPLINK_PQ_H

#include <libpq-fe.h>

extern void *pq_fns[];
/* Resolve libpq once; EX_TEMPFAIL naming the package when it is absent. */
int	 pq_load(char **errstr);

#define pq_connect	((PGconn *(*)(const char *const *, \
			    const char *const *, int))pq_fns[0])
#define pq_status	((ConnStatusType (*)(const PGconn *))pq_fns[1])
#define pq_error	((char *(*)(const PGconn *))pq_fns[2])
#define pq_finish	((void (*)(PGconn *))pq_fns[3])
#define pq_exec		((PGresult *(*)(PGconn *, const char *, int, \
			    const Oid *, const char *const *, const int *, \
			    const int *, int))pq_fns[4])
#define pq_rstatus	((ExecStatusType (*)(const PGresult *))pq_fns[5])
#define pq_efield	((char *(*)(const PGresult *, int))pq_fns[6])
#define pq_clear	((void (*)(PGresult *))pq_fns[7])
#define pq_value	((char *(*)(const PGresult *, int, int))pq_fns[8])
#define pq_ssl		((int (*)(PGconn *))pq_fns[9])
#define pq_ntuples	((int (*)(const PGresult *))pq_fns[10])
#define pq_isnull	((int (*)(const PGresult *, int, int))pq_fns[11])
#define pq_length	((int (*)(const PGresult *, int, int))pq_fns[12])
#define pq_ftype	((Oid (*)(const PGresult *, int))pq_fns[13])
#define pq_cmdtuples	((char *(*)(PGresult *))pq_fns[14])
#define pq_unescape	((unsigned char *(*)(const unsigned char *, \
			    size_t *))pq_fns[15])
#define pq_freemem	((void (*)(void *))pq_fns[16])
#define pq_simple	((PGresult *(*)(PGconn *, const char *))pq_fns[17])
#define pq_notices	((PQnoticeProcessor (*)(PGconn *, \
			    PQnoticeProcessor, void *))pq_fns[18])
#define pq_conninfo	((PQconninfoOption *(*)(const char *, \
			    char **))pq_fns[19])
#define pq_conninfo_free ((void (*)(PQconninfoOption *))pq_fns[20])
#define pq_tx_status	((PGTransactionStatusType (*)(const PGconn *)) \
			    pq_fns[21])

#endif
