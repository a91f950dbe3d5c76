#!/usr/bin/env bash
# TUI tests: the real binary inside tmux, driven with send-keys and read
# back with capture-pane. Each check waits (polling, at most WAIT seconds)
# for text to appear; none asserts how fast anything happened.
#
# With -v the UI's stderr goes to a log; a sanitizer report there, a
# non-zero exit or a terminal left in raw mode fails the test.
set -u
. "$(dirname "$0")/../lib.sh"
WAIT=${WAIT:-15}
tmp=$(mktemp -d /tmp/qnetsim-tui.XXXXXX)
sessions=0
sock="$tmp/tmux.0.sock"
cleanup() {
	for s in "$tmp"/tmux.*.sock; do tmux -S "$s" kill-server > /dev/null 2>&1; done
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v tmux > /dev/null; then
	echo "not ok - tmux is not installed (scripts/install-deps installs it)"
	exit 1
fi
QNETSIM=$(cd "$(dirname "$QNETSIM")" && pwd)/$(basename "$QNETSIM")

tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t q 2> /dev/null; }

# start WIDTH HEIGHT ARGS...: runs qnetsim in a fresh tmux session; when it
# exits the pane prints its exit status and the terminal's modes. QCWD sets
# its directory, QENV adds to its environment.
start() {
	local w=$1 h=$2
	shift 2
	# A fresh tmux server (own socket) per session: no race with the last one.
	tm kill-server > /dev/null 2>&1
	sessions=$((sessions + 1))
	sock="$tmp/tmux.$sessions.sock"
	rm -f "$tmp/log"
	tm -f /dev/null new-session -d -s q -x "$w" -y "$h" -c "${QCWD:-$top}" \
		"env TERM=screen ${QENV:-} $QNETSIM -v $tmp/log $*; echo EXIT=\$?; stty -a | tr ' ;' '\n\n' | grep -E '^-?(echo|icanon)\$' | sed 's/^/MODE=/'; echo DONE; sleep 600"
	tm set-option -t q -g status off > /dev/null
}

# wait_for REGEX: true once the screen matches.
wait_for() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# check NAME REGEX: waits for REGEX, reports, shows the screen on failure.
check() {
	if wait_for "$2"; then
		ok "$1"
	else
		not_ok "$1 (no /$2/ on screen)"
		screen | sed 's/^/    | /'
	fi
}

keys() { tm send-keys -t q "$@"; }

# The rows of the Frames list (the box's own line has one space after the
# time, the list's at least two).
hop_rows() { screen | grep -Ec '^[0-9]+\.[0-9]{6}  '; }

# check_rows NAME N [-eq]: waits until Frames lists at least N hops (with
# -eq, exactly N).
check_rows() {
	local i op=${3:--ge}
	for ((i = 0; i < WAIT * 10; i++)); do
		[ "$(hop_rows)" "$op" "$2" ] && { ok "$1"; return; }
		sleep 0.1
	done
	not_ok "$1 (not $op $2 hops listed)"
	screen | sed 's/^/    | /'
}

# check_gone NAME REGEX: waits until REGEX is no longer on screen.
check_gone() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		screen | grep -Eq -- "$2" || { ok "$1"; return; }
		sleep 0.1
	done
	not_ok "$1 (/$2/ still on screen)"
	screen | sed 's/^/    | /'
}

# check_text NAME TEXT: waits for TEXT on screen even when it is wrapped
# over several lines (lines joined, runs of blanks made one).
joined() { screen | sed 's/ *$//' | tr '\n' ' ' | tr -s ' '; }
check_text() {
	local i
	for ((i = 0; i < WAIT * 10; i++)); do
		joined | grep -qF -- "$2" && { ok "$1"; return; }
		sleep 0.1
	done
	not_ok "$1 (no '$2' on screen)"
	screen | sed 's/^/    | /'
}

# check_port_order NAME: the Counters rows are in natural order (node
# name, then port number: sw1.2 before sw1.10 before sw2.1).
check_port_order() {
	local shown
	shown=$(screen | sed -n '/^PORT  *LINK/,$p' | sed 1d | grep -Eo '^[a-z][a-z0-9]*\.[a-z0-9]+ ')
	if [ -n "$shown" ] && [ "$shown" = "$(printf '%s\n' "$shown" | sort -V)" ]; then
		ok "$1"
	else
		not_ok "$1"
		screen | sed 's/^/    | /'
	fi
}
# The pane's shell runs qnetsim as its only child (env execs it).
qnetsim_pid() { pgrep -P "$(tm list-panes -t q -F '#{pane_pid}')" | head -1; }
# type TEXT: literal text, then Enter.
typeline() { tm send-keys -t q -l -- "$1"; tm send-keys -t q Enter; }

sanitizers_clean() {
	if [ -f "$tmp/log" ] && grep -Eq 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$tmp/log"; then
		not_ok "$1: sanitizer report"
		sed 's/^/    | /' "$tmp/log" | head -40
	fi
}

quit_and_check() {
	keys q
	if wait_for '^DONE$' && screen | grep -q '^EXIT=0' &&
	   screen | grep -q '^MODE=echo$' && screen | grep -q '^MODE=icanon$'; then
		ok "$1: q exits 0 and the terminal is sane again (echo, icanon)"
	else
		not_ok "$1: exit or terminal state"
		screen | sed 's/^/    | /'
	fi
	sanitizers_clean "$1"
}

# 1. Opening a topology lists its nodes and ports.
start 150 40 tests/tui/lab.ini
check "opening lists the bridge" "bridge br0 \(0 MACs\)"
check "opening lists the hub" "hub lan"
check "opening lists every guest" "guest vm3"
check "ports show their link and peer" "br0\.1 +up +-> vm1\.nic0"
check "the status line shows clock and mode" "t=[0-9.]+s 1x RUN"

# 2. A ping typed at the prompt: ARP and ICMP in Frames, the MACs in MAC tables.
keys :
typeline "ping vm1 10.0.0.2 count=2"
check "the prompt echoes the command" "> ping vm1 10.0.0.2 count=2"
keys 2
check "Frames shows the ARP request flooded by the bridge" \
	"br0\.1 +in .*ARP, Request who-has 10\.0\.0\.2 tell 10\.0\.0\.1 .*flooded: broadcast"
