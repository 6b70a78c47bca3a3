/* test_util_svg.c -- the SVG writer (util/svg.h), and the XML checker
 * (tests/support/xmlcheck.h) that the picture tests lean on.
 *
 * The checker is tested first, on documents it must refuse: an oracle
 * that accepts everything would make every SVG test pass. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "support/memfile.h"
#include "support/xmlcheck.h"
#include "util/svg.h"

/* --- xmlcheck --------------------------------------------------------------- */

#define HEAD "<svg xmlns=\"http://www.w3.org/2000/svg\">"

static const struct {
	const char *name, *doc;
} good_docs[] = {
	{ "bare root", HEAD "</svg>" },
	{ "declaration", "<?xml version=\"1.0\"?>\n" HEAD "</svg>\n" },
	{ "empty root", "<svg xmlns='http://www.w3.org/2000/svg'/>" },
	{ "nesting", HEAD "<g class=\"a b\"><line x1=\"1\"/><text>a &amp; b &#60; &#x3E;</text></g></svg>" },
	{ "comment", "<!-- hi -->" HEAD "<!-- in --></svg><!-- after -->" },
	{ "utf-8 text", HEAD "<text>caf\xc3\xa9 \xe2\x82\xac</text></svg>" },
	{ "gt in text", HEAD "<text>a > b</text></svg>" },
};

static const struct {
	const char *name, *doc;
} bad_docs[] = {
	{ "empty", "" },
	{ "not svg", "<html xmlns=\"http://www.w3.org/2000/svg\"></html>" },
	{ "no namespace", "<svg></svg>" },
	{ "wrong namespace", "<svg xmlns=\"http://www.w3.org/1999/xhtml\"></svg>" },
	{ "unclosed", HEAD "<g>" "</svg>" },
	{ "crossed", HEAD "<g><text></g></text></svg>" },
	{ "never closed", HEAD },
	{ "stray end", HEAD "</svg></g>" },
	{ "two roots", HEAD "</svg>" HEAD "</svg>" },
	{ "text outside", "x" HEAD "</svg>" },
	{ "unquoted", HEAD "<line x1=1/></svg>" },
	{ "no equals", HEAD "<line x1/></svg>" },
	{ "twice", HEAD "<line x1=\"1\" x1=\"2\"/></svg>" },
	{ "lt in value", HEAD "<text class=\"a<b\"/></svg>" },
	{ "bare amp", HEAD "<text>a & b</text></svg>" },
	{ "unknown entity", HEAD "<text>&nbsp;</text></svg>" },
	{ "bad char ref", HEAD "<text>&#0;</text></svg>" },
	{ "char ref no digits", HEAD "<text>&#x;</text></svg>" },
	{ "control char", HEAD "<text>\x01</text></svg>" },
	{ "not utf-8", HEAD "<text>\xff</text></svg>" },
	{ "overlong", HEAD "<text>\xc0\xaf</text></svg>" },
	{ "cdata end", HEAD "<text>]]></text></svg>" },
	{ "doctype", "<!DOCTYPE svg>" HEAD "</svg>" },
	{ "dashes in comment", HEAD "<!-- a -- b --></svg>" },
	{ "attr glued", HEAD "<line x1=\"1\"y1=\"2\"/></svg>" },
	{ "bad name", HEAD "<1line/></svg>" },
};

START_TEST(xmlcheck_accepts)
{
	char why[128];
	const char *doc = good_docs[_i].doc;
	ck_assert_msg(xmlcheck_svg(doc, strlen(doc), why, sizeof why), "%s: %s",
		      good_docs[_i].name, why);
}
END_TEST

START_TEST(xmlcheck_refuses)
{
	char why[128];
	const char *doc = bad_docs[_i].doc;
	ck_assert_msg(!xmlcheck_svg(doc, strlen(doc), why, sizeof why), "%s accepted",
		      bad_docs[_i].name);
	ck_assert_msg(strncmp(why, "offset ", 7) == 0, "%s: no reason", bad_docs[_i].name);
}
END_TEST

START_TEST(xmlcheck_counts_by_class)
{
	const char *doc = HEAD "<line class=\"arrow c2s\"/><line class=\"arrowhead\"/>"
			  "<g><line class=\"c2s arrow\"></line></g><rect class=\"arrow\"/></svg>";
	ck_assert_uint_eq(xmlcheck_count(doc, strlen(doc), "line", "arrow"), 2);
	ck_assert_uint_eq(xmlcheck_count(doc, strlen(doc), "line", NULL), 3);
	ck_assert_uint_eq(xmlcheck_count(doc, strlen(doc), "rect", "arrow"), 1);
	ck_assert_uint_eq(xmlcheck_count(doc, strlen(doc) - 6, "line", NULL), 0);  /* refused */
}
END_TEST

/* --- escaping ------------------------------------------------------------------ */

