/* lab.c -- two network namespaces joined by a delay line; see lab.h.
 *
 * Making a side (make_side), as `ip netns add` and `ip link` would, but
 * with the system calls themselves:
 *   unshare(CLONE_NEWNET)    moves this thread into a new, empty network
 *                            namespace (only its loopback device, down);
 *   mount --bind             of /proc/thread-self/ns/net onto
 *                            /run/netns/NAME names it and keeps it alive;
 *   TUNSETIFF                on /dev/net/tun makes the device "pp0" there;
 *   SIOCSIFADDR, ...         an AF_INET socket's ioctls give it its
 *                            address, netmask and MTU and bring it (and
 *                            lo) up; the kernel adds the /15's route;
 *   setns                    takes the thread home again.
 *
 * The delay line is a thread with a loop of its own (the project's loop,
 * its own ledger): each TUN device is watched for reading; a packet read
 * goes into the queue towards the other side; a timerfd is armed for the
 * earliest packet due (absolute CLOCK_MONOTONIC, to the microsecond: the
 * loop's own timers count milliseconds, too coarse for a link); when it
 * fires, every packet due is written to its side's device.
 *
 * Read next: tools/pushpull/lab.c, the `pushpull lab` command.
 */
#include "net/lab.h"
#include "net/loop.h"
#include "net/sys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define NETNS_DIR "/run/netns"
#define READS_PER_WAKEUP 64             /* then let the other side and the timer run */

static const char *const ns_names[] = { [NET_LAB_SERVER] = NET_LAB_SERVER_NS,
					[NET_LAB_CLIENT] = NET_LAB_CLIENT_NS };

struct net_lab {
	int home;                       /* the namespace we started in */
	int ns[3], tun[3];              /* [NET_LAB_SERVER], [NET_LAB_CLIENT] */
	struct net_delay *toward[3];    /* the queue of packets going to that side */
	int timerfd, stopfd;
	struct net_loop *loop;
	struct net_ledger ledger;
	uint64_t write_errors;
	pthread_t thread;
	bool running;
	uint8_t packet[NET_DELAY_PACKET_MAX];
};

/* --- making and removing the namespaces ------------------------------------- */

static void ns_path(char *buf, size_t cap, enum net_lab_side side)
{
	snprintf(buf, cap, NETNS_DIR "/%s", ns_names[side]);
}

static bool remove_ns(enum net_lab_side side)
{
	char path[128];
	ns_path(path, sizeof path, side);
	bool was = umount2(path, MNT_DETACH) == 0;
	return unlink(path) == 0 || was;
}

int net_lab_clean(void)
{
	return remove_ns(NET_LAB_SERVER) + remove_ns(NET_LAB_CLIENT);
}

/* One interface ioctl on 'fd' (an AF_INET socket of this namespace). */
static int if_ioctl(int fd, unsigned long req, const char *name, struct ifreq *ifr)
{
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	return net_sys_ioctl(NULL, fd, req, ifr);
}

static int if_up(int fd, const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	if (if_ioctl(fd, SIOCGIFFLAGS, name, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return if_ioctl(fd, SIOCSIFFLAGS, name, &ifr);
}

static int if_address(int fd, const char *name, const char *addr)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	struct sockaddr_in *sa = (struct sockaddr_in *)&ifr.ifr_addr;
	sa->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sa->sin_addr);
	if (if_ioctl(fd, SIOCSIFADDR, name, &ifr) < 0)
		return -1;
	inet_pton(AF_INET, "255.254.0.0", &sa->sin_addr);       /* /15 */
	if (if_ioctl(fd, SIOCSIFNETMASK, name, &ifr) < 0)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_mtu = NET_LAB_MTU;
	return if_ioctl(fd, SIOCSIFMTU, name, &ifr);
}

