/* wsframe -- the WebSocket frame codec through stdin and stdout.
 *
 *     printf '\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58' | bin/wsframe
 *     {"fin":true,"rsv":0,"opcode":"text","masked":true,"mask_key":"37fa213d","length":5,"payload":"Hello"}
 *
 * Decoding (the default) reads all of stdin -- raw bytes, or hex text with
 * --hex, whitespace ignored -- and prints one JSON line per frame, the
 * payload unmasked.  "mask_key" appears only on masked frames; frames of
 * a binary message also carry "payload_hex", and a Close with a body its
 * "code" and "reason".  A byte of a payload that is not UTF-8 prints as
 * "\udcXX" (util/json.h says how to get it back).  A frame that breaks a rule
 * of RFC 6455 §5 prints {"error":"...","close_code":1002} and stops there,
 * as an endpoint fails the connection there; input that ends inside a
 * frame prints an error with 1006, the code for a connection that ended
 * without a Close.  --from says who sent the frames, which decides the
 * masking rule (§5.1): a client's must be masked, a server's must not.
 * Only the framing rules are applied; rules about sequences of frames and
 * UTF-8 belong to the message layer (src/ws/ws_session.h).
 *
 * Encoding (--encode) writes one frame, with the shortest length form:
 *
 *     bin/wsframe --encode --opcode text --mask 37fa213d --hex Hello
 *     818537fa213d7f9f4d5158
 *
 * The payload is the last argument, or all of stdin when there is none.
 * --opcode takes a name or a number 0-15, and nothing stops a control
 * frame over 125 bytes: this is also a tool for making bad frames.
 *
 * Input is read up to 64 MiB (util/input.h).  Exit status: 0 if every
 * frame decoded (or the frame was written), 1 if an error line was
 * printed or the input could not be read, 2 for a bad command line.  Read src/ws/ws_frame.h next.
 */
#include "util/input.h"
#include "util/json.h"
#include "ws/ws_frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: wsframe [--from client|server] [--hex] < frames\n"
	"       wsframe --encode --opcode OP [--mask HEX8] [--no-fin] [--hex] [PAYLOAD]\n"
	"Decodes WebSocket frames (RFC 6455 §5.2) from stdin, one JSON line per\n"
	"frame; a frame that breaks a framing rule (header, length, masking)\n"
	"prints {\"error\":...,\"close_code\":N} and stops.  Payloads are not\n"
	"judged: UTF-8 and close codes are the session's (pushpull serve).\n"
	"--from: who sent the frames (default client: masked).\n"
	"--encode writes one frame as asked, even one that breaks a rule; OP is\n"
	"text, binary, continuation, close, ping, pong or 0-15; PAYLOAD defaults\n"
	"to stdin.  --hex: hex in or out.  Input: up to 64 MiB.  A payload byte\n"
	"that is not UTF-8 prints as \\udcXX; a Close also shows code and reason.\n"
	"Exit status: 0 ok, 1 an error was printed (or stdin could not be read),\n"
	"2 bad usage.\n";

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Turns hex text into bytes in place, skipping whitespace.  Returns the
 * byte count, or (size_t)-1 on a stray character or an odd digit count. */
static size_t unhex(uint8_t *s, size_t n)
{
	size_t out = 0;
	int hi = -1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			continue;
		int v = hex_digit(s[i]);
		if (v < 0)
			return (size_t)-1;
		if (hi < 0) {
			hi = v;
		} else {
			s[out++] = (uint8_t)(hi << 4 | v);  /* never passes i */
			hi = -1;
		}
	}
	return hi < 0 ? out : (size_t)-1;
}

static void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void print_error(const char *reason, unsigned close_code)
{
	printf("{\"error\":");
	json_fput(stdout, reason, strlen(reason));
	printf(",\"close_code\":%u}\n", close_code);
}

static void print_frame(const struct ws_frame_header *h, const uint8_t *payload,
			bool binary)
{
	printf("{\"fin\":%s,\"rsv\":%u,\"opcode\":\"%s\",\"masked\":%s",
	       h->fin ? "true" : "false", h->rsv, ws_opcode_name(h->opcode),
	       h->masked ? "true" : "false");
	if (h->masked) {
		printf(",\"mask_key\":\"");
		print_hex(h->mask, 4);
		putchar('"');
	}
	printf(",\"length\":%llu,\"payload\":", (unsigned long long)h->length);
	json_fput(stdout, payload, (size_t)h->length);
	if (h->opcode == WS_OP_CLOSE && h->length >= 2) {     /* RFC 6455 §5.5.1 */
		printf(",\"code\":%u,\"reason\":", (unsigned)(payload[0] << 8 | payload[1]));
		json_fput(stdout, payload + 2, (size_t)h->length - 2);
	}
	if (binary) {
		printf(",\"payload_hex\":\"");
		print_hex(payload, (size_t)h->length);
		putchar('"');
	}
	printf("}\n");
}

