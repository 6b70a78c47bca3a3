/* xmlcheck.c -- the well-formedness checker of xmlcheck.h.
 *
 * A recursive-descent reader over the bytes, one function per construct
 * (declaration, comment, start tag, end tag, text), with an explicit stack
 * of open element names.  It is an oracle for the SVG writer, so it shares
 * no code with it: even its UTF-8 check is its own.
 */
#include "support/xmlcheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define XML_DEPTH_MAX   64
#define XML_ATTRS_MAX   32
#define SVG_NS          "http://www.w3.org/2000/svg"

struct slice {
	const char *p;
	size_t n;
};

struct walk {
	const char *s;
	size_t n, i;
	struct slice stack[XML_DEPTH_MAX];
	size_t depth, roots;
	char *why;
	size_t cap;
	const char *count_name, *count_cls;     /* what xmlcheck_count() looks for */
	size_t count;
};

__attribute__((format(printf, 2, 3)))
static bool fail(struct walk *w, const char *fmt, ...)
{
	if (w->why && w->cap) {
		int k = snprintf(w->why, w->cap, "offset %zu: ", w->i);
		va_list ap;
		va_start(ap, fmt);
		if (k >= 0 && (size_t)k < w->cap)
			vsnprintf(w->why + k, w->cap - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool starts(const struct walk *w, const char *lit)
{
	size_t k = strlen(lit);
	return w->n - w->i >= k && memcmp(w->s + w->i, lit, k) == 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct walk *w)
{
	while (w->i < w->n && is_space(w->s[w->i]))
		w->i++;
}

/* XML 1.0 §2.2: the code points a document may hold. */
static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Every character is valid UTF-8 (RFC 3629) and allowed by XML. */
static bool check_chars(struct walk *w)
{
	const uint8_t *s = (const uint8_t *)w->s;
	for (size_t i = 0; i < w->n;) {
		uint32_t c = s[i];
		size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
		w->i = i;
		if (k == 0 || i + k > w->n)
			return fail(w, "not UTF-8");
		if (k > 1)
			c &= 0x3Fu >> (k - 1);
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return fail(w, "not UTF-8");
			c = c << 6 | (s[i + j] & 0x3F);
		}
		if (c < least[k])
			return fail(w, "not UTF-8 (overlong form)");
		if (!xml_char(c))
			return fail(w, "character U+%04X not allowed", (unsigned)c);
		i += k;
	}
	w->i = 0;
	return true;
}

static bool name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static bool name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool read_name(struct walk *w, struct slice *out)
{
	out->p = w->s + w->i;
	if (w->i >= w->n || !name_start((unsigned char)w->s[w->i]))
		return fail(w, "a name was expected");
	while (w->i < w->n && name_char((unsigned char)w->s[w->i]))
		w->i++;
	out->n = (size_t)(w->s + w->i - out->p);
	return true;
}

static bool slice_is(struct slice a, const char *lit)
{
	return a.n == strlen(lit) && memcmp(a.p, lit, a.n) == 0;
}

/* An entity or character reference at w->i ('&'), XML 1.0 §4.1. */
static bool check_reference(struct walk *w, size_t end)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	for (size_t k = 0; k < 5; k++)
		if (starts(w, named[k]) && w->i + strlen(named[k]) <= end) {
			w->i += strlen(named[k]);
			return true;
		}
	size_t j = w->i + 1;
	bool hex = j + 1 < end && w->s[j] == '#' && w->s[j + 1] == 'x';
	if (j >= end || w->s[j] != '#')
		return fail(w, "'&' that starts no entity");
	j += hex ? 2 : 1;
	uint32_t v = 0;
	size_t digits = 0;
	for (; j < end && w->s[j] != ';'; j++, digits++) {
		char c = w->s[j];
		int d = c >= '0' && c <= '9' ? c - '0' : !hex ? -1 : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0 || v > 0x10FFFF)
			return fail(w, "bad character reference");
		v = v * (hex ? 16 : 10) + (uint32_t)d;
	}
	if (j >= end || digits == 0 || !xml_char(v))
		return fail(w, "bad character reference");
	w->i = j + 1;
	return true;
}

/* Character data or an attribute value, s[w->i..end): references valid,
 * no '<', no "]]>". */
static bool check_text(struct walk *w, size_t end)
{
	while (w->i < end) {
		char c = w->s[w->i];
		if (c == '&') {
			if (!check_reference(w, end))
				return false;
			continue;
		}
		if (c == '<')
			return fail(w, "'<' in a value");
		if (starts(w, "]]>"))
			return fail(w, "\"]]>\" in text");
		w->i++;
	}
	return true;
}

/* One attribute: name = "value".  Its value's slice goes to *val. */
static bool read_attribute(struct walk *w, struct slice *name, struct slice *val)
{
	if (!read_name(w, name))
		return false;
	skip_space(w);
	if (w->i >= w->n || w->s[w->i] != '=')
		return fail(w, "attribute without '='");
	w->i++;
	skip_space(w);
	char q = w->i < w->n ? w->s[w->i] : 0;
	if (q != '"' && q != '\'')
		return fail(w, "attribute value not quoted");
	const char *close = memchr(w->s + w->i + 1, q, w->n - w->i - 1);
	if (!close)
		return fail(w, "attribute value not closed");
	size_t end = (size_t)(close - w->s);
	w->i++;
	val->p = w->s + w->i;
	val->n = end - w->i;
	if (!check_text(w, end))
		return false;
	w->i = end + 1;
	return true;
}

/* Whether the space-separated list 'v' holds 'token'. */
static bool has_token(struct slice v, const char *token)
{
	size_t k = strlen(token);
	for (size_t i = 0; i < v.n;) {
		while (i < v.n && v.p[i] == ' ')
			i++;
		size_t j = i;
		while (j < v.n && v.p[j] != ' ')
			j++;
		if (j - i == k && memcmp(v.p + i, token, k) == 0)
			return true;
		i = j;
	}
	return false;
}