check "Frames shows the ARP reply" "ARP, Reply 10\.0\.0\.2 is-at 52:54:00:00:01:02"
check "Frames shows the echo request forwarded" \
	"br0\.1 +in .*ICMP echo request, id [0-9]+, seq 0 .*forwarded -> br0\.2"
check "Frames shows the echo reply" "ICMP echo reply, id [0-9]+, seq 1"
keys 3
check "MAC tables: vm1's MAC on br0.1" "52:54:00:00:01:01 +1 +br0\.1 +[0-9.]+s"
check "MAC tables: vm2's MAC on br0.2" "52:54:00:00:01:02 +1 +br0\.2 +[0-9.]+s"
check "MAC tables: ... and its owner, the NIC" "52:54:00:00:01:02 +1 +br0\\.2 +[0-9.]+s +vm2\\.nic0"
check "MAC tables: an OWNER column" "MAC +VLAN +PORT +AGE +OWNER"

# 3. set_link off: the port shows down and its drops count. vm2 still
# knows vm1's MAC, so its echo requests die on its own port, counted.
keys :
typeline "set_link vm2.nic0 off"
keys :
typeline "ping vm2 10.0.0.1 count=3 interval=100ms"
keys 1
check "Topology shows vm2.nic0 off" "vm2\.nic0 +off +-> br0\.2"
check "Topology shows br0.2's peer off" "br0\.2 +peer off +-> vm2\.nic0"
keys 4
check "Counters: vm2.nic0 is off and counts its drops as link_down" \
	"vm2\.nic0 +off( +[0-9.kM]+){7} +3 +link_down"
keys :
typeline "set_link vm2.nic0 on"
check "Counters: vm2.nic0 up again" "vm2\.nic0 +up "

# filter_shows FILTER WHAT REGEX: sets a Frames filter; every hop listed
# then matches REGEX.
filter_shows() {
	keys /
	typeline "$1"
	# The panel's own line, not the message line: the list is redrawn with it.
	check "filter '$1' is set" "Frames +live +filter: $1  "
	if screen | grep -E '^[0-9]+\.[0-9]{6} ' | grep -Evq -- "$3"; then
		not_ok "filter '$1' let another hop through"
		screen | sed 's/^/    | /'
	else
		ok "with filter '$1', every hop shown is $2"
	fi
}

# Filter, follow, help and a pop-up.
keys 2
filter_shows "arp" "ARP" "ARP"
filter_shows "node br0 and arp" "an ARP frame at a br0 port" " br0\.[0-9]+ .*ARP"
keys /
typeline "reason bogus"
check "a bad reason is refused, naming it" "error: filter 'reason bogus': reason 'bogus': not a drop reason"
keys /
typeline "icmp andd arp"
check "a bad filter is refused with libpcap's message" "error: filter 'icmp andd arp'"
keys x Up Enter
check "Enter follows one frame" "following frame #[0-9]+"
keys Escape '?'
check "? lists the keys" "n +step: advance exactly one hop"
keys Escape :
typeline "help"
check "a long command output opens a pop-up" "lines 1-[0-9]+ of [0-9]+"
check "the pop-up shows the output" "set_link PORT on\|off"
keys Escape
quit_and_check "lab"

# 4. Step mode: exactly one hop per key.
start 100 30 --paused tests/tui/stepper.ini
check "starts paused" "PAUSED"
keys 2
# The hops of one ping, in order, each with its explanation.
explain=(
	"Guest vm1 sent the frame out of vm1.nic0"
	"Bridge br0 got the frame on br0.1. ff:ff:ff:ff:ff:ff is the broadcast"
	"Guest vm2's NIC vm2.nic0 accepted the frame"
	"Guest vm2 sent the frame out of vm2.nic0"
	"Bridge br0 got the frame on br0.2. Its MAC table has 52:54:00:00:02:01 on br0.1"
	"Guest vm1's NIC vm1.nic0 accepted the frame"
)
stepped_ok=1
for n in 1 2 3 4 5 6; do
	keys n
	if ! wait_for "\| $n hops \|"; then
		stepped_ok=0
		not_ok "step $n: the status line does not show $n hops"
		screen | sed 's/^/    | /'
		break
	fi
	sleep 0.3
	if ! screen | grep -q "| $n hops |"; then
		stepped_ok=0
		not_ok "step $n advanced more than one hop"
		screen | sed 's/^/    | /'
		break
	fi
	if ! screen | grep -qF "${explain[$((n - 1))]}"; then
		stepped_ok=0
		not_ok "step $n: no explanation '${explain[$((n - 1))]}'"
		screen | sed 's/^/    | /'
		break
	fi
done
[ "$stepped_ok" -eq 1 ] && ok "step mode advances exactly one hop per key, each explained (6 steps)"
check "the status line says STEP" "STEP"
quit_and_check "stepper"

# 5. A resize to 80x24 keeps every panel readable.
start 170 56 tests/tui/lab.ini
check "a big terminal shows all five panels at once" "4 Counters .*sorted by"
check "... the Map across the bottom, with br0 drawn" "5 Map"
keys :
typeline "ping vm1 10.0.0.2 count=1"
check "the ping's reply reaches Frames" "ICMP echo reply"
tm resize-window -t q -x 80 -y 24
keys 1 Home Down Down Down Down Down
check "80x24: Topology lists nodes" "guest vm1"
check "80x24: Topology shows the selected guest's details" "ARP cache"
check "80x24: ... with its ARP entry" "10\.0\.0\.2 +52:54:00:00:01:02"
keys Home Down
check "80x24: a selected port shows its own details" "│ ?port br0\.1"
check "80x24: ... its link and peer" "│ ?link up -> vm1\.nic0"
check "80x24: ... its counters" "│ ?rx_frames +[0-9]+"
check "80x24: ... what its link does" "│ ?sends with no impairment"
keys 2
check "80x24: Frames has its columns" "TIME +PORT +DIR +SOURCE +DEST +SUMMARY"
check "80x24: Frames lists hops" "ICMP echo"
keys 3
check "80x24: MAC tables lists entries" "52:54:00:00:01:01 +1 +br0\.1"
keys 4
check "80x24: Counters has its columns" "PORT +LINK +RX +TX +RX-BYTES +TX-BYTES +RX/s +BIT/s +DROPS"
check "80x24: the status line is there" "^ t=[0-9.]+s 1x RUN"
check "80x24: the status line ends with ? keys rather than be cut" "^ t=[0-9.]+s 1x RUN .*\| \? keys$"
if screen | awk 'length > 80 { bad = 1 } END { exit !bad }'; then
	not_ok "80x24: a line is wider than the terminal"
