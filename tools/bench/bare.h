/* bare.h -- what bare_http.c and bare_sse.c share: a listener on
 * 127.0.0.1 and an epoll set, with nothing of src/net in between, since
 * they are the floor that src/net and the protocol layers are measured
 * against.  Header-only: each floor server is one program. */
#ifndef PUSHPULL_BENCH_BARE_H
#define PUSHPULL_BENCH_BARE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Listens on 127.0.0.1:'port' (0 picks one) in a new epoll set (*ep),
 * prints "listening PORT" for run.sh, and returns the listener; exits
 * with a message naming 'name' if it cannot. */
static int bare_listen(const char *name, const char *port, int backlog, int *ep)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof a;
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, backlog) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0) {
		fprintf(stderr, "%s: cannot listen on 127.0.0.1:%s: ", name, port);
		perror(NULL);
		exit(1);
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l };
	if ((*ep = epoll_create1(0)) < 0 || epoll_ctl(*ep, EPOLL_CTL_ADD, l, &ev) < 0) {
		fprintf(stderr, "%s: epoll: ", name);
		perror(NULL);
		exit(1);
	}
	printf("listening %u\n", ntohs(a.sin_port));
	fflush(stdout);
	return l;
}

/* Accepts every pending connection: non-blocking, TCP_NODELAY, watched
 * edge-triggered for input and the peer's FIN.  'adopt' is told of each;
 * one it refuses (-1) is closed. */
static void bare_accept_all(int l, int ep, int (*adopt)(int fd))
{
	int c, one = 1;
	while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = c };
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0 || adopt(c) < 0)
			close(c);
	}
}

#endif
