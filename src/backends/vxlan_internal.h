/*
 * Inside type=vxlan: what vxlan.c (the wire, learning, the ops),
 * vxlan_conf.c (its options) and vxlan_show.c (info, the report, values,
 * the UI's lines) share. Not for use outside them: the layers above reach
 * it through backend_ops, and tests through vxlan.h.
 */
#ifndef QNETSIM_VXLAN_INTERNAL_H
#define QNETSIM_VXLAN_INTERNAL_H

#include "vxlan.h"
#include "../core/fdb.h"
#include "../core/util.h"

#include <netinet/in.h>

#define VXLAN_PORT 4789
#define VXLAN_HLEN 8
#define VXLAN_FLAG_I 0x08
#define VXLAN_VNI_MAX 0xffffffu
#define VXLAN_MTU_MAX (65507u - VXLAN_HLEN - ETH_HLEN - 4)
#define VXLAN_REMOTES_MAX 256
#define VXLAN_READS 64             /* datagrams per wakeup, then other fds */

struct vxlan_stats {
	uint64_t rx;                /* frames decapsulated into the topology */
	uint64_t tx_unicast;        /* frames sent to one learned VTEP */
	uint64_t tx_flooded;        /* frames sent to the flood list or group */
	uint64_t short_header;      /* datagrams under 8 bytes */
	uint64_t bad_flags;         /* I clear, or a flag or reserved bit set */
	uint64_t wrong_vni;         /* another network's frames */
	uint64_t too_big;           /* inner payload over mtu */
	uint64_t no_vtep;           /* floods with no remote and no group */
	uint64_t learned;           /* new entries */
	uint64_t learn_full;        /* sources not learned: table or VTEPs full */
};

struct vxlan {
	struct netdev nd;
	uint32_t vni;
	uint16_t port;
	uint32_t mtu;
	int ttl;                    /* 0: the system's */
	bool learning;
	bool learn_source_port;     /* learned_port = source */
	uint32_t maxaddress;
	uint64_t ageing;
	struct sockaddr_in local;
	struct sockaddr_in group;   /* sin_family 0: no group */
	struct in_addr localaddr;   /* group: the interface */
	struct sockaddr_in *remotes;
	int nremotes;
	const char *local_opt;      /* kept until the port is known */

	int fd, mfd;                /* unicast socket (every send), group socket */
	struct fdb *fdb;            /* MAC -> index into vteps */
	struct sockaddr_in *vteps;  /* sin_family 0: free */
	uint32_t nvteps, vtepcap;
	uint64_t swept;             /* when a full table was last aged (loop ns) */
	struct vxlan_stats vs;
};

static inline struct vxlan *VX(struct netdev *n)
{
	return container_of(n, struct vxlan, nd);
}


/* vxlan_conf.c */
int vxlan_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line, char *err);

/* vxlan_show.c */
extern const struct field_table vxlan_field_table;
void vxlan_describe(struct netdev *nd, char *buf, size_t len);
void vxlan_info(struct netdev *nd, FILE *out);
void vxlan_report(struct netdev *nd, struct json_t *obj);
int vxlan_value(struct netdev *nd, const char *name, struct value *val, char *err);
void vxlan_lines(struct netdev *nd, struct detail_lines *o);
int vxlan_qemu_peer(struct netdev *nd, char *buf, size_t len);

#endif
