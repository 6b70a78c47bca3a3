/* capture.c -- an AF_PACKET socket read in a thread; see capture.h.
 *
 * The socket is SOCK_RAW, so each frame comes with its link header: on
 * the loopback device a 14-byte Ethernet header with zero addresses, on
 * a TUN device none (the IP header first); the address recvmsg fills in
 * says which (sll_hatype).  It is bound to one interface, or to all, and
 * protocol ETH_P_ALL, asks the kernel to timestamp each frame
 * (SO_TIMESTAMPNS), and reads NET_CAPTURE_SNAP bytes of each with
 * MSG_TRUNC, which makes recvmsg return the frame's whole length.
 *
 * The thread waits in poll() on the socket and an eventfd; a write to
 * the eventfd asks it to stop.
 */
#include "net/capture.h"
#include "net/sys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct net_capture {
	int fd, stopfd;
	struct net_charge charge;
	net_capture_fn *on_packet;
	void *ud;
	bool sent_only;
	struct net_capture_stats st;
	pthread_t thread;
	uint8_t frame[NET_CAPTURE_SNAP];
};

static uint64_t now_us(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* Reads one frame.  Returns 1 when one was read, 0 when none is waiting,
 * -1 on an error. */
static int read_one(struct net_capture *c)
{
	struct sockaddr_ll from;
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { c->frame, sizeof c->frame };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof control.buf,
	};
	ssize_t n = net_sys_recvmsg(&c->charge, c->fd, &m, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (from.sll_hatype == ARPHRD_LOOPBACK ? from.sll_pkttype == PACKET_OUTGOING
					       : c->sent_only && from.sll_pkttype != PACKET_OUTGOING)
		return 1;               /* loopback: counted on arrival; else as asked */
	enum net_link link = from.sll_hatype == ARPHRD_NONE ? NET_LINK_RAW_IP : NET_LINK_ETHERNET;
	uint64_t t = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(cm), sizeof ts);
			t = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
		}
	if (t == 0)
		t = now_us(CLOCK_REALTIME);
	size_t wire = (size_t)n, cap = wire < sizeof c->frame ? wire : sizeof c->frame;
	struct net_packet p;
	c->st.frames++;
	switch (net_packet_decode(c->frame, cap, wire, link, &p)) {
	case NET_PACKET_TCP:
		c->st.tcp++;
		c->on_packet(c->ud, &p, t);
		break;
	case NET_PACKET_OTHER:
		c->st.other++;
		break;
	default:
		c->st.bad++;
		break;
	}
	return 1;
}

/* Reads until the socket has been quiet for NET_CAPTURE_QUIET_MS, or for
 * NET_CAPTURE_DRAIN_MS in all. */
static void drain(struct net_capture *c)
{
	uint64_t end = now_us(CLOCK_MONOTONIC) + NET_CAPTURE_DRAIN_MS * 1000u;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	while (now_us(CLOCK_MONOTONIC) < end) {
		int r;
		while ((r = read_one(c)) == 1)
			;
		if (r < 0 || net_sys_poll(&c->charge, &pfd, 1, NET_CAPTURE_QUIET_MS) <= 0)
			return;
	}
}

static void *run(void *arg)
{
	struct net_capture *c = arg;
	struct pollfd pfd[2] = { { .fd = c->fd, .events = POLLIN },
				 { .fd = c->stopfd, .events = POLLIN } };
	for (;;) {
		if (net_sys_poll(&c->charge, pfd, 2, -1) < 0 && errno != EINTR)
			break;
		int r;
		while ((r = read_one(c)) == 1)
			;
		if (r < 0 || (pfd[1].revents & POLLIN))
			break;
	}
	drain(c);
	return NULL;
}

/* The index of interface 'ifname'. */
static int interface(struct net_capture *c, const char *ifname, int *index)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	if (strlen(ifname) >= IFNAMSIZ) {
		errno = ENODEV;
		return -1;
	}
	strcpy(ifr.ifr_name, ifname);
	if (net_sys_ioctl(&c->charge, c->fd, SIOCGIFINDEX, &ifr) < 0)
		return -1;
	*index = ifr.ifr_ifindex;
	return 0;
}

static int open_socket(struct net_capture *c, const char *ifname)
{
	int index = 0;                          /* 0: every interface */
	c->fd = net_sys_socket(&c->charge, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (c->fd < 0 || (ifname && interface(c, ifname, &index) < 0))
		return -1;
	int on = 1, size = NET_CAPTURE_RCVBUF;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = index };
	/* A bigger buffer than the default, past rmem_max when we may. */
	if (net_sys_setsockopt(&c->charge, c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		(void)net_sys_setsockopt(&c->charge, c->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	if (net_sys_setsockopt(&c->charge, c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 ||
	    net_sys_bind(&c->charge, c->fd, (struct sockaddr *)&sll, sizeof sll) < 0)
		return -1;
	return 0;
}

struct net_capture *net_capture_start(const struct net_capture_config *cfg)
{
	struct net_capture *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fd = c->stopfd = -1;
	c->charge.ledger = cfg->ledger;
	c->on_packet = cfg->on_packet;
	c->ud = cfg->ud;
	c->sent_only = cfg->sent_only;
	int err;
	if (open_socket(c, cfg->ifname) < 0 ||
	    (c->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		goto fail;
	if ((err = pthread_create(&c->thread, NULL, run, c)) != 0) {
		errno = err;
		goto fail;
	}
	return c;
fail:
	err = errno;
	if (c->fd >= 0)
		net_sys_close(&c->charge, c->fd);
	if (c->stopfd >= 0)
		close(c->stopfd);
	free(c);
	errno = err;
	return NULL;
}

void net_capture_stop(struct net_capture *c, struct net_capture_stats *st)
{
	if (!c)
		return;
	uint64_t one = 1;
	if (write(c->stopfd, &one, sizeof one) != (ssize_t)sizeof one)
		pthread_cancel(c->thread);      /* cannot happen with an eventfd; never hang */
	pthread_join(c->thread, NULL);
	struct tpacket_stats ks;
	socklen_t n = sizeof ks;
	if (net_sys_getsockopt(&c->charge, c->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &n) == 0)
		c->st.kernel_drops = ks.tp_drops;
	if (st)
		*st = c->st;
	net_sys_close(&c->charge, c->fd);
	close(c->stopfd);
	free(c);
}
