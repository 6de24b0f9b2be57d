// Following a 202 to its outcome: command-api answers `202` with a
// `Location` (an absolute URL of query-api) that reads PENDING until the
// command is decided. Polled no sooner than its Retry-After, else 0.5 s.
import { guestId } from '../guest';
import { problemOf, ProblemError } from './client';

const PATIENCE_MS = 60_000;

export async function follow<T extends { status: string }>(location: string): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const response = await fetch(location, { headers: { 'X-User-Id': guestId() } }).catch(() => null);
    if (response?.ok) {
      const body = (await response.json()) as T;
      if (body.status !== 'PENDING') return body;
    } else if (response && response.status !== 503) {
      throw new ProblemError(problemOf(await response.json().catch(() => null), response));
    }
    if (Date.now() > deadline) {
      throw new ProblemError(problemOf(null));
    }
    const retryAfter = Number(response?.headers.get('Retry-After'));
    await sleep(retryAfter > 0 ? retryAfter * 1000 : 500);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
