/* fuzz_json.c -- libFuzzer harness for src/util/json.h: json_quote and
 * json_fput on any bytes, and the readers (json_get, json_array_next,
 * json_u64) on any text.
 *
 * Writing.  The input, as a string's bytes, is quoted; the result must be
 * one JSON text by RFC 8259's grammar (support/jsoncheck.h, written apart
 * from json.c), hold no raw U+0085, U+2028 or U+2029, and give back the
 * input exactly when read as json.h says (escapes undone, "\udcXX" the
 * byte XX: decode() below).  Quoting into a smaller buffer must say the
 * same length and leave a NUL-terminated prefix; json_fput must write the
 * same bytes.
 *
 * Reading.  The input, as JSON text, goes to each reader; every slice
 * they hand out must lie inside it (the input is copied into a block of
 * exactly its size, so ASan sees a read past the end), an array walk
 * must move forward and end, and json_u64 must accept exactly the runs of
 * digits that fit in 64 bits, with their value.  Then the readers are
 * given what pushpull writes -- an object and an array holding the quoted
 * input -- and must find the quoted string exactly, as the clients rely
 * on. */
#include "fuzz.h"
#include "support/jsoncheck.h"
#include "util/json.h"
#include "util/utf8.h"

static unsigned hex4(const char *s)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
		v = v << 4 | (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return v;
}

/* The bytes a quoted string s[0..n) stands for, into 'out' (room for n). */
static size_t decode(const char *s, size_t n, uint8_t *out)
{
	size_t k = 0;
	FUZZ_CHECK(n >= 2 && s[0] == '"' && s[n - 1] == '"');
	for (size_t i = 1; i < n - 1; i++) {
		if (s[i] != '\\') {
			out[k++] = (uint8_t)s[i];
			continue;
		}
		FUZZ_CHECK(++i < n - 1);
		const char *simple = strchr("\"\\/bfnrt", s[i]);
		if (simple && s[i]) {
			out[k++] = (uint8_t)"\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
			continue;
		}
		FUZZ_CHECK(s[i] == 'u' && n - 1 - i > 4);
		unsigned cp = hex4(s + i + 1);
		i += 4;
		if (cp >= 0xdc80 && cp <= 0xdcff)
			out[k++] = (uint8_t)cp;         /* a byte that was not UTF-8 */
		else
			k += utf8_encode(cp, out + k);
	}
	return k;
}

static void check_quote(const uint8_t *data, size_t size)
{
	size_t n = json_quote(NULL, 0, data, size);
	char *q = malloc(n + 1), *cut = malloc(n + 1), why[128];
	uint8_t *back = malloc(n);
	FUZZ_CHECK(q && cut && back);

	FUZZ_CHECK(json_quote(q, n + 1, data, size) == n && q[n] == '\0');
	if (!jsoncheck(q, n, why, sizeof why)) {
		fprintf(stderr, "json_quote wrote no JSON: %s\n", why);
		abort();
	}
	FUZZ_CHECK(!memmem(q, n, "\xc2\x85", 2) && !memmem(q, n, "\xe2\x80\xa8", 3) &&
		   !memmem(q, n, "\xe2\x80\xa9", 3));
	FUZZ_CHECK(decode(q, n, back) == size && (size == 0 || !memcmp(back, data, size)));

	size_t cap = 1 + (size_t)(fuzz_hash(data, size) % (n + 1));
	FUZZ_CHECK(json_quote(cut, cap, data, size) == n && strlen(cut) == cap - 1 &&
		   !memcmp(cut, q, cap - 1));

	char *mem = NULL;
	size_t mlen = 0;
	FILE *f = open_memstream(&mem, &mlen);
	FUZZ_CHECK(f != NULL);
	json_fput(f, data, size);
	FUZZ_CHECK(fclose(f) == 0 && mlen == n && !memcmp(mem, q, n));
	free(mem);
	free(q);
	free(cut);
	free(back);
}

