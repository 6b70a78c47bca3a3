/* promcheck.c -- the text exposition format, line by line; see promcheck.h. */
#include "support/promcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAMILIES_MAX 256
#define SAMPLES_MAX 4096
#define NAME_MAX_LEN 200

struct state {
	char families[FAMILIES_MAX][NAME_MAX_LEN];      /* by TYPE or first sample */
	char types[FAMILIES_MAX][16];
	bool help[FAMILIES_MAX], closed[FAMILIES_MAX];
	size_t nfam;
	size_t current;                 /* the family whose samples came last; FAMILIES_MAX: none */
	char *seen[SAMPLES_MAX];        /* "name{labels}" of every sample, sorted later */
	size_t nseen;
};

static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* The length of the name at p (up to 'end'), 0 if none. */
static size_t name_len(const char *p, const char *end, bool colon)
{
	size_t i = 0;
	while (p + i < end && name_char(p[i], i == 0, colon))
		i++;
	return i;
}

static size_t family_of(struct state *st, const char *name, size_t len)
{
	for (size_t i = 0; i < st->nfam; i++)
		if (strlen(st->families[i]) == len && memcmp(st->families[i], name, len) == 0)
			return i;
	return st->nfam;
}

static size_t family_add(struct state *st, const char *name, size_t len)
{
	size_t f = family_of(st, name, len);
	if (f == st->nfam && st->nfam < FAMILIES_MAX && len < NAME_MAX_LEN) {
		memcpy(st->families[f], name, len);
		st->families[f][len] = 0;
		st->nfam++;
	}
	return f;
}

static bool comment(struct state *st, const char *p, const char *end, char *why, size_t cap)
{
	bool help = end - p >= 7 && memcmp(p, "# HELP ", 7) == 0;
	bool type = end - p >= 7 && memcmp(p, "# TYPE ", 7) == 0;
	if (!help && !type)
		return true;                    /* any other comment is allowed */
	p += 7;
	size_t len = name_len(p, end, true);
	if (len == 0 || len >= NAME_MAX_LEN || p + len == end || p[len] != ' ') {
		snprintf(why, cap, "a %s line without a metric name and a space", help ? "HELP" : "TYPE");
		return false;
	}
	size_t f = family_add(st, p, len);
	if (f == FAMILIES_MAX) {
		snprintf(why, cap, "too many families for this checker");
		return false;
	}
	const char *rest = p + len + 1;
	if (help) {
		if (st->help[f]) {
			snprintf(why, cap, "a second HELP for %s", st->families[f]);
			return false;
		}
		st->help[f] = true;
		for (const char *q = rest; q < end; q++)
			if (*q == '\\' && (q + 1 == end || (q[1] != '\\' && q[1] != 'n'))) {
				snprintf(why, cap, "a HELP escape other than \\\\ and \\n");
				return false;
			} else if (*q == '\\') {
				q++;
			}
		return true;
	}
	static const char *const types[] = { "counter", "gauge", "histogram", "summary", "untyped" };
	size_t tlen = (size_t)(end - rest), t = 0;
	while (t < 5 && !(strlen(types[t]) == tlen && memcmp(types[t], rest, tlen) == 0))
		t++;
	if (t == 5) {
		snprintf(why, cap, "TYPE %.*s is no type", (int)tlen, rest);
		return false;
	}
	if (st->types[f][0] || st->closed[f] || st->current == f) {
		snprintf(why, cap, "TYPE for %s after its first TYPE or sample", st->families[f]);
		return false;
	}
	if (t == 0 && (len < 6 || memcmp(p + len - 6, "_total", 6) != 0)) {
		snprintf(why, cap, "counter %s does not end in _total", st->families[f]);
		return false;
	}
	snprintf(st->types[f], sizeof st->types[f], "%s", types[t]);
	return true;
}

/* {name="value",...}: returns the end of the block, or NULL. */
static const char *labels(const char *p, const char *end, char *why, size_t cap)
{
	char names[32][NAME_MAX_LEN];
	size_t n = 0;
	p++;
	while (p < end && *p != '}') {
		size_t len = name_len(p, end, false);
		if (len == 0 || len >= NAME_MAX_LEN || (len >= 2 && p[0] == '_' && p[1] == '_')) {
			snprintf(why, cap, "a bad label name");
			return NULL;
		}
		for (size_t i = 0; i < n; i++)
			if (strlen(names[i]) == len && memcmp(names[i], p, len) == 0) {
				snprintf(why, cap, "label %.*s twice", (int)len, p);
				return NULL;
			}
		if (n < 32) {
			memcpy(names[n], p, len);
			names[n++][len] = 0;
		}
		p += len;
		if (end - p < 2 || p[0] != '=' || p[1] != '"') {
			snprintf(why, cap, "a label without =\"");
			return NULL;
		}
		for (p += 2; p < end && *p != '"'; p++)
			if (*p == '\\') {
				if (p + 1 == end || !strchr("\\\"n", p[1]) || !p[1]) {
					snprintf(why, cap, "a label value escape other than \\\\ \\\" \\n");
					return NULL;
				}
				p++;
			}
		if (p == end) {
			snprintf(why, cap, "a label value without its closing quote");
			return NULL;
		}
		p++;
		if (p < end && *p == ',')
			p++;
		else if (p < end && *p != '}')
			break;
	}
	if (p == end || *p != '}') {
		snprintf(why, cap, "labels not closed with }");
		return NULL;
	}
	return p + 1;
}

