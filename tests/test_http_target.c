/* test_http_target.c -- targets, query parameters, hosts, token lists,
 * header lookup and value bytes (src/http/http_target.h,
 * src/http/http_fields.h, src/http/http_chars.h). */
#include <check.h>
#include <string.h>

#include "http/http_chars.h"
#include "http/http_fields.h"
#include "http/http_target.h"

/* --- targets and queries ------------------------------------------------------ */

START_TEST(test_target_split)
{
	const char *path, *query;
	size_t pl, ql;

	http_target_split("/poll?since=41&timeout=30000", 28, &path, &pl, &query, &ql);
	ck_assert_uint_eq(pl, 5);
	ck_assert_int_eq(memcmp(path, "/poll", 5), 0);
	ck_assert_uint_eq(ql, 22);
	ck_assert_int_eq(memcmp(query, "since=41&timeout=30000", 22), 0);

	http_target_split("/a/b", 4, &path, &pl, &query, &ql);
	ck_assert_uint_eq(pl, 4);
	ck_assert_ptr_null(query);
	ck_assert_uint_eq(ql, 0);

	http_target_split("/x?", 3, &path, &pl, &query, &ql);   /* empty query, present */
	ck_assert_uint_eq(pl, 2);
	ck_assert_ptr_nonnull(query);
	ck_assert_uint_eq(ql, 0);

	http_target_split("/x?a?b", 6, &path, &pl, &query, &ql); /* the first '?' splits */
	ck_assert_uint_eq(ql, 3);
}
END_TEST

/* Absolute-form targets: the authority, then what follows it. */
static const struct absvec {
	const char *target, *authority, *rest;  /* authority NULL: none */
} absolutes[] = {
	{ "http://h:8/p?q", "h:8", "/p?q" },
	{ "http://h", "h", "" },
	{ "http://h?a=/p", "h", "?a=/p" },      /* a path ends at '?' (RFC 3986 §3.3) */
	{ "http://", "", "" },
	{ "http:///p", "", "/p" },
	{ "mailto:a@b/c", NULL, "a@b/c" },      /* no "//": no authority */
	{ "urn:x:/y", NULL, "x:/y" },           /* the first ':' ends the scheme */
	{ "a:/", NULL, "/" },
};

START_TEST(test_absolute_split)
{
	const struct absvec *v = &absolutes[_i];
	const char *a, *rest;
	size_t al, rl;
	http_target_absolute_split(v->target, strlen(v->target), &a, &al, &rest, &rl);
	if (v->authority == NULL) {
		ck_assert_ptr_null(a);
		ck_assert_uint_eq(al, 0);
	} else {
		ck_assert_ptr_nonnull(a);
		ck_assert_uint_eq(al, strlen(v->authority));
		ck_assert_int_eq(memcmp(a, v->authority, al), 0);
	}
	ck_assert_uint_eq(rl, strlen(v->rest));
	ck_assert_int_eq(memcmp(rest, v->rest, rl), 0);
	ck_assert_ptr_eq(rest + rl, v->target + strlen(v->target));
}
END_TEST

struct qvec {
	const char *query, *name;
	enum http_query_result result;
	const char *value;
};

static const struct qvec queries[] = {
	{ "since=41&timeout=30000", "since", HTTP_QUERY_FOUND, "41" },
	{ "since=41&timeout=30000", "timeout", HTTP_QUERY_FOUND, "30000" },
	{ "since=41&timeout=30000", "time", HTTP_QUERY_MISSING, NULL },
	{ "since=41&timeout=30000", "Since", HTTP_QUERY_MISSING, NULL },      /* case matters */
	{ "lastEventId=a%20b%2Fc", "lastEventId", HTTP_QUERY_FOUND, "a b/c" },
	{ "q=a+b%2B", "q", HTTP_QUERY_FOUND, "a b+" },                        /* form encoding */
	{ "last%45ventId=7", "lastEventId", HTTP_QUERY_FOUND, "7" },          /* encoded name */
	{ "a=1&a=2", "a", HTTP_QUERY_FOUND, "1" },                            /* first wins */
	{ "a&b=2", "a", HTTP_QUERY_FOUND, "" },                               /* no '=' */
	{ "a=&b=2", "a", HTTP_QUERY_FOUND, "" },
	{ "&&b=2&", "b", HTTP_QUERY_FOUND, "2" },                             /* empty pairs */
	{ "b=x=y", "b", HTTP_QUERY_FOUND, "x=y" },
	{ "", "a", HTTP_QUERY_MISSING, NULL },
	{ "a=%4", "a", HTTP_QUERY_BAD_ESCAPE, NULL },
	{ "a=%zz", "a", HTTP_QUERY_BAD_ESCAPE, NULL },
	{ "a%=1&a=2", "a", HTTP_QUERY_FOUND, "2" },                           /* bad name skipped */
	{ "a=%00", "a", HTTP_QUERY_FOUND, "" },                               /* checked below */
	{ "a=0123456789abcdefg", "a", HTTP_QUERY_TOO_LONG, NULL },            /* cap is 16 */
	{ "a=0123456789abcdef", "a", HTTP_QUERY_FOUND, "0123456789abcdef" },
};

