/*
 * Learning bridge: a node whose ports share one FDB.
 *
 * VLANs. A bridge with no port given `access` or `trunk` is VLAN-unaware:
 * frames leave exactly as they came, and the FDB keeps one table per VLAN
 * (untagged frames belong to VLAN 1, tagged ones to the VLAN in their tag).
 *
 * Once any port has `access` or `trunk`, the bridge is VLAN-aware (IEEE
 * 802.1Q, as a Linux bridge with vlan_filtering=1):
 *  - each port has a PVID (the access VLAN, or a trunk's native VLAN; 0:
 *    none), a member set, and an untagged set (the PVID on egress);
 *    ports without either are `access=1`;
 *  - ingress: an untagged (or priority-tagged) frame belongs to the PVID,
 *    and is dropped as "untagged" when there is none; a tagged frame
 *    belongs to its VID; a frame of a VLAN the port is not a member of is
 *    dropped as "vlan"; an 802.1ad (0x88a8) outer tag is dropped as "qinq";
 *  - the FDB is per VLAN; floods reach only the VLAN's member ports;
 *  - egress: the tag is popped where the VLAN is untagged, pushed (or
 *    rewritten) elsewhere. A frame is copied only when its tag changes.
 */
#ifndef QNETSIM_BRIDGE_H
#define QNETSIM_BRIDGE_H

#include "fdb.h"
#include "graph.h"
#include "stp.h"

#define BRIDGE_DEFAULT_VLAN 1

struct bridge_stats {
	uint64_t frames;                /* received by the bridge */
	uint64_t forwarded;             /* FDB hit */
	uint64_t flooded_unknown;
	uint64_t flooded_bcast;
	uint64_t flooded_mcast;
	uint64_t filtered;              /* destination on the ingress port */
	uint64_t dropped;               /* runts, nowhere to send */
	uint64_t learned;               /* new entries */
	uint64_t moved;                 /* a MAC moved to another port */
	uint64_t table_full;            /* sources not learned: table full */
	uint64_t aged;                  /* entries removed by ageing */
	uint64_t flushed;               /* entries removed by flush or link down */
};

#define VID_BYTES 512                   /* 4096 bits */

/* One port's settings; the port's priv points to it. */
struct bport {
	int num;                        /* 1-based, as in br0.N */
	int line;                       /* first key for this port, 0: none */
	bool vlan_set;                  /* access= or trunk= given */
	bool trunk;
	uint16_t pvid;                  /* 0: untagged frames are dropped */
	/* The VLANs it carries: a trunk's set (VID_BYTES, allocated), or
	 * NULL: pvid alone (an access port, or the default VLAN 1). A port
	 * sends untagged exactly its pvid (bport_untagged). */
	uint8_t *member;
	struct port *port;              /* NULL until the link makes it */
	/* Its spanning-tree state: made when the tree or a port's STP key
	 * first needs it (bport_sp); NULL on a bridge that runs none. */
	struct stp_port *sp;
	/* SPAN: this port gets copies of the traffic of the ports in
	 * mirror_from (by number), in `mirror_dir` ("in", "out" or both). */
	bool is_mirror;
	uint8_t *mirror_from;           /* VID_BYTES, allocated by mirror = */
	bool mirror_in, mirror_out;
	struct port *mirror_to;         /* a source port: where its copies go */
};

/* A port's spanning-tree state, made (zeroed) when first asked for. */
struct stp_port *bport_sp(struct bport *bp);
/* The same to read: a port without one reads as disabled, all zero. */
const struct stp_port *bport_sp_peek(const struct bport *bp);

struct bridge {
	struct node node;
	struct fdb *fdb;
	uint64_t speed;                 /* speed of new ports */
	struct timer ager;
	struct bridge_stats st;
	bool vlan_aware;
	struct bport **bp;              /* [1..nbp]: settings by port number */
	int nbp;
	struct stp_conf *stp_conf;      /* the file's STP keys; NULL: none */
	struct stp *stp;                /* NULL: no spanning tree */
	bool has_mirror;
};

static inline bool vid_test(const uint8_t *set, uint16_t vid)
{
	return (set[vid >> 3] >> (vid & 7)) & 1;
}

static inline void vid_set(uint8_t *set, uint16_t vid)
{
	set[vid >> 3] |= (uint8_t)(1u << (vid & 7));
}

/* Whether port bp carries VLAN vid, and whether it sends it untagged. */
static inline bool bport_member(const struct bport *bp, uint16_t vid)
{
	return bp->member != NULL ? vid_test(bp->member, vid) : bp->pvid != 0 && vid == bp->pvid;
}

static inline bool bport_untagged(const struct bport *bp, uint16_t vid)
{
	return bp->pvid != 0 && vid == bp->pvid;
}

/* A port's key (`port.N.KEY = VALUE` in the topology): access, trunk,
 * native, and STP's cost and priority. Returns 0, or -1 with err set. */
int bridge_port_key(struct bridge *b, int num, const char *key, const char *val, int line,
		    char *err);
/* After the links are made: every configured port must exist. Returns 0,
 * or -1 with *line and err set. */
int bridge_check_ports(struct bridge *b, int *line, char *err);
/* "access 10", "trunk 10,20-30 native 1", "access 1 (default)". */
void bridge_port_vlans(const struct bridge *b, const struct port *p, char *buf, size_t len);

struct bridge *bridge_new(struct graph *g, const char *name, uint32_t max_entries,
			  uint64_t ageing_ns, int line);
struct port *bridge_add_port(struct bridge *b);
struct bridge *bridge_from_node(struct node *n);  /* NULL if not a bridge */
/* Starts the ager (call once the loop runs). */
void bridge_start(struct bridge *b);
/* The VLAN a frame belongs to on a VLAN-unaware bridge. */
uint16_t bridge_frame_vlan(const struct frame *f);

#endif
