// overload: fans arrive at about three times the capacity the stack
// sustains with fixed admission (OVERLOAD_CAPACITY fans/s, which
// load/run.sh reads from the last capacity.json when not set) for
// OVERLOAD_SECONDS, then stop. The stack runs with its default settings
// (adaptive admission). Every fan joins the queue and polls as told
// (poll_after_seconds between polls, and Retry-After after a 503); once
// admitted, a fan books as in the reservation scenario. A share of fans
// (LEAVER_SHARE) leave mid-wait: a leaver stops polling after a random part
// of the wait the server first announced (eta_seconds) and never comes
// back. A stayer gives up only after OVERLOAD_GIVE_UP_SECONDS, counted as
// not served.
//
// k6 counts arrivals, stayers admitted/booked/given up, leavers gone and
// leavers admitted before they left; load/run.sh samples command-api's
// /metrics every second meanwhile (admissions, queue length, admit rate,
// places dropped), and tools/ticketfold_tools/overload.py reports it.
//
// The crowd is carried by a few VUs (OVERLOAD_VUS, 20), each running a
// share of the fans side by side in its event loop (asynchronous requests,
// timers for the waits), not by a VU per fan: a VU is a JavaScript runtime
// of about 0.8 MB, and with one per waiting fan k6 held 4-5 GB at 273
// fans/s, paused for garbage collection for seconds in the middle of the
// rush (its own latency in every figure it took then) and dropped arrivals
// once its VUs ran out. Fan k of the run arrives k / rate seconds after
// the scenario starts, whichever VU carries it.

import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import * as api from '../lib/api.js';
import { createCatalog, waitForOpening } from '../lib/catalog.js';
import { number } from '../lib/config.js';
import { book, newFan } from '../lib/fan.js';
import { options as judged } from '../lib/options.js';
import { summarize } from '../lib/summary.js';
import { BOOKING_ENDPOINTS } from './reservation.js';

api.carryManyFans();

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
const fansInAll = Math.max(1, Math.round(rate * arrivalSeconds));
const carriers = Math.max(1, Math.min(Math.round(number('OVERLOAD_VUS', 20, 2)), fansInAll));

export const options = Object.assign(
  judged(
    {
      crowd: {
        executor: 'per-vu-iterations',
        exec: 'crowd',
        vus: carriers,
        iterations: 1,
        // The last arrival, its longest wait, and its booking.
        maxDuration: `${arrivalSeconds + giveUpSeconds + 120}s`,
      },
    },
    BOOKING_ENDPOINTS,
  ),
  // A VU's idle connections per host (k6's default keeps 6): a VU carries
  // hundreds of fans at once, and each fan's next request should find its
  // connection still open, as a phone's would.
  { batch: 20000, batchPerHost: 20000 },
);

// Seats for every fan: a run that sells out measures fans turned away and
// their idle ACTIVE places (held for QUEUE_ACTIVE_IDLE_SECONDS), not the
// admission.
const seatsPerSchedule = number('OVERLOAD_SEATS_PER_SCHEDULE', 400, 200);
const schedules = number('OVERLOAD_SCHEDULES', Math.max(30, Math.ceil(fansInAll / seatsPerSchedule)), 3);

export function setup() {
  const catalog = createCatalog({
    schedules,
    seatsPerSchedule,
    opensInSeconds: number('OPENS_IN_SECONDS', 10, 3),
    label: 'overload',
  });
  waitForOpening(catalog);
  return catalog;
}

function state(res) {
  return api.body(res) || {};
}

// A fan's app does what the contract asks on a 503: tries again after
// Retry-After (each 503 still counts as a server error in the run), until
// the fan gives up.
async function answered(call, giveUpAt) {
  for (;;) {
    const sent = await call();
    const retryAfter = Number(sent.res.headers['Retry-After']);
    const again = sent.res.status === 503 && Number.isFinite(retryAfter) && retryAfter >= 0;
    if (!again || Date.now() + retryAfter * 1000 > giveUpAt) {
      return sent;
    }
    await api.pause(Math.max(retryAfter, 1));
  }
}

function pollAfter(current) {
  const told = Number(current.poll_after_seconds);
  return Number.isFinite(told) && told >= 1 ? told : 1;
}

// One VU's share of the crowd: fans carrier, carrier + carriers, ... each
// started at its own arrival time and carried to its end.
export async function crowd(catalog) {
  const carrier = exec.scenario.iterationInTest;
  const began = exec.scenario.startTime;
  const fans = [];
  for (let k = carrier; k < fansInAll; k += carriers) {
    const due = began + (k * 1000) / rate;
    await api.pause(Math.max(due - Date.now(), 0) / 1000);
    fans.push(
      fan(catalog).catch((error) => {
        // A script error is a fan not served, never a silent pass.
        stayersLost.add(1, { step: 'script_error' });
        console.error(`fan ${k}: ${error}`);
      }),
    );
  }
  await Promise.all(fans);
}

async function fan(catalog) {
  const user = newFan();
  const leaver = Math.random() < leaverShare;
  const kind = leaver ? 'leaver' : 'stayer';
  arrivals.add(1, { kind });
  const started = Date.now();
  const giveUpAt = started + giveUpSeconds * 1000;
  const issued = await answered(() => api.issueToken(user), giveUpAt);
  if (issued.result !== 'ok') {
    if (!leaver) stayersLost.add(1, { step: 'queue_issue' });
    return;
  }
  let current = state(issued.res);
  const token = current.token;
  // A leaver leaves after a random part of the wait it was first told.
  const firstEta = Math.max(Number(current.eta_seconds) || 1, 1);
  const leaveAt = started + Math.random() * firstEta * 1000;
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
    await api.pause(wait);
    const polled = await answered(() => api.tokenStatus(user, token), giveUpAt);
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
  const sold = await book(catalog, user, token);
  if (sold && !leaver) {
    stayersBooked.add(1);
  }
}

export const handleSummary = summarize('overload');
