/* vault-file.c: files kept sealed to the vault (quarantined mail): read
 * whether sealed or left in the clear by an older setuplink, and sealed
 * in place when a home is migrated. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "util/util.h"
#include "util/vault.h"

int
vault_read_file(struct vault *v, const char *path, size_t max, char **data,
    size_t *len, char **errstr)
{
	char *raw;
	size_t rlen;
	int rv;

	if ((rv = file_read(path, max, &raw, &rlen, errstr)) != 0)
		return rv;
	if (!vault_is_sealed(raw, rlen)) {
		*data = raw;
		*len = rlen;
		return 0;
	}
	rv = vault_open(v, raw, rlen, data, len, errstr);
	free(raw);
	return rv;
}

/* A hidden name beside path: Maildir readers skip dot files. */
static char *
hidden_beside(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xprintf(".%s.sealing", path);
	return xprintf("%.*s/.%s.sealing", (int)(slash - path), path,
	    slash + 1);
}

int
vault_seal_file(struct vault *v, const char *path, char **errstr)
{
	char *raw, *sealed = NULL, *tmp = NULL, *zero;
	size_t rlen, slen;
	int fd = -1, old = -1, rv;

	if ((rv = file_read(path, SIZE_MAX / 2, &raw, &rlen, errstr)) != 0)
		return rv;
	if (vault_is_sealed(raw, rlen))
		goto out;
	vault_seal(v, raw, rlen, &sealed, &slen);
	tmp = hidden_beside(path);
	old = open(path, O_WRONLY | O_CLOEXEC);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || fd_write_all(fd, sealed, slen) != 0 ||
	    fsync(fd) != 0 || rename(tmp, path) != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot seal %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* The sealed copy has the name: now overwrite the clear bytes, a
	 * best effort (a file system may keep old blocks), but cheap. */
	if (old >= 0) {
		zero = xcalloc(1, rlen + 1);
		if (fd_write_all(old, zero, rlen) == 0)
			fdatasync(old);
		free(zero);
	}
out:
	if (fd >= 0)
		close(fd);
	if (old >= 0)
		close(old);
	sodium_memzero(raw, rlen);
	free(raw);
	free(sealed);
	free(tmp);
	return rv;
}
