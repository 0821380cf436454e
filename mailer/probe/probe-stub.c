/* probe-stub.c: kinds declared in the catalog whose library is not
 * wired yet: an honest refusal rather than a pretended pass. */
#include "mailer/probe/private.h"

int
probe_mysql(struct probe *p)
{
	return probe_fail(p, EX_TEMPFAIL, "library", NULL, "this setuplink "
	    "cannot run mysql tests yet");
}
