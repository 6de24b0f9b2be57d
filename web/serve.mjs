// A tiny static server for the built app (dist/), with no dependency: one
// build serves any stack, because /config.js, which tells the page where
// command-api and query-api are, is written from the arguments here.
// Any other path without a file (e.g. /schedules/<id>) gets index.html, so
// the page's own routes load on a reload or from a link.
// `--port inherit` takes a socket that is already listening from the parent
// process (over the IPC channel): a test that picked the port and told the
// services about it before this starts, so nothing else can take it between.
//
//   node serve.mjs [--host 127.0.0.1] [--port 8083 | --port inherit] [--dir dist]
//                  [--command-api http://127.0.0.1:8080] [--query-api http://127.0.0.1:8081]
//                  [--prefer-wait SECONDS]   (sent as Prefer: wait=SECONDS on commands)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8083' },
    dir: { type: 'string', default: new URL('./dist', import.meta.url).pathname },
    'command-api': { type: 'string', default: 'http://127.0.0.1:8080' },
    'query-api': { type: 'string', default: 'http://127.0.0.1:8081' },
    'prefer-wait': { type: 'string' },
  },
});

const root = resolve(options.dir);
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};
const config = `window.TICKETFOLD_CONFIG = ${JSON.stringify({
  commandApi: options['command-api'],
  queryApi: options['query-api'],
  ...(options['prefer-wait'] === undefined ? {} : { preferWait: Number(options['prefer-wait']) }),
})};\n`;

async function file(path) {
  // normalize() keeps a request inside root: no '..' survives it.
  const full = join(root, normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, ''));
  if (!full.startsWith(root)) return null;
  const info = await stat(full).catch(() => null);
  return info?.isFile() ? full : null;
}

const server = createServer(async (request, response) => {
  try {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/config.js') {
      response.writeHead(200, { 'Content-Type': types['.js'], 'Cache-Control': 'no-store' }).end(config);
      return;
    }
    let found = await file(path);
    if (!found && !extname(path)) found = join(root, 'index.html');
    if (!found) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const body = await readFile(found);
    response
      .writeHead(200, { 'Content-Type': types[extname(found)] ?? 'application/octet-stream' })
      .end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    response.writeHead(500, { 'Content-Type': 'text/plain' }).end('error\n');
    console.error(error);
  }
});

function announce() {
  const { address, port } = server.address();
  // The first line tells a parent process (the browser tests) the port.
  console.log(`serving ${root} on http://${address}:${port}/`);
}
if (options.port === 'inherit') {
  if (!process.send) throw new Error('--port inherit needs an IPC channel to a parent that sends the socket');
  process.once('message', (_message, handle) => {
    server.listen(handle, () => {
      process.disconnect();
      announce();
    });
  });
} else {
  server.listen(Number(options.port), options.host, announce);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