START_TEST(test_query_get)
{
	const struct qvec *v = &queries[_i];
	char out[16];
	size_t n = 99;

	enum http_query_result r = http_query_get(v->query, strlen(v->query), v->name,
						  out, sizeof out, &n);
	ck_assert_int_eq(r, v->result);
	if (r == HTTP_QUERY_FOUND && strcmp(v->query, "a=%00") == 0) {
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(out[0], 0);
	} else if (r == HTTP_QUERY_FOUND) {
		ck_assert_uint_eq(n, strlen(v->value));
		ck_assert_int_eq(memcmp(out, v->value, n), 0);
	}
}
END_TEST

START_TEST(test_percent_decode)
{
	char buf[32];
	strcpy(buf, "a%20b+c%2b%E2%82%AC");
	/* in place, '+' kept (a path) */
	ck_assert_int_eq(http_percent_decode(buf, strlen(buf), buf, sizeof buf, false), 9);
	ck_assert_int_eq(memcmp(buf, "a b+c+\xe2\x82\xac", 9), 0);
	ck_assert_int_eq(http_percent_decode("a+b", 3, buf, sizeof buf, true), 3);
	ck_assert_int_eq(memcmp(buf, "a b", 3), 0);
	ck_assert_int_eq(http_percent_decode("%", 1, buf, sizeof buf, false), -1);
	ck_assert_int_eq(http_percent_decode("%g0", 3, buf, sizeof buf, false), -1);
	ck_assert_int_eq(http_percent_decode("abc", 3, buf, 2, false), -1);
	ck_assert_int_eq(http_percent_decode("abc", 3, buf, 3, false), 3);
	ck_assert_int_eq(http_percent_decode("", 0, buf, 0, false), 0);
}
END_TEST

START_TEST(test_parse_u64)
{
	uint64_t v;
	ck_assert(http_parse_u64("0", 1, &v) && v == 0);
	ck_assert(http_parse_u64("00042", 5, &v) && v == 42);
	ck_assert(http_parse_u64("18446744073709551615", 20, &v) && v == UINT64_MAX);
	ck_assert(!http_parse_u64("18446744073709551616", 20, &v));
	ck_assert(!http_parse_u64("99999999999999999999", 20, &v));
	ck_assert(!http_parse_u64("", 0, &v));
	ck_assert(!http_parse_u64("1a", 2, &v));
	ck_assert(!http_parse_u64("-1", 2, &v));
	ck_assert(!http_parse_u64(" 1", 2, &v));
}
END_TEST

/* --- hosts ------------------------------------------------------------------------ */

struct avec {
	const char *s;
	bool host_field, uri, connect;   /* valid under each rule */
};

