# augcls.mk: GM-augCls (the paper's Figure 5) as Make stages, each a file,
# so that make -j runs independent stages side by side, a re-run redoes
# only what changed, and an interrupted run resumes from the last stage it
# finished (the trainings from their last checkpoint).
#
#   make -f pipelines/augcls.mk DATA=lt.tsv VAL=test.tsv OUT=aug
#
# Each training takes every core: on a machine with few, run make without
# -j (two gantrain side by side on 2 cores took 4.7 to 5.6 times as long
# each as one alone), or give each its share (CLSTRAIN='--augment -j 1').
#
# DATA     the imbalanced training manifest (path<TAB>class); required
# VAL      the validation manifest; required
# HIER     class<TAB>superclass lines, for the SSIM-supSubCls of DATA
#          (default: each class its own super-class); SSIM ssimcls options
# OUT      where the stages go (default: augcls)
# ALPHA    thresh's threshold (default 0.9, the paper's)
# EPS      a step is taken again only while validation top-1 rose by more
#          than EPS (default 0.001)
# STEPS    at most this many steps (default 2, the paper's)
# OVER     images drawn per image wanted, room for the filter (default 2)
# ARCH     the classifier (default resnet20), EPOCHS (default 15)
# KIMG     the generator's training length (default 400)
# SEED     every seed (default 1)
# CLSTRAIN further clstrain options (default --augment), the same for every
#          classifier; GANTRAIN further gantrain options; GANSAMPLE further
#          gansample options (--truncation), for the images of every step
# BIN      where the programs are (default: found on PATH)
#
# Every number and option is checked before anything runs, by the
# program that takes it (ALPHA, EPS, STEPS by make); so is every path
# (DATA, VAL, HIER, OUT, BIN): make cannot take one with white space, nor
# with any of : ; & | < > ' " ` \ * ? [ ] % $ # ( ) , (link to it under a
# plain name).  The image paths inside the manifests may hold any of them.
# Tools run in the C locale, whatever LC_ALL or LANG say.
#
# Targets: augcls (the default): $(OUT)/final.tsv, the balanced manifest,
# $(OUT)/final.eval, its classifier's clseval, and $(OUT)/metric.tsv,
# ssimcls of DATA.  baselines: the same
# classifier on the original set (orig), on it with the generator's
# images unfiltered (noselect, the paper's ablation), with the
# class-balanced loss (cb), with random oversampling (oversample):
# $(OUT)/base/*.eval.  Step s (1, 2, ...) lives in $(OUT)/s<s>: its
# classifier, trained on DATA and the images of gen/ kept by the step
# before's (s1: by the classifier of DATA, $(OUT)/c0), and why it stopped.

DATA ?=
VAL ?=
HIER ?=
SSIM ?=
OUT ?= augcls
ALPHA ?= 0.9
EPS ?= 0.001
STEPS ?= 2
OVER ?= 2
ARCH ?= resnet20
EPOCHS ?= 15
KIMG ?= 400
SEED ?= 1
CLSTRAIN ?= --augment
GANTRAIN ?=
GANSAMPLE ?=
BIN ?=

aug_bin = $(if $(BIN),$(BIN)/,)
# The options of every classifier.
aug_cls_opts = --arch $(ARCH) --epochs $(EPOCHS) --seed $(SEED) $(CLSTRAIN)
aug_mk := $(abspath $(lastword $(MAKEFILE_LIST)))
include $(dir $(aug_mk))common.mk

# A bad number, option or path stops make before any training, not at the
# stage that uses it after hours.  A number is one word; its range, and
# the options, are the programs' own, asked of them (pipe_ask): each
# variable on its own, so that the message names it, then each program's
# options together as its stages give them.  The samples of step s are
# drawn with seed SEED + s.
$(call pipe_check_paths,DATA VAL HIER OUT BIN)
$(call pipe_check_number,ALPHA,v > 0 && v <= 1,the threshold must be above 0 and at most 1)
$(call pipe_check_number,EPS,1,not a number)
$(call pipe_check_number,STEPS,v ~ /^[0-9]+$$/ && v >= 1 && v <= 100,not a whole number of steps from 1 to 100)
$(foreach v,OVER KIMG EPOCHS SEED,$(call pipe_check_number,$v,1,not a number))
$(call pipe_check_programs,$(addprefix $(aug_bin),gantrain clstrain clseval clsprob quota thresh gansample \
	imgsplit ssimcls))