else
	ok "80x24: no line wider than 80 columns"
fi
quit_and_check "resize"

# 5b. The Map panel: the drawing --export text makes, at 80x24, with
# box-drawing characters in a UTF-8 locale and ASCII without one; its
# selection is every panel's; / finds a node; a link set off is dashed.
sed '/^\[scenario\]/,$d' topologies/bridge-basics.ini > "$tmp/bb.ini"
sed '/^\[scenario\]/,$d' topologies/stp-triangle.ini > "$tmp/tri.ini"
QENV="LANG=C.UTF-8" start 80 24 --paused "$tmp/bb.ini"
keys 5
check "map: the bridge as a double box" "║ br0 +║"
check "map: its ports' numbers beside the links" "│1  │2  │3"
check "map: the guests as light boxes" "│ pc1 │   │ pc2 │   │ pc3 │"
drawn=$(screen | sed -n '3,11p' | sed 's/ *$//')
want=$("$QNETSIM" --export text topologies/bridge-basics.ini 2> /dev/null | sed 's/ *$//')
if [ "$drawn" = "$want" ]; then
	ok "map: the panel shows what --export text prints, row for row"
else
	not_ok "map: the panel differs from --export text"
	diff <(echo "$want") <(echo "$drawn") | sed 's/^/    | /'
fi
keys /
tm send-keys -t q -l "pc3"
keys Enter 1
check "map: / finds pc3 and Topology shows the same selection" "│ guest pc3$"
check "... its details (its NIC)" "│nic0 virtio-net-pci 52:54:00:00:00"
keys 5 Up
keys 1
check "map: Up from pc3 selects br0, in Topology too" "│ ?bridge br0"
keys 5 :
typeline "set_link br0.2 off"
check "map: a link that is off is dashed" "╎"
keys :
typeline "ping pc1 172.16.0.2 count=1"
keys n n
check "map: in step mode the title says the hop" "5 Map  #[0-9]+ br0\\.1 in: flooded: broadcast"
check "map: ... and the decision is written beside the bridge" "║ br0 +║ < flooded: broadcast"
keys z
check "map: z draws names only" "\\[ *br0 *\\]"
keys z
quit_and_check "map"
QENV="LANG=C" start 80 24 --paused "$tmp/tri.ini"
keys 5
check "map without UTF-8: ASCII boxes, # for bridges" "#=+#=+#"
check "map without UTF-8: guests in +-| boxes" "\\| pc1 \\|"
quit_and_check "map-ascii"

# 5b'. Mouse: a click on pc3's box in the Map selects it (Topology then
# shows pc3's NIC). tmux passes no mouse reports in, so this one runs
# under script(1) with xterm's SGR reports (press and release at column
# 23, row 10) on its stdin.
mouse_run() {
	(sleep 1; printf '5'; sleep 0.5; printf '%b' "$1"; sleep 0.4; printf '1'; sleep 0.8
	 printf 'q'; sleep 0.5) |
		env TERM=xterm LANG=C.UTF-8 COLUMNS=80 LINES=24 \
		script -qfec "$QNETSIM --paused $tmp/bb.ini" /dev/null 2>&1
}
if mouse_run '\033[<0;23;10M\033[<0;23;10m' | grep -aq "virtio-net-pci 52:54:00:00:00" &&
   ! mouse_run '' | grep -aq "virtio-net-pci 52:54:00:00:00"; then
	ok "mouse: a click on pc3 in the Map selects it everywhere (and without it, it is not)"
else
	not_ok "mouse: the click on pc3 did not select it"
fi

# A click on a Frames row selects that hop, a second opens it: three
# steps, then two clicks on the first row (row 4: tabs, title, heads)
# open a1's hop, the first.
mouse_frames() {
	(sleep 1; printf '2nnn'; sleep 0.6; printf '%b' "$1"; sleep 0.3; printf '%b' "$2"; sleep 0.8
	 printf 'qq'; sleep 0.5) |
		env TERM=xterm LANG=C.UTF-8 COLUMNS=80 LINES=24 \
		script -qfec "$QNETSIM --paused topologies/hub-vs-bridge.ini" /dev/null 2>&1
}
click='\033[<0;10;4M\033[<0;10;4m'
if mouse_frames "$click" "$click" | grep -aq ': a1\.nic0 sent' &&
   ! mouse_frames "$click" "" | grep -aq ': a1\.nic0 sent'; then
	ok "mouse: a click selects a Frames row, a second on it opens its frame (one does not)"
else
	not_ok "mouse: two clicks on Frames' first row did not open a1.nic0's hop"
fi