static bool number(const char *p, const char *end)
{
	char buf[64];
	size_t len = (size_t)(end - p);
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, p, len);
	buf[len] = 0;
	if (!strcmp(buf, "NaN") || !strcmp(buf, "+Inf") || !strcmp(buf, "-Inf"))
		return true;
	char *e;
	strtod(buf, &e);
	return *e == 0 && strchr("+-0123456789.", buf[0]);
}

static bool sample(struct state *st, const char *p, const char *end, char *why, size_t cap)
{
	size_t len = name_len(p, end, true);
	if (len == 0 || len >= NAME_MAX_LEN) {
		snprintf(why, cap, "a sample without a metric name");
		return false;
	}
	size_t f = family_of(st, p, len);
	if (f == st->nfam)
		f = family_add(st, p, len);     /* untyped, as the format allows */
	if (f == FAMILIES_MAX || st->closed[f]) {
		snprintf(why, cap, "samples of %.*s not together", (int)len, p);
		return false;
	}
	if (st->current != f && st->current < st->nfam)
		st->closed[st->current] = true;
	st->current = f;
	const char *q = p + len;
	if (q < end && *q == '{' && !(q = labels(q, end, why, cap)))
		return false;
	if (q == end || *q != ' ') {
		snprintf(why, cap, "no space before the value");
		return false;
	}
	size_t key = (size_t)(q - p);
	const char *v = q + 1, *ve = memchr(v, ' ', (size_t)(end - v));   /* a timestamp may follow */
	if (!number(v, ve ? ve : end) || (ve && !number(ve + 1, end))) {
		snprintf(why, cap, "a value that is not a number");
		return false;
	}
	if (st->nseen == SAMPLES_MAX) {
		snprintf(why, cap, "too many samples for this checker");
		return false;
	}
	for (size_t i = 0; i < st->nseen; i++)
		if (strlen(st->seen[i]) == key && memcmp(st->seen[i], p, key) == 0) {
			snprintf(why, cap, "%.*s twice", (int)key, p);
			return false;
		}
	st->seen[st->nseen] = strndup(p, key);
	if (!st->seen[st->nseen]) {
		snprintf(why, cap, "out of memory");
		return false;
	}
	st->nseen++;
	return true;
}

bool promcheck(const char *s, size_t n, char *why, size_t cap)
{
	struct state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(why, cap, "out of memory");
		return false;
	}
	st->current = FAMILIES_MAX;             /* no sample yet */
	bool ok = true;
	size_t line = 0;
	char what[160] = "";
	for (const char *p = s, *end; ok && p < s + n; p = end + 1) {
		line++;
		end = memchr(p, '\n', (size_t)(s + n - p));
		if (!end) {
			snprintf(what, sizeof what, "the last line has no newline");
			ok = false;
			break;
		}
		if (p == end)
			continue;               /* empty lines are ignored */
		ok = *p == '#' ? comment(st, p, end, what, sizeof what)
			       : sample(st, p, end, what, sizeof what);
	}
	if (!ok)
		snprintf(why, cap, "line %zu: %s", line, what);
	for (size_t i = 0; i < st->nseen; i++)
		free(st->seen[i]);
	free(st);
	return ok;
}

bool prom_value(const char *s, size_t n, const char *sample, double *v)
{
	size_t k = strlen(sample);
	for (const char *p = s, *end; p < s + n; p = end + 1) {
		end = memchr(p, '\n', (size_t)(s + n - p));
		if (!end)
			end = s + n;
		if ((size_t)(end - p) > k && memcmp(p, sample, k) == 0 && p[k] == ' ') {
			char buf[64];
			size_t len = (size_t)(end - p) - k - 1;
			if (len >= sizeof buf)
				return false;
			memcpy(buf, p + k + 1, len);
			buf[len] = 0;
			*v = strtod(buf, NULL);
			return true;
		}
	}
	return false;
}
