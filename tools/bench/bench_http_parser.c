/* bench_http_parser.c -- how fast src/http reads requests.
 *
 * A built-in corpus of requests shaped like what browsers send (a page
 * load with cookies and client hints, a script, a long poll, an event
 * stream, a WebSocket upgrade, a JSON POST) is parsed over and over for
 * about a second per mode:
 *
 *   whole      each request in one buffer, parsed in one call, body too;
 *   bytewise   each request grown one byte per call, as a slowloris would
 *              send it, resuming every time (O(n) in total, not O(n^2));
 *   floor      memmem() for the CRLFCRLF that ends each head: no checking
 *              at all, the least any parser could do -- the peer the two
 *              modes above are measured against, in the same run.
 *
 * Prints one aligned table and one JSON line.  Usage: bench_http_parser [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_body.h"
#include "http/http_parser.h"

static const char *const corpus[] = {
	"GET /articles/event-driven-io HTTP/1.1\r\n"
	"Host: www.example.org\r\n"
	"Connection: keep-alive\r\n"
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n"
	"sec-ch-ua-mobile: ?0\r\n"
	"sec-ch-ua-platform: \"Linux\"\r\n"
	"Upgrade-Insecure-Requests: 1\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
	"Chrome/124.0.0.0 Safari/537.36\r\n"
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
	"image/apng,*/*;q=0.8\r\n"
	"Sec-Fetch-Site: same-origin\r\n"
	"Sec-Fetch-Mode: navigate\r\n"
	"Sec-Fetch-User: ?1\r\n"
	"Sec-Fetch-Dest: document\r\n"
	"Referer: https://www.example.org/articles/\r\n"
	"Accept-Encoding: gzip, deflate, br, zstd\r\n"
	"Accept-Language: en-GB,en;q=0.9,fr;q=0.8\r\n"
	"Cookie: session=7f3a9c2e51d04b8a; theme=dark; consent=analytics%3Dno%26ads%3Dno; "
	"_ga=GA1.1.1234567890.1700000000\r\n"
	"\r\n",

	"GET /static/app.3f9e1c.js HTTP/1.1\r\n"
	"Host: www.example.org\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n"
	"Accept: */*\r\n"
	"Accept-Language: en-US,en;q=0.5\r\n"
	"Accept-Encoding: gzip, deflate, br\r\n"
	"Referer: https://www.example.org/articles/event-driven-io\r\n"
	"Connection: keep-alive\r\n"
	"Cookie: session=7f3a9c2e51d04b8a; theme=dark\r\n"
	"Sec-Fetch-Dest: script\r\n"
	"Sec-Fetch-Mode: no-cors\r\n"
	"Sec-Fetch-Site: same-origin\r\n"
	"If-None-Match: \"5e1f-18c4a2b9d10\"\r\n"
	"\r\n",

	"GET /poll?since=18342&timeout=30000 HTTP/1.1\r\n"
	"Host: 127.0.0.1:8080\r\n"
	"Connection: keep-alive\r\n"
	"sec-ch-ua-platform: \"Linux\"\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
	"Chrome/124.0.0.0 Safari/537.36\r\n"
	"Accept: application/json\r\n"
	"sec-ch-ua-mobile: ?0\r\n"
	"Sec-Fetch-Site: same-origin\r\n"
	"Sec-Fetch-Mode: cors\r\n"
	"Sec-Fetch-Dest: empty\r\n"
	"Referer: http://127.0.0.1:8080/\r\n"
	"Accept-Encoding: gzip, deflate, br, zstd\r\n"
	"Accept-Language: en-GB,en;q=0.9\r\n"
	"\r\n",

	"GET /events HTTP/1.1\r\n"
	"Host: 127.0.0.1:8080\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n"
	"Accept: text/event-stream\r\n"
	"Accept-Language: en-US,en;q=0.5\r\n"
	"Accept-Encoding: gzip, deflate, br\r\n"
	"Referer: http://127.0.0.1:8080/\r\n"
	"Last-Event-ID: 18342\r\n"
	"Connection: keep-alive\r\n"
	"Sec-Fetch-Dest: empty\r\n"
	"Sec-Fetch-Mode: cors\r\n"
	"Sec-Fetch-Site: same-origin\r\n"
	"Pragma: no-cache\r\n"
	"Cache-Control: no-cache\r\n"
	"\r\n",

	"GET /ws HTTP/1.1\r\n"
	"Host: 127.0.0.1:8080\r\n"
	"Connection: Upgrade\r\n"
	"Pragma: no-cache\r\n"
	"Cache-Control: no-cache\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
	"Chrome/124.0.0.0 Safari/537.36\r\n"
	"Upgrade: websocket\r\n"
	"Origin: http://127.0.0.1:8080\r\n"
	"Sec-WebSocket-Version: 13\r\n"
	"Accept-Encoding: gzip, deflate, br, zstd\r\n"
	"Accept-Language: en-GB,en;q=0.9\r\n"
	"Sec-WebSocket-Key: q4xkcO32u266gldTuKaSOw==\r\n"
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
	"\r\n",

	"POST /publish HTTP/1.1\r\n"
	"Host: 127.0.0.1:8080\r\n"
	"Connection: keep-alive\r\n"
	"Content-Length: 61\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n"
	"Accept: */*\r\n"
	"Accept-Language: en-US,en;q=0.5\r\n"
	"Accept-Encoding: gzip, deflate, br\r\n"
	"Content-Type: application/json\r\n"
	"Origin: http://127.0.0.1:8080\r\n"
	"Referer: http://127.0.0.1:8080/\r\n"
	"Sec-Fetch-Dest: empty\r\n"
	"Sec-Fetch-Mode: cors\r\n"
	"Sec-Fetch-Site: same-origin\r\n"
	"\r\n"
	"{\"topic\":\"prices\",\"data\":{\"symbol\":\"ACME\",\"price\":1234.5678}}",
};

