/* poll_epoll.c -- the loop's readiness source: Linux epoll, level-triggered
 * unless NET_EDGE asks otherwise (loop.h says when and why).  Each fd is
 * registered with its own number as the event data, so a stale event can
 * be checked against the fd table. */
#include "net/poll.h"
#include "net/loop.h"
#include "net/sys.h"

#include <sys/epoll.h>

int net_poll_create(void)
{
	return epoll_create1(EPOLL_CLOEXEC);
}

static uint32_t to_epoll(unsigned mask)
{
	return (mask & NET_READ ? EPOLLIN : 0) | (mask & NET_WRITE ? EPOLLOUT : 0) |
	       (mask & NET_EDGE ? EPOLLET | EPOLLRDHUP : 0);
}

int net_poll_add(const struct net_charge *payer, int epfd, int fd, unsigned mask)
{
	struct epoll_event ev = { .events = to_epoll(mask), .data.fd = fd };
	return net_sys_epoll_ctl(payer, epfd, EPOLL_CTL_ADD, fd, &ev);
}

int net_poll_mod(const struct net_charge *payer, int epfd, int fd, unsigned mask)
{
	struct epoll_event ev = { .events = to_epoll(mask), .data.fd = fd };
	return net_sys_epoll_ctl(payer, epfd, EPOLL_CTL_MOD, fd, &ev);
}

int net_poll_del(const struct net_charge *payer, int epfd, int fd)
{
	struct epoll_event ev = { 0 };  /* ignored, but old kernels want it */
	return net_sys_epoll_ctl(payer, epfd, EPOLL_CTL_DEL, fd, &ev);
}

#define WAIT_BATCH 256

int net_poll_wait(const struct net_charge *payer, int epfd,
		  struct net_ready *out, int max, int timeout_ms)
{
	struct epoll_event evs[WAIT_BATCH];
	int n = net_sys_epoll_wait(payer, epfd, evs, max < WAIT_BATCH ? max : WAIT_BATCH, timeout_ms);
	for (int i = 0; i < n; i++) {
		uint32_t e = evs[i].events;
		out[i].fd = evs[i].data.fd;
		out[i].events = (e & EPOLLIN ? NET_READ : 0) | (e & EPOLLOUT ? NET_WRITE : 0) |
				(e & (EPOLLERR | EPOLLHUP) ? NET_ERROR : 0) |
				(e & EPOLLRDHUP ? NET_PEER_FIN : 0);
	}
	return n;
}
