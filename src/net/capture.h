/* capture.h -- the wire as tcpdump sees it: every packet through one
 * network interface, read from an AF_PACKET socket, no libpcap.
 *
 * pushpull counts the segments of its own connections from the packets
 * themselves, so that its counts equal tcpdump's: the kernel's TCP_INFO
 * counters, read when a connection closes, miss what comes after (FIN,
 * the last ACK) and, on an accepted socket, the SYN-ACK.  An AF_PACKET
 * socket (packet(7)) gets a copy of every frame the interface carries.
 * It needs CAP_NET_RAW (root); without it net_capture_start fails with
 * EPERM and the caller says its counts are the lower bound TCP_INFO
 * gives.
 *
 * The reading runs in a thread of its own, with its own ledger: the loop
 * being measured makes not one syscall more, and its wake-ups and
 * counts are the same with capture as without (a test checks it).  Each
 * frame is decoded (packet.h) and handed to 'on_packet' in that thread;
 * the caller's state behind 'ud' belongs to the capture thread until
 * net_capture_stop returns.
 *
 * On the loopback device every packet passes twice: once leaving
 * (PACKET_OUTGOING) and once arriving.  Like tcpdump, the capture keeps
 * the arrival only, so each packet counts once.  On any other interface a
 * packet passes once, leaving or arriving, and is kept either way -- or,
 * with 'sent_only', only when leaving: two captures, one at each end of a
 * link, then count each packet once, where it was sent, even one the link
 * loses on its way.
 *
 * Stopping.  A packet leaves a socket and reaches the capture in the
 * kernel's own time (a softirq, usually before the sending syscall
 * returns, not always).  So net_capture_stop reads on until the socket
 * has been quiet for NET_CAPTURE_QUIET_MS (at most NET_CAPTURE_DRAIN_MS
 * in all): nothing can announce "the last packet has come", and the
 * quiet period is the honest bound.  Packets the kernel dropped because
 * the socket's buffer was full are counted ('kernel_drops'): then every
 * figure is a lower bound, and the caller says so.
 *
 * Read next: packet.h, what a frame holds.
 */
#ifndef PUSHPULL_NET_CAPTURE_H
#define PUSHPULL_NET_CAPTURE_H

#include <stdint.h>
#include "net/ledger.h"
#include "net/packet.h"

#define NET_CAPTURE_SNAP       512      /* bytes of each frame read (headers + some payload) */
#define NET_CAPTURE_RCVBUF     (8 * 1024 * 1024)
#define NET_CAPTURE_QUIET_MS   30
#define NET_CAPTURE_DRAIN_MS   2000

/* Called in the capture thread for every TCP packet; 't_us' is when the
 * kernel received it, on CLOCK_REALTIME (differences between packets are
 * what matter). */
typedef void net_capture_fn(void *ud, const struct net_packet *p, uint64_t t_us);

struct net_capture_config {
	const char *ifname;             /* "lo"; NULL: every interface */
	bool sent_only;                 /* only what this host sent (not on lo) */
	net_capture_fn *on_packet;
	void *ud;
	struct net_ledger *ledger;      /* the capture's own syscalls; may be NULL */
};

struct net_capture_stats {
	uint64_t frames;                /* arrivals read */
	uint64_t tcp;                   /* of which TCP, handed to on_packet */
	uint64_t other;                 /* not TCP (ARP, UDP, ...) */
	uint64_t bad;                   /* truncated or malformed */
	uint64_t kernel_drops;          /* dropped before we could read them */
};

struct net_capture;

/* Opens the socket on 'ifname' and starts the thread.  Returns NULL with
 * errno set: EPERM without the privilege, ENODEV for no such interface. */
struct net_capture *net_capture_start(const struct net_capture_config *cfg);

/* Reads what is still to come (see "Stopping" above), ends the thread,
 * fills 'st' (may be NULL) and frees the capture. */
void net_capture_stop(struct net_capture *c, struct net_capture_stats *st);

#endif
