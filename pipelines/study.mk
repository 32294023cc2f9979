# study.mk: the paper's study (its section 4, Table 6, Figure 7) over
# several datasets: for each, SSIM-supSubCls of its training set and the
# relative top-1 gain of GM-augCls (augcls.mk, one run a dataset); then
# the exponential curve fitted to those points, beside the paper's Eq. 4.
#
#   make -f pipelines/study.mk STUDY=study.tsv OUT=study
#
# STUDY  name<TAB>train manifest<TAB>validation manifest[<TAB>hierarchy]
#        lines, one a dataset; required
# OUT    where it goes (default: study); dataset NAME's run is OUT/NAME
# GENS   the generators, each its runs and its curve: gan, diffusion or
#        "gan diffusion" (the paper's Table 6 has both rows; default: GEN,
#        or gan)
# SEEDS  two or more seeds of the classifiers ("1 2 3"): a run of each a
#        dataset (augcls.mk SEEDS, on one generator), the point the mean
#        gain over them, with its 95% interval (augreport's), the curve
#        fitted through the means and drawn with the intervals as error
#        bars (default empty: one run a dataset, SEED)
# BIN    where the programs are (default: found on PATH)
# Every other variable (ALPHA, EPOCHS, KIMG, CLSTRAIN, DIFFTRAIN, ...)
# goes to augcls.mk as given, the same for every dataset and generator:
# checked as augcls.mk checks it, for each generator, before the first
# dataset's run.
#
# Targets: study (the default), for the GAN: $(OUT)/points.tsv (name,
# SSIM-supSubCls, gain in %; with SEEDS the mean gain, the low and high
# ends of its interval, the runs), $(OUT)/fit.tsv (the fitted curve's and
# Eq. 4's b, c, r2, mae on these points: the paper's Table 6) and
# $(OUT)/curve.png (Figure 7: the points, the fitted curve and Eq. 4's);
# for the diffusion, the same named gd-points.tsv, gd-fit.tsv,
# gd-curve.png, from the runs' OUT/NAME/gd (augcls.mk GEN=diffusion).
# expfit fits gains above 0 only (the curve is never negative): fit.tsv
# says how many points were left out.  With fewer than three gains above 0
# there is no curve to fit: make says so and stops after points.tsv.
#
# STUDY, OUT, BIN and the paths and names in STUDY are checked before
# anything runs: make cannot take one with white space, nor with any of
# : ; & | < > ' " ` \ * ? [ ] % $ # ( ) , (link to it under a plain name).
# The image paths inside the manifests may hold any of them.  Tools run in
# the C locale, whatever LC_ALL or LANG say.

STUDY ?=
OUT ?= study
GEN ?= gan
GENS ?= $(GEN)
BIN ?=

study_bin = $(if $(BIN),$(BIN)/,)
study_dir := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
include $(study_dir)common.mk

# The first problem of the STUDY file, as file:line: message: each line a
# name (a directory of OUT, given once), a training and a validation
# manifest and maybe a hierarchy, each a word make can take.
study_lint = $(shell $(pipe_c) STUDY_UNSAFE=$(call pipe_quote,$(subst $(pipe_space),,$(pipe_unsafe))) \
	STUDY_RULE=$(call pipe_quote,$(pipe_path_rule)) awk -F'\t' 'function bad(msg) { print FILENAME ":" FNR ": " msg; exit } \
	function unsafe(s,  i) { \
		for (i = 1; i <= length(ENVIRON["STUDY_UNSAFE"]); i++) \
			if (index(s, substr(ENVIRON["STUDY_UNSAFE"], i, 1))) return 1; \
		return s ~ /[ \r\f\v]/ } \
	NF == 0 { next } \
	NF < 3 || NF > 4 { bad("expected name<TAB>train<TAB>val[<TAB>hier], found " NF " field(s)") } \
	$$1 == "" || $$1 == "." || $$1 == ".." || $$1 ~ /\// { bad("name \"" $$1 "\": not a directory name") } \
	seen[$$1]++ { bad("name \"" $$1 "\" given twice") } \
	{ for (f = 1; f <= NF; f++) if (unsafe($$f)) bad("field " f ": \"" $$f "\": " ENVIRON["STUDY_RULE"]) }' $(STUDY))
