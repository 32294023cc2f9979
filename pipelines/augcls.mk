# augcls.mk: GM-augCls (the paper's Figure 5) as Make stages, each a file,
# so that make -j runs independent stages side by side, a re-run redoes
# only what changed, and an interrupted run resumes from the last stage it
# finished (the trainings from their last checkpoint).
#
#   make -f pipelines/augcls.mk DATA=lt.tsv VAL=test.tsv OUT=aug
#   make -f pipelines/augcls.mk DATA=lt.tsv VAL=test.tsv OUT=aug GEN=diffusion
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
# GEN      the generator: gan (the default: gantrain, gansample; the
#          paper's cGAN-augCls) or diffusion (difftrain, diffsample; its
#          GD-augCls)
# ALPHA    thresh's threshold (default 0.9, the paper's)
# FILL     oversample: where a step's filter kept fewer of a class than its
#          quota, its set is topped up with the class's own images drawn
#          again at random (longtail --replace, seed SEED), so that it is
#          balanced whatever the generator gave (default empty: not)
# EPS      a step is taken again only while validation top-1 rose by more
#          than EPS (default 0.001)
# STEPS    at most this many steps (default 2, the paper's)
# OVER     images drawn per image wanted, at most: room for the filter
#          (default 2); a class's draw stops at the end of the part in
#          which its quota passed the filter
# PART     images the generator draws at a time, at most (default 500):
#          a draw stopped resumes from its last whole part, and a class's
#          draw stops at the end of a part, so PART sets which images the
#          filter sees (another PART, or OVER, draws the images again)
# ARCH     the classifier (default resnet20), EPOCHS (default 15)
# BUDGET   how long every classifier trains: epochs (the default, the
#          paper's: EPOCHS epochs of its own set, so that a larger set
#          gets more steps) or steps (as many steps as EPOCHS epochs of
#          DATA in clstrain's batches, CLSTRAIN's --batch or 128: the
#          same number of updates for every set, clstrain --steps)
# KIMG     the generator's training length, in thousands of images
#          (default: its program's own, gantrain's 400, difftrain's 300)
# GUIDANCE with GEN=diffusion, the scale of classifier guidance: a noisy
#          classifier of DATA (diffcls) trained, and diffsample guided by it
#          at this scale (default empty, or 0: none; the model's own
#          classifier-free guidance, diffsample --cfg, either way)
# SEED     every seed (default 1)
# SEEDS    several seeds of the classifiers: a run of each in
#          $(OUT)/seed<s> (SEED=s there: its classifiers, its steps, its
#          baselines), all sharing the generator and its pool, trained and
#          drawn once with SEED; augreport $(OUT)/seed1 $(OUT)/seed2 ...
#          sums them up (default empty: the one run of SEED in $(OUT));
#          a seed is written without leading zeros
# CLSTRAIN further clstrain options (default --augment), the same for every
#          classifier; GANTRAIN further gantrain options; GANSAMPLE further
#          gansample options (--truncation), for the images of every step;
#          DIFFTRAIN, DIFFCLS, DIFFSAMPLE further options of difftrain, of
#          diffcls (with GUIDANCE) and of diffsample (--steps, --cfg;
#          default --steps 10, which a DIFFSAMPLE given replaces: on
#          Fashion-MNIST-LT the judge gave the five smallest classes their
#          class as often as at diffsample's 25, 0.974, in two fifths of
#          the model's passes, FID-cls 2.13 against 1.55; the filter takes
#          what is off its class)
# BIN      where the programs are (default: found on PATH)
#
# Every number and option is checked before anything runs, by the
# program that takes it (ALPHA, EPS, STEPS by make); so is every path
# (DATA, VAL, HIER, OUT, BIN): make cannot take one with white space, nor
# with any of : ; & | < > ' " ` \ * ? [ ] % $ # ( ) , (link to it under a
# plain name).  The image paths inside the manifests may hold any of them.
# The variables of the generator not chosen (GANTRAIN, GANSAMPLE with
# GEN=diffusion; DIFF*, GUIDANCE with GEN=gan) are not used, nor checked.
# Tools run in the C locale, whatever LC_ALL or LANG say.
#
# Targets: augcls (the default): the generator's final.tsv, the balanced
# manifest, and final.eval, its classifier's clseval, and $(OUT)/metric.tsv,
# ssimcls of DATA.  baselines: the same classifier on the original set
# (orig), on it with the generator's images unfiltered (noselect, the
# paper's ablation: the first of each class's quota of step 1's), with the
# class-balanced loss (cb), with random oversampling (oversample), with
# the logit-adjusted loss (la), the original classifier adjusted after the
# fact (posthoc: clseval --adjust 1), on the set with SMOTE's images up to
# each quota (smote), and the generator's final set with the logit-adjusted
# loss (final-la): base/*.eval.  check: nothing but the checks.
#
# Where: the stages of both generators may share one OUT, each run
# (GEN=gan, then GEN=diffusion) making only its own and reusing those
# they share, $(OUT)/c0 (the classifier of DATA), metric.tsv, keep.tsv
# and base/{orig,cb,oversample,la,posthoc,smote}.  The GAN's are where
# they were before there was a choice, in $(OUT): gan.ckpt (gan.log,
# gan.png), s<s>/, steps.tsv, final.step, final.tsv, final.eval,
# base/noselect.eval, base/final-la.eval.  The
# diffusion's are in $(OUT)/gd (guided diffusion, as the paper names it):
# gd/diff.ckpt (diff.log, diff.png), with GUIDANCE gd/guide.ckpt (the
# noisy classifier, guide.log), gd/s<s>/, gd/steps.tsv, gd/final.step,
# gd/final.tsv, gd/final.eval, gd/base/noselect.eval,
# gd/base/final-la.eval.  The generator's
# images are in pool/ (gd/pool/), drawn as the steps need them.  Step s
# (1, 2, ...) lives in s<s>: gen.tsv, the images of the pool its filter
# saw, those it kept (the classifier of the step before's; s1: that of
# DATA, $(OUT)/c0), its classifier, trained on DATA and them, and why
# it stopped.

