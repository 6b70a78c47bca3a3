// sse_server.js -- the Server-Sent Events peer of `make bench`: the same
// contract as `pushpull serve`, on node's own `http` module.
//
//   node sse_server.js PORT
//
//   GET  /events             text/event-stream: "retry: 2000", then, for
//                            every event published from now on,
//                                id: <seq>
//                                event: <type>
//                                data: <one line per line of the text>
//                            and ":" every 15 s while nothing else was sent
//   POST /publish[?type=T]   appends the body (UTF-8 text) as event number
//                            seq, writes it to every stream, answers
//                            {"seq":N}
//
// The bytes of an event are made once and written to every stream, as
// pushpull does.  Node answers HTTP/1.1 streams chunked, as pushpull does.
// Prints "listening PORT" once it accepts connections.
'use strict';

const http = require('http');

const port = Number(process.argv[2] || 0);
const RETRY_MS = 2000;
const HEARTBEAT_MS = 15000;
const TYPE_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;    // a token, as the feed wants

const streams = new Set();
let seq = 0;
let lastSent = Date.now();

// One event in the event-stream format; a line break of any kind in the
// text starts a new data line.
function eventBytes(n, type, text) {
  let s = `id: ${n}\nevent: ${type}\n`;
  for (const line of text.split(/\r\n|\r|\n/)) {
    s += line === '' ? 'data:\n' : `data: ${line}\n`;
  }
  return Buffer.from(s + '\n', 'utf8');
}

function answer(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function onEvents(req, res) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.write(`retry: ${RETRY_MS}\n`);
  streams.add(res);
  res.on('close', () => streams.delete(res));
}

function onPublish(req, res, query) {
  const type = query.get('type') || 'message';
  if (!TYPE_RE.test(type)) {
    answer(res, 400, 'text/plain; charset=utf-8', 'type must be a token of at most 32 characters\n');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const text = body.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(body)) {
      answer(res, 400, 'text/plain; charset=utf-8', 'the event must be UTF-8 text\n');
      return;
    }
    seq += 1;
    const bytes = eventBytes(seq, type, text);
    for (const s of streams) s.write(bytes);
    lastSent = Date.now();
    answer(res, 200, 'application/json', `{"seq":${seq}}`);
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/events' && req.method === 'GET') {
    onEvents(req, res);
  } else if (url.pathname === '/publish' && req.method === 'POST') {
    onPublish(req, res, url.searchParams);
  } else {
    answer(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
});

setInterval(() => {
  if (Date.now() - lastSent + 5 < HEARTBEAT_MS) return;
  for (const s of streams) s.write(':\n');
  lastSent = Date.now();
}, HEARTBEAT_MS).unref();

server.listen(port, '127.0.0.1', 511, () => {
  console.log(`listening ${server.address().port}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
