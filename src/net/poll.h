/* poll.h -- private to src/net: the few epoll calls the loop needs.
 * loop.c holds the portable logic; poll_epoll.c is the only file that
 * knows about epoll, and it fits on one screen. */
#ifndef PUSHPULL_NET_POLL_H
#define PUSHPULL_NET_POLL_H

#include "net/ledger.h"

struct net_ready {
	int fd;
	unsigned events;        /* NET_READ | NET_WRITE | NET_ERROR | NET_PEER_FIN */
};

/* An epoll instance, close-on-exec.  Returns its fd or -1. */
int net_poll_create(void);
/* Registers 'fd' with interest 'mask', changes it, forgets it. */
int net_poll_add(const struct net_charge *payer, int epfd, int fd, unsigned mask);
int net_poll_mod(const struct net_charge *payer, int epfd, int fd, unsigned mask);
int net_poll_del(const struct net_charge *payer, int epfd, int fd);
/* Waits up to 'timeout_ms' (-1 forever); fills up to 'max' entries. */
int net_poll_wait(const struct net_charge *payer, int epfd,
		  struct net_ready *out, int max, int timeout_ms);

#endif