static int decode(enum ws_role role, bool hex)
{
	size_t n, off = 0;
	uint8_t *buf = util_read_all(stdin, &n);
	unsigned message = 0;           /* opcode of the message in progress */
	struct ws_frame_decoder d;
	int status = 0;

	if (buf == NULL) {
		fprintf(stderr, "wsframe: reading stdin: %s\n", util_read_error(errno));
		return 1;
	}
	if (hex && (n = unhex(buf, n)) == (size_t)-1) {
		fprintf(stderr, "wsframe: --hex input is not pairs of hex digits\n");
		free(buf);
		return 1;
	}
	ws_frame_decoder_init(&d, role, 0);
	while (off < n) {
		struct ws_frame_piece pc;
		struct ws_error err;
		ssize_t r = ws_frame_decode(&d, buf + off, n - off, &pc, &err);

		if (r == WS_INVALID) {
			print_error(err.reason, err.close_code);
			status = 1;
			break;
		}
		/* All input is here, so a frame comes out whole, or the input
		 * ends inside it. */
		if (r == WS_INCOMPLETE || !pc.last) {
			print_error("input ends inside a frame", WS_CLOSE_ABNORMAL);
			status = 1;
			break;
		}
		off += (size_t)r;
		if (pc.hdr->opcode == WS_OP_TEXT || pc.hdr->opcode == WS_OP_BINARY)
			message = pc.hdr->opcode;
		print_frame(pc.hdr, pc.data, pc.hdr->opcode == WS_OP_BINARY ||
			    (pc.hdr->opcode == WS_OP_CONT && message == WS_OP_BINARY));
		if (pc.hdr->fin && !ws_opcode_is_control(pc.hdr->opcode))
			message = 0;
	}
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "wsframe: writing stdout: %s\n", strerror(errno));
		status = 1;
	}
	return status;
}

/* "text", ..., or a number 0-15; -1 if neither. */
static int parse_opcode(const char *s)
{
	static const char *const names[] = { "continuation", "text", "binary",
					     "close", "ping", "pong" };
	static const int codes[] = { WS_OP_CONT, WS_OP_TEXT, WS_OP_BINARY,
				     WS_OP_CLOSE, WS_OP_PING, WS_OP_PONG };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return codes[i];
	char *end;
	long v = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && v >= 0 && v <= 15 ? (int)v : -1;
}

static int encode(int opcode, const uint8_t *mask, bool fin, bool hex,
		  const char *arg)
{
	size_t len;
	uint8_t *payload;

	if (arg) {
		len = strlen(arg);
		payload = malloc(len + 1);
		if (payload)
			memcpy(payload, arg, len + 1);
	} else if ((payload = util_read_all(stdin, &len)) == NULL) {
		fprintf(stderr, "wsframe: reading stdin: %s\n", util_read_error(errno));
		return 1;
	}
	uint8_t *frame = payload ? malloc(WS_FRAME_HEADER_MAX + len) : NULL;
	if (frame == NULL) {
		fprintf(stderr, "wsframe: out of memory\n");
		free(payload);
		return 1;
	}
	size_t n = ws_frame_encode(frame, WS_FRAME_HEADER_MAX + len, fin,
				   (enum ws_opcode)opcode, payload, len, mask);
	if (hex) {
		print_hex(frame, n);
		putchar('\n');
	} else {
		fwrite(frame, 1, n, stdout);
	}
	free(frame);
	free(payload);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "wsframe: %s '%s' (try --help)\n", what, arg);
	return 2;
}

int main(int argc, char **argv)
{
	enum ws_role role = WS_ROLE_SERVER;     /* we read a client's frames */
	bool hex = false, do_encode = false, fin = true, have_mask = false;
	int opcode = -1;
	uint8_t mask[4];
	const char *payload = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(a, "--hex") == 0) {
			hex = true;
		} else if (strcmp(a, "--encode") == 0) {
			do_encode = true;
		} else if (strcmp(a, "--no-fin") == 0) {
			fin = false;
		} else if (strcmp(a, "--from") == 0) {
			if (!val || (strcmp(val, "client") != 0 && strcmp(val, "server") != 0))
				return bad_usage("--from wants client or server, not", val ? val : "");
			role = strcmp(val, "client") == 0 ? WS_ROLE_SERVER : WS_ROLE_CLIENT;
			i++;
		} else if (strcmp(a, "--opcode") == 0) {
			if (!val || (opcode = parse_opcode(val)) < 0)
				return bad_usage("--opcode wants a name or 0-15, not", val ? val : "");
			i++;
		} else if (strcmp(a, "--mask") == 0) {
			uint8_t key[8];
			if (!val || strlen(val) != 8)
				return bad_usage("--mask wants 8 hex digits, not", val ? val : "");
			memcpy(key, val, 8);
			if (unhex(key, 8) != 4)
				return bad_usage("--mask wants 8 hex digits, not", val);
			memcpy(mask, key, 4);
			have_mask = true;
			i++;
		} else if (strcmp(a, "--") == 0 && i + 1 < argc && payload == NULL) {
			payload = argv[++i];    /* a payload that starts with '-' */
		} else if (a[0] == '-' && a[1] != '\0') {
			return bad_usage("unknown option", a);
		} else if (payload == NULL) {
			payload = a;
		} else {
			return bad_usage("unexpected argument", a);
		}
	}

	if (!do_encode) {
		if (payload)
			return bad_usage("decoding reads stdin; unexpected argument", payload);
		if (opcode >= 0 || have_mask || !fin)
			return bad_usage("only with --encode:", opcode >= 0 ? "--opcode"
					 : have_mask ? "--mask" : "--no-fin");
		return decode(role, hex);
	}
	if (opcode < 0)
		return bad_usage("--encode needs", "--opcode");
	return encode(opcode, have_mask ? mask : NULL, fin, hex, payload);
}
