/* private.h: what the files of tui/ share: the list and form widgets
 * (pure state plus a draw function), safe drawing, and the screens. */
#ifndef SETUPLINK_TUI_PRIVATE_H
#define SETUPLINK_TUI_PRIVATE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/curses-lib.h"
#include "util/util.h"

struct session;
struct tui;

/*
 * Keys.  A character is its Unicode code point; a curses function key
 * (KEY_UP, ...) is tagged with KEY_FN so that code points above 0400
 * (Latin Extended and up) never read as function keys.
 */
#define KEY_FN		0x1000000
#define K(k)		((k) | KEY_FN)
#define K_CTRL(c)	((c) & 0x1f)
#define K_ESC		0x1b
#define K_TAB		'\t'
#define K_ENTER		'\r'
#define K_BS		0x7f
bool	 key_is_text(int);	/* a printable character */
bool	 key_is_enter(int);
bool	 key_is_backspace(int);

/* ---- draw.c: every string from mail or the database goes through here. */

enum tui_colour {
	TC_NORMAL, TC_TITLE, TC_SELECT, TC_HEADER, TC_DIM, TC_ERROR, TC_OK,
	TC_WARN, TC_FIELD, TC_FOCUS
};
void	 draw_init_colours(void);
bool	 draw_has_colour(void);
attr_t	 draw_attr(enum tui_colour);
/* Columns the UTF-8 text takes once made safe (controls as '?'). */
int	 text_width(const char *);
/*
 * Draw s at y,x in at most w columns, made safe: controls, C1, bidi
 * overrides and bytes that are not UTF-8 become '?'; wide characters are
 * kept whole; a cut string ends with '~'.  Pads to w with spaces when pad.
 * Returns the columns used.
 */
int	 draw_text(WINDOW *, int y, int x, int w, const char *s, attr_t, bool pad);
/* Like draw_text for a value being edited: shows the part around the
 * byte offset cursor, masked with '*' when mask; returns the cursor's x. */
int	 draw_edit(WINDOW *, int y, int x, int w, const char *s, size_t cursor,
	     bool mask, attr_t);
/* Wrap text into lines of at most w columns (new strings, made safe). */
size_t	 text_wrap(const char *s, int w, char ***lines);
void	 draw_hline(WINDOW *, int y, int x, int w, const char *title);
/* Where the terminal cursor should rest after this draw (-1: hidden). */
void	 draw_cursor(int y, int x);
bool	 draw_cursor_get(int *y, int *x);

/* ---- list.c: one list widget for every list and pager. */

struct list_item {
	int64_t	 key;		/* the caller's id (a draft id, a line no.) */
	char	*text;		/* what / matches */
};

struct list {
	struct list_item *items;
	size_t	 nitems, cap;
	size_t	*vis;		/* indices of the items the filter keeps */
	size_t	 nvis;
	size_t	 cursor;	/* index into vis */
	size_t	 top;		/* first row shown */
	int	 height;	/* rows the last draw had */
	struct buf filter;
	bool	 filtering;	/* / typed: keys go to the filter */
	bool	 type_filter;	/* every printable key filters (pickers) */
	bool	 pager;		/* no cursor: moving scrolls */
	bool	 have_keep;	/* list_clear remembered the selection */
	int64_t	 keep;
};

typedef void (*list_draw_fn)(WINDOW *, int y, int x, int w, size_t item,
    bool selected, void *arg);

void	 list_init(struct list *);
void	 list_free(struct list *);
/* Start refilling; the selected key is kept across list_done. */
void	 list_clear(struct list *);
void	 list_add(struct list *, int64_t key, const char *text);
void	 list_done(struct list *);
size_t	 list_count(const struct list *);		/* visible items */
/* The selected item's index into items, or (size_t)-1 when empty. */
size_t	 list_selected(const struct list *);
bool	 list_selected_key(const struct list *, int64_t *);
bool	 list_select_key(struct list *, int64_t);
bool	 list_move(struct list *, long delta);		/* true: moved */
bool	 list_home(struct list *);
bool	 list_end(struct list *);
void	 list_set_height(struct list *, int);
void	 list_set_filter(struct list *, const char *);
const char *list_filter(const struct list *);
/* Navigation and filter keys; true when the key was the list's. */
bool	 list_key(struct list *, int key);
void	 list_draw(struct list *, WINDOW *, int y, int x, int h, int w,
	     list_draw_fn, void *arg);

