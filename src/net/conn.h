/* conn.h -- TCP connections with an output queue, listeners, connect.
 *
 * A 'struct net_conn' is one non-blocking TCP socket on a loop.  It reads
 * for you and hands the protocol layer bytes; it writes what you give it,
 * keeping whatever the kernel cannot take yet; it counts every syscall in
 * its own 'struct net_counts' and in its ledger.
 *
 * Reading.  On readiness the connection recv()s into a buffer shared by
 * the whole loop and calls on_data() with every byte not yet consumed.
 * on_data() returns how many leading bytes it consumed; the rest (usually
 * a partial message) is copied into a buffer the connection owns and is
 * handed back, with newer bytes after it, on the next call.  So an idle
 * connection holds no read buffer at all, and a parser may keep pointers
 * into 'data' until it consumes those bytes.  on_data() may modify the
 * bytes it is given (an in-place chunked decoder does).
 *
 * Reading straight into place.  A large message would otherwise cross
 * the shared buffer 64 KiB at a time -- a recv and a wake-up or a
 * deferred call for each piece, and a copy of every byte into the
 * protocol's own buffer.  When on_data has seen a header that announces
 * more payload than one read holds, ops->read_into may name where it
 * goes, and the connection reads there directly, as much as the kernel
 * has, in one recv: a 1 MiB WebSocket message costs two or three recvs
 * instead of seventeen, and no copy.
 *
 * Writing.  net_conn_write() sends at once when nothing is queued, so the
 * common case is one send() and no copy.  What the kernel does not take is
 * copied into the output queue, EPOLLOUT is switched on, and the queue is
 * drained as the socket allows.  While on_data() runs the connection is
 * "corked": replies are staged in a buffer the thread shares and sent
 * with one send() when on_data() returns -- a batch of pipelined requests
 * gets one write, and a request answered at once costs no allocation;
 * only what the kernel refuses is copied to the connection's own queue.
 * Past the high-water mark net_conn_backlogged() says so (stop
 * producing); past the hard cap the connection is aborted with ENOBUFS
 * rather than growing.
 *
 * Closing.  net_conn_close() is graceful: flush the queue, then, unless
 * the peer has sent FIN or everything it sent was read, shutdown(SHUT_WR)
 * and read and discard until the peer's FIN (or a linger timeout) before
 * closing.  That keeps the kernel from answering the peer's unread bytes
 * with a RST that would destroy a final error response.  What is still
 * queued when the close is asked leaves with the FIN in its last segment
 * (MSG_MORE, then shutdown): an answer and its close cost the peer one
 * segment, not two.  net_conn_abort() closes now.  Either way on_close()
 * is the last callback, and the memory is freed in a deferred call, so a
 * 'struct net_conn *' stays valid until the current turn ends.
 *
 * Descriptors.  Accepts use accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) until
 * EAGAIN.  When the process runs out of descriptors (EMFILE, ENFILE) the
 * listener stops watching for a moment (NET_ACCEPT_PAUSE_MS) and tries
 * again, so the loop keeps serving its existing connections, never spins,
 * and accepts again as soon as descriptors are freed.
 *
 * Read next: src/http/http_parser.h, the first protocol layer on top.
 */
#ifndef PUSHPULL_NET_CONN_H
#define PUSHPULL_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "net/loop.h"
#include "net/ledger.h"

struct net_conn;
struct net_listener;

#define NET_READ_CHUNK        (64 * 1024)        /* one recv() at most */
#define NET_HIGH_WATER        (256 * 1024)       /* default backlog mark */
#define NET_OUT_CAP           (8 * 1024 * 1024)  /* default hard cap of the output queue */
#define NET_IN_CAP            (2 * 1024 * 1024)  /* default cap of unconsumed input */
#define NET_LINGER_MS         2000               /* graceful close waits this long for FIN */
#define NET_ACCEPT_PAUSE_MS   100                /* listener rest after EMFILE/ENFILE */

