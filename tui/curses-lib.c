/* curses-lib.c: ncursesw's names, resolved on first use (curses-lib.h). */
#include "tui/curses-lib.h"
#include "util/util.h"

LAZY_TABLE(curses, "libncursesw.so.6", "libncursesw6", CURSES_NAMES)