DATA ?=
VAL ?=
HIER ?=
SSIM ?=
OUT ?= augcls
GEN ?= gan
ALPHA ?= 0.9
FILL ?=
EPS ?= 0.001
STEPS ?= 2
OVER ?= 2
PART ?= 500
ARCH ?= resnet20
EPOCHS ?= 15
BUDGET ?= epochs
KIMG ?=
GUIDANCE ?=
SEED ?= 1
SEEDS ?=
CLSTRAIN ?= --augment
GANTRAIN ?=
GANSAMPLE ?=
DIFFTRAIN ?=
DIFFCLS ?=
DIFFSAMPLE ?= --steps 10
BIN ?=

aug_bin = $(if $(BIN),$(BIN)/,)
# The options of every classifier: its budget (aug_budget, below) first.
aug_cls_opts = --arch $(ARCH) $(aug_budget) --seed $(SEED) $(CLSTRAIN)
aug_mk := $(abspath $(lastword $(MAKEFILE_LIST)))
include $(dir $(aug_mk))common.mk

ifeq ($(and $(filter 1,$(words $(value GEN))),$(filter gan diffusion,$(value GEN))),)
$(error GEN=$(value GEN): the generator must be gan or diffusion)
endif
ifneq ($(filter-out oversample,$(value FILL)),)
$(error FILL=$(value FILL): the filling must be oversample, or nothing)
endif
ifeq ($(and $(filter 1,$(words $(value BUDGET))),$(filter epochs steps,$(value BUDGET))),)
$(error BUDGET=$(value BUDGET): the budget must be epochs or steps)
endif

# BUDGET=steps: EPOCHS epochs of DATA in batches of CLSTRAIN's --batch (or
# -b), or of clstrain's 128; counted once, when DATA is there.
aug_batch = $(or $(shell $(pipe_c) printf '%s\n' $(call pipe_quote,$(value CLSTRAIN)) | awk '{ \
	for (i = 1; i <= NF; i++) \
		if (($$i == "--batch" || $$i == "-b") && i < NF) b = $$(i + 1); \
		else if ($$i ~ /^--batch=/) b = substr($$i, 9); \
		else if ($$i ~ /^-b./) b = substr($$i, 3) } \
	END { print b }'),128)
ifeq ($(BUDGET),steps)
ifeq ($(wildcard $(DATA)),)
$(error BUDGET=steps counts the images of DATA: $(if $(DATA),$(DATA) is not there,set DATA=train.tsv))
endif
aug_budget_steps := $(shell $(pipe_c) awk -v e=$(call pipe_quote,$(EPOCHS)) \
	-v b=$(call pipe_quote,$(aug_batch)) 'NF { n++ } END { print e * int((n + b - 1) / b) }' $(DATA))
endif
aug_budget.epochs = --epochs $(EPOCHS)
aug_budget.steps = --steps $(aug_budget_steps)
aug_budget = $(aug_budget.$(BUDGET))

