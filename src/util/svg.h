/* svg.h -- a minimal SVG writer: a picture is text too.
 *
 * Enough of SVG 1.1 to draw a sequence diagram or a bar chart: a document
 * with a title and a style sheet, an arrowhead marker, groups, lines,
 * rectangles and text.  Everything goes to a FILE * the caller opened
 * (a file, stdout, or open_memstream() in a test); nothing is allocated
 * and nothing is opened here.
 *
 * Deterministic output.  Coordinates are whole pixels, printed with "%d"
 * (no locale puts a separator in an integer); attributes are always in
 * the same order, one element per line, indented two spaces per level.
 * The same calls give the same bytes, so a picture can be compared with
 * a golden file.
 *
 * Text.  Every string that reaches the document -- titles, classes, the
 * text of a <text> -- goes through svg_escape(): & < > " ' become
 * entities, and what XML 1.0 cannot carry at all (control characters
 * other than tab and line ends, bytes that are not valid UTF-8, U+FFFE
 * and U+FFFF) becomes '?'.  So any bytes make a well-formed document.
 *
 * Errors.  Calls return nothing: a write error sticks in the stream, and
 * the caller checks ferror(out) (or the result of fclose) once at the end.
 * Nesting is checked with assert(): every svg_group_begin() needs its
 * svg_group_end() before svg_end().
 *
 * Read next: paradigms/ladder.h, which draws packet ladders and cost
 * charts with this.
 */
#ifndef PUSHPULL_UTIL_SVG_H
#define PUSHPULL_UTIL_SVG_H

#include <stddef.h>
#include <stdio.h>

/* One document being written.  Fields are private. */
struct svg {
	FILE *out;
	int depth;              /* open elements: the <svg> and its groups */
};

/* Where a <text> is anchored at its x (the SVG text-anchor property). */
enum svg_anchor { SVG_START, SVG_MIDDLE, SVG_END };

/* Writes the XML declaration, the <svg> root (SVG namespace, width,
 * height and a matching viewBox) and a <title> holding 'title'. */
void svg_begin(struct svg *s, FILE *out, int width, int height, const char *title);

/* Closes the root.  Every group must be closed first. */
void svg_end(struct svg *s);

/* A <style> element.  'css' is written as it is, so it must hold no '<'
 * and no '&' (the caller's constant text, not data). */
void svg_style(struct svg *s, const char *css);

/* <defs> with one arrowhead <marker> named 'id', a triangle filled with
 * 'fill' (a CSS colour), pointing along the line at its end.  A line
 * refers to it with svg_line(..., marker_end = id). */
void svg_marker_arrow(struct svg *s, const char *id, const char *fill);

/* <g class="cls"> ... </g>.  'cls' may be NULL (no class). */
void svg_group_begin(struct svg *s, const char *cls);
void svg_group_end(struct svg *s);

/* <line> from (x1,y1) to (x2,y2).  'cls' may be NULL; 'marker_end', the
 * id of a marker, may be NULL (no arrowhead). */
void svg_line(struct svg *s, int x1, int y1, int x2, int y2, const char *cls,
	      const char *marker_end);

/* <rect> with its top-left corner at (x,y).  'cls' may be NULL. */
void svg_rect(struct svg *s, int x, int y, int w, int h, const char *cls);

/* <text> with its baseline at y, anchored at x.  'cls' may be NULL. */
void svg_text(struct svg *s, int x, int y, enum svg_anchor anchor, const char *cls,
	      const char *text);

/* Writes s[0..n) escaped for XML text or a quoted attribute value (the
 * rules are at the top of this file). */
void svg_escape(FILE *out, const char *s, size_t n);

#endif
