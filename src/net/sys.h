/* sys.h -- the system-call table: every socket syscall pushpull makes.
 *
 * Nothing else in pushpull calls socket, accept4, recv, send, epoll_wait
 * and friends directly.  Each wrapper here makes exactly one syscall,
 * charges it to the payer given (see ledger.h), and returns what the
 * kernel returned, with errno untouched.  So counting a syscall is the
 * same line of code as making it, and `strace -f -c` on any pushpull
 * program agrees with the ledger it prints.
 *
 * Sends always pass MSG_NOSIGNAL: a peer that has gone away gives EPIPE,
 * never a SIGPIPE that would kill the process.
 *
 * Read next: conn.h (connections, listeners, output queues).
 */
#ifndef PUSHPULL_NET_SYS_H
#define PUSHPULL_NET_SYS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/epoll.h>
#include <poll.h>
#include "net/ledger.h"

int     net_sys_socket(const struct net_charge *ch, int domain, int type, int proto);
int     net_sys_bind(const struct net_charge *ch, int fd, const struct sockaddr *a, socklen_t n);
int     net_sys_listen(const struct net_charge *ch, int fd, int backlog);
int     net_sys_accept4(const struct net_charge *ch, int fd, struct sockaddr *a, socklen_t *n, int flags);
int     net_sys_connect(const struct net_charge *ch, int fd, const struct sockaddr *a, socklen_t n);
ssize_t net_sys_recv(const struct net_charge *ch, int fd, void *buf, size_t len);
/* The packet capture's read (capture.c): counted as a recv. */
ssize_t net_sys_recvmsg(const struct net_charge *ch, int fd, struct msghdr *m, int flags);
ssize_t net_sys_send(const struct net_charge *ch, int fd, const void *buf, size_t len,
		     int flags);
ssize_t net_sys_writev(const struct net_charge *ch, int fd, const struct iovec *iov, int iovcnt);
int     net_sys_shutdown(const struct net_charge *ch, int fd, int how);
int     net_sys_close(const struct net_charge *ch, int fd);
int     net_sys_setsockopt(const struct net_charge *ch, int fd, int level, int name, const void *v, socklen_t n);
int     net_sys_getsockopt(const struct net_charge *ch, int fd, int level, int name, void *v, socklen_t *n);
/* An interface's index or link type (capture.c): counted with the sockopts. */
int     net_sys_ioctl(const struct net_charge *ch, int fd, unsigned long request, void *arg);
int     net_sys_epoll_ctl(const struct net_charge *ch, int epfd, int op, int fd, struct epoll_event *ev);
int     net_sys_epoll_wait(const struct net_charge *ch, int epfd, struct epoll_event *evs, int max, int timeout_ms);
/* The packet capture's wait (capture.c): counted with epoll_wait, as a wait. */
int     net_sys_poll(const struct net_charge *ch, struct pollfd *fds, nfds_t n, int timeout_ms);

#endif
