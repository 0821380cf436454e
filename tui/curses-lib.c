/* curses-lib.c: ncursesw's names, resolved on first use (curses-lib.h). */
#include "tui/curses-lib.h"
#include "util/util.h"

#define CURSES_NAME(f)	#f,
static const char *const curses_names[] = { CURSES_NAMES(CURSES_NAME) };
#undef CURSES_NAME

static void *curses_ptrs[nitems(curses_names)];
static struct lazy_lib curses_lib = { "libncursesw.so.6", "libncursesw6",
    curses_names, curses_ptrs, nitems(curses_names), NULL, false };
static struct curses_fns curses_table;

_Static_assert(sizeof curses_table == sizeof curses_ptrs,
    "struct curses_fns holds one pointer per name");

const struct curses_fns *
curses_fns(void)
{
	lazy_need(&curses_lib, &curses_table, sizeof curses_table);
	return &curses_table;
}
