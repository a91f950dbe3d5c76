/*
 * Linux TAP devices and bridges, by ioctl (as qemu-bridge-helper does).
 * Shared by the tap netdev and netns kernel guests.
 *
 * A tap here is IFF_TAP | IFF_NO_PI without a vnet header: each read() is
 * one Ethernet frame, each write() one frame. The fd is non-blocking and
 * not persistent, so the device goes away when the fd is closed, even if
 * we are killed.
 */
#ifndef QNETSIM_TAPDEV_H
#define QNETSIM_TAPDEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* Opens /dev/net/tun and makes (or attaches to) the tap `name`, which may
 * be a pattern like "tap%d". The actual name goes to ifname. Returns the
 * fd, or -1 with err. */
int tap_open(const char *name, char ifname[IFNAMSIZ], char *err);
/* An inherited fd: checks it is a tap (TUNGETIFF) and reads its name. */
int tap_check_fd(int fd, char ifname[IFNAMSIZ], char *err);
int tap_set_sndbuf(int fd, int bytes, char *err);

int if_set_up(const char *ifname, bool up, char *err);
int if_get_mac(const char *ifname, uint8_t mac[6], char *err);
int if_set_mac(const char *ifname, const uint8_t mac[6], char *err);
int if_get_mtu(const char *ifname, int *mtu, char *err);
int if_set_mtu(const char *ifname, int mtu, char *err);
bool if_exists(const char *ifname);
bool if_is_bridge(const char *ifname);

int br_create(const char *br, char *err);        /* and brings it up */
int br_delete(const char *br, char *err);
int br_add_if(const char *br, const char *ifname, char *err);

#endif