# 5c. Step back: three steps forward and three back give the screen of
# before, row for row (the run is replayed on a new sim); forward again
# gives the same three hops; r restarts; a run with real peers says why
# it cannot.
QENV="LANG=C.UTF-8" start 80 24 --paused "$tmp/bb.ini"
keys 2 :
typeline "ping pc1 172.16.0.2 count=1"
check "step back: the ping is queued" "> ping pc1 172\\.16\\.0\\.2 count=1"
keys b
check "step back: before any step, b says so" "step back: this is where stepping began"
before=$(screen | sed -n '1,18p')
keys n n n
check "step back: three steps" "\\| 3 hops \\|"
after3=$(screen | sed -n '1,18p')
keys b b b
check "step back: three steps back reach hop 0" "step back: 0 hops into the run, t=0\\.000000s"
# same_rows NAME SAVED: rows 1-18 of the screen are SAVED, byte for byte.
same_rows() {
	if [ "$(screen | sed -n '1,18p')" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1: the screen differs"
		diff <(echo "$2") <(screen | sed -n '1,18p') | sed 's/^/    | /'
	fi
}
same_rows "step back: three forward and three back give the same screen (rows 1-18)" "$before"
keys n n n
check "step back: three steps again" "\\| 3 hops \\|"
same_rows "step back: the same three hops again, the same screen" "$after3"
keys 5 b
check "step back: the map shows the hop stepped back to" "5 Map  #[0-9]+ br0\\.1 in: flooded: broadcast"
keys r
check "r restarts the run" "restarted: the run from its start, t=0"
check "... with no hops" "\\| 0 hops \\|"
quit_and_check "step back"
QENV="LANG=C.UTF-8" start 80 24 --paused topologies/seed002-user.ini
keys b
check "step back with real peers: not available, and why" "step back is not available: this topology talks to the world outside"
keys q
wait_for '^DONE$' > /dev/null

# 5e. A routed hop is explained with the route that matched.
sed '/^\[scenario\]/,$d' topologies/router-on-a-stick.ini > "$tmp/ros.ini"
QENV="LANG=C.UTF-8" start 100 30 --paused "$tmp/ros.ini"
keys 2 /
typeline "routed"
keys :
typeline "ping pc1 10.0.20.2 count=1"
keys n
check "routing: step (filter routed) stops at r1's hop" "routed -> r1\\.nic0 in VLAN 20"
check "routing: ... explained with the route" "Guest r1 routes \\(forward = on\\)\\. The packet for 10\\.0\\.20\\.2"
check "routing: ... the route: a subnet of its own" "a subnet of its own"
check "routing: ... and the TTL it left with" "TTL one lower \\(63\\)"
quit_and_check "routing"

# 5d. A lesson: say stops the clock and shows its text; ask shows the
# question and takes 1..n; a wrong answer is told the right one.
QENV="LANG=C.UTF-8" start 100 30 topologies/lessons/01-hub-vs-bridge.ini
check "lesson: say shows its text in a box" "Two networks: a1, a2, a3 on a hub"
check "lesson: ... and stops the clock" "PAUSED"
keys Enter ' '
check "lesson: ask shows the question" "Which guests does it reach\\?"
check "lesson: ... with numbered choices" "2 +a2\\+a3"
keys 1
check "lesson: a wrong answer is told the right one" "Not quite: you said a2; the answer is a2\\+a3\\."
keys ' '
check "lesson: the next step explains" "a2 and a3 both: a broadcast goes everywhere"
keys Enter ' '
check "lesson: the next question" "Does a3 get copies of them\\?"
keys 1
check "lesson: a right answer is said so" "Right: yes\\."
keys q
wait_for '^DONE$' > /dev/null

# 6. SIGTERM and NO_COLOR: the terminal is restored on a signal too.
start 80 24 tests/tui/lab.ini
check "running" "1x RUN"
kill -TERM "$(qnetsim_pid)"
if wait_for '^DONE$' && screen | grep -q '^MODE=echo$' && screen | grep -q '^MODE=icanon$' &&
   screen | grep -q 'interrupted by a signal'; then
	ok "SIGTERM: the UI ends and restores the terminal"
else
	not_ok "SIGTERM handling"
	screen | sed 's/^/    | /'
fi
sanitizers_clean "sigterm"

# 7. Keys on the selection, history, colours.
# c captures to ./PORT.pcap: run this one in $tmp/pcap.
mkdir -p "$tmp/pcap"
QCWD="$tmp/pcap" start 100 30 "$top/tests/tui/lab.ini"
check "running" "1x RUN"
# Rows: br0, br0.1, br0.2, lan, lan.1, vm1, vm1.nic0, ...
keys 1 Home Down Down l
check "l turns the selected port's link off" "> set_link br0\.2 off"
check "... and Topology shows it" "br0\.2 +off +-> vm2\.nic0"
keys l
check "l again turns it on" "> set_link br0\.2 on"
keys c
check "c starts a capture on the selected port" "> capture br0\\.2 \\./br0\\.2\\.pcap"
keys Home Down Down Down Down Down p
tm send-keys -t q -l -- "10.0.0.2 count=1"
keys Enter
# The ping's own lines (ping(8)'s) push the command out of the message
# area at once: its statistics show the prompt ran it.
check "p opens the prompt with a ping from the selected guest" \
	"> ping vm1 10\.0\.0\.2 count=1|vm1: 1 packets transmitted, 1 received"
keys 3
check "the ping's frames were learned" "52:54:00:00:01:02 +1 +br0\.2"
keys 1 Home f
check "f flushes the selected bridge" "> mac_flush br0"
keys 1 Home Down Down c
check "c again stops the capture" "> capture_stop br0\.2"
if [ -s "$tmp/pcap/br0.2.pcap" ] && command -v tshark > /dev/null &&
   tshark -r "$tmp/pcap/br0.2.pcap" 2> /dev/null | grep -q "Echo (ping) request"; then
	ok "the capture holds the ping (tshark reads it)"
elif [ -s "$tmp/pcap/br0.2.pcap" ] && ! command -v tshark > /dev/null; then
	ok "the capture file was written (tshark not installed)"
else
	not_ok "capture file $tmp/pcap/br0.2.pcap"
fi
keys : Up
check "Up at the prompt recalls the last command" ":ping vm1 10\.0\.0\.2 count=1"
keys Escape
if tm capture-pane -e -p -t q | grep -q $'\e\[3[0-7]m\|\e\[4[0-7]m\|;3[0-7]m\|;4[0-7]m'; then
	ok "colours are used by default"
else
	not_ok "no colour escapes on screen"
fi
quit_and_check "keys"
QENV=NO_COLOR=1 start 100 30 tests/tui/lab.ini
check "running with NO_COLOR" "1x RUN"
if tm capture-pane -e -p -t q | grep -q $'\e\[3[0-7]m\|\e\[4[0-7]m\|;3[0-7]m\|;4[0-7]m'; then
	not_ok "NO_COLOR: colour escapes on screen"
else
	ok "NO_COLOR: no colours, only bold and reverse"
fi
quit_and_check "no_color"

# 9. Real sockets: netdevs show their peer state; the clock is real time.
cp topologies/socket-vlans.ini "$tmp/sock.ini"
sed -i "s/8011/$(( 20000 + RANDOM % 20000 ))/" "$tmp/sock.ini"
start 100 30 "$tmp/sock.ini"
check "a topology with sockets runs in real time" "real time"
# Rows: A, A.nic0, B, B.nic0, listener, listener.0, client, client.0, ...
keys 1 Home Down Down Down Down
check "Topology lists the netdev with its state" "netdev listener \\(socket, connected\\)"
check "... and its details name the peer" "connected to 127\\.0\\.0\\.1:[0-9]+"
check "... and count frames from outside" "from outside +[1-9]"
keys 2
check "Frames shows hops through the socket" "client\\.0 +(in|out) .*ICMP echo"
# Quitting before the expectations are due would leave them NOT RUN,
# which exits 1.
check "the socket scenario's expectations pass" "expect 4/4"
quit_and_check "sockets"

# 10. The user NAT: a DHCP guest and its lease, seen from both sides.
cat > "$tmp/nat.ini" <<'INI'
[guest A]
nic = model=e1000,netdev=nat
ip  = dhcp

[netdev nat]
type    = user
INI
start 100 30 "$tmp/nat.ini"
# Rows: A, A.nic0, nat, nat.0
keys 1 Home
check "a DHCP guest shows its lease in Topology" "DHCP bound, lease 86400s"
check "... and the address it got" "10\\.0\\.2\\.15/24"
keys Down Down
check "the user netdev shows its state" "netdev nat \\(user, open\\)"
check "... and its DHCP lease" "52:54:00:12:34:56 10\\.0\\.2\\.15"
quit_and_check "usernet"

# 8. A crash (SIGSEGV) still leaves a sane terminal; the signal is
# re-raised, so the shell sees 128+11.
start 80 24 tests/tui/lab.ini
check "running before the crash" "1x RUN"
kill -SEGV "$(qnetsim_pid)"
if wait_for '^DONE$' && screen | grep -q '^EXIT=139' &&
   screen | grep -q '^MODE=echo$' && screen | grep -q '^MODE=icanon$'; then
	ok "SIGSEGV: the terminal is restored and the crash is not hidden (exit 139)"
else
	not_ok "SIGSEGV handling"
	screen | sed 's/^/    | /'
fi

# 9. The spanning tree, converged in virtual time at full speed: the
# bridge's panel shows each port's role and state.
start 150 45 --speed max topologies/stp-triangle.ini
check "STP: the scenario ran to its end" "scenario done"
# Rows: sw1, sw1.1, sw1.2, sw2, sw2.1, sw2.2, sw2.3, sw3
keys 1 Home Down Down Down Down Down Down Down
check "STP: sw3 names the root and its way to it" "root 4096\.02:00:00:00:00:01"
check "STP: sw3.2 is the alternate port, blocking" "sw3\.2 alternate blocking"
check "STP: sw3.1 is the root port, forwarding" "sw3\.1 root forwarding"
quit_and_check "stp"

# 10. A broadcast storm (a loop, no spanning tree) keeps the UI
# responsive: keys are still read and q still quits.
sed '/^duration/d' topologies/bridge-loop.ini > "$tmp/storm.ini"
start 120 35 "$tmp/storm.ini"
check "storm: the clock runs" "1x RUN"
check "storm: the counters show the flood" "flooded bcast +[0-9]{3,}|[0-9]+k frames/s|[0-9.]+M hops"
keys '?'
check "storm: the help still opens" "flush the selected bridge"
keys Escape
# Its expectations are at 0.1 s: q before them would rightly exit 1 (NOT
# RUN), and a slow (ASan) build takes a while to get there.
check "storm: the scenario's expectations ran" "scenario done"
quit_and_check "storm"

# 11. A resize to a tiny terminal and back leaves no rows hidden above.
start 80 24 tests/tui/lab.ini
check "resize: running" "1x RUN"
keys 1 End
tm resize-window -t q -x 40 -y 10
check "resize: 40x10 is drawn" "^ qnetsim lab\.ini +1 Topology +2 Frames *$"
check "resize: 40x10 shows the selection" "vm3\.nic0"
tm resize-window -t q -x 80 -y 24
check "resize: back at 80x24, Topology starts at its first row" "^bridge br0 \(0 MACs\)"
quit_and_check "resize back"

# 12. Counters sorted by port: by node name, then port number.
start 100 40 tests/tui/ports.ini
check "counters: running" "1x RUN"
# Down before the panel's first draw still moves the selection.
keys 4 Down Down
check "counters: Down right after 4 selects the third port" "^ h\.3 drops: none"
check "counters: the default sort is PORT" "sorted by PORT"
check "counters: sw1.10 is listed" "^sw1\.10 "
check_port_order "counters: ports in natural order (sw1.2 < sw1.10 < sw2.1)"
quit_and_check "port sort"
start 120 40 --speed max topologies/vlan-trunk-mismatch.ini
check "counters: vlan-trunk-mismatch ran" "scenario done"
keys 4
check "counters: vlan-trunk-mismatch lists sw2.4" "^sw2\.4 "
check_port_order "counters: vlan-trunk-mismatch's ports in natural order"
# The last column, the main drop reason, sorts by the reason's name.
keys '<'
check "counters: < from PORT sorts by the drop reason" "sorted by MOST DROPS FOR"
if screen | sed -n '/^PORT  *LINK/{n;p;n;p;n;p}' | tr -s ' ' | cut -d' ' -f1,11 |
   tr '\n' ',' | grep -q '^pc2\.nic0 arp_failed,sw2\.3 vlan,[a-z0-9.]*,$'; then
	ok "counters: by reason, arp_failed then vlan, then the ports with none"
else
	not_ok "counters: by reason"
	screen | sed 's/^/    | /'
fi
# The drops line says what the reason means, not "vlan 3" (VLAN 3?).
keys Down
check "counters: sw2.3's drops read 'VLAN not allowed: 3'" "^ sw2\.3 drops: VLAN not allowed: 3 *$"
quit_and_check "port sort 2"

# c with --pcap-dir DIR writes DIR/PORT.c.pcap: DIR/PORT.pcap is the whole
# run's, and two writers would break it.
start 100 30 --pcap-dir "$tmp/pd" tests/tui/lab.ini
check "pcap-dir: running" "1x RUN"
keys 1 Home Down Down c
check "pcap-dir: c captures to PORT.c.pcap" "br0\.2: capturing to .*/pd/br0\.2\.c\.pcap"
keys :
typeline "ping vm1 10.0.0.2 count=1"
check "pcap-dir: the ping ran" "vm1: 1 packets transmitted, 1 received"
keys 1 Home Down Down c
check "pcap-dir: c stops it" "br0\.2: capture stopped, [1-9][0-9]* frames"
keys q
wait_for '^DONE$' > /dev/null
a=$(tshark -r "$tmp/pd/br0.2.c.pcap" -Y icmp 2> /dev/null | wc -l)
b=$(tshark -r "$tmp/pd/br0.2.pcap" -Y icmp 2> /dev/null | wc -l)
if [ "$a" -ge 2 ] && [ "$b" -ge 2 ]; then
	ok "pcap-dir: both files whole (tshark: $a and $b ICMP frames)"
else
	not_ok "pcap-dir: tshark read $a ICMP frames from br0.2.c.pcap, $b from br0.2.pcap"
fi
sanitizers_clean "pcap-dir"

# Quitting before the scenario's expectations: after the terminal is
# restored, the same NOT RUN lines and summary as headless, and exit 1.
start 120 30 topologies/qemu-vlans.ini
check "not run: the UI runs" "1x RUN"
keys q
if wait_for '^DONE$' && screen | grep -q '^EXIT=1' &&
   screen | grep -q '^topologies/qemu-vlans.ini:26: NOT RUN: expect vm2.ping.received == 3 (due at 5.000s' &&
   screen | grep -q '6 expectations, 0 passed, 0 failed, 6 not run' &&
   screen | grep -q '^MODE=echo$'; then
	ok "not run: q before the expectations prints NOT RUN and the summary, exits 1"
else
	not_ok "not run: q before the expectations"
	screen | sed 's/^/    | /'
fi
sanitizers_clean "not run"

# A failed expectation is told apart from one still to come.
printf '[guest a]\nnic = model=e1000,vlan=0\nip = 10.0.0.1/24\n[scenario]\nat 0.1s = expect a.nic0.tx_frames == 5\nat 30s = expect a.nic0.tx_frames == 0\n' > "$tmp/fail.ini"
start 120 30 "$tmp/fail.ini"
check "status: a failure shows as FAILED, apart from the one to come" "\| expect 0/2, 1 FAILED \|"
keys q
wait_for '^DONE$' > /dev/null
sanitizers_clean "failed status"

# The loader's warnings, printed before the screen is the UI's, are shown
# in its messages too.
start 160 30 --paused topologies/qemu-vlans.ini
check "warnings: the loader's warning is in the messages" \
	"qemu-vlans.ini:11: warning: vm1.nic0 has no vlan=, netdev= or \[link\]"
keys q
wait_for '^DONE$' > /dev/null
sanitizers_clean "warnings"

# 12b. A status line with a scenario's results does not fit 80 columns
# with its key hints: they go, the results stay whole.
start 80 24 --speed 10 topologies/hub-vs-bridge.ini
check "status: the scenario ran" "scenario done"
check "status: ... and the line ends with it, not cut" "^ t=[0-9.]+s 10x RUN .*\| expect 11/11 \| scenario done$"
quit_and_check "status"

# 13. Frames keeps its page full: Home shows the first hop and the ones
# after it; Enter (follow) shows all of a frame's hops; the box numbers a
# hop within its frame.
start 80 24 --speed max tests/tui/stepper.ini
check "frames: the ping ran" "scenario done"
keys 2 Home
check "frames: Home selects the first hop" "^ hop 1 of 3 of frame #[0-9]+ "
check_rows "frames: after Home the page is full, not just the first hop" 8
keys Down
check "frames: Down selects the second hop" "^ hop 2 of 3 of frame #[0-9]+ "
keys Enter
check "frames: Enter follows the frame" "following frame #[0-9]+"
check_rows "frames: following shows the frame's 3 hops and no other" 3 -eq
check "frames: ... its last hop too" "vm2\.nic0 +in +00:02:01>bcast"
keys Escape Home Down Down Down Down Down Down Down
check "frames: the hop number counts within the frame" "^ hop 2 of 3 of frame #[0-9]+ .*Enter"
check "frames: ... on the echo request's second hop (the box's line)" "^ ?0\.000003 #[0-9]+ br0\.1 in 52:54:00:00:02:01 > 52:54:00:00:02:02 len 98: IP"
quit_and_check "frames"

# 14. Step with a filter or a followed frame stops at the next hop shown.
start 100 30 --paused tests/tui/stepper.ini
check "filtered step: starts paused" "PAUSED"
keys 2 /
typeline "icmp"
check "filtered step: the filter is set" "filter: icmp"
keys n
check "filtered step: n runs to the first ICMP hop" "\| 7 hops \|"
check "filtered step: ... and explains it" "step 1 \(6 hidden hops passed\): .*#[0-9]+ vm1\.nic0 out "
keys Enter x n
check "followed step: n goes to the frame's next hop" "\| 8 hops \|"
check "followed step: ... the echo request at br0.1" "step 2: 0\.000003 #[0-9]+ br0\.1 in "
keys n
check "followed step: ... then its last hop" "\| 9 hops \|"
keys n
# The rest of the ping is hidden; then only the bridge's ager is left.
check "followed step: when the frame has no more hops, n says so" \
	"step: 3 hidden hops ran, none shown \(frame #[0-9]+\); no hop within 60s"
quit_and_check "filtered step"

# 15. Nothing cut off: the help uses the width there is, and scrolls on a
# small screen; the Frames box shows a whole explanation; a step's
# explanation is whole when Frames is not on screen; the messages have
# a pager.
start 120 40 tests/tui/lab.ini
check "help at 120 columns: running" "1x RUN"
keys 2 '?'
check "help at 120 columns: a long key line is whole" \
	"/ +filter: dropped, flooded, reason vlan, node sw1, port br0\.2, frame 18,"
keys Escape
quit_and_check "help wide"
start 80 24 tests/tui/lab.ini
check "help at 80x24: running" "1x RUN"
keys 2 '?'
check "help at 80x24: it starts with the global keys" "Keys everywhere"
check "help at 80x24: it says there is more" "lines 1-[0-9]+ of [0-9]+ .*other keys close"
keys End
check "help at 80x24: End scrolls to the last key" "n +step to the next hop shown here"
check_text "help at 80x24: a long line is wrapped, not cut" "ether host 52:54:00:12:34:56)"
keys Escape
quit_and_check "help 80x24"
# The spanning tree without its scenario: quitting before expectations
# are due would leave them NOT RUN (exit 1).
sed '/^\[scenario\]/,$d' topologies/stp-triangle.ini > "$tmp/stp.ini"
start 80 24 --paused "$tmp/stp.ini"
check "box: starts paused" "PAUSED"
keys 2 n Home Down Down Down Down Down Down Down Down
check "box: a BPDU taken by sw2 is selected" "^0\.000000 +#1 sw2\.1 in "
check_text "box at 80x24: the whole explanation is shown" \
	"Bridge sw2 took a configuration BPDU on sw2.1, sent by bridge 4096.02:00:00:00:00:01 (port 0x8001): it names 4096.02:00:00:00:00:01 as root, at path cost 0 from the sender. The spanning tree compares this with what it knows to choose the root, its root port and the designated ports. BPDUs are never forwarded."
quit_and_check "explanation box"
start 80 14 --paused "$tmp/stp.ini"
check "small box: starts paused" "PAUSED"
keys 2 n Home Down Down Down Down Down Down Down Down
check "small box: too small for the BPDU's explanation, it says so" "e: all of it"
keys e
check "e opens the hop in full" "Esc/q closes"
check_text "... with all of its explanation" "and the designated ports. BPDUs are never forwarded."
keys q
quit_and_check "explain in full"
start 80 24 --paused tests/tui/stepper.ini
check "step from Topology: starts paused" "PAUSED"
keys 1 n n
check "step from Topology: two steps" "\| 2 hops \|"
check_text "step from Topology: the whole explanation is in the messages" \
	"so every other port whose link is up gets a copy: 1. It learned 52:54:00:00:02:01 on br0.1."
# Frames was not drawn since the steps: e still acts on the newest hop,
# the one the list shows selected.
keys 2 e
check "e right after 2 shows the newest hop" "^ hop 2 of 2 of frame #[0-9]+"
check "... br0.1's" "^ ?0\.000000 #[0-9]+ br0\.1 in "
keys q
quit_and_check "step explanation"
start 80 24 tests/tui/lab.ini
check "pager: running" "1x RUN"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	keys :
	typeline "echo message number $i"
done
check "pager: the last message is shown" "^message number 12"
keys m
check "pager: m opens the message history at its end" "lines [0-9]+-[0-9]+ of [0-9]+ .*Esc/q closes"
check "pager: ... showing the newest" "^ ?message number 12"
keys Home
check "pager: Home goes to the first message" "^ ?message number 1$|^ ?[^ ]*\.ini: 3 guests"
keys PageDown End
check "pager: End goes back to the newest" "^ ?message number 12"
keys q
check_gone "pager: q closes it" "Esc/q closes"
quit_and_check "pager"

# 17. o opens a hop's frame: its layers, with the fields and values tshark
# shows for the same frame. A headless run of the same topology with the
# same seed makes the same frames; its pcap of the hop's port holds the
# frame, the first there that tshark's display filter matches.
# open_check NAME TOPOLOGY UI-FILTER TSHARK-FILTER TABS FIELD...
open_check() {
	local name=$1 topo=$2 filter=$3 dfilter=$4 tabs=$5 port line n=0 stepped=0
	shift 5
	"$QNETSIM" --headless -q --pcap-dir "$tmp/open-$name" "$topo" > /dev/null 2>&1
	if grep -q '^\[netdev' "$topo"; then
		# Real time: it runs to its end; its few hops stay in the ring.
		QENV="LANG=C.UTF-8" start 100 60 "$topo"
		check "open $name: the run ends" "scenario done"
		keys 2 /
		typeline "$filter"
		check "open $name: the filter is set" "filter: $filter"
		keys Home o
	else
		# Virtual time, stepped: n stops at the first hop the filter
		# shows (a run left going would fill the ring, and Home would
		# find a later hop).
		stepped=1
		QENV="LANG=C.UTF-8" start 100 60 --paused "$topo"
		check "open $name: paused" "PAUSED"
		keys 2 /
		typeline "$filter"
		check "open $name: the filter is set" "filter: $filter"
		keys n
		check "open $name: n steps to the first hop shown" "STEP"
		keys o
	fi
	check "open $name: o opens the hop's frame" "^ hop [0-9]+ of [0-9]+ of frame #[0-9]+: "
	port=$(screen | sed -n 's/^ hop [0-9]* of [0-9]* of frame #[0-9]*: \([^ ]*\) .*/\1/p' | head -1)
	for ((i = 0; i < tabs; i++)); do keys Tab; done
	tshark -n -r "$tmp/open-$name/$port.pcap" -Y "$dfilter" -V 2> /dev/null |
		awk '/^Frame [0-9]+:/ { n++ } n == 1' > "$tmp/tv"
	for f in "$@"; do
		# Without tshark's own notes: "[correct]", "[validation disabled]".
		line=$(grep -m1 -E "^ *$f" "$tmp/tv" | sed 's/^ *//; s/ \[[^]]*\]$//; s/ \[[^]]*\]$//')
		if [ -z "$line" ]; then
			not_ok "open $name: tshark shows no '$f' for the first $dfilter frame of $port"
			continue
		fi
		n=$((n + 1))
		check "open $name: '$line' as tshark has it" "^ +$(printf '%s' "$line" | sed 's/[][\\.*^$()+?{}|]/\\&/g')$"
	done
	[ "$n" -ge 3 ] || not_ok "open $name: fewer than 3 fields compared"
	keys Escape
	check_gone "open $name: Esc closes it" "Tab/BackTab a layer"
	if [ "$stepped" -eq 0 ]; then
		quit_and_check "open $name"
		return
	fi
	# Quit while stopped early: 1 (expectations not run) is right.
	keys q
	if wait_for '^DONE$' && screen | grep -Eq '^EXIT=[01]$' && screen | grep -q '^MODE=echo$'; then
		ok "open $name: q quits, the terminal sane"
	else
		not_ok "open $name: exit or terminal state"; screen | sed 's/^/    | /'
	fi
	sanitizers_clean "open $name"
}
open_check arp topologies/bridge-basics.ini arp arp 1 \
	"Address Resolution Protocol" "Opcode:" "Sender MAC address:" "Sender IP address:" \
	"Target MAC address:" "Target IP address:"
open_check icmp topologies/bridge-basics.ini icmp icmp 2 \
	"Internet Protocol Version 4," "Time to Live:" "Identification:" "Header Checksum:" \
	"Type: 8" "Code:" "Identifier \\(BE\\):" "Sequence Number \\(BE\\):"
open_check dhcp topologies/seed003-user-net.ini "udp port 67" dhcp 4 \
	"Dynamic Host Configuration Protocol" "Message type:" "Transaction ID:" \
	"Client MAC address:" "Magic cookie:" "Option: \\(53\\)"
open_check bpdu topologies/bridge-loop-stp.ini "ether dst 01:80:c2:00:00:00" stp 2 \
	"Spanning Tree Protocol" "Protocol Version Identifier:" "BPDU Type:" "Root Identifier:" \
	"Root Path Cost:" "Bridge Identifier:" "Port identifier:" "Hello Time:" "Forward Delay:"
# The selected line's bytes: ARP's sender address is bytes 28-31, as
# tshark's PDML places arp.src.proto_ipv4.
start 100 40 --paused topologies/bridge-basics.ini
check "open bytes: paused" "PAUSED"
keys n 2 o
check "open bytes: the ARP request is open" "^ Address Resolution Protocol \(request\)"
keys Tab Down Down Down Down Down Down Down
check "open bytes: Sender IP address selected" "^ bytes 28-31 \(4\) of 60"
pos=$(tshark -n -r "$tmp/open-arp/pc1.nic0.pcap" -c 1 -T pdml 2> /dev/null |
	sed -n 's/.*name="arp.src.proto_ipv4".* size="\([0-9]*\)" pos="\([0-9]*\)".*/\2+\1/p')
if [ "$pos" = "28+4" ]; then
	ok "open bytes: tshark places it at 28, 4 bytes"
else
	not_ok "open bytes: tshark places the sender address at '$pos'"
fi
# The bytes stand out (reverse video) in the dump: ac 10 00 01.
if tm capture-pane -p -e -t q | grep -q $'\e\\[7mac'; then
	ok "open bytes: the dump highlights them"
else
	not_ok "open bytes: no highlighted byte in the dump"
fi
keys q q
# q before bridge-basics' expectations: exit 1 (NOT RUN) is right.
if wait_for '^DONE$' && screen | grep -q '^EXIT=1' && screen | grep -q '^MODE=echo$'; then
	ok "open bytes: q closes it, then quits (1: expectations not run), the terminal sane"
else
	not_ok "open bytes: exit or terminal state"
	screen | sed 's/^/    | /'
fi
sanitizers_clean "open bytes"
# A frame no longer kept: with --frame-bytes 0 the hop opens from its
# first 64 bytes, and says so.
start 100 40 --frame-bytes 0 topologies/seed003-user-net.ini
check "open cut: the run ends" "scenario done"
keys 2 /
typeline "udp port 67"
keys Home o
check "open cut: it says what was kept" "only the first 64 of [0-9]+ were kept \(--frame-bytes\)"
keys Escape
# A filter on bytes past the first 64 (DHCP's magic cookie) matches no hop
# whose frame is not kept, and every DHCP hop when it is.
keys /
typeline "udp[244:4] = 0x63825363"
check "open cut: the deep filter is set" "filter: udp\[244:4\]"
check_rows "open cut: without the frames, the deep filter shows no hop" 0 -eq
quit_and_check "open cut"
start 100 40 topologies/seed003-user-net.ini
check "deep filter: the run ends" "scenario done"
keys 2 /
typeline "udp[244:4] = 0x63825363"
check "deep filter: set" "filter: udp\[244:4\]"
check_rows "deep filter: with whole frames kept, it shows the DHCP hops" 10
check "deep filter: ... and they are DHCP's" "255\\.255\\.255\\.255\\.6[78]: DHCP"
quit_and_check "deep filter"

# 18. Frames on their way across links, on the map. A hub's flood: every
# copy is a mark on its link, and the title counts them; each hop taken
# delivers one. A slow clock on a delayed link: the mark moves along it.
QENV="LANG=C.UTF-8" start 100 30 --paused topologies/hub-vs-bridge.ini
check "flights: paused" "PAUSED"
keys 5 n n n
check "flights: the hub's flood, with its 2 copies on the way" "^ 5 Map  #2 lan\.1 in: flooded: hub; 2 copies on the way"
marks=$(screen | grep -o '●' | wc -l)
if [ "$marks" -eq 2 ]; then
	ok "flights: 2 marks on the map, one a copy"
else
	not_ok "flights: $marks marks on the map, not 2"; screen | sed 's/^/    | /'
fi
keys n n
check "flights: a copy delivered, 1 still on the way" "delivered; 1 copy on the way"
keys q
wait_for '^DONE$' > /dev/null
sanitizers_clean "flights"
QENV="LANG=C.UTF-8" start 100 30 --speed 0.1 topologies/wan-lossy.ini
check "flights: wan-lossy runs slowly" "0\.1x RUN"
keys 5
# Where the marks are, sampled for a while: a mark seen at 2 places or
# more moved (the WAN's 40 ms take 0.4 s at 0.1x).
for ((i = 0; i < WAIT * 10; i++)); do
	screen | grep -n '●' | while IFS=: read -r row rest; do
		echo "$row:${rest%%●*}" | wc -c | sed "s/^/$row /"
	done >> "$tmp/marks"
	[ "$(sort -u "$tmp/marks" | wc -l)" -ge 3 ] && break
	sleep 0.1
done
if [ "$(sort -u "$tmp/marks" | wc -l)" -ge 3 ]; then
	ok "flights: a frame's mark moves along the WAN link ($(sort -u "$tmp/marks" | wc -l) places)"
else
	not_ok "flights: the marks stayed put: $(sort -u "$tmp/marks" | tr '\n' ' ')"
fi
keys q
wait_for '^DONE$' > /dev/null
sanitizers_clean "flights moving"

# 19. A netdev's details say how a real QEMU VM joins it (qemu-args).
printf '[guest a]\nnic = model=e1000,netdev=up\nip = 10.0.0.1/24\n[netdev up]\ntype = stream\nserver = on\naddr.type = unix\naddr.path = %s\n' \
	"$tmp/up.sock" > "$tmp/join.ini"
start 120 40 "$tmp/join.ini"
check "join: running" "real time"
keys 1 Down Down
check "join: up's details say how a VM joins" "a QEMU VM joins with"
check "join: ... stream, as the client of our server" "stream,server=off,addr.type=unix"
quit_and_check "join"

# 20. --qemu in the UI: the network of a QEMU command line, its problems told.
start 120 30 --qemu "'-net nic -net nic,vlan=1 -net user'"
check "--qemu: the imported network runs" "--qemu: 1 guests, 2 hubs"
check "--qemu: the isolated vlan is told" "hub 1 is not connected to host network"
check "--qemu: the guest gets its lease" "vm1: DHCP nic0: bound 10.0.2.15"
quit_and_check "--qemu"

echo "# tui: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
