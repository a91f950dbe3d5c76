#!/usr/bin/env bash
# make bench, part 2: load and run a topology of N guests, where every guest
# ARPs and pings once. Guests sit on hubs of 100 (vlan 0..N/100-1); each
# pings its neighbour on the same hub. Prints wall time and peak memory for
# 10,000 guests against a 1,000-guest baseline from the same run.
set -euo pipefail
QNETSIM=${QNETSIM:-./qnetsim}
tmp=$(mktemp -d /tmp/qnetsim-scale.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

gen() {
	local n=$1 f=$2
	{
		for ((i = 0; i < n; i++)); do
			local hub=$((i / 100)) k=$((i % 100))
			printf '[guest g%d]\nnic = model=e1000,vlan=%d\nip = 10.%d.%d.%d/16\n' \
				"$i" "$hub" "$hub" $((k / 250)) $((k % 250 + 1))
		done
		echo "[scenario]"
		for ((i = 0; i < n; i++)); do
			local hub=$((i / 100)) k=$(((i % 100 + 1) % 100))
			printf 'at 0s = g%d ping 10.%d.%d.%d count=1\n' "$i" "$hub" $((k / 250)) $((k % 250 + 1))
		done
		printf 'at 5s = expect g0.ping.received == 1\n'
		printf 'at 5s = expect g%d.ping.received == 1\n' $((n - 1))
	} > "$f"
}

# Prints "seconds peak-KiB" for a command.
measure() {
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out" 2>&1 || {
		cat "$tmp/out"
		return 1
	}
	cat "$tmp/time"
}

for n in 1000 10000; do
	gen "$n" "$tmp/g$n.ini"
	read -r load_s load_kb < <(measure "$QNETSIM" --check "$tmp/g$n.ini")
	read -r run_s run_kb < <(measure "$QNETSIM" --headless -q --report "$tmp/r$n.json" "$tmp/g$n.ini")
	frames=$(grep -o '"delivered": [0-9]*' "$tmp/r$n.json" | grep -o '[0-9]*$')
	grep -q "2 expectations, 2 passed" "$tmp/out" || { echo "scale: expectations failed"; cat "$tmp/out"; exit 1; }
	eval "load_$n=$load_s run_$n=$run_s kb_$n=$run_kb"
	printf '  scale     %5d guests: load %6.2fs (%6d KiB)  load+run %6.2fs, peak %7d KiB, %d frames delivered\n' \
		"$n" "$load_s" "$load_kb" "$run_s" "$run_kb" "$frames"
done
awk -v a="$run_1000" -v b="$run_10000" -v c="$kb_1000" -v d="$kb_10000" 'BEGIN {
	printf "  scale     10x the guests: %.1fx the time, %.1fx the memory (baseline: 1,000 guests)\n",
		b / (a > 0.005 ? a : 0.005), d / c }'
