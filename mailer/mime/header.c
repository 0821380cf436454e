/* header.c: header fields into struct mail, alone too for a message too
 * large to read whole: safe addresses, ids, recipients, auto-reply marks. */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/mime/private.h"

#define HEADER_BLOCK_MAX	65536	/* what mail_parse_headers() reads */
#define HEADER_RCPTS_MAX	1000	/* recipients kept, DSN ones too */

/*
 * An address as the intake may use it: angle brackets and spaces off, the
 * domain lowercased (the local part is the owner's), and nothing that
 * could break a header line it is written into.
 */
char *
header_addr(const char *s, size_t len, bool need_at)
{
	const char *at;
	char *a;
	size_t i;

	while (len > 0 && mime_is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && mime_is_space(s[len - 1]))
		len--;
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	if (len == 0 || len > 320)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    strchr("<>,;\"()\\", s[i]) != NULL)
			return NULL;
	}
	if ((at = memrchr(s, '@', len)) == NULL && need_at)
		return NULL;
	a = xstrndup(s, len);
	if (at != NULL)
		str_lower(a + (at - s));
	return a;
}

/* A leading mbox "From sender date" line: its sender and its length. */
size_t
header_mbox_line(const char *p, size_t len, char **sender)
{
	const char *nl, *end, *s, *e;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	end = (nl = memchr(p, '\n', len)) != NULL ? nl : p + len;
	for (s = p + 5; s < end && (*s == ' ' || *s == '\t'); s++)
		;
	if (s < end && *s == ':')	/* "From : x", an obsolete header */
		return 0;
	for (e = s; e < end && !mime_is_space(*e); e++)
		;
	*sender = header_addr(s, (size_t)(e - s), false);
	return nl != NULL ? (size_t)(nl - p) + 1 : len;
}

static char *
header_msgid(const char *s)
{
	size_t i, len = s != NULL ? strlen(s) : 0;

	if (len == 0 || len > 998)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '<' || s[i] == '>')
			return NULL;
	}
	return xstrdup(s);
}

static char *
header_date(const struct mailimf_date_time *d)
{
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	if (d == NULL || d->dt_month < 1 || d->dt_month > 12 ||
	    d->dt_zone < -9999 || d->dt_zone > 9999)
		return NULL;
	return xprintf("%d %s %04d %02d:%02d:%02d %+05d", d->dt_day,
	    months[d->dt_month - 1], d->dt_year, d->dt_hour, d->dt_min,
	    d->dt_sec, d->dt_zone);
}

/* Each address once and HEADER_RCPTS_MAX at most: a message that names a
 * million costs what one that names a thousand does. */
void
header_rcpt(char ***v, size_t *n, char *addr)
{
	size_t i;

	for (i = 0; addr != NULL && i < *n; i++) {
		if (strcmp((*v)[i], addr) == 0)
			break;
	}
	if (addr == NULL || i < *n || *n >= HEADER_RCPTS_MAX) {
		free(addr);
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = addr;
}

static void
header_mailbox(struct mail *m, const struct mailimf_mailbox *mb)
{
	if (mb != NULL && mb->mb_addr_spec != NULL)
		header_rcpt(&m->rcpts, &m->nrcpts, header_addr(mb->mb_addr_spec,
		    strlen(mb->mb_addr_spec), true));
}

static void
header_addresses(struct mail *m, const struct mailimf_address_list *l)
{
	struct mailimf_address *a;
	clistiter *cur, *c;

	for (cur = l != NULL ? clist_begin(l->ad_list) : NULL; cur != NULL;
	    cur = clist_next(cur)) {
		a = clist_content(cur);
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			header_mailbox(m, a->ad_data.ad_mailbox);
			continue;
		}
		if (a->ad_type != MAILIMF_ADDRESS_GROUP ||
		    a->ad_data.ad_group->grp_mb_list == NULL)
			continue;
		for (c = clist_begin(a->ad_data.ad_group->grp_mb_list->mb_list);
		    c != NULL; c = clist_next(c))
			header_mailbox(m, clist_content(c));
	}
}

