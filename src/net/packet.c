/* packet.c -- a captured frame, header by header: link, IP, TCP.
 *
 * One pass from the front.  Each stage knows where its header starts and
 * checks, before reading a byte of it, that the byte lies in the IP
 * packet (else MALFORMED: the packet contradicts itself) and in the
 * captured bytes (else TRUNCATED).  Offsets are sizes counted from the
 * start of the frame and compared before any pointer is formed, so no
 * pointer ever points past frame + caplen, and integers are put together
 * byte by byte (no casts of the frame to wider types: it may be at any
 * address).  packet.h has the contract.
 *
 * The stages:   link_skip   -> Ethernet header and VLAN tags
 *               ipv4_read   -> RFC 791 §3.1
 *               ipv6_read   -> RFC 8200 §3, extension headers §4
 *               tcp_read    -> RFC 9293 §3.1, options tcp_options_read
 */
#include <string.h>
#include "net/packet.h"

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86DD
#define ETHERTYPE_ARP   0x0806
#define ETHERTYPE_VLAN  0x8100          /* IEEE 802.1Q tag */
#define ETHERTYPE_QINQ  0x88A8          /* IEEE 802.1ad outer tag */
#define ETH_HEADER_LEN  14
#define VLAN_TAG_LEN    4
#define VLAN_TAGS_MAX   2

/* IANA protocol numbers: IPv4's 'protocol' and IPv6's 'next header' take
 * their values from one registry (RFC 8200 §4). */
#define NEXT_HOPOPTS    0               /* IPv6 Hop-by-Hop Options */
#define NEXT_TCP        6
#define NEXT_UDP        17
#define NEXT_ROUTING    43              /* IPv6 Routing */
#define NEXT_FRAGMENT   44              /* IPv6 Fragment */
#define NEXT_ICMPV6     58
#define NEXT_NONE       59              /* IPv6 No Next Header */
#define NEXT_DSTOPTS    60              /* IPv6 Destination Options */

#define IPV4_HEADER_MIN 20
#define IPV6_HEADER_LEN 40
#define TCP_HEADER_MIN  20

/* The decoder's state for one frame.  Offsets are from the frame start. */
struct decoder {
	const uint8_t *f;       /* the frame: f[0 .. cap-1] may be read */
	size_t cap, wire;
	size_t ip;              /* where the IP header starts */
	size_t end;             /* ip + ip_len: the IP packet's end (<= wire) */
	const char *why;        /* the rule behind a non-TCP answer */
	struct net_packet p;
};

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static enum net_packet_result say(struct decoder *d, enum net_packet_result r,
				  const char *why)
{
	d->why = why;
	return r;
}

/* Are bytes [off, off+n) in the IP packet and in the capture?  Only for
 * headers after the IP header's fixed part, once 'end' is known. */
static enum net_packet_result need(struct decoder *d, size_t off, size_t n,
				   const char *past_packet, const char *past_capture)
{
	if (off > d->end || n > d->end - off)
		return say(d, NET_PACKET_MALFORMED, past_packet);
	if (off > d->cap || n > d->cap - off)
		return say(d, NET_PACKET_TRUNCATED, past_capture);
	return NET_PACKET_TCP;
}

/* The Ethernet header and up to two VLAN tags: sets 'ip', and the IP
 * version the ethertype names in *version. */
static enum net_packet_result link_skip(struct decoder *d, unsigned *version)
{
	if (d->cap < ETH_HEADER_LEN)
		return say(d, NET_PACKET_TRUNCATED, "Ethernet header cut short");
	size_t at = 12;                                 /* the ethertype */
	uint16_t type = rd16(d->f + at);
	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ; tags++) {
		if (tags == VLAN_TAGS_MAX)
			return say(d, NET_PACKET_OTHER, "more than two VLAN tags");
		at += VLAN_TAG_LEN;                     /* TPID, TCI: the inner type follows */
		if (d->cap < at + 2)
			return say(d, NET_PACKET_TRUNCATED, "VLAN tag cut short");
		type = rd16(d->f + at);
	}
	d->ip = at + 2;
	if (type == ETHERTYPE_IPV4)
		*version = 4;
	else if (type == ETHERTYPE_IPV6)
		*version = 6;
	else if (type == ETHERTYPE_ARP)
		return say(d, NET_PACKET_OTHER, "ARP");
	else
		return say(d, NET_PACKET_OTHER, "ethertype not IP");
	return NET_PACKET_TCP;
}

