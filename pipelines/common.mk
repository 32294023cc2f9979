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
pipe_unsafe := : ; & | < > ' " ` \ * ? [ ] % $(pipe_hash) $(pipe_lparen) $(pipe_rparen) $(pipe_comma)
pipe_bad_path = $(or $(filter-out 1,$(words x$1x)),$(strip $(foreach c,$(pipe_unsafe),$(findstring $c,$1))))
pipe_path_rule = make cannot take a path with white space or any of $(pipe_unsafe) \
	in it: rename it, or link to it (ln -s) under a plain name

# $(call pipe_check_paths,VAR...): stops make when a VAR is such a path.
pipe_check_paths = $(foreach v,$1,$(if $(call pipe_bad_path,$($v)),$(error $v=$($v): $(pipe_path_rule))))

# $(call pipe_check_number,VAR,CONDITION,WHAT): stops make unless VAR is
# a number as the programs write one (no blanks, no hex, no inf) for which
# the awk CONDITION on v holds; WHAT says what it must be.
pipe_decimal := ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$$
pipe_check_number = $(if $(filter 1,$(shell $(pipe_c) awk -v v=$(call pipe_quote,$($1)) \
	'BEGIN { print (v ~ /$(pipe_decimal)/ && ($2)) }')),,$(error $1=$($1): $3))
