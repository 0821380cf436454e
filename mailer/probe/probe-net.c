/* probe-net.c: which addresses a test may connect to (test_networks).
 * By default ("public") loopback, link-local, unspecified and cloud
 * metadata addresses are refused after resolving, so a reply cannot make
 * the intake probe its own host or network; the admin widens it by
 * naming networks, e.g. "public, 127.0.0.0/8, ::1/128". */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailer/probe/private.h"

struct net {
	int		 family;
	unsigned char	 addr[16];
	int		 bits;
};

struct netgate {
	bool		 public_;	/* anything but the refused below */
	struct net	*v;		/* and these, whatever they are */
	size_t		 n;
};

/* What "public" leaves out. */
static const char *refused[] = {
	"0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "100.100.100.200/32",
	"::/128", "::1/128", "fe80::/10", "fd00:ec2::254/128",
	"fd20:ce::254/128",
};

static int
net_parse(const char *s, struct net *n)
{
	char *a = xstrdup(s), *slash = strchr(a, '/'), *end;
	long bits;
	int rv = -1;

	if (slash != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, a, n->addr) == 1) {
		n->family = AF_INET;
		n->bits = 32;
	} else if (inet_pton(AF_INET6, a, n->addr) == 1) {
		n->family = AF_INET6;
		n->bits = 128;
	} else
		goto out;
	if (slash != NULL) {
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits < 0 ||
		    bits > n->bits)
			goto out;
		n->bits = (int)bits;
	}
	rv = 0;
out:
	free(a);
	return rv;
}

static bool
net_match(const struct net *n, int family, const unsigned char *addr)
{
	int full = n->bits / 8, rest = n->bits % 8;

	if (n->family != family || memcmp(n->addr, addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((n->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

int
netgate_parse(const char *spec, struct netgate **out, char **errstr)
{
	struct netgate *g = xcalloc(1, sizeof *g);
	char **v = NULL, *w;
	size_t n = 0, i;
	int rv = 0;

	*out = NULL;
	if (spec == NULL || *spec == '\0')
		spec = "public";
	if (str_split(spec, ',', &v, &n) != 0)
		n = 0;
	g->v = xcalloc(n + 1, sizeof *g->v);
	for (i = 0; i < n && rv == 0; i++) {
		w = str_trim(v[i]);
		if (*w == '\0')
			continue;
		if (strcmp(w, "public") == 0)
			g->public_ = true;
		else if (strcmp(w, "any") == 0) {
			net_parse("0.0.0.0/0", &g->v[g->n++]);
			g->v = xreallocarray(g->v, n + 2, sizeof *g->v);
			net_parse("::/0", &g->v[g->n++]);
		} else if (net_parse(w, &g->v[g->n]) == 0)
			g->n++;
		else
			rv = errorf(errstr, EX_CONFIG, "test_networks: '%s' is "
			    "not public, any, an address or a network "
			    "(ADDRESS/BITS)", w);
	}
	strv_free(&v, n);
	if (rv != 0) {
		netgate_free(&g);
		return rv;
	}
	*out = g;
	return 0;
}

int
probe_networks_check(const char *spec, char **errstr)
{
	struct netgate *g;
	int rv;

	if ((rv = netgate_parse(spec, &g, errstr)) == 0)
		netgate_free(&g);
	return rv;
}

void
netgate_free(struct netgate **gp)
{
	if (*gp == NULL)
		return;
	free((*gp)->v);
	freep(gp);
}

bool
netgate_allows(const struct netgate *g, const struct sockaddr *sa)
{
	const unsigned char *a;
	unsigned char v4[4];
	struct net n;
	int family = sa->sa_family;
	size_t i;

	if (family == AF_INET)
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	else if (family == AF_INET6) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		/* ::ffff:127.0.0.1 is 127.0.0.1. */
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
			memcpy(v4, a + 12, 4);
			a = v4;
			family = AF_INET;
		}
	} else
		return false;
	for (i = 0; i < g->n; i++) {
		if (net_match(&g->v[i], family, a))
			return true;
	}
	if (!g->public_)
		return false;
	for (i = 0; i < nitems(refused); i++) {
		if (net_parse(refused[i], &n) == 0 && net_match(&n, family, a))
			return false;
	}
	return true;
}

bool
netgate_allow_cb(const struct sockaddr *sa, socklen_t len, void *arg)
{
	(void)len;
	return netgate_allows(arg, sa);
}

int
probe_resolve(struct probe *p, int port, char ip[64])
{
	struct addrinfo hints = { 0 }, *ai = NULL, *a;
	const char *host = probe_get(p, "host", NULL);
	char serv[16];
	int e, total = 0, kept = 0;

	ip[0] = '\0';
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(serv, sizeof serv, "%d", port);
	if ((e = getaddrinfo(host, serv, &hints, &ai)) != 0) {
		if (e == EAI_AGAIN)
			return probe_fail(p, EX_TEMPFAIL, "resolve", NULL, "the "
			    "name server did not answer for %s", host);
		return probe_fail(p, EX_UNAVAILABLE, "resolve", "host",
		    "the host name %s does not resolve", host);
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		total++;
		if (!netgate_allows(p->gate, a->ai_addr))
			continue;
		if (kept++ == 0 && getnameinfo(a->ai_addr, a->ai_addrlen, ip,
		    64, NULL, 0, NI_NUMERICHOST) != 0)
			ip[0] = '\0';
	}
	freeaddrinfo(ai);
	if (kept == 0 || ip[0] == '\0')
		return probe_fail(p, EX_UNAVAILABLE, "network", "host", "%s "
		    "resolves only to addresses test_networks does not allow "
		    "(loopback, link-local, metadata unless named): nothing "
		    "was connected", host);
	probe_ok(p, "resolve", "%s resolves to %d address%s, %d allowed; "
	    "trying %s", host, total, total == 1 ? "" : "es", kept, ip);
	return 0;
}
