/* mailer.h: everything the commands and the TUI may call in mailer/: the
 * session they work in (session.h), what an admin does (admin.h), and
 * four rooms with their own headers.  The direction, which
 * tests/e2e/008-layout.sh checks:
 *
 *	cmd/, tui/ -> admin, session -> send/ -> pgp/
 *	cmd/, tui/ -> intake/ -> send/
 *	cmd/, tui/, admin, intake/ -> probe/ (catalog/ and util/ only)
 *	              intake/ -> mime/ <- send/
 *	all of them -> store/ -> catalog/ -> util/
 *
 * mime/ (a stranger's mail) never reaches store/. */
#ifndef SETUPLINK_MAILER_H
#define SETUPLINK_MAILER_H

#include "mailer/admin.h"
#include "mailer/intake/intake.h"
#include "mailer/mime/mime.h"
#include "mailer/pgp/pgp.h"
#include "mailer/probe/probe.h"
#include "mailer/send/send.h"
#include "mailer/session.h"

#endif