/* RFC 791 §3.1.  Sets 'end', the addresses, and returns the offset of the
 * TCP header in *tcp. */
static enum net_packet_result ipv4_read(struct decoder *d, size_t *tcp)
{
	const uint8_t *h = d->f + d->ip;
	size_t ihl = (size_t)(h[0] & 0x0f) * 4;        /* in 32-bit words */
	if (ihl < IPV4_HEADER_MIN)
		return say(d, NET_PACKET_MALFORMED, "IPv4 IHL < 5 (RFC 791 §3.1)");
	if (d->cap - d->ip < IPV4_HEADER_MIN)
		return say(d, NET_PACKET_TRUNCATED, "IPv4 header cut short");
	size_t total = rd16(h + 2);                     /* header and data */
	if (total < ihl)
		return say(d, NET_PACKET_MALFORMED,
			   "IPv4 total length < IHL*4 (RFC 791 §3.1)");
	if (total > d->wire - d->ip)
		return say(d, NET_PACKET_TRUNCATED,
			   "IPv4 total length past the frame");
	if (d->cap - d->ip < ihl)
		return say(d, NET_PACKET_TRUNCATED, "IPv4 options cut short");
	d->end = d->ip + total;                         /* the rest is padding */
	uint16_t frag = rd16(h + 6);                    /* flags (3 bits), offset (13) */
	if ((frag & 0x2000) || (frag & 0x1fff))         /* MF, or not the first piece */
		return say(d, NET_PACKET_OTHER, "IPv4 fragment (RFC 791 §3.2)");
	if (h[9] != NEXT_TCP)
		return say(d, NET_PACKET_OTHER, h[9] == NEXT_UDP ? "UDP"
			   : "IPv4 protocol not TCP");
	memcpy(d->p.src, h + 12, 4);
	memcpy(d->p.dst, h + 16, 4);
	*tcp = d->ip + ihl;
	return NET_PACKET_TCP;
}

/* RFC 8200 §4: Hop-by-Hop (first only, §4.1), Routing and Destination
 * Options share one shape: next header, length in 8-octet units not
 * counting the first 8, then options.  Walks them from 'off' to the
 * TCP header, whose offset goes to *tcp. */
static enum net_packet_result ipv6_walk(struct decoder *d, unsigned next,
					size_t off, size_t *tcp)
{
	for (bool first = true;; first = false) {
		switch (next) {
		case NEXT_TCP:
			*tcp = off;
			return NET_PACKET_TCP;
		case NEXT_HOPOPTS:
			if (!first)
				return say(d, NET_PACKET_MALFORMED,
					   "IPv6 Hop-by-Hop not first (RFC 8200 §4.1)");
			break;
		case NEXT_ROUTING:
		case NEXT_DSTOPTS:
			break;
		case NEXT_FRAGMENT:
			return say(d, NET_PACKET_OTHER, "IPv6 fragment (RFC 8200 §4.5)");
		case NEXT_NONE:
			return say(d, NET_PACKET_OTHER, "IPv6 No Next Header (RFC 8200 §4.7)");
		case NEXT_UDP:
			return say(d, NET_PACKET_OTHER, "UDP");
		case NEXT_ICMPV6:
			return say(d, NET_PACKET_OTHER, "ICMPv6");
		default:
			return say(d, NET_PACKET_OTHER, "IPv6 next header not TCP");
		}
		const char *past = "IPv6 extension header past the packet (RFC 8200 §4)";
		const char *cut = "IPv6 extension header cut short";
		enum net_packet_result r = need(d, off, 2, past, cut);
		if (r != NET_PACKET_TCP)
			return r;
		size_t len = ((size_t)d->f[off + 1] + 1) * 8;
		if ((r = need(d, off, len, past, cut)) != NET_PACKET_TCP)
			return r;
		next = d->f[off];
		off += len;
	}
}

