/* test_util_json.c -- JSON strings out (escaping any bytes) and the small
 * reader the clients use on the server's own answers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

struct quote_vec {
	const char *name;
	const char *in;
	size_t len;
	const char *out;
};

static const struct quote_vec quotes[] = {
	{ "empty", "", 0, "\"\"" },
	{ "plain", "score 1/0", 9, "\"score 1/0\"" },
	{ "quote and backslash", "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
	{ "named controls", "\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"" },
	{ "other controls", "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"" },
	{ "nul", "a\0b", 3, "\"a\\u0000b\"" },
	{ "valid utf-8 kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\x8f", 14,
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\x8f\"" },
	{ "latin-1 byte escaped", "caf\xe9", 4, "\"caf\\udce9\"" },
	{ "truncated sequence", "\xe2\x82", 2, "\"\\udce2\\udc82\"" },
	{ "surrogate refused", "\xed\xa0\x80", 3, "\"\\udced\\udca0\\udc80\"" },
	/* not the same as the byte 0xff above: U+00FF, valid UTF-8 */
	{ "U+00FF copied", "\xc3\xbf\xff", 3, "\"\xc3\xbf\\udcff\"" },
	{ "U+2028, U+2029, U+0085 escaped", "\xe2\x80\xa8\xe2\x80\xa9\xc2\x85", 8,
	  "\"\\u2028\\u2029\\u0085\"" },
};

START_TEST(quote_vectors)
{
	const struct quote_vec *v = &quotes[_i];
	char buf[128];
	size_t n = json_quote(buf, sizeof buf, v->in, v->len);
	ck_assert_msg(strcmp(buf, v->out) == 0, "%s: got %s", v->name, buf);
	ck_assert_uint_eq(n, strlen(v->out));
	/* Every smaller buffer: the needed length, a NUL-terminated prefix. */
	for (size_t cap = 0; cap <= n; cap++) {
		char small[128];
		memset(small, 'x', sizeof small);
		ck_assert_uint_eq(json_quote(cap ? small : NULL, cap, v->in, v->len), n);
		if (cap) {
			ck_assert_uint_eq(strlen(small), cap - 1);
			ck_assert(memcmp(small, v->out, cap - 1) == 0);
		}
	}
	char *mem = NULL;
	size_t mlen = 0;
	FILE *f = open_memstream(&mem, &mlen);
	json_fput(f, v->in, v->len);
	fclose(f);
	ck_assert_str_eq(mem, v->out);
	free(mem);
}
END_TEST

START_TEST(get_and_walk)
{
	const char *doc = "{\"latest\":12, \"missed\" : 0,\"events\":[{\"seq\":11,\"data\":\"a,]}\\\"\"},"
			  " {\"seq\":12,\"type\":\"x\",\"data\":{\"n\":[1,2]}}],\"tail\":true}";
	size_t n = strlen(doc), vl;
	uint64_t u;
	const char *v = json_get(doc, n, "latest", &vl);
	ck_assert_ptr_nonnull(v);
	ck_assert(json_u64(v, vl, &u));
	ck_assert_uint_eq(u, 12);
	v = json_get(doc, n, "missed", &vl);
	ck_assert(v && json_u64(v, vl, &u) && u == 0);
	ck_assert_ptr_null(json_get(doc, n, "seq", &vl));       /* not at the top level */
	v = json_get(doc, n, "tail", &vl);
	ck_assert(v && vl == 4 && memcmp(v, "true", 4) == 0);

	size_t al, pos = 0, elen;
	const char *arr = json_get(doc, n, "events", &al), *el;
	ck_assert_ptr_nonnull(arr);
	ck_assert_int_eq(json_array_next(arr, al, &pos, &el, &elen), 1);
	v = json_get(el, elen, "seq", &vl);
	ck_assert(v && json_u64(v, vl, &u) && u == 11);
	v = json_get(el, elen, "data", &vl);
	ck_assert(v && vl == 8 && memcmp(v, "\"a,]}\\\"\"", 8) == 0);
	ck_assert_int_eq(json_array_next(arr, al, &pos, &el, &elen), 1);
	v = json_get(el, elen, "seq", &vl);
	ck_assert(v && json_u64(v, vl, &u) && u == 12);
	ck_assert_int_eq(json_array_next(arr, al, &pos, &el, &elen), 0);
	ck_assert_int_eq(json_array_next(arr, al, &pos, &el, &elen), 0);

	pos = 0;
	ck_assert_int_eq(json_array_next("[]", 2, &pos, &el, &elen), 0);
	pos = 0;
	ck_assert_int_eq(json_array_next("{}", 2, &pos, &el, &elen), -1);
	pos = 0;
	ck_assert_int_eq(json_array_next("[\"open", 6, &pos, &el, &elen), -1);
}
END_TEST

START_TEST(broken_text_never_overreads)
{
	/* Every prefix of a document: no crash, no read past the end. */
	const char *doc = "{\"a\":\"x\\\"y\",\"b\":[1,{\"c\":2}],\"d\":3}";
	size_t n = strlen(doc);
	for (size_t cut = 0; cut <= n; cut++) {
		char *copy = malloc(cut ? cut : 1);
		memcpy(copy, doc, cut);
		size_t vl;
		const char *v = json_get(copy, cut, "d", &vl);
		if (cut == n)
			ck_assert(v && vl == 1 && *v == '3');
		else if (v)
			ck_assert(v + vl <= copy + cut);
		free(copy);
	}
	uint64_t u;
	ck_assert(!json_u64("", 0, &u));
	ck_assert(!json_u64("12a", 3, &u));
	ck_assert(!json_u64("-1", 2, &u));
	ck_assert(json_u64("18446744073709551", 17, &u));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("util_json");
	TCase *tc = tcase_create("quote");
	tcase_add_loop_test(tc, quote_vectors, 0, (int)(sizeof quotes / sizeof quotes[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("read");
	tcase_add_test(tc, get_and_walk);
	tcase_add_test(tc, broken_text_never_overreads);
	suite_add_tcase(s, tc);
	return s;
}