static bool inside(const char *p, size_t n, const char *s, size_t len)
{
	return p >= s && n <= len && (size_t)(p - s) <= len - n;
}

static void check_u64(const char *v, size_t n)
{
	uint64_t got = 0, want = 0;
	bool ok = n > 0;
	for (size_t i = 0; i < n && ok; i++) {
		unsigned d = (unsigned char)v[i] - '0';
		ok = d <= 9 && want <= (UINT64_MAX - d) / 10;
		want = want * 10 + d;
	}
	int r = json_u64(v, n, &got);
	/* json_u64 may refuse the last few values below 2^64; never accept
	 * what is not a number or another value. */
	FUZZ_CHECK(r == 0 || (ok && got == want));
	if (ok && want <= UINT64_MAX / 10)
		FUZZ_CHECK(r == 1);
}

/* Walks the array text s[0..n); returns how many elements it had. */
static size_t walk(const char *s, size_t n)
{
	size_t pos = 0, count = 0;
	const char *el;
	size_t elen;
	for (int r; (r = json_array_next(s, n, &pos, &el, &elen)) == 1; count++) {
		FUZZ_CHECK(count < n && inside(el, elen, s, n) && elen > 0);
		FUZZ_CHECK(pos == (size_t)(el - s) + elen);
		check_u64(el, elen);
	}
	FUZZ_CHECK(pos <= n);
	return count;
}

static void check_read(const char *s, size_t n)
{
	static const char *const keys[] = { "events", "latest", "id", "seq", "type", "data", "" };
	char why[128];
	(void)jsoncheck(s, n, why, sizeof why);       /* it must not fall over either */
	walk(s, n);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t vlen = 0;
		const char *v = json_get(s, n, keys[i], &vlen);
		if (!v)
			continue;
		FUZZ_CHECK(inside(v, vlen, s, n) && vlen > 0);
		check_u64(v, vlen);
		walk(v, vlen);
	}
}

/* The readers on what pushpull writes: they find the quoted input. */
static void check_own(const uint8_t *data, size_t size)
{
	size_t n = json_quote(NULL, 0, data, size);
	size_t len = 2 * n + 32;
	char *obj = malloc(len), *arr = malloc(len), *q = malloc(n + 1);
	FUZZ_CHECK(obj && arr && q);
	json_quote(q, n + 1, data, size);
	int on = snprintf(obj, len, "{\"seq\": 7, \"data\":%s, \"id\":\"x\"}", q);
	int an = snprintf(arr, len, "[ %s,%s ]", q, q);
	FUZZ_CHECK(on > 0 && (size_t)on < len && an > 0 && (size_t)an < len);

	size_t vlen;
	const char *v = json_get(obj, (size_t)on, "data", &vlen);
	FUZZ_CHECK(v == obj + 18 && vlen == n);
	uint64_t seq;
	v = json_get(obj, (size_t)on, "seq", &vlen);
	FUZZ_CHECK(v && json_u64(v, vlen, &seq) == 1 && seq == 7);
	v = json_get(obj, (size_t)on, "id", &vlen);
	FUZZ_CHECK(v && vlen == 3 && !memcmp(v, "\"x\"", 3));

	size_t pos = 0;
	const char *el;
	size_t elen;
	FUZZ_CHECK(json_array_next(arr, (size_t)an, &pos, &el, &elen) == 1 && el == arr + 2 &&
		   elen == n);
	FUZZ_CHECK(json_array_next(arr, (size_t)an, &pos, &el, &elen) == 1 && el == arr + 3 + n &&
		   elen == n);
	FUZZ_CHECK(json_array_next(arr, (size_t)an, &pos, &el, &elen) == 0);
	free(obj);
	free(arr);
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	FUZZ_CHECK(text != NULL);
	if (size)
		memcpy(text, data, size);
	check_quote(data, size);
	check_read(text, size);
	check_own(data, size);
	free(text);
	return 0;
}
