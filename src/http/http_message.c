/* http_message.c -- from fields to meaning: Host, message framing and
 * keep-alive (RFC 9110 §7.2, §8.6, §7.6.1; RFC 9112 §6, §9.3).
 *
 * One pass over the fields gathers the facts ('struct facts'); then the
 * rules for a request or a response turn the facts into a framing and a
 * verdict.  Keeping the two steps apart lets the order of the checks --
 * which matters, since the first failure names the status -- be read in
 * one place for each kind of message.
 *
 * Framing is where request smuggling lives, so the rules are strict:
 * every Content-Length must agree, Transfer-Encoding may not meet
 * Content-Length, and chunked must be there exactly once, last.
 */
#include "http/http_message.h"
#include "http/http_chars.h"
#include "http/http_target.h"

#include <string.h>

struct facts {
	size_t hosts;                   /* Host fields seen */
	const struct http_header *host; /* the first one */
	const struct http_header *upgrade;

	size_t cl_fields;               /* Content-Length fields seen */
	size_t cl_values;               /* values read from them */
	uint64_t cl;                    /* their one value */
	bool cl_huge;                   /* ... or it is too large for 64 bits */
	enum http_error cl_error;       /* the first fault in any of them */

	size_t te_fields;               /* Transfer-Encoding fields seen */
	size_t codings, chunked;        /* codings listed, how many were chunked */
	bool last_chunked, te_syntax;
	bool other_coding;              /* one not chunked: we implement no other */

	bool close, keep_alive, upgrade_token, expect_continue;
};

/* RFC 9110 §8.6: Content-Length = 1*DIGIT.  A list repeating one value
 * ("5, 5"), like a repeated field, is accepted as that value; any other
 * list is refused. */
static void content_length_add(const char *v, size_t n, struct facts *f)
{
	size_t i = 0;

	f->cl_fields++;
	if (f->cl_error != HTTP_OK)
		return;                         /* keep the first fault */
	for (;;) {
		i = http_skip_ows(v, i, n);
		size_t a = i;
		while (i < n && v[i] >= '0' && v[i] <= '9')
			i++;
		size_t b = i;
		i = http_skip_ows(v, i, n);
		uint64_t x;
		bool huge = a < b && !http_parse_u64(v + a, b - a, &x);
		if (a == b || (i < n && v[i] != ','))
			f->cl_error = HTTP_E_CONTENT_LENGTH;
		else if (f->cl_values++ > 0 && (huge != f->cl_huge || (!huge && x != f->cl)))
			f->cl_error = HTTP_E_CONTENT_LENGTH_CONFLICT;   /* a huge one differs too */
		else if (huge)
			f->cl_huge = true;      /* 413 at the end, if nothing conflicts */
		else
			f->cl = x;
		if (f->cl_error != HTTP_OK || i == n)
			return;
		i++;                            /* past the ',' */
	}
}

/* Transfer-Encoding  = #transfer-coding                  (RFC 9112 §6.1)
 * transfer-coding    = token *( OWS ";" OWS transfer-parameter )
 * transfer-parameter = token BWS "=" BWS ( token / quoted-string )
 * (RFC 9110 §10.1.4, where codings are also said to be case-insensitive.)  We implement chunked
 * only; chunked has no parameters, so "chunked;x=1" is refused. */
static void transfer_coding_add(const char *v, size_t n, struct facts *f)
{
	size_t i = 0;

	f->te_fields++;
	for (;;) {
		i = http_skip_ows(v, i, n);
		if (i < n && v[i] == ',') {     /* §5.6.1: skip empty elements */
			i++;
			continue;
		}
		if (i == n)
			return;
		size_t a = i;
		i = http_skip_token(v, i, n);
		if (i == a)
			goto syntax;
		bool chunked = http_slice_equals(v + a, i - a, "chunked");
		bool params = false;
		i = http_skip_ows(v, i, n);
		while (i < n && v[i] == ';') {
			params = true;
			size_t name = http_skip_ows(v, i + 1, n);
			i = http_skip_token(v, name, n);
			if (i == name)
				goto syntax;
			i = http_skip_ows(v, i, n);
			if (i == n || v[i] != '=')
				goto syntax;
			size_t val = http_skip_ows(v, i + 1, n);
			i = (val < n && v[val] == '"') ? http_skip_quoted(v, val, n)
						      : http_skip_token(v, val, n);
			if (i == 0 || i == val)
				goto syntax;
			i = http_skip_ows(v, i, n);
		}
		if ((i < n && v[i] != ',') || (chunked && params))
			goto syntax;
		f->codings++;
		f->chunked += chunked;
		f->other_coding |= !chunked;
		f->last_chunked = chunked;
	}
syntax:
	f->te_syntax = true;
}

