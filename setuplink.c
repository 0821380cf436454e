/* setuplink.c: main.  Private files from the start (umask 077), then the
 * command table does the rest. */
#include <sys/stat.h>

#include <locale.h>
#include <stdio.h>

#include "cmd/cmd.h"

int
main(int argc, char **argv)
{
	umask(077);
	setlocale(LC_CTYPE, "");
	return cmd_run(argc, argv);
}
