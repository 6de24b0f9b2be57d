// Test data through the admin API: one concert whose schedules open for
// booking a few seconds after set-up, the moment the load begins. Creating
// them shortly before the opening is also what gives the projector its
// warm-up to run (CACHE_WARM_LEAD_SECONDS ahead, here: at once).

import { sleep } from 'k6';
import { ADMIN_KEY } from './config.js';
import { adminPost } from './api.js';

const PRICES = [50000, 70000, 90000, 120000];

export function createCatalog({ schedules, seatsPerSchedule, opensInSeconds, label }) {
  if (!ADMIN_KEY) {
    throw new Error('ADMIN_KEY is not set (load/run.sh reads it from .run/admin_key)');
  }
  const stamp = new Date().toISOString();
  const concert = adminPost('/v1/admin/concerts', { title: `${label} ${stamp}`, venue: 'k6 arena' }, 'admin_concert');
  const opensAt = new Date(Date.now() + opensInSeconds * 1000);
  const startsAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const seats = [];
  for (let number = 1; number <= seatsPerSchedule; number += 1) {
    seats.push({ number, price: PRICES[number % PRICES.length] });
  }
  const created = [];
  for (let i = 0; i < schedules; i += 1) {
    const schedule = adminPost(
      `/v1/admin/concerts/${concert.concert_id}/schedules`,
      {
        starts_at: new Date(startsAt.getTime() + i * 24 * 3600 * 1000).toISOString(),
        booking_opens_at: opensAt.toISOString(),
        seats,
      },
      'admin_schedule',
    );
    created.push({ schedule_id: schedule.schedule_id, seats: seats.map((s) => s.number) });
  }
  return { concert_id: concert.concert_id, schedules: created, opens_at: opensAt.toISOString() };
}

// The load begins when booking opens.
export function waitForOpening(catalog) {
  const wait = (Date.parse(catalog.opens_at) - Date.now()) / 1000;
  if (wait > 0) {
    sleep(wait + 0.2);
  }
}