#define NCORPUS (sizeof corpus / sizeof corpus[0])

static size_t corpus_len[NCORPUS];
static volatile size_t sink;      /* keeps the work from being optimised away */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request, whole: the head, then the body in place. */
static size_t parse_whole(char *buf, size_t len)
{
	struct http_header h[32];
	struct http_request req = { .headers = h, .header_cap = 32 };
	struct http_parser p = { 0 };
	struct http_body b;
	size_t body_len;

	ssize_t n = http_request_parse(&p, buf, len, &req, NULL);
	if (n <= 0)
		abort();
	http_body_init_request(&b, &req, NULL);
	ssize_t m = http_body_decode_in_place(&b, buf + n, len - (size_t)n, &body_len);
	if (m < 0)
		abort();
	return req.num_headers + body_len;
}

/* One request, one more byte per call (the body, too). */
static size_t parse_bytewise(char *buf, size_t len)
{
	struct http_header h[32];
	struct http_request req = { .headers = h, .header_cap = 32 };
	struct http_parser p = { 0 };
	struct http_body b;
	size_t k = 1, body_len = 0;
	ssize_t n;

	while ((n = http_request_parse(&p, buf, k, &req, NULL)) == HTTP_INCOMPLETE && k < len)
		k++;
	if (n <= 0)
		abort();
	http_body_init_request(&b, &req, NULL);
	for (size_t have = (size_t)n; !http_body_done(&b); have++)
		if (http_body_decode_in_place(&b, buf + n, have - (size_t)n, &body_len) == HTTP_INVALID)
			abort();
	return req.num_headers + body_len;
}

/* The peer: just find the end of the head. */
static size_t scan_floor(char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		abort();
	return (size_t)(end - buf);
}

struct result {
	const char *mode;
	double seconds;
	unsigned long long requests, bytes;
};

static struct result measure(const char *mode, size_t (*fn)(char *, size_t),
			     char **copies, double budget)
{
	struct result r = { .mode = mode };
	double t0 = now_s(), t;

	do {
		for (int rep = 0; rep < 64; rep++) {
			for (size_t i = 0; i < NCORPUS; i++) {
				sink += fn(copies[i], corpus_len[i]);
				r.bytes += corpus_len[i];
			}
			r.requests += NCORPUS;
		}
		t = now_s();
	} while (t - t0 < budget);
	r.seconds = t - t0;
	return r;
}

int main(int argc, char **argv)
{
	double budget = argc > 1 ? atof(argv[1]) : 1.0;
	char *copies[NCORPUS];

	if (budget <= 0) {
		fprintf(stderr, "usage: bench_http_parser [seconds]\n");
		return 2;
	}
	for (size_t i = 0; i < NCORPUS; i++) {
		corpus_len[i] = strlen(corpus[i]);
		copies[i] = malloc(corpus_len[i]);      /* writable, exact size */
		memcpy(copies[i], corpus[i], corpus_len[i]);
	}

	struct result rs[3];
	rs[0] = measure("whole", parse_whole, copies, budget);
	rs[1] = measure("bytewise", parse_bytewise, copies, budget);
	rs[2] = measure("floor (memmem)", scan_floor, copies, budget);

	unsigned long long total = 0;
	for (size_t i = 0; i < NCORPUS; i++)
		total += corpus_len[i];
	printf("corpus: %zu requests, %llu bytes, mean %.0f bytes\n\n",
	       NCORPUS, total, (double)total / NCORPUS);
	printf("%-16s %14s %10s %12s %10s\n", "mode", "requests/s", "MB/s", "ns/request", "vs floor");
	double floor_ns = rs[2].seconds * 1e9 / (double)rs[2].requests;
	for (int i = 0; i < 3; i++) {
		double rps = (double)rs[i].requests / rs[i].seconds;
		double mbs = (double)rs[i].bytes / rs[i].seconds / 1e6;
		double ns = rs[i].seconds * 1e9 / (double)rs[i].requests;
		printf("%-16s %14.0f %10.1f %12.1f %9.1fx\n", rs[i].mode, rps, mbs, ns, ns / floor_ns);
	}
	printf("\n{\"bench\":\"http_parser\",\"corpus_bytes\":%llu,\"results\":[", total);
	for (int i = 0; i < 3; i++)
		printf("%s{\"mode\":\"%s\",\"requests_per_s\":%.0f,\"mb_per_s\":%.1f}",
		       i ? "," : "", rs[i].mode,
		       (double)rs[i].requests / rs[i].seconds,
		       (double)rs[i].bytes / rs[i].seconds / 1e6);
	printf("]}\n");
	for (size_t i = 0; i < NCORPUS; i++)
		free(copies[i]);
	return 0;
}