/* RFC 8200 §3.  Sets 'end', the addresses, and the TCP header's offset. */
static enum net_packet_result ipv6_read(struct decoder *d, size_t *tcp)
{
	if (d->cap - d->ip < IPV6_HEADER_LEN)
		return say(d, NET_PACKET_TRUNCATED, "IPv6 header cut short");
	const uint8_t *h = d->f + d->ip;
	size_t plen = rd16(h + 4);                      /* after the fixed 40 bytes */
	if (plen == 0 && h[6] == NEXT_HOPOPTS)
		return say(d, NET_PACKET_OTHER, "IPv6 jumbogram (RFC 2675)");
	if (plen > d->wire - d->ip - IPV6_HEADER_LEN)
		return say(d, NET_PACKET_TRUNCATED,
			   "IPv6 payload length past the frame");
	d->end = d->ip + IPV6_HEADER_LEN + plen;
	memcpy(d->p.src, h + 8, 16);
	memcpy(d->p.dst, h + 24, 16);
	return ipv6_walk(d, h[6], d->ip + IPV6_HEADER_LEN, tcp);
}

/* Checks an option's length against what RFC 9293 §3.2 and the RFCs
 * that define the option fix for it. */
static bool tcp_option_len_ok(unsigned kind, unsigned len)
{
	switch (kind) {
	case 2:  return len == 4;                       /* MSS */
	case 3:  return len == 3;                       /* window scale, RFC 7323 §2.2 */
	case 4:  return len == 2;                       /* SACK permitted, RFC 2018 §2 */
	case 5:  return len >= 10 && len <= 34 && (len - 2) % 8 == 0; /* RFC 2018 §3 */
	case 8:  return len == 10;                      /* timestamps, RFC 7323 §3.2 */
	default: return true;                           /* unknown: skipped by length */
	}
}

/* RFC 9293 §3.2: the options, o[0 .. n-1], all within the TCP header. */
static enum net_packet_result tcp_options_read(struct decoder *d,
					       const uint8_t *o, size_t n)
{
	struct net_packet *p = &d->p;
	for (size_t i = 0; i < n;) {
		unsigned kind = o[i];
		if (kind == 0)                          /* End of Option List */
			break;
		if (kind == 1) {                        /* No-Operation: padding */
			i++;
			continue;
		}
		if (n - i < 2)
			return say(d, NET_PACKET_MALFORMED,
				   "TCP option length past the header (RFC 9293 §3.2)");
		unsigned len = o[i + 1];                /* counts kind and length too */
		if (len < 2)
			return say(d, NET_PACKET_MALFORMED,
				   "TCP option length < 2 (RFC 9293 §3.2)");
		if (len > n - i)
			return say(d, NET_PACKET_MALFORMED,
				   "TCP option runs past the header (RFC 9293 §3.2)");
		if (!tcp_option_len_ok(kind, len))
			return say(d, NET_PACKET_MALFORMED,
				   "TCP option of the wrong length (RFC 9293 §3.2)");
		const uint8_t *v = o + i + 2;
		switch (kind) {
		case 2: p->mss = rd16(v); break;
		case 3: p->wscale = v[0]; break;
		case 4: p->sack_permitted = true; break;
		case 5: p->sack_blocks = (uint8_t)((len - 2) / 8); break;
		case 8:
			p->timestamps = true;
			p->ts_val = rd32(v);
			p->ts_ecr = rd32(v + 4);
			break;
		}
		i += len;
	}
	return NET_PACKET_TCP;
}

