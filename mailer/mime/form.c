/* form.c: the reply form: the block a setup email carries, and the reading
 * of "key: value" lines out of whatever text comes back (SPEC "The reply"). */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"
#include "mailer/mime/private.h"

#define FORM_WIDTH	77		/* comment lines stay under 78 */
#define FORM_NONE	((size_t)-1)
#define FORM_REFS_MAX	100		/* opening lines recorded */

/* One line of a reply, its quote marks taken off. */
struct form_line {
	const char	*s;
	size_t		 len;		/* without the line end */
	size_t		 depth;		/* how many ">" */
	size_t		 end;		/* next "-----END ...-----" line */
	size_t		 mark;		/* next form marker line */
};

/* How far a value runs, and whether it could be read whole. */
struct form_run {
	const struct form_line *l;
	size_t		 n;
	bool		 file;		/* the field takes a file */
	const char	*unwhole;	/* set: it cannot be read whole */
};

/* The first unquoted and the first quoted value seen for a key. */
struct form_seen {
	char		*v[2];
	size_t		 len[2];
	const char	*unwhole[2];
};

static const struct field_def *
form_field(const struct connector *conn, const char *key)
{
	size_t i;

	for (i = 0; conn != NULL && i < conn->nfields; i++) {
		if (str_ieq(conn->fields[i].key, key))
			return &conn->fields[i];
	}
	return NULL;
}

/* The byte length of at most max bytes of s, not cutting a UTF-8 sequence. */
static size_t
form_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 1 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Words of text as "# " lines under 78 columns; a longer word is cut. */
static void
form_wrap(struct buf *b, const char *text)
{
	const char *p = text, *w;
	size_t col = 1, n;

	buf_addc(b, '#');
	for (;;) {
		while (*p == ' ' || ((unsigned char)*p < 0x20 && *p != '\0') ||
		    *p == 0x7f)
			p++;
		if (*p == '\0')
			break;
		for (w = p; (unsigned char)*p > 0x20 && *p != 0x7f; p++)
			;
		n = (size_t)(p - w);
		while (n > 0) {
			if (col > 1 && col + 1 + n > FORM_WIDTH) {
				buf_adds(b, "\n#");
				col = 1;
			}
			size_t take = form_cut(w, n, FORM_WIDTH - col - 1);
			buf_addc(b, ' ');
			buf_add(b, w, take);
			col += 1 + take;
			w += take;
			n -= take;
		}
	}
	buf_addc(b, '\n');
}

static void
form_comment(struct buf *b, const struct field_def *f, const char *key)
{
	struct buf c;

	buf_init(&c);
	if (f == NULL)
		buf_printf(&c, "%s (optional)", key);
	else {
		buf_printf(&c, "%s (%s%s%s)", f->label != NULL ? f->label : key,
		    f->required ? "required" : "optional",
		    f->secret ? ", secret" : "",
		    f->type == FT_FILE ? ", file" : "");
		if (f->help != NULL && *f->help != '\0')
			buf_printf(&c, ": %s", f->help);
	}
	form_wrap(b, c.data);
	buf_free(&c);
}

/*
 * A prefill shows only where it is safe to: never for a secret or a file
 * (a mail is no place for them), never with a control character, which
 * would break the one-line format.
 */
char *
form_render(const char *ref, const struct connector *conn, const char *const *keys,
    const char *const *prefill, size_t nkeys)
{
	const struct field_def *f;
	const char *value;
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_printf(&b, FORM_OPEN_FMT "\n", ref);
	for (i = 0; i < nkeys; i++) {
		f = form_field(conn, keys[i]);
		value = prefill != NULL ? prefill[i] : NULL;
		if (value == NULL || str_has_ctl(value) ||
		    (f != NULL && (f->secret || f->type == FT_FILE)))
			value = "";
		buf_addc(&b, '\n');
		form_comment(&b, f, keys[i]);
		buf_printf(&b, "%s: %s\n", f != NULL ? f->key : keys[i], value);
	}
	buf_adds(&b, "\n" FORM_END "\n");
	return buf_take(&b);
}

static void
form_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static bool
form_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

static bool
form_is_pem_end(const struct form_line *l)
{
	const char *s = l->s;
	size_t len = l->len;

	form_trim(&s, &len);
	return form_starts(s, len, "-----END ") && len >= 14 &&
	    memcmp(s + len - 5, "-----", 5) == 0;
}

/* An opening or closing line of a form block, at any quote depth. */
static bool
form_is_marker(const struct form_line *l)
{
	const char *s = l->s;
	size_t len = l->len;

	form_trim(&s, &len);
	return form_starts(s, len, "--- setup form for link ") ||
	    (len == strlen(FORM_END) && memcmp(s, FORM_END, len) == 0);
}

