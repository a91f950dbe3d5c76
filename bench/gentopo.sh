#!/usr/bin/env bash
# Writes a topology of N sim guests to standard output, for make bench's
# scale part and for anyone who wants a large topology:
#
#   bench/gentopo.sh hubs N [PINGS]     guests on QEMU hubs of 100
#   bench/gentopo.sh bridges N [PINGS]  a tree of bridges: an access bridge
#                                       per 100 guests, 32 access bridges
#                                       under each aggregation bridge, one
#                                       root; every access bridge is a VLAN
#                                       of its own, carried tagged up the
#                                       tree only where it is needed
#
# Each guest has a /24 of its hub or access bridge (10.H/256.H%256.K+1)
# and pings its neighbour there PINGS times, a second apart (default 1),
# all starting at 0 s, so every guest ARPs at once. Two expectations check
# the first and the last guest's pings.
set -euo pipefail
shape=${1:?usage: gentopo.sh hubs|bridges N [PINGS]}
n=${2:?usage: gentopo.sh hubs|bridges N [PINGS]}
pings=${3:-1}
case $shape in hubs | bridges) ;; *) echo "gentopo.sh: shape is hubs or bridges" >&2; exit 2 ;; esac
awk -v shape="$shape" -v n="$n" -v pings="$pings" '
function ip(i,   h, k) {
	h = int(i / 100); k = i % 100
	return sprintf("10.%d.%d.%d", int(h / 256), h % 256, k + 1)
}
function peer(i,   h) {
	h = int(i / 100) * 100
	return h + (i - h + 1) % (n - h < 100 ? n - h : 100)
}
BEGIN {
	nacc = int((n + 99) / 100)
	nagg = int((nacc + 31) / 32)
	for (i = 0; i < n; i++) {
		printf "[guest g%d]\n", i
		if (shape == "hubs")
			printf "nic = model=e1000,vlan=%d\n", int(i / 100)
		else
			printf "nic = model=e1000\n"
		printf "ip = %s/24\n\n", ip(i)
	}
	if (shape == "bridges") {
		for (a = 0; a < nacc; a++) {
			printf "[bridge acc%d]\nmax_entries = 256\n", a
			for (p = 1; p <= 100; p++)
				printf "port.%d.access = %d\n", p, a % 4094 + 1
			printf "port.101.trunk = %d\n\n", a % 4094 + 1
		}
		for (g = 0; g < nagg; g++) {
			printf "[bridge agg%d]\n", g
			vids = ""
			for (c = 0; c < 32 && g * 32 + c < nacc; c++) {
				v = (g * 32 + c) % 4094 + 1
				printf "port.%d.trunk = %d\n", c + 1, v
				vids = vids (c ? "," : "") v
			}
			printf "port.33.trunk = %s\n\n", vids
			up[g] = vids
		}
		printf "[bridge root]\n"
		for (g = 0; g < nagg; g++)
			printf "port.%d.trunk = %s\n", g + 1, up[g]
		printf "\n"
		for (i = 0; i < n; i++)
			printf "[link]\na = g%d\nb = acc%d.%d\n", i, int(i / 100), i % 100 + 1
		for (a = 0; a < nacc; a++)
			printf "[link]\na = acc%d.101\nb = agg%d.%d\n", a, int(a / 32), a % 32 + 1
		for (g = 0; g < nagg; g++)
			printf "[link]\na = agg%d.33\nb = root.%d\n", g, g + 1
		printf "\n"
	}
	printf "[scenario]\n"
	for (i = 0; i < n; i++)
		printf "at 0s = g%d ping %s count=%d interval=1s\n", i, ip(peer(i)), pings
	printf "at %ds = expect g0.ping.received == %d\n", pings + 4, pings
	printf "at %ds = expect g%d.ping.received == %d\n", pings + 4, n - 1, pings
}'