aug_nowhere := $(pipe_nowhere)
aug_clstrain = $(aug_bin)clstrain -q -o $(aug_nowhere)
aug_gantrain = $(aug_bin)gantrain -q -o $(aug_nowhere)
aug_gansample = $(aug_bin)gansample --quota $(aug_nowhere)
$(call pipe_ask,OVER,$(aug_bin)quota --over $(OVER) $(aug_nowhere))
$(call pipe_ask,KIMG,$(aug_gantrain) --kimg $(KIMG) $(aug_nowhere))
$(call pipe_ask,EPOCHS,$(aug_clstrain) --epochs $(EPOCHS) $(aug_nowhere))
$(call pipe_ask,ARCH,$(aug_clstrain) --arch $(ARCH) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_clstrain) --seed $(SEED) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_gantrain) --seed $(SEED) $(aug_nowhere))
aug_last_seed := $(shell $(pipe_c) expr $(SEED) + $(STEPS))
$(call pipe_ask,SEED STEPS,$(aug_gansample) --seed $(aug_last_seed) $(aug_nowhere))
# clstrain as aug_train runs it, with the options $1 of a baseline
aug_ask_cls = $(call pipe_ask,CLSTRAIN,$(aug_clstrain) $(aug_cls_opts) $1 --val $(aug_nowhere) \
	--best $(aug_nowhere) --log $(aug_nowhere) $(aug_nowhere))
$(call aug_ask_cls,)
$(call aug_ask_cls,--loss cb)
$(call aug_ask_cls,--oversample)
$(call pipe_ask,GANTRAIN,$(aug_gantrain) --log $(aug_nowhere) --kimg $(KIMG) --seed $(SEED) $(GANTRAIN) \
	$(aug_nowhere))
$(call pipe_ask,GANSAMPLE,$(aug_gansample) --seed $(aug_last_seed) $(GANSAMPLE) $(aug_nowhere))
$(if $(SSIM),$(call pipe_ask,SSIM,$(aug_bin)ssimcls $(if $(HIER),-H $(HIER)) $(SSIM) $(aug_nowhere)))
aug_steps := $(shell $(pipe_c) seq 1 $(STEPS))

.PHONY: augcls baselines
augcls: $(OUT)/final.tsv $(OUT)/final.eval $(OUT)/metric.tsv
baselines: $(foreach b,orig noselect cb oversample,$(OUT)/base/$b.eval)

# The first words of every recipe: however it ends, the stage's
# temporaries ($@.tmp*) go.  make's sh has no pipefail: a recipe runs no
# pipe whose status matters; its commands write files one after the
# other, joined by &&, and the last renames $@.tmp to $@.
aug_cleanup = trap 'rm -rf $@.tmp*' EXIT HUP INT TERM;

# The parameters of each stage, as the command line they give: a stage
# depends on its .params file, rewritten when they change (as in
# metric.mk).  The trainings' partial checkpoints survive a failure (their
# resume), not a change of parameters.
aug_params.gan = gantrain --kimg $(KIMG) --seed $(SEED) $(GANTRAIN)
aug_params.cls = clstrain $(aug_cls_opts) --val $(VAL)
# The images drawn and those kept.  GANSAMPLE, when set, is named after
# the rest, so that an empty one leaves the file of a run made before it
# existed as it was.
aug_params.filter = thresh -a $(ALPHA) / quota --over $(OVER)$(if $(strip $(GANSAMPLE)), / gansample $(GANSAMPLE))
aug_params.steps = STEPS $(STEPS) EPS $(EPS)
aug_params.metric = ssimcls $(if $(HIER),-H $(HIER)) $(SSIM)
aug_same = $(and $(findstring $(strip $1),$(strip $2)),$(findstring $(strip $2),$(strip $1)))

$(foreach s,gan cls filter steps metric,$(eval $(OUT)/$s.params: \
	$(if $(call aug_same,$(file <$(OUT)/$s.params),$(aug_params.$s)),,aug_force)))

.PHONY: aug_force
aug_force:

$(OUT)/%.params:
	@test -n "$(DATA)" -a -n "$(VAL)" || { echo "augcls.mk: set DATA=train.tsv VAL=val.tsv" >&2; exit 2; }
	@mkdir -p $(@D)
	@$(aug_cleanup) printf '%s\n' $(call pipe_quote,$(strip $(aug_params.$*))) >$@.tmp && mv $@.tmp $@

