# metric.mk: SSIM-mergeCls and SSIM-supSubCls as Make stages, each a file,
# so that a larger workflow can depend on them and a re-run redoes only
# what changed.  ssimcls(1) is the same chain as one command.
#
#   make -f pipelines/metric.mk DATA=train.tsv HIER=hier.tsv OUT=metric
#
# DATA   the manifest (path<TAB>class); required
# HIER   class<TAB>superclass lines; empty: each class its own super-class
# OUT    where the stages go (default: metric)
# K      pairs per image (default 2), SEED (default 1)
# SSIM   options for ssimpair, e.g. "--size 32x32 --gray"
# JOBS   SSIM processes through GNU parallel (default 1: no parallel)
# BIN    where the programs are (default: found on PATH)
#
# Targets: $(OUT)/metric.tsv (the keys ssimcls prints), and on the way
# $(OUT)/{flat,groups}.{pairs,ssim,mean}.  A changed DATA, HIER, K, SEED
# or SSIM redoes the stages it concerns, as a newer DATA or HIER does:
# $(OUT)/*.params hold what the stages were made with.
#
# K, SEED, SSIM and JOBS are checked before anything runs (K, SEED and
# SSIM by the programs that take them); so are the paths (DATA, HIER,
# OUT, BIN): make cannot take one with white space, nor with any of
# : ; & | < > ' " ` \ * ? [ ] % $ # ( ) , (link to it under a plain name).
# The image paths inside the manifest may hold any of them.
# Tools run in the C locale, whatever LC_ALL or LANG say.

DATA ?=
HIER ?=
OUT ?= metric
K ?= 2
SEED ?= 1
SSIM ?=
JOBS ?= 1
BIN ?=

metric_bin = $(if $(BIN),$(BIN)/,)
include $(dir $(lastword $(MAKEFILE_LIST)))common.mk

# K and SEED are one word each, in the ranges of imgpairs's -k and
# --seed, and SSIM options ssimpair takes: asked of them (pipe_ask).
$(call pipe_check_paths,DATA HIER OUT BIN)
$(foreach v,K SEED,$(call pipe_check_number,$v,1,not a number))
$(call pipe_check_number,JOBS,v ~ /^[1-9][0-9]*$$/,not a whole number from 1)
$(call pipe_check_programs,$(addprefix $(metric_bin),supgroup imgpairs ssimpair meanreduce ssimcls))
$(call pipe_ask,K,$(metric_bin)imgpairs -k $(K) $(pipe_nowhere))
$(call pipe_ask,SEED,$(metric_bin)imgpairs --seed $(SEED) $(pipe_nowhere))
$(call pipe_ask,SSIM,$(metric_bin)ssimpair $(SSIM) $(pipe_nowhere))

.PHONY: metric
metric: $(OUT)/metric.tsv

# The first words of every recipe: however it ends, the stage's
# temporaries ($@.tmp and $@.tmp.*) go.  make's sh has no pipefail, so a
# recipe runs no pipe whose status matters: its commands write files one
# after the other, joined by &&, and the last renames $@.tmp to $@.
metric_cleanup = trap 'rm -f $@.tmp*' EXIT HUP INT TERM;

# The parameters of each stage, as the command line they give: a stage
# depends on its .params file, which is rewritten when they change.  Make
# compares them as it reads this file, and only a changed one depends on
# metric_force: a run with nothing to do runs no recipe at all.
metric_group.flat = --flat=all
metric_group.groups = $(if $(HIER),$(HIER),--self)
metric_params.flat.pairs = supgroup $(metric_group.flat) $(DATA) | imgpairs -k $(K) --seed $(SEED)
metric_params.groups.pairs = supgroup $(metric_group.groups) $(DATA) | imgpairs -k $(K) --seed $(SEED)
metric_params.ssim = ssimpair $(SSIM)
metric_same = $(and $(findstring $(strip $1),$(strip $2)),$(findstring $(strip $2),$(strip $1)))

$(foreach s,flat.pairs groups.pairs ssim,$(eval $(OUT)/$s.params: \
	$(if $(call metric_same,$(file <$(OUT)/$s.params),$(metric_params.$s)),,metric_force)))

.PHONY: metric_force
metric_force:

# Each stage makes its .params first: the place to stop a run without DATA.
$(OUT)/%.params:
	@test -n "$(DATA)" || { echo "metric.mk: set DATA=manifest.tsv" >&2; exit 2; }
	@mkdir -p $(@D)
	@$(metric_cleanup) printf '%s\n' $(call pipe_quote,$(strip $(metric_params.$*))) >$@.tmp && mv $@.tmp $@

# supgroup writes a file of its own rather than a pipe into imgpairs: a
# class missing from HIER halfway through would otherwise leave imgpairs a
# truncated manifest and the stage looking fine.
$(OUT)/flat.pairs: $(DATA) $(OUT)/flat.pairs.params
$(OUT)/groups.pairs: $(DATA) $(HIER) $(OUT)/groups.pairs.params
$(OUT)/flat.pairs $(OUT)/groups.pairs:
	$(metric_cleanup) \
	$(metric_bin)supgroup $(metric_group.$(basename $(@F))) $(DATA) >$@.tmp.grp && \
	$(metric_bin)imgpairs -k $(K) --seed $(SEED) $@.tmp.grp >$@.tmp && mv $@.tmp $@

# ssimpair, alone or as ssimcls -j runs it: over JOBS processes that live
# for the whole stream (--round-robin), so that each keeps its cache of
# decoded images, the lines numbered on the way out and sorted back.  A
# job that gets no line (JOBS more than the blocks) ends quietly instead
# of calling its empty input an error.
metric_ssimpair = $(strip $(metric_bin)ssimpair $(SSIM))
metric_job = IFS= read -r l || [ -n "$$l" ] || exit 0; \
	{ printf "%s\n" "$$l"; exec cat; } | exec $(metric_ssimpair)
metric_ssim_one = $(metric_ssimpair) <$< >$@.tmp
metric_ssim_jobs = awk -v OFS='\t' '{ print NR, $$0 }' $< >$@.tmp.in && \
	parallel --pipe --round-robin --block 256k --halt now,fail=1 -j $(JOBS) \
		-q sh -c '$(metric_job)' <$@.tmp.in >$@.tmp.out && \
	sort -t '	' -k1,1n -o $@.tmp.out $@.tmp.out && cut -f2- $@.tmp.out >$@.tmp

# The SSIMs are made by a pattern rule only, which would make them
# intermediate files that make deletes when done; keep them, they are the
# dearest stage and worth inspecting.
.SECONDARY: $(OUT)/flat.ssim $(OUT)/groups.ssim

$(OUT)/%.ssim: $(OUT)/%.pairs $(OUT)/ssim.params
	$(metric_cleanup) \
	$(if $(filter 1,$(JOBS)),$(metric_ssim_one),$(metric_ssim_jobs)) && mv $@.tmp $@

$(OUT)/%.mean: $(OUT)/%.ssim
	$(metric_cleanup) $(metric_bin)meanreduce $< >$@.tmp && mv $@.tmp $@

# The keys of ssimcls, from the two means as ssimcls itself makes them.
$(OUT)/metric.tsv: $(OUT)/flat.mean $(OUT)/groups.mean
	$(metric_cleanup) $(metric_bin)ssimcls --from-means $^ >$@.tmp && mv $@.tmp $@