/* The root must be <svg xmlns="http://www.w3.org/2000/svg">, once. */
static bool check_root(struct walk *w, struct slice name, const struct slice *an,
		       const struct slice *av, size_t na)
{
	if (++w->roots > 1)
		return fail(w, "a second root element");
	if (!slice_is(name, "svg"))
		return fail(w, "the root is not <svg>");
	for (size_t k = 0; k < na; k++)
		if (slice_is(an[k], "xmlns"))
			return slice_is(av[k], SVG_NS) ? true : fail(w, "xmlns is not the SVG namespace");
	return fail(w, "<svg> without xmlns");
}

static void count_element(struct walk *w, struct slice name, const struct slice *an,
			  const struct slice *av, size_t na)
{
	if (!w->count_name || !slice_is(name, w->count_name))
		return;
	if (!w->count_cls) {
		w->count++;
		return;
	}
	for (size_t k = 0; k < na; k++)
		if (slice_is(an[k], "class") && has_token(av[k], w->count_cls))
			w->count++;
}

/* "<name attr="v" ...>" or ".../>", w->i at '<'. */
static bool start_tag(struct walk *w)
{
	struct slice name, an[XML_ATTRS_MAX], av[XML_ATTRS_MAX];
	size_t na = 0;
	w->i++;
	if (!read_name(w, &name))
		return false;
	for (;;) {
		size_t before = w->i;
		skip_space(w);
		if (starts(w, "/>") || starts(w, ">"))
			break;
		if (w->i == before)
			return fail(w, "no space before an attribute");
		if (na == XML_ATTRS_MAX)
			return fail(w, "too many attributes");
		if (!read_attribute(w, &an[na], &av[na]))
			return false;
		for (size_t k = 0; k < na; k++)
			if (an[k].n == an[na].n && memcmp(an[k].p, an[na].p, an[k].n) == 0)
				return fail(w, "attribute given twice");
		na++;
	}
	if (w->depth == 0 && !check_root(w, name, an, av, na))
		return false;
	count_element(w, name, an, av, na);
	if (starts(w, "/>")) {
		w->i += 2;
		return true;
	}
	w->i++;
	if (w->depth == XML_DEPTH_MAX)
		return fail(w, "nested too deep");
	w->stack[w->depth++] = name;
	return true;
}

/* "</name>", w->i at '<'. */
static bool end_tag(struct walk *w)
{
	struct slice name;
	w->i += 2;
	if (!read_name(w, &name))
		return false;
	skip_space(w);
	if (w->i >= w->n || w->s[w->i] != '>')
		return fail(w, "end tag not closed");
	if (w->depth == 0)
		return fail(w, "</%.*s> closes nothing", (int)name.n, name.p);
	struct slice open = w->stack[w->depth - 1];
	if (open.n != name.n || memcmp(open.p, name.p, name.n) != 0)
		return fail(w, "</%.*s> closes <%.*s>", (int)name.n, name.p, (int)open.n, open.p);
	w->depth--;
	w->i++;
	return true;
}

/* "<!-- ... -->", no "--" inside (XML 1.0 §2.5). */
static bool comment(struct walk *w)
{
	w->i += 4;
	for (; w->i + 1 < w->n; w->i++)
		if (w->s[w->i] == '-' && w->s[w->i + 1] == '-') {
			if (!starts(w, "-->"))
				return fail(w, "\"--\" inside a comment");
			w->i += 3;
			return true;
		}
	return fail(w, "comment not closed");
}

/* Text between tags: inside the root anything valid, outside only space. */
static bool text(struct walk *w)
{
	const char *lt = memchr(w->s + w->i, '<', w->n - w->i);
	size_t end = lt ? (size_t)(lt - w->s) : w->n;
	if (w->depth == 0) {
		for (; w->i < end; w->i++)
			if (!is_space(w->s[w->i]))
				return fail(w, "text outside the root element");
		return true;
	}
	return check_text(w, end);
}

static bool markup(struct walk *w)
{
	if (starts(w, "<!--"))
		return comment(w);
	if (starts(w, "</"))
		return end_tag(w);
	if (starts(w, "<!") || starts(w, "<?"))
		return fail(w, "DOCTYPE, CDATA or a processing instruction");
	if (w->depth == 0 && w->roots > 0)
		return fail(w, "a second root element");
	return start_tag(w);
}

static bool walk_doc(struct walk *w)
{
	if (!check_chars(w))
		return false;
	if (starts(w, "<?xml")) {       /* the declaration, only at the very start */
		const char *end = memmem(w->s, w->n, "?>", 2);
		if (!end)
			return fail(w, "XML declaration not closed");
		w->i = (size_t)(end - w->s) + 2;
	}
	while (w->i < w->n) {
		bool ok = w->s[w->i] == '<' ? markup(w) : text(w);
		if (!ok)
			return false;
	}
	if (w->depth > 0)
		return fail(w, "<%.*s> not closed", (int)w->stack[w->depth - 1].n,
			    w->stack[w->depth - 1].p);
	if (w->roots == 0)
		return fail(w, "no root element");
	return true;
}

bool xmlcheck_svg(const char *doc, size_t len, char *why, size_t cap)
{
	struct walk w = { .s = doc, .n = len, .why = why, .cap = cap };
	if (why && cap)
		why[0] = '\0';
	return walk_doc(&w);
}

size_t xmlcheck_count(const char *doc, size_t len, const char *name, const char *cls)
{
	struct walk w = { .s = doc, .n = len, .count_name = name, .count_cls = cls };
	return walk_doc(&w) ? w.count : 0;
}