/* The TUN device of this namespace: IP packets, no header of its own. */
static int tun_open(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", NET_LAB_IFNAME);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Addresses, MTU, and both devices up, from inside the namespace. */
static int configure(enum net_lab_side side)
{
	int fd = net_sys_socket(NULL, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	const char *addr = side == NET_LAB_SERVER ? NET_LAB_SERVER_ADDR : NET_LAB_CLIENT_ADDR;
	int r = if_up(fd, "lo") < 0 || if_address(fd, NET_LAB_IFNAME, addr) < 0 ||
		if_up(fd, NET_LAB_IFNAME) < 0 ? -1 : 0;
	int err = errno;
	net_sys_close(NULL, fd);
	errno = err;
	return r;
}

/* Makes one side: a named namespace with its TUN device, configured.
 * This thread goes there and comes home again. */
static int make_side(struct net_lab *lab, enum net_lab_side side)
{
	char path[128];
	ns_path(path, sizeof path, side);
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -1;
	int f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (f < 0)
		return -1;
	close(f);
	int ok = unshare(CLONE_NEWNET) == 0 &&
		 mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) == 0 &&
		 (lab->ns[side] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) >= 0 &&
		 (lab->tun[side] = tun_open()) >= 0 && configure(side) == 0;
	int err = errno;
	if (setns(lab->home, CLONE_NEWNET) < 0)
		abort();                        /* a thread stranded in the lab: never go on */
	errno = err;
	return ok ? 0 : -1;
}

/* --- the delay line ------------------------------------------------------------- */

static enum net_lab_side other(enum net_lab_side s)
{
	return s == NET_LAB_SERVER ? NET_LAB_CLIENT : NET_LAB_SERVER;
}

/* Arms the timer for the earliest packet due, or disarms it. */
static void rearm(struct net_lab *lab)
{
	uint64_t a = net_delay_next_due(lab->toward[NET_LAB_SERVER]);
	uint64_t b = net_delay_next_due(lab->toward[NET_LAB_CLIENT]);
	uint64_t due = a < b ? a : b;
	struct itimerspec it = { 0 };
	if (due != UINT64_MAX) {
		it.it_value.tv_sec = (time_t)(due / 1000000);
		it.it_value.tv_nsec = (long)(due % 1000000) * 1000;
		if (it.it_value.tv_sec == 0 && it.it_value.tv_nsec == 0)
			it.it_value.tv_nsec = 1;        /* zero would disarm it */
	}
	timerfd_settime(lab->timerfd, TFD_TIMER_ABSTIME, &it, NULL);
}

/* A side's kernel sent packets: each goes into the queue to the other. */
static void on_tun(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)loop; (void)events;
	struct net_lab *lab = ud;
	enum net_lab_side from = fd == lab->tun[NET_LAB_SERVER] ? NET_LAB_SERVER : NET_LAB_CLIENT;
	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		ssize_t n = read(fd, lab->packet, sizeof lab->packet);
		if (n <= 0)
			break;
		net_delay_push(lab->toward[other(from)], lab->packet, (size_t)n, net_now_us());
	}
	rearm(lab);
}

/* Packets are due: each is written to its side's device. */
static void on_timer(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)loop; (void)events;
	struct net_lab *lab = ud;
	uint64_t expirations;
	if (read(fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
		return;
	uint64_t now = net_now_us();
	for (enum net_lab_side to = NET_LAB_SERVER; to <= NET_LAB_CLIENT; to++) {
		const uint8_t *p;
		size_t len;
		while ((p = net_delay_peek(lab->toward[to], now, &len)) != NULL) {
			if (write(lab->tun[to], p, len) != (ssize_t)len)
				lab->write_errors++;
			net_delay_pop(lab->toward[to], now);
		}
	}
	rearm(lab);
}

static void on_stop(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)fd; (void)events; (void)ud;
	net_loop_stop(loop);
}

static void *run(void *arg)
{
	struct net_lab *lab = arg;
	net_loop_run(lab->loop);
	return NULL;
}

