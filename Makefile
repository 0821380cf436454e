# setuplink: collect data-source credentials over plain email.
#
#   make            build build/setuplink
#   make run        build, make a demo home under build/, open the TUI
#   make check      every test; ends with "N passed, N failed"
#   make check SANITIZE=1   the same under AddressSanitizer + UBSan
#   make check STORE=sqlite   SQLite only (default: SQLite, then the scripts
#                   marked "# store: both" on PostgreSQL); STORE=postgresql:
#                   every test on PostgreSQL (long: for a person, not CI)
#   make bench      benchmarks, printing their figures
#   make fuzz       libFuzzer targets, FUZZTIME seconds each
#   make install PREFIX=/usr/local    (DESTDIR too; make uninstall)
#   make install-systemd              the intake unit and the remind timer
#   make V=1        show every command, not "CC file.o"
#   make STATIC=no  link SQLite, jansson, inih and libsodium shared (see
#                   LINK_PKGS below)
#
# Missing Debian packages are installed by tools/deps.sh (as root) or
# named with the command to install them.  Every compile waits for it
# (an order-only prerequisite), and pkg-config is read only in recipes,
# so make -j2 on a machine without the packages works the first time.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/setuplink
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
# systemd reads /usr/local/lib/systemd/system as well as /lib/systemd/system.
SYSTEMDDIR  ?= $(PREFIX)/lib/systemd/system
BUILD	?= build
CC	?= cc
PKG_CONFIG ?= pkg-config

PKGS	= ncursesw formw menuw libetpan gpgme sqlite3 libcurl jansson \
	  libxml-2.0 inih libcrypto libsodium libpq libssh libmariadb

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	   -I. -MMD -MP
ifeq ($(SANITIZE),1)
override BUILD := $(BUILD)-san
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

# What the program links at start.  libcurl, libxml2, libcrypto, gpgme,
# ncursesw and the clients credentials tests use (libpq) are compiled
# against but loaded on first use (util/lazy.c), and libetpan is linked
# statically: its shared build brings GnuTLS, SASL and Berkeley DB into
# every start for network and storage code setuplink never calls.  The
# intake starts once per message, so this is its floor.  libsodium is
# linked: the intake seals nearly every message it keeps, and it needs
# nothing but libc.
LINK_PKGS = sqlite3 jansson inih libsodium
# The four are linked from their Debian -dev packages' static archives:
# the dynamic loader's work for them (mapping, relocating, binding) was
# half a millisecond of every intake, a tenth of an accepted reply
# (bench/intake.sh).  STATIC=no links the shared libraries, for a
# packager who wants the distribution's security updates to reach
# setuplink without a rebuild.
STATIC	?= yes
ifeq ($(STATIC),yes)
LINK_LIBS = $(foreach p,$(LINK_PKGS),$(shell $(PKG_CONFIG) \
	    --variable=libdir $(p) 2>/dev/null)/lib$(patsubst lib%,%,$(p)).a) \
	    -lm -pthread
else
LINK_LIBS = $(shell $(PKG_CONFIG) --libs $(LINK_PKGS) 2>/dev/null)
endif

# Quiet by default, kernel-style; V=1 shows the commands.
ifeq ($(V),1)
Q	=
say	= @true
else
Q	= @
say	= @printf '  %-7s %s\n'
MAKEFLAGS += --no-print-directory
endif

# pkg-config runs only once the packages are there: these are recursive
# variables, expanded when a recipe runs, and every recipe that uses them
# waits for deps.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(LINK_LIBS) \
	     $(shell $(PKG_CONFIG) --variable=libdir libetpan 2>/dev/null)/libetpan.a \
	     -ldl

