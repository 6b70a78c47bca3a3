/* fuzz_net_packet.c -- libFuzzer harness for net_packet_decode().
 *
 * 'make fuzz' runs it (make fuzz FUZZ=net_packet: this one alone), and
 * 'make test' replays its corpus: the frames of test_net_packet.c, each
 * with the byte below in front.
 *
 * The first input byte picks the link layer (bit 0) and how much longer
 * the frame was on the wire than what was captured (the rest, times 64:
 * a snap length); the other bytes are the frame, copied into a block of
 * exactly their size so that ASan sees any read past 'caplen'.  Beyond
 * the sanitizers' checks it aborts when an answer breaks the contract in
 * packet.h: a TCP answer whose lengths disagree or whose payload slice
 * leaves the frame, any other answer without a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "net/packet.h"

static void check(const uint8_t *f, size_t caplen, size_t wirelen,
		  enum net_packet_result r, const struct net_packet *p)
{
	if (r != NET_PACKET_TCP) {
		if (r > NET_PACKET_MALFORMED || p->reason == NULL)
			abort();
		return;
	}
	if (p->header_len + p->payload_len != p->ip_len ||
	    p->link_len + p->ip_len > wirelen ||
	    p->payload_captured > p->payload_len ||
	    p->payload != f + p->link_len + p->header_len ||
	    p->link_len + p->header_len + p->payload_captured > caplen ||
	    (p->ip_version != 4 && p->ip_version != 6) || p->reason != NULL)
		abort();
	/* Touch every payload byte the answer hands out: ASan checks them. */
	volatile uint8_t sum = 0;
	for (uint32_t i = 0; i < p->payload_captured; i++)
		sum = (uint8_t)(sum + p->payload[i]);
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum net_link link = data[0] & 1 ? NET_LINK_RAW_IP : NET_LINK_ETHERNET;
	size_t caplen = size - 1, wirelen = caplen + (size_t)(data[0] >> 1) * 64;
	uint8_t *f = malloc(caplen ? caplen : 1);
	if (!f)
		return 0;
	if (caplen)
		memcpy(f, data + 1, caplen);
	struct net_packet p;
	enum net_packet_result r = net_packet_decode(f, caplen, wirelen, link, &p);
	check(f, caplen, wirelen, r, &p);
	char buf[NET_TCP_FLAGS_STR_MAX];
	net_tcp_flags_str(p.flags, buf, (size_t)(data[0] % (sizeof buf + 1)));
	(void)net_packet_result_name(r);
	free(f);
	return 0;
}
