# sd: smart delivery for live and recorded video, as Unix filters.
# GNU make. `make` builds, `make check` tests under ASan+UBSan, `make run`
# starts the demo, `make install PREFIX=... DESTDIR=...` installs.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/sd
MANDIR     ?= $(PREFIX)/share/man
SHAREDIR   ?= $(PREFIX)/share/sd
SYSCONFDIR ?= $(PREFIX)/etc/sd

CC      ?= cc
CFLAGS  ?= -O2 -g
PKG     ?= pkg-config
BASE_PKGS := libbsd-overlay inih
AV_PKGS   := libavformat libavcodec libavutil

# pkg-config is asked lazily, once per make run, when a recipe first needs it:
# on a fresh machine `make run` and `make check` install pkg-config and the
# libraries (scripts/install-deps) before anything is compiled, so nothing
# may ask pkg-config while this file is read. `lazy` caches the answer.
lazy = $(eval $1 := $$(shell $2))$($1)
PKG_CFLAGS = $(call lazy,PKG_CFLAGS,$(PKG) --cflags $(BASE_PKGS) $(AV_PKGS))
BASE_LIBS  = $(call lazy,BASE_LIBS,$(PKG) --libs $(BASE_PKGS))
AV_LIBS    = $(call lazy,AV_LIBS,$(PKG) --libs $(AV_PKGS))

SD_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter \
	-Ilib $(PKG_CFLAGS) \
	-DSD_SYSCONFDIR='"$(SYSCONFDIR)"' -DSD_SHAREDIR='"$(SHAREDIR)"' \
	-DSD_BINDIR='"$(BINDIR)"' -DSD_LIBEXECDIR='"$(LIBEXECDIR)"'

