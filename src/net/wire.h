/* wire.h -- TCP conversations counted from their packets, as tcpdump
 * would count them.
 *
 * Sans-IO: decoded packets in (struct net_packet, packet.h), counters and
 * a short record of the first packets out.  Where the packets come from
 * is someone else's business -- an AF_PACKET socket (capture.h), or a
 * test's byte arrays.
 *
 * The caller names the servers it cares about: an address and a port,
 * each with a row (in the demo, one row per paradigm and connection
 * policy, each with a listener of its own).  Every TCP packet to or from
 * a watched server is counted in that server's row.  Every packet is
 * exactly one of
 *
 *   syn          SYN without ACK: a client opening a connection
 *   syn_ack      SYN with ACK: the server's answer
 *   rst          RST set
 *   data         none of those, and a payload of one byte or more
 *   pure_ack     none of those, no payload and no FIN: an acknowledgement
 *   (a bare FIN) none of those, no payload, FIN set
 *
 * and besides:
 *
 *   total        every packet
 *   fin          FIN set, with or without payload (a bare FIN, or the last
 *                data leaving with the FIN, as pushpull's answers do)
 *   retransmits  a segment that carries sequence space (payload, SYN or
 *                FIN) starting before the highest sequence number already
 *                seen in its direction (RFC 9293 §3.4): a copy sent again
 *   bytes_wire   the IP packets' lengths: IP and TCP headers and payload
 *   bytes_payload  the TCP payload alone (what send and recv counted)
 *
 * so total = syn + syn_ack + rst + data + pure_ack + bare FINs.  Each
 * counter is one tcpdump filter (README, "What is counted").
 *
 * Connections are told apart by the client's address and port: the first
 * packet of a new one opens an entry, and a SYN on a finished one starts
 * it over.  The table is bounded (NET_WIRE_CONNS_MAX); past it packets
 * are still counted, but retransmissions of connections it could not
 * hold are not found ('untracked' says how many packets that was).
 *
 * Read next: capture.h, which feeds it from the wire.
 */
#ifndef PUSHPULL_NET_WIRE_H
#define PUSHPULL_NET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/packet.h"

#define NET_WIRE_ROWS       16          /* rows a wire can count */
#define NET_WIRE_SERVERS    32          /* servers it can watch */
#define NET_WIRE_CONNS_MAX  (1u << 20)  /* connections told apart */
#define NET_WIRE_SNAP       384         /* payload bytes kept per record */

struct net_wire_counts {
	uint64_t total, syn, syn_ack, pure_ack, data, fin, rst, retransmits;
	uint64_t bytes_wire, bytes_payload;
	uint64_t connections;           /* distinct connections seen */
};

/* One packet of a row, kept for a diagram (the first 'records' of each
 * row).  Sequence numbers are relative to each direction's first. */
struct net_wire_record {
	uint64_t t_us;                  /* as given to net_wire_count */
	uint32_t conn;                  /* its server's connection number, from 0 */
	uint8_t server;                 /* the row of its server (net_wire_watch) */
	bool to_server;
	bool retransmit;
	uint8_t flags;                  /* NET_TCP_* */
	uint32_t seq, ack;
	uint32_t payload_len;           /* on the wire */
	uint16_t snap_len;              /* of which these were captured: */
	uint8_t snap[NET_WIRE_SNAP];
};

struct net_wire;

/* A wire that keeps the first 'records' packets of each row.  Returns
 * NULL with errno set (ENOMEM). */
struct net_wire *net_wire_new(size_t records);
void net_wire_free(struct net_wire *w);

/* Counts packets to and from 'addr' (4 or 16 bytes, as 'ip_version'
 * says; all zero, 0.0.0.0 or ::, is any address) port 'port' in row
 * 'row'.  Returns 0, or -1 with errno EINVAL
 * (a row past NET_WIRE_ROWS) or ENOSPC (NET_WIRE_SERVERS watched). */
int net_wire_watch(struct net_wire *w, unsigned row, int ip_version, const uint8_t *addr,
		   uint16_t port);

/* Counts one packet seen at 't_us'.  Returns its row, or -1 when it is
 * not to or from a watched server (then nothing is counted). */
int net_wire_count(struct net_wire *w, const struct net_packet *p, uint64_t t_us);

/* Counts the connection of client 'addr' port 'port' to the server of row
 * 'server_row' in row 'row' instead: what it counted so far moves there,
 * with the records kept of it (as far as 'row' has room for them, in
 * time order among its own), and all it counts from now on goes there.  For a server whose one port
 * carries several paradigms: it knows which a connection is only once
 * its request has been read.  The connection need not have been seen yet.
 * Returns 0, or -1 with errno EINVAL (a row past NET_WIRE_ROWS) or ENOSPC
 * (the table is full). */
int net_wire_assign(struct net_wire *w, unsigned server_row, int ip_version,
		    const uint8_t *addr, uint16_t port, unsigned row);

const struct net_wire_counts *net_wire_row(const struct net_wire *w, unsigned row);
/* The records of 'row', in the order the packets were counted. */
const struct net_wire_record *net_wire_records(const struct net_wire *w, unsigned row,
					       size_t *n);
/* Packets whose connection the table had no room for. */
uint64_t net_wire_untracked(const struct net_wire *w);

#endif
