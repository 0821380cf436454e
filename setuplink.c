/* setuplink.c: main.  Private files from the start (umask 077), no core
 * dumps (secrets_guard), then the command table does the rest.  The
 * locale is read where it is used (the interface, gpgme's pinentry), not
 * by every intake: our widths are C.UTF-8's whatever LANG says. */
#include <sys/stat.h>

#include <stdio.h>

#include "cmd/cmd.h"
#include "util/util.h"

int
main(int argc, char **argv)
{
	umask(077);
	/* Every command but the smallest reads a password, a decrypted
	 * reply or the workspace key sooner or later: none leaves a core. */
	secrets_guard();
	return cmd_run(argc, argv);
}