# The generator's stages: aug_gen the stem of its files, aug_dir their
# directory (the GAN's OUT itself, as before there was a choice).
aug_gen.gan = gan
aug_gen.diffusion = diff
aug_gen := $(aug_gen.$(GEN))
aug_dir.gan = $(OUT)
aug_dir.diffusion = $(OUT)/gd
aug_dir = $(aug_dir.$(GEN))
# Where the generator and its pool are, and their seed: the run's own, or
# with SEEDS those of the run that makes the run of each seed (it gives
# them GENDIR and GENSEED on the command line; not set by hand, and never
# taken from the environment).
$(foreach v,GENDIR GENSEED,$(if $(filter environment%,$(origin $v)),$(eval override $v :=)))
aug_gen_dir = $(or $(GENDIR),$(aug_dir))
aug_gen_seed = $(or $(GENSEED),$(SEED))
# Classifier guidance: a GUIDANCE other than 0.
aug_guided := $(if $(filter diffusion,$(GEN)),$(shell $(pipe_c) awk -v v=$(call pipe_quote,$(value GUIDANCE)) \
	'BEGIN { if (v != "" && v + 0 != 0) print 1 }'))
# The GAN's length when KIMG is empty: gantrain's default, written out so
# that the parameters of a run made before KIMG could be empty stay the
# same (and its generator is not trained again).
aug_kimg.gan = --kimg $(or $(KIMG),400)
aug_kimg.diffusion = $(if $(KIMG),--kimg $(KIMG))
aug_kimg = $(aug_kimg.$(GEN))

# A bad number, option or path stops make before any training, not at the
# stage that uses it after hours.  A number is one word; its range, and
# the options, are the programs' own, asked of them (pipe_ask): each
# variable on its own, so that the message names it, then each program's
# options together as its stages give them.  The generator's images are
# drawn with seed SEED + 1.
$(call pipe_check_paths,DATA VAL HIER OUT BIN GENDIR)
$(call pipe_check_number,ALPHA,v > 0 && v <= 1,the threshold must be above 0 and at most 1)
$(call pipe_check_number,EPS,1,not a number)
$(call pipe_check_number,STEPS,v ~ /^[0-9]+$$/ && v >= 1 && v <= 100,not a whole number of steps from 1 to 100)
$(call pipe_check_number,PART,v ~ /^[0-9]+$$/ && v >= 1,not a whole number of images above 0)
$(foreach v,OVER EPOCHS SEED $(if $(value GENSEED),GENSEED) $(if $(value KIMG),KIMG) $(if $(filter diffusion,$(GEN)),$(if $(value GUIDANCE),GUIDANCE)),\
	$(call pipe_check_number,$v,1,not a number))
# SEEDS: each a seed of the classifiers (SEED's range, less one: SMOTE's
# draws take s + 1), none twice.
$(foreach s,$(value SEEDS),$(if $(filter 1,$(shell $(pipe_c) awk -v v=$(call pipe_quote,$s) \
	'BEGIN { print (v ~ /^(0|[1-9][0-9]*)$$/ && v + 0 <= 4294967294) }')),,\
	$(error SEEDS=$(value SEEDS): '$s' is not a seed from 0 to 4294967294)))
$(if $(filter-out $(words $(value SEEDS)),$(words $(sort $(value SEEDS)))),\
	$(error SEEDS=$(value SEEDS): a seed given twice))
aug_programs.gan = gantrain gansample
aug_programs.diffusion = difftrain diffcls diffsample
$(call pipe_check_programs,$(addprefix $(aug_bin),$(aug_programs.$(GEN)) clstrain clseval clsprob quota thresh \
	imgsplit ssimcls smote longtail))
aug_nowhere := $(pipe_nowhere)
aug_clstrain = $(aug_bin)clstrain -q -o $(aug_nowhere)
aug_gantrain = $(aug_bin)gantrain -q -o $(aug_nowhere)
aug_gansample = $(aug_bin)gansample --quota $(aug_nowhere)
aug_difftrain = $(aug_bin)difftrain -q -o $(aug_nowhere)
aug_diffcls = $(aug_bin)diffcls -q -o $(aug_nowhere) --diffusion $(aug_nowhere)
aug_diffsample = $(aug_bin)diffsample --quota $(aug_nowhere)
aug_pool_seed := $(shell $(pipe_c) expr $(aug_gen_seed) + 1)
aug_smote_seed := $(shell $(pipe_c) expr $(SEED) + 1)
$(call pipe_ask,OVER,$(aug_bin)quota --over $(OVER) $(aug_nowhere))
$(call pipe_ask,EPOCHS,$(aug_clstrain) --epochs $(EPOCHS) $(aug_nowhere))
$(call pipe_ask,ARCH,$(aug_clstrain) --arch $(ARCH) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_clstrain) --seed $(SEED) $(aug_nowhere))
# clstrain as aug_train runs it, with the options $1 of a baseline
aug_ask_cls = $(call pipe_ask,CLSTRAIN,$(aug_clstrain) $(aug_cls_opts) $1 --val $(aug_nowhere) \
	--best $(aug_nowhere) --log $(aug_nowhere) $(aug_nowhere))
