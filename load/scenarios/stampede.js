// stampede: the reservation load while the cached read model is dropped
// from Redis every few seconds, the way expiring entries left it in the
// incident (p95 5.74 s). With CACHE_STRATEGY=naive every miss rebuilds from
// the database; protected must keep booking requests under 1 s anyway.
//
// The dropper deletes the read model's entries (<REDIS_KEY_PREFIX>rm:*, see
// infra/src/read_model/keys.rs) but not its fill leases: entries expiring is
// the incident; the protection against it stays in place.
// STAMPEDE_DROP_PATTERN overrides what is dropped.

import redis from 'k6/experimental/redis';
import { Counter } from 'k6/metrics';
import { number, REDIS_KEY_PREFIX, REDIS_URL } from '../lib/config.js';
import { bookingJourney } from '../lib/fan.js';
import { options as judged } from '../lib/options.js';
import { summarize } from '../lib/summary.js';
import { BOOKING_ENDPOINTS, fansScenario, fanStages, openBooking } from './reservation.js';

const entriesDropped = new Counter('cache_entries_dropped');
const dropEvery = number('DROP_EVERY_SECONDS', 2, 1);
const pattern = __ENV.STAMPEDE_DROP_PATTERN || `${REDIS_KEY_PREFIX}rm:*`;
const kept = `${REDIS_KEY_PREFIX}rm:lease:`;
const client = new redis.Client(REDIS_URL);

function seconds(duration) {
  return Number(duration.replace(/s$/, ''));
}

const loadSeconds = fanStages().reduce((total, stage) => total + seconds(stage.duration), 0);

export const options = judged(
  {
    fans: fansScenario(),
    dropper: {
      executor: 'constant-arrival-rate',
      exec: 'dropCache',
      rate: 1,
      timeUnit: `${dropEvery}s`,
      duration: `${loadSeconds}s`,
      preAllocatedVUs: 1,
      maxVUs: 2,
    },
  },
  BOOKING_ENDPOINTS,
);

export function setup() {
  return openBooking('stampede');
}

export async function fan(catalog) {
  await bookingJourney(catalog);
}

export async function dropCache() {
  let cursor = '0';
  do {
    const [next, keys] = await client.sendCommand('SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000');
    cursor = String(next);
    const doomed = keys.filter((key) => !key.startsWith(kept));
    if (doomed.length > 0) {
      entriesDropped.add(await client.del(...doomed));
    }
  } while (cursor !== '0');
}

export const handleSummary = summarize('stampede');