# `make SAN=1` (what `make check` uses) builds under AddressSanitizer and
# UndefinedBehaviorSanitizer into a tree of its own, build/san/ (objects,
# library, programs, unit tests, drivers), so that `make` and `make check`
# never rebuild each other's files; tests/lib.sh runs the programs of
# build/san/bin when they are there. Each tree keeps its flags in its
# .build-flags, so that a change of flags rebuilds that tree.
SAN_OUT := build/san/
ifeq ($(SAN),1)
SAN_FLAGS = -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
OUT := $(SAN_OUT)
endif
ALL_CFLAGS = $(SD_CFLAGS) $(CFLAGS) $(SAN_FLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(patsubst %.c,$(OUT)%.o,$(LIB_SRC))
LIBSD   := $(OUT)lib/libsd.a
LIB_H   := $(wildcard lib/*.h)
PROGS   := $(patsubst %.c,$(OUT)%,$(sort $(wildcard bin/sd-*.c)))
# Programs that only sd-serve runs (sd_sibling_path finds them next to
# itself, then in LIBEXECDIR): installed there, not on PATH.
LIBEXEC_PROGS := $(OUT)bin/sd-session
# Programs that do media work link libav*; the rest stay small and start fast
# (libavformat alone costs 60 ms and 28 MB at start-up).
AV_PROGS := bin/sd-classify
# sd-cmafmux reads and writes MPEG-TS without libav*: its libav* edge
# (every other input, -T for Opus) is a shared object it loads with dlopen
# only then (av_edge.h), found next to it or in LIBEXECDIR. lib/ objects are position-independent
# so that the edge can be linked from them.
EDGE_SO  := $(OUT)bin/libsd-av.so
EDGE_OBJ := $(addprefix $(OUT)lib/,av_edge.o av_tsseg_lav.o av_par.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNITS    := $(patsubst %.c,$(OUT)%.test,$(UNIT_SRC))
# Test drivers over lib/ functions (tests/drive/NAME.c -> tests/drive/NAME).
DRIVERS  := $(patsubst %.c,$(OUT)%,$(sort $(wildcard tests/drive/*.c)))
MAN      := $(sort $(wildcard man/*.[1-8]))
# Scripts meant for users, installed next to the programs.
SCRIPTS  := scripts/sd-batch
# libFuzzer harnesses (clang): tests/fuzz/NAME.c -> tests/fuzz/NAME.fuzz,
# linked with the library built by clang with coverage instrumentation.
FUZZ_CC    ?= clang
FUZZ_FLAGS  = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/*.c))
FUZZERS    := $(FUZZ_SRC:.c=.fuzz)
FUZZ_OBJ   := $(patsubst lib/%.c,tests/fuzz/obj/%.o,$(LIB_SRC))

all: $(PROGS) $(EDGE_SO)

$(OUT).build-flags: FORCE
	@$(PKG) --exists $(BASE_PKGS) $(AV_PKGS) 2>/dev/null || { \
		echo "make: $(PKG) does not find $(BASE_PKGS) $(AV_PKGS);" \
		"run 'make deps' (scripts/install-deps) first" >&2; exit 1; }
	@mkdir -p $(@D)
	@echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

$(OUT)lib/%.o: lib/%.c $(LIB_H) $(OUT).build-flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(LIBSD): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(OUT)bin/%: bin/%.c $(LIBSD) lib/sd.h $(OUT).build-flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBSD) $(if $(filter bin/$*,$(AV_PROGS)),$(AV_LIBS)) $(BASE_LIBS) $(ALL_LDFLAGS) -lm

$(EDGE_SO): $(EDGE_OBJ) $(LIBSD) $(OUT).build-flags
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $(EDGE_OBJ) $(LIBSD) $(AV_LIBS) $(BASE_LIBS) $(ALL_LDFLAGS) -lm

$(OUT)tests/unit/%.test: tests/unit/%.c $(LIBSD) $(LIB_H) $(OUT).build-flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIBSD) $(AV_LIBS) $(BASE_LIBS) $(ALL_LDFLAGS) -lm

tests/fuzz/obj/%.o: lib/%.c $(LIB_H)
	@mkdir -p tests/fuzz/obj
	$(FUZZ_CC) $(SD_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

tests/fuzz/%.fuzz: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(SD_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) \
		$(AV_LIBS) $(BASE_LIBS) -lm

$(OUT)tests/drive/%: tests/drive/%.c $(LIBSD) $(LIB_H) $(OUT).build-flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBSD) $(BASE_LIBS) $(ALL_LDFLAGS) -lm

fuzzers: $(FUZZERS)

# make fuzz [FUZZ_TIME=60]: each harness for FUZZ_TIME seconds.
FUZZ_TIME ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory fuzzers
	scripts/fuzz -t $(FUZZ_TIME)

# The dependencies are installed before make is asked to build, in a make of
# its own, so that pkg-config is first asked after they are there.
INSTALL_DEPS ?= scripts/install-deps
deps:
	@$(INSTALL_DEPS)

build: deps
	@$(MAKE) --no-print-directory all

# Every test: C unit tests and the shell/TAP tests in tests/*.t, by prove.
check: deps
	$(MAKE) SAN=1 all units
	@SD_TOP=$(CURDIR) SD_BUILD=$(CURDIR)/$(SAN_OUT:/=) prove -j2 \
		$(patsubst %.c,$(SAN_OUT)%.test,$(UNIT_SRC)) $(sort $(wildcard tests/*.t))

units: $(UNITS) $(DRIVERS)

lint: all
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--std=c11 -Ilib --suppress=missingIncludeSystem lib bin
	mandoc -Tlint -Wwarning $(MAN)

# make run [PORT=8080]: the demo's lighttpd listens on 127.0.0.1:PORT.
PORT ?= 8080
run: build
	@scripts/run-demo -p $(PORT)

bench: build
	@scripts/bench
	@scripts/bench-serve
	@scripts/bench-zap
	@scripts/bench-ingest

# The shipped lighttpd include, inetd line and systemd units name the
# default paths; install writes them with this install's paths.
SPOOLDIR ?= /var/spool/sd
SUBST = sed -e 's|/usr/local/bin|$(BINDIR)|g' -e 's|/usr/local/libexec/sd|$(LIBEXECDIR)|g' -e 's|/usr/local/etc/sd|$(SYSCONFDIR)|g' \
	-e 's|/usr/local/share/sd|$(SHAREDIR)|g' -e 's|/var/spool/sd|$(SPOOLDIR)|g'
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR     ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR     ?= $(PREFIX)/lib/tmpfiles.d
# The player page's scripts (npm packages that install-deps brings).
PLAYER_JS = tests/node_modules/hls.js/dist/hls.min.js \
	tests/node_modules/dashjs/dist/modern/umd/dash.all.min.js

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SHAREDIR) \
		$(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(SYSCONFDIR)/www \
		$(DESTDIR)$(SYSTEMD_UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(filter-out $(LIBEXEC_PROGS),$(PROGS)) $(SCRIPTS) \
		$(DESTDIR)$(BINDIR)
	$(if $(filter $(LIBEXEC_PROGS),$(PROGS)),install -m 755 \
		$(filter $(LIBEXEC_PROGS),$(PROGS)) $(DESTDIR)$(LIBEXECDIR))
	install -m 755 $(EDGE_SO) $(DESTDIR)$(LIBEXECDIR)
	install -m 444 etc/system/profiles.ini $(DESTDIR)$(SHAREDIR)/profiles.ini
	for f in etc/lighttpd.conf etc/inetd.conf; do \
		$(SUBST) $$f >$(DESTDIR)$(SHAREDIR)/$${f##*/} && \
		chmod 444 $(DESTDIR)$(SHAREDIR)/$${f##*/}; done
	for f in etc/systemd/*; do \
		$(SUBST) $$f >$(DESTDIR)$(SYSTEMD_UNITDIR)/$${f##*/} && \
		chmod 644 $(DESTDIR)$(SYSTEMD_UNITDIR)/$${f##*/}; done
	$(SUBST) etc/sysusers.d/sd.conf >$(DESTDIR)$(SYSUSERSDIR)/sd.conf
	$(SUBST) etc/tmpfiles.d/sd.conf >$(DESTDIR)$(TMPFILESDIR)/sd.conf
	chmod 644 $(DESTDIR)$(SYSUSERSDIR)/sd.conf $(DESTDIR)$(TMPFILESDIR)/sd.conf
	for f in etc/sd/*; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/$${f##*/} ] || { \
		$(SUBST) $$f >$(DESTDIR)$(SYSCONFDIR)/$${f##*/} && \
		chmod 644 $(DESTDIR)$(SYSCONFDIR)/$${f##*/}; }; done
	for f in $(PLAYER_JS); do \
		if [ -f $$f ]; then install -m 644 $$f $(DESTDIR)$(SYSCONFDIR)/www/; \
		else echo "install: $$f missing (make deps): the page at / will not play" >&2; fi; done
	for m in $(MAN); do s=$${m##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

# Removes what install wrote, but the config folder (it is the user's) and
# the spool.
uninstall:
	for p in $(notdir $(PROGS) $(SCRIPTS)); do rm -f $(DESTDIR)$(BINDIR)/$$p; done
	rm -f $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(notdir $(LIBEXEC_PROGS) $(EDGE_SO)))
	-rmdir $(DESTDIR)$(LIBEXECDIR)
	rm -f $(DESTDIR)$(SHAREDIR)/profiles.ini $(DESTDIR)$(SHAREDIR)/lighttpd.conf \
		$(DESTDIR)$(SHAREDIR)/inetd.conf
	-rmdir $(DESTDIR)$(SHAREDIR)
	for f in etc/systemd/*; do rm -f $(DESTDIR)$(SYSTEMD_UNITDIR)/$${f##*/}; done
	rm -f $(DESTDIR)$(SYSUSERSDIR)/sd.conf $(DESTDIR)$(TMPFILESDIR)/sd.conf
	for m in $(MAN); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done

clean:
	rm -f $(LIB_OBJ) $(LIBSD) $(PROGS) $(EDGE_SO) $(UNITS) $(DRIVERS) $(OUT).build-flags
	rm -rf $(SAN_OUT) tests/tmp tests/fuzz/obj $(FUZZERS)

.PHONY: all build check units deps lint run bench install uninstall clean fuzz fuzzers FORCE