ifeq ($(GEN),gan)
$(call pipe_ask,KIMG,$(aug_gantrain) $(aug_kimg) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_gantrain) --seed $(SEED) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_gansample) --seed $(aug_pool_seed) $(aug_nowhere))
endif
$(call aug_ask_cls,)
$(call aug_ask_cls,--loss cb)
$(call aug_ask_cls,--oversample)
$(call aug_ask_cls,--loss la)
ifeq ($(GEN),gan)
$(call pipe_ask,GANTRAIN,$(aug_gantrain) --log $(aug_nowhere) $(aug_kimg) --seed $(SEED) $(GANTRAIN) \
	$(aug_nowhere))
$(call pipe_ask,GANSAMPLE,$(aug_gansample) --seed $(aug_pool_seed) $(GANSAMPLE) $(aug_nowhere))
else
$(call pipe_ask,KIMG,$(aug_difftrain) $(aug_kimg) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_difftrain) --seed $(SEED) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_diffcls) --seed $(SEED) $(aug_nowhere))
$(call pipe_ask,SEED,$(aug_diffsample) --seed $(aug_pool_seed) $(aug_nowhere))
$(if $(aug_guided),$(call pipe_ask,GUIDANCE,$(aug_diffsample) --classifier $(aug_nowhere) --guidance $(GUIDANCE) \
	$(aug_nowhere)))
$(call pipe_ask,DIFFTRAIN,$(aug_difftrain) --log $(aug_nowhere) $(aug_kimg) --seed $(SEED) $(DIFFTRAIN) \
	$(aug_nowhere))
$(call pipe_ask,DIFFCLS,$(aug_diffcls) --log $(aug_nowhere) --seed $(SEED) $(DIFFCLS) $(aug_nowhere))
$(call pipe_ask,DIFFSAMPLE,$(aug_diffsample) --seed $(aug_pool_seed) $(DIFFSAMPLE) \
	$(if $(aug_guided),--classifier $(aug_nowhere) --guidance $(GUIDANCE)) $(aug_nowhere))
endif
$(if $(SSIM),$(call pipe_ask,SSIM,$(aug_bin)ssimcls $(if $(HIER),-H $(HIER)) $(SSIM) $(aug_nowhere)))
aug_steps := $(shell $(pipe_c) seq 1 $(STEPS))

.PHONY: augcls baselines check
ifeq ($(strip $(SEEDS)),)
augcls: $(aug_dir)/final.tsv $(aug_dir)/final.eval $(OUT)/metric.tsv
baselines: $(OUT)/base/orig.eval $(aug_dir)/base/noselect.eval $(OUT)/base/cb.eval $(OUT)/base/oversample.eval \
	$(OUT)/base/la.eval $(OUT)/base/posthoc.eval $(OUT)/base/smote.eval $(aug_dir)/base/final-la.eval
else
# SEEDS: the generator (and its noisy classifier) trained here, then the
# run of each seed in turn in $(OUT)/seed<s>, drawing into this run's pool
# (one after the other: two makes drawing into one pool would undo each
# other's parts), each run making the goals asked for at once (with -j,
# augcls and baselines made apart would make a run's stages twice).
.PHONY: aug_seeds
augcls baselines: aug_seeds ;
aug_seeds: $(aug_dir)/$(aug_gen).ckpt $(if $(aug_guided),$(aug_dir)/guide.ckpt) $(aug_dir)/draw.tsv \
		$(aug_dir)/pool.params
	for s in $(SEEDS); do \
		$(MAKE) --no-print-directory -f $(aug_mk) OUT=$(OUT)/seed$$s SEED=$$s SEEDS= GENDIR=$(aug_dir) \
			GENSEED=$(SEED) $(or $(filter augcls baselines,$(MAKECMDGOALS)),augcls) || exit 1; \
	done
endif
check:
	@:

# The first words of every recipe: however it ends, the stage's
# temporaries ($@.tmp*) go.  make's sh has no pipefail: a recipe runs no
# pipe whose status matters; its commands write files one after the
# other, joined by &&, and the last renames $@.tmp to $@.
aug_cleanup = trap 'rm -rf $@.tmp*' EXIT HUP INT TERM;