static const struct {
	const char *name, *in, *out;
} escapes[] = {
	{ "plain", "GET /score", "GET /score" },
	{ "the five", "& < > \" '", "&amp; &lt; &gt; &quot; &apos;" },
	{ "entity looking", "&amp;", "&amp;amp;" },
	{ "tab and newline kept", "a\tb\nc\rd", "a\tb\nc\rd" },
	{ "controls", "a\x01\x1f\x7f" "b", "a???b" },
	{ "utf-8 kept", "caf\xc3\xa9 \xf0\x9f\x8e\xbe", "caf\xc3\xa9 \xf0\x9f\x8e\xbe" },
	{ "stray continuation", "\x80x", "?x" },
	{ "bad lead", "\xff\xfe", "??" },
	{ "truncated", "a\xc3", "a?" },
	{ "overlong", "\xc0\xaf", "??" },
	{ "surrogate", "\xed\xa0\x80", "???" },
	{ "U+FFFE", "\xef\xbf\xbe", "???" },
	{ "U+FFFD kept", "\xef\xbf\xbd", "\xef\xbf\xbd" },
};

START_TEST(escape_vectors)
{
	struct mem m;
	mem_open(&m);
	svg_escape(m.f, escapes[_i].in, strlen(escapes[_i].in));
	mem_close(&m);
	ck_assert_msg(strcmp(m.p, escapes[_i].out) == 0, "%s: got \"%s\"", escapes[_i].name, m.p);
	free(m.p);
}
END_TEST

START_TEST(escape_stops_at_n)
{
	struct mem m;
	mem_open(&m);
	svg_escape(m.f, "ab\0<c", 4);           /* NUL is a control: '?' */
	mem_close(&m);
	ck_assert_str_eq(m.p, "ab?&lt;");
	free(m.p);
}
END_TEST

/* --- documents ------------------------------------------------------------------- */

static void small_doc(FILE *f, const char *text)
{
	struct svg s;
	svg_begin(&s, f, 200, 100, "a <title>");
	svg_style(&s, ".a{stroke:#000}");
	svg_marker_arrow(&s, "head", "#123456");
	svg_group_begin(&s, "row");
	svg_line(&s, 0, 10, 190, -5, "arrow", "head");
	svg_rect(&s, 1, 2, 3, 4, NULL);
	svg_text(&s, 100, 50, SVG_MIDDLE, "label", text);
	svg_group_end(&s);
	svg_text(&s, 5, 90, SVG_START, NULL, "end");
	svg_end(&s);
}

/* The exact bytes: the format is part of the contract (golden files). */
START_TEST(document_bytes)
{
	struct mem m;
	mem_open(&m);
	small_doc(m.f, "x & y");
	mem_close(&m);
	const char *want =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\" viewBox=\"0 0 200 100\">\n"
		"  <title>a &lt;title&gt;</title>\n"
		"  <style>.a{stroke:#000}</style>\n"
		"  <defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
		"markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#123456\"/></marker></defs>\n"
		"  <g class=\"row\">\n"
		"    <line x1=\"0\" y1=\"10\" x2=\"190\" y2=\"-5\" class=\"arrow\" marker-end=\"url(#head)\"/>\n"
		"    <rect x=\"1\" y=\"2\" width=\"3\" height=\"4\"/>\n"
		"    <text x=\"100\" y=\"50\" text-anchor=\"middle\" class=\"label\">x &amp; y</text>\n"
		"  </g>\n"
		"  <text x=\"5\" y=\"90\">end</text>\n"
		"</svg>\n";
	ck_assert_str_eq(m.p, want);
	free(m.p);
}
END_TEST

START_TEST(document_well_formed)
{
	struct mem m;
	char why[128];
	mem_open(&m);
	small_doc(m.f, "plain");
	mem_close(&m);
	ck_assert_msg(xmlcheck_svg(m.p, m.n, why, sizeof why), "%s", why);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "line", "arrow"), 1);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "marker", NULL), 1);
	ck_assert_uint_eq(xmlcheck_count(m.p, m.n, "text", NULL), 2);
	free(m.p);
}
END_TEST

/* Any bytes at all in a text stay a well-formed document: each byte value
 * alone, then all 256 in a row, then runs of each lead byte. */
START_TEST(document_any_bytes)
{
	char text[300], why[128];
	for (int b = 0; b < 256 + 2; b++) {
		if (b < 256) {
			text[0] = (char)b;
			text[1] = b == 0 ? '\0' : 'x';
			text[2] = '\0';
		} else {
			for (int i = 0; i < 255; i++)
				text[i] = (char)((b == 256 ? i + 1 : 255 - i));
			text[255] = '\0';
		}
		struct mem m;
		mem_open(&m);
		small_doc(m.f, text);
		mem_close(&m);
		ck_assert_msg(xmlcheck_svg(m.p, m.n, why, sizeof why), "byte %d: %s", b, why);
		free(m.p);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("util_svg");
	TCase *tc = tcase_create("xmlcheck");
	tcase_add_loop_test(tc, xmlcheck_accepts, 0, sizeof good_docs / sizeof good_docs[0]);
	tcase_add_loop_test(tc, xmlcheck_refuses, 0, sizeof bad_docs / sizeof bad_docs[0]);
	tcase_add_test(tc, xmlcheck_counts_by_class);
	suite_add_tcase(s, tc);

	tc = tcase_create("escape");
	tcase_add_loop_test(tc, escape_vectors, 0, sizeof escapes / sizeof escapes[0]);
	tcase_add_test(tc, escape_stops_at_n);
	suite_add_tcase(s, tc);

	tc = tcase_create("document");
	tcase_add_test(tc, document_bytes);
	tcase_add_test(tc, document_well_formed);
	tcase_add_test(tc, document_any_bytes);
	suite_add_tcase(s, tc);
	return s;
}