/*
 * Lines with their quote marks (">" each, maybe followed by one space)
 * taken off, CRLF or LF.  Each line also learns where the next PEM end
 * line and the next form marker are, so that reading stays linear
 * however many "-----BEGIN" lines a hostile text holds.
 */
static struct form_line *
form_split(const char *text, size_t len, size_t *np)
{
	struct form_line *l;
	const char *p = text, *end = text + len;
	size_t n = 1, i;

	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	l = xcalloc(n, sizeof *l);
	for (i = 0; i < n; i++) {
		l[i].s = p;
		p = line_next(p, end, &l[i].len);
		while (l[i].len > 0 && *l[i].s == '>') {
			l[i].depth++;
			l[i].s++;
			l[i].len--;
			if (l[i].len > 0 && *l[i].s == ' ') {
				l[i].s++;
				l[i].len--;
			}
		}
	}
	for (i = n; i-- > 0;) {
		l[i].end = form_is_pem_end(&l[i]) ? i :
		    i + 1 < n ? l[i + 1].end : FORM_NONE;
		l[i].mark = form_is_marker(&l[i]) ? i :
		    i + 1 < n ? l[i + 1].mark : FORM_NONE;
	}
	*np = n;
	return l;
}

/* An indented, non-blank line at the same quote depth continues a value. */
static bool
form_continues(const struct form_line *l, size_t depth)
{
	const char *s = l->s;
	size_t len = l->len;

	if (l->depth != depth || len == 0 || (*s != ' ' && *s != '\t'))
		return false;
	form_trim(&s, &len);
	return len > 0 && *s != '#';
}

static void
form_add_line(struct buf *b, const struct form_line *l)
{
	const char *s = l->s;
	size_t len = l->len;

	form_trim(&s, &len);
	if (b->len > 0)
		buf_addc(b, '\n');
	buf_add(b, s, len);
}

/* A line of a JSON run as it was pasted: indentation kept, not its end. */
static void
form_add_raw(struct buf *b, const struct form_line *l)
{
	size_t len = l->len;

	while (len > 0 && (l->s[len - 1] == ' ' || l->s[len - 1] == '\t'))
		len--;
	buf_addc(b, '\n');
	buf_add(b, l->s, len);
}

/* The label of a "-----BEGIN X-----" or "-----END X-----" line: X. */
static bool
form_pem_label(const char *s, size_t len, const char *word, const char **lab,
    size_t *lablen)
{
	size_t w = strlen(word);

	form_trim(&s, &len);
	if (len < w + 5 || memcmp(s, word, w) != 0 ||
	    memcmp(s + len - 5, "-----", 5) != 0)
		return false;
	*lab = s + w;
	*lablen = len - w - 5;
	return true;
}

/*
 * A PEM block from its BEGIN line p to its END line, whatever the quoting
 * of either (people paste a key after a quoted "> key:" line), then any
 * block that follows it (a certificate bundle).  A BEGIN without the END
 * of its label before the form's marker line cannot be read whole.
 */
static size_t
form_pem_run(struct form_run *r, size_t p, const char *v, size_t vlen,
    struct buf *out)
{
	const struct form_line *l = r->l;
	const char *lab, *elab;
	size_t lablen, elablen, e, j, last = p;

	for (;;) {
		if (!form_pem_label(v, vlen, "-----BEGIN ", &lab, &lablen) ||
		    p + 1 >= r->n ||
		    (e = l[p + 1].end) == FORM_NONE ||
		    (l[p + 1].mark != FORM_NONE && l[p + 1].mark < e) ||
		    !form_pem_label(l[e].s, l[e].len, "-----END ", &elab,
		    &elablen) || elablen != lablen ||
		    memcmp(lab, elab, lablen) != 0) {
			r->unwhole = "the pasted PEM block has no END line of "
			    "its own (-----END ...-----)";
			return last;
		}
		for (j = p + 1; j <= e; j++)
			form_add_line(out, &l[j]);
		last = e;
		for (p = e + 1; p < r->n && l[p].len == 0; p++)
			;
		if (p >= r->n || !form_pem_label(l[p].s, l[p].len,
		    "-----BEGIN ", &lab, &lablen))
			return last;
		v = l[p].s;
		vlen = l[p].len;
		form_add_line(out, &l[p]);
	}
}

/* Brackets still open after s, strings skipped; a line ends a string. */
static long
form_json_depth(const char *s, size_t len, long depth)
{
	bool str = false, esc = false;
	size_t i;

	for (i = 0; i < len && depth > 0; i++) {
		if (str) {
			if (esc)
				esc = false;
			else if (s[i] == '\\')
				esc = true;
			else if (s[i] == '"')
				str = false;
		} else if (s[i] == '"')
			str = true;
		else if (s[i] == '{' || s[i] == '[')
			depth++;
		else if (s[i] == '}' || s[i] == ']')
			depth--;
	}
	return depth;
}