# The parameters of each stage, as the command line they give: a stage
# depends on its .params file (named by its stem here), rewritten when
# they change (as in metric.mk).  The trainings' partial checkpoints
# survive a failure (their resume), not a change of parameters.
aug_params.gan = gantrain $(aug_kimg) --seed $(aug_gen_seed) $(GANTRAIN)
aug_params.diff = difftrain $(aug_kimg) --seed $(aug_gen_seed) $(DIFFTRAIN)
aug_params.guide = diffcls --seed $(aug_gen_seed) $(DIFFCLS)
aug_params.cls = clstrain $(aug_cls_opts) --val $(VAL)
# The images kept, and the pool's.  GANSAMPLE, when set, is named after
# the rest, so that an empty one leaves the file of a run made before it
# existed as it was.
aug_params.filter.gan = $(if $(strip $(GANSAMPLE)), / gansample $(GANSAMPLE))
aug_params.filter.diffusion = $(pipe_empty) / diffsample $(DIFFSAMPLE)$(if $(aug_guided), --guidance $(GUIDANCE))
aug_params.filter = thresh -a $(ALPHA) / quota --over $(OVER)$(aug_params.filter.$(GEN))$(if $(FILL), / fill $(FILL))
aug_params.pool = seed $(aug_pool_seed) / part $(PART) / quota --over $(OVER)$(aug_params.filter.$(GEN))
aug_params.steps = STEPS $(STEPS) EPS $(EPS)
aug_params.metric = ssimcls $(if $(HIER),-H $(HIER)) $(SSIM)
aug_same = $(and $(findstring $(strip $1),$(strip $2)),$(findstring $(strip $2),$(strip $1)))

# Those of the stages shared by the generators, then the generator's own;
# those of the generator and its pool not in the run of a seed (SEEDS),
# which takes them as they are.
aug_params_files = $(OUT)/cls.params $(OUT)/metric.params $(addprefix $(aug_dir)/,filter.params steps.params) \
	$(if $(GENDIR),,$(addprefix $(aug_dir)/,$(aug_gen).params pool.params $(if $(aug_guided),guide.params)))
$(foreach f,$(aug_params_files),$(eval $f: \
	$(if $(call aug_same,$(file <$f),$(aug_params.$(basename $(notdir $f)))),,aug_force)))

.PHONY: aug_force
aug_force:

$(OUT)/%.params:
	@test -n "$(DATA)" -a -n "$(VAL)" || { echo "augcls.mk: set DATA=train.tsv VAL=val.tsv" >&2; exit 2; }
	@mkdir -p $(@D)
	@$(aug_cleanup) printf '%s\n' $(call pipe_quote,$(strip $(aug_params.$(notdir $*)))) >$@.tmp && mv $@.tmp $@

# A training's start: from its partial checkpoint $1, left by a run
# stopped before, if no prerequisite is newer (the same data, the same
# parameters); from nothing otherwise.  Sets r to --resume or nothing.
aug_start = r=; \
	if [ -e $1 ] && [ -z "$$(find $^ -newer $1)" ]; then echo "augcls.mk: resuming $1" >&2; r=--resume; \
	else rm -f $1 $1.best; fi;

# The generator, trained once.  gantrain and difftrain snapshot into
# gan.part.ckpt or diff.part.ckpt as they go, with a line in gan.log or
# diff.log (how far, its losses); a run of make after a kill resumes it.
# The contact sheet of the last snapshot is kept beside it.
aug_train_gan = $(aug_bin)gantrain -q $$r -o $$p --log $(aug_gen_dir)/gan.log $(aug_kimg) --seed $(aug_gen_seed) \
	$(GANTRAIN) $(DATA)
aug_train_diff = $(aug_bin)difftrain -q $$r -o $$p --log $(aug_gen_dir)/diff.log $(aug_kimg) --seed $(aug_gen_seed) \
	$(DIFFTRAIN) $(DATA)

$(aug_gen_dir)/$(aug_gen).ckpt: $(DATA) $(aug_gen_dir)/$(aug_gen).params
	$(aug_cleanup) p=$(@:.ckpt=.part.ckpt); $(call aug_start,$(@:.ckpt=.part.ckpt)) \
	$(aug_train_$(aug_gen)) && mv $$p.png $(@:.ckpt=.png) && mv $$p $@

# Classifier guidance's noisy classifier of the diffusion's images, as
# diffusing them to its steps makes them, in guide.part.ckpt as it goes.
ifneq ($(aug_guided),)
$(aug_gen_dir)/guide.ckpt: $(DATA) $(aug_gen_dir)/diff.ckpt $(aug_gen_dir)/guide.params
	$(aug_cleanup) p=$(aug_gen_dir)/guide.part.ckpt; $(call aug_start,$(aug_gen_dir)/guide.part.ckpt) \
	$(aug_bin)diffcls -q $$r -o $$p --diffusion $(aug_gen_dir)/diff.ckpt --log $(aug_gen_dir)/guide.log --seed $(aug_gen_seed) \
	$(DIFFCLS) $(DATA) && mv $$p $@
endif

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

$(aug_gen_dir)/draw.tsv: $(DATA) $(aug_gen_dir)/pool.params
	$(aug_cleanup) $(aug_bin)quota --over $(OVER) $(DATA) >$@.tmp && mv $@.tmp $@

# Manifests one after the other, each line ended (awk ends the last line
# of a file that has no newline; cat would join it to the next file's).
aug_append = awk 1

