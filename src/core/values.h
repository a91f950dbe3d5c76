/*
 * The named values of the engine's objects (field.h), one table each:
 * expectations read them (`br0.2.rx_frames`, `br0.flooded`), the report
 * writes them, `info` and the UI show them. Adding a counter to a port, a
 * bridge or a hub is one line here.
 *
 *   port_fields      the object is the struct port
 *   impair_fields    struct impair_stats of the direction a port sends on
 *   stp_port_fields  struct stp_port of a bridge port with stp = on
 *   bridge_fields    struct bridge
 *   hub_fields       struct hub
 */
#ifndef QNETSIM_VALUES_H
#define QNETSIM_VALUES_H

#include "bridge.h"
#include "field.h"
#include "graph.h"
#include "hub.h"

extern const struct field_table port_fields, impair_fields, stp_port_fields, bridge_fields,
	hub_fields;

/* The one place totals are added up. */
uint64_t port_drops_total(const struct port *p);
uint64_t bridge_flooded_total(const struct bridge *b);

#endif
