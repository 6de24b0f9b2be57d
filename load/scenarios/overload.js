// overload: fans arrive at about three times the capacity the stack
// sustains with fixed admission (OVERLOAD_CAPACITY fans/s, which
// load/run.sh reads from the last capacity.json when not set) for
// OVERLOAD_SECONDS, then stop. The stack runs with its default settings
// (adaptive admission). Every fan joins the queue and polls as told
// (poll_after_seconds between polls); once admitted, a fan books as in the
// reservation scenario. A share of fans (LEAVER_SHARE) leave mid-wait: a
// leaver stops polling after a random part of the wait the server first
// announced (eta_seconds) and never comes back. A stayer gives up only
// after OVERLOAD_GIVE_UP_SECONDS, counted as not served.
//
// k6 counts arrivals, stayers admitted/booked/given up, leavers gone and
// leavers admitted before they left; load/run.sh samples command-api's
// /metrics every second meanwhile (admissions, queue length, admit rate,
// places dropped), and tools/ticketfold_tools/overload.py reports it.

import { sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import * as api from '../lib/api.js';
import { createCatalog, waitForOpening } from '../lib/catalog.js';
import { number, SHORT } from '../lib/config.js';
import { book, newFan } from '../lib/fan.js';
import { options as judged } from '../lib/options.js';
import { summarize } from '../lib/summary.js';
import { BOOKING_ENDPOINTS } from './reservation.js';

const arrivals = new Counter('overload_arrivals');
const stayersAdmitted = new Counter('overload_stayers_admitted');
const stayersBooked = new Counter('overload_stayers_booked');
const stayersGaveUp = new Counter('overload_stayers_gave_up');
const stayersLost = new Counter('overload_stayers_lost');
const leaversLeft = new Counter('overload_leavers_left');
const leaversAdmittedFirst = new Counter('overload_leavers_admitted_before_leaving');
const admissionWait = new Trend('overload_admission_wait', true);
const pollInterval = new Trend('overload_poll_interval_seconds');

const capacity = number('OVERLOAD_CAPACITY', 50, 5);
const factor = number('OVERLOAD_FACTOR', 3, 3);
const arrivalSeconds = number('OVERLOAD_SECONDS', 60, 8);
const giveUpSeconds = number('OVERLOAD_GIVE_UP_SECONDS', 300, 45);
const leaverShare = number('LEAVER_SHARE', 0.2, 0.2);
const rate = Math.max(1, Math.round(capacity * factor));

export const options = judged(
  {
    fans: {
      executor: 'constant-arrival-rate',
      exec: 'fan',
      rate,
      timeUnit: '1s',
      duration: `${arrivalSeconds}s`,
      // Every waiting fan holds a VU: the whole crowd can wait at once.
      preAllocatedVUs: Math.min(rate * arrivalSeconds, number('MAX_VUS', 4000, 300)),
      maxVUs: Math.min(rate * arrivalSeconds, number('MAX_VUS', 4000, 300)),
      gracefulStop: `${giveUpSeconds + 60}s`,
    },
  },
  BOOKING_ENDPOINTS,
);

export function setup() {
  const catalog = createCatalog({
    schedules: number('OVERLOAD_SCHEDULES', 30, 3),
    seatsPerSchedule: number('OVERLOAD_SEATS_PER_SCHEDULE', 400, 200),
    opensInSeconds: number('OPENS_IN_SECONDS', 10, 3),
    label: 'overload',
  });
  waitForOpening(catalog);
  return catalog;
}

function state(res) {
  return api.body(res) || {};
}

function pollAfter(current) {
  const told = Number(current.poll_after_seconds);
  return Number.isFinite(told) && told >= 1 ? told : 1;
}

export function fan(catalog) {
  const user = newFan();
  const leaver = Math.random() < leaverShare;
  const kind = leaver ? 'leaver' : 'stayer';
  arrivals.add(1, { kind });
  const started = Date.now();
  const issued = api.issueToken(user);
  if (issued.result !== 'ok') {
    if (!leaver) stayersLost.add(1, { step: 'queue_issue' });
    return;
  }
  let current = state(issued.res);
  const token = current.token;
  // A leaver leaves after a random part of the wait it was first told.
  const firstEta = Math.max(Number(current.eta_seconds) || 1, 1);
  const leaveAt = started + Math.random() * firstEta * 1000;
  const giveUpAt = started + giveUpSeconds * 1000;
  while (current.status !== 'ACTIVE') {
    const wait = pollAfter(current);
    if (leaver && Date.now() + wait * 1000 > leaveAt) {
      leaversLeft.add(1);
      return;
    }
    if (Date.now() + wait * 1000 > giveUpAt) {
      stayersGaveUp.add(1);
      return;
    }
    pollInterval.add(wait);
    sleep(wait);
    const polled = api.tokenStatus(user, token);
    if (polled.result !== 'ok') {
      if (!leaver) stayersLost.add(1, { step: 'queue_status' });
      return;
    }
    current = state(polled.res);
    if (current.status === 'EXPIRED') {
      if (!leaver) stayersLost.add(1, { step: 'queue_expired' });
      return;
    }
  }
  admissionWait.add(Date.now() - started, { kind });
  if (leaver) {
    // Admitted before its time to leave came: it books like anyone.
    leaversAdmittedFirst.add(1);
  } else {
    stayersAdmitted.add(1);
  }
  const sold = book(catalog, user, token);
  if (sold && !leaver) {
    stayersBooked.add(1);
  }
}

export const handleSummary = summarize('overload');
