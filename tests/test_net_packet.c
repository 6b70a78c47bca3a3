/* test_net_packet.c -- the captured-frame decoder (src/net/packet.h).
 *
 * Topics: TCP segments decoded whole, each printed as one line and
 * compared with the expected line, their lengths checked against the
 * sizes of the pieces the vector is built from (a second way to the same
 * numbers, that reads no length field); every prefix of every vector, as
 * a whole short frame and as a frame cut by a snap length; one vector per
 * rule behind OTHER, TRUNCATED and MALFORMED, with the rule's reason;
 * every byte of every vector set to every value, with the invariants
 * checked and ASan watching the reads; the names and the flag words.
 *
 * Where the bytes come from.  Vectors marked "captured" were read from an
 * AF_PACKET socket on lo (Linux 6.18, default sysctls) while a client
 * connected, sent "GET / HTTP/1.1\r\n\r\n", got "bye\n" with the FIN
 * (TCP_CORK, then shutdown) and closed with SO_LINGER 0 (the RST).  Their
 * TCP checksums are partial -- the pseudo-header sum only, as loopback
 * leaves it -- which is why the decoder checks none.  The others are
 * written by hand from RFC layouts; their IPv4 header checksums are right,
 * and 'vectors_sound' checks that. */
#include <check.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/packet.h"

/* --- helpers -------------------------------------------------------------- */

/* Hex digits to bytes, skipping spaces; 'out' may be NULL to count. */
static size_t hex_put(const char *hex, uint8_t *out)
{
	size_t n = 0;
	for (const char *c = hex; *c; c++) {
		if (*c == ' ' || *c == '\n')
			continue;
		unsigned v;
		ck_assert_msg(c[1] && sscanf(c, "%2x", &v) == 1, "bad hex at '%s'", c);
		if (out)
			out[n] = (uint8_t)v;
		n++;
		c++;
	}
	return n;
}

/* A copy of 'n' bytes in a block of exactly that size, so that ASan
 * catches a read past the end. */
static uint8_t *dup_exact(const uint8_t *b, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(d);
	if (n)
		memcpy(d, b, n);
	return d;
}

/* One line per segment, tcpdump-like; numbers the bytes show in hex. */
static void describe(const struct net_packet *p, char *buf, size_t cap)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], fl[NET_TCP_FLAGS_STR_MAX];
	int af = p->ip_version == 6 ? AF_INET6 : AF_INET;
	inet_ntop(af, p->src, src, sizeof src);
	inet_ntop(af, p->dst, dst, sizeof dst);
	int n = snprintf(buf, cap, "%u %s.%u > %s.%u [%s] seq %08x ack %08x win %u",
			 p->ip_version, src, p->sport, dst, p->dport,
			 net_tcp_flags_str(p->flags, fl, sizeof fl), p->seq, p->ack,
			 p->window);
	if (p->mss)
		n += snprintf(buf + n, cap - (size_t)n, " mss %u", p->mss);
	if (p->sack_permitted)
		n += snprintf(buf + n, cap - (size_t)n, " sackOK");
	if (p->sack_blocks)
		n += snprintf(buf + n, cap - (size_t)n, " sack %u", p->sack_blocks);
	if (p->timestamps)
		n += snprintf(buf + n, cap - (size_t)n, " ts %08x %08x", p->ts_val, p->ts_ecr);
	if (p->wscale >= 0)
		snprintf(buf + n, cap - (size_t)n, " wscale %d", p->wscale);
}

/* The invariants every TCP answer keeps, whatever the input: NULL when
 * all hold, else the one that does not.  (Plain tests, not ck_assert:
 * Check reports every passing assertion to its parent, and the byte
 * flips below make millions.) */
static const char *invariant_broken(const struct net_packet *p, const uint8_t *f,
				    size_t caplen, size_t wirelen)
{
	if (p->header_len + p->payload_len != p->ip_len)
		return "header_len + payload_len != ip_len";
	if (p->link_len + p->ip_len > wirelen)
		return "link_len + ip_len > wirelen";
	if (p->payload_captured > p->payload_len)
		return "payload_captured > payload_len";
	if (p->payload != f + p->link_len + p->header_len)
		return "payload not at link_len + header_len";
	if (p->link_len + p->header_len + p->payload_captured > caplen)
		return "payload past caplen";
	if (p->ip_version != 4 && p->ip_version != 6)
		return "ip_version not 4 or 6";
	if (p->reason)
		return "a reason with TCP";
	return NULL;
}

static void check_invariants(const struct net_packet *p, const uint8_t *f,
			     size_t caplen, size_t wirelen)
{
	const char *why = invariant_broken(p, f, caplen, wirelen);
	if (why)
		ck_abort_msg("%s", why);
}

/* Link headers seen on lo: addresses zero (packet.h). */
#define ETH_LO_V4 "000000000000 000000000000 0800 "
#define ETH_LO_V6 "000000000000 000000000000 86dd "
#define V4_LO     "7f000001 7f000001 "                  /* 127.0.0.1 both ways */
#define V6_LO     "00000000000000000000000000000001 " \
		  "00000000000000000000000000000001 "   /* ::1 both ways */

/* --- TCP segments ---------------------------------------------------------- */

/* A vector is built from pieces, and the pieces' sizes are the oracle for
 * the lengths: ip_len = ip + tcp + data, header_len = ip + tcp,
 * payload_len = data, link_len = l2.  'pad' zero bytes follow the packet. */
