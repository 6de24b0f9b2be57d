// One fan at booking time: join the queue, wait for admission, read the
// concert, its schedules and a seat map, hold a seat (trying another when
// someone was faster), top up the wallet and pay. Every step is timed by
// k6 per endpoint; the journey's own outcomes are counted here.

import { Counter, Trend } from 'k6/metrics';
import * as api from './api.js';
import { ADMISSION_TIMEOUT_SECONDS } from './config.js';

export const admissionWait = new Trend('queue_admission_wait', true);
export const fansAdmitted = new Counter('fans_admitted');
export const fansGaveUpWaiting = new Counter('fans_gave_up_waiting');
export const fansSoldOut = new Counter('fans_sold_out');
export const fansLostRace = new Counter('fans_lost_race');
export const ticketsSold = new Counter('tickets_sold');
export const journeysBroken = new Counter('journeys_broken');

const HOLD_ATTEMPTS = 3;

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function think(min, max) {
  return api.pause(min + Math.random() * (max - min));
}

export function newFan() {
  return crypto.randomUUID();
}

// Joins the line and polls until ACTIVE; returns the token or null.
export async function queueUp(user) {
  const started = Date.now();
  const issued = await api.issueToken(user);
  if (issued.result !== 'ok') {
    journeysBroken.add(1, { step: 'queue_issue' });
    return null;
  }
  let state = api.body(issued.res) || {};
  const token = state.token;
  const deadline = started + ADMISSION_TIMEOUT_SECONDS * 1000;
  while (state.status !== 'ACTIVE') {
    if (Date.now() > deadline) {
      fansGaveUpWaiting.add(1);
      return null;
    }
    // Poll about when the queue expects to admit us, never hammering it.
    const eta = Number(state.eta_seconds) || 1;
    await api.pause(Math.min(Math.max(eta, 0.5), 2));
    const polled = await api.tokenStatus(user, token);
    if (polled.result !== 'ok') {
      journeysBroken.add(1, { step: 'queue_status' });
      return null;
    }
    state = api.body(polled.res) || {};
    if (state.status === 'EXPIRED') {
      journeysBroken.add(1, { step: 'queue_expired' });
      return null;
    }
  }
  admissionWait.add(Date.now() - started);
  fansAdmitted.add(1);
  return token;
}

// The seat numbers still AVAILABLE, or null when the seat map could not be read.
async function availableSeats(user, token, scheduleId) {
  const read = await api.seats(user, token, scheduleId);
  if (read.result !== 'ok') {
    return null;
  }
  const map = api.body(read.res);
  if (!map || !Array.isArray(map.seats)) {
    return null;
  }
  return map.seats.filter((seat) => seat.status === 'AVAILABLE').map((seat) => seat.number);
}

export async function bookingJourney(catalog, { seatMapReads = 1 } = {}) {
  const user = newFan();
  const token = await queueUp(user);
  if (!token) {
    return;
  }
  await book(catalog, user, token, { seatMapReads });
}

// An admitted fan books: concerts, schedules, a seat map, a hold (another
// seat when someone was faster), top-up, payment, read back. Returns true
// when the fan paid for a ticket.
export async function book(catalog, user, token, { seatMapReads = 1 } = {}) {
  await api.concerts();
  await api.schedules(catalog.concert_id);
  await think(0.1, 0.4);

  const schedule = pick(catalog.schedules);
  let held = null;
  for (let attempt = 0; attempt < HOLD_ATTEMPTS && !held; attempt += 1) {
    let available = null;
    for (let read = 0; read < seatMapReads; read += 1) {
      available = await availableSeats(user, token, schedule.schedule_id);
    }
    if (available !== null && available.length === 0) {
      fansSoldOut.add(1);
      return false;
    }
    // Without a seat map (the read path not deployed, or failing) the fan
    // still tries a seat, so the write path is measured either way.
    const seat = pick(available || schedule.seats);
    await think(0.1, 0.3);
    const attemptHold = await api.hold(user, token, schedule.schedule_id, seat);
    if (attemptHold.result === 'ok') {
      held = api.body(attemptHold.res);
    } else if (attemptHold.result !== 'refused') {
      journeysBroken.add(1, { step: 'hold' });
      return false;
    }
  }
  if (!held || held.status !== 'HELD') {
    // Refused every time, or still PENDING after the wait budget.
    fansLostRace.add(1);
    return false;
  }

  const topUp = await api.charge(user, held.price);
  if (topUp.result !== 'ok') {
    journeysBroken.add(1, { step: 'charge' });
    return false;
  }
  const paid = await api.pay(user, token, held.reservation_id);
  const sold = paid.result === 'ok' && paid.res.status === 201;
  if (sold) {
    ticketsSold.add(1);
  } else if (paid.result !== 'refused') {
    journeysBroken.add(1, { step: 'pay' });
    return false;
  }
  // Read your own write, as a fan's ticket page would.
  await api.reservation(user, held.reservation_id);
  await api.balance(user);
  return sold;
}
