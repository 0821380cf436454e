/* curses-lib.h: ncursesw, loaded when the interface starts (curses-lib.c):
 * with libtinfo it cost every other command and every delivery 0.25 ms
 * of CPU at start.
 * Included by private.h instead of <curses.h>: each function and variable
 * keeps its name (the variables through a pointer to the library's own)
 * and goes through the library loaded on first use. */
#ifndef SETUPLINK_CURSES_LIB_H
#define SETUPLINK_CURSES_LIB_H

#include <curses.h>

#include "util/util.h"

/* Every curses name the interface uses (nm -u of tui/). */
#define CURSES_NAMES(X) \
	X(COLS) X(LINES) X(curscr) X(stdscr) X(clearok) X(curs_set) \
	X(def_prog_mode) X(endwin) X(has_colors) X(init_pair) X(initscr) \
	X(keypad) X(mvprintw) X(noecho) X(nonl) X(raw) X(reset_prog_mode) \
	X(resizeterm) X(set_escdelay) X(start_color) X(use_default_colors) \
	X(waddch) X(waddnstr) X(waddnwstr) X(wattr_set) X(wclrtoeol) \
	X(werase) X(wget_wch) X(wmove) X(wrefresh) X(wtimeout)

struct curses_fns {
	CURSES_NAMES(LAZY_MEMBER)
};

/* The names, resolved once; a curses that cannot be loaded ends the
 * process with EX_TEMPFAIL naming the package. */
const struct curses_fns *curses_fns(void);

#define COLS (*curses_fns()->COLS)
#define LINES (*curses_fns()->LINES)
#define curscr (*curses_fns()->curscr)
#define stdscr (*curses_fns()->stdscr)
#define clearok(...) (curses_fns()->clearok)(__VA_ARGS__)
#define curs_set(...) (curses_fns()->curs_set)(__VA_ARGS__)
#define def_prog_mode(...) (curses_fns()->def_prog_mode)(__VA_ARGS__)
#define endwin(...) (curses_fns()->endwin)(__VA_ARGS__)
#define has_colors(...) (curses_fns()->has_colors)(__VA_ARGS__)
#define init_pair(...) (curses_fns()->init_pair)(__VA_ARGS__)
#define initscr(...) (curses_fns()->initscr)(__VA_ARGS__)
#define keypad(...) (curses_fns()->keypad)(__VA_ARGS__)
#define mvprintw(...) (curses_fns()->mvprintw)(__VA_ARGS__)
#define noecho(...) (curses_fns()->noecho)(__VA_ARGS__)
#define nonl(...) (curses_fns()->nonl)(__VA_ARGS__)
#define raw(...) (curses_fns()->raw)(__VA_ARGS__)
#define reset_prog_mode(...) (curses_fns()->reset_prog_mode)(__VA_ARGS__)
#define resizeterm(...) (curses_fns()->resizeterm)(__VA_ARGS__)
#define set_escdelay(...) (curses_fns()->set_escdelay)(__VA_ARGS__)
#define start_color(...) (curses_fns()->start_color)(__VA_ARGS__)
#define use_default_colors(...) (curses_fns()->use_default_colors)(__VA_ARGS__)
#define waddch(...) (curses_fns()->waddch)(__VA_ARGS__)
#define waddnstr(...) (curses_fns()->waddnstr)(__VA_ARGS__)
#define waddnwstr(...) (curses_fns()->waddnwstr)(__VA_ARGS__)
#define wattr_set(...) (curses_fns()->wattr_set)(__VA_ARGS__)
#define wclrtoeol(...) (curses_fns()->wclrtoeol)(__VA_ARGS__)
#define werase(...) (curses_fns()->werase)(__VA_ARGS__)
#define wget_wch(...) (curses_fns()->wget_wch)(__VA_ARGS__)
#define wmove(...) (curses_fns()->wmove)(__VA_ARGS__)
#define wrefresh(...) (curses_fns()->wrefresh)(__VA_ARGS__)
#define wtimeout(...) (curses_fns()->wtimeout)(__VA_ARGS__)

#endif
