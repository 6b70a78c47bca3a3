/* ws_log.c -- see ws_log.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/ws_log.h"

/* Parses hex text ("81 05 48 65", spaces ignored) into 'out'; returns the
 * byte count, or (size_t)-1 on a bad digit or if 'cap' is too small. */
size_t ws_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p; p++) {
		int v;
		if (isspace((unsigned char)*p))
			continue;
		if (*p >= '0' && *p <= '9') v = *p - '0';
		else if (*p >= 'a' && *p <= 'f') v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F') v = *p - 'A' + 10;
		else return (size_t)-1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			return (size_t)-1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? n : (size_t)-1;
}

/* A payload in the log: quoted if it is short printable ASCII, else its
 * length and its first bytes in hex. */
void ws_log_payload(struct tbuf *l, const uint8_t *p, size_t n)
{
	bool text = n <= 64;
	for (size_t i = 0; i < n && text; i++)
		text = p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"';
	if (text) {
		tbuf_printf(l, "\"%.*s\"", (int)n, (const char *)p);
		return;
	}
	tbuf_printf(l, "%zu bytes", n);
	if (n > 0)
		tbuf_printf(l, " ");
	for (size_t i = 0; i < n && i < 8; i++)
		tbuf_printf(l, "%02x", p[i]);
	if (n > 8)
		tbuf_printf(l, "..");
}

/* The end of the chunk that starts at 'pos'. */
size_t ws_chunk_end(enum ws_cut how, size_t at, size_t pos, size_t n)
{
	switch (how) {
	case WS_CUT_WHOLE: return n;
	case WS_CUT_BYTES: return pos + 1;
	default:           return pos < at ? at : n;
	}
}

/* --- building frames ---------------------------------------------------- */

/* Writes the frames into 'out', each masked with its own key when
 * 'masked'; returns the byte count (aborts if 'cap' is too small). */
size_t ws_build(const struct ws_fspec *f, bool masked, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (int i = 0; f[i].b0 >= 0; i++) {
		uint8_t key[4] = { (uint8_t)(i + 1), 0x5A, 0xA5, (uint8_t)(i * 3) };
		size_t len = f[i].len ? f[i].len : (f[i].data ? strlen(f[i].data) : 0);
		size_t h = ws_frame_header_size(len, masked);
		if (cap - n < h + len)
			abort();
		ws_frame_header_encode(out + n, true, WS_OP_TEXT, len, masked ? key : NULL);
		out[n] = (uint8_t)f[i].b0;      /* FIN, RSV and opcode as given */
		if (len > 0)
			memcpy(out + n + h, f[i].data, len);
		if (masked)
			ws_frame_mask(out + n + h, len, key, 0);
		n += h + len;
	}
	return n;
}

/* --- running a session ---------------------------------------------------- */

static const char *ws_state_name(enum ws_state st)
{
	switch (st) {
	case WS_STATE_OPEN:    return "open";
	case WS_STATE_CLOSING: return "closing";
	case WS_STATE_CLOSED:  return "closed";
	default:               return "failed";
	}
}

/* Logs a reply frame the session built: " -> pong \"x\"", " -> close 1002". */
static void ws_log_reply(struct tbuf *log, const uint8_t *reply, size_t n)
{
	struct ws_frame_header h;
	struct ws_error err;
	uint8_t body[WS_CONTROL_FRAME_MAX];
	int hl;

	if (n == 0)
		return;
	hl = ws_frame_header_parse(reply, n, (reply[1] & 0x80) ? WS_ROLE_SERVER
				   : WS_ROLE_CLIENT, 0, &h, &err);
	if (hl < 0 || (size_t)hl + h.length != n) {
		tbuf_printf(log, " -> broken reply");
		return;
	}
	memcpy(body, reply + hl, (size_t)h.length);
	if (h.masked)
		ws_frame_mask(body, (size_t)h.length, h.mask, 0);
	tbuf_printf(log, " -> %s", ws_opcode_name(h.opcode));
	if (h.opcode == WS_OP_CLOSE) {
		if (h.length >= 2)
			tbuf_printf(log, " %u", (unsigned)body[0] << 8 | body[1]);
	} else {
		tbuf_printf(log, " ");
		ws_log_payload(log, body, (size_t)h.length);
	}
}

static void ws_log_event(struct tbuf *log, const struct ws_event *ev)
{
	switch (ev->type) {
	case WS_EV_NONE:
		return;
	case WS_EV_MESSAGE:
		tbuf_printf(log, "%s ", ws_opcode_name(ev->opcode));
		ws_log_payload(log, ev->data, ev->len);
		break;
	case WS_EV_PING:
	case WS_EV_PONG:
		tbuf_printf(log, "%s ", ev->type == WS_EV_PING ? "ping" : "pong");
		ws_log_payload(log, ev->data, ev->len);
		break;
	case WS_EV_CLOSE:
		tbuf_printf(log, "close %u ", ev->code);
		ws_log_payload(log, ev->data, ev->len);
		break;
	case WS_EV_FAIL:
		tbuf_printf(log, "fail %u", ev->code);
		break;
	}
	ws_log_reply(log, ev->reply, ev->reply_len);
	tbuf_printf(log, "\n");
}

/* Feeds 'in' to 's' cut as 'how'/'at' says, as a caller's read loop would:
 * feed until WS_EV_NONE, keep what was not consumed in front of the next
 * chunk.  Logs every event and, at the end, the state and the bytes of
 * buffer still held ("end open 0"). */
void ws_run_session(struct ws_session *s, const uint8_t *in, size_t n,
		    enum ws_cut how, size_t at, struct tbuf *log)
{
	uint8_t *buf = malloc(n + 1);
	size_t have = 0, pos = 0;

	if (!buf)
		abort();
	while (pos < n) {
		size_t end = ws_chunk_end(how, at, pos, n), off = 0;
		memcpy(buf + have, in + pos, end - pos);
		have += end - pos;
		pos = end;
		for (size_t guard = 0; guard <= have + 1; guard++) {
			struct ws_event ev;
			size_t r = ws_session_feed(s, buf + off, have - off, &ev);
			if (r > have - off)
				tbuf_printf(log, "consumed %zu of %zu\n", r, have - off);
			off += r;
			ws_log_event(log, &ev);
			if (ev.type == WS_EV_NONE)
				break;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	tbuf_printf(log, "end %s %zu", ws_state_name(ws_session_state(s)),
		    ws_session_buffered(s));
	if (have > 0)
		tbuf_printf(log, " left %zu", have);
	tbuf_printf(log, "\n");
	free(buf);
}
