/* tui.h: the terminal interface, what `setuplink` with no subcommand on a
 * terminal opens.  The rest of tui/ is private (tui/private.h).  tui/
 * calls mailer/, store/, catalog/ and util/; never cmd/, never SQL. */
#ifndef SETUPLINK_TUI_H
#define SETUPLINK_TUI_H

struct session;

/*
 * Run the interface until the admin quits or a SIGTERM/SIGHUP arrives.
 * Opens the home, store and catalog itself (the caller opens nothing),
 * or shows a first-run screen when there is no home yet.  Returns 0, or a
 * sysexits code with *errstr set when the interface cannot start.
 */
int	 tui_main(struct session *, char **errstr);

#endif
