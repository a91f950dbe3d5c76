#!/usr/bin/env bash
# Frames/s between two external VDE clients (bench/vdebench: libvdeplug,
# 64-byte frames, one sender, one receiver) through qnetsim serving VDE
# from a bridge, beside the same two clients through vde_switch, in the
# same run, alternating, RUNS times each (default 5); then the medians.
set -u
QNETSIM=${QNETSIM:-./qnetsim}
VDEBENCH=${VDEBENCH:-./build/bench/vdebench}
FRAMES=${FRAMES:-500000}
RUNS=${RUNS:-5}
tmp=$(mktemp -d /tmp/qnetsim-vdebench.XXXXXX)
trap 'jobs -p | xargs -r kill 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
if ! command -v vde_switch > /dev/null; then
	echo "vde bench: vde_switch is not installed (scripts/install-deps)"
	exit 1
fi
cat > "$tmp/sw.ini" <<EOF2
[bridge br0]
vde = $tmp/q.vde
EOF2
rate() { sed -n 's/.*: \([0-9]*\) frames\/s/\1/p' "$1"; }
loss() { sed -n 's/.* loss \([0-9.]*\)%.*/\1/p' "$1"; }
echo "vde bench: $FRAMES 64-byte frames, client to client"
printf '%-4s %-26s %-26s %s\n' run "vde_switch" "qnetsim (bridge, vde=)" "qnetsim / vde_switch"
ratios=""
for run in $(seq "$RUNS"); do
	vde_switch -s "$tmp/v.vde" -d -p "$tmp/v.pid" > /dev/null 2>&1
	sleep 0.3
	"$VDEBENCH" "$tmp/v.vde" "$FRAMES" > "$tmp/v.out"
	kill "$(cat "$tmp/v.pid")"
	"$QNETSIM" --headless -q "$tmp/sw.ini" > "$tmp/q.log" 2>&1 &
	q=$!
	sleep 0.3
	"$VDEBENCH" "$tmp/q.vde" "$FRAMES" > "$tmp/q.out"
	kill $q
	wait $q 2>/dev/null
	rv=$(rate "$tmp/v.out"); rq=$(rate "$tmp/q.out")
	ratio=$(echo "scale=2; $rq / $rv" | bc)
	ratios="$ratios $ratio"
	printf '%-4s %-26s %-26s %sx\n' "$run" "$rv/s, loss $(loss "$tmp/v.out")%" \
		"$rq/s, loss $(loss "$tmp/q.out")%" "$ratio"
	sleep 0.3
done
echo "median qnetsim / vde_switch: $(printf '%s\n' $ratios | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")x"
