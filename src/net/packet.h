/* packet.h -- one captured frame in, a TCP/IP header summary out.
 *
 * pushpull counts its own segments the way tcpdump does: an AF_PACKET
 * socket on the loopback device (and on TUN devices) hands over every
 * frame, and this decoder says what each one is.  It is sans-IO: no
 * sockets, no syscalls, no allocation, no state between calls.  The
 * capture itself lives elsewhere; this file only reads bytes.
 *
 * WHAT A FRAME LOOKS LIKE.  Two link layers (enum net_link):
 *
 *   NET_LINK_ETHERNET  a 14-byte Ethernet header, then the IP packet:
 *
 *       bytes 0-5   destination MAC   } all zero on Linux's loopback
 *       bytes 6-11  source MAC        } device ("lo")
 *       bytes 12-13 ethertype: 0x0800 IPv4, 0x86DD IPv6, 0x0806 ARP...
 *
 *     An 802.1Q tag (ethertype 0x8100, or 0x88A8 for an 802.1ad outer
 *     tag) puts 4 more bytes before the real ethertype; up to two tags are
 *     skipped.  (Linux usually strips tags before AF_PACKET sees them, and
 *     hands them over as ancillary data; a frame may still carry them.)
 *     An Ethernet frame may be longer than its IP packet -- the minimum
 *     frame is 60 bytes, so a 40-byte ACK gets 6 bytes of padding -- so
 *     the IP length fields, never the frame length, say where it ends.
 *
 *   NET_LINK_RAW_IP    the IP packet first, nothing before it (a TUN
 *     device opened with IFF_NO_PI); the version is the first nibble.
 *
 * Then IPv4 (RFC 791 §3.1; options skipped by IHL) or IPv6 (RFC 8200 §3,
 * extension headers Hop-by-Hop, Routing and Destination Options walked by
 * their length field, §4), then the TCP header (RFC 9293 §3.1) with its
 * options, then the payload.
 *
 * CAPLEN AND WIRELEN.  A capture may keep only the first bytes of a frame
 * (a "snap length"): 'caplen' bytes are in 'frame', of a frame that was
 * 'wirelen' bytes long.  The headers must all lie within the captured
 * bytes; the payload may be cut, and then 'payload_captured' is less than
 * 'payload_len'.  The IP length field is checked against 'wirelen': an IP
 * packet longer than the frame it came in is TRUNCATED (with caplen ==
 * wirelen, "a length field points past what the frame holds").
 *
 * FOUR ANSWERS, like picohttpparser's "consumed / need more / invalid",
 * but for a frame that will not grow:
 *
 *   NET_PACKET_TCP        a TCP segment, decoded: every field of *out set.
 *   NET_PACKET_OTHER      well formed as far as we read, but not a TCP
 *                         segment we can read: ARP, UDP, ICMP, an unknown
 *                         ethertype or next header, an IPv4 fragment or an
 *                         IPv6 Fragment header (RFC 8200 §4.5: only the
 *                         first fragment has the TCP header, and putting
 *                         fragments back together needs state), No Next
 *                         Header (59), a jumbogram (RFC 2675: IPv6 payload
 *                         length 0 after Hop-by-Hop).  Skip it.
 *   NET_PACKET_TRUNCATED  the bytes end too early: a header is cut short
 *                         by 'caplen', or the IP length field claims more
 *                         than 'wirelen' holds.  A larger snap length may
 *                         help; more of this frame will never come.
 *   NET_PACKET_MALFORMED  a field that cannot be, whatever was captured:
 *                         IP version not 4 or 6 (or not the one the
 *                         ethertype names), IPv4 IHL < 5, total length <
 *                         IHL*4, an IPv6 extension header or a TCP header
 *                         past the end of the IP packet, Hop-by-Hop not
 *                         first, TCP data offset < 5 or past the packet, a
 *                         TCP option with length < 2 or running past the
 *                         header, or a known option with the wrong length.
 *
 * Rules are checked in the order their bytes come, so a defect is found
 * at the first byte that shows it; within one header, the checks against
 * the IP packet's own length (MALFORMED) come before the checks against
 * the captured bytes (TRUNCATED).
 *
 * Not checked: checksums.  On loopback the kernel leaves the TCP checksum
 * for hardware that is not there (CHECKSUM_PARTIAL: a capture on lo shows
 * only the pseudo-header sum, which is why tcpdump says "cksum incorrect"),
 * and the IPv4 header checksum tells us nothing the lengths do not.
 *
 * Cost: O(header bytes) per frame; the payload is never touched.  The
 * IPv6 walk is bounded by the packet, as each extension header is at
 * least 8 bytes long.  Every integer is assembled byte by byte, so the
 * frame may sit at any address.
 *
 * Read next: ledger.h, for what the counts feed.
 */
