# Every QEMU command line of the QEMU networking texts qnetsim comes from
# (seeds 000-004), and real-world ones, one per line: `qnetsim import qemu`
# reads each, and its topology must pass --check (tests/regress/run.sh).
# "..." in the texts (the rest of the line) is left out here.
qemu -kernel arch/x86/boot/bzImage -net nic -net tap,ifname=tap0,script=no,downscript=no
qemu-system-x86_64 rhel6u3.img -smp 2 -m 1024 -net nic -net tap,ifname=tap1,script=/etc/qemu-ifup,downscript=no -vnc :0 -daemonize
qemu-system-x86_64 -m 1024 rhel7.img -net nic,vlan=0,macaddr=52:54:00:12:34:22,model=e1000,addr=08 –net user
qemu -net nic,model=pcnet -net nic,model=rtl8139,vlan=1, -net nic,model=ne2k_pci,vlan=1
qemu -net nic,model=rtl8139,vlan=1,macaddr=52:54:00:12:34:56
qemu -net nic -net socket,listen=:8010
qemu -net nic,vlan=2 -net socket,vlan=2,connect=127.0.0.1:8010
qemu -net nic -net socket,mcast=230.0.0.1:1234
qemu -net nic -net tap,ifname=qtap0
qemu -net nic
qemu -net nic,vlan=1 -net user,vlan=1
qemu -device e1000,netdev=net0 -netdev user,id=net0,hostfwd=tcp::5555-:22
qemu -netdev user,id=n1 -device virtio-net-pci,netdev=n1
qemu -nic user,model=virtio-net-pci
qemu -nic tap,mac=02:ca:fe:f0:0d:01
qemu -netdev socket,id=mynet0,listen=:1234 -device e1000,netdev=mynet0
qemu -netdev socket,id=mynet0,connect=:1234 -device e1000,netdev=mynet0
qemu -netdev tap,id=mynet0 -device e1000,netdev=mynet0
qemu -netdev user,id=mynet0,net=192.168.76.0/24,dhcpstart=192.168.76.9 -device e1000,netdev=mynet0
qemu -netdev user,id=n0,tftp=/tmp,bootfile=pxelinux.0 -device e1000,netdev=n0
qemu -netdev user,id=n0,host=10.0.2.2,hostname=guest -device e1000,netdev=n0
qemu -netdev user,id=n0,dns=10.0.2.3 -device e1000,netdev=n0
qemu -netdev user,id=mynet0,restrict=y -device e1000,netdev=mynet0
qemu -netdev type=user,id=mynet0,restrict=yes -device e1000,netdev=mynet0
qemu -device i82559c,netdev=n0,mac=52:54:00:12:34:99,bus=pci.0,addr=0x5 -netdev user,id=n0
qemu -net nic,model=ne2k_isa -net user
qemu -m 1024 disk.img
qemu -net nic -net user -redir tcp:5555::22
# libvirt's command lines for a user, a tap and a socket interface
/usr/bin/qemu-system-x86_64 -name guest=demo,debug-threads=on -S -machine pc-q35-7.2,usb=off -m 1024 -netdev user,id=hostnet0 -device virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:6d:90:02,bus=pci.1,addr=0x0
/usr/bin/qemu-system-x86_64 -name guest=demo -netdev tap,fd=33,id=hostnet0,vhost=on,vhostfd=35 -device virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:6d:90:03,bus=pci.0,addr=0x3
/usr/bin/qemu-system-x86_64 -name guest=demo -netdev socket,listen=127.0.0.1:5558,id=hostnet0 -device e1000,netdev=hostnet0,id=net0,mac=52:54:00:6d:90:04,bus=pci.0,addr=0x4
# QEMU 10.1's passt back-end, from its documentation
qemu -nic passt
qemu -net nic -net passt,param=--tcp-ports=10001,param=--udp-ports=10001
qemu -netdev passt,id=n0,tcp-ports=2222:22,udp-ports=5353,mtu=1500,dhcp-dns=off -device virtio-net-pci,netdev=n0
