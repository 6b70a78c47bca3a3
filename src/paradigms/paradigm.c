/* paradigm.c -- the paradigms' names, written once; see paradigm.h. */
#include "paradigms/paradigm.h"

#include <string.h>

static const struct {
	const char *name;
	const char *short_form;         /* also taken on the command line */
} paradigms[PP_PARADIGMS] = {
	[PP_RPC]        = { "rpc", "rpc" },
	[PP_SHORT_POLL] = { "short-poll", "short" },
	[PP_LONG_POLL]  = { "long-poll", "long" },
	[PP_SSE]        = { "sse", "sse" },
	[PP_WEBSOCKET]  = { "websocket", "ws" },
};

const char *pp_paradigm_name(enum pp_paradigm p)
{
	return (unsigned)p < PP_PARADIGMS ? paradigms[p].name : "?";
}

bool pp_paradigm_parse(const char *name, enum pp_paradigm *out)
{
	for (int p = 0; p < PP_PARADIGMS; p++) {
		if (strcmp(name, paradigms[p].name) == 0 || strcmp(name, paradigms[p].short_form) == 0) {
			*out = (enum pp_paradigm)p;
			return true;
		}
	}
	return false;
}
