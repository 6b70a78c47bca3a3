/* redis_client.c -- a RESP2 client on the loop; see redis_client.h.
 *
 * One connection at a time ('nc', NULL while down), a singly linked FIFO
 * of the commands sent and not yet answered, and one timer that is
 * either the connect deadline (while connecting) or the pause before the
 * next attempt (while down).  The parser (resp.h) only says where each
 * reply ends; the bytes stay in src/net's input buffer until it does,
 * so a reply is handed to its callback as one slice, never copied.
 */
#include "paradigms/redis_client.h"
#include "net/conn.h"
#include "resp/resp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct waiting {
	redis_reply_fn *fn;
	void *ud;
	struct waiting *next;
};

struct redis_client {
	struct net_loop *loop;
	struct net_ledger *ledger;
	char *host;
	uint16_t port;
	const struct redis_client_ops *ops;
	void *ud;
	struct net_conn *nc;            /* NULL while down */
	bool connected;                 /* 'nc' finished connecting */
	struct waiting *head, *tail;    /* sent, not yet answered */
	size_t nwaiting;
	struct resp_parser parser;
	struct net_timer timer;         /* connect deadline, or the next attempt */
	uint32_t backoff_ms;
	struct redis_client_stats stats;
};

static const struct net_conn_ops client_ops;

static void connect_now(struct redis_client *rc);

static void on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct redis_client *rc = ud;
	if (rc->nc)
		net_conn_abort(rc->nc, ETIMEDOUT);      /* a connect that never finished */
	else
		connect_now(rc);
}

static void connect_now(struct redis_client *rc)
{
	resp_parser_init(&rc->parser, NULL);
	rc->connected = false;
	rc->nc = net_connect(rc->loop, rc->host, rc->port, &client_ops, rc, rc->ledger);
	if (!rc->nc) {                          /* could not even start: try later */
		rc->stats.losses++;
		if (rc->ops->on_down)
			rc->ops->on_down(rc, errno, rc->ud);
		net_timer_start(rc->loop, &rc->timer, rc->backoff_ms, 0);
		rc->backoff_ms = rc->backoff_ms * 2 < REDIS_BACKOFF_MAX_MS ? rc->backoff_ms * 2
									  : REDIS_BACKOFF_MAX_MS;
		return;
	}
	net_timer_start(rc->loop, &rc->timer, REDIS_CONNECT_MS, 0);
}

/* Every waiting command learns that its reply will not come. */
static void fail_waiting(struct redis_client *rc)
{
	while (rc->head) {
		struct waiting *w = rc->head;
		rc->head = w->next;
		if (!rc->head)
			rc->tail = NULL;
		rc->nwaiting--;
		w->fn(w->ud, NULL, 0);          /* may send: refused, we are down */
		free(w);
	}
}

static void on_connect(struct net_conn *c, int err)
{
	struct redis_client *rc = net_conn_ud(c);
	if (err)
		return;                         /* on_close follows */
	net_timer_stop(rc->loop, &rc->timer);
	/* A whole reply waits in the input buffer before it is read. */
	net_conn_set_limits(c, NET_HIGH_WATER, NET_OUT_CAP, RESP_REPLY_MAX + NET_READ_CHUNK);
	net_conn_set_nodelay(c, true);          /* commands are small and awaited */
	rc->connected = true;
	rc->backoff_ms = REDIS_BACKOFF_MIN_MS;
	rc->stats.connects++;
	if (rc->ops->on_up)
		rc->ops->on_up(rc, rc->ud);
}

static void on_close(struct net_conn *c, int err)
{
	struct redis_client *rc = net_conn_ud(c);
	if (!rc || rc->nc != c)
		return;                         /* freed: redis_client_free let go of it */
	rc->nc = NULL;
	rc->connected = false;
	rc->stats.losses++;
	fail_waiting(rc);
	if (rc->ops->on_down)
		rc->ops->on_down(rc, err ? err : ECONNRESET, rc->ud);
	net_timer_start(rc->loop, &rc->timer, rc->backoff_ms, 0);
	rc->backoff_ms = rc->backoff_ms * 2 < REDIS_BACKOFF_MAX_MS ? rc->backoff_ms * 2
								  : REDIS_BACKOFF_MAX_MS;
}

