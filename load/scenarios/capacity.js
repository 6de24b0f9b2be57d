// capacity: fixed-rate steps of the full booking flow. Each step is its own
// constant-arrival-rate scenario (`step_<fans per second>`), started when
// the one before ends, so every request is tagged with the step it belongs
// to. A fan takes a queue token, reads the concert and its schedules and a
// seat map, holds a random seat of one of ~30 schedules, tops up and pays.
// load/run.sh --capacity runs it with admission fixed and far above the
// arrival rate (every fan goes straight to booking), samples the CPU of
// every process meanwhile and reports the highest step that held the SLO
// (tools/ticketfold_tools/capacity.py).
//
// Every step books on a concert of its own (CAPACITY_SCHEDULES schedules of
// CAPACITY_SEATS_PER_SCHEDULE seats; a schedule's body is limited to 16 KiB),
// so each step starts on empty venues and no step sells out.
//
// CAPACITY_STEPS ("20 50 100 150 200 300"), CAPACITY_STEP_SECONDS (30),
// CAPACITY_SCHEDULES (30), CAPACITY_SEATS_PER_SCHEDULE (400).

import exec from 'k6/execution';
import { createCatalog, waitForOpening } from '../lib/catalog.js';
import { number, SHORT } from '../lib/config.js';
import { bookingJourney } from '../lib/fan.js';
import { options as judged } from '../lib/options.js';
import { summarize } from '../lib/summary.js';
import { BOOKING_ENDPOINTS } from './reservation.js';

export function capacitySteps() {
  const raw = __ENV.CAPACITY_STEPS || (SHORT ? '5 10' : '20 50 100 150 200 300');
  const steps = raw
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map(Number);
  if (steps.length === 0 || steps.some((s) => !Number.isFinite(s) || s <= 0)) {
    throw new Error(`CAPACITY_STEPS must be positive numbers, got "${raw}"`);
  }
  return steps;
}

const stepSeconds = number('CAPACITY_STEP_SECONDS', 30, 5);
// A fan's journey takes a second or two; VUs enough for a few seconds of arrivals.
const scenarios = {};
capacitySteps().forEach((rate, index) => {
  scenarios[`step_${rate}`] = {
    executor: 'constant-arrival-rate',
    exec: 'fan',
    rate,
    timeUnit: '1s',
    duration: `${stepSeconds}s`,
    startTime: `${index * stepSeconds}s`,
    preAllocatedVUs: Math.max(10, Math.ceil(rate * 2)),
    maxVUs: Math.max(50, Math.ceil(rate * number('CAPACITY_VUS_PER_RATE', 8, 8))),
    // Fans still booking when the step ends finish inside the next step;
    // a longer wait would let a slow step's tail run into the next.
    gracefulStop: '5s',
  };
});

export const options = judged(scenarios, BOOKING_ENDPOINTS);

export function setup() {
  const catalogs = {};
  let last = null;
  for (const rate of capacitySteps()) {
    last = createCatalog({
      schedules: number('CAPACITY_SCHEDULES', 30, 3),
      seatsPerSchedule: number('CAPACITY_SEATS_PER_SCHEDULE', 400, 100),
      opensInSeconds: number('OPENS_IN_SECONDS', 10, 3),
      label: `capacity step ${rate}/s`,
    });
    catalogs[`step_${rate}`] = last;
  }
  waitForOpening(last);
  return catalogs;
}

export async function fan(catalogs) {
  await bookingJourney(catalogs[exec.scenario.name]);
}

export const handleSummary = summarize('capacity');