/* Recipients in the order the intake looks for a token in them. */
static void
header_rcpts(struct mail *m, const struct mailimf_fields *f)
{
	static const char *names[] = { "Delivered-To", "X-Original-To" };
	struct mailimf_optional_field *o;
	struct mailimf_field *fld;
	clistiter *cur;
	int pass, type;

	for (pass = 0; pass < 4; pass++) {
		for (cur = clist_begin(f->fld_list); cur != NULL;
		    cur = clist_next(cur)) {
			fld = clist_content(cur);
			type = fld->fld_type;
			o = fld->fld_data.fld_optional_field;
			if (pass < 2 && type == MAILIMF_FIELD_OPTIONAL_FIELD &&
			    str_ieq(o->fld_name, names[pass]))
				header_rcpt(&m->rcpts, &m->nrcpts, header_addr(
				    o->fld_value, strlen(o->fld_value), true));
			else if (pass == 2 && type == MAILIMF_FIELD_TO)
				header_addresses(m,
				    fld->fld_data.fld_to->to_addr_list);
			else if (pass == 3 && type == MAILIMF_FIELD_CC)
				header_addresses(m,
				    fld->fld_data.fld_cc->cc_addr_list);
		}
	}
}

/* A Content-Type as "type/subtype", lowercase; text/plain when absent. */
char *
header_content_type(const struct mailmime_content *ct)
{
	const char *t = "application";
	struct mailmime_type *ty;

	if (ct == NULL || (ty = ct->ct_type) == NULL || ct->ct_subtype == NULL)
		return xstrdup("text/plain");
	if (ty->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		switch (ty->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:	t = "text"; break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:	t = "image"; break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:	t = "audio"; break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:	t = "video"; break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			t = ty->tp_data.tp_discrete_type->dt_extension;
			break;
		}
	} else if (ty->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
		switch (ty->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:	t = "message"; break;
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:	t = "multipart"; break;
		case MAILMIME_COMPOSITE_TYPE_EXTENSION:
			t = ty->tp_data.tp_composite_type->ct_token;
			break;
		}
	}
	return str_lower(xprintf("%s/%s", t != NULL ? t : "application",
	    ct->ct_subtype));
}

/* "<>", the null reverse path of bounces and auto-replies (RFC 5321). */
static bool
header_is_null_path(const char *v)
{
	char s[3];
	size_t n = 0;

	for (; *v != '\0'; v++) {
		if (mime_is_space(*v))
			continue;
		if (n == 2)
			return false;
		s[n++] = *v;
	}
	return n == 2 && s[0] == '<' && s[1] == '>';
}

static char *
header_word_lower(const char *v)
{
	return str_lower(charset_decode_words(v, strlen(v)));
}

static void
header_optional(struct mail *m, const struct mailimf_optional_field *o)
{
	struct mailmime_content *ct = NULL;
	const char *n = o->fld_name, *v = o->fld_value;
	size_t i = 0;

	if (str_ieq(n, "Return-Path") && m->return_path == NULL &&
	    !m->return_path_empty) {
		m->return_path = header_addr(v, strlen(v), true);
		m->return_path_empty = header_is_null_path(v);
	} else if (str_ieq(n, "Auto-Submitted") && m->auto_submitted == NULL)
		m->auto_submitted = header_word_lower(v);
	else if (str_ieq(n, "Precedence") && m->precedence == NULL)
		m->precedence = header_word_lower(v);
	else if (str_ieq(n, "List-Id"))
		m->list_id = true;
	else if (str_ieq(n, "X-Autoreply"))
		m->x_autoreply = true;
	else if (str_ieq(n, "X-Setuplink"))
		m->ours = true;
	else if (str_ieq(n, "Content-Type") && m->content_type == NULL &&
	    mailmime_content_parse(v, strlen(v), &i, &ct) == MAILIMF_NO_ERROR) {
		m->content_type = header_content_type(ct);
		mailmime_content_free(ct);
	}
}

