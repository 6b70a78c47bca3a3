// ws_echo_server.js -- the WebSocket peer of `make bench`: an echo server
// on node's `ws` package, the way such a server is usually written.
//
//   node ws_echo_server.js PORT
//
// Every message is sent back as it came (text as text, binary as binary),
// on any path.  Compression is off (pushpull negotiates no extension
// either).  If the optional `bufferutil` package is installed, `ws` uses
// it to mask and unmask frames in C, as its documentation recommends for
// production; run.sh installs it when it can.
//
// Prints "listening PORT" once it accepts connections.  SIGTERM and SIGINT
// end it.
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 0);

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('WebSocket only\n');
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', () => {});      // a client that vanished: nothing to do
});

server.listen(port, '127.0.0.1', 511, () => {
  console.log(`listening ${server.address().port}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