LIB_SRCS = $(wildcard util/*.c catalog/*.c store/*.c mailer/*.c mailer/*/*.c \
	   tui/*.c)
CMD_SRCS = $(wildcard cmd/*.c)
CONNECTORS = $(sort $(wildcard contrib/connectors/*.json))

LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/embedded.o
CMD_OBJS = $(CMD_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/setuplink.o
LIBA	 = $(BUILD)/libsetuplink.a

UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps deps-check run check unit e2e bench fuzz install clean demo \
	uninstall install-systemd uninstall-systemd

all: $(BUILD)/setuplink

# The packages come first: everything that compiles or links waits for
# this (order-only, so it never makes a file out of date).  A phony target
# runs once per make, and tools/deps.sh asks dpkg before apt-get.
# A packager whose Build-Depends brought the packages sets DEPS=true.
DEPS	?= sh tools/deps.sh
deps:
	@$(DEPS)

deps-check:
	@$(DEPS) check

$(BUILD)/setuplink: $(MAIN_OBJ) $(CMD_OBJS) $(LIBA) | deps
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(CMD_OBJS) $(LIBA) $(PKG_LIBS)

$(LIBA): $(LIB_OBJS)
	$(say) AR $@
	@rm -f $@
	$(Q)ar rcsP $@ $^

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(say) CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/embedded.c: $(CONNECTORS) tools/embed.sh
	@mkdir -p $(BUILD)
	$(say) GEN $@
	$(Q)sh tools/embed.sh $@ $(CONNECTORS)

$(BUILD)/embedded.o: $(BUILD)/embedded.c | deps
	$(say) CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

# Unit tests link cmocka, which is in the check set.
$(BUILD)/tests/%: tests/unit/%.c $(LIBA) | deps-check
	@mkdir -p $(dir $@)
	$(say) CCLD $@
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) \
	    $(PKG_LIBS) $$($(PKG_CONFIG) --libs libcrypto gpgme ncursesw) \
	    $$($(PKG_CONFIG) --cflags --libs cmocka)

# abspath: BUILD may be relative (build) or absolute.
DEMO	= $(abspath $(BUILD)/demo)
demo: all
	@sh tools/demo.sh $(BUILD)/setuplink $(DEMO)

run: demo
	@SETUPLINK_HOME=$(DEMO) $(BUILD)/setuplink

check: deps-check
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) STORE=$(STORE) sh tests/run.sh

bench: deps-check
	@$(MAKE) --no-print-directory all $(BUILD)/bench/setuplink-noseal
	@BUILD=$(BUILD) sh bench/run.sh

# For bench/vault.sh alone: the same program with sealing compiled out.
$(BUILD)/bench/seal-noseal.o: store/seal.c | deps
	@mkdir -p $(dir $@)
	$(say) CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -DSETUPLINK_NO_SEAL \
	    -c -o $@ $<

$(BUILD)/bench/setuplink-noseal: $(MAIN_OBJ) $(CMD_OBJS) \
	    $(BUILD)/bench/seal-noseal.o $(LIBA) | deps
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(CMD_OBJS) \
	    $(BUILD)/bench/seal-noseal.o $(LIBA) $(PKG_LIBS)

fuzz:
	@sh tools/deps.sh fuzz
	@$(MAKE) --no-print-directory -f fuzz/Makefile FUZZTIME=$(or $(FUZZTIME),60)

install: all
	$(say) INSTALL $(DESTDIR)$(PREFIX)
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/connectors \
	    $(DESTDIR)$(DATADIR)/contrib $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR)
	$(Q)install -m 755 $(BUILD)/setuplink $(DESTDIR)$(BINDIR)/
	$(Q)install -m 644 doc/setuplink.1 $(DESTDIR)$(MANDIR)/man1/
	$(Q)install -m 644 doc/setuplink.conf.5 $(DESTDIR)$(MANDIR)/man5/
	$(Q)install -m 644 $(CONNECTORS) $(DESTDIR)$(DATADIR)/connectors/
	$(Q)for f in contrib/*; do [ -f "$$f" ] && install -m 644 "$$f" \
	    $(DESTDIR)$(DATADIR)/contrib/; done; true
	$(Q)install -m 644 contrib/completion/setuplink.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/setuplink
	$(Q)install -m 644 contrib/completion/_setuplink $(DESTDIR)$(ZSHCOMPDIR)/

# Removes what install wrote, file by file, and the folders it made when
# they are left empty: never a folder an admin put files in.
uninstall:
	$(say) UNINSTALL $(DESTDIR)$(PREFIX)
	$(Q)rm -f $(DESTDIR)$(BINDIR)/setuplink \
	    $(DESTDIR)$(MANDIR)/man1/setuplink.1 \
	    $(DESTDIR)$(MANDIR)/man5/setuplink.conf.5 \
	    $(DESTDIR)$(BASHCOMPDIR)/setuplink $(DESTDIR)$(ZSHCOMPDIR)/_setuplink
	$(Q)for f in $(notdir $(CONNECTORS)); do \
	    rm -f $(DESTDIR)$(DATADIR)/connectors/$$f; done
	$(Q)for f in contrib/*; do [ -f "$$f" ] && \
	    rm -f $(DESTDIR)$(DATADIR)/contrib/$${f#contrib/}; done; true
	$(Q)rmdir $(DESTDIR)$(DATADIR)/connectors $(DESTDIR)$(DATADIR)/contrib \
	    $(DESTDIR)$(DATADIR) 2>/dev/null; true

# The intake over a Maildir, and a daily timer for link remind.  The unit
# names the installed binary; edit User= and the paths, then
# systemctl daemon-reload && systemctl enable --now setuplink-remind.timer
SYSTEMD_UNITS = setuplink-intake.service setuplink-remind.service \
	setuplink-remind.timer
install-systemd:
	$(say) INSTALL $(DESTDIR)$(SYSTEMDDIR)
	$(Q)install -d $(DESTDIR)$(SYSTEMDDIR)
	$(Q)for u in $(SYSTEMD_UNITS); do \
	    sed 's|/usr/local/bin/setuplink|$(BINDIR)/setuplink|' \
	    contrib/$$u >$(DESTDIR)$(SYSTEMDDIR)/$$u && \
	    chmod 644 $(DESTDIR)$(SYSTEMDDIR)/$$u || exit 1; done

uninstall-systemd:
	$(Q)for u in $(SYSTEMD_UNITS); do rm -f $(DESTDIR)$(SYSTEMDDIR)/$$u; done

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' -type f ! -path '*/demo/*' 2>/dev/null)
