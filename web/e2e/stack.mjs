// An isolated stack for one browser test file: the three services from
// built binaries on free ports with their own database, topic prefix and
// Redis key prefix (load/sandbox.py, the machinery the dashboards check
// and the short load run use), and the built app (dist/) served by
// serve.mjs on a free port, its /config.js pointing at that stack. The
// stack allows the app's origin (CORS_ALLOWED_ORIGINS), as `make up` does.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const WEB = new URL('..', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);

/** A socket listening on a free port, kept open until serve.mjs takes it
 * over: a port that were closed in between could go to one of the stack's
 * own services (seen: EADDRINUSE in serve.mjs). */
async function reservePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** shlex-quoted NAME=value lines, as sandbox.py prints them. */
function parseExports(text) {
  const found = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) found[match[1]] = match[2].replace(/^'(.*)'$/, '$1');
  }
  return found;
}

/** `settings`: the services' environment; `page`: serve.mjs options (preferWait). */
export async function startStack(settings = {}, page = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tf-web-'));
  const reserved = await reservePort();
  const origin = `http://127.0.0.1:${reserved.address().port}`;
  const env = { CORS_ALLOWED_ORIGINS: origin, ...settings };
  const args = [join(ROOT, 'load/sandbox.py'), 'up', '--dir', dir];
  if (process.env.BIN_DIR) args.push('--bin-dir', process.env.BIN_DIR);
  for (const [name, value] of Object.entries(env)) args.push('--env', `${name}=${value}`);
  let stdout;
  try {
    ({ stdout } = await run('python3', args, { maxBuffer: 1 << 20 }));
  } catch (error) {
    reserved.close();
    throw error;
  }
  const exported = parseExports(stdout);
  const stack = {
    dir,
    web: origin,
    commandApi: exported.COMMAND_API_URL,
    queryApi: exported.QUERY_API_URL,
    adminKey: exported.ADMIN_KEY,
    server: null,
    async stop() {
      this.server?.kill('SIGTERM');
      await run('python3', [join(ROOT, 'load/sandbox.py'), 'down', '--dir', dir]).catch((error) =>
        console.error(`sandbox down failed: ${error.message}`),
      );
    },
  };
  try {
    stack.server = await serve(reserved, stack, page);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** serve.mjs on the reserved socket, answering once it printed its first line. */
function serve(reserved, stack, page) {
  const args = [join(WEB, 'serve.mjs'), '--port', 'inherit', '--command-api', stack.commandApi, '--query-api', stack.queryApi];
  if (page.preferWait !== undefined) args.push('--prefer-wait', String(page.preferWait));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      reserved.close();
      reject(new Error(`serve.mjs exited (${code})`));
    });
    child.stdout.once('data', () => resolve(child));
    // The child listens on its own copy of the socket; ours only has to go.
    child.send('listen', reserved, (error) => {
      reserved.close();
      if (error) reject(error);
    });
  });
}

/** The admin calls a test needs: a concert with one schedule open now. */
export async function openSchedule(stack, { seats = 6, price = 50_000 } = {}) {
  const admin = async (path, body) => {
    const response = await fetch(stack.commandApi + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Admin-Key': stack.adminKey, Prefer: 'wait=10' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const { concert_id } = await admin('/v1/admin/concerts', { title: 'The Foldbacks: Live', venue: 'Olympic Hall, Seoul' });
  const now = Date.now();
  const { schedule_id } = await admin(`/v1/admin/concerts/${concert_id}/schedules`, {
    starts_at: new Date(now + 30 * 86_400_000).toISOString(),
    booking_opens_at: new Date(now - 60_000).toISOString(),
    seats: Array.from({ length: seats }, (_, i) => ({ number: i + 1, price })),
  });
  return { concertId: concert_id, scheduleId: schedule_id, url: `${stack.web}/schedules/${schedule_id}?concert=${concert_id}` };
}

/** An operator action on a room (pause, resume), as the admin API takes it. */
export async function roomAction(stack, room, action) {
  const response = await fetch(`${stack.commandApi}/v1/admin/queue/rooms/${room}/${action}`, {
    method: 'POST',
    headers: { 'X-Admin-Key': stack.adminKey, 'X-Operator': 'browser-test' },
  });
  if (!response.ok) throw new Error(`${action} ${room}: ${response.status} ${await response.text()}`);
}
