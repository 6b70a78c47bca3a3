/* lab.h -- a real network with real round trips, on one machine: two
 * network namespaces joined by a delay line.
 *
 * On loopback every paradigm delivers within a fraction of a millisecond,
 * and what the notes teach -- a handshake costs a round trip; a long
 * poller's re-request leaves a window in which a new event waits; a short
 * poller's news is half an interval old -- stays hidden.  The usual tool,
 * netem, is missing from kernels like this project's machines.  So the lab
 * builds the link itself, from raw file descriptors:
 *
 *        namespace "pushpull-server"          namespace "pushpull-client"
 *        pp0  198.18.0.1/15                   pp0  198.19.0.1/15
 *          |  (a TUN device)                    |  (a TUN device)
 *          +---- fd ---->  the delay line  <---- fd ----+
 *                          (a thread of this process)
 *
 * Each side's kernel routes 198.18.0.0/15 (RFC 2544's range for
 * benchmarks, routed nowhere) into its TUN device; every IP packet it
 * writes there, the delay line reads, holds in a queue (delay.h: the
 * one-way delay, seeded loss, pacing to a rate) and writes into the other
 * side's TUN device, whose kernel receives it.  Nothing is routed anywhere
 * else: the addresses exist only inside the two namespaces.
 *
 * A program puts its sockets on either side with net_lab_enter(): a
 * socket belongs to the namespace its thread was in when it was made, and
 * stays there -- so one thread makes its listeners in the server's
 * namespace and its clients in the client's, and runs them all on one
 * loop.  The namespaces are named (in /run/netns, like `ip netns add`), so
 * `ip netns exec pushpull-client ...` runs any program on the client side
 * while the lab runs.
 *
 * Everything made is removed by net_lab_stop() -- and, since a process can
 * be killed, whatever a killed run left is removed at the next start.
 * The lab needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): without it,
 * net_lab_start fails with EPERM.
 *
 * Read next: lab.c, then tools/pushpull/lab.c.
 */
#ifndef PUSHPULL_NET_LAB_H
#define PUSHPULL_NET_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include "net/delay.h"
#include "net/ledger.h"

#define NET_LAB_SERVER_NS   "pushpull-server"
#define NET_LAB_CLIENT_NS   "pushpull-client"
#define NET_LAB_IFNAME      "pp0"
#define NET_LAB_SERVER_ADDR "198.18.0.1"
#define NET_LAB_CLIENT_ADDR "198.19.0.1"
#define NET_LAB_MTU         1500

enum net_lab_side { NET_LAB_HOST, NET_LAB_SERVER, NET_LAB_CLIENT };

struct net_lab_config {
	uint64_t rtt_us;                /* round trip: half of it each way */
	uint32_t loss_ppm;              /* per direction, per million */
	uint64_t rate_bps;              /* per direction; 0: unlimited */
	uint64_t seed;                  /* of the loss draws */
};

struct net_lab_stats {
	struct net_delay_stats to_server, to_client;
	uint64_t write_errors;          /* packets the other side's device refused */
};

struct net_lab;

/* Removes what a killed run left, makes both namespaces and their
 * devices, and starts the delay line.  The calling thread stays where it
 * was.  Returns NULL with errno set: EPERM without root. */
struct net_lab *net_lab_start(const struct net_lab_config *cfg);

/* Moves the calling thread to a side: sockets it makes from now on are
 * that side's.  NET_LAB_HOST: back where it started.  Returns 0 or -1. */
int net_lab_enter(struct net_lab *lab, enum net_lab_side side);

/* Stops the delay line, fills 'st' (may be NULL), removes the namespaces
 * and the devices, and moves the calling thread back home. */
void net_lab_stop(struct net_lab *lab, struct net_lab_stats *st);

/* Removes the namespaces a killed run may have left.  (net_lab_start
 * does it too.)  Returns how many it removed. */
int net_lab_clean(void);

#endif