static const struct tcp_vec {
	const char *name;
	enum net_link link;
	const char *l2, *ip, *tcp;      /* hex: link header, IP (+ options or
	                                   extension headers), TCP with options */
	const char *data;               /* the payload, as text */
	size_t pad;
	const char *line;               /* describe()'s line */
} tv[] = {
	/* Captured.  IPv4: version 4, IHL 5 | TOS 0 | total length 60 |
	 * ID | DF, offset 0 | TTL 64 | protocol 6 | checksum | addresses.
	 * TCP: ports 57504 > 52221 | seq | ack 0 | data offset 10, SYN |
	 * window 65495 | partial checksum | urgent 0 | options in Linux's
	 * order: MSS 65495 (65535 - 20 - 20, the largest IPv4 packet),
	 * SACK-permitted, timestamps, NOP, window scale 10. */
	{ "v4 SYN, captured on lo", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 003c 0de6 4000 4006 2ed4 " V4_LO,
	  "e0a0 cbfd 9f47ae75 00000000 a002 ffd7 fe30 0000 "
	  "0204ffd7 0402 080a2958729300000000 01 03030a", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [SYN] seq 9f47ae75 ack 00000000 "
	  "win 65495 mss 65495 sackOK ts 29587293 00000000 wscale 10" },
	/* Captured.  The answer: ack = seq + 1, TSecr echoes the SYN's TSval. */
	{ "v4 SYN-ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 003c 0000 4000 4006 3cba " V4_LO,
	  "cbfd e0a0 b2441002 9f47ae76 a012 ffcb fe30 0000 "
	  "0204ffd7 0402 080a91ae0c7129587293 01 03030a", "", 0,
	  "4 127.0.0.1.52221 > 127.0.0.1.57504 [SYN ACK] seq b2441002 ack 9f47ae76 "
	  "win 65483 mss 65495 sackOK ts 91ae0c71 29587293 wscale 10" },
	/* Captured.  The handshake's third segment: data offset 8, NOP NOP
	 * and timestamps; window 64 (scaled by 2^10 now). */
	{ "v4 ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 0034 0de7 4000 4006 2edb " V4_LO,
	  "e0a0 cbfd 9f47ae76 b2441003 8010 0040 fe28 0000 "
	  "0101 080a2958729391ae0c71", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [ACK] seq 9f47ae76 ack b2441003 "
	  "win 64 ts 29587293 91ae0c71" },
	/* Captured.  Total length 70 = 20 + 32 + 18 bytes of request. */
	{ "v4 data PSH ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 0046 0de8 4000 4006 2ec8 " V4_LO,
	  "e0a0 cbfd 9f47ae76 b2441003 8018 0040 fe3a 0000 "
	  "0101 080a295872c591ae0c71", "GET / HTTP/1.1\r\n\r\n", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [PSH ACK] seq 9f47ae76 ack b2441003 "
	  "win 64 ts 295872c5 91ae0c71" },
	/* Captured.  Corked data, then shutdown: the FIN rides on the data. */
	{ "v4 FIN with data, captured on lo", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 0038 1af5 4000 4006 21c9 " V4_LO,
	  "cbfd e0a0 b2441003 9f47ae88 8019 0040 fe2c 0000 "
	  "0101 080a91ae0cd6295872c5", "bye\n", 0,
	  "4 127.0.0.1.52221 > 127.0.0.1.57504 [FIN PSH ACK] seq b2441003 ack 9f47ae88 "
	  "win 64 ts 91ae0cd6 295872c5" },
	/* Captured.  close() with SO_LINGER 0: RST, acknowledging the FIN. */
	{ "v4 RST ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 0034 0dea 4000 4006 2ed8 " V4_LO,
	  "e0a0 cbfd 9f47ae88 b2441008 8014 0040 fe28 0000 "
	  "0101 080a2958732a91ae0cd6", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [RST ACK] seq 9f47ae88 ack b2441008 "
	  "win 64 ts 2958732a 91ae0cd6" },
	/* Captured.  IPv6: version 6, traffic class 0, flow label 0x77ba2 |
	 * payload length 40 | next header 6 | hop limit 64 | addresses.
	 * MSS 65476 = lo's MTU 65536 - 40 - 20. */
	{ "v6 SYN, captured on lo", NET_LINK_ETHERNET, ETH_LO_V6,
	  "60077ba2 0028 06 40 " V6_LO,
	  "d14a d02d 28d293fa 00000000 a002 ffc4 0030 0000 "
	  "0204ffc4 0402 080ab79e49f400000000 01 03030a", "", 0,
	  "6 ::1.53578 > ::1.53293 [SYN] seq 28d293fa ack 00000000 "
	  "win 65476 mss 65476 sackOK ts b79e49f4 00000000 wscale 10" },
	{ "v6 SYN-ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V6,
	  "6008b78a 0028 06 40 " V6_LO,
	  "d02d d14a 0a1f8d6b 28d293fb a012 ffb8 0030 0000 "
	  "0204ffc4 0402 080abf89bea7b79e49f4 01 03030a", "", 0,
	  "6 ::1.53293 > ::1.53578 [SYN ACK] seq 0a1f8d6b ack 28d293fb "
	  "win 65464 mss 65476 sackOK ts bf89bea7 b79e49f4 wscale 10" },
	{ "v6 ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V6,
	  "60077ba2 0020 06 40 " V6_LO,
	  "d14a d02d 28d293fb 0a1f8d6c 8010 0040 0028 0000 "
	  "0101 080ab79e49f4bf89bea7", "", 0,
	  "6 ::1.53578 > ::1.53293 [ACK] seq 28d293fb ack 0a1f8d6c "
	  "win 64 ts b79e49f4 bf89bea7" },
	/* Captured.  Payload length 50 = 32 + 18: no IP header in it. */
	{ "v6 data PSH ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V6,
	  "60077ba2 0032 06 40 " V6_LO,
	  "d14a d02d 28d293fb 0a1f8d6c 8018 0040 003a 0000 "
	  "0101 080ab79e4a27bf89bea7", "GET / HTTP/1.1\r\n\r\n", 0,
	  "6 ::1.53578 > ::1.53293 [PSH ACK] seq 28d293fb ack 0a1f8d6c "
	  "win 64 ts b79e4a27 bf89bea7" },
	{ "v6 FIN with data, captured on lo", NET_LINK_ETHERNET, ETH_LO_V6,
	  "6008b78a 0024 06 40 " V6_LO,
	  "d02d d14a 0a1f8d6c 28d2940d 8019 0040 002c 0000 "
	  "0101 080abf89bf0cb79e4a27", "bye\n", 0,
	  "6 ::1.53293 > ::1.53578 [FIN PSH ACK] seq 0a1f8d6c ack 28d2940d "
	  "win 64 ts bf89bf0c b79e4a27" },
	{ "v6 RST ACK, captured on lo", NET_LINK_ETHERNET, ETH_LO_V6,
	  "60077ba2 0020 06 40 " V6_LO,
	  "d14a d02d 28d2940d 0a1f8d71 8014 0040 0028 0000 "
	  "0101 080ab79e4a8bbf89bf0c", "", 0,
	  "6 ::1.53578 > ::1.53293 [RST ACK] seq 28d2940d ack 0a1f8d71 "
	  "win 64 ts b79e4a8b bf89bf0c" },
	/* The captured v4 SYN as a TUN device with IFF_NO_PI hands it over. */
	{ "v4 SYN, raw IP", NET_LINK_RAW_IP, "",
	  "4500 003c 0de6 4000 4006 2ed4 " V4_LO,
	  "e0a0 cbfd 9f47ae75 00000000 a002 ffd7 fe30 0000 "
	  "0204ffd7 0402 080a2958729300000000 01 03030a", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [SYN] seq 9f47ae75 ack 00000000 "
	  "win 65495 mss 65495 sackOK ts 29587293 00000000 wscale 10" },
	/* The captured v6 data segment with a Destination Options header
	 * (RFC 8200 §4.6) put in: next header 60 -> { next header 6, length
	 * 0 (8 bytes), PadN of 4 zero bytes (§4.2) }; payload length 58. */
	{ "v6 data with Destination Options, raw IP", NET_LINK_RAW_IP, "",
	  "60077ba2 003a 3c 40 " V6_LO
	  "06 00 01 04 00000000",
	  "d14a d02d 28d293fb 0a1f8d6c 8018 0040 003a 0000 "
	  "0101 080ab79e4a27bf89bea7", "GET / HTTP/1.1\r\n\r\n", 0,
	  "6 ::1.53578 > ::1.53293 [PSH ACK] seq 28d293fb ack 0a1f8d6c "
	  "win 64 ts b79e4a27 bf89bea7" },
	/* The captured v6 ACK behind three extension headers, 32 bytes:
	 * Hop-by-Hop (§4.3; next 43, length 0, Router Alert RFC 2711, Pad1
	 * ... PadN 0) -> Routing (§4.4; next 60, length 0, type 253
	 * (experimental), segments left 0: ignored) -> Destination Options
	 * (next 6, length 1 = 16 bytes, PadN of 12). */
	{ "v6 ACK after Hop-by-Hop, Routing, Destination Options, raw IP",
	  NET_LINK_RAW_IP, "",
	  "60077ba2 0040 00 40 " V6_LO
	  "2b 00 05020000 0100 "
	  "3c 00 fd 00 00000000 "
	  "06 01 010c 000000000000000000000000",
	  "d14a d02d 28d293fb 0a1f8d6c 8010 0040 0028 0000 "
	  "0101 080ab79e49f4bf89bea7", "", 0,
	  "6 ::1.53578 > ::1.53293 [ACK] seq 28d293fb ack 0a1f8d6c "
	  "win 64 ts b79e49f4 bf89bea7" },
	/* The captured v4 ACK behind an 802.1Q tag (TPID 0x8100, VLAN 100). */
	{ "v4 ACK, 802.1Q tag", NET_LINK_ETHERNET,
	  "020000000001 020000000002 8100 0064 0800",
	  "4500 0034 0de7 4000 4006 2edb " V4_LO,
	  "e0a0 cbfd 9f47ae76 b2441003 8010 0040 fe28 0000 "
	  "0101 080a2958729391ae0c71", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [ACK] seq 9f47ae76 ack b2441003 "
	  "win 64 ts 29587293 91ae0c71" },
	/* The same behind two tags: 802.1ad outer (0x88a8), 802.1Q inner. */
	{ "v4 ACK, 802.1ad and 802.1Q tags", NET_LINK_ETHERNET,
	  "020000000001 020000000002 88a8 00c8 8100 0064 0800",
	  "4500 0034 0de7 4000 4006 2edb " V4_LO,
	  "e0a0 cbfd 9f47ae76 b2441003 8010 0040 fe28 0000 "
	  "0101 080a2958729391ae0c71", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [ACK] seq 9f47ae76 ack b2441003 "
	  "win 64 ts 29587293 91ae0c71" },
	/* RST without ACK (RFC 9293 §3.10.7.1: the answer to a stray ACK,
	 * seq = its ack), no options: 14 + 40 = 54 bytes, padded to the
	 * 60-byte Ethernet minimum.  The 6 bytes are not payload. */
	{ "v4 RST, Ethernet padding after it", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 0028 0000 4000 4006 3cce " V4_LO,
	  "cbfd e0a0 9f47ae88 00000000 5004 0000 b76f 0000", "", 6,
	  "4 127.0.0.1.52221 > 127.0.0.1.57504 [RST] seq 9f47ae88 ack 00000000 win 0" },
	/* The captured v4 ACK with an IPv4 option (RFC 791 §3.1): IHL 6,
	 * Router Alert (RFC 2113: type 148, length 4, value 0). */
	{ "v4 ACK with IP options, raw IP", NET_LINK_RAW_IP, "",
	  "4600 0038 0de7 4000 4006 99d2 " V4_LO "94040000",
	  "e0a0 cbfd 9f47ae76 b2441003 8010 0040 fe28 0000 "
	  "0101 080a2958729391ae0c71", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [ACK] seq 9f47ae76 ack b2441003 "
	  "win 64 ts 29587293 91ae0c71" },
	/* An ECN-setup SYN (RFC 3168 §6.1.1: ECE and CWR), no options. */
	{ "v4 SYN ECE CWR without options, raw IP", NET_LINK_RAW_IP, "",
	  "4500 0028 1234 4000 4006 2a9a " V4_LO,
	  "c350 0050 01020304 00000000 50c2 faf0 ee88 0000", "", 0,
	  "4 127.0.0.1.50000 > 127.0.0.1.80 [SYN ECE CWR] seq 01020304 ack 00000000 "
	  "win 64240" },
	/* A duplicate ACK as Linux sends one: NOP NOP timestamps, NOP NOP
	 * SACK with one block (RFC 2018 §3: kind 5, length 10). */
	{ "v4 dup ACK with SACK", NET_LINK_ETHERNET, ETH_LO_V4,
	  "4500 0040 0def 4000 4006 2ec7 " V4_LO,
	  "e0a0 cbfd 9f47ae88 b2441003 b010 0200 b446 0000 "
	  "0101 080a2958740091ae0d00 0101 050a b24414b7 b2441a5f", "", 0,
	  "4 127.0.0.1.57504 > 127.0.0.1.52221 [ACK] seq 9f47ae88 ack b2441003 "
	  "win 512 sack 1 ts 29587400 91ae0d00" },
};
enum { N_TV = sizeof tv / sizeof tv[0] };

