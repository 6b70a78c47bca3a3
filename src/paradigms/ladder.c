/* ladder.c -- the text and SVG ladders and the cost chart of ladder.h,
 * which holds the contract; ladder_describe.c names what each arrow
 * carries.
 *
 * The writers are plain loops over the arrows, one function per element
 * kind; all sizes are named constants below, so the pictures can be
 * re-laid out in one place.
 */
#include "paradigms/ladder_private.h"
#include "util/svg.h"

#include <stdarg.h>
#include <string.h>

/* --- the text ladder ---------------------------------------------------------- */

#define TEXT_TIME_W   12        /* "   0.035 ms", up to "99999.999 ms" */
#define TEXT_GAP      2
#define TEXT_ARROW_W  (LADDER_TEXT_WIDTH - TEXT_TIME_W - TEXT_GAP)     /* "|...|" */
#define TEXT_INNER_W  (TEXT_ARROW_W - 2)

/* What an arrow says: "RETX PSH ACK 92 B  GET /score".  The parts are
 * separated by 'sep' before the label (two spaces in text, one in SVG). */
static void arrow_text(const struct ladder_arrow *a, const char *sep, char *out, size_t cap)
{
	static const struct { uint8_t bit; const char *name; } flags[] = {
		{ LADDER_SYN, "SYN" }, { LADDER_FIN, "FIN" }, { LADDER_RST, "RST" },
		{ LADDER_PSH, "PSH" }, { LADDER_ACK, "ACK" }, { LADDER_URG, "URG" },
		{ LADDER_ECE, "ECE" }, { LADDER_CWR, "CWR" },
	};
	size_t len = 0;
	out[0] = '\0';
	if (a->retransmit)
		ladder__put(out, cap, &len, "RETX");
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (a->tcp_flags & flags[i].bit)
			ladder__put(out, cap, &len, "%s%s", len ? " " : "", flags[i].name);
	if (a->bytes > 0 || (len == 0 && !a->what[0]))
		ladder__put(out, cap, &len, "%s%lu B", len ? " " : "", (unsigned long)a->bytes);
	if (a->what[0])
		ladder__put(out, cap, &len, "%s%.*s", sep, LADDER_WHAT_MAX - 1, a->what);
	if (len >= cap && cap > 4)
		memcpy(out + cap - 4, "...", 3);
}

/* "1234.567 ms" */
static void time_text(uint64_t t_us, char *out, size_t cap)
{
	snprintf(out, cap, "%llu.%03u ms", (unsigned long long)(t_us / 1000),
		 (unsigned)(t_us % 1000));
}

/* True when the diagram has more than one connection. */
static bool many_conns(const struct ladder *l)
{
	for (size_t i = 1; i < l->n; i++)
		if (l->arrows[i].conn != l->arrows[0].conn)
			return true;
	return false;
}

static void text_divider(FILE *out, uint32_t conn)
{
	char name[32];
	int n = snprintf(name, sizeof name, " connection %lu ", (unsigned long)conn + 1);
	int left = (TEXT_INNER_W - n) / 2, right = TEXT_INNER_W - n - left;
	fprintf(out, "%*s|", TEXT_TIME_W + TEXT_GAP, "");
	for (int i = 0; i < left; i++)
		fputc('.', out);
	fputs(name, out);
	for (int i = 0; i < right; i++)
		fputc('.', out);
	fputs("|\n", out);
}

static void text_arrow(FILE *out, const struct ladder_arrow *a)
{
	char t[32], label[TEXT_INNER_W - 6];
	time_text(a->t_us, t, sizeof t);
	/* A time too wide for its column (over 100 s) pushes the arrow
	 * right; the label gives up the room, so the line keeps its width. */
	int over = (int)strlen(t) > TEXT_TIME_W ? (int)strlen(t) - TEXT_TIME_W : 0;
	arrow_text(a, "  ", label, sizeof label - (size_t)over);
	/* "--- label ---->" to the server, "<-- label -----" to the client */
	int dashes = TEXT_INNER_W - over - 4 - (int)strlen(label) - 1;
	fprintf(out, "%*s%*s|%s %s ", TEXT_TIME_W, t, TEXT_GAP, "", a->to_server ? "---" : "<--",
		label);
	for (int i = 0; i < dashes - 1; i++)
		fputc('-', out);
	fputs(a->to_server ? ">|\n" : "-|\n", out);
}

