/* udp_flood.c -- a load for the delay line (`pushpull lab`): UDP packets
 * as fast as one core sends them, and a sink that takes them.
 *
 *   udp_flood send ADDR PORT SECONDS   64-byte datagrams, 64 per sendmmsg
 *   udp_flood sink PORT SECONDS        receives (recvmmsg) and counts them
 *
 * Each prints one line: "sent N" or "received N".  run.sh starts the sink
 * on the lab's server side and the sender on its client side, and reads
 * the delay line's own count of packets forwarded: the line's throughput,
 * when the sender outruns it.  Like the bare servers beside it, this
 * program makes its syscalls itself: it is a load, not pushpull.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int flood(const char *addr, int port, double secs)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("udp_flood send");
		return 1;
	}
	static char payload[64];
	struct iovec iov = { payload, sizeof payload };
	struct mmsghdr m[BATCH];
	memset(m, 0, sizeof m);
	for (int i = 0; i < BATCH; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long sent = 0;
	for (double end = now() + secs; now() < end;) {
		int n = sendmmsg(fd, m, BATCH, 0);
		if (n > 0)
			sent += (unsigned long long)n;
	}
	printf("sent %llu\n", sent);
	return 0;
}

static int sink(int port, double secs)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 0, 100000 };
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
		perror("udp_flood sink");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	static char buf[BATCH][128];
	struct iovec iov[BATCH];
	struct mmsghdr m[BATCH];
	memset(m, 0, sizeof m);
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long got = 0;
	for (double end = now() + secs; now() < end;) {
		int n = recvmmsg(fd, m, BATCH, 0, NULL);
		if (n > 0)
			got += (unsigned long long)n;
	}
	printf("received %llu\n", got);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return flood(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 4 && strcmp(argv[1], "sink") == 0)
		return sink(atoi(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: udp_flood send ADDR PORT SECONDS | sink PORT SECONDS\n");
	return 2;
}
