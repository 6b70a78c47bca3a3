/* scenario.c -- the demo's five stories; see scenario.h.  Every event is
 * a function of its number alone, so two runs publish the same bytes. */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

static size_t fit(int n, size_t cap)
{
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static size_t cricket(unsigned i, char *buf, size_t cap)
{
	static const char *const what[] = {
		"dot ball", "single", "two runs", "FOUR!", "dot ball", "single", "SIX!", "OUT!",
	};
	static const int runs[] = { 0, 1, 2, 4, 0, 1, 6, 0 };
	unsigned total = 0, wickets = 0;
	for (unsigned b = 0; b <= i; b++) {
		total += (unsigned)runs[(b * 5 + 3) % 8];
		wickets += (b * 5 + 3) % 8 == 7;
	}
	unsigned k = (i * 5 + 3) % 8;
	return fit(snprintf(buf, cap, "{\"over\":\"%u.%u\",\"ball\":\"%s\",\"score\":\"%u/%u\"}",
			    i / 6, i % 6 + 1, what[k], total, wickets), cap);
}

static size_t ec2(unsigned i, char *buf, size_t cap)
{
	static const char *const states[] = {
		"pending", "pending", "pending", "provisioning", "provisioning",
		"provisioning", "booting", "booting", "running",
	};
	unsigned s = i < 8 ? i : 8;
	return fit(snprintf(buf, cap, "{\"instance\":\"i-0a1b2c3d\",\"state\":\"%s\",\"check\":%u}",
			    states[s], i + 1), cap);
}

static size_t ticker(unsigned i, char *buf, size_t cap)
{
	static const char *const sym[] = { "ACME", "INIT", "GLOB" };
	unsigned cents = 10000 + (i * 7919u) % 500u;
	return fit(snprintf(buf, cap, "{\"symbol\":\"%s\",\"price\":%u.%02u}",
			    sym[i % 3], cents / 100, cents % 100), cap);
}

static size_t deploy(unsigned i, char *buf, size_t cap)
{
	static const char *const steps[] = {
		"pulling image", "running migrations", "starting canary",
		"canary healthy", "shifting traffic 50%", "shifting traffic 100%", "done",
	};
	return fit(snprintf(buf, cap, "[%04u] %s", i, steps[i % 7]), cap);
}

static size_t game(unsigned i, char *buf, size_t cap)
{
	static const char *const player[] = { "ada", "lin", "sam", "kim" };
	return fit(snprintf(buf, cap, "{\"player\":\"%s\",\"x\":%u,\"y\":%u}",
			    player[i % 4], (i * 13u) % 64u, (i * 29u) % 64u), cap);
}

const struct pp_scenario pp_scenarios[] = {
	{ "cricket", "a live cricket score, ball by ball", "score", cricket },
	{ "ec2", "an EC2 instance being provisioned", "status", ec2 },
	{ "ticker", "a stock ticker", "price", ticker },
	{ "deploy", "a deployment's log, streamed line by line", "log", deploy },
	{ "game", "moves in a multiplayer game", "move", game },
};
const size_t pp_scenario_count = sizeof pp_scenarios / sizeof pp_scenarios[0];

const struct pp_scenario *pp_scenario_find(const char *name)
{
	for (size_t i = 0; i < pp_scenario_count; i++)
		if (strcmp(pp_scenarios[i].name, name) == 0)
			return &pp_scenarios[i];
	return NULL;
}
