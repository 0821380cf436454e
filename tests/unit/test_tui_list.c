/* test_tui_list.c: the list widget's state without a terminal: cursor
 * moves, scrolling bounds, the / filter, the pager mode and keeping the
 * selection across a reload. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/private.h"

static void
fill(struct list *l, size_t n)
{
	size_t i;

	list_clear(l);
	for (i = 0; i < n; i++) {
		char *t = xprintf("item %zu %s", i, i % 2 ? "odd" : "even");
		list_add(l, (int64_t)i + 100, t);
		free(t);
	}
	list_done(l);
}

static int64_t
sel(const struct list *l)
{
	int64_t k = -1;

	assert_true(list_selected_key(l, &k));
	return k;
}

static void
test_empty(void **state)
{
	struct list l;
	int64_t k;

	list_init(&l);
	list_done(&l);
	assert_int_equal(list_count(&l), 0);
	assert_int_equal(list_selected(&l), (size_t)-1);
	assert_false(list_selected_key(&l, &k));
	assert_false(list_move(&l, 1));
	assert_false(list_move(&l, -1));
	assert_true(list_key(&l, 'j'));		/* still the list's key */
	list_free(&l);
}

static void
test_cursor(void **state)
{
	struct list l;

	list_init(&l);
	fill(&l, 5);
	list_set_height(&l, 10);
	assert_int_equal(sel(&l), 100);
	assert_false(list_move(&l, -1));	/* at the top already */
	assert_true(list_move(&l, 1));
	assert_int_equal(sel(&l), 101);
	assert_true(list_key(&l, K(KEY_DOWN)));
	assert_true(list_key(&l, 'j'));
	assert_int_equal(sel(&l), 103);
	assert_true(list_key(&l, 'k'));
	assert_int_equal(sel(&l), 102);
	assert_true(list_move(&l, 100));	/* clamped to the end */
	assert_int_equal(sel(&l), 104);
	assert_false(list_move(&l, 1));
	assert_true(list_home(&l));
	assert_int_equal(sel(&l), 100);
	assert_true(list_key(&l, 'G'));
	assert_int_equal(sel(&l), 104);
	assert_true(list_key(&l, 'g'));
	assert_int_equal(sel(&l), 100);
	assert_false(list_key(&l, 'x'));	/* not a list key */
	list_free(&l);
}

static void
test_scroll(void **state)
{
	struct list l;

	list_init(&l);
	fill(&l, 100);
	list_set_height(&l, 10);
	assert_int_equal(l.top, 0);
	list_move(&l, 9);
	assert_int_equal(l.top, 0);		/* row 9 is the last shown */
	list_move(&l, 1);
	assert_int_equal(l.top, 1);		/* one more scrolls one */
	assert_int_equal(l.cursor, 10);
	list_key(&l, K(KEY_NPAGE));
	assert_int_equal(l.cursor, 19);
	assert_true(l.cursor >= l.top && l.cursor < l.top + 10);
	list_end(&l);
	assert_int_equal(l.cursor, 99);
	assert_int_equal(l.top, 90);		/* the screen stays full */
	list_key(&l, K(KEY_PPAGE));
	assert_int_equal(l.cursor, 90);
	assert_int_equal(l.top, 90);
	list_move(&l, -1);
	assert_int_equal(l.top, 89);
	/* A taller window shows more and never scrolls past the end. */
	list_end(&l);
	list_set_height(&l, 50);
	assert_int_equal(l.top, 50);
	list_set_height(&l, 200);
	assert_int_equal(l.top, 0);
	assert_int_equal(l.cursor, 99);
	/* A tiny window still keeps the cursor shown. */
	list_set_height(&l, 0);
	assert_int_equal(l.height, 1);
	assert_int_equal(l.top, 99);
	list_free(&l);
}

