/* xmlcheck.h -- is this SVG well-formed XML?  A checker for tests.
 *
 * Enough of XML 1.0 (W3C, fifth edition) to hold the project's SVG
 * writer to the rules a browser's XML parser enforces, without a library:
 *   - an optional XML declaration, comments, then exactly one root element,
 *     <svg>, carrying xmlns="http://www.w3.org/2000/svg" (SVG 1.1 §5.1.2);
 *   - names (§2.3) start with a letter, '_' or ':'; tags nest and close in
 *     order; an empty-element tag ends with "/>";
 *   - attributes are name="value" or name='value', each name once per tag
 *     (§3.1), with no '<' in a value;
 *   - every '&' starts one of the five predefined entities or a character
 *     reference (§4.1, §4.6); "]]>" never appears in text (§2.4);
 *   - the document is valid UTF-8 with no character XML forbids (§2.2:
 *     C0 controls other than TAB, LF, CR);
 *   - nothing but whitespace and comments outside the root.
 * Not checked: DTDs (refused outright), CDATA sections (refused: the
 * writer emits none), processing instructions after the declaration
 * (refused), and anything SVG-specific beyond the root.
 */
#ifndef PUSHPULL_TESTS_XMLCHECK_H
#define PUSHPULL_TESTS_XMLCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True when doc[0..len) is a well-formed SVG document as above.  Else
 * false, with a reason and the byte offset it was found at in why[0..cap)
 * ("offset 120: </g> closes <text>"). */
bool xmlcheck_svg(const char *doc, size_t len, char *why, size_t cap);

/* How many elements named 'name' the document has whose class attribute
 * holds the token 'cls' (NULL: any class, or none).  Counts only in a
 * document xmlcheck_svg() accepts; 0 for one it refuses. */
size_t xmlcheck_count(const char *doc, size_t len, const char *name, const char *cls);

#endif