struct net_conn_ops {
	/* Bytes arrived; see "Reading" above.  Returns bytes consumed (<= len). */
	size_t (*on_data)(struct net_conn *c, uint8_t *data, size_t len);
	/* The peer sent FIN.  NULL: close gracefully once output is flushed. */
	void (*on_eof)(struct net_conn *c);
	/* The output queue emptied, and someone may have been waiting: it had
	 * to wait for EPOLLOUT, or passed the high-water mark, or reading is
	 * paused.  (Not after every reply that left in one send.) */
	void (*on_drain)(struct net_conn *c);
	/* A net_connect() finished: err is 0 or an errno (ECONNREFUSED...).
	 * On failure on_close(c, err) follows. */
	void (*on_connect)(struct net_conn *c, int err);
	/* The connection is closed: err is 0 for an orderly close, else an
	 * errno (ECONNRESET, ETIMEDOUT, ENOBUFS for a full queue...).  Last
	 * callback; do not touch 'c' after the current turn. */
	void (*on_close)(struct net_conn *c, int err);
	/* Optional: a place of the protocol's own for the next bytes.  A
	 * protocol that knows the next '*room' bytes are payload bound for a
	 * buffer it owns (a large WebSocket message's reassembly buffer)
	 * returns where they go; NULL: the shared buffer, as usual.  Asked
	 * before a read while nothing is held, and taken only when '*room'
	 * is at least NET_READ_CHUNK (see "Reading straight into place").
	 * What is read there is handed to on_data like any other bytes,
	 * 'data' pointing at that place: on_data should consume it all. */
	uint8_t *(*read_into)(struct net_conn *c, size_t *room);
};

typedef void net_accept_fn(struct net_listener *l, struct net_conn *c, void *ud);

/* --- listeners ---------------------------------------------------------- */

/* Whether 'host' is an address net_listen takes: an IPv4 dotted quad,
 * "localhost" (127.0.0.1), an IPv6 address, bare or in brackets ("::1",
 * "[::1]"), or "*": every address of both families on one socket (an
 * IPv6 socket with IPV6_V6ONLY off; "::" alone is IPv6's only).
 * net_connect takes the same but "*".  So a command line can refuse a
 * host early. */
bool net_host_valid(const char *host);

/* Listens on host:port (see net_host_valid; port 0 picks a
 * free port, see net_listener_port).  SO_REUSEADDR is set.  Each accepted
 * connection is passed to on_accept(), which must give it ops with
 * net_conn_set_ops().  Accepted connections are charged to 'ledger'
 * (may be NULL); setting up the listener is charged to the loop's ledger.
 * Returns NULL with errno set. */
struct net_listener *net_listen(struct net_loop *loop, const char *host,
				uint16_t port, int backlog,
				net_accept_fn *on_accept, void *ud,
				struct net_ledger *ledger);
/* The same, on a port other loops (threads) listen on too, each with a
 * listener of its own made by this call (SO_REUSEPORT): the kernel gives
 * each new connection to one of them.  Port 0: a free port is picked for
 * the first; pass the first's port (net_listener_port) to the others. */
struct net_listener *net_listen_shared(struct net_loop *loop, const char *host,
				       uint16_t port, int backlog,
				       net_accept_fn *on_accept, void *ud,
				       struct net_ledger *ledger);
/* Accept a connection only once its first bytes have arrived, or after
 * 'seconds' of silence (or a little more): for protocols in which the
 * client speaks first, like HTTP.  One wake-up per new connection instead
 * of two (see tcp.c).  Returns 0, or -1 with errno. */
int net_listener_wait_for_data(struct net_listener *l, int seconds);
uint16_t net_listener_port(const struct net_listener *l);
/* The times accept was paused by EMFILE/ENFILE. */
uint64_t net_listener_pauses(const struct net_listener *l);
void net_listener_close(struct net_listener *l);

/* --- connecting --------------------------------------------------------- */

/* Starts a non-blocking connect to host:port; ops->on_connect reports the
 * outcome (the error comes from SO_ERROR).  Returns NULL with errno set
 * only when no attempt could start. */
struct net_conn *net_connect(struct net_loop *loop, const char *host,
			     uint16_t port, const struct net_conn_ops *ops,
			     void *ud, struct net_ledger *ledger);
/* The same from the local address 'src' (NULL: the kernel's choice, as
 * net_connect): the socket is bound to it before connecting, so one
 * client can spread its connections over many source addresses (any of
 * 127.0.0.0/8 on loopback) and so past the ~28,000 ephemeral ports one
 * source has towards one server port.  The port is picked by connect
 * (IP_BIND_ADDRESS_NO_PORT).  The setsockopt and the bind are charged
 * like the socket, to 'ledger' and to the connection.  Returns NULL with
 * errno set: EINVAL for an address that is not one, or not of the
 * destination's family; EADDRNOTAVAIL and the like from bind. */