/* A vector's frame, in an exact-size block, and the piece sizes. */
struct built {
	uint8_t *f;
	size_t n;                       /* the whole frame */
	size_t l2, ip, tcp, data;       /* piece sizes */
};

static struct built build(const struct tcp_vec *v)
{
	struct built b = { .l2 = hex_put(v->l2, NULL), .ip = hex_put(v->ip, NULL),
			   .tcp = hex_put(v->tcp, NULL), .data = strlen(v->data) };
	b.n = b.l2 + b.ip + b.tcp + b.data + v->pad;
	b.f = calloc(1, b.n);
	ck_assert_ptr_nonnull(b.f);
	hex_put(v->l2, b.f);
	hex_put(v->ip, b.f + b.l2);
	hex_put(v->tcp, b.f + b.l2 + b.ip);
	memcpy(b.f + b.l2 + b.ip + b.tcp, v->data, b.data);
	return b;                       /* the padding is calloc's zeros */
}

/* Fields and lengths of a whole decode, against the line and the pieces. */
static void check_whole(const struct tcp_vec *v, const struct built *b,
			const uint8_t *f, const struct net_packet *p)
{
	char line[256];
	describe(p, line, sizeof line);
	ck_assert_msg(strcmp(line, v->line) == 0, "%s:\n got  %s\n want %s",
		      v->name, line, v->line);
	ck_assert_uint_eq(p->link_len, b->l2);
	ck_assert_uint_eq(p->ip_len, b->ip + b->tcp + b->data);
	ck_assert_uint_eq(p->header_len, b->ip + b->tcp);
	ck_assert_uint_eq(p->payload_len, b->data);
	ck_assert_uint_eq(p->payload_captured, b->data);
	ck_assert_ptr_eq(p->payload, f + b->l2 + b->ip + b->tcp);
	ck_assert(memcmp(p->payload, v->data, b->data) == 0);
}

