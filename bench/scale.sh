#!/usr/bin/env bash
# make bench, part 2: topologies of 1,000, 10,000 and 100,000 sim guests
# (bench/gentopo.sh), on hubs of 100 and on a tree of bridges, where every
# guest ARPs and pings a neighbour at 0 s. For each: --check (load only)
# and a whole run (load and run, the goal's measure), wall time and peak
# memory (/usr/bin/time), the growth against the 1,000-guest baseline of
# the same run and shape, and the goal beside it; then what writing the
# JSON report (--report) adds to the same run. Then the virtual clock's speed: 1,000 guests
# pinging once a second for 60 simulated seconds, in simulated seconds per
# wall second, on the tree of bridges (the realistic case) and on hubs
# (where every frame goes to all 100 guests of a hub: 12 million deliveries).
#
# SCALE_MAX=10000 leaves out the 100,000-guest runs (about a minute and
# 750 MB today).
set -euo pipefail
QNETSIM=${QNETSIM:-./qnetsim}
SCALE_MAX=${SCALE_MAX:-100000}
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/qnetsim-scale.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Prints "seconds peak-KiB" for a command, the seconds to the microsecond
# (/usr/bin/time's are hundredths, too coarse for the 1,000-guest baseline),
# the best of three runs for a command under a second; its output goes to
# $tmp/out.
measure() {
	local best="" s e t kb runs=1
	for ((r = 0; r < runs; r++)); do
		s=$EPOCHREALTIME
		/usr/bin/time -f '%M' -o "$tmp/time" "$@" > "$tmp/out" 2>&1 || {
			cat "$tmp/out"
			return 1
		}
		e=$EPOCHREALTIME
		t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f", e - s }')
		kb=$(cat "$tmp/time")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
		awk -v t="$t" 'BEGIN { exit !(t < 1) }' && runs=3
	done
	echo "$best $kb"
}

goal() { # N: the goal for N guests
	case $1 in
	1000) echo "baseline" ;;
	10000) echo "goal < 1 s, < 64 MiB; <= 11x the baseline" ;;
	100000) echo "goal < 10 s, < 640 MiB, --check < 1 s; <= 110x" ;;
	esac
}

for shape in hubs bridges; do
	for n in 1000 10000 100000; do
		[ "$n" -le "$SCALE_MAX" ] || continue
		"$here/gentopo.sh" "$shape" "$n" > "$tmp/t.ini"
		read -r load_s load_kb < <(measure "$QNETSIM" --check "$tmp/t.ini")
		read -r run_s run_kb < <(measure "$QNETSIM" --headless -q "$tmp/t.ini")
		grep -q "2 expectations, 2 passed" "$tmp/out" || {
			echo "scale: $shape $n: expectations failed"
			cat "$tmp/out"
			exit 1
		}
		read -r rep_s rep_kb < <(measure "$QNETSIM" --headless -q --report "$tmp/r.json" "$tmp/t.ini")
		frames=$(grep -o '"delivered": [0-9]*' "$tmp/r.json" | grep -o '[0-9]*$')
		if [ "$n" = 1000 ]; then
			base_s=$run_s base_kb=$run_kb
		fi
		awk -v shape="$shape" -v n="$n" -v ls="$load_s" -v lk="$load_kb" -v rs="$run_s" \
		    -v rk="$run_kb" -v f="$frames" -v bs="$base_s" -v bk="$base_kb" -v goal="$(goal "$n")" \
		    -v ps="$rep_s" -v pk="$rep_kb" 'BEGIN {
			printf "  scale %-7s %6d guests: --check %6.2f s %7.1f MiB; run %6.2f s %7.1f MiB, %d frames", \
				shape, n, ls, lk / 1024, rs, rk / 1024, f
			if (n > 1000)
				printf "; %.1fx time, %.1fx memory", rs / bs, rk / bk
			printf "  [%s]\n", goal
			printf "  %29s with --report: %+.2f s, %+.1f MiB\n", "", ps - rs, (pk - rk) / 1024
		}'
	done
done

for shape in bridges hubs; do
	"$here/gentopo.sh" "$shape" 1000 60 > "$tmp/clock.ini"
	read -r clock_s clock_kb < <(measure "$QNETSIM" --headless -q "$tmp/clock.ini")
	grep -q "2 expectations, 2 passed" "$tmp/out" || { echo "scale: clock run failed"; cat "$tmp/out"; exit 1; }
	awk -v s="$clock_s" -v shape="$shape" 'BEGIN {
		printf "  virtual clock, 1000 guests on %-7s pinging each second: 64 s simulated in %.2f s = %.0fx real time  [goal >= 100x]\n",
			shape, s, 64 / s }'
done