static int start_line(struct net_lab *lab, const struct net_lab_config *cfg)
{
	struct net_delay_config q = { .delay_us = cfg->rtt_us / 2, .loss_ppm = cfg->loss_ppm,
				      .rate_bps = cfg->rate_bps, .seed = cfg->seed };
	net_ledger_init(&lab->ledger, "delay line");
	if (!(lab->toward[NET_LAB_SERVER] = net_delay_new(&q)))
		return -1;
	q.seed = cfg->seed ^ 0x5555555555555555ull;     /* each way its own draws */
	if (!(lab->toward[NET_LAB_CLIENT] = net_delay_new(&q)) ||
	    (lab->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    (lab->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    !(lab->loop = net_loop_new(&lab->ledger)) ||
	    net_loop_watch(lab->loop, lab->tun[NET_LAB_SERVER], NET_READ, on_tun, lab, NULL) < 0 ||
	    net_loop_watch(lab->loop, lab->tun[NET_LAB_CLIENT], NET_READ, on_tun, lab, NULL) < 0 ||
	    net_loop_watch(lab->loop, lab->timerfd, NET_READ, on_timer, lab, NULL) < 0 ||
	    net_loop_watch(lab->loop, lab->stopfd, NET_READ, on_stop, lab, NULL) < 0)
		return -1;
	/* The line takes no signal: the program's thread handles them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = pthread_create(&lab->thread, NULL, run, lab);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	lab->running = true;
	return 0;
}

/* --- the interface ------------------------------------------------------------ */

static void lab_free(struct net_lab *lab)
{
	for (int s = NET_LAB_SERVER; s <= NET_LAB_CLIENT; s++) {
		if (lab->tun[s] >= 0)
			close(lab->tun[s]);
		if (lab->ns[s] >= 0)
			close(lab->ns[s]);
		remove_ns((enum net_lab_side)s);
		net_delay_free(lab->toward[s]);
	}
	if (lab->loop)
		net_loop_free(lab->loop);
	if (lab->timerfd >= 0)
		close(lab->timerfd);
	if (lab->stopfd >= 0)
		close(lab->stopfd);
	if (lab->home >= 0) {
		(void)setns(lab->home, CLONE_NEWNET);
		close(lab->home);
	}
	free(lab);
}

struct net_lab *net_lab_start(const struct net_lab_config *cfg)
{
	if (geteuid() != 0) {
		errno = EPERM;
		return NULL;
	}
	struct net_lab *lab = calloc(1, sizeof *lab);
	if (!lab)
		return NULL;
	lab->ns[NET_LAB_SERVER] = lab->ns[NET_LAB_CLIENT] = -1;
	lab->tun[NET_LAB_SERVER] = lab->tun[NET_LAB_CLIENT] = -1;
	lab->timerfd = lab->stopfd = -1;
	net_lab_clean();                        /* what a killed run left */
	if ((lab->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    make_side(lab, NET_LAB_SERVER) < 0 || make_side(lab, NET_LAB_CLIENT) < 0 ||
	    start_line(lab, cfg) < 0) {
		int err = errno;
		lab_free(lab);
		errno = err;
		return NULL;
	}
	return lab;
}

int net_lab_enter(struct net_lab *lab, enum net_lab_side side)
{
	return setns(side == NET_LAB_HOST ? lab->home : lab->ns[side], CLONE_NEWNET);
}

void net_lab_stop(struct net_lab *lab, struct net_lab_stats *st)
{
	if (!lab)
		return;
	if (lab->running) {
		uint64_t one = 1;
		if (write(lab->stopfd, &one, sizeof one) != (ssize_t)sizeof one)
			pthread_cancel(lab->thread);    /* cannot happen with an eventfd */
		pthread_join(lab->thread, NULL);
	}
	if (st) {
		st->to_server = *net_delay_stats(lab->toward[NET_LAB_SERVER]);
		st->to_client = *net_delay_stats(lab->toward[NET_LAB_CLIENT]);
		st->write_errors = lab->write_errors;
	}
	lab_free(lab);
}
