/* http_error.c -- the status and reason of each rejection; see http_error.h.
 * One table, indexed by the enum, so a code cannot lose its reason. */
#include "http/http_error.h"

static const struct {
	short status;
	const char *reason;
} errors[HTTP_E_COUNT] = {
	[HTTP_OK]                       = { 200, "ok" },
	[HTTP_E_BARE_CR]                = { 400, "bare CR in line" },
	[HTTP_E_BARE_LF]                = { 400, "line ends in LF without CR" },
	[HTTP_E_EMPTY_LINES]            = { 400, "too many empty lines before the start line" },
	[HTTP_E_REQUEST_LINE]           = { 400, "malformed request line" },
	[HTTP_E_METHOD]                 = { 400, "invalid method" },
	[HTTP_E_METHOD_TOO_LONG]        = { 501, "method too long" },
	[HTTP_E_TARGET]                 = { 400, "invalid request target" },
	[HTTP_E_TARGET_FORM]            = { 400, "request target form not allowed for this method" },
	[HTTP_E_TARGET_TOO_LONG]        = { 414, "request target too long" },
	[HTTP_E_REQUEST_LINE_TOO_LONG]  = { 400, "request line too long" },
	[HTTP_E_VERSION]                = { 505, "HTTP version not supported" },
	[HTTP_E_VERSION_SYNTAX]         = { 400, "malformed HTTP version" },
	[HTTP_E_STATUS_LINE]            = { 400, "malformed status line" },
	[HTTP_E_OBS_FOLD]               = { 400, "obsolete line folding" },
	[HTTP_E_WS_BEFORE_FIELDS]       = { 400, "whitespace before the first field" },
	[HTTP_E_NO_COLON]               = { 400, "field line without colon" },
	[HTTP_E_EMPTY_NAME]             = { 400, "empty field name" },
	[HTTP_E_FIELD_NAME]             = { 400, "invalid character in field name" },
	[HTTP_E_SPACE_BEFORE_COLON]     = { 400, "whitespace between field name and colon" },
	[HTTP_E_FIELD_VALUE]            = { 400, "invalid character in field value" },
	[HTTP_E_HEADERS_TOO_LARGE]      = { 431, "header section too large" },
	[HTTP_E_TOO_MANY_FIELDS]        = { 431, "too many header fields" },
	[HTTP_E_HOST_MISSING]           = { 400, "missing Host" },
	[HTTP_E_HOST_REPEATED]          = { 400, "more than one Host" },
	[HTTP_E_HOST_INVALID]           = { 400, "invalid Host" },
	[HTTP_E_CONTENT_LENGTH]         = { 400, "invalid Content-Length" },
	[HTTP_E_CONTENT_LENGTH_CONFLICT] = { 400, "conflicting Content-Length values" },
	[HTTP_E_CONTENT_LENGTH_OVERFLOW] = { 413, "Content-Length overflows" },
	[HTTP_E_BODY_TOO_LARGE]         = { 413, "body too large" },
	[HTTP_E_TE_WITH_CL]             = { 400, "both Transfer-Encoding and Content-Length" },
	[HTTP_E_TE_HTTP10]              = { 400, "Transfer-Encoding in HTTP/1.0" },
	[HTTP_E_TE_SYNTAX]              = { 400, "invalid Transfer-Encoding" },
	[HTTP_E_TE_NOT_CHUNKED]         = { 400, "chunked is not the final transfer coding" },
	[HTTP_E_TE_CHUNKED_TWICE]       = { 400, "chunked applied more than once" },
	[HTTP_E_TE_UNKNOWN]             = { 501, "unknown transfer coding" },
	[HTTP_E_CHUNK_SIZE]             = { 400, "invalid chunk size" },
	[HTTP_E_CHUNK_SIZE_OVERFLOW]    = { 400, "chunk size overflows" },
	[HTTP_E_CHUNK_EXT]              = { 400, "invalid chunk extension" },
	[HTTP_E_CHUNK_LINE_TOO_LONG]    = { 400, "chunk size line too long" },
	[HTTP_E_CHUNK_DATA_CRLF]        = { 400, "chunk data not followed by CRLF" },
	[HTTP_E_TRAILERS_TOO_LARGE]     = { 431, "trailer section too large" },
	[HTTP_E_TRUNCATED]              = { 400, "incomplete message" },
};

int http_error_status(enum http_error e)
{
	return (unsigned)e < HTTP_E_COUNT ? errors[e].status : 500;
}

const char *http_error_reason(enum http_error e)
{
	return (unsigned)e < HTTP_E_COUNT ? errors[e].reason : "unknown error";
}
