# ipipd: privilege-separated userland IP-in-IP tunnel daemon.
# Plain GNU make.  make [all|check|asan|demo|deps|install|uninstall|clean]

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec/ipipd
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
APPARMORDIR	?= $(SYSCONFDIR)/apparmor.d
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR	?= $(PREFIX)/lib/tmpfiles.d
DOCDIR		?= $(PREFIX)/share/doc/ipipd
DESTDIR		?=

# make SECCOMP_DEBUG=1: seccomp traps and logs forbidden system calls
# instead of killing (common/seccomp_action.c); its own build directory.
ifeq ($(SECCOMP_DEBUG),1)
BUILD		?= build-seccomp-debug
CPPFLAGS	+= -DSECCOMP_DEBUG
endif
BUILD		?= build
CC		?= cc
# The Debian packages, and the pkg-config modules of the libraries, are
# listed once, in deps/debian.txt (make deps: deps/install.sh).
DEPS_LIST	 = deps/debian.txt
PKGS		:= $(shell awk '!/^\#/ && NF >= 3 { print $$3 }' $(DEPS_LIST))
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The packages of absent modules (all of them without pkg-config), and
# build-essential without a compiler: plain make names them and stops.
PKG_MISSING	:= $(shell \
	command -v $(firstword $(CC)) >/dev/null 2>&1 || echo build-essential; \
	command -v pkg-config >/dev/null 2>&1 || echo pkg-config; \
	for m in $(PKGS); do pkg-config --exists $$m 2>/dev/null || \
	    awk -v m=$$m '!/^\#/ && $$3 == m { print $$1 }' $(DEPS_LIST); \
	done)
CTL_LIBS	:= $(shell pkg-config --libs libbsd-overlay 2>/dev/null)

WARN		 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
		   -Wmissing-prototypes -Wstrict-prototypes -Wformat=2
HARDEN		 = -fstack-protector-strong -fstack-clash-protection \
		   -fcf-protection -fPIE
HARDEN_LD	 = -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack

ifeq ($(SAN),1)
OPT		 = -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_LD		 = -fsanitize=address,undefined
else
# -U first: a packager's CPPFLAGS (dpkg-buildflags) may define it as 2.
OPT		 = -O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
SAN_LD		 =
endif

# make valgrind's build (VG=1): see SANDBOX_NO_SECCOMP in sandbox.h.
ifeq ($(VG),1)
CPPFLAGS	+= -DIPIPD_VALGRIND
endif

CPPFLAGS	+= -D_GNU_SOURCE -DLIBEXECDIR='"$(LIBEXECDIR)"'
CFLAGS		+= -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(PKG_CFLAGS)
LDFLAGS		+= $(HARDEN_LD) $(SAN_LD)
LDLIBS		+= $(PKG_LIBS)

# What each folder may include: its own headers and common/'s.  The
# engine also sees engine/pkt/, its pure packet code; engine/pkt/ sees
# nothing of the engine's state.  Tests see everything.
INC_common	 = -Icommon
INC_priv	 = -Ipriv -Icommon
INC_resolver	 = -Iresolver -Icommon
INC_ipipctl	 = -Iipipctl -Icommon
INC_engine	 = -Iengine -Iengine/pkt -Icommon
INC_engine/pkt	 = -Iengine/pkt -Icommon
INC_tests	 = -Icommon -Iengine -Iengine/pkt -Ipriv -Iresolver -Iipipctl
INC_tests/unit	 = $(INC_tests)
INC_tests/helpers = $(INC_tests)
INC_tests/fuzz	 = $(INC_tests)
inc		 = $(INC_$(patsubst %/,%,$(dir $(1))))