void ladder_write_text(FILE *out, const struct ladder *l)
{
	fprintf(out, "%s -- %s, ", l->title ? l->title : "", l->source ? l->source : "");
	if (l->total > l->n)
		fprintf(out, "first %zu of %zu\n", l->n, l->total);
	else
		fprintf(out, "%zu arrow%s\n", l->n, l->n == 1 ? "" : "s");
	fprintf(out, "%*s%*s%-*sserver\n", TEXT_TIME_W, "time", TEXT_GAP, "", TEXT_ARROW_W - 6,
		"client");
	bool conns = many_conns(l);
	for (size_t i = 0; i < l->n; i++) {
		const struct ladder_arrow *a = &l->arrows[i];
		if (conns && (i == 0 || a->conn != l->arrows[i - 1].conn))
			text_divider(out, a->conn);
		text_arrow(out, a);
	}
}

/* --- the SVG ladder ------------------------------------------------------------ */

#define SVG_W         820
#define SVG_TIME_X    92        /* right edge of the time column */
#define SVG_CLIENT_X  120
#define SVG_SERVER_X  790
#define SVG_TOP       72        /* lifelines start */
#define SVG_ROW       26
#define SVG_SLANT     8         /* how far an arrow drops: it takes time to cross */

static const char ladder_css[] =
	"text{font-family:monospace;font-size:11px;fill:#222}"
	".title{font-size:14px;font-weight:bold}.source{fill:#666}"
	".life{stroke:#888;stroke-width:2}.arrow{stroke-width:1.5}"
	".c2s{stroke:#1f5fa8}.s2c{stroke:#2e7d32}"
	".retransmit{stroke:#c62828;stroke-dasharray:5 3}"
	".conn{stroke:#aaa;stroke-dasharray:2 4}.bar{fill:#4a78b5}";

static void svg_heading(struct svg *s, const struct ladder *l, int height)
{
	char sub[160];
	if (l->total > l->n)
		snprintf(sub, sizeof sub, "%s, first %zu of %zu", l->source ? l->source : "",
			 l->n, l->total);
	else
		snprintf(sub, sizeof sub, "%s, %zu arrow%s", l->source ? l->source : "", l->n,
			 l->n == 1 ? "" : "s");
	svg_text(s, 10, 20, SVG_START, "title", l->title ? l->title : "");
	svg_text(s, 10, 38, SVG_START, "source", sub);
	svg_text(s, SVG_CLIENT_X, SVG_TOP - 8, SVG_MIDDLE, "who", "client");
	svg_text(s, SVG_SERVER_X, SVG_TOP - 8, SVG_MIDDLE, "who", "server");
	svg_line(s, SVG_CLIENT_X, SVG_TOP, SVG_CLIENT_X, height - 12, "life", NULL);
	svg_line(s, SVG_SERVER_X, SVG_TOP, SVG_SERVER_X, height - 12, "life", NULL);
}

static void svg_divider(struct svg *s, int y, uint32_t conn)
{
	char name[32];
	snprintf(name, sizeof name, "connection %lu", (unsigned long)conn + 1);
	svg_line(s, SVG_CLIENT_X, y, SVG_SERVER_X, y, "conn", NULL);
	svg_text(s, (SVG_CLIENT_X + SVG_SERVER_X) / 2, y - 4, SVG_MIDDLE, "conn-name", name);
}

static void svg_arrow(struct svg *s, int y, const struct ladder_arrow *a)
{
	char t[32], label[LADDER_WHAT_MAX + 40];
	time_text(a->t_us, t, sizeof t);
	arrow_text(a, " ", label, sizeof label);
	const char *cls = a->to_server ? (a->retransmit ? "arrow c2s retransmit" : "arrow c2s")
				       : (a->retransmit ? "arrow s2c retransmit" : "arrow s2c");
	int x1 = a->to_server ? SVG_CLIENT_X : SVG_SERVER_X;
	int x2 = a->to_server ? SVG_SERVER_X : SVG_CLIENT_X;
	svg_text(s, SVG_TIME_X, y + 4, SVG_END, "time", t);
	svg_line(s, x1, y - SVG_SLANT / 2, x2, y + SVG_SLANT / 2, cls,
		 a->to_server ? "head-c2s" : "head-s2c");
	svg_text(s, (SVG_CLIENT_X + SVG_SERVER_X) / 2, y - 6, SVG_MIDDLE, "label", label);
}