$(call pipe_check_paths,STUDY OUT BIN)
ifneq ($(STUDY),)
$(if $(wildcard $(STUDY)),,$(error STUDY=$(STUDY): no such file))
study_problem := $(study_lint)
$(if $(study_problem),$(error $(study_problem)))
endif
study_field = $(shell $(pipe_c) awk -F'\t' -v n='$1' '$$1 == n { print $$$2 }' $(STUDY))
study_names := $(if $(STUDY),$(shell $(pipe_c) cut -f 1 $(STUDY)))
# SEEDS: a run of each seed a dataset (augcls.mk's), its point the mean
# gain over them and the mean's 95% interval, which needs two seeds.
$(if $(filter 1,$(words $(value SEEDS))),$(error SEEDS=$(value SEEDS): one seed gives no interval: \
	give two or more, or none))
study_seeds := $(strip $(SEEDS))
study_errors := $(if $(study_seeds),--error-fields=3$(pipe_comma)4)
$(if $(strip $(GENS)),,$(error GENS=$(value GENS): no generator (gan, diffusion)))
$(foreach g,$(GENS),$(if $(filter gan diffusion,$g),,$(error GENS=$(value GENS): $g: the generator must be gan or diffusion)))

# Generator g's files: its points, fit and curve named with study_pfx.g,
# its point of a dataset in the directory study_dir.g of the dataset's run
# (augcls.mk's: the GAN's in OUT, the diffusion's in OUT/gd).
study_pfx.gan =
study_pfx.diffusion = gd-
study_dir.gan =
study_dir.diffusion = gd/
study_title.gan = GM-augCls
study_title.diffusion = GD-augCls
study_method.gan = gm-augcls
study_method.diffusion = gd-augcls

.PHONY: study study_force study_check
study: $(foreach g,$(GENS),$(addprefix $(OUT)/$(study_pfx.$g),points.tsv fit.tsv curve.png))
study_force:

# Every generator's variables checked by augcls.mk (make check runs
# nothing else) before any run, with the first dataset's files: a bad
# option of the second generator does not wait for the first's runs.
study_first = $(firstword $(study_names))
study_check:
	@test -n "$(STUDY)" || { echo "study.mk: set STUDY=study.tsv" >&2; exit 2; }
	@$(if $(STUDY),$(foreach g,$(GENS),$(MAKE) --no-print-directory -f $(study_dir)augcls.mk BIN=$(BIN) \
		OUT=$(OUT)/$(study_first) DATA=$(call study_field,$(study_first),2) \
		VAL=$(call study_field,$(study_first),3) HIER=$(call study_field,$(study_first),4) GEN=$g check &&)) :

study_cleanup = trap 'rm -rf $@.tmp*' EXIT HUP INT TERM;

# A dataset's point for generator $2: its run brought up to date by
# augcls.mk (a make of its own, which knows what is done), then name,
# SSIM-supSubCls and gain (with SEEDS: the mean gain, the low and high
# ends of its interval and the runs, as augreport sums up the seeds'),
# the file replaced only when it changed, so that what depends on it is
# redone only then.
define study_point
$(OUT)/$1/$(study_dir.$2)point.tsv: study_force | study_check
	$$(MAKE) --no-print-directory -f $(study_dir)augcls.mk BIN=$(BIN) OUT=$(OUT)/$1 \
		DATA=$(call study_field,$1,2) VAL=$(call study_field,$1,3) HIER=$(call study_field,$1,4) GEN=$2 augcls
	$$(study_cleanup) $(if $(study_seeds),$(call study_seeds_point,$1,$2),$(call study_run_point,$1,$2)) || \
		{ echo "study.mk: $1: no SSIM-supSubCls, or no top-1 (or 0) of c0 or final in $(OUT)/$1" >&2; exit 1; }; \
	{ cmp -s $$@.tmp $$@ || mv $$@.tmp $$@; }
endef

# The point of the one run of dataset $1, generator $2, into $@.tmp (as
# study_point's recipe: its escapes are those of a define called, then
# evaluated).
study_run_point = awk -F'\t' -v n=$1 -v OFS='\t' \
		'FNR == 1 { f++ } f == 1 && $$$$1 == "supsubcls" { x = $$$$2 } \
		f == 2 && $$$$1 == "top1" { o = $$$$2 } f == 3 && $$$$1 == "top1" { t = $$$$2 } \
		END { if (x == "" || o == "" || t == "" || o == 0) exit 1; print n, x, 100 * (t - o) / o }' \
		$(OUT)/$1/metric.tsv $(OUT)/$1/c0.eval $(OUT)/$1/$(study_dir.$2)final.eval >$$@.tmp