START_TEST(decode_whole)
{
	const struct tcp_vec *v = &tv[_i];
	struct built b = build(v);
	struct net_packet p;
	ck_assert_str_eq(net_packet_result_name(net_packet_decode(b.f, b.n, b.n,
				v->link, &p)), "tcp");
	check_whole(v, &b, b.f, &p);
	check_invariants(&p, b.f, b.n, b.n);

	/* At an odd address: integers are read byte by byte. */
	uint8_t *odd = malloc(b.n + 1);
	memcpy(odd + 1, b.f, b.n);
	ck_assert_int_eq(net_packet_decode(odd + 1, b.n, b.n, v->link, &p), NET_PACKET_TCP);
	check_whole(v, &b, odd + 1, &p);
	free(odd);
	free(b.f);
}
END_TEST

/* Every prefix as a whole frame (caplen == wirelen): until the IP packet
 * is all there it is TRUNCATED; cut in the padding, it is the same. */
START_TEST(decode_every_prefix)
{
	const struct tcp_vec *v = &tv[_i];
	struct built b = build(v);
	size_t packet_end = b.l2 + b.ip + b.tcp + b.data;
	for (size_t k = 0; k <= b.n; k++) {
		uint8_t *f = dup_exact(b.f, k);
		struct net_packet p;
		enum net_packet_result r = net_packet_decode(f, k, k, v->link, &p);
		if (k < packet_end) {
			ck_assert_msg(r == NET_PACKET_TRUNCATED, "%s: prefix %zu: %s",
				      v->name, k, net_packet_result_name(r));
			ck_assert_ptr_nonnull(p.reason);
		} else {
			ck_assert_int_eq(r, NET_PACKET_TCP);
			check_whole(v, &b, f, &p);
		}
		free(f);
	}
	free(b.f);
}
END_TEST

/* Every prefix as a snap length (wirelen = the whole frame): TRUNCATED
 * while a header is cut, then decoded, with the payload that is there. */
START_TEST(decode_every_snap)
{
	const struct tcp_vec *v = &tv[_i];
	struct built b = build(v);
	size_t headers_end = b.l2 + b.ip + b.tcp;
	for (size_t k = 0; k <= b.n; k++) {
		uint8_t *f = dup_exact(b.f, k);
		struct net_packet p;
		enum net_packet_result r = net_packet_decode(f, k, b.n, v->link, &p);
		if (k < headers_end) {
			ck_assert_msg(r == NET_PACKET_TRUNCATED, "%s: snap %zu: %s",
				      v->name, k, net_packet_result_name(r));
		} else {
			ck_assert_msg(r == NET_PACKET_TCP, "%s: snap %zu: %s",
				      v->name, k, net_packet_result_name(r));
			size_t left = k - headers_end;
			ck_assert_uint_eq(p.payload_captured, left < b.data ? left : b.data);
			ck_assert_uint_eq(p.payload_len, b.data);
			ck_assert_ptr_eq(p.payload, f + headers_end);
			ck_assert(memcmp(p.payload, v->data, p.payload_captured) == 0);
			check_invariants(&p, f, k, b.n);
		}
		free(f);
	}
	free(b.f);
}
END_TEST

