/* ladder.h -- ladder (sequence) diagrams of what went over the wire, and
 * the cost table as bar charts: data in, text out.
 *
 * The demo shows, for the first exchanges of each paradigm, every packet
 * between client and server as one arrow: when, which way, its TCP flags,
 * its size and what it carries ("GET /score", "200 + event 3", "WS event
 * 4", "SSE id 5").  Someone else captures the packets (or, without the
 * privilege, records each side's send() and recv() calls) and turns them
 * into 'struct ladder_arrow's; this module does the rest, sans-IO:
 *
 *   1. THE DESCRIBER.  One 'struct ladder_describer' per connection is fed
 *      each segment's payload in order, and names what it holds.  It knows
 *      the protocols of src/http, src/ws and src/sse and the JSON of
 *      src/paradigms, and reads them with the project's own parsers.
 *   2. THE WRITERS.  ladder_write_text() draws the arrows in a terminal,
 *      ladder_write_svg() as a picture, ladder_chart_write_svg() draws a
 *      cost table as horizontal bars.  They write to a FILE * the caller
 *      opened (a file, stdout, or open_memstream() in a test); a write
 *      error sticks in the stream: check ferror() or fclose() at the end.
 *
 * Read next: tools/pushpull/demo_wire.c, which feeds it; the recorded
 * traces of tests/test_paradigms_ladder.c and what comes out of them,
 * tests/golden/ladder_*.txt, show it at work.  (The pictures are drawn
 * with the SVG writer in src/util.)
 */
#ifndef PUSHPULL_PARADIGMS_LADDER_H
#define PUSHPULL_PARADIGMS_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "http/http_body.h"
#include "http/http_parser.h"
#include "net/wire.h"
#include "paradigms/paradigm.h"
#include "sse/sse_parser.h"

/* --- limits ------------------------------------------------------------- */

#define LADDER_WHAT_MAX      64      /* a label, NUL included */
#define LADDER_BUF_MAX       4096    /* bytes of one message kept, per direction */
#define LADDER_EXCERPT_MAX   16      /* characters of a WebSocket text shown */
#define LADDER_REQUESTS_MAX  16      /* requests awaiting their answer, per connection */

/* TCP flags as in the TCP header's flag byte (RFC 9293 §3.1). */
enum {
	LADDER_FIN = 0x01, LADDER_SYN = 0x02, LADDER_RST = 0x04, LADDER_PSH = 0x08,
	LADDER_ACK = 0x10, LADDER_URG = 0x20, LADDER_ECE = 0x40, LADDER_CWR = 0x80
};

/* --- the input: arrows ---------------------------------------------------- */

/* One packet (or, from syscalls, one send() seen as it left). */
struct ladder_arrow {
	uint64_t t_us;          /* since the first arrow of the diagram */
	bool to_server;         /* client -> server */
	uint8_t tcp_flags;      /* LADDER_SYN | LADDER_ACK ...; 0 for a syscall-sourced arrow */
	uint32_t bytes;         /* payload bytes on the wire (not only those captured) */
	uint32_t conn;          /* which connection of the diagram: 0, 1, ...  A change
	                           from one arrow to the next is drawn as a divider */
	bool retransmit;        /* the same bytes again: marked, not described */
	char what[LADDER_WHAT_MAX];    /* what the payload is, "" for none (the describer's label) */
};

/* One diagram. */
struct ladder {
	const char *title;      /* e.g. "long-poll" */
	const char *source;     /* "captured packets", or "send()/recv() calls (no
	                           capture privilege: packets not seen)" */
	const struct ladder_arrow *arrows;
	size_t n;
	size_t total;           /* arrows in the whole trace, when only the first 'n'
	                           are drawn ("first 12 of 48"); 0 or <= n: all shown */
};