/* ---- form.c: one form widget for every dialog. */

enum form_kind {
	FK_TEXT,	/* one line of text */
	FK_SECRET,	/* text drawn masked */
	FK_FILE,	/* a path, or the contents from $EDITOR */
	FK_ENUM,	/* one of choices; left/right/space cycle */
	FK_CHECK,	/* a checkbox */
	FK_BUTTON,	/* Enter activates */
};

struct form_row {
	enum form_kind kind;
	char	*key;		/* the caller's name for the row */
	char	*label;
	char	*hint;		/* type hint: "integer", "email", ... */
	char	*help;		/* shown while the row has focus */
	bool	 required;
	char	*value;		/* UTF-8; "" when empty */
	size_t	 len;		/* bytes in value (file contents may hold NULs) */
	size_t	 cur;		/* cursor, a byte offset into value */
	char	**choices;	/* FK_ENUM */
	size_t	 nchoices;
	bool	 checked;	/* FK_CHECK */
	bool	 hidden;	/* set by form_recalc */
	bool	 from_editor;	/* FK_FILE: value is contents, not a path */
	bool	 bad;		/* the last validation named this row */
};

enum form_event {
	FE_NONE,	/* not the form's key */
	FE_MOVED,	/* focus moved */
	FE_CHANGED,	/* a value changed (visibility recalculated) */
	FE_ACTIVATE,	/* Enter on a button, or on the last row */
	FE_EDITOR,	/* ^E: the caller hands the row to $EDITOR */
};

struct form {
	struct form_row *rows;
	size_t	 nrows;
	size_t	 focus;
	size_t	 top;
	/* Is row i shown?  NULL: every row is. */
	bool	(*visible)(const struct form *, size_t, void *);
	void	*arg;
};

void	 form_init(struct form *);
void	 form_free(struct form *);
struct form_row *form_add(struct form *, enum form_kind, const char *key,
	     const char *label);
void	 form_row_choices(struct form_row *, const char *const *, size_t);
ssize_t	 form_find(const struct form *, const char *key);
struct form_row *form_row(struct form *, const char *key);
const char *form_value(const struct form *, const char *key);
void	 form_set(struct form_row *, const char *value, size_t len);
void	 form_recalc(struct form *);
bool	 form_next(struct form *);
bool	 form_prev(struct form *);
void	 form_focus(struct form *, const char *key);
struct form_row *form_focused(struct form *);
enum form_event form_key(struct form *, int key);
/* What the row shows: masked secrets, "(N lines from the editor)". */
char	*form_shown(const struct form_row *);
/* Draw the rows in h lines and the focused row's help below them. */
void	 form_draw(struct form *, WINDOW *, int y, int x, int h, int w);

/* ---- tui.c: the loop, the screen stack, prompts, status line. */

struct key_help {
	const char *keys;
	const char *what;
};

struct screen;
struct screen_ops {
	const char	*name;
	const struct key_help *keys;	/* for ?, ends with { NULL, NULL } */
	const char	*hints;		/* the bottom line: the main keys */
	/* Reload from the store; external: another process wrote. */
	void	(*recalc)(struct tui *, struct screen *, bool external);
	void	(*draw)(struct tui *, struct screen *, WINDOW *, int y, int h);
	/* true when the key was handled. */
	bool	(*key)(struct tui *, struct screen *, int key);
	void	(*free)(struct screen *);
};

struct screen {
	const struct screen_ops *ops;
	void	*data;
	int	 stale;		/* recalc before the next draw: 1 after our
				   own write, 2 after another process's */
	char	*title;		/* NULL: ops->name */
};

