/* wakeup.c -- an eventfd on the loop: see wakeup.h. */
#include "net/wakeup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct net_wakeup {
	struct net_loop *loop;
	net_wakeup_fn *fn;
	void *ud;
	int fd;
};

static void on_ready(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events;
	struct net_wakeup *w = ud;
	uint64_t n;
	/* Read first: a signal that comes while fn runs makes the next run. */
	if (read(fd, &n, sizeof n) != (ssize_t)sizeof n)
		return;                         /* EAGAIN: someone read it already */
	w->fn(loop, w->ud);
}

struct net_wakeup *net_wakeup_new(struct net_loop *loop, net_wakeup_fn *fn, void *ud)
{
	struct net_wakeup *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->loop = loop;
	w->fn = fn;
	w->ud = ud;
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->fd < 0 || net_loop_watch(loop, w->fd, NET_READ, on_ready, w, NULL) < 0) {
		int err = errno;
		if (w->fd >= 0)
			close(w->fd);
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

int net_wakeup_signal(struct net_wakeup *w)
{
	uint64_t one = 1;
	if (write(w->fd, &one, sizeof one) == (ssize_t)sizeof one)
		return 0;
	return errno == EAGAIN ? 0 : -1;        /* the counter is at its top: still set */
}

void net_wakeup_free(struct net_wakeup *w)
{
	if (!w)
		return;
	net_loop_unwatch(w->loop, w->fd);
	close(w->fd);
	free(w);
}