# The generator's images: a pool of each class's images in order, drawn
# as the steps need them, PART images of a class at a time (the parts of
# draw.tsv, OVER times each quota), with seed SEED + 1: part N's PNGs in
# pool/N/, their manifest pool/N.tsv once whole.  An image depends on its
# class and its number in it, not on the run that drew it (gansample(1),
# diffsample(1)), so a pool drawn in parts holds the images of one run.
# Every step's filter chooses from the same pool, as the paper's "select
# from all the synthesized images", and draws more of a class only where
# the parts drawn before leave its quota short.  The pool is begun again
# when what makes its images (the generator, pool.params, draw.tsv) is
# newer than pool/begun (find -H, as make follows a linked prerequisite).
aug_pool = $(aug_gen_dir)/pool
aug_pool_deps = $(aug_gen_dir)/$(aug_gen).ckpt $(if $(aug_guided),$(aug_gen_dir)/guide.ckpt) \
	$(aug_gen_dir)/draw.tsv $(aug_gen_dir)/pool.params
aug_pool_start = if [ -e $(aug_pool)/begun ] && newer=$$(find -H $(aug_pool_deps) -newer $(aug_pool)/begun) && \
	[ -z "$$newer" ]; then :; else rm -rf $(aug_pool) && mkdir -p $(aug_pool) && : >$(aug_pool)/begun; fi
aug_sample.gan = $(aug_bin)gansample --seed $(aug_pool_seed) $1 $(GANSAMPLE) $(aug_gen_dir)/gan.ckpt
aug_sample.diffusion = $(aug_bin)diffsample --seed $(aug_pool_seed) $1 $(DIFFSAMPLE) \
	$(if $(aug_guided),--classifier $(aug_gen_dir)/guide.ckpt --guidance $(GUIDANCE)) $(aug_gen_dir)/diff.ckpt

# draw.tsv's lines as parts: class, first image, count, the class's quota
# in keep.tsv.
aug_parts = awk -F'\t' -v part=$(PART) 'NR == FNR { q[$$$$1] = $$$$2; next } \
	{ for (k = 0; k < $$$$2; k += part) print $$$$1 "\t" k "\t" ($$$$2 - k < part ? $$$$2 - k : part) "\t" q[$$$$1] }' \
	$(OUT)/keep.tsv $(aug_gen_dir)/draw.tsv

# A step's images: $(call aug_draw,DIR,FILTER) makes DIR/gen.tsv, the
# manifest of each class's first parts of the pool, up to the one in which
# the classifier FILTER (FILTER.ckpt) gave ALPHA or more to the class's
# quota of images (keep.tsv), or all of them: a diffusion model draws a
# few images a second, and a class the filter takes readily need not be
# drawn OVER times over.  FILTER's scores of part N are kept in
# DIR/parts/N.prob, so that a step stopped resumes from the parts it
# scored, if nothing it depends on is newer than DIR/parts/begun.
define aug_draw
$1/gen.tsv: $(aug_pool_deps) $2.ckpt $(OUT)/keep.tsv $(aug_dir)/filter.params
	$$(aug_cleanup) mkdir -p $1 && $$(aug_pool_start) && \
	if [ -e $1/parts/begun ] && newer=$$$$(find -H $$^ $(aug_pool)/begun -newer $1/parts/begun) && \
	   [ -z "$$$$newer" ]; then echo "augcls.mk: resuming the draw of $1" >&2; \
	else rm -rf $1/parts && mkdir $1/parts && : >$1/parts/begun; fi && \
	$(aug_parts) >$$@.tmp.parts && : >$$@.tmp.used && n=0 && class= && \
	while IFS='	' read -r c k m q; do \
		n=$$$$((n + 1)); p=$(aug_pool)/$$$$n; f=$1/parts/$$$$n.prob; \
		[ "$$$$c" = "$$$$class" ] || { class=$$$$c; kept=0; }; \
		[ $$$$kept -lt $$$$q ] || continue; \
		[ -e $$$$p.tsv ] || { $(call aug_sample.$(GEN),-c "$$$$c" -n $$$$m --first $$$$k) >$$@.tmp.pam && \
			rm -rf $$$$p && $$(aug_bin)imgsplit $$$$p $$@.tmp.pam >$$@.tmp.tsv && mv $$@.tmp.tsv $$$$p.tsv; } || exit 1; \
		[ -e $$$$f ] || { $$(aug_bin)clsprob $2.ckpt $$$$p.tsv >$$@.tmp.prob && mv $$@.tmp.prob $$$$f; } || exit 1; \
		$$(aug_bin)thresh -a $(ALPHA) $$$$f >$$@.tmp.kept || exit 1; \
		kept=$$$$((kept + $$$$(wc -l <$$@.tmp.kept))); \
		echo $$$$p.tsv >>$$@.tmp.used; \
	done <$$@.tmp.parts && \
	xargs -r cat <$$@.tmp.used >$$@.tmp && mv $$@.tmp $$@ && rm -rf $1/parts