/* --- the describer -------------------------------------------------------
 *
 * Fed one direction's payload bytes in order (per direction: a TCP
 * stream), it follows the messages across segments and says what each
 * segment carries:
 *
 *   request heads   "GET /score", "GET /score?since=3&...", "POST /publish",
 *                   "GET /ws upgrade", "GET /events (Last-Event-ID 4)"
 *   answers         "200 + event 3" (GET /score), "200 + events 3-5" (long
 *                   poll), "200 published 4" (POST /publish), "204 (nothing
 *                   new)", "101 Switching Protocols", "200 event-stream",
 *                   "400 Bad Request" (status and reason as sent)
 *   after a 101     "WS event 3" (a feed event's JSON), "WS text 'ball 4'",
 *                   "WS binary 12 B", "WS ping", "WS pong", "WS close 1000"
 *                   (client frames are unmasked with their key)
 *   after a 200 event-stream, in its chunked body
 *                   "SSE id 5", "SSE retry 2000", "SSE heartbeat" (a comment
 *                   line), "SSE reset", "SSE end"
 *
 * Several messages in one segment are listed with ", ", and runs of events
 * merged: "SSE id 5, 6", "WS event 3-9 (7)".  A message split over
 * segments is named in the segment that completes it, as Wireshark names
 * a reassembled PDU; each earlier segment that carries part of it says
 * "... (cont.)" ("GET /score (cont.)", "WS text (cont.)").  So the label
 * of a complete message does not depend on where the segments cut it.
 *
 * How it reads, and why each way:
 *   - HTTP heads with http_request_parse() / http_response_parse(), the
 *     server's own parser, so "what counts as a head" is one definition
 *     (and a head it would refuse is named "? bad head: <why>"); the body
 *     of a Content-Length answer is kept, up to LADDER_BUF_MAX bytes.
 *   - WebSocket frame headers with ws_frame_header_parse(); the payload is
 *     unmasked with ws_frame_mask() and only its start is looked at.
 *   - An event stream's chunked body with http_body_read(), each data run
 *     fed to an sse_parser: the client's own reading of the stream.
 *   - The JSON answers by prefix matching: {"seq":N at the start of an
 *     event or a publish answer, {"latest": for a long-poll batch, whose
 *     events are counted by their {"seq": (it cannot occur inside a JSON
 *     string, whose quotes are escaped).  Our own server writes that text,
 *     so its shape is known; a full JSON parser would be overkill, and
 *     could not read a body the capture cut short, which this does.
 *
 * What it cannot tell, it says with '?': why, once ("? bad frame:
 * unmasked frame from a client", "? head over 4 KiB", "? bytes not
 * captured"), then a byte count per segment ("? 120 B").
 * Hostile, truncated or garbage bytes never make it read out of bounds:
 * a message over LADDER_BUF_MAX is named from its first LADDER_BUF_MAX
 * bytes, a head that does not fit or does not parse makes that direction
 * "lost", and from then on each segment is "? N B" -- until an HTTP
 * direction sees a segment start with a request or status line again.
 *
 * Capture snap length.  'captured' may be less than 'wire_len': the bytes
 * after the snap length were on the wire but are not here.  When that hole
 * falls inside a message whose length is known (a body, a WebSocket
 * payload), the message is still named, from what was seen (a long-poll
 * answer cut short says "200 + events 3.. (cut)"); a hole anywhere else
 * (a head, an event stream) loses the direction, as above.
 *
 * The caller must not feed a retransmission (its bytes were fed already)
 * nor reorder segments: feed the TCP stream, in sequence order.
 *
 * Labels are printable ASCII: a byte from the wire outside 0x20-0x7E (a
 * control character, each byte of a UTF-8 letter) shows as '.'.
 */

/* One direction of a connection.  All fields are private. */
struct ladder_dir {
	uint8_t buf[LADDER_BUF_MAX];    /* the current message from its start */
	uint32_t len;                   /* bytes in 'buf' */
	uint64_t need;                  /* the message's total length, 0 while unknown */
	uint64_t seen;                  /* its bytes passed so far, kept or not */
	uint32_t sse_fed;               /* bytes of an event not yet complete */
	uint8_t mode;                   /* what the next bytes are (ladder.c) */
	uint8_t req;                    /* what the message's request asked for */
	bool cut;                       /* bytes of this message fell in a hole */
	bool sse;                       /* a streamed body is an event stream */
	bool started;                   /* a byte has been seen */
	bool lost_http;                 /* lost while reading HTTP: a start line resumes */
	struct http_parser hp;          /* the head being read */
	struct http_body body;          /* a chunked or close-delimited body */
};

/* One connection.  Set 'on_message' after ladder_describer_init(), if at
 * all; the other fields are private. */
struct ladder_describer {
	/* in, optional: called for each message as it is named (and for each
	 * "(cont.)"), before it is merged into a segment's label.  Tests use
	 * it; a caller may list messages rather than segments. */
	void (*on_message)(void *ud, bool to_server, const char *label, bool cont);
	void *ud;

	enum pp_paradigm paradigm;      /* what the connection is expected to carry */
	struct ladder_dir dir[2];       /* [0] server to client, [1] client to server */
	struct sse_parser sse;          /* the event stream, server to client */
	uint64_t sse_comments;          /* heartbeats counted so far */
	uint8_t req_kind[LADDER_REQUESTS_MAX];  /* requests not yet answered, oldest first */
	uint8_t req_head, req_count;
	struct ladder_seg *seg;         /* the label being built, during a call */
};

/* Prepares 'd' for a new connection of paradigm 'p', which says what to
 * expect where the bytes alone cannot tell (a capture that starts after
 * the upgrade, an answer whose request was not seen).  About 8.5 KiB:
 * embed it or allocate it; it allocates nothing yet. */