/* The hand-written vectors are real layouts: every IPv4 header sums to
 * 0xffff (RFC 1071), and the IP length fields agree with the pieces --
 * read here directly, a second way to the decoder's numbers. */
START_TEST(vectors_sound)
{
	const struct tcp_vec *v = &tv[_i];
	struct built b = build(v);
	const uint8_t *ip = b.f + b.l2;
	size_t body = b.tcp + b.data;
	if (ip[0] >> 4 == 4) {
		uint32_t sum = 0;
		for (size_t i = 0; i < b.ip; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ck_assert_uint_eq(sum, 0xffff);
		ck_assert_uint_eq((size_t)(ip[2] << 8 | ip[3]), b.ip + body);
		ck_assert_uint_eq((size_t)(ip[0] & 15) * 4, b.ip);
	} else {
		ck_assert_uint_eq((size_t)(ip[4] << 8 | ip[5]), b.ip - 40 + body);
	}
	ck_assert_uint_eq((size_t)(b.f[b.l2 + b.ip + 12] >> 4) * 4, b.tcp);
	free(b.f);
}
END_TEST

/* --- every other answer: one vector per rule --------------------------------- */

static const struct rule_vec {
	const char *name;
	enum net_link link;
	const char *hex;                /* the whole frame (wirelen) */
	size_t caplen;                  /* captured; 0: all of it */
	enum net_packet_result result;
	const char *reason;             /* a part of the answer's reason */
} rv[] = {
	/* OTHER ---------------------------------------------------------- */
	/* ARP request, who has 192.168.0.2 (RFC 826), padded to 60 bytes. */
	{ "ARP request", NET_LINK_ETHERNET,
	  "ffffffffffff 020000000001 0806 "
	  "0001 0800 06 04 0001 020000000001 c0a80001 000000000000 c0a80002 "
	  "000000000000000000000000000000000000", 0, NET_PACKET_OTHER, "ARP" },
	/* LLDP (ethertype 0x88cc), the first bytes of one. */
	{ "LLDP", NET_LINK_ETHERNET, "0180c200000e 020000000001 88cc 0207 04020000000001",
	  0, NET_PACKET_OTHER, "ethertype not IP" },
	/* An 802.3 frame: the "ethertype" is a length (< 0x0600). */
	{ "802.3 length field", NET_LINK_ETHERNET,
	  "0180c2000000 020000000001 0003 424203", 0, NET_PACKET_OTHER,
	  "ethertype not IP" },
	{ "three VLAN tags", NET_LINK_ETHERNET,
	  "000000000000 000000000000 88a8 0001 8100 0002 8100 0003 0800 "
	  "4500 0014 0000 4000 4006 0000 " V4_LO, 0, NET_PACKET_OTHER,
	  "more than two VLAN tags" },
	/* Captured: a 2-byte UDP datagram, "hi" (RFC 768). */
	{ "v4 UDP, captured on lo", NET_LINK_ETHERNET, ETH_LO_V4
	  "4500 001e 63f6 4000 4011 d8d6 " V4_LO "ddc0 9c42 000a fe1d 6869",
	  0, NET_PACKET_OTHER, "UDP" },
	/* ICMP echo request (RFC 792). */
	{ "v4 ICMP echo", NET_LINK_RAW_IP,
	  "4500 001c 1111 4000 4001 2bce " V4_LO "0800 f7fd 0000 0001",
	  0, NET_PACKET_OTHER, "IPv4 protocol not TCP" },
	/* The first fragment of a TCP segment: MF set, offset 0. */
	{ "v4 first fragment (MF)", NET_LINK_RAW_IP,
	  "4500 0028 4242 2000 4006 1a8c " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000",
	  0, NET_PACKET_OTHER, "IPv4 fragment" },
	/* A later fragment: offset 185 (1480 bytes), no TCP header in it. */
	{ "v4 later fragment (offset 185)", NET_LINK_RAW_IP,
	  "4500 001c 4242 00b9 4006 39df " V4_LO "0102030405060708",
	  0, NET_PACKET_OTHER, "IPv4 fragment" },
	/* IPv6, next header 44: Fragment header (RFC 8200 §4.5), first of
	 * several (offset 0, M 1), identification 0xabcd. */
	{ "v6 Fragment header", NET_LINK_RAW_IP,
	  "60000000 0010 2c 40 " V6_LO "06 00 0001 0000abcd "
	  "c3500050 00000001", 0, NET_PACKET_OTHER, "IPv6 fragment" },
	/* Next header 59: nothing follows (RFC 8200 §4.7). */
	{ "v6 No Next Header", NET_LINK_RAW_IP, "60000000 0000 3b 40 " V6_LO,
	  0, NET_PACKET_OTHER, "No Next Header" },
	/* Payload length 0 and Hop-by-Hop: a jumbogram (RFC 2675 §3), whose
	 * length is in the Jumbo Payload option (type 0xc2). */
	{ "v6 jumbogram", NET_LINK_RAW_IP,
	  "60000000 0000 00 40 " V6_LO "06 00 c204 00010010", 0, NET_PACKET_OTHER,
	  "jumbogram" },
	/* ICMPv6 echo request (RFC 4443 §4.1). */
	{ "v6 ICMPv6 echo", NET_LINK_ETHERNET, ETH_LO_V6
	  "60000000 0008 3a 40 " V6_LO "8000 7fbb 0000 0001", 0, NET_PACKET_OTHER,
	  "ICMPv6" },

	/* TRUNCATED ------------------------------------------------------- */
	{ "raw IP, empty", NET_LINK_RAW_IP, "", 0, NET_PACKET_TRUNCATED, "no IP header" },
	{ "Ethernet, empty", NET_LINK_ETHERNET, "", 0, NET_PACKET_TRUNCATED,
	  "Ethernet header cut short" },
	{ "Ethernet header only", NET_LINK_ETHERNET, ETH_LO_V4, 0,
	  NET_PACKET_TRUNCATED, "no IP header" },
	{ "VLAN tag cut short", NET_LINK_ETHERNET,
	  "000000000000 000000000000 8100 0064", 0, NET_PACKET_TRUNCATED,
	  "VLAN tag cut short" },
	{ "v4 header, 19 bytes", NET_LINK_RAW_IP,
	  "4500 0028 0000 4000 4006 0000 7f000001 7f0000", 0, NET_PACKET_TRUNCATED,
	  "IPv4 header cut short" },
	/* Total length 41, and the frame holds 40. */
	{ "v4 total length past the frame", NET_LINK_RAW_IP,
	  "4500 0029 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_TRUNCATED, "IPv4 total length past the frame" },
	/* Router Alert option, snapped after 22 bytes of a 24-byte header. */
	{ "v4 options cut by the snap length", NET_LINK_RAW_IP,
	  "4600 002c 0000 4000 4006 0000 " V4_LO "94040000 "
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 22,
	  NET_PACKET_TRUNCATED, "IPv4 options cut short" },
	{ "v6 header, 39 bytes", NET_LINK_RAW_IP,
	  "60000000 0014 06 40 " V6_LO, 39, NET_PACKET_TRUNCATED,
	  "IPv6 header cut short" },
	/* Payload length 21, and 20 bytes follow. */
	{ "v6 payload length past the frame", NET_LINK_RAW_IP,
	  "60000000 0015 06 40 " V6_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_TRUNCATED, "IPv6 payload length past the frame" },
	{ "v6 extension header cut by the snap length", NET_LINK_RAW_IP,
	  "60000000 001c 3c 40 " V6_LO "06 00 01 04 00000000 "
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 41,
	  NET_PACKET_TRUNCATED, "IPv6 extension header cut short" },
	{ "TCP header cut by the snap length", NET_LINK_RAW_IP,
	  "4500 0028 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 39,
	  NET_PACKET_TRUNCATED, "TCP header cut short" },
	{ "TCP options cut by the snap length", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0204ffd7", 42,
	  NET_PACKET_TRUNCATED, "TCP options cut short" },

	/* MALFORMED -------------------------------------------------------- */
	{ "IP version 5", NET_LINK_RAW_IP,
	  "5500 0028 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "IP version not 4 or 6" },
	{ "IP version 0, one byte", NET_LINK_RAW_IP, "05", 0,
	  NET_PACKET_MALFORMED, "IP version not 4 or 6" },
	{ "ethertype IPv4, version 6", NET_LINK_ETHERNET, ETH_LO_V4
	  "60000000 0014 06 40 " V6_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "IP version not the ethertype's" },
	{ "ethertype IPv6, version 4", NET_LINK_ETHERNET, ETH_LO_V6
	  "4500 0028 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "IP version not the ethertype's" },
	{ "v4 IHL 4", NET_LINK_RAW_IP,
	  "4400 0028 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "IPv4 IHL < 5" },
	{ "v4 IHL 0, one byte", NET_LINK_RAW_IP, "40", 0,
	  NET_PACKET_MALFORMED, "IPv4 IHL < 5" },
	{ "v4 total length 19", NET_LINK_RAW_IP,
	  "4500 0013 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "IPv4 total length < IHL*4" },
	{ "v4 total length 20, IHL 6", NET_LINK_RAW_IP,
	  "4600 0014 0000 4000 4006 0000 " V4_LO "94040000", 0,
	  NET_PACKET_MALFORMED, "IPv4 total length < IHL*4" },
	/* Linux's BIG TCP (IPv4, 6.3+) sends GSO packets over 64 KiB with
	 * total length 0 inside the host; we do not read those. */
	{ "v4 total length 0", NET_LINK_RAW_IP,
	  "4500 0000 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "IPv4 total length < IHL*4" },
	/* Total length 30: 10 bytes for a 20-byte TCP header; the frame
	 * holds all 40 (the last 10 read as padding). */
	{ "v4 TCP header past the packet", NET_LINK_RAW_IP,
	  "4500 001e 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 5010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "TCP header past the IP packet" },
	{ "TCP data offset 4", NET_LINK_RAW_IP,
	  "4500 0028 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 4010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "TCP data offset < 5" },
	{ "TCP data offset 0", NET_LINK_RAW_IP,
	  "4500 0028 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 0010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "TCP data offset < 5" },
	{ "TCP data offset 6 in 20 bytes", NET_LINK_RAW_IP,
	  "4500 0028 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000", 0,
	  NET_PACKET_MALFORMED, "TCP data offset past the IP packet" },
	{ "TCP data offset 15 in 24 bytes", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 f010 0100 0000 0000 01010101", 0,
	  NET_PACKET_MALFORMED, "TCP data offset past the IP packet" },
	{ "v6 TCP header past the packet", NET_LINK_RAW_IP,
	  "60000000 0008 06 40 " V6_LO "c350 0050 00000001", 0,
	  NET_PACKET_MALFORMED, "TCP header past the IP packet" },
	/* Destination Options, length 1 (16 bytes), in a payload of 8. */
	{ "v6 extension header past the packet", NET_LINK_RAW_IP,
	  "60000000 0008 3c 40 " V6_LO "06 01 010c 00000000 00000000 00000000", 0,
	  NET_PACKET_MALFORMED, "IPv6 extension header past the packet" },
	/* Destination Options, then Hop-by-Hop: §4.1 wants it first. */
	{ "v6 Hop-by-Hop not first", NET_LINK_RAW_IP,
	  "60000000 0010 3c 40 " V6_LO "00 00 01 04 00000000 06 00 01 04 00000000",
	  0, NET_PACKET_MALFORMED, "Hop-by-Hop not first" },
	/* Options, 4 bytes each (data offset 6) unless said. */
	{ "TCP option length 1", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0201 0000", 0,
	  NET_PACKET_MALFORMED, "TCP option length < 2" },
	{ "TCP option length 0 (unknown kind)", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 1e00 0000", 0,
	  NET_PACKET_MALFORMED, "TCP option length < 2" },
	{ "TCP MSS running past the header", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0101 0204", 0,
	  NET_PACKET_MALFORMED, "TCP option runs past the header" },
	/* One byte too long: the kind of mistake an off-by-one lets by. */
	{ "TCP MSS one byte past the header", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 01 0204 ff", 0,
	  NET_PACKET_MALFORMED, "TCP option runs past the header" },
	{ "TCP unknown option one byte past the header", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0101 1e03", 0,
	  NET_PACKET_MALFORMED, "TCP option runs past the header" },
	{ "TCP option kind as the header's last byte", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0101 0102", 0,
	  NET_PACKET_MALFORMED, "TCP option length past the header" },
	{ "TCP MSS of length 3", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0203 ff00", 0,
	  NET_PACKET_MALFORMED, "TCP option of the wrong length" },
	{ "TCP window scale of length 4", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0304 0a00", 0,
	  NET_PACKET_MALFORMED, "TCP option of the wrong length" },
	{ "TCP SACK-permitted of length 4", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0404 0000", 0,
	  NET_PACKET_MALFORMED, "TCP option of the wrong length" },
	{ "TCP SACK of length 2 (no block)", NET_LINK_RAW_IP,
	  "4500 002c 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 6010 0100 0000 0000 0502 0101", 0,
	  NET_PACKET_MALFORMED, "TCP option of the wrong length" },
	/* Data offset 8: SACK of length 11 (not 2 + 8n), then padding. */
	{ "TCP SACK of length 11", NET_LINK_RAW_IP,
	  "4500 0034 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 8010 0100 0000 0000 "
	  "050b 00000001 00000002 00 00", 0,
	  NET_PACKET_MALFORMED, "TCP option of the wrong length" },
	/* Data offset 7: timestamps of length 8, not 10. */
	{ "TCP timestamps of length 8", NET_LINK_RAW_IP,
	  "4500 0030 0000 4000 4006 0000 " V4_LO
	  "c350 0050 00000001 00000000 7010 0100 0000 0000 0808 00000001 0000", 0,
	  NET_PACKET_MALFORMED, "TCP option of the wrong length" },
};
enum { N_RV = sizeof rv / sizeof rv[0] };

static uint8_t *rule_frame(const struct rule_vec *v, size_t *n)
{
	*n = hex_put(v->hex, NULL);
	uint8_t *f = malloc(*n ? *n : 1);
	ck_assert_ptr_nonnull(f);
	hex_put(v->hex, f);
	return f;
}

START_TEST(rule_answer)
{
	const struct rule_vec *v = &rv[_i];
	size_t n;
	uint8_t *full = rule_frame(v, &n);
	size_t cap = v->caplen ? v->caplen : n;
	uint8_t *f = dup_exact(full, cap);
	struct net_packet p;
	memset(&p, 0xa5, sizeof p);
	enum net_packet_result r = net_packet_decode(f, cap, n, v->link, &p);
	ck_assert_msg(r == v->result, "%s: %s, want %s (%s)", v->name,
		      net_packet_result_name(r), net_packet_result_name(v->result),
		      p.reason ? p.reason : "no reason");
	ck_assert_ptr_nonnull(p.reason);
	ck_assert_msg(strstr(p.reason, v->reason), "%s: reason '%s', want '%s'",
		      v->name, p.reason, v->reason);
	/* Every other field zero (wscale: -1, absent). */
	static const uint8_t none[16];
	ck_assert(p.ip_version == 0 && !memcmp(p.src, none, 16) && !memcmp(p.dst, none, 16));
	ck_assert(p.sport == 0 && p.dport == 0 && p.seq == 0 && p.ack == 0);
	ck_assert(p.flags == 0 && p.window == 0 && p.link_len == 0 && p.ip_len == 0);
	ck_assert(p.header_len == 0 && p.payload_len == 0 && p.payload == NULL);
	ck_assert(p.payload_captured == 0 && p.mss == 0 && p.wscale == -1);
	ck_assert(!p.sack_permitted && p.sack_blocks == 0 && !p.timestamps);
	ck_assert(p.ts_val == 0 && p.ts_ecr == 0);
	free(f);
	free(full);
}
END_TEST

/* Every prefix, whole and snapped, answers TRUNCATED or the rule's own
 * answer -- never TCP, never a crash -- and the full frame the rule's. */
START_TEST(rule_every_prefix)
{
	const struct rule_vec *v = &rv[_i];
	size_t n;
	uint8_t *full = rule_frame(v, &n);
	size_t cap = v->caplen ? v->caplen : n;
	for (size_t k = 0; k <= cap; k++) {
		for (int snapped = 0; snapped < 2; snapped++) {
			uint8_t *f = dup_exact(full, k);
			struct net_packet p;
			enum net_packet_result r =
				net_packet_decode(f, k, snapped ? n : k, v->link, &p);
			ck_assert_msg(r == NET_PACKET_TRUNCATED || r == v->result,
				      "%s: %s %zu: %s", v->name, snapped ? "snap" : "prefix",
				      k, net_packet_result_name(r));
			free(f);
		}
	}
	free(full);
}
END_TEST

/* --- robustness ------------------------------------------------------------------ */

/* Sets each byte of 'f' to each value and decodes: ASan and UBSan watch
 * the reads, check_invariants() the answers. */
static void flip_every_byte(uint8_t *f, size_t n, enum net_link link)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t keep = f[i];
		for (unsigned b = 0; b < 256; b++) {
			f[i] = (uint8_t)b;
			struct net_packet p;
			enum net_packet_result r = net_packet_decode(f, n, n, link, &p);
			const char *why = r == NET_PACKET_TCP
				? invariant_broken(&p, f, n, n)
				: r > NET_PACKET_MALFORMED ? "no such answer"
				: p.reason == NULL ? "no reason" : NULL;
			if (why)
				ck_abort_msg("byte %zu = %02x: %s", i, b, why);
		}
		f[i] = keep;
	}
}

START_TEST(flips_tcp_vectors)
{
	struct built b = build(&tv[_i]);
	flip_every_byte(b.f, b.n, tv[_i].link);
	flip_every_byte(b.f, b.n, tv[_i].link == NET_LINK_RAW_IP
			? NET_LINK_ETHERNET : NET_LINK_RAW_IP);
	free(b.f);
}
END_TEST

START_TEST(flips_rule_vectors)
{
	size_t n;
	uint8_t *f = rule_frame(&rv[_i], &n);
	flip_every_byte(f, n, rv[_i].link);
	free(f);
}
END_TEST

START_TEST(odd_arguments)
{
	struct net_packet p;
	/* NULL with nothing captured. */
	ck_assert_int_eq(net_packet_decode(NULL, 0, 0, NET_LINK_RAW_IP, &p),
			 NET_PACKET_TRUNCATED);
	ck_assert_int_eq(net_packet_decode(NULL, 0, 60, NET_LINK_ETHERNET, &p),
			 NET_PACKET_TRUNCATED);
	/* wirelen < caplen reads as caplen. */
	struct built b = build(&tv[3]);
	ck_assert_int_eq(net_packet_decode(b.f, b.n, 10, tv[3].link, &p), NET_PACKET_TCP);
	ck_assert_uint_eq(p.payload_captured, p.payload_len);
	/* Snapped to the headers exactly: no payload, the pointer at the end. */
	size_t h = b.n - strlen(tv[3].data);
	ck_assert_int_eq(net_packet_decode(b.f, h, b.n, tv[3].link, &p), NET_PACKET_TCP);
	ck_assert_uint_eq(p.payload_captured, 0);
	ck_assert_uint_eq(p.payload_len, 18);
	ck_assert_ptr_eq(p.payload, b.f + h);
	/* A 'wirelen' far past the frame: the payload was cut, nothing more. */
	ck_assert_int_eq(net_packet_decode(b.f, b.n, SIZE_MAX, tv[3].link, &p),
			 NET_PACKET_TCP);
	free(b.f);
}
END_TEST

/* --- names ------------------------------------------------------------------------ */

START_TEST(result_names)
{
	ck_assert_str_eq(net_packet_result_name(NET_PACKET_TCP), "tcp");
	ck_assert_str_eq(net_packet_result_name(NET_PACKET_OTHER), "other");
	ck_assert_str_eq(net_packet_result_name(NET_PACKET_TRUNCATED), "truncated");
	ck_assert_str_eq(net_packet_result_name(NET_PACKET_MALFORMED), "malformed");
	ck_assert_str_eq(net_packet_result_name((enum net_packet_result)42), "?");
}
END_TEST

static const struct {
	uint8_t flags;
	size_t cap;
	const char *want;
} fv[] = {
	{ 0x00, 32, "none" },
	{ NET_TCP_SYN, 32, "SYN" },
	{ NET_TCP_SYN | NET_TCP_ACK, 32, "SYN ACK" },
	{ NET_TCP_ACK, 32, "ACK" },
	{ NET_TCP_PSH | NET_TCP_ACK, 32, "PSH ACK" },
	{ NET_TCP_FIN | NET_TCP_ACK, 32, "FIN ACK" },
	{ NET_TCP_FIN | NET_TCP_PSH | NET_TCP_ACK, 32, "FIN PSH ACK" },
	{ NET_TCP_RST, 32, "RST" },
	{ NET_TCP_RST | NET_TCP_ACK, 32, "RST ACK" },
	{ NET_TCP_SYN | NET_TCP_ECE | NET_TCP_CWR, 32, "SYN ECE CWR" },
	{ NET_TCP_URG | NET_TCP_ACK, 32, "ACK URG" },
	{ 0xff, NET_TCP_FLAGS_STR_MAX, "FIN SYN RST PSH ACK URG ECE CWR" },
	/* Too small: the words that fit whole. */
	{ 0xff, NET_TCP_FLAGS_STR_MAX - 1, "FIN SYN RST PSH ACK URG ECE" },
	{ NET_TCP_SYN | NET_TCP_ACK, 7, "SYN" },
	{ NET_TCP_SYN | NET_TCP_ACK, 8, "SYN ACK" },
	{ NET_TCP_SYN | NET_TCP_ACK, 4, "SYN" },
	{ NET_TCP_SYN | NET_TCP_ACK, 3, "" },
	{ 0x00, 5, "none" },
	{ 0x00, 4, "" },
	{ NET_TCP_FIN, 1, "" },
};
enum { N_FV = sizeof fv / sizeof fv[0] };

START_TEST(flags_words)
{
	char buf[64];
	memset(buf, '#', sizeof buf);
	ck_assert_ptr_eq(net_tcp_flags_str(fv[_i].flags, buf, fv[_i].cap), buf);
	ck_assert_str_eq(buf, fv[_i].want);
	ck_assert_int_eq(buf[fv[_i].cap], '#');         /* nothing past 'cap' */
	ck_assert_ptr_eq(net_tcp_flags_str(NET_TCP_ACK, buf, 0), buf);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("net_packet");
	TCase *tc = tcase_create("tcp");
	tcase_add_loop_test(tc, decode_whole, 0, N_TV);
	tcase_add_loop_test(tc, decode_every_prefix, 0, N_TV);
	tcase_add_loop_test(tc, decode_every_snap, 0, N_TV);
	tcase_add_loop_test(tc, vectors_sound, 0, N_TV);
	suite_add_tcase(s, tc);
	tc = tcase_create("rules");
	tcase_add_loop_test(tc, rule_answer, 0, N_RV);
	tcase_add_loop_test(tc, rule_every_prefix, 0, N_RV);
	suite_add_tcase(s, tc);
	tc = tcase_create("robust");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, flips_tcp_vectors, 0, N_TV);
	tcase_add_loop_test(tc, flips_rule_vectors, 0, N_RV);
	tcase_add_test(tc, odd_arguments);
	suite_add_tcase(s, tc);
	tc = tcase_create("names");
	tcase_add_test(tc, result_names);
	tcase_add_loop_test(tc, flags_words, 0, N_FV);
	suite_add_tcase(s, tc);
	return s;
}