COMMON_SRCS	:= $(wildcard common/*.c)
PRIV_SRCS	:= $(wildcard priv/*.c)
PKT_SRCS	:= $(wildcard engine/pkt/*.c)
ENGINE_SRCS	:= $(wildcard engine/*.c) $(PKT_SRCS)
RESOLVER_SRCS	:= $(wildcard resolver/*.c)
IPIPCTL_SRCS	:= $(wildcard ipipctl/*.c)

obj		 = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJS	:= $(call obj,$(COMMON_SRCS))
PRIV_OBJS	:= $(call obj,$(PRIV_SRCS))
ENGINE_OBJS	:= $(call obj,$(ENGINE_SRCS))
RESOLVER_OBJS	:= $(call obj,$(RESOLVER_SRCS))
IPIPCTL_OBJS	:= $(call obj,$(IPIPCTL_SRCS))
# Everything but main(): what unit tests and fuzz targets link against.
LIB_OBJS	:= $(COMMON_OBJS) \
		   $(filter-out %/main.o,$(PRIV_OBJS) $(ENGINE_OBJS) $(RESOLVER_OBJS) \
		   $(IPIPCTL_OBJS))

BINS		 = $(BUILD)/ipipd $(BUILD)/ipipd-engine $(BUILD)/ipipd-resolver \
		   $(BUILD)/ipipctl

UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPER_SRCS	:= $(wildcard tests/helpers/*.c)
HELPER_BINS	:= $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(HELPER_SRCS))

MANS		 = man/ipipd.8 man/ipipd.conf.5 man/ipipctl.8

.PHONY: all check unit asan valgrind soak demo interop install uninstall clean lint \
		apparmor apparmor-test systemd-test deb bench bench-raw bench-tcp deps \
		pkgcheck

all: $(BINS)

# Before the first compile: one line naming the missing packages rather
# than a compiler error about a header or a function far from the cause.
pkgcheck:
	$(if $(PKG_MISSING),$(error missing Debian packages: $(PKG_MISSING); \
	    make deps installs them (as root), or apt-get install $(PKG_MISSING)))

# The Debian packages make demo and make check need that are missing,
# installed with one apt-get line (printed first); NO_DEPS=1 skips it.
deps:
ifneq ($(NO_DEPS),1)
	@deps/install.sh build check
endif

$(BUILD)/obj/%.o: %.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(call inc,$<) $(CFLAGS) -MMD -MP -c -o $@ $<

# The libexec path is compiled in: rebuild when PREFIX/LIBEXECDIR change.
$(BUILD)/libexecdir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LIBEXECDIR)' | cmp -s - $@ || echo '$(LIBEXECDIR)' > $@

$(BUILD)/obj/priv/priv_child.o: $(BUILD)/libexecdir.stamp

.PHONY: FORCE
FORCE:

$(BUILD)/ipipd: $(PRIV_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/ipipd-engine: $(ENGINE_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/ipipd-resolver: $(RESOLVER_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ipipctl: addresses, imsg and the message rules of common/, nothing of
# the daemon.
$(BUILD)/ipipctl: $(IPIPCTL_OBJS) $(BUILD)/obj/common/addr.o \
    $(BUILD)/obj/common/imsg.o $(BUILD)/obj/common/imsg_rules.o
	$(CC) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_tests) $(CFLAGS) $(LDFLAGS) -o $@ $^ \
	    $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/helpers/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_tests) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(UNIT_BINS)

# make demo and make check set up what they need first (make deps), then
# go on in a make of their own, which finds the packages just installed.
ifneq ($(NO_DEPS),1)
demo check: deps
	@$(MAKE) --no-print-directory NO_DEPS=1 $@
else
# The whole suite: unit tests, then namespace integration and wire tests
# against the real binaries.  Needs root (namespaces, TUN devices).
# TESTS=PATTERN runs only the tests whose name matches (tests/run.sh).
check: $(BINS) $(UNIT_BINS) $(HELPER_BINS)
	BUILD=$(BUILD) tests/run.sh '$(TESTS)'

demo: $(BINS)
	BUILD=$(BUILD) tests/demo.sh
endif

# ASan + UBSan build of everything, running the same suite.
asan:
	$(MAKE) BUILD=build-asan SAN=1 check

# Memcheck on the parent, engine and resolver under some integration
# tests (tests/valgrind.sh; VALGRIND_TESTS picks them), in a build of
# its own without the seccomp filters, which would kill valgrind.
VALGRIND_TESTS	?= integration/t_(lifecycle|local|names|flood)
valgrind:
	$(MAKE) BUILD=build-valgrind VG=1 all build-valgrind/tests/pkt_blast
	BUILD=build-valgrind tests/valgrind.sh '$(VALGRIND_TESTS)'

# Long run, not in check: TCP transfers and address changes, RSS and
# fds of every process sampled (tests/soak/soak.sh).
SOAK_SECONDS	?= 300
soak: $(BINS)
	BUILD=$(BUILD) SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/soak.sh

# Throughput beside other tunnels (../shared/bench), latency, memory.
bench: $(BINS) $(BUILD)/tests/wake_rtt
	BUILD=$(BUILD) tests/bench/run.sh
	BUILD=$(BUILD) tests/bench/tcp.sh

# The TCP transport alone (tests/bench/tcp.sh), also run by bench.
bench-tcp: $(BINS)
	BUILD=$(BUILD) tests/bench/tcp.sh

# The kernel's cost of a raw socket send, by who writes the outer header
# and whether the peer is on the link (tests/bench/raw_send_rate.sh).
bench-raw: $(BUILD)/tests/raw_send_rate
	BUILD=$(BUILD) tests/bench/raw_send_rate.sh

# Against real kernel ipip/sit/ip6tnl peers, in a VM (../shared/kernel-vm).
interop: $(BINS)
	BUILD=$(BUILD) tests/interop/run.sh

lint:
	mandoc -Tlint -Wwarning $(MANS)

# AppArmor profiles and the systemd unit carry the install paths, so they
# are generated here (apparmor/gen.sh, dist/ipipd@.service.in).
AA_NAMES	 = $(shell echo '$(SBINDIR)/ipipd' '$(SBINDIR)/ipipctl' \
		   '$(LIBEXECDIR)/ipipd-engine' '$(LIBEXECDIR)/ipipd-resolver' | \
		   sed 's|^/||; s| /| |g' | tr / .)

$(BUILD)/dist/ipipd@.service: dist/ipipd@.service.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    dist/ipipd@.service.in > $@

apparmor: FORCE
	apparmor/gen.sh $(BUILD)/apparmor $(SBINDIR) $(LIBEXECDIR) \
	    $(SYSCONFDIR) $(APPARMORDIR) >/dev/null

install: $(BINS) $(BUILD)/dist/ipipd@.service apparmor
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(APPARMORDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(SYSCONFDIR)/ipipd
	install -m 0755 $(BUILD)/ipipd $(DESTDIR)$(SBINDIR)/ipipd
	install -m 0755 $(BUILD)/ipipctl $(DESTDIR)$(SBINDIR)/ipipctl
	install -m 0755 $(BUILD)/ipipd-engine $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(BUILD)/ipipd-resolver $(DESTDIR)$(LIBEXECDIR)/
	install -m 0644 man/ipipd.8 $(DESTDIR)$(MANDIR)/man8/ipipd.8
	install -m 0644 man/ipipctl.8 $(DESTDIR)$(MANDIR)/man8/ipipctl.8
	install -m 0644 man/ipipd.conf.5 $(DESTDIR)$(MANDIR)/man5/ipipd.conf.5
	for n in $(AA_NAMES); do \
		install -m 0644 $(BUILD)/apparmor/$$n $(DESTDIR)$(APPARMORDIR)/$$n || exit 1; \
	done
	install -m 0644 $(BUILD)/dist/ipipd@.service $(DESTDIR)$(UNITDIR)/
	install -m 0644 dist/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/ipipd.conf
	install -m 0644 dist/tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/ipipd.conf
	install -m 0644 dist/example.conf $(DESTDIR)$(DOCDIR)/examples/example.conf
	install -m 0644 dist/tcp-server.conf dist/tcp-client.conf \
	    $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 dist/ambient.conf $(DESTDIR)$(DOCDIR)/examples/ambient.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ipipd \
	    $(DESTDIR)$(SBINDIR)/ipipctl \
	    $(DESTDIR)$(LIBEXECDIR)/ipipd-engine \
	    $(DESTDIR)$(LIBEXECDIR)/ipipd-resolver \
	    $(DESTDIR)$(MANDIR)/man8/ipipd.8 \
	    $(DESTDIR)$(MANDIR)/man8/ipipctl.8 \
	    $(DESTDIR)$(MANDIR)/man5/ipipd.conf.5 \
	    $(DESTDIR)$(UNITDIR)/ipipd@.service \
	    $(DESTDIR)$(SYSUSERSDIR)/ipipd.conf \
	    $(DESTDIR)$(TMPFILESDIR)/ipipd.conf \
	    $(DESTDIR)$(DOCDIR)/examples/example.conf \
	    $(DESTDIR)$(DOCDIR)/examples/tcp-server.conf \
	    $(DESTDIR)$(DOCDIR)/examples/tcp-client.conf \
	    $(DESTDIR)$(DOCDIR)/examples/ambient.conf \
	    $(addprefix $(DESTDIR)$(APPARMORDIR)/,$(AA_NAMES))
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/ipipd 2>/dev/null

# The Debian package: dpkg-buildpackage -us -uc -b on a copy of the tree
# in build-deb/ (the .deb lands there), then lintian on it.
DEBDIR		?= build-deb
deb:
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/src
	tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C $(DEBDIR)/src
	cd $(DEBDIR)/src && dpkg-buildpackage -us -uc -b
	lintian --info $(DEBDIR)/*.changes

# AppArmor in enforce mode, in the kernel VM (../shared/kernel-vm).
apparmor-test:
	BUILD=$(BUILD) tests/apparmor/run.sh

# The package of `make deb` under systemd as PID 1, AppArmor enforcing,
# in the kernel VM (tests/systemd/run.sh).
systemd-test: deb
	tests/systemd/run.sh $(DEBDIR)/ipipd_*_$(shell dpkg --print-architecture).deb

clean:
	rm -rf $(BUILD) build build-asan build-valgrind build-seccomp-debug build-deb build-offload-off

# libFuzzer targets: make fuzz, make fuzz-run (clang).
-include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