void ladder_describer_init(struct ladder_describer *d, enum pp_paradigm p);

/* Frees what the event-stream reader allocated.  'd' may be initialised
 * again afterwards. */
void ladder_describer_free(struct ladder_describer *d);

/* Names one segment's payload.  'bytes' are its first 'captured' bytes,
 * of 'wire_len' on the wire ('wire_len' < 'captured' is read as equal).
 * Writes the label into what[0..cap), NUL-terminated and cut with "..."
 * if it does not fit (LADDER_WHAT_MAX is always enough for one message);
 * "" for an empty payload.  Returns the label's length. */
size_t ladder_describe(struct ladder_describer *d, bool to_server, const void *bytes,
		       size_t captured, size_t wire_len, char *what, size_t cap);

/* The same for an arrow: reads 'a->to_server' and 'a->bytes', fills
 * 'a->what'.  A retransmission is not fed; its label is "". */
void ladder_arrow_describe(struct ladder_describer *d, struct ladder_arrow *a,
			   const void *captured_bytes, size_t captured);

/* --- naming the arrows of many connections --------------------------------- */

/* One describer per connection of a diagram, made when the connection's
 * first arrow is named.  Arrows of connections past the first
 * LADDER_NAMER_CONNS go unnamed. */
#define LADDER_NAMER_CONNS 64
struct ladder_namer {
	enum pp_paradigm paradigm;
	size_t n;
	uint32_t conn[LADDER_NAMER_CONNS];
	struct ladder_describer *d[LADDER_NAMER_CONNS];
};

void ladder_namer_init(struct ladder_namer *nm, enum pp_paradigm p);
/* ladder_arrow_describe() with the describer of 'a->conn'. */
void ladder_namer_name(struct ladder_namer *nm, struct ladder_arrow *a, const void *captured_bytes,
		       size_t captured);
void ladder_namer_free(struct ladder_namer *nm);

/* The captured packets rec[0..n) (net_wire_records) as arrows in out[0..n),
 * each named by what it carries, times from the first.  Returns n. */
size_t ladder_packet_arrows(const struct net_wire_record *rec, size_t n, enum pp_paradigm p,
			    struct ladder_arrow *out);

/* --- the diagrams ----------------------------------------------------------- */

/* The diagram as text, one arrow per line, LADDER_TEXT_WIDTH columns,
 * ASCII only (shown here with the arrows shortened):
 *
 *   long-poll -- captured packets, first 17 of 48
 *           time  client                                      server
 *                 |...................... connection 1 ......................|
 *       0.000 ms  |--- SYN ------------------------------------------------->|
 *       0.040 ms  |<-- SYN ACK ----------------------------------------------|
 *       0.080 ms  |--- PSH ACK 68 B  GET /score?since=0&... ---------------->|
 *       0.300 ms  |<-- ACK 150 B  200 (cont.) -------------------------------|
 *       0.301 ms  |<-- PSH ACK 79 B  200 + events 1-2 -----------------------|
 *    1000.650 ms  |<-- RETX PSH ACK 182 B -----------------------------------|
 *
 * When there is more than one connection, a divider names the one the
 * next arrows belong to, at the first arrow and at each change; a
 * retransmission says "RETX"; a label too long for its arrow is cut with
 * "...".  Times are milliseconds, right-aligned up to "99999.999 ms"; a
 * longer one takes room from its label, so no line is ever wider.
 * tests/golden/ladder_*.txt are whole examples. */
#define LADDER_TEXT_WIDTH 92
void ladder_write_text(FILE *out, const struct ladder *l);

/* The same as an SVG document: two lifelines, one slanted arrow per
 * packet (class "arrow c2s" or "arrow s2c", plus "retransmit"), its label
 * above it and its time on the left; a connection divider is a dashed
 * line of class "conn". */
void ladder_write_svg(FILE *out, const struct ladder *l);

/* --- the cost chart ------------------------------------------------------- */

/* A table of numbers: one row per thing compared (paradigms), one column
 * per metric.  Drawn as one panel per metric, one horizontal bar per row,
 * each bar labelled with its row's name and value; bars in a panel share
 * one scale, the largest value filling the panel. */
struct ladder_chart {
	const char *title;
	const char *const *rows;        /* nrows names */
	size_t nrows;
	const char *const *metrics;     /* nmetrics names ("packets per event") */
	size_t nmetrics;
	const uint64_t *values;         /* values[r * nmetrics + m], row-major as the table */
	const uint8_t *decimals;        /* per metric: values are fixed point with this
	                                   many decimals (2: 150 reads "1.50"); NULL: none */
};

/* The chart as one SVG document (panels stacked); each bar is a <rect>
 * of class "bar". */
void ladder_chart_write_svg(FILE *out, const struct ladder_chart *c);

#endif