endef

# Step s: the pool's images scored by the classifier of the step before
# (c0 for s1), kept up to the quota, appended to DATA, and the classifier
# trained on that.
aug_prev = $(if $(filter 1,$1),$(OUT)/c0,$(aug_dir)/s$(shell $(pipe_c) expr $1 - 1)/cls)

define aug_step
$(eval $(call aug_draw,$(aug_dir)/s$1,$(call aug_prev,$1)))

$(aug_dir)/s$1/scored.tsv: $(aug_dir)/s$1/gen.tsv $(call aug_prev,$1).ckpt
	$$(aug_cleanup) $$(aug_bin)clsprob $(call aug_prev,$1).ckpt $$< >$$@.tmp && mv $$@.tmp $$@

# thresh's word on the classes it left short goes to short.txt, and on
# (its error too, if it fails).
$(aug_dir)/s$1/kept.tsv: $(aug_dir)/s$1/scored.tsv $(OUT)/keep.tsv $(aug_dir)/filter.params
	$$(aug_cleanup) $$(aug_bin)thresh -a $(ALPHA) -q $(OUT)/keep.tsv $$< >$$@.tmp.all 2>$$@.tmp.short; \
	st=$$$$?; cat $$@.tmp.short >&2; [ $$$$st -eq 0 ] && mv $$@.tmp.short $(aug_dir)/s$1/short.txt && \
	cut -f 1,2 $$@.tmp.all >$$@.tmp && mv $$@.tmp $$@

# FILL=oversample: what each class's quota still lacks, drawn again from
# its own images (in keep.tsv's order, which names each class's stream;
# kept.tsv may be empty, hence FILENAME rather than NR == FNR).
$(aug_dir)/s$1/fill.tsv: $(aug_dir)/s$1/kept.tsv $(OUT)/keep.tsv $(DATA)
	$$(aug_cleanup) awk -F'\t' -v OFS='\t' 'FILENAME == ARGV[1] { n[$$$$2]++; next } \
		{ s = $$$$2 - n[$$$$1]; print $$$$1, (s > 0 ? s : 0) }' $$< $(OUT)/keep.tsv >$$@.tmp.short && \
	$$(aug_bin)longtail --counts $$@.tmp.short --replace --seed $(SEED) $(DATA) >$$@.tmp && \
	mv $$@.tmp $$@

$(aug_dir)/s$1/train.tsv: $(aug_dir)/s$1/kept.tsv $(DATA) $(if $(FILL),$(aug_dir)/s$1/fill.tsv)
	$$(aug_cleanup) $$(aug_append) $(DATA) $$< $(if $(FILL),$(aug_dir)/s$1/fill.tsv) >$$@.tmp && mv $$@.tmp $$@

$(eval $(call aug_train,$(aug_dir)/s$1/cls,$(aug_dir)/s$1/train.tsv,))
endef

$(foreach s,$(aug_steps),$(eval $(call aug_step,$s)))

# The steps, one after the other while validation top-1 rises by more than
# EPS (step s + 1 only once step s is scored: a make of its own for each,
# with the variables of this one); steps.tsv says each step's top-1.  The
# final set is that of the step of best top-1 (the first among equals),
# named in final.step.
aug_top1 = awk -F'\t' '$$1 == "top1" { print $$2 }'
# make -n runs a recipe that runs $(MAKE), to show what the sub-make
# would do: under it, the steps' recipe shows step 1's make and stops,
# before its trap and its files (which a run under way may be writing).
aug_dry := $(findstring n,$(firstword -$(MAKEFLAGS)))
aug_dry_steps = $(if $(aug_dry),$(MAKE) --no-print-directory -f $(aug_mk) $(aug_dir)/s1/cls.eval; exit 0;)

$(aug_dir)/steps.tsv: $(OUT)/c0.eval $(aug_dir)/steps.params $(aug_dir)/filter.params \
		$(aug_gen_dir)/pool.params $(aug_gen_dir)/draw.tsv $(OUT)/cls.params \
		$(aug_gen_dir)/$(aug_gen).params $(if $(aug_guided),$(aug_gen_dir)/guide.params) $(DATA) $(VAL)
	$(aug_dry_steps)$(aug_cleanup) prev=$$($(aug_top1) $(OUT)/c0.eval) && printf 'c0\t%s\n' "$$prev" >$@.tmp && \
	for s in $(aug_steps); do \
		$(MAKE) --no-print-directory -f $(aug_mk) $(aug_dir)/s$$s/cls.eval || exit 1; \
		t=$$($(aug_top1) $(aug_dir)/s$$s/cls.eval); \
		printf 's%s\t%s\n' $$s "$$t" >>$@.tmp; \
		awk -v a="$$t" -v b="$$prev" -v e=$(EPS) 'BEGIN { exit !(a - b > e) }' || break; \
		prev=$$t; \
	done && mv $@.tmp $@