/*
 * JSON pasted into a file field: from its "{" or "[" to the line that
 * closes it, whatever the quoting, each line as pasted (its indentation
 * kept).  Text that ends, or a form marker line, before it closes: the
 * value cannot be read whole.
 */
static size_t
form_json_run(struct form_run *r, size_t p, const char *v, size_t vlen,
    struct buf *out)
{
	const struct form_line *l = r->l;
	long depth = form_json_depth(v + 1, vlen - 1, 1);
	size_t j;

	for (j = p + 1; depth > 0 && j < r->n && j != l[p].mark; j++) {
		form_add_raw(out, &l[j]);
		depth = form_json_depth(l[j].s, l[j].len, depth);
	}
	if (depth > 0)
		r->unwhole = "the pasted JSON does not close (a { or [ "
		    "without its } or ])";
	return j - 1;
}

static bool
form_starts_run(const struct form_run *r, const char *v, size_t vlen)
{
	return form_starts(v, vlen, "-----BEGIN ") ||
	    (r->file && vlen > 0 && (*v == '{' || *v == '['));
}

/*
 * The value that starts on line i (v: what follows the colon, trimmed):
 * a PEM block or (in a file field) JSON, which may also start on the next
 * line, or continuation lines.  Returns the last line it took.
 */
static size_t
form_collect(struct form_run *r, size_t i, const char *v, size_t vlen,
    struct buf *out)
{
	const struct form_line *l = r->l;
	const char *w;
	size_t p = i, j, wlen;

	if (vlen == 0 && i + 1 < r->n) {
		w = l[i + 1].s;
		wlen = l[i + 1].len;
		form_trim(&w, &wlen);
		if (form_starts_run(r, w, wlen)) {
			p = i + 1;
			v = w;
			vlen = wlen;
		}
	}
	buf_add(out, v, vlen);
	if (form_starts(v, vlen, "-----BEGIN ") &&
	    memmem(v, vlen, "-----END ", 9) == NULL)
		return form_pem_run(r, p, v, vlen, out);
	if (form_starts_run(r, v, vlen) && *v != '-')
		return form_json_run(r, p, v, vlen, out);
	for (j = p + 1; j < r->n && form_continues(&l[j], l[i].depth); j++)
		form_add_line(out, &l[j]);
	return j - 1;
}

/* The index of the key that line t (trimmed) sets, or -1; *v gets its value. */
static ssize_t
form_key(const char *t, size_t len, const char *const *keys, size_t nkeys,
    const char **v, size_t *vlen)
{
	const char *colon;
	size_t klen, i;

	if ((colon = memchr(t, ':', len)) == NULL || colon == t)
		return -1;
	klen = (size_t)(colon - t);
	for (i = 0; i < nkeys; i++) {
		if (keys[i] != NULL && strlen(keys[i]) == klen &&
		    strncasecmp(t, keys[i], klen) == 0)
			break;
	}
	if (i == nkeys)
		return -1;
	*v = colon + 1;
	*vlen = len - klen - 1;
	form_trim(v, vlen);
	return (ssize_t)i;
}

/*
 * The REF on an opening form line ("12" or "12-abcdefgh"), or NULL.  Its
 * length is the whole of it that may be checked: an id of at most 18
 * digits, a dash and TOKEN_REF_LEN base32 characters.
 */
static char *
form_ref(const char *t, size_t len)
{
	const char *fmt = FORM_OPEN_FMT;
	size_t plen = (size_t)(strstr(fmt, "%s") - fmt), i, tag;

	if (len <= plen || memcmp(t, fmt, plen) != 0)
		return NULL;
	for (i = plen; i < len && i - plen < 19 && t[i] >= '0' &&
	    t[i] <= '9'; i++)
		;
	if (i == plen || i - plen > 18 || t[plen] == '0')
		return NULL;
	if (i < len && t[i] == '-') {
		tag = i + 1;
		if (len - tag <= TOKEN_REF_LEN ||
		    !token_ref_tag_well_formed(t + tag, TOKEN_REF_LEN))
			return NULL;
		i = tag + TOKEN_REF_LEN;
	}
	return i < len && t[i] == ':' ? xstrndup(t + plen, i - plen) : NULL;
}

static bool
form_is_ref(const char *t, size_t len)
{
	char *ref = form_ref(t, len);

	free(ref);
	return ref != NULL;
}

/*
 * Every opening form line, once.  A reply that counts carries one or two;
 * the cap keeps a hostile text from making the check for repeats quadratic
 * and can only ever lose a ref, never add one.
 */
