/* fuzz_config.c: the configuration reader (config_load on setuplink.conf, a
 * file a person edits) and the values init writes into it.  What was read
 * or set must come back unchanged after config_write and config_load.
 *
 * The first byte picks the mode: even, the rest is a whole setuplink.conf;
 * odd, the rest is "key=value" lines given to config_set, the way init
 * and the TUI set keys, then written and read back. */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "util/config.h"

static char *conf, *back;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/*
 * A directory of its own for each input (config_write renames into it),
 * gone before the next: a crash leaves one behind, never thousands.
 */
static char *
fuzz_dir(void)
{
	char tmpl[] = "/dev/shm/slfuzz.XXXXXX", tmpl2[] = "/tmp/slfuzz.XXXXXX";
	char *d;

	if ((d = mkdtemp(tmpl)) == NULL && (d = mkdtemp(tmpl2)) == NULL)
		fatalx("mkdtemp: %s", strerror(errno));
	d = xstrdup(d);
	conf = xprintf("%s/in.conf", d);
	back = xprintf("%s/out.conf", d);
	return d;
}

static void
fuzz_dir_free(char *d)
{
	char *tmp = xprintf("%s.tmp", back);

	unlink(conf);
	unlink(back);
	unlink(tmp);
	rmdir(d);
	free(tmp);
	freep(&conf);
	freep(&back);
	free(d);
}

static bool
fuzz_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Every key of the table, by its type, the same in both. */
static void
fuzz_compare(const struct config *a, const struct config *b)
{
	size_t i;

	for (i = 0; i < config_table_size; i++) {
		const struct config_entry *e = &config_table[i];
		const void *fa = (const char *)a + e->offset;
		const void *fb = (const char *)b + e->offset;
		bool same;

		switch (e->type) {
		case CONFIG_BOOL:
			same = *(const bool *)fa == *(const bool *)fb;
			break;
		case CONFIG_NUMBER:
		case CONFIG_DURATION:
		case CONFIG_SIZE:
			same = *(const int64_t *)fa == *(const int64_t *)fb;
			break;
		default:
			same = fuzz_streq(*(char *const *)fa, *(char *const *)fb);
			break;
		}
		if (!same && e->type != CONFIG_BOOL && e->type !=
		    CONFIG_NUMBER && e->type != CONFIG_DURATION &&
		    e->type != CONFIG_SIZE)
			fprintf(stderr, "key %s: [%s] came back as [%s]\n",
			    e->key, *(char *const *)fa ? *(char *const *)fa :
			    "(null)", *(char *const *)fb ? *(char *const *)fb :
			    "(null)");
		else if (!same)
			fprintf(stderr, "key %s differs after a round trip\n",
			    e->key);
		FUZZ_CHECK(same, "config_write and config_load disagree");
	}
	FUZZ_CHECK(fuzz_streq(a->intake_local, b->intake_local) &&
	    fuzz_streq(a->intake_domain, b->intake_domain) &&
	    fuzz_streq(a->admin_name, b->admin_name) &&
	    fuzz_streq(a->admin_email, b->admin_email),
	    "derived keys differ after a round trip");
}

/* What a loaded configuration promises its readers. */
static void
fuzz_sane(const struct config *c)
{
	FUZZ_CHECK(c->workspace != NULL && c->admin != NULL &&
	    c->intake != NULL, "a required key is missing after a load");
	FUZZ_CHECK(c->intake_local != NULL && c->intake_domain != NULL,
	    "the intake address was not split");
	FUZZ_CHECK(address_valid(c->intake), "an invalid intake address");
	FUZZ_CHECK(c->link_expiry > 0 && c->link_expiry_max > 0 &&
	    c->link_expiry_max <= 90 * 86400, "an expiry out of range");
	FUZZ_CHECK(c->max_message_size >= 0 && c->max_file_size >= 0,
	    "a negative size");
}

static void
fuzz_round_trip(const struct config *c)
{
	struct config again;
	char *err = NULL;
	int rv;

	if ((rv = config_write(back, c, &err)) != 0) {
		free(err);
		return;		/* the disk, not the parser */
	}
	rv = config_load(back, &again, &err);
	if (rv != 0)
		fprintf(stderr, "reload: %s\n", err);
	FUZZ_CHECK(rv == 0, "config_load refuses what config_write wrote");
	fuzz_compare(c, &again);
	config_free(&again);
}

static bool
fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f;
	bool ok;

	if ((f = fopen(path, "w")) == NULL)
		return false;
	ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok;
}

static void
fuzz_file(const uint8_t *data, size_t size)
{
	struct config c;
	char *err = NULL;
	int rv;

	if (!fuzz_write_file(conf, data, size))
		return;
	rv = config_load(conf, &c, &err);
	if (rv == 0) {
		FUZZ_CHECK(err == NULL, "success with an error sentence");
		fuzz_sane(&c);
		fuzz_round_trip(&c);
	} else {
		FUZZ_CHECK(rv == EX_CONFIG && err != NULL,
		    "a bad file is not EX_CONFIG with a sentence");
		free(err);
	}
	config_free(&c);
}

/* init's path: config_set on each key, then a file written and read. */
static void
fuzz_set(const uint8_t *data, size_t size)
{
	struct config c;
	char *line, *eq, *err = NULL;

	config_defaults(&c);
	config_set(&c, "workspace", "Acme Data", NULL);
	config_set(&c, "admin", "Ann Admin <ann@acme.example>", NULL);
	config_set(&c, "intake", "setup@acme.example", NULL);
	while ((line = fuzz_take(&data, &size, '\n')) != NULL) {
		if ((eq = strchr(line, '=')) != NULL) {
			*eq = '\0';
			if (config_set(&c, line, eq + 1, &err) != 0) {
				FUZZ_CHECK(err != NULL, "a refusal without a sentence");
				freep(&err);
			}
		}
		free(line);
	}
	if (c.link_expiry_max <= 90 * 86400 && c.workspace != NULL &&
	    c.admin != NULL && c.intake != NULL)
		fuzz_round_trip(&c);
	config_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *d;

	if (size == 0)
		return 0;
	d = fuzz_dir();
	if (data[0] % 2 == 0)
		fuzz_file(data + 1, size - 1);
	else
		fuzz_set(data + 1, size - 1);
	fuzz_dir_free(d);
	return 0;
}
