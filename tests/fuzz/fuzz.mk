# libFuzzer targets (tests/fuzz/fuzz_*.c).  Included from the Makefile:
#
#	make fuzz		build $(BUILD)/fuzz/fuzz_<input> for every target
#	make fuzz-run		run each for FUZZ_SECONDS from a copy of its
#				corpus; non-zero on any crash, leak or timeout
#
# Everything is compiled again with clang (FUZZ_CC), with coverage and
# ASan + UBSan, into $(BUILD)/fuzz/obj: the gcc objects of $(BUILD)/obj
# are never reused.  FUZZ_TARGETS picks a subset: make fuzz-run
# FUZZ_TARGETS="decap imsg".

# Do not take the default goal from the Makefile, wherever this is included.
FUZZ_SAVED_GOAL	:= $(.DEFAULT_GOAL)

BUILD		?= build
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_DIR	 = tests/fuzz
FUZZ_OUT	 = $(BUILD)/fuzz
FUZZ_TARGETS	?= decap encap_frag imsg conf rtnl gso udp_gro tcp allowlist ctl

FUZZ_SAN	 = -fsanitize=fuzzer,address,undefined
FUZZ_SAN_CC	 = -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=all
FUZZ_OPT	?= -g -O1 -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -std=gnu11 $(FUZZ_OPT) $(FUZZ_SAN_CC) $(WARN) $(PKG_CFLAGS)
# Project sources only: clang (unlike gcc) warns about the vsnprintf of
# a va_list format in common/log.c under -Wformat=2.  The harnesses get
# the full $(WARN).
FUZZ_PROJ_WARN	 = -Wno-format-nonliteral
# -D options for the harnesses only (e.g. to fuzz past a known failure
# while it is being fixed).  Objects do not track it: use a fresh BUILD,
# or make -B, when changing it.
FUZZ_DEFS	?=

# The real project code each target links: the engine's packet
# functions are pure and live in engine/pkt/; the parent's parser needs
# the rest of the parent (all of priv/ but main.c) and common/.
FUZZ_SRCS_pkt		 = $(wildcard engine/pkt/*.c) common/addr.c
FUZZ_SRCS_decap		 = $(FUZZ_SRCS_pkt)
FUZZ_SRCS_encap_frag	 = $(FUZZ_SRCS_pkt)
FUZZ_SRCS_imsg		 = common/imsg.c common/imsg_rules.c
FUZZ_SRCS_gso		 = $(FUZZ_SRCS_pkt)
FUZZ_SRCS_udp_gro	 = $(FUZZ_SRCS_pkt)
FUZZ_SRCS_tcp		 = $(FUZZ_SRCS_pkt)
FUZZ_SRCS_priv		 = $(filter-out priv/main.c,$(wildcard priv/*.c)) \
			   $(wildcard common/*.c)
FUZZ_SRCS_conf		 = $(FUZZ_SRCS_priv)
FUZZ_SRCS_rtnl		 = $(FUZZ_SRCS_priv)
FUZZ_SRCS_allowlist	 = $(FUZZ_SRCS_priv)

# The engine's control socket server and what it calls.
FUZZ_SRCS_ctl		 = engine/control.c engine/control_req.c \
			   engine/control_stats.c engine/control_clients.c \
			   engine/hints.c engine/pmtu.c engine/pkt/drop.c \
			   engine/pkt/tcp_names.c common/addr.c common/imsg.c \
			   common/imsg_rules.c common/clock.c \
			   common/log.c

FUZZ_ALL_TARGETS	 = decap encap_frag imsg conf rtnl gso udp_gro tcp allowlist ctl
FUZZ_BINS	 = $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))
fuzz_obj	 = $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(1))
FUZZ_PROJ_SRCS	:= $(sort $(foreach t,$(FUZZ_ALL_TARGETS),$(FUZZ_SRCS_$(t))))
FUZZ_PROJ_OBJS	:= $(call fuzz_obj,$(FUZZ_PROJ_SRCS))
FUZZ_MAIN_OBJS	:= $(call fuzz_obj,$(patsubst %,$(FUZZ_DIR)/fuzz_%.c,\
		   $(FUZZ_ALL_TARGETS)))

.PHONY: fuzz fuzz-run

fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) $(FUZZ_DIR)/run.sh \
	    $(FUZZ_TARGETS)

$(FUZZ_PROJ_OBJS): $(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(call inc,$<) $(FUZZ_CFLAGS) \
	    $(FUZZ_PROJ_WARN) -MMD -MP -c -o $@ $<

$(FUZZ_MAIN_OBJS): $(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(call inc,$<) $(FUZZ_DEFS) $(FUZZ_CFLAGS) \
	    -MMD -MP -c -o $@ $<

# One link rule per target: harness object + its project objects.
define FUZZ_LINK
$(FUZZ_OUT)/fuzz_$(1): $(call fuzz_obj,$(FUZZ_DIR)/fuzz_$(1).c \
    $(FUZZ_SRCS_$(1)))
	$$(FUZZ_CC) $$(FUZZ_OPT) $$(FUZZ_SAN) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(FUZZ_ALL_TARGETS),$(eval $(call FUZZ_LINK,$(t))))

-include $(shell find $(FUZZ_OUT)/obj -name '*.d' 2>/dev/null)

.DEFAULT_GOAL	:= $(FUZZ_SAVED_GOAL)