#ifndef PUSHPULL_NET_PACKET_H
#define PUSHPULL_NET_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum net_link {
	NET_LINK_ETHERNET,      /* 14-byte Ethernet header first (AF_PACKET SOCK_RAW) */
	NET_LINK_RAW_IP         /* the IP header first (TUN with IFF_NO_PI) */
};

/* TCP flags, byte 13 of the TCP header (RFC 9293 §3.1; ECE and CWR from
 * RFC 3168 §23.2). */
#define NET_TCP_FIN 0x01
#define NET_TCP_SYN 0x02
#define NET_TCP_RST 0x04
#define NET_TCP_PSH 0x08
#define NET_TCP_ACK 0x10
#define NET_TCP_URG 0x20
#define NET_TCP_ECE 0x40
#define NET_TCP_CWR 0x80

enum net_packet_result {
	NET_PACKET_TCP = 0,     /* decoded */
	NET_PACKET_OTHER,       /* well formed, not a TCP segment we read: skip */
	NET_PACKET_TRUNCATED,   /* cut short by caplen, or IP length > wirelen */
	NET_PACKET_MALFORMED    /* a field that cannot be */
};

/* What one frame says.  On NET_PACKET_TCP every field is set.  On any
 * other answer every field is zero but 'reason' (and 'wscale', -1). */
struct net_packet {
	uint8_t ip_version;             /* 4 or 6 */
	uint8_t src[16], dst[16];       /* addresses; IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;              /* as sent; 'ack' means something only with ACK */
	uint8_t flags;                  /* NET_TCP_* */
	uint16_t window;                /* as sent, before any window scaling */

	/* Lengths.  'link_len' + 'ip_len' <= wirelen; the rest is padding. */
	uint32_t link_len;              /* bytes before the IP header: 0, 14, 18 or 22 */
	uint32_t ip_len;                /* the IP packet: IP header(s) + TCP header +
	                                   payload, from the IP length field */
	uint32_t header_len;            /* IP header, extension headers, TCP header
	                                   with options */
	uint32_t payload_len;           /* TCP payload on the wire: ip_len - header_len */
	const uint8_t *payload;         /* frame + link_len + header_len: into the
	                                   caller's frame, valid as long as it is */
	uint32_t payload_captured;      /* payload bytes in the frame: <= payload_len,
	                                   less when the snap length cut it */

	/* TCP options worth showing in a diagram (RFC 9293 §3.2). */
	uint16_t mss;                   /* kind 2, RFC 9293 §3.7.1; 0: absent */
	int16_t wscale;                 /* kind 3, RFC 7323 §2: the shift as sent;
	                                   -1: absent */
	bool sack_permitted;            /* kind 4, RFC 2018 §2 */
	uint8_t sack_blocks;            /* kind 5, RFC 2018 §3: 0..4 blocks; 0: absent */
	bool timestamps;                /* kind 8, RFC 7323 §3 */
	uint32_t ts_val, ts_ecr;        /* valid when 'timestamps' */

	/* Which rule gave the answer, with its RFC section: "UDP", "IPv4 IHL
	 * < 5 (RFC 791 §3.1)"...  A static string; NULL on NET_PACKET_TCP. */
	const char *reason;
};

/* Decodes the frame of 'caplen' captured bytes at 'frame', which was
 * 'wirelen' bytes long on the wire ('wirelen' >= 'caplen'; equal when
 * nothing was cut; a smaller 'wirelen' is read as 'caplen').  'frame'
 * may be NULL only when 'caplen' is 0.  Never reads outside
 * frame[0 .. caplen-1].  Writes *out on every answer (see above).
 * Returns one of the four answers of enum net_packet_result. */
enum net_packet_result net_packet_decode(const uint8_t *frame, size_t caplen,
					 size_t wirelen, enum net_link link,
					 struct net_packet *out);

/* "tcp", "other", "truncated", "malformed"; "?" for anything else. */
const char *net_packet_result_name(enum net_packet_result r);

/* The flags as words in bit order, lowest first, separated by one space:
 * "SYN", "SYN ACK", "ACK", "PSH ACK", "FIN ACK", "FIN PSH ACK", "RST",
 * "RST ACK", "SYN ECE CWR"; "none" when no flag is set.  This is
 * Wireshark's order without its commas; tcpdump writes the same flags as
 * letters (S F P R U E W, '.' for ACK).  Writes into 'buf' the words
 * that fit whole in 'cap' bytes with the NUL (always terminated when
 * 'cap' > 0) and returns 'buf'.  NET_TCP_FLAGS_STR_MAX bytes hold any. */
#define NET_TCP_FLAGS_STR_MAX 32
const char *net_tcp_flags_str(uint8_t flags, char *buf, size_t cap);

#endif