static void
form_refs(const struct form_line *l, size_t n, struct form_result *res)
{
	const char *t;
	size_t i, len;
	char *ref;

	for (i = 0; i < n && res->nrefs < FORM_REFS_MAX; i++) {
		t = l[i].s;
		len = l[i].len;
		form_trim(&t, &len);
		if ((ref = form_ref(t, len)) == NULL)
			continue;
		if (form_has_ref(res, ref)) {
			free(ref);
			continue;
		}
		res->refs = xreallocarray(res->refs, res->nrefs + 1,
		    sizeof *res->refs);
		res->refs[res->nrefs++] = ref;
	}
}

static bool
form_is_template(const char *v, size_t len, const char *tmpl)
{
	size_t tlen;

	if (tmpl == NULL)
		return false;
	tlen = strlen(tmpl);
	form_trim(&tmpl, &tlen);
	return tlen == len && memcmp(v, tmpl, len) == 0;
}

static void
form_keep(struct form_seen *seen, bool quoted, struct buf *v,
    const char *unwhole)
{
	if (seen->v[quoted] != NULL)
		return;
	seen->unwhole[quoted] = unwhole;
	seen->len[quoted] = v->len;
	seen->v[quoted] = xmalloc(v->len + 1);
	memcpy(seen->v[quoted], v->data, v->len);
	seen->v[quoted][v->len] = '\0';
}

/* Values in keys[] order: the first unquoted one, else the first quoted. */
static void
form_results(struct form_seen *seen, const char *const *keys, size_t nkeys,
    struct form_result *res)
{
	struct form_value *fv;
	size_t i;
	int q;

	res->v = xcalloc(nkeys, sizeof *res->v);
	for (i = 0; i < nkeys; i++) {
		q = seen[i].v[0] != NULL ? 0 : 1;
		if (seen[i].v[q] == NULL)
			continue;
		fv = &res->v[res->n++];
		fv->key = xstrdup(keys[i]);
		fv->value = seen[i].v[q];
		fv->len = seen[i].len[q];
		fv->quoted = q == 1;
		fv->unwhole = seen[i].unwhole[q];
		fv->bad_bytes = memmem(fv->value, fv->len, UTF8_REPLACEMENT,
		    strlen(UTF8_REPLACEMENT)) != NULL;
		seen[i].v[q] = NULL;
	}
}

int
form_read(const char *text, size_t len, const char *const *keys,
    const char *const *templates, size_t nkeys, struct form_result *res)
{
	return form_read_fields(text, len, keys, templates, NULL, nkeys, res);
}

int
form_read_fields(const char *text, size_t len, const char *const *keys,
    const char *const *templates, const bool *files, size_t nkeys,
    struct form_result *res)
{
	struct form_seen *seen;
	struct form_line *l;
	struct form_run r;
	struct buf v;
	const char *t, *val;
	size_t n, i, tlen, vlen;
	ssize_t k;
	bool sig = false, quoted;

	memset(res, 0, sizeof *res);
	l = form_split(text, len, &n);
	seen = xcalloc(nkeys + 1, sizeof *seen);
	form_refs(l, n, res);
	buf_init(&v);
	for (i = 0; i < n; i++) {
		t = l[i].s;
		tlen = l[i].len;
		form_trim(&t, &tlen);
		if (form_is_ref(t, tlen) || (tlen == strlen(FORM_END) &&
		    memcmp(t, FORM_END, tlen) == 0))
			sig = false;
		else if (sig && l[i].depth == 0)
			continue;
		sig = false;
		if (l[i].depth == 0 && l[i].len == 3 &&
		    memcmp(l[i].s, "-- ", 3) == 0) {
			sig = true;
			continue;
		}
		if (tlen == 0 || *t == '#' ||
		    (k = form_key(t, tlen, keys, nkeys, &val, &vlen)) < 0)
			continue;
		quoted = l[i].depth > 0;
		v.len = 0;
		r = (struct form_run){ l, n, files != NULL && files[k], NULL };
		i = form_collect(&r, i, val, vlen, &v);
		if (v.len == 0 || form_is_template(v.data, v.len,
		    templates != NULL ? templates[k] : NULL))
			continue;
		form_keep(&seen[k], quoted, &v, r.unwhole);
	}
	form_results(seen, keys, nkeys, res);
	for (i = 0; i < nkeys; i++) {
		free(seen[i].v[0]);
		free(seen[i].v[1]);
	}
	free(seen);
	free(l);
	buf_free(&v);
	return 0;
}

void
form_result_free(struct form_result *res)
{
	size_t i;

	for (i = 0; i < res->n; i++) {
		free(res->v[i].key);
		free(res->v[i].value);
	}
	free(res->v);
	strv_free(&res->refs, res->nrefs);
	memset(res, 0, sizeof *res);
}

bool
form_has_ref(const struct form_result *res, const char *ref)
{
	size_t i;

	for (i = 0; i < res->nrefs; i++) {
		if (strcmp(res->refs[i], ref) == 0)
			return true;
	}
	return false;
}
