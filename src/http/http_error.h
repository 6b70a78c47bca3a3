/* http_error.h -- why an HTTP/1.1 message was refused, and what it earns.
 *
 * Every parser and decoder in src/http answers in the same three ways,
 * as picohttpparser does:
 *
 *     n >= 0             bytes consumed (what "consumed" means is in each
 *                        function's comment);
 *     HTTP_INCOMPLETE    nothing wrong so far, call again with more bytes;
 *     HTTP_INVALID       the message is refused: the parser's 'error'
 *                        field says why, as an 'enum http_error'.
 *
 * An 'enum http_error' carries two things: the status code a server sends
 * back for it (http_error_status) and a short reason in static storage
 * (http_error_reason) that the server may use as the body of its error
 * response.  Errors found while parsing a response (client side) use the
 * same codes; the status is then what a server would have sent for the
 * same fault, and a client simply treats the response as broken.
 *
 * After any HTTP_INVALID the connection must be closed: once the framing
 * of one message is in doubt nobody can say where the next one starts,
 * and reading on is exactly how request smuggling happens
 * (RFC 9112 §6.3, §11.2).
 *
 * Read next: http_fields.h.
 */
#ifndef PUSHPULL_HTTP_ERROR_H
#define PUSHPULL_HTTP_ERROR_H

enum {
	HTTP_INVALID    = -1,   /* refused; see the parser's 'error' */
	HTTP_INCOMPLETE = -2    /* need more bytes */
};

enum http_error {
	HTTP_OK = 0,

	/* Line endings (RFC 9112 §2.2). */
	HTTP_E_BARE_CR,             /* 400: CR not followed by LF */
	HTTP_E_BARE_LF,             /* 400: LF not preceded by CR (we are strict) */
	HTTP_E_EMPTY_LINES,         /* 400: too many empty lines before the start line */

	/* Request line (RFC 9112 §3) and status line (§4). */
	HTTP_E_REQUEST_LINE,        /* 400: not "method SP target SP version" */
	HTTP_E_METHOD,              /* 400: method is not a token */
	HTTP_E_METHOD_TOO_LONG,     /* 501: no method of ours is that long */
	HTTP_E_TARGET,              /* 400: target has a character URIs forbid */
	HTTP_E_TARGET_FORM,         /* 400: this form of target not allowed here */
	HTTP_E_TARGET_TOO_LONG,     /* 414 */
	HTTP_E_REQUEST_LINE_TOO_LONG, /* 400: line too long, but not the target */
	HTTP_E_VERSION,             /* 505: HTTP/d.d, but not HTTP/1.x */
	HTTP_E_VERSION_SYNTAX,      /* 400: not HTTP/d.d at all */
	HTTP_E_STATUS_LINE,         /* 400: not "version SP 3DIGIT SP reason" */

	/* Field lines (RFC 9112 §5, RFC 9110 §5). */
	HTTP_E_OBS_FOLD,            /* 400: field line starts with SP or HTAB */
	HTTP_E_WS_BEFORE_FIELDS,    /* 400: whitespace line right after the start line */
	HTTP_E_NO_COLON,            /* 400 */
	HTTP_E_EMPTY_NAME,          /* 400 */
	HTTP_E_FIELD_NAME,          /* 400: name is not a token */
	HTTP_E_SPACE_BEFORE_COLON,  /* 400 */
	HTTP_E_FIELD_VALUE,         /* 400: CTL or NUL in a value */
	HTTP_E_HEADERS_TOO_LARGE,   /* 431: header section over its byte limit */
	HTTP_E_TOO_MANY_FIELDS,     /* 431 */

	/* What the fields mean (RFC 9110 §7.2, §8.6; RFC 9112 §6). */
	HTTP_E_HOST_MISSING,        /* 400: HTTP/1.1 request without Host */
	HTTP_E_HOST_REPEATED,       /* 400 */
	HTTP_E_HOST_INVALID,        /* 400 */
	HTTP_E_CONTENT_LENGTH,      /* 400: not 1*DIGIT */
	HTTP_E_CONTENT_LENGTH_CONFLICT, /* 400: values differ */
	HTTP_E_CONTENT_LENGTH_OVERFLOW, /* 413: all digits, but past 64 bits: too large */
	HTTP_E_BODY_TOO_LARGE,      /* 413 */
	HTTP_E_TE_WITH_CL,          /* 400: Transfer-Encoding and Content-Length */
	HTTP_E_TE_HTTP10,           /* 400: Transfer-Encoding in HTTP/1.0 */
	HTTP_E_TE_SYNTAX,           /* 400: Transfer-Encoding not a coding list */
	HTTP_E_TE_NOT_CHUNKED,      /* 400: chunked is not the final coding */
	HTTP_E_TE_CHUNKED_TWICE,    /* 400 */
	HTTP_E_TE_UNKNOWN,          /* 501: a coding we do not implement */

	/* Chunked framing (RFC 9112 §7.1). */
	HTTP_E_CHUNK_SIZE,          /* 400: not 1*HEXDIG */
	HTTP_E_CHUNK_SIZE_OVERFLOW, /* 400: more than 64 bits */
	HTTP_E_CHUNK_EXT,           /* 400: malformed chunk extension */
	HTTP_E_CHUNK_LINE_TOO_LONG, /* 400 */
	HTTP_E_CHUNK_DATA_CRLF,     /* 400: chunk data not followed by CRLF */
	HTTP_E_TRAILERS_TOO_LARGE,  /* 431 */

	/* The connection ended inside a message. */
	HTTP_E_TRUNCATED,           /* 400 */

	HTTP_E_COUNT
};

/* The status code a server answers 'e' with (400, 413, 414, 431, 501,
 * 505); 200 for HTTP_OK. */
int http_error_status(enum http_error e);

/* A short English reason, in static storage ("invalid chunk size"). */
const char *http_error_reason(enum http_error e);

#endif