static void gather(const struct http_header *h, size_t n, struct facts *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < n; i++) {
		const char *name = h[i].name, *v = h[i].value;
		size_t vl = h[i].value_len;
		switch (h[i].name_len) {   /* the length first: most fields match none */
		case 4:
			if (http_slice_equals(name, 4, "host")) {
				if (f->hosts++ == 0)
					f->host = &h[i];
			}
			break;
		case 6:
			/* RFC 9110 §10.1.1: Expect is a list (#expectation). */
			if (http_slice_equals(name, 6, "expect") &&
			    http_token_list_has(v, vl, "100-continue"))
				f->expect_continue = true;
			break;
		case 7:
			if (http_slice_equals(name, 7, "upgrade") && f->upgrade == NULL)
				f->upgrade = &h[i];
			break;
		case 10:
			if (http_slice_equals(name, 10, "connection")) { /* RFC 9110 §7.6.1 */
				f->close |= http_token_list_has(v, vl, "close");
				f->keep_alive |= http_token_list_has(v, vl, "keep-alive");
				f->upgrade_token |= http_token_list_has(v, vl, "upgrade");
			}
			break;
		case 14:
			if (http_slice_equals(name, 14, "content-length"))
				content_length_add(v, vl, f);
			break;
		case 17:
			if (http_slice_equals(name, 17, "transfer-encoding"))
				transfer_coding_add(v, vl, f);
			break;
		default:
			break;
		}
	}
}

/* RFC 9112 §3.2.2: with an absolute-form target the server uses the
 * target's authority, not the Host field (which must still be valid).
 * "http://h:8/x" gives "h:8"; a URI without "//" leaves Host in place. */
static void absolute_authority(struct http_request *req)
{
	const char *a, *rest;
	size_t alen, rlen;

	http_target_absolute_split(req->target, req->target_len, &a, &alen, &rest, &rlen);
	if (a != NULL) {
		req->host = a;
		req->host_len = alen;
	}
}

/* RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with
 * "keep-alive" (the §C.2.2 convention), and never with "close". */
static bool persists(int minor, const struct facts *f)
{
	return !f->close && (minor >= 1 || f->keep_alive);
}