# A training's start: from its partial checkpoint $1, left by a run
# stopped before, if no prerequisite is newer (the same data, the same
# parameters); from nothing otherwise.  Sets r to --resume or nothing.
aug_start = r=; \
	if [ -e $1 ] && [ -z "$$(find $^ -newer $1)" ]; then echo "augcls.mk: resuming $1" >&2; r=--resume; \
	else rm -f $1 $1.best; fi;

# The generator, trained once.  gantrain snapshots into gan.part.ckpt as
# it goes, with a line in gan.log (how far, its losses); a run of make
# after a kill resumes it.
$(OUT)/gan.ckpt: $(DATA) $(OUT)/gan.params
	$(aug_cleanup) p=$(OUT)/gan.part.ckpt; $(call aug_start,$(OUT)/gan.part.ckpt) \
	$(aug_bin)gantrain -q $$r -o $$p --log $(OUT)/gan.log --kimg $(KIMG) --seed $(SEED) $(GANTRAIN) $(DATA) && \
	mv $$p.png $(OUT)/gan.png && mv $$p $@

# A classifier: $(call aug_train,NAME,MANIFEST,extra options) makes
# NAME.ckpt, the epoch of best validation top-1 (the paper reports the
# maximum), NAME.log and NAME.eval (clseval on VAL).
define aug_train
$1.ckpt: $2 $(VAL) $(OUT)/cls.params
	$$(aug_cleanup) p=$1.part.ckpt; mkdir -p $$(@D); $$(call aug_start,$1.part.ckpt) \
	$$(aug_bin)clstrain -q $$$$r -o $$$$p $$(aug_cls_opts) $3 --val $(VAL) --best $$$$p.best --log $1.log $2 && \
	mv $$$$p.best $$@ && rm $$$$p

$1.eval: $1.ckpt $(VAL)
	$$(aug_cleanup) $$(aug_bin)clseval $$< $(VAL) >$$@.tmp && mv $$@.tmp $$@
endef

$(eval $(call aug_train,$(OUT)/c0,$(DATA),))

# How alike DATA's classes are: what the paper's curve predicts from.
$(OUT)/metric.tsv: $(DATA) $(HIER) $(OUT)/metric.params
	$(aug_cleanup) $(aug_bin)$(strip $(aug_params.metric)) $(DATA) >$@.tmp && mv $@.tmp $@

# What each class must gain to reach the largest; what is drawn for it.
$(OUT)/keep.tsv: $(DATA)
	$(aug_cleanup) $(aug_bin)quota $(DATA) >$@.tmp && mv $@.tmp $@

$(OUT)/draw.tsv: $(DATA) $(OUT)/filter.params
	$(aug_cleanup) $(aug_bin)quota --over $(OVER) $(DATA) >$@.tmp && mv $@.tmp $@

# Manifests one after the other, each line ended (awk ends the last line
# of a file that has no newline; cat would join it to the next file's).
aug_append = awk 1

# Drawn images as files: $(call aug_draw,DIR,QUOTA,SEED) makes
# DIR/gen.tsv, their manifest, and DIR/gen/, the PNGs.
define aug_draw
$1/gen.tsv: $(OUT)/gan.ckpt $2 $(OUT)/filter.params
	$$(aug_cleanup) rm -rf $1/gen && mkdir -p $1 && \
	$$(aug_bin)gansample --seed $3 --quota $2 $(GANSAMPLE) $(OUT)/gan.ckpt >$$@.tmp.pam && \
	$$(aug_bin)imgsplit $1/gen $$@.tmp.pam >$$@.tmp && mv $$@.tmp $$@
endef

# Step s: images drawn with seed SEED + s, scored by the classifier of the
# step before (c0 for s1), kept up to the quota, appended to DATA, and the
# classifier trained on that.
aug_prev = $(if $(filter 1,$1),$(OUT)/c0,$(OUT)/s$(shell $(pipe_c) expr $1 - 1)/cls)

define aug_step
$(eval $(call aug_draw,$(OUT)/s$1,$(OUT)/draw.tsv,$(shell $(pipe_c) expr $(SEED) + $1)))

$(OUT)/s$1/scored.tsv: $(OUT)/s$1/gen.tsv $(call aug_prev,$1).ckpt
	$$(aug_cleanup) $$(aug_bin)clsprob $(call aug_prev,$1).ckpt $$< >$$@.tmp && mv $$@.tmp $$@

