/* svg.c -- the SVG writer; svg.h holds the contract.
 *
 * Each function writes one element on one line, indented by nesting
 * depth, with its attributes in a fixed order: the output is a pure
 * function of the calls, which is what lets a test hold it against a
 * golden file.  The only subtle part is svg_escape(): XML 1.0 (§2.2,
 * "Char") forbids most control characters outright, even as entities,
 * so they are replaced rather than escaped.
 */
#include "util/svg.h"
#include "util/utf8.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define SVG_NS "http://www.w3.org/2000/svg"

static void indent(const struct svg *s)
{
	for (int i = 0; i < s->depth; i++)
		fputs("  ", s->out);
}

static void put_escaped(FILE *out, const char *str)
{
	svg_escape(out, str, strlen(str));
}

/* ' class="cls"', or nothing for NULL. */
static void put_class(FILE *out, const char *cls)
{
	if (!cls)
		return;
	fputs(" class=\"", out);
	put_escaped(out, cls);
	fputc('"', out);
}

/* The length of the valid UTF-8 sequence at s[0..n) that XML may carry,
 * or 0 when there is none (a bad byte, a truncated sequence, U+FFFE/F). */
static size_t utf8_char_len(const uint8_t *s, size_t n)
{
	struct utf8_decoder d;
	utf8_init(&d);
	for (size_t i = 0; i < n && i < 4; i++) {
		int32_t cp = utf8_decode_byte(&d, s[i]);
		if (cp == UTF8_MORE)
			continue;
		if (cp < 0 || cp == 0xFFFE || cp == 0xFFFF)
			return 0;
		return i + 1;
	}
	return 0;
}

void svg_escape(FILE *out, const char *str, size_t n)
{
	const uint8_t *s = (const uint8_t *)str;
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		if (c >= 0x80) {
			size_t k = utf8_char_len(s + i, n - i);
			if (k == 0) {
				fputc('?', out);        /* not UTF-8: XML cannot carry it */
				i++;
			} else {
				fwrite(s + i, 1, k, out);
				i += k;
			}
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			/* XML 1.0 §2.2: no C0 control but TAB, LF, CR; DEL is
			 * allowed but invisible, so it goes too. */
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
				c = '?';
			fputc(c, out);
		}
		i++;
	}
}

void svg_begin(struct svg *s, FILE *out, int width, int height, const char *title)
{
	s->out = out;
	s->depth = 0;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<svg xmlns=\"" SVG_NS "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		width, height, width, height);
	s->depth = 1;
	indent(s);
	fputs("<title>", out);
	put_escaped(out, title ? title : "");
	fputs("</title>\n", out);
}

void svg_end(struct svg *s)
{
	assert(s->depth == 1);          /* a group left open */
	s->depth = 0;
	fputs("</svg>\n", s->out);
}

void svg_style(struct svg *s, const char *css)
{
	assert(!strchr(css, '<') && !strchr(css, '&'));
	indent(s);
	fprintf(s->out, "<style>%s</style>\n", css);
}

void svg_marker_arrow(struct svg *s, const char *id, const char *fill)
{
	indent(s);
	fputs("<defs><marker id=\"", s->out);
	put_escaped(s->out, id);
	/* A 10x10 triangle whose tip (10,5) sits on the line's end. */
	fputs("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
	      "markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"", s->out);
	put_escaped(s->out, fill);
	fputs("\"/></marker></defs>\n", s->out);
}

void svg_group_begin(struct svg *s, const char *cls)
{
	indent(s);
	fputs("<g", s->out);
	put_class(s->out, cls);
	fputs(">\n", s->out);
	s->depth++;
}

void svg_group_end(struct svg *s)
{
	assert(s->depth > 1);           /* no group is open */
	s->depth--;
	indent(s);
	fputs("</g>\n", s->out);
}

void svg_line(struct svg *s, int x1, int y1, int x2, int y2, const char *cls,
	      const char *marker_end)
{
	indent(s);
	fprintf(s->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"", x1, y1, x2, y2);
	put_class(s->out, cls);
	if (marker_end) {
		fputs(" marker-end=\"url(#", s->out);
		put_escaped(s->out, marker_end);
		fputs(")\"", s->out);
	}
	fputs("/>\n", s->out);
}

void svg_rect(struct svg *s, int x, int y, int w, int h, const char *cls)
{
	indent(s);
	fprintf(s->out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"", x, y, w, h);
	put_class(s->out, cls);
	fputs("/>\n", s->out);
}

void svg_text(struct svg *s, int x, int y, enum svg_anchor anchor, const char *cls,
	      const char *text)
{
	static const char *const anchors[] = { "start", "middle", "end" };
	indent(s);
	fprintf(s->out, "<text x=\"%d\" y=\"%d\"", x, y);
	if (anchor != SVG_START)
		fprintf(s->out, " text-anchor=\"%s\"", anchors[anchor]);
	put_class(s->out, cls);
	fputc('>', s->out);
	put_escaped(s->out, text);
	fputs("</text>\n", s->out);
}
