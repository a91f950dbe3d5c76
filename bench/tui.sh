#!/usr/bin/env bash
# make bench, part 3: engine speed with the UI open against headless, on
# the same topology and simulated duration in the same run. The UI runs at
# --speed max in a 170x56 tmux window, where all five panels (Frames and
# the Map included) are drawn together 10 times a second: the worst case.
set -euo pipefail
QNETSIM=${QNETSIM:-./qnetsim}
TOPO=${TOPO:-topologies/bridge-loop.ini}
DUR=${DUR:-2s}
RUNS=${RUNS:-3}
tmp=$(mktemp -d /tmp/qnetsim-tuibench.XXXXXX)
sock="$tmp/tmux.sock"
trap 'tmux -S "$sock" kill-server > /dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
if ! command -v tmux > /dev/null; then
	echo "bench/tui.sh: tmux is not installed; skipped"
	exit 0
fi
QNETSIM=$(cd "$(dirname "$QNETSIM")" && pwd)/$(basename "$QNETSIM")

# Prints "frames seconds" from qnetsim's last line.
parse() { sed -n 's/^\([0-9]*\) frames delivered in \([0-9.]*\)s of wall time$/\1 \2/p' "$1" | tail -1; }

rate() { awk -v f="$1" -v s="$2" 'BEGIN { printf "%.2f", f / s / 1e6 }'; }

echo "== UI open (all five panels, the Map included) vs headless: $TOPO, $DUR simulated, $RUNS runs each"
for ((r = 1; r <= RUNS; r++)); do
	"$QNETSIM" --headless --duration "$DUR" "$TOPO" > "$tmp/headless.out"
	read -r hf hs < <(parse "$tmp/headless.out")
	tmux -S "$sock" -f /dev/null new-session -d -s b -x 170 -y 56 \
		"env TERM=screen $QNETSIM --speed max --duration $DUR $TOPO > /dev/tty; sleep 0.2; tmux -S $sock capture-pane -p -S -5 -t b > $tmp/ui.out; sleep 600"
	for ((i = 0; i < 600; i++)); do
		[ -s "$tmp/ui.out" ] && grep -q 'frames delivered' "$tmp/ui.out" && break
		sleep 0.1
	done
	tmux -S "$sock" kill-server > /dev/null 2>&1 || true
	read -r uf us < <(parse "$tmp/ui.out")
	rm -f "$tmp/ui.out"
	printf 'run %d: headless %s M frames/s (%s frames in %ss); UI open %s M frames/s (%s frames in %ss); UI/headless %s\n' \
		"$r" "$(rate "$hf" "$hs")" "$hf" "$hs" "$(rate "$uf" "$us")" "$uf" "$us" \
		"$(awk -v a="$uf" -v b="$us" -v c="$hf" -v d="$hs" 'BEGIN { printf "%.2f", (a / b) / (c / d) }')"
done