# The point of the runs of the seeds of dataset $1, generator $2: the
# first run's SSIM-supSubCls (the same data in each), augreport's gain.
study_seeds_point = $(study_bin)augreport $(foreach s,$(study_seeds),$(OUT)/$1/seed$s) >$$@.tmp.sum && \
	awk -F'\t' -v n=$1 -v m=$(study_method.$2) -v OFS='\t' 'FNR == 1 { f++ } \
		f == 1 && $$$$1 == "supsubcls" { x = $$$$2 } f == 2 && $$$$1 == "gain" && $$$$2 == m { g = $$$$3; lo = $$$$4; hi = $$$$5; r = $$$$6 } \
		END { if (x == "" || g == "" || lo == "-") exit 1; print n, x, g, lo, hi, r }' \
		$(OUT)/$1/seed$(firstword $(study_seeds))/metric.tsv $$@.tmp.sum >$$@.tmp

# Generator $1's points, the fit and the curve.
define study_curve
$(foreach n,$(study_names),$(eval $(call study_point,$n,$1)))

$(OUT)/$(study_pfx.$1)points.tsv: $(STUDY) $(foreach n,$(study_names),$(OUT)/$n/$(study_dir.$1)point.tsv)
	@test -n "$(STUDY)" || { echo "study.mk: set STUDY=study.tsv" >&2; exit 2; }
	$$(study_cleanup) cat $(foreach n,$(study_names),$(OUT)/$n/$(study_dir.$1)point.tsv) >$$@.tmp && mv $$@.tmp $$@

# x<TAB>y (with SEEDS, and the interval's ends) of the points with a gain
# above 0, which the curve can fit; fewer than three cannot be fitted, and
# nothing after them is made.
$(OUT)/$(study_pfx.$1)positive.tsv: $(OUT)/$(study_pfx.$1)points.tsv
	$$(study_cleanup) awk -F'\t' -v OFS='\t' '$$$$3 > 0 { print $$$$2, $$$$3 $(if $(study_seeds),"\t" $$$$4 "\t" $$$$5) }' \
		$$< >$$@.tmp && \
	n=$$$$(wc -l <$$@.tmp) && all=$$$$(wc -l <$$<) && \
	if [ "$$$$n" -lt 3 ]; then \
		echo "study.mk: no fit: $$$$n of the $$$$all datasets gained (a gain above 0 in $$<)," \
			"and the curve, never negative, is fitted to those: it needs 3" >&2; \
		exit 1; \
	fi && mv $$@.tmp $$@

$(OUT)/$(study_pfx.$1)fit.tsv: $(OUT)/$(study_pfx.$1)positive.tsv $(OUT)/$(study_pfx.$1)points.tsv
	$$(study_cleanup) $(study_bin)expfit $$< >$$@.tmp.fit && $(study_bin)expfit --paper $$< >$$@.tmp.paper && \
	awk -F'\t' -v OFS='\t' 'FNR == NR { f[$$$$1] = $$$$2; next } { p[$$$$1] = $$$$2 } \
		END { print "", "fit", "eq4"; \
		n = split("b c r2 mae medae n", k, " "); for (i = 1; i <= n; i++) print k[i], f[k[i]], p[k[i]] }' \
		$$@.tmp.fit $$@.tmp.paper >$$@.tmp && \
	printf 'left_out\t%s\t%s\n' $$$$(($$$$(wc -l <$(OUT)/$(study_pfx.$1)points.tsv) - $$$$(wc -l <$$<))) \
		$$$$(($$$$(wc -l <$(OUT)/$(study_pfx.$1)points.tsv) - $$$$(wc -l <$$<))) >>$$@.tmp && mv $$@.tmp $$@

$(OUT)/$(study_pfx.$1)curve.png: $(OUT)/$(study_pfx.$1)positive.tsv
	$$(study_cleanup) $(study_bin)expfit --paper $(study_errors) --plot $$@.tmp.png \
		--title '$(study_title.$1) gain against SSIM-supSubCls' $$< >/dev/null && \
	mv $$@.tmp.png $$@
endef

$(foreach g,$(sort $(GENS)),$(eval $(call study_curve,$g)))
