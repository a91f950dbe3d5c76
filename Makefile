# qnetsim — build, test, run, bench.
#
#   make              build ./qnetsim
#   make run          install missing packages, build, open the default topology in the UI
#   make test         unit tests (cmocka) + regress tests on every topology + the
#                     UI driven in tmux + interop with real sockets, peers and QEMU
#   make check-asan   the same suite under AddressSanitizer + UBSan
#   make bench        throughput and scale figures
#   make fuzz         build the libFuzzer targets (clang) and run each for
#                     FUZZ_TIME seconds (default 180); docs/security.md
#   make deps         install the Debian packages the build and tests need
#   make install-extcap  Wireshark's extcap program for qnetsim (docs/capture.md)

CC ?= cc
PKGS := inih libpcap jansson ncursesw
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wnull-dereference -Wundef \
	-Wno-missing-field-initializers
OPTFLAGS ?= -O2 -g
CFLAGS := $(OPTFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE -DINI_HANDLER_LINENO=1 $(PKG_CFLAGS)
# libvdeplug ships no pkg-config file: plain -lvdeplug.
LDLIBS := $(PKG_LIBS) -lslirp -lvdeplug -lm

BUILD ?= build
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

# Every source, named.
CORE_SRCS := \
	src/core/util.c \
	src/core/loop.c \
	src/core/timerq.c \
	src/core/frame.c \
	src/core/graph.c \
	src/core/link.c \
	src/core/ring.c \
	src/core/impair.c \
	src/core/field.c \
	src/core/values.c \
	src/core/trace.c \
	src/core/hub.c \
	src/core/fdb.c \
	src/core/bridge.c \
	src/core/stp.c \
	src/core/stp_bpdu.c \
	src/core/stp_conf.c \
	src/app/topo.c \
	src/app/topo_sections.c \
	src/app/topo_resolve.c \
	src/app/topo_qemu.c \
	src/app/commands.c \
	src/app/commands_guest.c \
	src/app/commands_link.c \
	src/app/commands_bridge.c \
	src/app/commands_lesson.c \
	src/app/expect.c \
	src/app/info.c \
	src/app/capture.c \
	src/app/report.c \
	src/app/map.c \
	src/app/map_draw.c \
	src/app/map_fan.c \
	src/app/export.c \
	src/app/hopfilter.c \
	src/app/qemu.c \
	src/app/qemu_emit.c \
	src/app/qemu_args.c \
	src/app/decode.c \
	src/app/decode_ip.c \
	src/app/decode_app.c \
	src/app/sim.c \
	src/app/monitor.c \
	src/app/extcap.c \
	src/app/hosts.c \
	src/app/pcapng.c \
	src/os/host.c \
	src/nics/nic_models.c \
	src/guest/guest.c \
	src/guest/arp.c \
	src/guest/ip.c \
	src/guest/dhcp.c \
	src/guest/dns.c \
	src/guest/ping.c \
	src/guest/tcp.c \
	src/guest/tcp_input.c \
	src/netns/kernel.c \
	src/netns/kernel_exec.c \
	src/netns/kernel_tap.c \
	src/backends/netdev.c \
	src/backends/netdev_mac.c \
	src/backends/queue.c \
	src/backends/sockio.c \
	src/backends/sockio_stream.c \
	src/backends/sockio_dgram.c \
	src/backends/sockio_peer.c \
	src/backends/socket.c \
	src/backends/stream.c \
	src/backends/dgram.c \
	src/backends/user.c \
	src/backends/userops.c \
	src/backends/usernet.c \
	src/backends/userframes.c \
	src/backends/userguestfwd.c \
	src/backends/userinfo.c \
	src/os/tapdev.c \
	src/backends/tap.c \
	src/backends/vde.c \
	src/backends/vdeserver.c \
	src/backends/vdectl.c \
	src/backends/vdeport.c \
	src/backends/hubport.c \
	src/backends/passt.c \
	src/backends/vxlan.c \
	src/backends/vxlan_conf.c \
	src/backends/vxlan_show.c
TUI_SRCS := \
	src/tui/tui.c \
	src/tui/screen.c \
	src/tui/overlay.c \
	src/tui/frameview.c \
	src/tui/term.c \
	src/tui/text.c \
	src/tui/prompt.c \
	src/tui/panel_topology.c \
	src/tui/panel_frames.c \
	src/tui/panel_mac.c \
	src/tui/panel_counters.c \
	src/tui/panel_map.c \
	src/tui/lesson.c
MAIN_SRC := src/main.c

# Unit tests: tests/unit/test_MODULE.c, one line here each.
TESTS := \
	tests/unit/test_util \
	tests/unit/test_loop \
	tests/unit/test_queue \
	tests/unit/test_sockio \
	tests/unit/test_frame \
	tests/unit/test_hub \
	tests/unit/test_fdb \
	tests/unit/test_bridge \
	tests/unit/test_stp \
	tests/unit/test_graph \
	tests/unit/test_guest \
	tests/unit/test_stack \
	tests/unit/test_topo \
	tests/unit/test_commands \
	tests/unit/test_expect \
	tests/unit/test_map \
	tests/unit/test_hopfilter \
	tests/unit/test_qemu \
	tests/unit/test_report \
	tests/unit/test_trace \
	tests/unit/test_vdeserver

CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
TUI_OBJS := $(TUI_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS := $(TESTS:%=$(BUILD)/%) $(BUILD)/tests/unit/test_prompt
HDRS := $(wildcard src/*/*.h)

.PHONY: all test unit fuzz-replay fuzz-build fuzz layers regress decode tui interop check-asan bench run deps clean install-extcap

all: qnetsim

qnetsim: $(BUILD)/qnetsim
	cp $< $@

$(BUILD)/qnetsim: $(CORE_OBJS) $(TUI_OBJS) $(BUILD)/src/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The prompt's test links the UI objects (and ncurses) too.
$(BUILD)/tests/unit/test_prompt: tests/unit/test_prompt.c $(CORE_OBJS) $(TUI_OBJS) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(CORE_OBJS) $(TUI_OBJS) $(LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(CORE_OBJS) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(CORE_OBJS) $(LDLIBS) $(CMOCKA_LIBS)

unit: $(TEST_BINS)
	@set -e; for t in $(TEST_BINS); do echo "== $$t"; $$t; done

# Fuzz targets: tests/fuzz/fuzz_NAME.c, one line here each.
FUZZ_TARGETS := topo stream frame guest bridge cmd vde user qemu vxlan monitor
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/replay_%)

$(BUILD)/tests/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(CORE_OBJS) $(LDLIBS)

# Every corpus input and every saved crash, once each (make test).
fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for t in $(FUZZ_TARGETS); do \
		$(BUILD)/tests/fuzz/replay_$$t tests/fuzz/corpus/$$t tests/fuzz/regressions/$$t; \
	done

# libFuzzer builds: clang, ASan + UBSan, frames allocated to their exact size.
FUZZ_BUILD := build-fuzz
FUZZ_TIME ?= 180
FUZZ_OPTFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -DQNETSIM_EXACT_FRAMES

$(BUILD)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(CORE_OBJS) $(LDLIBS)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPTFLAGS="$(FUZZ_OPTFLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" \
		$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/fuzz_%)

# Each target for FUZZ_TIME seconds, from a copy of its corpus; new crashes
# land in build-fuzz/crashes/NAME/ (copy one to tests/fuzz/regressions/NAME/
# once fixed). FUZZ_TARGETS=topo narrows it.
fuzz: deps
	$(MAKE) fuzz-build
	FUZZ_BIN=$(FUZZ_BUILD)/tests/fuzz FUZZ_TIME=$(FUZZ_TIME) scripts/fuzz $(FUZZ_TARGETS)

# No layer uses a higher one, nor names a back-end from outside backends/,
# beyond the uses listed in tests/layers.allow (scripts/layers).
layers: $(BUILD)/qnetsim
	scripts/layers $(BUILD)

# The frame decoder against tshark's decoding of the same frames.
$(BUILD)/tests/decode/decode_pcap: tests/decode/decode_pcap.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(CORE_OBJS) $(LDLIBS)

decode: $(BUILD)/qnetsim $(BUILD)/tests/decode/decode_pcap
	QNETSIM=$(BUILD)/qnetsim DECODE=$(BUILD)/tests/decode/decode_pcap tests/decode/run.sh

regress: $(BUILD)/qnetsim
	QNETSIM=$(BUILD)/qnetsim tests/regress/run.sh

tui: $(BUILD)/qnetsim
	QNETSIM=$(BUILD)/qnetsim tests/tui/run.sh

# A scriptable (and, on purpose, badly behaved) socket peer.
$(BUILD)/tests/interop/qpeer: tests/interop/qpeer.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

interop: $(BUILD)/qnetsim $(BUILD)/tests/interop/qpeer
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/run.sh
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/user.sh
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/host.sh
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/hostile.sh
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/passt.sh
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/vxlan.sh
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/monitor.sh
	QNETSIM=$(BUILD)/qnetsim QPEER=$(BUILD)/tests/interop/qpeer tests/interop/capture.sh

# Wireshark's extcap program (docs/capture.md), into the personal extcap
# directories of Wireshark 4.0 (~/.config/wireshark/extcap) and 4.2 and
# later (~/.local/lib/wireshark/extcap); EXTCAP_DIR=DIR puts it in DIR.
EXTCAP_DIRS := $(if $(EXTCAP_DIR),$(EXTCAP_DIR),$(HOME)/.config/wireshark/extcap $(HOME)/.local/lib/wireshark/extcap)
install-extcap: $(BUILD)/qnetsim
	@for d in $(EXTCAP_DIRS); do \
		mkdir -p "$$d" && \
		sed 's|@QNETSIM@|$(abspath $(BUILD)/qnetsim)|' scripts/qnetsim-extcap.in > "$$d/qnetsim-extcap" && \
		chmod 755 "$$d/qnetsim-extcap" && echo "installed $$d/qnetsim-extcap"; \
	done

# deps first, then a new make: its pkg-config flags are read after the install.
test: deps
	$(MAKE) unit fuzz-replay layers regress decode tui interop

check-asan:
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1 \
	$(MAKE) BUILD=build-asan OPTFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" test

$(BUILD)/bench/bench: bench/bench.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(CORE_OBJS) $(LDLIBS)

$(BUILD)/bench/sockbench: bench/sockbench.c $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(CORE_OBJS) $(LDLIBS)

$(BUILD)/bench/vdebench: bench/vdebench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lvdeplug

bench: $(BUILD)/bench/bench $(BUILD)/bench/sockbench $(BUILD)/bench/vdebench $(BUILD)/qnetsim
	$(BUILD)/bench/bench
	$(BUILD)/bench/sockbench
	QNETSIM=$(BUILD)/qnetsim bench/scale.sh
	QNETSIM=$(BUILD)/qnetsim bench/tui.sh
	QNETSIM=$(BUILD)/qnetsim bench/usernet.sh
	QNETSIM=$(BUILD)/qnetsim VDEBENCH=$(BUILD)/bench/vdebench bench/vde.sh

deps:
	scripts/install-deps

run: deps
	$(MAKE) qnetsim
	./qnetsim topologies/qemu-vlans.ini

# A fresh Debian 12 root (debootstrap, chroot) runs the README's commands on
# the committed HEAD; needs root and the network; not part of test.
# FRESH_CHECK_ARGS: e.g. --mode B, --fresh (docs/install.md).
.PHONY: fresh-check
fresh-check:
	scripts/fresh-check $(FRESH_CHECK_ARGS)

clean:
	rm -rf build build-asan build-fuzz qnetsim
