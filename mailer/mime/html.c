/* html.c: the text of an HTML-only reply, as a person reads it, with each
 * <blockquote> level written as "> " so the form reader sees the quoting. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "util/util.h"
#include "mailer/mime/private.h"

/* Deeper quoting is still quoting; the cap bounds the output of a hostile
 * page nesting thousands of blockquotes. */
#define HTML_QUOTE_MAX	16

struct html_out {
	struct buf	 b;
	int		 quote;		/* <blockquote> depth */
	int		 pre;		/* <pre> depth: whitespace kept */
	bool		 bol;		/* nothing written on this line yet */
	bool		 space;		/* collapsed whitespace pending */
};

static const char *html_blocks[] = {
	"address", "article", "aside", "blockquote", "center", "dd", "div",
	"dl", "dt", "fieldset", "figure", "footer", "form", "h1", "h2", "h3",
	"h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
	"pre", "section", "table", "tr", "ul",
};

static const char *html_dropped[] = {
	"head", "script", "style", "template", "title",
};

static bool
html_is(const xmlNode *n, const char **names, size_t nnames)
{
	size_t i;

	if (n->type != XML_ELEMENT_NODE || n->name == NULL)
		return false;
	for (i = 0; i < nnames; i++) {
		if (strcasecmp((const char *)n->name, names[i]) == 0)
			return true;
	}
	return false;
}

static bool
html_named(const xmlNode *n, const char *name)
{
	return html_is(n, &name, 1);
}

static void
html_prefix(struct html_out *o)
{
	int i;

	for (i = 0; i < o->quote && i < HTML_QUOTE_MAX; i++)
		buf_adds(&o->b, "> ");
}

/* End the line; an empty line inside a quote keeps its ">" marks. */
static void
html_newline(struct html_out *o)
{
	if (o->bol && o->quote > 0) {
		html_prefix(o);
		o->b.data[--o->b.len] = '\0';
	} else if (o->space)
		buf_addc(&o->b, ' ');
	buf_addc(&o->b, '\n');
	o->bol = true;
	o->space = false;
}

static void
html_char(struct html_out *o, const char *c, size_t n)
{
	if (o->bol) {
		html_prefix(o);
		o->bol = false;
	} else if (o->space)
		buf_addc(&o->b, ' ');
	o->space = false;
	buf_add(&o->b, c, n);
}

/*
 * Text as a browser shows it: runs of white space are one space, none at
 * the start of a line; a no-break space is a plain space that does not
 * collapse (mail editors write typed spaces as &nbsp;).
 */
static void
html_text(struct html_out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (o->pre > 0 && *s == '\n')
			html_newline(o);
		else if (o->pre > 0 && *s == '\r')
			continue;
		else if (o->pre > 0)
			html_char(o, s, 1);
		else if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\f')
			o->space = !o->bol;
		else if ((unsigned char)s[0] == 0xc2 &&
		    (unsigned char)s[1] == 0xa0) {
			html_char(o, " ", 1);
			s++;
		} else
			html_char(o, s, 1);
	}
}

static void
html_break(struct html_out *o)
{
	if (!o->bol)
		html_newline(o);
	o->space = false;
}

/* Returns whether to read the node's children. */
static bool
html_enter(struct html_out *o, const xmlNode *n)
{
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			html_text(o, (const char *)n->content);
		return false;
	}
	if (n->type != XML_ELEMENT_NODE)
		return n->type == XML_DOCUMENT_NODE ||
		    n->type == XML_HTML_DOCUMENT_NODE;
	if (html_is(n, html_dropped, nitems(html_dropped)))
		return false;
	if (html_named(n, "br")) {
		html_newline(o);
		return false;
	}
	if (html_named(n, "td") || html_named(n, "th"))
		o->space = !o->bol;
	if (html_is(n, html_blocks, nitems(html_blocks)))
		html_break(o);
	if (html_named(n, "blockquote"))
		o->quote++;
	if (html_named(n, "pre"))
		o->pre++;
	return true;
}

static void
html_leave(struct html_out *o, const xmlNode *n)
{
	if (html_is(n, html_dropped, nitems(html_dropped)))
		return;
	if (html_is(n, html_blocks, nitems(html_blocks)))
		html_break(o);
	if (html_named(n, "blockquote") && o->quote > 0)
		o->quote--;
	if (html_named(n, "pre") && o->pre > 0)
		o->pre--;
}

/*
 * The tree is walked without recursion: libxml2 builds as deep a tree as
 * the mail nests its elements, and the mail is a stranger's.
 */
static void
html_walk(struct html_out *o, xmlNode *n)
{
	while (n != NULL) {
		if (html_enter(o, n) && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL) {
			html_leave(o, n);
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (n != NULL && (n->type == XML_DOCUMENT_NODE ||
			    n->type == XML_HTML_DOCUMENT_NODE))
				n = NULL;
		}
	}
}

/* libxml2 is loaded when the first HTML-only reply comes (util/lazy.c). */
static const char *html_syms[] = { "htmlReadMemory", "xmlFreeDoc" };
static void *html_fns[nitems(html_syms)];
static struct lazy_lib html_lib = { "libxml2.so.2", "libxml2", html_syms,
    html_fns, nitems(html_syms), NULL, false };

char *
html_to_text(const char *html, size_t len, size_t *outlen)
{
	struct html_out o = { .bol = true };
	htmlDocPtr (*read_memory)(const char *, int, const char *, const char *,
	    int);
	void (*free_doc)(xmlDocPtr);
	htmlDocPtr doc = NULL;
	char *err = NULL;

	buf_init(&o.b);
	buf_add(&o.b, "", 0);
	if (len > INT_MAX)
		len = INT_MAX;
	if (lazy_load(&html_lib, &err) != 0) {
		/* Read as no text: the reply then provides no fields. */
		log_warnx("an HTML-only reply is unread: %s", err);
		free(err);
	} else {
		read_memory = (htmlDocPtr (*)(const char *, int, const char *,
		    const char *, int))html_fns[0];
		free_doc = (void (*)(xmlDocPtr))html_fns[1];
		doc = read_memory(html, (int)len, NULL, "UTF-8",
		    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
		    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	}
	if (doc != NULL) {
		html_walk(&o, doc->children);
		free_doc(doc);
	}
	if (!o.bol)
		html_newline(&o);
	if (outlen != NULL)
		*outlen = o.b.len;
	return buf_take(&o.b);
}
