/* scenario.h -- the demo's stories: what the published events say.
 *
 * Each scenario is one of the examples pushpull's notes use to tell the
 * paradigms apart, and makes its n-th event as a small JSON text:
 *
 *   cricket   a live score, one ball at a time        (polling vs pushing)
 *   ec2       an instance being provisioned            (short vs long polling)
 *   ticker    a stock ticker                           (SSE, WebSocket)
 *   deploy    a deployment's log, line by line         (SSE)
 *   game      moves in a multiplayer game              (WebSocket)
 */
#ifndef PUSHPULL_PARADIGMS_SCENARIO_H
#define PUSHPULL_PARADIGMS_SCENARIO_H

#include <stddef.h>

struct pp_scenario {
	const char *name;
	const char *about;              /* one line for the demo's header */
	const char *type;               /* the feed event type */
	/* Writes event number 'i' (from 0) into buf; returns its length. */
	size_t (*event)(unsigned i, char *buf, size_t cap);
};

/* The scenario called 'name', or NULL.  pp_scenarios[0] is the default. */
const struct pp_scenario *pp_scenario_find(const char *name);
extern const struct pp_scenario pp_scenarios[];
extern const size_t pp_scenario_count;

#endif
