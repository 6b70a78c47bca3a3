/* http_message.h -- what the fields of a parsed head mean (private to
 * src/http; the contract is http_parser.h).
 *
 * Called by http_parser.c once a head has been checked and its slices
 * filled: it reads Host, Content-Length, Transfer-Encoding, Connection,
 * Upgrade and Expect, fills the derived members of the request or
 * response, and says whether the message must be refused.
 */
#ifndef PUSHPULL_HTTP_MESSAGE_H
#define PUSHPULL_HTTP_MESSAGE_H

#include "http/http_parser.h"

enum http_error http_request_interpret(struct http_request *req,
				       const struct http_limits *lim);
enum http_error http_response_interpret(struct http_response *res);

#endif
