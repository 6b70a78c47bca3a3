/* lab.c -- `pushpull lab`: a real network with real round trips, for as
 * long as it runs.
 *
 * Two network namespaces joined by a delay line (src/net/lab.h): programs
 * started with `ip netns exec pushpull-server ...` and `ip netns exec
 * pushpull-client ...` talk across it, 198.19.0.1 to 198.18.0.1, every
 * packet held for half the round trip each way.  On SIGINT or SIGTERM the
 * lab is removed and the delay line's accounting printed.  `pushpull demo
 * --rtt MS` runs the same lab inside the demo.
 *
 * Read next: demo.c.
 */
#include "pushpull.h"
#include "common/cli.h"
#include "net/lab.h"
#include "net/loop.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char lab_usage[] =
	"usage: pushpull lab [--rtt MS] [--loss PCT] [--rate KBIT] [--seed N]\n"
	"\n"
	"Makes two network namespaces, " NET_LAB_SERVER_NS " (" NET_LAB_SERVER_ADDR ") and\n"
	NET_LAB_CLIENT_NS " (" NET_LAB_CLIENT_ADDR "), joined by a delay line that holds every\n"
	"packet for half the round trip each way, and runs until SIGINT or SIGTERM;\n"
	"then removes them and prints what the line forwarded.  Run programs on a side\n"
	"with `ip netns exec " NET_LAB_SERVER_NS " ...`.  Needs root.\n"
	"\n"
	"options:\n"
	"  --rtt MS     round-trip time added (default 50; 0..10000)\n"
	"  --loss PCT   packets dropped each way, in percent (0..100, e.g. 2 or 0.5)\n"
	"  --rate KBIT  each direction's bandwidth in kbit/s (default: unlimited)\n"
	"  --seed N     of the loss draws (default 1): the same seed drops the same packets\n"
	"  --help\n";

/* "2", "0.5", "100": percent to parts per million. */
static bool percent_ppm(const char *s, uint32_t *ppm)
{
	uint64_t whole = 0, frac = 0, scale = 10000;
	const char *dot = strchr(s, '.');
	char w[16];
	size_t wl = dot ? (size_t)(dot - s) : strlen(s);
	if (wl == 0 || wl >= sizeof w)
		return false;
	memcpy(w, s, wl);
	w[wl] = '\0';
	if (!cli_u64(w, 0, 100, &whole))
		return false;
	if (dot) {
		const char *f = dot + 1;
		if (!*f || strlen(f) > 4)
			return false;
		for (; *f; f++) {
			if (*f < '0' || *f > '9')
				return false;
			scale /= 10;
			frac += (uint64_t)(*f - '0') * scale;
		}
	}
	uint64_t v = whole * 10000 + frac;
	if (v > 1000000)
		return false;
	*ppm = (uint32_t)v;
	return true;
}

int pushpull_lab_option(int c, const char *arg, const char *me, struct net_lab_config *cfg)
{
	uint64_t v;
	switch (c) {
	case 'r':
		if (!cli_u64(arg, 0, 10000, &v))
			return cli_bad(me, "--rtt needs 0..10000 milliseconds");
		cfg->rtt_us = v * 1000;
		return -1;
	case 'l':
		if (!percent_ppm(arg, &cfg->loss_ppm))
			return cli_bad(me, "--loss needs a percentage, 0..100");
		return -1;
	case 'b':
		if (!cli_u64(arg, 1, 100000000, &v))
			return cli_bad(me, "--rate needs 1..100000000 kbit/s");
		cfg->rate_bps = v * 1000;
		return -1;
	case 's':
		if (!cli_u64(arg, 0, UINT64_MAX, &cfg->seed))
			return cli_bad(me, "--seed needs a number");
		return -1;
	}
	return 2;
}

void pushpull_lab_print(FILE *out, const struct net_lab_config *cfg,
			const struct net_lab_stats *st)
{
	const struct net_delay_stats *d[2] = { &st->to_server, &st->to_client };
	static const char *const way[2] = { "to the server", "to the client" };
	char rate[48] = "no rate limit";
	if (cfg->rate_bps)
		snprintf(rate, sizeof rate, "paced to %llu kbit/s each way",
			 (unsigned long long)(cfg->rate_bps / 1000));
	fprintf(out, "delay line: %llu ms round trip, %.4g %% loss, %s\n",
		(unsigned long long)(cfg->rtt_us / 1000), cfg->loss_ppm / 10000.0, rate);
	for (int i = 0; i < 2; i++)
		fprintf(out, "  %-14s %8llu packets forwarded, %6llu lost, %6llu dropped (queue full), "
			"%llu us held on average\n", way[i], (unsigned long long)d[i]->out,
			(unsigned long long)d[i]->lost, (unsigned long long)d[i]->overflow,
			(unsigned long long)(d[i]->out ? d[i]->delay_us_sum / d[i]->out : 0));
	if (st->write_errors)
		fprintf(out, "  %llu packets could not be written to their side\n",
			(unsigned long long)st->write_errors);
}

static int lab_options(int argc, char **argv, struct net_lab_config *cfg)
{
	static const struct option opts[] = {
		{ "rtt", required_argument, NULL, 'r' }, { "loss", required_argument, NULL, 'l' },
		{ "rate", required_argument, NULL, 'b' }, { "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c, status;
	*cfg = (struct net_lab_config){ .rtt_us = 50000, .seed = 1 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(lab_usage, stdout);
			return 0;
		}
		if (c == '?')
			return cli_bad_option("pushpull lab", argv);
		if ((status = pushpull_lab_option(c, optarg, "pushpull lab", cfg)) >= 0)
			return status;
	}
	if (optind < argc)
		return cli_bad("pushpull lab", "unexpected argument");
	return -1;
}

int pushpull_lab(int argc, char **argv)
{
	struct net_lab_config cfg;
	int status = lab_options(argc, argv, &cfg);
	if (status >= 0)
		return status;
	struct net_loop *loop = net_loop_new(NULL);
	if (!loop || net_loop_stop_on_signals(loop) < 0) {
		fprintf(stderr, "pushpull lab: %s\n", strerror(errno));
		net_loop_free(loop);
		return 1;
	}
	struct net_lab *lab = net_lab_start(&cfg);
	if (!lab) {
		int err = errno;
		net_loop_free(loop);
		fprintf(stderr, "pushpull lab: cannot make the lab: %s%s\n", strerror(err),
			err == EPERM ? " (it needs root)" : "");
		return err == EPERM ? 2 : 1;
	}
	printf("pushpull lab: %s %s <-> %s %s, %llu ms round trip; SIGINT ends it\n",
	       NET_LAB_SERVER_NS, NET_LAB_SERVER_ADDR, NET_LAB_CLIENT_NS, NET_LAB_CLIENT_ADDR,
	       (unsigned long long)(cfg.rtt_us / 1000));
	fflush(stdout);
	net_loop_run(loop);
	struct net_lab_stats st;
	net_lab_stop(lab, &st);
	pushpull_lab_print(stdout, &cfg, &st);
	net_loop_free(loop);
	return 0;
}
