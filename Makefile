# ipipd: privilege-separated userland IP-in-IP tunnel daemon.
# Plain GNU make.  make [all|check|asan|demo|install|uninstall|clean]

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec/ipipd
MANDIR		?= $(PREFIX)/share/man
DESTDIR		?=

BUILD		?= build
CC		?= cc
PKGS		 = libbsd-overlay libcap-ng libseccomp libmnl
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS))
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS))

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
OPT		 = -O2 -g -D_FORTIFY_SOURCE=3
SAN_LD		 =
endif

CPPFLAGS	+= -D_GNU_SOURCE -Icommon -Iengine -Ipriv -Iresolver \
		   -DLIBEXECDIR='"$(LIBEXECDIR)"'
CFLAGS		+= -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(PKG_CFLAGS)
LDFLAGS		+= $(HARDEN_LD) $(SAN_LD)
LDLIBS		+= $(PKG_LIBS)

COMMON_SRCS	:= $(wildcard common/*.c)
PRIV_SRCS	:= $(wildcard priv/*.c)
ENGINE_SRCS	:= $(wildcard engine/*.c)
RESOLVER_SRCS	:= $(wildcard resolver/*.c)

obj		 = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJS	:= $(call obj,$(COMMON_SRCS))
PRIV_OBJS	:= $(call obj,$(PRIV_SRCS))
ENGINE_OBJS	:= $(call obj,$(ENGINE_SRCS))
RESOLVER_OBJS	:= $(call obj,$(RESOLVER_SRCS))
# Everything but main(): what unit tests and fuzz targets link against.
LIB_OBJS	:= $(COMMON_OBJS) \
		   $(filter-out %/main.o,$(PRIV_OBJS) $(ENGINE_OBJS) $(RESOLVER_OBJS))

BINS		 = $(BUILD)/ipipd $(BUILD)/ipipd-engine $(BUILD)/ipipd-resolver

UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPER_SRCS	:= $(wildcard tests/helpers/*.c)
HELPER_BINS	:= $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(HELPER_SRCS))

MANS		 = man/ipipd.8

.PHONY: all check unit asan demo interop install uninstall clean lint bench

all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

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

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/helpers/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(UNIT_BINS)

# The whole suite: unit tests, then namespace integration and wire tests
# against the real binaries.  Needs root (namespaces, TUN devices).
check: $(BINS) $(UNIT_BINS) $(HELPER_BINS)
	BUILD=$(BUILD) tests/run.sh

# ASan + UBSan build of everything, running the same suite.
asan:
	$(MAKE) BUILD=build-asan SAN=1 check

demo: $(BINS)
	BUILD=$(BUILD) tests/demo.sh

# Throughput beside other tunnels (../shared/bench), latency, memory.
bench: $(BINS)
	BUILD=$(BUILD) tests/bench/run.sh

# Against real kernel ipip/sit/ip6tnl peers, in a VM (../shared/kernel-vm).
interop: $(BINS)
	BUILD=$(BUILD) tests/interop/run.sh

lint:
	mandoc -Tlint -Wwarning $(MANS)

install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/ipipd $(DESTDIR)$(SBINDIR)/ipipd
	install -m 0755 $(BUILD)/ipipd-engine $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(BUILD)/ipipd-resolver $(DESTDIR)$(LIBEXECDIR)/
	install -m 0644 man/ipipd.8 $(DESTDIR)$(MANDIR)/man8/ipipd.8

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ipipd \
	    $(DESTDIR)$(LIBEXECDIR)/ipipd-engine \
	    $(DESTDIR)$(LIBEXECDIR)/ipipd-resolver \
	    $(DESTDIR)$(MANDIR)/man8/ipipd.8
	-rmdir $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf $(BUILD) build build-asan

# libFuzzer targets: make fuzz, make fuzz-run (clang).
-include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
