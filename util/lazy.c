/* lazy.c: shared libraries loaded on first use.  libcurl (with GnuTLS and
 * its dozen dependencies) and libxml2 (with ICU) cost milliseconds at
 * every start, yet only an SMTP send or an HTML-only reply needs them,
 * while the intake runs once per message. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/*
 * Resolve n symbols of lib into fns, once.  A library that cannot be
 * loaded is a temporary failure: the installation is incomplete, not the
 * input at fault.
 */
int
lazy_load(struct lazy_lib *lib, char **errstr)
{
	size_t i;

	if (lib->loaded)
		return 0;
	if (lib->handle == NULL &&
	    (lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return errorf(errstr, EX_TEMPFAIL, "cannot load %s (%s): "
		    "install %s", lib->soname, dlerror(), lib->package);
	for (i = 0; i < lib->nsyms; i++) {
		if ((lib->fns[i] = dlsym(lib->handle, lib->syms[i])) == NULL)
			return errorf(errstr, EX_TEMPFAIL, "%s has no %s: "
			    "install %s", lib->soname, lib->syms[i],
			    lib->package);
	}
	lib->loaded = true;
	return 0;
}

/*
 * The same for a library whose functions are called under their own
 * names through a table (util/ssl.h, mailer/pgp/gpgme-lib.h): loaded on
 * the first call, its pointers copied whole into table (dlsym's are
 * functions, POSIX says), or the process ends with EX_TEMPFAIL naming
 * the package, since no caller could go on without it.
 */
void
lazy_need(struct lazy_lib *lib, void *table, size_t size)
{
	char *err = NULL;

	if (lib->loaded)
		return;
	if (lazy_load(lib, &err) != 0) {
		log_warnx("%s", err);
		exit(EX_TEMPFAIL);
	}
	memcpy(table, lib->fns, size);
}