/* Replies, each to the callback at the head of the FIFO.  A reply with
 * no command waiting, or bytes that break RESP2, end the connection: the
 * stream can no longer be matched to its commands. */
static size_t on_data(struct net_conn *c, uint8_t *data, size_t len)
{
	struct redis_client *rc = net_conn_ud(c);
	size_t off = 0;
	while (off < len && rc->nc == c) {
		ssize_t n = resp_parse(&rc->parser, (const char *)data + off, len - off);
		if (n == RESP_INCOMPLETE)
			break;
		struct waiting *w = rc->head;
		if (n == RESP_INVALID || !w) {
			net_conn_abort(c, EPROTO);
			return len;
		}
		rc->head = w->next;
		if (!rc->head)
			rc->tail = NULL;
		rc->nwaiting--;
		rc->stats.replies++;
		w->fn(w->ud, (const char *)data + off, (size_t)n);   /* may send more */
		free(w);
		off += (size_t)n;
	}
	return rc->nc == c ? off : len;
}

static void on_eof(struct net_conn *c)
{
	net_conn_abort(c, ECONNRESET);          /* Redis closed: everything waiting is lost */
}

static const struct net_conn_ops client_ops = {
	.on_data = on_data, .on_eof = on_eof, .on_connect = on_connect, .on_close = on_close,
};

struct redis_client *redis_client_new(struct net_loop *loop, const char *host, uint16_t port,
				      const struct redis_client_ops *ops, void *ud,
				      struct net_ledger *ledger)
{
	struct redis_client *rc = calloc(1, sizeof *rc);
	if (!rc || !(rc->host = strdup(host))) {
		free(rc);
		errno = ENOMEM;
		return NULL;
	}
	rc->loop = loop;
	rc->ledger = ledger;
	rc->port = port;
	rc->ops = ops;
	rc->ud = ud;
	rc->backoff_ms = REDIS_BACKOFF_MIN_MS;
	net_timer_init(&rc->timer, on_timer, rc);
	connect_now(rc);
	return rc;
}

void redis_client_free(struct redis_client *rc)
{
	if (!rc)
		return;
	net_timer_stop(rc->loop, &rc->timer);
	if (rc->nc) {
		struct net_conn *c = rc->nc;
		rc->nc = NULL;
		net_conn_set_ud(c, NULL);       /* its on_close finds no client */
		net_conn_abort(c, ECONNABORTED);
	}
	fail_waiting(rc);
	free(rc->host);
	free(rc);
}

bool redis_client_up(const struct redis_client *rc) { return rc->nc && rc->connected; }

const struct redis_client_stats *redis_client_stats(const struct redis_client *rc)
{
	return &rc->stats;
}

int redis_client_command(struct redis_client *rc, size_t argc, const char *const *argv,
			 const size_t *lens, redis_reply_fn *fn, void *ud)
{
	if (!redis_client_up(rc)) {
		errno = ENOTCONN;
		return -1;
	}
	if (rc->nwaiting >= REDIS_PENDING_MAX) {
		errno = EAGAIN;
		return -1;
	}
	if (net_conn_pending(rc->nc) > NET_OUT_CAP / 2) {
		errno = ENOBUFS;                /* Redis is not reading: refuse, do not pile up */
		return -1;
	}
	size_t need = resp_encode_command(NULL, 0, argc, argv, lens);
	struct waiting *w = malloc(sizeof *w);
	char *buf = need ? malloc(need) : NULL;
	if (!w || !buf) {
		free(w);
		free(buf);
		errno = need ? ENOMEM : EINVAL;
		return -1;
	}
	resp_encode_command(buf, need, argc, argv, lens);
	*w = (struct waiting){ fn, ud, NULL };
	if (rc->tail)
		rc->tail->next = w;
	else
		rc->head = w;
	rc->tail = w;
	if (rc->nwaiting++ == 0)
		rc->stats.round_trips++;
	rc->stats.commands++;
	(void)net_conn_write(rc->nc, buf, need);       /* on failure on_close fails 'w' too */
	free(buf);
	return 0;
}