$(aug_dir)/final.step: $(aug_dir)/steps.tsv
	$(aug_cleanup) awk -F'\t' 'NR > 1 && (b == "" || $$2 > t) { b = $$1; t = $$2 } END { print b }' $< >$@.tmp && \
	mv $@.tmp $@

$(aug_dir)/final.tsv: $(aug_dir)/final.step
	$(aug_cleanup) cp $(aug_dir)/$$(cat $<)/train.tsv $@.tmp && mv $@.tmp $@

$(aug_dir)/final.eval: $(aug_dir)/final.step
	$(aug_cleanup) cp $(aug_dir)/$$(cat $<)/cls.eval $@.tmp && mv $@.tmp $@

# The baselines, on the classifier's settings: the original set (c0), the
# generator's images unfiltered up to the quota, the class-balanced loss,
# random oversampling.
$(OUT)/base/orig.eval: $(OUT)/c0.eval
	$(aug_cleanup) mkdir -p $(@D) && cp $< $@.tmp && mv $@.tmp $@

# The unfiltered images: the first quota of each class of the pool, from
# step 1's, which holds at least that many (OVER is 1 or more).  After
# the steps, whose make draws step 1's: two makes drawing into one pool
# (make -j augcls baselines) would undo each other's parts.
$(aug_dir)/base/noselect/gen.tsv: $(aug_dir)/steps.tsv $(OUT)/keep.tsv
	$(aug_cleanup) mkdir -p $(@D) && \
	awk -F'\t' 'NR == FNR { q[$$1] = $$2; next } n[$$2]++ < q[$$2]' $(OUT)/keep.tsv $(aug_dir)/s1/gen.tsv \
		>$@.tmp && mv $@.tmp $@

$(aug_dir)/base/noselect/train.tsv: $(aug_dir)/base/noselect/gen.tsv $(DATA)
	$(aug_cleanup) $(aug_append) $(DATA) $< >$@.tmp && mv $@.tmp $@

$(eval $(call aug_train,$(aug_dir)/base/noselect/cls,$(aug_dir)/base/noselect/train.tsv,))
$(eval $(call aug_train,$(OUT)/base/cb,$(DATA),--loss cb))
$(eval $(call aug_train,$(OUT)/base/oversample,$(DATA),--oversample))
$(eval $(call aug_train,$(OUT)/base/la,$(DATA),--loss la))

# The logit adjustment after the fact (Menon et al. 2021): the original
# classifier's logits less ln(prior), no training.  A c0.ckpt written
# before clstrain kept its training counts is refused (clseval's message).
$(OUT)/base/posthoc.eval: $(OUT)/c0.ckpt $(VAL)
	$(aug_cleanup) mkdir -p $(@D) && $(aug_bin)clseval --adjust 1 $< $(VAL) >$@.tmp && mv $@.tmp $@

# SMOTE in pixel space up to each quota, drawn with SEED + 1 (drawn again
# when cls.params's --seed changes).
$(OUT)/base/smote/gen.tsv: $(DATA) $(OUT)/keep.tsv $(OUT)/cls.params
	$(aug_cleanup) rm -rf $(@D)/img && mkdir -p $(@D) && \
	$(aug_bin)smote --quota $(OUT)/keep.tsv --seed $(aug_smote_seed) $(DATA) >$@.tmp.pam && \
	$(aug_bin)imgsplit $(@D)/img $@.tmp.pam >$@.tmp && rm $@.tmp.pam && mv $@.tmp $@

$(OUT)/base/smote/train.tsv: $(OUT)/base/smote/gen.tsv $(DATA)
	$(aug_cleanup) $(aug_append) $(DATA) $< >$@.tmp && mv $@.tmp $@

$(eval $(call aug_train,$(OUT)/base/smote/cls,$(OUT)/base/smote/train.tsv,))

$(OUT)/base/smote.eval: $(OUT)/base/smote/cls.eval
	$(aug_cleanup) cp $< $@.tmp && mv $@.tmp $@

# The generator's final set with the logit-adjusted loss: what is left of
# the imbalance after the re-balancing, corrected in the loss.
$(eval $(call aug_train,$(aug_dir)/base/final-la,$(aug_dir)/final.tsv,--loss la))

$(aug_dir)/base/noselect.eval: $(aug_dir)/base/noselect/cls.eval
	$(aug_cleanup) cp $< $@.tmp && mv $@.tmp $@
