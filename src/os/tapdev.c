/*
 * TAP devices and Linux bridges by ioctl; see tapdev.h.
 */
#include "tapdev.h"
#include "../core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int ctl_sock(char *err)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		errf(err, "socket: %s", strerror(errno));
	return s;
}

static int ifreq_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr, char *err,
		       const char *what)
{
	int s = ctl_sock(err);

	if (s < 0)
		return -1;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, req, ifr) < 0) {
		int e = errno;

		close(s);
		return errf(err, "%s %s: %s", what, ifname, strerror(e));
	}
	close(s);
	return 0;
}

int tap_open(const char *name, char ifname[IFNAMSIZ], char *err)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errf(err, "cannot open /dev/net/tun: %s (taps need the tun module and "
				 "root or CAP_NET_ADMIN)", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		if (e == EPERM)
			return errf(err, "cannot create tap '%s': %s (needs root or "
					 "CAP_NET_ADMIN)", name, strerror(e));
		if (e == EBUSY)
			return errf(err, "cannot attach to tap '%s': it is in use (or is not a "
					 "plain tap)", name);
		return errf(err, "cannot create tap '%s': %s", name, strerror(e));
	}
	snprintf(ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

int tap_check_fd(int fd, char ifname[IFNAMSIZ], char *err)
{
	struct ifreq ifr;
	int fl;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return errf(err, "fd %d is not a tap: %s", fd, strerror(errno));
	if ((ifr.ifr_flags & IFF_TAP) == 0)
		return errf(err, "fd %d is a tun (layer 3) device, not a tap", fd);
	if ((ifr.ifr_flags & IFF_NO_PI) == 0 || (ifr.ifr_flags & IFF_VNET_HDR) != 0)
		return errf(err, "fd %d: tap %s has packet info or vnet headers; qnetsim "
				 "takes plain frames (IFF_NO_PI, no IFF_VNET_HDR)", fd, ifr.ifr_name);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return errf(err, "fd %d: %s", fd, strerror(errno));
	snprintf(ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return 0;
}

int tap_set_sndbuf(int fd, int bytes, char *err)
{
	if (ioctl(fd, TUNSETSNDBUF, &bytes) < 0)
		return errf(err, "TUNSETSNDBUF: %s", strerror(errno));
	return 0;
}

int if_set_up(const char *ifname, bool up, char *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ifreq_ioctl(ifname, SIOCGIFFLAGS, &ifr, err, "cannot read flags of") < 0)
		return -1;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ifreq_ioctl(ifname, SIOCSIFFLAGS, &ifr, err, up ? "cannot bring up" :
							       "cannot bring down");
}

int if_get_mac(const char *ifname, uint8_t mac[6], char *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ifreq_ioctl(ifname, SIOCGIFHWADDR, &ifr, err, "cannot read the MAC of") < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int if_set_mac(const char *ifname, const uint8_t mac[6], char *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_hwaddr.sa_family = 1;   /* ARPHRD_ETHER */
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return ifreq_ioctl(ifname, SIOCSIFHWADDR, &ifr, err, "cannot set the MAC of");
}

int if_get_mtu(const char *ifname, int *mtu, char *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ifreq_ioctl(ifname, SIOCGIFMTU, &ifr, err, "cannot read the MTU of") < 0)
		return -1;
	*mtu = ifr.ifr_mtu;
	return 0;
}

int if_set_mtu(const char *ifname, int mtu, char *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = mtu;
	return ifreq_ioctl(ifname, SIOCSIFMTU, &ifr, err, "cannot set the MTU of");
}

bool if_exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

bool if_is_bridge(const char *ifname)
{
	char path[64 + IFNAMSIZ];

	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", ifname);
	return access(path, F_OK) == 0;
}

int br_create(const char *br, char *err)
{
	char name[IFNAMSIZ];
	int s = ctl_sock(err);

	if (s < 0)
		return -1;
	snprintf(name, sizeof(name), "%s", br);
	if (ioctl(s, SIOCBRADDBR, name) < 0) {
		int e = errno;

		close(s);
		return errf(err, "cannot create bridge %s: %s", br, strerror(e));
	}
	close(s);
	return if_set_up(br, true, err);
}

int br_delete(const char *br, char *err)
{
	char name[IFNAMSIZ];
	int s = ctl_sock(err);

	if (s < 0)
		return -1;
	if_set_up(br, false, err);
	snprintf(name, sizeof(name), "%s", br);
	if (ioctl(s, SIOCBRDELBR, name) < 0) {
		int e = errno;

		close(s);
		return errf(err, "cannot delete bridge %s: %s", br, strerror(e));
	}
	close(s);
	return 0;
}

int br_add_if(const char *br, const char *ifname, char *err)
{
	struct ifreq ifr;
	int idx = (int)if_nametoindex(ifname);

	if (idx == 0)
		return errf(err, "no interface %s", ifname);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = idx;
	return ifreq_ioctl(br, SIOCBRADDIF, &ifr, err, "cannot attach the tap to bridge");
}