# thresh's word on the classes it left short goes to short.txt, and on
# (its error too, if it fails).
$(OUT)/s$1/kept.tsv: $(OUT)/s$1/scored.tsv $(OUT)/keep.tsv $(OUT)/filter.params
	$$(aug_cleanup) $$(aug_bin)thresh -a $(ALPHA) -q $(OUT)/keep.tsv $$< >$$@.tmp.all 2>$$@.tmp.short; \
	st=$$$$?; cat $$@.tmp.short >&2; [ $$$$st -eq 0 ] && mv $$@.tmp.short $(OUT)/s$1/short.txt && \
	cut -f 1,2 $$@.tmp.all >$$@.tmp && mv $$@.tmp $$@

$(OUT)/s$1/train.tsv: $(OUT)/s$1/kept.tsv $(DATA)
	$$(aug_cleanup) $$(aug_append) $(DATA) $$< >$$@.tmp && mv $$@.tmp $$@

$(eval $(call aug_train,$(OUT)/s$1/cls,$(OUT)/s$1/train.tsv,))
endef

$(foreach s,$(aug_steps),$(eval $(call aug_step,$s)))

# The steps, one after the other while validation top-1 rises by more than
# EPS (step s + 1 only once step s is scored: a make of its own for each);
# steps.tsv says each step's top-1.  The final set is that of the step of
# best top-1 (the first among equals), named in final.step.
aug_top1 = awk -F'\t' '$$1 == "top1" { print $$2 }'

$(OUT)/steps.tsv: $(OUT)/c0.eval $(OUT)/steps.params $(OUT)/filter.params $(OUT)/cls.params \
		$(OUT)/gan.params $(DATA) $(VAL)
	$(aug_cleanup) prev=$$($(aug_top1) $(OUT)/c0.eval) && printf 'c0\t%s\n' "$$prev" >$@.tmp && \
	for s in $(aug_steps); do \
		$(MAKE) --no-print-directory -f $(aug_mk) $(OUT)/s$$s/cls.eval || exit 1; \
		t=$$($(aug_top1) $(OUT)/s$$s/cls.eval); \
		printf 's%s\t%s\n' $$s "$$t" >>$@.tmp; \
		awk -v a="$$t" -v b="$$prev" -v e=$(EPS) 'BEGIN { exit !(a - b > e) }' || break; \
		prev=$$t; \
	done && mv $@.tmp $@

$(OUT)/final.step: $(OUT)/steps.tsv
	$(aug_cleanup) awk -F'\t' 'NR > 1 && (b == "" || $$2 > t) { b = $$1; t = $$2 } END { print b }' $< >$@.tmp && \
	mv $@.tmp $@

$(OUT)/final.tsv: $(OUT)/final.step
	$(aug_cleanup) cp $(OUT)/$$(cat $<)/train.tsv $@.tmp && mv $@.tmp $@

$(OUT)/final.eval: $(OUT)/final.step
	$(aug_cleanup) cp $(OUT)/$$(cat $<)/cls.eval $@.tmp && mv $@.tmp $@

# The baselines, on the classifier's settings: the original set (c0), the
# generator's images unfiltered up to the quota, the class-balanced loss,
# random oversampling.
$(OUT)/base/orig.eval: $(OUT)/c0.eval
	$(aug_cleanup) mkdir -p $(@D) && cp $< $@.tmp && mv $@.tmp $@

$(eval $(call aug_draw,$(OUT)/base/noselect,$(OUT)/keep.tsv,$(shell $(pipe_c) expr $(SEED) + 1)))

$(OUT)/base/noselect/train.tsv: $(OUT)/base/noselect/gen.tsv $(DATA)
	$(aug_cleanup) $(aug_append) $(DATA) $< >$@.tmp && mv $@.tmp $@

$(eval $(call aug_train,$(OUT)/base/noselect/cls,$(OUT)/base/noselect/train.tsv,))
$(eval $(call aug_train,$(OUT)/base/cb,$(DATA),--loss cb))
$(eval $(call aug_train,$(OUT)/base/oversample,$(DATA),--oversample))

$(OUT)/base/noselect.eval: $(OUT)/base/noselect/cls.eval
	$(aug_cleanup) cp $< $@.tmp && mv $@.tmp $@