/* Rows: one per arrow, one per connection divider. */
static size_t svg_rows(const struct ladder *l)
{
	size_t rows = l->n;
	if (many_conns(l))
		for (size_t i = 0; i < l->n; i++)
			rows += i == 0 || l->arrows[i].conn != l->arrows[i - 1].conn;
	return rows;
}

void ladder_write_svg(FILE *out, const struct ladder *l)
{
	struct svg s;
	int height = SVG_TOP + 16 + (int)svg_rows(l) * SVG_ROW + 12;
	svg_begin(&s, out, SVG_W, height, l->title ? l->title : "ladder");
	svg_style(&s, ladder_css);
	svg_marker_arrow(&s, "head-c2s", "#1f5fa8");
	svg_marker_arrow(&s, "head-s2c", "#2e7d32");
	svg_heading(&s, l, height);
	bool conns = many_conns(l);
	int y = SVG_TOP + 16 + SVG_ROW / 2;
	svg_group_begin(&s, "arrows");
	for (size_t i = 0; i < l->n; i++) {
		const struct ladder_arrow *a = &l->arrows[i];
		if (conns && (i == 0 || a->conn != l->arrows[i - 1].conn)) {
			svg_divider(&s, y, a->conn);
			y += SVG_ROW;
		}
		svg_arrow(&s, y, a);
		y += SVG_ROW;
	}
	svg_group_end(&s);
	svg_end(&s);
}

/* --- the cost chart --------------------------------------------------------------- */

#define CHART_W        720
#define CHART_NAME_X   130      /* right edge of the row names */
#define CHART_BAR_X    140
#define CHART_BAR_MAX  480      /* the largest value's bar */
#define CHART_BAR_H    14
#define CHART_ROW      20
#define CHART_HEAD     26       /* a panel's title line */
#define CHART_GAP      14       /* between panels */

/* 'v' with 'dec' decimals: 150, 2 -> "1.50". */
static void fixed_text(uint64_t v, unsigned dec, char *out, size_t cap)
{
	uint64_t p = 1;
	if (dec > 9)
		dec = 9;
	for (unsigned i = 0; i < dec; i++)
		p *= 10;
	if (dec == 0)
		snprintf(out, cap, "%llu", (unsigned long long)v);
	else
		snprintf(out, cap, "%llu.%0*llu", (unsigned long long)(v / p), (int)dec,
			 (unsigned long long)(v % p));
}

static int chart_panel_h(const struct ladder_chart *c)
{
	return CHART_HEAD + (int)c->nrows * CHART_ROW + CHART_GAP;
}

static void chart_panel(struct svg *s, const struct ladder_chart *c, size_t m, int y)
{
	uint64_t max = 0;
	for (size_t r = 0; r < c->nrows; r++)
		if (c->values[r * c->nmetrics + m] > max)
			max = c->values[r * c->nmetrics + m];
	svg_group_begin(s, "panel");
	svg_text(s, 10, y + 16, SVG_START, "metric", c->metrics[m]);
	for (size_t r = 0; r < c->nrows; r++) {
		uint64_t v = c->values[r * c->nmetrics + m];
		int top = y + CHART_HEAD + (int)r * CHART_ROW;
		/* The same scale for every bar of the panel; a value above 0
		 * gets at least a pixel, so it does not read as nothing. */
		int w = max ? (int)((double)v / (double)max * CHART_BAR_MAX + 0.5) : 0;
		if (v > 0 && w == 0)
			w = 1;
		char text[32];
		fixed_text(v, c->decimals ? c->decimals[m] : 0, text, sizeof text);
		svg_text(s, CHART_NAME_X, top + 11, SVG_END, "row", c->rows[r]);
		svg_rect(s, CHART_BAR_X, top, w, CHART_BAR_H, "bar");
		svg_text(s, CHART_BAR_X + w + 6, top + 11, SVG_START, "value", text);
	}
	svg_group_end(s);
}

void ladder_chart_write_svg(FILE *out, const struct ladder_chart *c)
{
	struct svg s;
	int height = 40 + (int)c->nmetrics * chart_panel_h(c);
	svg_begin(&s, out, CHART_W, height, c->title ? c->title : "costs");
	svg_style(&s, ladder_css);
	svg_text(&s, 10, 20, SVG_START, "title", c->title ? c->title : "");
	for (size_t m = 0; m < c->nmetrics; m++)
		chart_panel(&s, c, m, 40 + (int)m * chart_panel_h(c));
	svg_end(&s);
}
