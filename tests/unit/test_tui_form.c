/* test_tui_form.c: the form widget's state without a terminal: focus and
 * Tab, editing UTF-8 values, masked secrets, choices and checkboxes, and
 * an auth-method choice that shows and hides rows (field_applies). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/store.h"
#include "tui/private.h"

static void
type(struct form *f, const char *s)
{
	for (; *s != '\0'; s++)
		form_key(f, (unsigned char)*s);
}

static void
test_focus_tab(void **state)
{
	struct form f;
	struct form_row *r;

	form_init(&f);
	form_add(&f, FK_BUTTON, "go", "Go");
	form_add(&f, FK_TEXT, "a", "A");
	r = form_add(&f, FK_TEXT, "b", "B");
	r->hidden = true;
	form_add(&f, FK_TEXT, "c", "C");
	assert_int_equal(f.focus, 0);
	assert_int_equal(form_key(&f, K_TAB), FE_MOVED);
	assert_string_equal(form_focused(&f)->key, "a");
	assert_int_equal(form_key(&f, K(KEY_DOWN)), FE_MOVED);
	assert_string_equal(form_focused(&f)->key, "c");	/* b is hidden */
	assert_int_equal(form_key(&f, K_TAB), FE_NONE);	/* the last row */
	assert_string_equal(form_focused(&f)->key, "c");
	assert_int_equal(form_key(&f, K(KEY_BTAB)), FE_MOVED);
	assert_string_equal(form_focused(&f)->key, "a");
	assert_int_equal(form_key(&f, K(KEY_UP)), FE_MOVED);
	assert_string_equal(form_focused(&f)->key, "go");
	assert_int_equal(form_key(&f, K(KEY_UP)), FE_NONE);
	/* Enter presses a button, and moves on from a text row. */
	assert_int_equal(form_key(&f, K_ENTER), FE_ACTIVATE);
	form_focus(&f, "a");
	assert_int_equal(form_key(&f, K_ENTER), FE_MOVED);
	assert_string_equal(form_focused(&f)->key, "c");
	assert_int_equal(form_key(&f, K_ENTER), FE_ACTIVATE);	/* the last */
	form_focus(&f, "b");				/* hidden: refused */
	assert_string_equal(form_focused(&f)->key, "c");
	assert_int_equal(form_find(&f, "nope"), -1);
	form_free(&f);
}

static void
test_editing(void **state)
{
	struct form f;
	struct form_row *r;

	form_init(&f);
	r = form_add(&f, FK_TEXT, "host", "Host");
	type(&f, "db.example");
	assert_string_equal(form_value(&f, "host"), "db.example");
	assert_int_equal(r->cur, 10);
	form_key(&f, K(KEY_HOME));
	form_key(&f, 'x');
	assert_string_equal(r->value, "xdb.example");
	form_key(&f, K(KEY_DC));
	assert_string_equal(r->value, "xb.example");
	form_key(&f, K(KEY_END));
	form_key(&f, K_BS);
	assert_string_equal(r->value, "xb.exampl");
	/* UTF-8: one key is one character, Backspace takes it whole. */
	form_key(&f, K_CTRL('u'));
	assert_string_equal(r->value, "");
	form_key(&f, 0xe9);			/* é */
	form_key(&f, 0x1f600);			/* an emoji, 4 bytes */
	assert_int_equal(r->len, 6);
	form_key(&f, K(KEY_LEFT));
	assert_int_equal(r->cur, 2);
	form_key(&f, K(KEY_LEFT));
	assert_int_equal(r->cur, 0);
	form_key(&f, K(KEY_RIGHT));
	form_key(&f, K(KEY_BACKSPACE));
	assert_int_equal(r->len, 4);
	assert_int_equal(r->cur, 0);
	assert_int_equal(form_key(&f, K_BS), FE_NONE);	/* nothing before */
	/* Code points above 0400 are text, not curses function keys. */
	form_key(&f, K_CTRL('u'));
	form_key(&f, 0x105);			/* ą, KEY_LEFT's number untagged */
	assert_string_equal(r->value, "\xc4\x85");
	assert_int_equal(form_key(&f, K_CTRL('e')), FE_EDITOR);
	assert_int_equal(form_key(&f, 0x7), FE_NONE);	/* a control */
	form_free(&f);
}

static void
test_masking(void **state)
{
	struct form f;
	struct form_row *r;
	char *s;

	form_init(&f);
	r = form_add(&f, FK_SECRET, "password", "Password");
	type(&f, "hunter2");
	form_key(&f, 0xe4);			/* ä: one mark, two bytes */
	assert_string_equal(form_value(&f, "password"), "hunter2\xc3\xa4");
	s = form_shown(r);
	assert_string_equal(s, "********");
	assert_null(strstr(s, "hunter"));
	free(s);
	/* A file written in the editor shows as a summary, not its text. */
	r = form_add(&f, FK_FILE, "key", "Key");
	form_set(r, "-----BEGIN KEY-----\nAAA\n-----END KEY-----\n", 40);
	r->from_editor = true;
	s = form_shown(r);
	assert_non_null(strstr(s, "3 lines"));
	assert_null(strstr(s, "BEGIN"));
	free(s);
	f.focus = 1;
	assert_int_equal(form_key(&f, 'a'), FE_NONE);	/* not typed into */
	assert_int_equal(form_key(&f, K_CTRL('e')), FE_EDITOR);
	assert_int_equal(form_key(&f, K_BS), FE_CHANGED);	/* clears */
	assert_int_equal(r->len, 0);
	assert_false(r->from_editor);
	type(&f, "/tmp/k.pem");			/* a path is typed */
	assert_string_equal(r->value, "/tmp/k.pem");
	form_free(&f);
}