struct net_conn *net_connect_from(struct net_loop *loop, const char *src, const char *host,
				  uint16_t port, const struct net_conn_ops *ops,
				  void *ud, struct net_ledger *ledger);

/* --- a connection ------------------------------------------------------- */

/* The other end's address and port, as accept4 or connect had them (no
 * syscall): 'ip_version' 4 or 6, IPv4 in the first 4 bytes of 'addr'.
 * False when not known. */
bool net_conn_peer(const struct net_conn *c, int *ip_version, uint8_t addr[16], uint16_t *port);
/* The same address as text, for a log line ("?" when not known);
 * INET6_ADDRSTRLEN bytes are enough. */
void net_conn_peer_text(const struct net_conn *c, char *dst, size_t cap);

/* Gives the connection its protocol.  Called from inside on_data (a
 * protocol switch), the bytes that on_data did not consume are handed to
 * the new on_data in a deferred call. */
void  net_conn_set_ops(struct net_conn *c, const struct net_conn_ops *ops, void *ud);
void *net_conn_ud(const struct net_conn *c);
void  net_conn_set_ud(struct net_conn *c, void *ud);
int   net_conn_fd(const struct net_conn *c);
struct net_loop *net_conn_loop(const struct net_conn *c);

/* Queues or sends 'len' bytes.  Returns 0, or -1 if the connection is
 * closing or the hard cap was crossed (it is then aborted with ENOBUFS). */
int  net_conn_write(struct net_conn *c, const void *data, size_t len);
int  net_conn_writev(struct net_conn *c, const struct iovec *iov, int iovcnt);
size_t net_conn_pending(const struct net_conn *c);    /* bytes queued */
bool net_conn_backlogged(const struct net_conn *c);   /* pending > high water */
/* Asks for on_drain the next time the output queue empties, for a
 * producer that stopped because the queue was full enough. */
void net_conn_want_drain(struct net_conn *c);
void net_conn_set_limits(struct net_conn *c, size_t high_water, size_t out_cap,
			 size_t in_cap);

/* Queue writes without sending until uncorked (one send() for the lot).
 * Corks nest; the last uncork flushes. */
void net_conn_cork(struct net_conn *c);
void net_conn_uncork(struct net_conn *c);

/* Stop and resume reading (backpressure towards the peer).  Resuming
 * hands any unconsumed input back to on_data() in a deferred call. */
void net_conn_pause_read(struct net_conn *c);
void net_conn_resume_read(struct net_conn *c);
/* The bytes received but not yet consumed by on_data() (NULL when none), valid until the next on_data
 * or the end of the turn after close: for a reader whose message ends
 * with the connection (an HTTP body delimited by close). */
uint8_t *net_conn_held(const struct net_conn *c, size_t *len);

/* TCP_NODELAY (one setsockopt, none if unchanged).  Nagle's algorithm
 * holds a small segment while an earlier one is unacknowledged; a
 * connection that answers one request with one send never meets it, one
 * that streams or keeps talking does.  A message that needs several sends
 * turns it on by itself. */
int  net_conn_set_nodelay(struct net_conn *c, bool on);
/* After the queue is flushed, send FIN but keep reading. */
void net_conn_shutdown_write(struct net_conn *c);
/* Graceful close, see above.  Idempotent. */
void net_conn_close(struct net_conn *c);
/* Close now, discarding queued output; on_close(c, err). */
void net_conn_abort(struct net_conn *c, int err);
bool net_conn_closing(const struct net_conn *c);

/* This connection's own counts (TCP_INFO fields fill in at close). */
const struct net_counts *net_conn_counts(const struct net_conn *c);
/* Moves the connection, and everything it has cost so far, to 'ledger'
 * (e.g. once the request shows which paradigm it is). */
void net_conn_set_ledger(struct net_conn *c, struct net_ledger *ledger);
/* The ledger it is charged to (NULL: none). */
struct net_ledger *net_conn_ledger(const struct net_conn *c);
/* What the kernel has seen of the connection so far (TCP_INFO: segments,
 * retransmissions, round-trip times) into '*k', zeroed first, without
 * adding it anywhere: a live view of what close will add.  The
 * getsockopt() is charged to 'payer' -- whoever asks, not the
 * connection.  Returns 0, or -1 with errno (a connection not yet
 * established has nothing to say: ENOTCONN). */
int net_conn_tcp_info(const struct net_conn *c, const struct net_charge *payer,
		      struct net_counts *k);

#endif
