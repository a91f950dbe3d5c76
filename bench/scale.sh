#!/usr/bin/env bash
# make bench, part 2: topologies of 1,000, 10,000 and 100,000 sim guests
# (bench/gentopo.sh), on hubs of 100 and on a tree of bridges, where every
# guest ARPs and pings a neighbour at 0 s. For each: --check (load only)
# and a whole run with --report, wall time and peak memory (/usr/bin/time),
# the growth against the 1,000-guest baseline of the same run and shape,
# and the goal beside it. Then the virtual clock's speed: 1,000 guests
# pinging once a second for 60 simulated seconds, in simulated seconds per
# wall second, on the tree of bridges (the realistic case) and on hubs
# (where every frame goes to all 100 guests of a hub: 12 million deliveries).
#
# SCALE_MAX=10000 leaves out the 100,000-guest runs (about 1.5 minutes and
# 1 GB each today).
set -euo pipefail
QNETSIM=${QNETSIM:-./qnetsim}
SCALE_MAX=${SCALE_MAX:-100000}
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/qnetsim-scale.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Prints "seconds peak-KiB" for a command; its output goes to $tmp/out.
measure() {
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out" 2>&1 || {
		cat "$tmp/out"
		return 1
	}
	cat "$tmp/time"
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
		read -r run_s run_kb < <(measure "$QNETSIM" --headless -q --report "$tmp/r.json" "$tmp/t.ini")
		grep -q "2 expectations, 2 passed" "$tmp/out" || {
			echo "scale: $shape $n: expectations failed"
			cat "$tmp/out"
			exit 1
		}
		frames=$(grep -o '"delivered": [0-9]*' "$tmp/r.json" | grep -o '[0-9]*$')
		if [ "$n" = 1000 ]; then
			base_s=$run_s base_kb=$run_kb
		fi
		awk -v shape="$shape" -v n="$n" -v ls="$load_s" -v lk="$load_kb" -v rs="$run_s" \
		    -v rk="$run_kb" -v f="$frames" -v bs="$base_s" -v bk="$base_kb" -v goal="$(goal "$n")" 'BEGIN {
			printf "  scale %-7s %6d guests: --check %6.2f s %7.1f MiB; run %6.2f s %7.1f MiB, %d frames", \
				shape, n, ls, lk / 1024, rs, rk / 1024, f
			if (n > 1000)
				printf "; %.1fx time, %.1fx memory", rs / (bs > 0.01 ? bs : 0.01), rk / bk
			printf "  [%s]\n", goal
		}'
	done
done

for shape in bridges hubs; do
	"$here/gentopo.sh" "$shape" 1000 60 > "$tmp/clock.ini"
	read -r clock_s clock_kb < <(measure "$QNETSIM" --headless -q "$tmp/clock.ini")
	grep -q "2 expectations, 2 passed" "$tmp/out" || { echo "scale: clock run failed"; cat "$tmp/out"; exit 1; }
	awk -v s="$clock_s" -v shape="$shape" 'BEGIN {
		printf "  virtual clock, 1000 guests on %-7s pinging each second: 64 s simulated in %.2f s = %.0fx real time  [goal >= 100x]\n",
			shape, s, 64 / (s > 0.01 ? s : 0.01) }'
done
