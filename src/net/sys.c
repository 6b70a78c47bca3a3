/* sys.c -- the system-call table; see sys.h.
 *
 * Each wrapper is the syscall plus the line that charges it.  A syscall
 * that fails still costs a trip into the kernel, so it is counted too:
 * the recv that says EAGAIN is exactly the kind of cost pushpull shows.
 */
#include "net/sys.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Tells the ledger's tap, if it has one, of a syscall that succeeded. */
static void tap(const struct net_charge *ch, enum net_sys k, const struct iovec *iov, int n,
		size_t bytes)
{
	if (ch && ch->ledger && ch->ledger->tap) {
		int e = errno;                  /* errno stays the syscall's */
		ch->ledger->tap->fn(ch->ledger->tap->ud, ch->own, k, iov, n, bytes);
		errno = e;
	}
}

int net_sys_socket(const struct net_charge *ch, int domain, int type, int proto)
{
	net_charge_sys(ch, NET_SYS_SOCKET);
	return socket(domain, type, proto);
}

int net_sys_bind(const struct net_charge *ch, int fd, const struct sockaddr *a, socklen_t n)
{
	net_charge_sys(ch, NET_SYS_BIND);
	return bind(fd, a, n);
}

int net_sys_listen(const struct net_charge *ch, int fd, int backlog)
{
	net_charge_sys(ch, NET_SYS_LISTEN);
	return listen(fd, backlog);
}

int net_sys_accept4(const struct net_charge *ch, int fd, struct sockaddr *a, socklen_t *n, int flags)
{
	net_charge_sys(ch, NET_SYS_ACCEPT);
	return accept4(fd, a, n, flags);
}

int net_sys_connect(const struct net_charge *ch, int fd, const struct sockaddr *a, socklen_t n)
{
	net_charge_sys(ch, NET_SYS_CONNECT);
	int r = connect(fd, a, n);
	if (r == 0 || errno == EINPROGRESS)
		tap(ch, NET_SYS_CONNECT, NULL, 0, 0);
	return r;
}

ssize_t net_sys_recv(const struct net_charge *ch, int fd, void *buf, size_t len)
{
	net_charge_sys(ch, NET_SYS_READ);
	ssize_t r = recv(fd, buf, len, 0);
	if (r > 0) {
		net_charge_bytes(ch, (uint64_t)r, 0);
		struct iovec v = { buf, (size_t)r };
		tap(ch, NET_SYS_READ, &v, 1, (size_t)r);
	}
	return r;
}

ssize_t net_sys_recvmsg(const struct net_charge *ch, int fd, struct msghdr *m, int flags)
{
	net_charge_sys(ch, NET_SYS_READ);
	ssize_t r = recvmsg(fd, m, flags);
	if (r > 0)
		net_charge_bytes(ch, (uint64_t)r, 0);
	return r;
}

ssize_t net_sys_send(const struct net_charge *ch, int fd, const void *buf, size_t len,
		     int flags)
{
	net_charge_sys(ch, NET_SYS_WRITE);
	ssize_t r = send(fd, buf, len, flags | MSG_NOSIGNAL);
	if (r > 0) {
		net_charge_bytes(ch, 0, (uint64_t)r);
		struct iovec v = { (void *)buf, (size_t)r };
		tap(ch, NET_SYS_WRITE, &v, 1, (size_t)r);
	}
	return r;
}

ssize_t net_sys_writev(const struct net_charge *ch, int fd, const struct iovec *iov, int iovcnt)
{
	/* sendmsg, not writev: only the socket call can say MSG_NOSIGNAL. */
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	net_charge_sys(ch, NET_SYS_WRITE);
	ssize_t r = sendmsg(fd, &m, MSG_NOSIGNAL);
	if (r > 0) {
		net_charge_bytes(ch, 0, (uint64_t)r);
		tap(ch, NET_SYS_WRITE, iov, iovcnt, (size_t)r);
	}
	return r;
}

int net_sys_shutdown(const struct net_charge *ch, int fd, int how)
{
	net_charge_sys(ch, NET_SYS_SHUTDOWN);
	int r = shutdown(fd, how);
	if (r == 0)
		tap(ch, NET_SYS_SHUTDOWN, NULL, 0, 0);
	return r;
}

int net_sys_close(const struct net_charge *ch, int fd)
{
	net_charge_sys(ch, NET_SYS_CLOSE);
	int r = close(fd);
	tap(ch, NET_SYS_CLOSE, NULL, 0, 0);    /* the descriptor is gone either way */
	return r;
}

int net_sys_setsockopt(const struct net_charge *ch, int fd, int level, int name, const void *v, socklen_t n)
{
	net_charge_sys(ch, NET_SYS_SOCKOPT);
	return setsockopt(fd, level, name, v, n);
}

int net_sys_getsockopt(const struct net_charge *ch, int fd, int level, int name, void *v, socklen_t *n)
{
	net_charge_sys(ch, NET_SYS_SOCKOPT);
	return getsockopt(fd, level, name, v, n);
}

int net_sys_ioctl(const struct net_charge *ch, int fd, unsigned long request, void *arg)
{
	net_charge_sys(ch, NET_SYS_SOCKOPT);
	return ioctl(fd, request, arg);
}

int net_sys_epoll_ctl(const struct net_charge *ch, int epfd, int op, int fd, struct epoll_event *ev)
{
	net_charge_sys(ch, NET_SYS_EPOLL_CTL);
	return epoll_ctl(epfd, op, fd, ev);
}

int net_sys_epoll_wait(const struct net_charge *ch, int epfd, struct epoll_event *evs, int max, int timeout_ms)
{
	net_charge_sys(ch, NET_SYS_EPOLL_WAIT);
	int n = epoll_wait(epfd, evs, max, timeout_ms);
	if (n > 0) {
		if (ch && ch->own) ch->own->wakeups++;
		if (ch && ch->ledger) ch->ledger->c.wakeups++;
	}
	return n;
}

int net_sys_poll(const struct net_charge *ch, struct pollfd *fds, nfds_t n, int timeout_ms)
{
	net_charge_sys(ch, NET_SYS_EPOLL_WAIT);
	int r = poll(fds, n, timeout_ms);
	if (r > 0) {
		if (ch && ch->own) ch->own->wakeups++;
		if (ch && ch->ledger) ch->ledger->c.wakeups++;
	}
	return r;
}