/* RFC 9293 §3.1: the header at 'off', its options, and the payload. */
static enum net_packet_result tcp_read(struct decoder *d, size_t off)
{
	enum net_packet_result r = need(d, off, TCP_HEADER_MIN,
		"TCP header past the IP packet (RFC 9293 §3.1)", "TCP header cut short");
	if (r != NET_PACKET_TCP)
		return r;
	const uint8_t *t = d->f + off;
	size_t doff = (size_t)(t[12] >> 4) * 4;         /* data offset, 32-bit words */
	if (doff < TCP_HEADER_MIN)
		return say(d, NET_PACKET_MALFORMED, "TCP data offset < 5 (RFC 9293 §3.1)");
	r = need(d, off, doff, "TCP data offset past the IP packet (RFC 9293 §3.1)",
		 "TCP options cut short");
	if (r != NET_PACKET_TCP)
		return r;
	struct net_packet *p = &d->p;
	p->sport = rd16(t);
	p->dport = rd16(t + 2);
	p->seq = rd32(t + 4);
	p->ack = rd32(t + 8);
	p->flags = t[13];
	p->window = rd16(t + 14);
	r = tcp_options_read(d, t + TCP_HEADER_MIN, doff - TCP_HEADER_MIN);
	if (r != NET_PACKET_TCP)
		return r;
	size_t start = off + doff;                      /* <= cap and <= end */
	p->link_len = (uint32_t)d->ip;
	p->ip_len = (uint32_t)(d->end - d->ip);
	p->header_len = (uint32_t)(start - d->ip);
	p->payload_len = (uint32_t)(d->end - start);
	p->payload = d->f + start;                      /* may be f + cap: then none */
	p->payload_captured = (uint32_t)((d->end < d->cap ? d->end : d->cap) - start);
	return NET_PACKET_TCP;
}

enum net_packet_result net_packet_decode(const uint8_t *frame, size_t caplen,
					 size_t wirelen, enum net_link link,
					 struct net_packet *out)
{
	struct decoder d = { .f = frame, .cap = caplen,
			     .wire = wirelen < caplen ? caplen : wirelen };
	d.p.wscale = -1;
	unsigned want = 0;                              /* 0: read it from the nibble */
	enum net_packet_result r = NET_PACKET_TCP;
	if (link == NET_LINK_ETHERNET)
		r = link_skip(&d, &want);
	size_t tcp = 0;
	if (r == NET_PACKET_TCP) {
		if (d.cap <= d.ip) {
			r = say(&d, NET_PACKET_TRUNCATED, "no IP header");
		} else {
			unsigned v = frame[d.ip] >> 4;
			d.p.ip_version = (uint8_t)v;
			if (want != 0 && v != want)
				r = say(&d, NET_PACKET_MALFORMED,
					"IP version not the ethertype's");
			else if (v == 4)
				r = ipv4_read(&d, &tcp);
			else if (v == 6)
				r = ipv6_read(&d, &tcp);
			else
				r = say(&d, NET_PACKET_MALFORMED, "IP version not 4 or 6");
		}
	}
	if (r == NET_PACKET_TCP)
		r = tcp_read(&d, tcp);
	if (r == NET_PACKET_TCP)
		*out = d.p;
	else
		*out = (struct net_packet){ .wscale = -1, .reason = d.why };
	return r;
}

const char *net_packet_result_name(enum net_packet_result r)
{
	switch (r) {
	case NET_PACKET_TCP:       return "tcp";
	case NET_PACKET_OTHER:     return "other";
	case NET_PACKET_TRUNCATED: return "truncated";
	case NET_PACKET_MALFORMED: return "malformed";
	}
	return "?";
}

/* Appends 'word' to the 'n' bytes of 'buf', after a space unless first,
 * if it fits whole with the NUL; returns the new length. */
static size_t flags_append(char *buf, size_t n, size_t cap, const char *word)
{
	size_t sep = n > 0, len = strlen(word);
	if (n + sep + len + 1 > cap)
		return n;
	if (sep)
		buf[n] = ' ';
	memcpy(buf + n + sep, word, len + 1);
	return n + sep + len;
}

const char *net_tcp_flags_str(uint8_t flags, char *buf, size_t cap)
{
	static const char *const names[8] = {   /* bit 0 (FIN) first */
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"
	};
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	size_t n = 0;
	for (unsigned bit = 0; bit < 8; bit++)
		if (flags & (1u << bit))
			n = flags_append(buf, n, cap, names[bit]);
	if (flags == 0)
		flags_append(buf, 0, cap, "none");
	return buf;
}
