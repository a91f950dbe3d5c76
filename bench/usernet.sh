#!/usr/bin/env bash
# make bench, part 4: TCP throughput from a host client through a user
# netdev's hostfwd into a sim guest (MTU 1500: the guest's MSS is 1460),
# and through a passt netdev's port forward (tcp-ports=) into the same
# guest, beside the same client writing to a plain TCP sink on loopback in
# the same run. The client is nc; the guest discards (port 9), the baseline
# sink is nc -l > /dev/null. Three runs each of BYTES (default 256 MiB).
# The guest's NIC is virtio-net-pci, modelled at 10 Gbit/s (an e1000 is
# modelled at 1 Gbit/s and caps the transfer there).
set -euo pipefail
QNETSIM=${QNETSIM:-./qnetsim}
BYTES=${BYTES:-268435456}
RUNS=${RUNS:-3}
tmp=$(mktemp -d /tmp/qnetsim-usernet.XXXXXX)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$tmp"' EXIT
free_port() { # a port nothing listens on (bench only: a race is harmless)
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
	done
}
now() { date +%s.%N; }
send() { # PORT: seconds to push BYTES through nc to 127.0.0.1:PORT
	local s e
	s=$(now)
	head -c "$BYTES" /dev/zero | nc -N 127.0.0.1 "$1" > /dev/null
	e=$(now)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f\n", e - s }'
}
mbits() { awk -v b="$BYTES" -v t="$1" 'BEGIN { printf "%.0f\n", b * 8 / t / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b / a }'; }

# through TYPE 'NETDEV KEYS' PORT: seconds to push BYTES into a sim guest's
# port 9 through a netdev of that type forwarding 127.0.0.1:PORT.
through() {
	printf '[guest A]\nnic = model=virtio-net-pci,netdev=net0\nip  = dhcp\n\n[netdev net0]\ntype = %s\n%s\n' \
		"$1" "$2" > "$tmp/$1.ini"
	"$QNETSIM" --headless -q "$tmp/$1.ini" > "$tmp/$1.out" 2>&1 &
	local q=$!
	sleep 0.5
	send "$3"
	kill "$q"
	wait "$q" 2>/dev/null || true
}

# passt sandboxes itself in a user namespace; where the kernel refuses one
# (a chroot) it cannot run, and only user is measured.
passt=yes
unshare --user true 2> /dev/null || passt=no
declare -a via viap base
for ((r = 0; r < RUNS; r++)); do
	P=$(free_port)
	via[r]=$(through user "hostfwd = tcp:127.0.0.1:$P-:9" "$P")
	[ "$passt" = yes ] && P=$(free_port) && viap[r]=$(through passt "tcp-ports = 127.0.0.1/$P:9" "$P")
	B=$(free_port)
	nc -l 127.0.0.1 "$B" > /dev/null &
	n=$!
	sleep 0.2
	base[r]=$(send "$B")
	wait "$n" 2>/dev/null || true
done
echo "usernet: $((BYTES >> 20)) MiB from nc on the host, $RUNS runs"
[ "$passt" = yes ] || echo "  passt: not measured (the kernel refuses it a user namespace here)"
for ((r = 0; r < RUNS; r++)); do
	printf '  run %d: user hostfwd -> guest:9  %7.0f Mbit/s;  nc -> nc on loopback  %7.0f Mbit/s;  user/loopback %.2fx' \
		$((r + 1)) "$(mbits "${via[r]}")" "$(mbits "${base[r]}")" "$(ratio "${via[r]}" "${base[r]}")"
	if [ "$passt" = yes ]; then
		printf ';  passt tcp-ports -> guest:9  %7.0f Mbit/s;  passt/loopback %.2fx  passt/user %.2fx' \
			"$(mbits "${viap[r]}")" "$(ratio "${viap[r]}" "${base[r]}")" "$(ratio "${viap[r]}" "${via[r]}")"
	fi
	echo
done
