# common.mk: what every pipeline makefile (metric.mk, augcls.mk, study.mk)
# includes first: the locale of the tools its recipes run, and the checks
# of the values it is given, made before any stage runs.

# Numbers are read and printed with a point, whatever the user's locale:
# under a comma-decimal one, awk reads the "0.12" of a file as 0 and prints
# 0.5 as "0,5".  GNU make 4.3 gives the variables it exports to recipes but
# not to $(shell ...), whose commands start with $(pipe_c) instead.
export LC_ALL := C
pipe_c := LC_ALL=C

# A value as one shell word.
pipe_quote = '$(subst ','\'',$1)'

# Paths are make words and shell words in the rules and recipes, and make
# has no quoting for a file name with a space in it: a path with white
# space, or with a character that make or sh reads as syntax, is refused.
pipe_empty :=
pipe_space := $(pipe_empty) $(pipe_empty)
pipe_hash := \#
pipe_lparen := (
pipe_rparen := )
pipe_comma := ,
pipe_unsafe := : ; & | < > ' " ` \ * ? [ ] % $$ $(pipe_hash) $(pipe_lparen) $(pipe_rparen) $(pipe_comma)
pipe_bad_path = $(or $(filter-out 1,$(words x$1x)),$(strip $(foreach c,$(pipe_unsafe),$(findstring $c,$1))))
pipe_path_rule = make cannot take a path with white space or any of $(pipe_unsafe) \
	in it: rename it, or link to it (ln -s) under a plain name

# $(call pipe_check_paths,VAR...): stops make when a VAR is such a path.
# A value is checked as given, $(value VAR), as are numbers below: make
# would expand the $x of DATA='m$x.tsv' (to nothing) wherever it used
# $(DATA).
pipe_check_paths = $(foreach v,$1,$(if $(call pipe_bad_path,$(value $v)),\
	$(error $v=$(value $v): $(pipe_path_rule))))

# $(call pipe_check_number,VAR,CONDITION,WHAT): stops make unless VAR is
# a number as the programs write one (no blanks, no hex, no inf) for which
# the awk CONDITION on v holds; WHAT says what it must be.
pipe_decimal := ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$$
pipe_check_number = $(if $(filter 1,$(shell $(pipe_c) awk -v v=$(call pipe_quote,$(value $1)) \
	'BEGIN { print (v ~ /$(pipe_decimal)/ && ($2)) }')),,$(error $1=$(value $1): $3))

# $(call pipe_check_programs,PROG...): stops make unless each of the
# programs PROG (paths under BIN, or names on PATH) is there to run: the
# first stage that runs one would fail, and the checks below run them.
pipe_check_programs = $(foreach p,$(firstword $(shell for p in $1; do command -v "$$p" >/dev/null || echo "$$p"; done)),\
	$(error $p: no such program$(if $(BIN), (BIN=$(BIN)), on PATH (BIN=DIR says where they are))))

# The options a pipeline gives a program are checked by the program, as
# it parses them before it opens any file: run on files that cannot exist
# (under a regular file: $(pipe_nowhere)), it fails as on a missing file
# (exit 1), or on its options (exit 2, its message).  So a bad value is
# found before any stage runs, with the program's own ranges, not copies.
pipe_nowhere := $(call pipe_quote,$(abspath $(lastword $(MAKEFILE_LIST)))/nowhere)

# $(call pipe_ask,VARS,COMMAND): stops make unless COMMAND, a program with
# the options that the variables VARS give it and $(pipe_nowhere) for its
# files, exits 1; says the first line of what it said else (with --help
# among the options, it would do nothing and exit 0).
pipe_ask = $(call pipe_refused,$1,$(shell out=$$($(pipe_c) sh -c $(call pipe_quote,$2) 2>&1 </dev/null); \
	st=$$?; [ $$st -eq 1 ] || printf '%s\n' "$${out:-exit status $$st}" | head -n 1))
pipe_refused = $(if $2,$(error $(foreach v,$1,$v=$(value $v)): $2))