enum http_error http_request_interpret(struct http_request *req,
				       const struct http_limits *lim)
{
	struct facts f;
	gather(req->headers, req->num_headers, &f);

	/* RFC 9112 §3.2: exactly one valid Host in HTTP/1.1. */
	if (f.hosts == 0 && req->minor_version == 1)
		return HTTP_E_HOST_MISSING;
	if (f.hosts > 1)
		return HTTP_E_HOST_REPEATED;
	if (f.host && !http_authority_valid(f.host->value, f.host->value_len,
					    HTTP_AUTHORITY_HOST_FIELD))
		return HTTP_E_HOST_INVALID;

	/* RFC 9112 §6.1, §6.3 rules 3 and 4. */
	req->framing = HTTP_FRAMING_NONE;
	req->content_length = 0;
	if (f.te_fields > 0) {
		if (req->minor_version == 0)
			return HTTP_E_TE_HTTP10;
		if (f.cl_fields > 0)
			return HTTP_E_TE_WITH_CL;
		if (f.te_syntax || f.codings == 0)
			return HTTP_E_TE_SYNTAX;
		if (f.chunked > 1)
			return HTTP_E_TE_CHUNKED_TWICE;   /* RFC 9112 §7 */
		if (!f.last_chunked)
			return HTTP_E_TE_NOT_CHUNKED;
		if (f.other_coding)
			return HTTP_E_TE_UNKNOWN;         /* RFC 9112 §6.1: 501 */
		req->framing = HTTP_FRAMING_CHUNKED;
	} else if (f.cl_fields > 0) {             /* §6.3 rules 5 and 6 */
		if (f.cl_error)
			return f.cl_error;
		if (f.cl_huge)
			return HTTP_E_CONTENT_LENGTH_OVERFLOW;
		if (lim->max_body != 0 && f.cl > lim->max_body)
			return HTTP_E_BODY_TOO_LARGE;
		req->framing = HTTP_FRAMING_LENGTH;
		req->content_length = f.cl;
	}                                         /* §6.3 rule 7: no body */

	req->host = f.host ? f.host->value : NULL;
	req->host_len = f.host ? f.host->value_len : 0;
	if (req->target_form == HTTP_TARGET_ABSOLUTE)
		absolute_authority(req);
	/* RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request. */
	const struct http_header *up = req->minor_version >= 1 ? f.upgrade : NULL;
	req->upgrade = up ? up->value : NULL;
	req->upgrade_len = up ? up->value_len : 0;
	req->keep_alive = persists(req->minor_version, &f);
	req->connection_upgrade = f.upgrade_token;
	/* RFC 9110 §10.1.1: ignore 100-continue from an HTTP/1.0 client. */
	req->expect_continue = f.expect_continue && req->minor_version >= 1;
	return HTTP_OK;
}

enum http_error http_response_interpret(struct http_response *res)
{
	struct facts f;
	gather(res->headers, res->num_headers, &f);

	res->upgrade = f.upgrade ? f.upgrade->value : NULL;
	res->upgrade_len = f.upgrade ? f.upgrade->value_len : 0;
	res->connection_upgrade = f.upgrade_token;
	res->keep_alive = persists(res->minor_version, &f);
	res->content_length = 0;
	res->coded = false;

	/* RFC 9112 §6.3 rule 1: these end at the empty line, whatever their
	 * fields say.  (A 2xx answer to CONNECT, rule 2, is the caller's
	 * business: we never send CONNECT.) */
	if (res->request_was_head || (res->status >= 100 && res->status < 200) ||
	    res->status == 204 || res->status == 304) {
		res->framing = HTTP_FRAMING_NONE;
		return HTTP_OK;
	}
	if (f.te_fields > 0) {
		if (res->minor_version == 0)
			return HTTP_E_TE_HTTP10;          /* §6.1: faulty framing */
		if (f.cl_fields > 0)
			return HTTP_E_TE_WITH_CL;         /* §6.3 rule 3: "an error" */
		if (f.te_syntax || f.codings == 0)
			return HTTP_E_TE_SYNTAX;
		if (f.chunked > 1)
			return HTTP_E_TE_CHUNKED_TWICE;
		/* §6.3 rule 4: chunked last, the chunks frame the body; else it
		 * runs to the close.  Other codings (gzip...) are not undone
		 * here: 'coded' says they are there, for the caller to judge. */
		res->coded = f.other_coding;
		if (!f.last_chunked) {
			res->framing = HTTP_FRAMING_CLOSE;
			res->keep_alive = false;
			return HTTP_OK;
		}
		res->framing = HTTP_FRAMING_CHUNKED;
		return HTTP_OK;
	}
	if (f.cl_fields > 0) {
		if (f.cl_error)
			return f.cl_error;
		if (f.cl_huge)
			return HTTP_E_CONTENT_LENGTH_OVERFLOW;
		res->framing = HTTP_FRAMING_LENGTH;
		res->content_length = f.cl;
		return HTTP_OK;
	}
	res->framing = HTTP_FRAMING_CLOSE;       /* §6.3 rule 8 */
	res->keep_alive = false;
	return HTTP_OK;
}