static const struct avec authorities[] = {
	{ "example.com", true, true, false },
	{ "example.com:443", true, true, true },
	{ "EXAMPLE.com:80", true, true, true },
	{ "127.0.0.1:8080", true, true, true },
	{ "", true, false, false },                      /* RFC 9110 §7.2: empty Host */
	{ ":80", true, false, false },
	{ "h:", true, true, false },                     /* port = *DIGIT */
	{ "h:0", true, true, false },
	{ "h:65535", true, true, true },
	{ "h:65536", false, false, false },
	{ "h:123456", false, false, false },
	{ "h:8o", false, false, false },
	{ "h:-1", false, false, false },
	{ "a%2Eb", true, true, false },                  /* pct-encoded reg-name */
	{ "a%2", false, false, false },
	{ "a b", false, false, false },
	{ "a/b", false, false, false },
	{ "u@h", false, false, false },                  /* RFC 9110 §4.2.4: no userinfo */
	{ "h:1:2", false, false, false },
	{ "sub-delims!$&'()*+,;=~_.", true, true, false },
	{ "[::1]", true, true, false },
	{ "[::1]:8080", true, true, true },
	{ "[::]", true, true, false },
	{ "[1:2:3:4:5:6:7:8]", true, true, false },
	{ "[1:2:3:4:5:6:7::]", true, true, false },
	{ "[::ffff:192.0.2.1]", true, true, false },
	{ "[fe80::1:2]", true, true, false },
	{ "[1:2:3:4:5:6:7:8:9]", false, false, false },
	{ "[1:2:3:4:5:6:7]", false, false, false },
	{ "[1::2::3]", false, false, false },
	{ "[12345::]", false, false, false },
	{ "[:1]", false, false, false },
	{ "[1:]", false, false, false },
	{ "[::1.2.3]", false, false, false },
	{ "[::1.2.3.256]", false, false, false },
	{ "[::01.2.3.4]", false, false, false },
	{ "[g::1]", false, false, false },
	{ "[v1.a:b]", true, true, false },               /* IPvFuture */
	{ "[v.a]", false, false, false },
	{ "[v1.]", false, false, false },
	{ "[::1", false, false, false },
	{ "[::1]x", false, false, false },
	{ "[]", false, false, false },
};

START_TEST(test_authority)
{
	const struct avec *v = &authorities[_i];
	size_t n = strlen(v->s);
	ck_assert_msg(http_authority_valid(v->s, n, HTTP_AUTHORITY_HOST_FIELD) == v->host_field,
		      "'%s' as Host", v->s);
	ck_assert_msg(http_authority_valid(v->s, n, HTTP_AUTHORITY_URI) == v->uri,
		      "'%s' in a URI", v->s);
	ck_assert_msg(http_authority_valid(v->s, n, HTTP_AUTHORITY_CONNECT) == v->connect,
		      "'%s' for CONNECT", v->s);
}
END_TEST

/* --- token lists and lookup ------------------------------------------------------- */

struct tvec {
	const char *list, *token;
	bool has;
};

static const struct tvec tokens[] = {
	{ "Upgrade", "upgrade", true },
	{ "keep-alive, Upgrade", "upgrade", true },
	{ "keep-alive,Upgrade", "Upgrade", true },
	{ " \tupgrade\t ", "upgrade", true },
	{ ",,upgrade,,", "upgrade", true },                  /* RFC 9110 §5.6.1 */
	{ "upgrades", "upgrade", false },
	{ "up grade", "upgrade", false },
	{ "xupgrade", "upgrade", false },
	{ "", "upgrade", false },
	{ ",", "upgrade", false },
	{ "close", "close", true },
	{ "foo, CLOSE", "close", true },
	{ "websocket", "websocket", true },
	{ "h2c, WebSocket", "websocket", true },
	{ "websocket/13", "websocket", false },
};

START_TEST(test_token_list)
{
	const struct tvec *v = &tokens[_i];
	ck_assert_msg(http_token_list_has(v->list, strlen(v->list), v->token) == v->has,
		      "'%s' has '%s'", v->list, v->token);
}
END_TEST

START_TEST(test_header_find)
{
	struct http_header h[] = {
		{ "Host", 4, "a", 1 },
		{ "Sec-WebSocket-Key", 17, "k1", 2 },
		{ "sec-websocket-key", 17, "k2", 2 },
		{ "X", 1, "", 0 },
	};
	ck_assert_ptr_eq(http_header_find(h, 4, "host"), &h[0]);
	ck_assert_ptr_eq(http_header_find(h, 4, "SEC-WEBSOCKET-KEY"), &h[1]);
	ck_assert_ptr_eq(http_header_find(h, 4, "x"), &h[3]);
	ck_assert_ptr_null(http_header_find(h, 4, "Hos"));
	ck_assert_ptr_null(http_header_find(h, 4, "Hosts"));
	ck_assert_ptr_null(http_header_find(h, 0, "Host"));
	ck_assert_uint_eq(http_header_count(h, 4, "sec-websocket-key"), 2);
	ck_assert_uint_eq(http_header_count(h, 4, "origin"), 0);
	ck_assert(http_slice_equals("Content-LENGTH", 14, "content-length"));
	ck_assert(!http_slice_equals("Content-Lengt", 13, "content-length"));
	/* only ASCII letters fold: '@' (0x40) is not '`' (0x60) */
	ck_assert(!http_slice_equals("@", 1, "`"));
}
END_TEST

