#!/usr/bin/env bats
# clseval: the scores of a model on a test manifest, and its errors.

load helper

setup_file() {
	train_tiny_model
}

setup() {
	copy_tiny_model
}

@test "clseval: standard options" {
	check_standard_options clseval
}

@test "clseval: the keys, as computed from clsprob's predictions" {
	run --separate-stderr clseval --per-class --confusion conf.tsv model.ckpt m.tsv
	assert_success
	[ "$stderr" = "clseval: warning: m.tsv: 24 images converted to 12x12, gray" ]
	# top-1, the recalls, precisions and F1s from clsprob's predicted classes, by awk.
	clsprob model.ckpt m.tsv 2>/dev/null | awk -F'\t' '
		{ n[$2]++; said[$3]++; right += $2 == $3; hit[$2] += $2 == $3 }
		END {
			printf "top1\t%.6f\n", right / NR
			for (c in n) {
				r = hit[c] / n[c]; p = said[c] ? hit[c] / said[c] : 0
				f[c] = p + r ? 2 * p * r / (p + r) : 0
				sum += r; fsum += f[c]; k++
				printf "recall:%s\t%.6f\nprecision:%s\t%.6f\nf1:%s\t%.6f\n", c, r, c, p, c, f[c] >"classes.tsv"
			}
			printf "balanced\t%.6f\n", sum / k
			printf "macro_f1\t%.6f\n", fsum / k
		}' >want.tsv
	[ "${lines[0]}" = "$(sed -n 1p want.tsv)" ]
	[ "${lines[1]}" = "$(sed -n 2p want.tsv)" ]
	[ "${lines[3]}" = "$(sed -n 3p want.tsv)" ]
	assert_line --index 4 "n	24"
	[ "${#lines[@]}" -eq 14 ]
	assert_line --index 5 --regexp '^recall:Bag	[0-9.]+$'
	assert_line --index 6 --regexp '^precision:Bag	[0-9.]+$'
	assert_line --index 7 --regexp '^f1:Bag	[0-9.]+$'
	[ "$(printf '%s\n' "${lines[@]:5}" | sort)" = "$(sort classes.tsv)" ]
	# The confusion matrix: a header, a line per class, 24 images in all.
	[ "$(head -n 1 conf.tsv)" = "$(printf 'true\\predicted\tBag\tSneaker\tTrouser')" ]
	[ "$(tail -n +2 conf.tsv | cut -f2- | tr '\t' '\n' | awk '{ s += $1 } END { print s }')" -eq 24 ]
}

@test "clseval: classes the model does not know are counted, not scored" {
	{ cat m.tsv; printf '%s\tZebra\n' "$(head -n 1 m.tsv | cut -f1)"; } >z.tsv
	run --separate-stderr clseval model.ckpt z.tsv
	assert_success
	assert_line --index 4 "n	24"
	[[ $stderr == *"clseval: warning: z.tsv: 1 images of classes model.ckpt does not know: not scored"* ]]
	printf '%s\tZebra\n' "$(head -n 1 m.tsv | cut -f1)" >only.tsv
	run --separate-stderr clseval model.ckpt only.tsv
	assert_failure 1
	[[ $stderr == *"clseval: only.tsv: no image of a class the model knows" ]]
}

@test "clseval: a PAM stream on the standard input scores as its manifest" {
	clseval --per-class model.ckpt m.tsv >want.tsv 2>/dev/null
	imgcat m.tsv | clseval --per-class model.ckpt - >got.tsv 2>/dev/null
	[ -s want.tsv ]
	cmp want.tsv got.tsv
}

@test "clseval: images without a class are counted, not scored" {
	{ cat m.tsv; head -n 1 m.tsv | cut -f1; printf '%s\t\n' "$(head -n 1 m.tsv | cut -f1)"; } >nolabel.tsv
	run --separate-stderr clseval model.ckpt nolabel.tsv
	assert_success
	assert_line --index 4 "n	24"
	[[ $stderr == *"clseval: warning: nolabel.tsv: 2 images without a class: not scored"* ]]
}

@test "clseval: not a checkpoint, truncated, corrupted" {
	run --separate-stderr clseval m.tsv m.tsv
	assert_failure 1
	[ "$stderr" = "clseval: m.tsv: not a simbal checkpoint" ]
	head -c 5000 model.ckpt >cut.ckpt
	run --separate-stderr clseval cut.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clseval: cut.ckpt: it is corrupted or truncated (its CRC does not match)" ]
	run --separate-stderr clseval gone.ckpt m.tsv
	assert_failure 1
	[ "$stderr" = "clseval: gone.ckpt: No such file or directory" ]
	run clseval model.ckpt
	assert_usage_error
}