static void
test_filter(void **state)
{
	struct list l;

	list_init(&l);
	fill(&l, 20);
	list_set_height(&l, 5);
	list_move(&l, 3);			/* item 3, odd */
	list_set_filter(&l, "ODD");		/* without regard to case */
	assert_int_equal(list_count(&l), 10);
	assert_int_equal(sel(&l), 103);		/* the selection stays */
	list_set_filter(&l, "item 1");		/* 1, 10..19 */
	assert_int_equal(list_count(&l), 11);
	assert_int_equal(sel(&l), 110);		/* 103 went: same row */
	list_set_filter(&l, "nothing like it");
	assert_int_equal(list_count(&l), 0);
	assert_int_equal(list_selected(&l), (size_t)-1);
	list_set_filter(&l, "");
	assert_int_equal(list_count(&l), 20);

	/* Typing: / starts, letters filter, Backspace, Enter keeps, Esc clears. */
	assert_true(list_key(&l, '/'));
	assert_true(l.filtering);
	list_key(&l, 'e');
	list_key(&l, 'v');
	list_key(&l, 'x');
	assert_string_equal(list_filter(&l), "evx");
	assert_int_equal(list_count(&l), 0);
	list_key(&l, K_BS);
	assert_string_equal(list_filter(&l), "ev");
	assert_int_equal(list_count(&l), 10);
	list_key(&l, 'j');			/* a letter while filtering */
	assert_string_equal(list_filter(&l), "evj");
	list_key(&l, K(KEY_BACKSPACE));
	list_key(&l, K_ENTER);
	assert_false(l.filtering);
	assert_string_equal(list_filter(&l), "ev");
	list_key(&l, 'j');			/* moves again */
	assert_int_equal(sel(&l), 102);
	list_key(&l, '/');
	list_key(&l, K_ESC);
	assert_false(l.filtering);
	assert_string_equal(list_filter(&l), "");
	assert_int_equal(list_count(&l), 20);
	list_free(&l);
}

static void
test_filter_utf8(void **state)
{
	struct list l;

	list_init(&l);
	list_add(&l, 1, "Zürich Lager");
	list_add(&l, 2, "Köln");
	list_done(&l);
	l.type_filter = true;
	list_key(&l, 0xfc);			/* ü */
	assert_string_equal(list_filter(&l), "\xc3\xbc");
	assert_int_equal(list_count(&l), 1);
	assert_int_equal(sel(&l), 1);
	list_key(&l, K_BS);			/* takes the whole character */
	assert_string_equal(list_filter(&l), "");
	list_key(&l, 'k');			/* in a picker, j/k are letters */
	assert_string_equal(list_filter(&l), "k");
	assert_int_equal(list_count(&l), 1);
	assert_int_equal(sel(&l), 2);
	list_key(&l, K_CTRL('u'));
	assert_int_equal(list_count(&l), 2);
	list_free(&l);
}

static void
test_reload_keeps_selection(void **state)
{
	struct list l;

	list_init(&l);
	fill(&l, 10);
	list_move(&l, 4);
	assert_int_equal(sel(&l), 104);
	/* The same items in another order, as a re-sorted reload gives. */
	list_clear(&l);
	for (int i = 9; i >= 0; i--)
		list_add(&l, i + 100, "x");
	list_done(&l);
	assert_int_equal(sel(&l), 104);
	assert_int_equal(l.cursor, 5);
	/* The selected item gone: the cursor stays in bounds. */
	list_move(&l, 100);
	list_clear(&l);
	list_add(&l, 7, "x");
	list_add(&l, 8, "x");
	list_done(&l);
	assert_int_equal(sel(&l), 8);
	list_free(&l);
}

static void
test_pager(void **state)
{
	struct list l;

	list_init(&l);
	l.pager = true;
	fill(&l, 30);
	list_set_height(&l, 10);
	assert_int_equal(l.top, 0);
	assert_false(list_move(&l, -1));
	assert_true(list_key(&l, 'j'));
	assert_int_equal(l.top, 1);
	assert_true(list_key(&l, ' '));
	assert_int_equal(l.top, 10);
	list_end(&l);
	assert_int_equal(l.top, 20);		/* the last page, full */
	assert_false(list_move(&l, 1));
	list_home(&l);
	assert_int_equal(l.top, 0);
	/* Shorter than the window: nothing to scroll. */
	fill(&l, 3);
	assert_false(list_move(&l, 1));
	assert_int_equal(l.top, 0);
	list_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_filter_utf8),
		cmocka_unit_test(test_reload_keeps_selection),
		cmocka_unit_test(test_pager),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