/* http_field_line_check on single lines (the parsers test it in context). */
struct fvec {
	const char *line;
	size_t len;
	enum http_error e;
	const char *name, *value;
};

static const struct fvec field_lines[] = {
	{ "Host: a", 0, HTTP_OK, "Host", "a" },
	{ "Host:a", 0, HTTP_OK, "Host", "a" },
	{ "X:  \t a b \t ", 0, HTTP_OK, "X", "a b" },
	{ "X:", 0, HTTP_OK, "X", "" },
	{ "X: \x80\xff", 0, HTTP_OK, "X", "\x80\xff" },
	{ " X: a", 0, HTTP_E_OBS_FOLD, NULL, NULL },
	{ "X : a", 0, HTTP_E_SPACE_BEFORE_COLON, NULL, NULL },
	{ "X a", 0, HTTP_E_NO_COLON, NULL, NULL },
	{ ": a", 0, HTTP_E_EMPTY_NAME, NULL, NULL },
	{ "X\"Y: a", 0, HTTP_E_FIELD_NAME, NULL, NULL },
	{ "X: a\rb", 0, HTTP_E_BARE_CR, NULL, NULL },
	{ "X: a\nb", 0, HTTP_E_FIELD_VALUE, NULL, NULL },
	{ "X: a\0", 5, HTTP_E_FIELD_VALUE, NULL, NULL },
	{ "X: \x7f", 0, HTTP_E_FIELD_VALUE, NULL, NULL },
};

START_TEST(test_field_line)
{
	const struct fvec *v = &field_lines[_i];
	size_t n = v->len ? v->len : strlen(v->line);
	ck_assert_int_eq(http_field_line_check(v->line, n), v->e);
	if (v->e == HTTP_OK) {
		struct http_header h;
		http_field_line_split(v->line, n, &h);
		ck_assert_uint_eq(h.name_len, strlen(v->name));
		ck_assert_int_eq(memcmp(h.name, v->name, h.name_len), 0);
		ck_assert_uint_eq(h.value_len, strlen(v->value));
		ck_assert_int_eq(memcmp(h.value, v->value, h.value_len), 0);
	}
}
END_TEST

/* http_skip_value goes eight bytes at a time: it must stop where a byte
 * by byte look-up of the table stops, for every byte value at every
 * place, whatever the bytes around it (letters, obs-text, SP, HTAB --
 * the last sends every word down the byte-by-byte path) and wherever the
 * run starts and ends. */
START_TEST(test_value_run)
{
	static const unsigned char around[] = { 'a', 0xc3, ' ', '\t' };
	char buf[24];
	for (size_t k = 0; k < sizeof around; k++) {
		for (int b = 0; b < 256; b++) {
			for (size_t at = 0; at < sizeof buf; at++) {
				memset(buf, around[k], sizeof buf);
				buf[at] = (char)b;
				for (size_t from = 0; from < 6; from += 5) {
					size_t stop = from;     /* where the table stops, with no end */
					while (stop < sizeof buf &&
					       http_ch((unsigned char)buf[stop], HTTP_CH_VALUE))
						stop++;
					for (size_t n = from; n <= sizeof buf; n++)
						if (http_skip_value(buf, from, n) != (stop < n ? stop : n))
							ck_abort_msg("byte 0x%02x at %zu in 0x%02x, run [%zu, %zu)",
								     (unsigned)b, at, (unsigned)around[k], from, n);
				}
			}
		}
	}
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *test_suite(void)
{
	Suite *s = suite_create("http_target");
	TCase *tc;

	tc = tcase_create("targets and queries");
	tcase_add_test(tc, test_target_split);
	tcase_add_loop_test(tc, test_absolute_split, 0, N(absolutes));
	tcase_add_loop_test(tc, test_query_get, 0, N(queries));
	tcase_add_test(tc, test_percent_decode);
	tcase_add_test(tc, test_parse_u64);
	suite_add_tcase(s, tc);

	tc = tcase_create("hosts");
	tcase_add_loop_test(tc, test_authority, 0, N(authorities));
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_loop_test(tc, test_token_list, 0, N(tokens));
	tcase_add_test(tc, test_header_find);
	tcase_add_loop_test(tc, test_field_line, 0, N(field_lines));
	tcase_add_test(tc, test_value_run);
	suite_add_tcase(s, tc);
	return s;
}
