// reservation: booking opens and more fans than seats arrive. Each fan
// joins the queue, waits for admission, reads the concert, its schedules
// and a seat map, holds a seat, tops up the wallet and pays. Refusals
// (SEAT_UNAVAILABLE and the like) are counted apart from errors.

import { createCatalog, waitForOpening } from '../lib/catalog.js';
import { number, SHORT } from '../lib/config.js';
import { bookingJourney } from '../lib/fan.js';
import { options as judged } from '../lib/options.js';
import { summarize } from '../lib/summary.js';

export const BOOKING_ENDPOINTS = [
  'queue_issue',
  'queue_status',
  'concerts',
  'schedules',
  'seats',
  'hold',
  'charge',
  'pay',
  'reservation',
  'balance',
];

export function fanStages() {
  const peak = number('FANS_PER_SECOND', 60, 10);
  return SHORT
    ? [
        { target: peak, duration: '1s' },
        { target: peak, duration: '4s' },
        { target: 0, duration: '1s' },
      ]
    : [
        { target: peak, duration: '5s' },
        { target: peak, duration: '10s' },
        { target: 0, duration: '3s' },
      ];
}

export function fansScenario() {
  return {
    executor: 'ramping-arrival-rate',
    exec: 'fan',
    startRate: 0,
    timeUnit: '1s',
    stages: fanStages(),
    preAllocatedVUs: SHORT ? 30 : 200,
    maxVUs: number('MAX_VUS', 600, 100),
    gracefulStop: '60s',
  };
}

export function openBooking(label) {
  const catalog = createCatalog({
    schedules: number('SCHEDULES', 2, 1),
    seatsPerSchedule: number('SEATS_PER_SCHEDULE', 150, 20),
    opensInSeconds: number('OPENS_IN_SECONDS', 10, 3),
    label,
  });
  waitForOpening(catalog);
  return catalog;
}

export const options = judged({ fans: fansScenario() }, BOOKING_ENDPOINTS);

export function setup() {
  return openBooking('reservation');
}

export async function fan(catalog) {
  await bookingJourney(catalog);
}

export const handleSummary = summarize('reservation');
