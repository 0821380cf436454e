# setuplink: collect data-source credentials over plain email.
#
#   make            build build/setuplink
#   make run        build, make a demo home under build/, open the TUI
#   make check      every test; ends with "N passed, N failed"
#   make check SANITIZE=1   the same under AddressSanitizer + UBSan
#   make bench      benchmarks, printing their figures
#   make fuzz       libFuzzer targets, FUZZTIME seconds each
#   make install PREFIX=/usr/local
#
# Missing Debian packages are installed by tools/deps.sh (as root) or
# named with the command to install them.

PREFIX	?= /usr/local
BUILD	?= build
CC	?= cc
PKG_CONFIG ?= pkg-config

PKGS	= ncursesw formw menuw libetpan gpgme sqlite3 libcurl jansson \
	  libxml-2.0 inih libcrypto libpq libssh

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	   -I. -MMD -MP
ifeq ($(SANITIZE),1)
override BUILD := $(BUILD)-san
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

# What the program links at start.  libcurl, libxml2 and the clients
# credentials tests use (libpq) are compiled against but loaded on first
# use (util/lazy.c), and libetpan is linked
# statically: its shared build brings GnuTLS, SASL and Berkeley DB into
# every start for network and storage code setuplink never calls.  The
# intake starts once per message, so this is its floor.
LINK_PKGS = ncursesw formw menuw gpgme sqlite3 jansson inih libcrypto

# pkg-config runs only once the packages are there (see deps).
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(LINK_PKGS) 2>/dev/null) \
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

.PHONY: all deps deps-check run check unit e2e bench fuzz install clean demo

all: deps $(BUILD)/setuplink

deps:
	@sh tools/deps.sh

deps-check:
	@sh tools/deps.sh check

$(BUILD)/setuplink: $(MAIN_OBJ) $(CMD_OBJS) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(CMD_OBJS) $(LIBA) $(PKG_LIBS)

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	ar rcsP $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/embedded.c: $(CONNECTORS) tools/embed.sh
	@mkdir -p $(BUILD)
	sh tools/embed.sh $@ $(CONNECTORS)

$(BUILD)/embedded.o: $(BUILD)/embedded.c
	$(CC) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) \
	    $(PKG_LIBS) $$($(PKG_CONFIG) --cflags --libs cmocka)

demo: all
	@sh tools/demo.sh $(BUILD)/setuplink $(BUILD)/demo

run: demo
	@SETUPLINK_HOME=$(CURDIR)/$(BUILD)/demo $(BUILD)/setuplink

check: deps-check
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) sh tests/run.sh

bench: all
	@BUILD=$(BUILD) sh bench/run.sh

fuzz:
	@sh tools/deps.sh fuzz
	@$(MAKE) --no-print-directory -f fuzz/Makefile FUZZTIME=$(or $(FUZZTIME),60)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/setuplink/connectors \
	    $(DESTDIR)$(PREFIX)/share/setuplink/contrib
	install -m 755 $(BUILD)/setuplink $(DESTDIR)$(PREFIX)/bin/
	install -m 644 doc/setuplink.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 doc/setuplink.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 $(CONNECTORS) $(DESTDIR)$(PREFIX)/share/setuplink/connectors/
	for f in contrib/*; do [ -f "$$f" ] && install -m 644 "$$f" \
	    $(DESTDIR)$(PREFIX)/share/setuplink/contrib/; done; true

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' -type f ! -path '*/demo/*' 2>/dev/null)