static void
test_choices(void **state)
{
	static const char *const req[] = { "any", "signed", "encrypted" };
	struct form f;
	struct form_row *r, *c;
	char *s;

	form_init(&f);
	r = form_add(&f, FK_ENUM, "require", "Protection");
	form_row_choices(r, req, 3);
	assert_string_equal(r->value, "any");
	assert_int_equal(form_key(&f, K(KEY_RIGHT)), FE_CHANGED);
	assert_string_equal(form_value(&f, "require"), "signed");
	form_key(&f, ' ');
	form_key(&f, ' ');
	assert_string_equal(r->value, "any");	/* wraps around */
	form_key(&f, K(KEY_LEFT));
	assert_string_equal(r->value, "encrypted");
	assert_int_equal(form_key(&f, 'z'), FE_NONE);	/* not typed */
	s = form_shown(r);
	assert_string_equal(s, "< encrypted >");
	free(s);
	c = form_add(&f, FK_CHECK, "f:host", "Host");
	form_next(&f);
	assert_string_equal(form_value(&f, "f:host"), "");
	form_key(&f, ' ');
	assert_true(c->checked);
	assert_string_equal(form_value(&f, "f:host"), "true");
	form_key(&f, K_ENTER);
	assert_false(c->checked);
	form_free(&f);
}

/* The add-source screen's rule: a field shows when field_applies. */
static bool
applies(const struct form *f, size_t i, void *arg)
{
	const struct connector *c = arg;
	const struct field_def *fd = connector_field(c, f->rows[i].key);
	const char *m = form_value(f, c->method_field);

	if (fd == NULL)
		return true;
	return field_applies(c, fd, m != NULL && *m ? m : NULL);
}

static void
test_method_switch(void **state)
{
	struct catalog *cat = NULL;
	const struct connector *c;
	struct form f;
	struct form_row *m;
	char *err = NULL;
	size_t i;

	assert_int_equal(catalog_load(NULL, &cat, &err), 0);
	c = catalog_find(cat, "snowflake");
	assert_non_null(c);
	assert_non_null(c->method_field);
	form_init(&f);
	form_add(&f, FK_BUTTON, ".share", "Share setup link");
	for (i = 0; i < c->nfields; i++)
		form_add_field(&f, &c->fields[i]);
	f.visible = applies;
	f.arg = (void *)c;
	form_recalc(&f);
	/* The default method is key_pair: its rows show, password's do not. */
	assert_string_equal(form_value(&f, "auth_method"), "key_pair");
	assert_false(form_row(&f, "private_key")->hidden);
	assert_true(form_row(&f, "password")->hidden);
	assert_false(form_row(&f, "account")->hidden);	/* for every method */
	assert_int_equal(form_row(&f, "private_key")->kind, FK_FILE);
	assert_int_equal(form_row(&f, "private_key_passphrase")->kind,
	    FK_SECRET);
	assert_true(form_row(&f, "account")->required);
	assert_non_null(form_row(&f, "account")->help);
	/* Focus on a key-pair row, then switch the method to password. */
	form_focus(&f, "private_key");
	assert_string_equal(form_focused(&f)->key, "private_key");
	m = form_row(&f, "auth_method");
	form_focus(&f, "auth_method");
	assert_int_equal(form_key(&f, K(KEY_RIGHT)), FE_CHANGED);
	assert_string_equal(m->value, "password");
	assert_true(form_row(&f, "private_key")->hidden);
	assert_false(form_row(&f, "password")->hidden);
	/* Tab from the method goes to password, skipping the hidden rows. */
	form_key(&f, K_TAB);
	assert_string_equal(form_focused(&f)->key, "password");
	/* No method chosen: only the rows for every method. */
	form_focus(&f, "auth_method");
	form_set(m, "", 0);
	form_recalc(&f);
	assert_true(form_row(&f, "password")->hidden);
	assert_true(form_row(&f, "private_key")->hidden);
	assert_false(form_row(&f, "user")->hidden);
	/* A hidden focused row hands its focus on. */
	form_set(m, "password", 8);
	form_recalc(&f);
	form_focus(&f, "password");
	form_set(m, "key_pair", 8);
	form_recalc(&f);
	assert_false(form_focused(&f)->hidden);
	form_free(&f);
	catalog_free(&cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_focus_tab),
		cmocka_unit_test(test_editing),
		cmocka_unit_test(test_masking),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_method_switch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
