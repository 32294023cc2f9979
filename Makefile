# simbal: see README.md.  Targets: all (default), check, bench, bench-scale, demo, deps,
# install, lint, valgrind, fuzz, clean.  SAN=1 builds with AddressSanitizer and UBSan
# under build/san, FUZZ=1 with clang's libFuzzer under build/libfuzzer (make fuzz
# does); everything else goes to build/.

VERSION := $(shell cat VERSION)
PREFIX ?= /usr/local
DESTDIR ?=
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
CPPFLAGS += -D_GNU_SOURCE -DSIMBAL_VERSION='"$(VERSION)"' -Ilib
# OpenBLAS and OpenMP only for the programs that use lib/nn (--as-needed):
# OpenBLAS starts its threads when loaded.
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS := $(or $(shell pkg-config --libs openblas 2>/dev/null),-lopenblas)
LIBS := -Wl,--as-needed -lpng -ljpeg -lz -lm $(BLAS_LIBS) -fopenmp

ifeq ($(FUZZ),1)
BUILD := build/libfuzzer
CC := clang
CFLAGS += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
# (-O1 does not vectorize the loops nn.c asks to: no warning about it)
CFLAGS += -Wno-pass-failed
# libFuzzer's own main drives the harnesses.
FUZZ_DRIVER := -fsanitize=fuzzer
else ifeq ($(SAN),1)
BUILD := build/san
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
BUILD := build
endif

ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) -MMD -MP

PROGS := $(sort $(basename $(notdir $(wildcard bin/*.c))))
SCRIPTS := $(sort $(notdir $(wildcard bin/*.sh)))
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/obj/lib/%.o,$(wildcard lib/*/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
MANPAGES := $(wildcard man/man*/*.[1-9])

BINS := $(addprefix $(BUILD)/bin/,$(PROGS) $(SCRIPTS:.sh=))
# The parser harnesses: libFuzzer's under FUZZ=1, otherwise each with
# fuzz/replay.c's main, which make check runs over the committed corpus.
FUZZ_BINS := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

.PHONY: all check bench bench-scale demo deps install lint valgrind fuzz fuzz-bins clean unit

all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The SSIM kernel is the hot loop of the metric: full vectorization, and
# multiply-adds fused (ISO C mode would forbid it).
$(BUILD)/obj/lib/metric/ssim.o: ALL_CFLAGS += -O3 -ffp-contract=fast -Wno-psabi

# Products and sums rounded apart, as written: evaluation's fused pass
# (conv3) must give the bits of the layers one by one (nn).
$(BUILD)/obj/lib/nn/nn.o: ALL_CFLAGS += -O3 -ffp-contract=off -fopenmp $(BLAS_CFLAGS)
$(BUILD)/obj/bench/nn_bench.o: ALL_CFLAGS += -fopenmp $(BLAS_CFLAGS)
$(BUILD)/obj/bench/fma_peak.o: ALL_CFLAGS += -fopenmp -Wno-psabi
$(BUILD)/obj/bench/conv3_speed.o: ALL_CFLAGS += -fopenmp
$(BUILD)/obj/bench/winograd_probe.o: ALL_CFLAGS += -fopenmp $(BLAS_CFLAGS)
$(BUILD)/obj/lib/learn/fid.o: ALL_CFLAGS += $(BLAS_CFLAGS)
$(BUILD)/obj/lib/nn/conv3.o: ALL_CFLAGS += -O3 -ffp-contract=off -fopenmp -Wno-psabi
# The UNet's layers (issue 18): OpenMP over channels, groups, heads and images.
$(addprefix $(BUILD)/obj/lib/nn/,act.o groupnorm.o attention.o pointwise.o): ALL_CFLAGS += -O3 -fopenmp -Wno-psabi $(BLAS_CFLAGS)

$(BUILD)/libsimbal.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/bin/%.o $(BUILD)/libsimbal.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $^ $(LIBS)

# Shell front-ends: the version, and lib/cli/cli.sh's shared functions in
# place of the line @CLI_SH@.
$(BUILD)/bin/%: bin/%.sh lib/cli/cli.sh VERSION
	@mkdir -p $(@D)
	sed -e 's/@VERSION@/$(VERSION)/' -e '/^@CLI_SH@$$/{r lib/cli/cli.sh' -e 'd;}' $< >$@.tmp && \
		chmod 755 $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/obj/tests/unit/unit.o $(BUILD)/libsimbal.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $^ $(LIBS)

unit: $(UNIT_TESTS)

$(BUILD)/fuzz/%: $(BUILD)/obj/fuzz/%.o $(BUILD)/obj/fuzz/fuzz.o \
		$(if $(FUZZ_DRIVER),,$(BUILD)/obj/fuzz/replay.o) $(BUILD)/libsimbal.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(CFLAGS) $(FUZZ_DRIVER) -o $@ $^ $(LIBS)

fuzz-bins: $(FUZZ_BINS)

deps:
	@scripts/deps.sh

# deps runs first and alone (apt-get), also under make -j.
check: deps
	@$(MAKE) --no-print-directory all unit fuzz-bins
	@tests/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)

# The peers are installed if they can be; a row without its peer shows -.
bench:
	@scripts/deps.sh bench || { echo "bench: the peers could not be installed; their columns show -" >&2; \
		scripts/deps.sh; }
	@$(MAKE) --no-print-directory all $(BUILD)/bench/ssim_kernel $(BUILD)/bench/nn_bench \
		$(BUILD)/bench/gan_flops $(BUILD)/bench/fma_peak
	@bench/bench.sh $(BUILD)

# ssimcls on SCALE_IMAGES (default 200,000) synthetic PNGs, -j 1 and 2.
bench-scale: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/synth_images
	@PATH="$(CURDIR)/$(BUILD)/bench:$$PATH" bench/bench-scale.sh $(BUILD)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libsimbal.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $^ $(LIBS)

# The core programs' suites under valgrind's memcheck.
valgrind:
	@scripts/deps.sh valgrind
	@$(MAKE) --no-print-directory all
	@scripts/valgrind.sh $(BUILD)

# Each parser harness for FUZZ_SECONDS from the committed corpus; see fuzz/README.
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@scripts/fuzz.sh build/libfuzzer $(FUZZ_SECONDS)

# -Werror builds, and the man pages as mandoc, groff and man -l read them.
lint:
	$(MAKE) --no-print-directory BUILD=build/lint CFLAGS='-O2 -Werror' all unit fuzz-bins
	scripts/manlint.sh $(MANPAGES)
	scripts/layers.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	for s in 1 5 7; do \
		ls man/man$$s/*.$$s >/dev/null 2>&1 || continue; \
		install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 644 man/man$$s/*.$$s $(DESTDIR)$(MANDIR)/man$$s; \
	done

clean:
	rm -rf build

.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