/* The first mailbox of the first From field that has one. */
static void
header_from(struct mail *m, const struct mailimf_mailbox_list *l)
{
	const struct mailimf_mailbox *mb;
	clistiter *c;

	if (l == NULL || (c = clist_begin(l->mb_list)) == NULL ||
	    m->from_addr != NULL || m->from_name != NULL)
		return;
	mb = clist_content(c);
	if (mb->mb_addr_spec != NULL)
		m->from_addr = header_addr(mb->mb_addr_spec,
		    strlen(mb->mb_addr_spec), true);
	if (mb->mb_display_name != NULL)
		m->from_name = charset_decode_words(mb->mb_display_name,
		    strlen(mb->mb_display_name));
}

/* Message-IDs without <>, one space apart. */
static char *
header_msgids(clist *l, bool first_only)
{
	struct buf b;
	clistiter *c;
	char *id;

	buf_init(&b);
	for (c = clist_begin(l); c != NULL; c = clist_next(c)) {
		if ((id = header_msgid(clist_content(c))) == NULL)
			continue;
		buf_printf(&b, "%s%s", b.len > 0 ? " " : "", id);
		free(id);
		if (first_only)
			break;
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* The fields a struct mail holds; the first of each counts. */
void
header_read(struct mail *m, const struct mailimf_fields *f)
{
	struct mailimf_field *fld;
	const char *subject;
	clistiter *cur;

	if (f == NULL || f->fld_list == NULL)
		return;
	for (cur = clist_begin(f->fld_list); cur != NULL;
	    cur = clist_next(cur)) {
		fld = clist_content(cur);
		switch (fld->fld_type) {
		case MAILIMF_FIELD_ORIG_DATE:
			if (m->date == NULL)
				m->date = header_date(
				    fld->fld_data.fld_orig_date->dt_date_time);
			break;
		case MAILIMF_FIELD_FROM:
			header_from(m, fld->fld_data.fld_from->frm_mb_list);
			break;
		case MAILIMF_FIELD_MESSAGE_ID:
			if (m->message_id == NULL)
				m->message_id = header_msgid(
				    fld->fld_data.fld_message_id->mid_value);
			break;
		case MAILIMF_FIELD_IN_REPLY_TO:
			if (m->in_reply_to == NULL)
				m->in_reply_to = header_msgids(fld->fld_data.
				    fld_in_reply_to->mid_list, true);
			break;
		case MAILIMF_FIELD_REFERENCES:
			if (m->references == NULL)
				m->references = header_msgids(fld->fld_data.
				    fld_references->mid_list, false);
			break;
		case MAILIMF_FIELD_SUBJECT:
			subject = fld->fld_data.fld_subject->sbj_value;
			if (m->subject == NULL)
				m->subject = charset_decode_words(subject,
				    strlen(subject));
			break;
		case MAILIMF_FIELD_OPTIONAL_FIELD:
			header_optional(m, fld->fld_data.fld_optional_field);
			break;
		}
	}
	header_rcpts(m, f);
}

/*
 * The header block of a message too large to read whole, so that it can
 * still be answered: 64 KB at most, cut after a line, checked for nested
 * comments as a whole message is.
 */
int
mail_parse_headers(const char *raw, size_t len, struct mail **mp, char **errstr)
{
	struct mailimf_fields *f = NULL;
	struct mail *m;
	const char *nl;
	char *copy;
	size_t skip, n, idx = 0;
	int r;

	*mp = NULL;
	m = xcalloc(1, sizeof *m);
	skip = header_mbox_line(raw, len, &m->envelope_from);
	raw += skip;
	len -= skip;
	n = len < HEADER_BLOCK_MAX ? len : HEADER_BLOCK_MAX;
	if (prescan_header_end(raw, n) < n)
		n = prescan_header_end(raw, n);
	else if (n < len && (nl = memrchr(raw, '\n', n)) != NULL)
		n = (size_t)(nl - raw) + 1;
	copy = parse_copy(raw, n);
	r = prescan_comments_ok(copy, n) ?
	    mailimf_envelope_and_optional_fields_parse(copy, n, &idx, &f) : -1;
	free(copy);
	if (r != MAILIMF_NO_ERROR) {
		mail_free(&m);
		return errorf(errstr, EX_DATAERR,
		    "the header block is unreadable");
	}
	header_read(m, f);
	mailimf_fields_free(f);
	m->is_report = m->content_type != NULL &&
	    strcmp(m->content_type, "multipart/report") == 0;
	*mp = m;
	return 0;
}