struct tui {
	struct session	*sess;
	struct screen	*stack[16];
	size_t		 depth;
	bool		 quit;
	bool		 dirty;
	char		*status;
	enum tui_colour	 status_colour;
	int64_t		 data_version;
	int64_t		 polled;	/* when data_version was last read, ms */
	bool		 first_draw_exit;	/* bench: quit after one screen */
	int64_t		 first_us;		/* ... when it was drawn */
	struct crypto	*crypto;	/* opened on first need */

	/* A y/n question in the status line. */
	char		*confirm;
	void		(*confirm_cb)(struct tui *, void *);
	void		*confirm_arg;
	void		(*confirm_free)(void *);

	/* A one-row form in the status line. */
	bool		 prompting;
	struct form	 prompt;
	void		(*prompt_cb)(struct tui *, struct form_row *, void *);
	void		*prompt_arg;
	void		(*prompt_free)(void *);
};

struct screen *screen_new(const struct screen_ops *, void *data);
void	 tui_push(struct tui *, struct screen *);
void	 tui_pop(struct tui *);
void	 tui_replace(struct tui *, struct screen *);
struct screen *tui_top(struct tui *);
/* Every screen reloads before it next draws (after our own writes). */
void	 tui_stale(struct tui *);
void	 tui_status(struct tui *, enum tui_colour, const char *, ...)
	     PRINTFLIKE(3, 4);
void	 tui_error(struct tui *, const char *what, char **errstr);
/* Esc on a form: leave at once when nothing was typed, else ask first. */
void	 tui_leave_form(struct tui *, bool changed);
/* Draw the screen now, status line included: before a call that blocks. */
void	 tui_draw_now(struct tui *);
/* For transport_set_cancel: has Esc been pressed meanwhile? */
bool	 tui_cancel_key(void *tui);
/* Leave the screen to show text alone (a URL the terminal wraps itself,
 * so a mouse copies it whole) until Enter. */
void	 tui_show_plain(struct tui *, const char *text);
void	 tui_confirm(struct tui *, const char *question,
	     void (*cb)(struct tui *, void *), void *arg, void (*arg_free)(void *));
/* Ask for a value in the status line; row is prefilled by the caller. */
struct form_row *tui_prompt(struct tui *, enum form_kind, const char *label,
	     void (*cb)(struct tui *, struct form_row *, void *), void *arg,
	     void (*arg_free)(void *));
/* Hand a value to $EDITOR; 0 with *out set, or an error. */
/* The vault, set to ask for its passphrase below the interface (once a
 * run: an opened vault stays open) (handoff.c). */
struct vault *tui_vault(struct tui *);
int	 tui_editor(struct tui *, const char *value, size_t len, char **out,
	     size_t *outlen, char **errstr);
/* Put text on the terminal's clipboard (OSC 52). */
void	 tui_clipboard(struct tui *, const char *);
int	 tui_crypto(struct tui *, struct crypto **, char **errstr);
const char *tui_admin(struct tui *);

/* ---- The screens. */

struct screen *sources_new(struct tui *);
struct screen *picker_new(struct tui *);
struct connector;
struct field_def;
struct screen *add_form_new(struct tui *, const struct connector *);
/* A form row for a connector field: kind, type hint, default, help. */
void	 form_add_field(struct form *, const struct field_def *);
struct screen *draft_screen_new(struct tui *, int64_t draft);
/* Ask, then remove the draft (revoking its links, wiping its mail). */
void	 draft_delete_ask(struct tui *, int64_t draft, const char *name);
struct screen *share_new(struct tui *, int64_t draft, bool missing);
struct screen *activity_new(struct tui *);
struct screen *help_new(struct tui *, const struct screen *);
struct screen *init_screen_new(struct tui *);
/* A scrolling text (help, history, previews, messages); takes lines. */
struct screen *pager_new(const char *title, const char *text);
/* The same with a clipboard key y for url. */
struct screen *pager_new_url(const char *title, const char *text,
	     const char *url);

/* Shared formatting. */
char	*fmt_duration(int64_t secs);	/* 7d, 12h, 90s */
char	*fmt_time(int64_t);		/* local time with offset, "-" for 0 */

#endif
