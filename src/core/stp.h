/*
 * Spanning tree (IEEE 802.1D-1998, the classic STP) for bridges.
 *
 * Real BPDUs on the wire: 802.3 frames to 01:80:c2:00:00:00 with LLC
 * 42 42 03, configuration BPDUs (35 bytes) and topology change
 * notifications (4 bytes), so tshark decodes them as STP.
 *
 * The bridge with the lowest bridge ID (priority, then MAC) is the root.
 * Every other bridge picks as root port the port with the lowest cost to
 * the root; on each segment the bridge with the best path is designated;
 * every other port is an alternate and blocks. A port that is to forward
 * goes blocking -> listening -> learning -> forwarding, forward_delay in
 * each of the middle states. Timers: hello_time (the root's
 * configuration BPDUs), max_age (stored information expires), and
 * forward_delay. A topology change (a port starting or stopping to
 * forward) is sent towards the root in TCNs; the root sets the TC flag in
 * its BPDUs for max_age + forward_delay, and while it is set every bridge
 * ages its MAC table after forward_delay instead of `ageing`, which
 * flushes entries learned on the old paths.
 *
 * In virtual time all of this takes no wall time: a 30 s convergence is
 * over as fast as the frames can be computed.
 */
#ifndef QNETSIM_STP_H
#define QNETSIM_STP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

enum stp_state { STP_DISABLED, STP_BLOCKING, STP_LISTENING, STP_LEARNING, STP_FORWARDING };
enum stp_role { STP_ROLE_DISABLED, STP_ROLE_ROOT, STP_ROLE_DESIGNATED, STP_ROLE_ALTERNATE };

const char *stp_state_name(enum stp_state s);
const char *stp_role_name(enum stp_role r);

struct stp_port {
	uint8_t priority;               /* 128 */
	uint32_t cost;                  /* 0: from the link rate */
	uint16_t port_id;               /* priority << 8 | port number */
	enum stp_state state;
	enum stp_role role;
	/* The best information seen on this segment (ours when designated). */
	uint64_t d_root, d_bridge;
	uint32_t d_cost;
	uint16_t d_port;
	uint16_t msg_age;               /* of the stored info, 1/256 s */
	uint64_t info_at;               /* when it was received */
	bool tca_pending;               /* acknowledge a TCN in the next BPDU */
	struct timer age_timer;         /* max_age after the info arrived */
	struct timer fwd_timer;         /* listening -> learning -> forwarding */
	struct timer hold_timer;        /* at most one config BPDU a second */
	bool config_pending;            /* one is due when the hold timer ends */
	uint64_t bpdus_rx, bpdus_tx, tcns_rx, tcns_tx, transitions;
	uint64_t since;                 /* time of the last state change */
};

/*
 * What the topology file says about a bridge's spanning tree. Keys only
 * record what they are given (and the line); whether the tree runs is
 * stp = on alone, whatever the order of the keys, and the 802.1D ranges
 * and timer relations are checked (stp_check) only when it does, so
 * `forward_delay = 1s` on a bridge without STP is taken, as `brctl setfd
 * br0 1` is.
 */
struct stp_conf {
	bool on;
	uint16_t priority;
	uint8_t mac[6];
	bool mac_set;
	uint64_t hello_time, max_age, fwd_delay;        /* ns */
	int hello_line, max_age_line, fwd_line;         /* 0: the default */
};

struct bridge;
struct port;
struct frame;

struct stp {
	struct bridge *b;
	uint16_t priority;              /* 32768 */
	uint8_t mac[6];
	uint64_t bridge_id;             /* priority << 48 | MAC */
	uint64_t root_id;
	uint32_t root_cost;
	int root_port;                  /* port index; -1: this bridge is root */
	uint64_t max_age, hello_time, fwd_delay;        /* configured, ns */
	uint64_t t_max_age, t_hello, t_fwd_delay;       /* in use (the root's) */
	bool tc;                        /* topology change flag in use */
	bool tc_detected;               /* sending TCNs towards the root */
	struct timer hello_timer, tcn_timer, tc_timer;
	uint64_t tc_count;              /* topology changes seen */
	uint64_t root_changes;
	uint64_t normal_ageing;
	bool started;
};

/* Bridge keys: stp, priority, hello_time, max_age, forward_delay,
 * bridge_mac, recorded in the bridge's stp_conf with their line. Returns 1
 * (taken), 0 (not an STP key) or -1 (err set: not a value at all). */
int stp_bridge_key(struct bridge *b, const char *key, const char *val, int line, char *err);
/* Port keys: cost, priority. Same returns. */
int stp_port_key(struct stp_port *sp, const char *key, const char *val, char *err);
/* Once the bridge's keys are all read: with stp = on, checks the 802.1D
 * ranges (hello_time 1..10 s, max_age 6..40 s, forward_delay 4..30 s,
 * whole seconds) and relations (max_age >= 2 (hello_time + 1 s), max_age
 * <= 2 (forward_delay - 1 s)) and makes the protocol's state. Returns 0,
 * or -1 with err and *line (the offending key's; for a relation, the one
 * of its keys written last). */
int stp_check(struct bridge *b, int *line, char *err);

/* Starts the protocol (ports up become listening, the hello timer runs). */
void stp_start(struct bridge *b);
void stp_stop(struct bridge *b);
/* A BPDU arriving on in: true when STP took it. */
bool stp_input(struct bridge *b, struct port *in, struct frame *f);
void stp_link_change(struct bridge *b, struct port *p, bool up);

/* "br0 is root (32768.02:00:..)", "root 4096.02:.. via br1.2, cost 8". */
void stp_describe(const struct bridge *b, char *buf, size_t len);
/* "8000.020000000001" form of a bridge ID, as tshark prints it. */
void stp_fmt_id(uint64_t id, char *buf, size_t len);

#endif
