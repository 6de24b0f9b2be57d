// The REST contract (/work/shared/API.md) as the fans of the load test use
// it. Every response is sorted into one of: success, business refusal (409,
// counted by code, never an error), pending (202), client error (an
// unexpected 4xx) or server error (5xx, or no answer at all).

import http from 'k6/http';
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
import { COMMAND_API_URL, QUERY_API_URL, ADMIN_KEY } from './config.js';

export const businessRefusals = new Counter('business_refusals');
export const serverErrors = new Counter('server_errors');
export const clientErrors = new Counter('client_errors');
export const pendingDecisions = new Counter('pending_decisions');

// 409 is an answer the fan expected could happen: not a failed request.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 409));

// The endpoints, with the tags that group them in the results. `booking`
// marks the requests the 1 s SLO is about (everything but admin set-up).
export const ENDPOINTS = {
  queue_issue: { method: 'POST', route: '/v1/queue/tokens' },
  queue_status: { method: 'GET', route: '/v1/queue/tokens/current' },
  concerts: { method: 'GET', route: '/v1/concerts' },
  schedules: { method: 'GET', route: '/v1/concerts/{concert_id}/schedules' },
  seats: { method: 'GET', route: '/v1/schedules/{schedule_id}/seats' },
  hold: { method: 'POST', route: '/v1/reservations' },
  reservation: { method: 'GET', route: '/v1/reservations/{reservation_id}' },
  charge: { method: 'POST', route: '/v1/balance/charges' },
  balance: { method: 'GET', route: '/v1/balance' },
  pay: { method: 'POST', route: '/v1/payments' },
};

function params(endpoint, headers, booking = true) {
  const known = ENDPOINTS[endpoint];
  return {
    headers,
    tags: { name: known ? `${known.method} ${known.route}` : endpoint, endpoint, booking: booking ? 'yes' : 'no' },
    timeout: '15s',
  };
}

function userHeaders(user, token) {
  const headers = { 'X-User-Id': user };
  if (token) {
    headers['X-Queue-Token'] = token;
  }
  return headers;
}

function jsonHeaders(headers) {
  return Object.assign({ 'Content-Type': 'application/json' }, headers);
}

export function problemCode(res) {
  try {
    return res.json('code') || 'NONE';
  } catch (_) {
    return 'NONE';
  }
}

// Sorts one answer into its outcome and counts it; returns the outcome.
export function outcome(res, endpoint) {
  const status = res.status;
  if (status >= 200 && status < 300) {
    if (status === 202) {
      pendingDecisions.add(1, { endpoint });
    }
    return status === 202 ? 'pending' : 'ok';
  }
  if (status === 409) {
    businessRefusals.add(1, { endpoint, code: problemCode(res) });
    return 'refused';
  }
  if (status >= 500 || status === 0) {
    // No answer at all (status 0): k6's error code says why (timeout, reset, EOF).
    const reason = status === 0 ? `no answer, k6 error ${res.error_code}` : problemCode(res);
    serverErrors.add(1, { endpoint, status: String(status), code: reason });
    return 'error';
  }
  clientErrors.add(1, { endpoint, status: String(status), code: problemCode(res) });
  return 'error';
}

export function body(res) {
  try {
    return res.json();
  } catch (_) {
    return null;
  }
}

// -- how a fan's requests are sent ---------------------------------------------
//
// Every booking call returns a promise, so one fan's journey reads the same
// whether its VU carries one fan or a crowd. A VU of one fan sends
// synchronously: k6 spent 7-10 % less CPU per fan that way (against
// load/floor), and awaiting a plain value costs next to nothing. A VU
// carrying many fans (the overload scenario calls carryManyFans() in its
// init code) sends with http.asyncRequest, so each fan waits for its own
// answer while the others go on; k6 times either kind in Go.
let manyFansPerVu = false;

export function carryManyFans() {
  manyFansPerVu = true;
}

// A fan's wait: a timer for a VU carrying many fans (k6's sleep() would stop
// every other fan it carries), k6's sleep for a VU of one fan, which costs
// k6 less.
export function pause(seconds) {
  if (!manyFansPerVu) {
    sleep(seconds);
    return Promise.resolve();
  }
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

async function send(method, url, body, endpoint, headers) {
  const res = manyFansPerVu
    ? await http.asyncRequest(method, url, body, params(endpoint, headers))
    : http.request(method, url, body, params(endpoint, headers));
  return { res, result: outcome(res, endpoint) };
}

// -- command-api -------------------------------------------------------------

export function issueToken(user) {
  return send('POST', `${COMMAND_API_URL}/v1/queue/tokens`, null, 'queue_issue', userHeaders(user));
}

export function hold(user, token, scheduleId, seatNumber) {
  return send(
    'POST',
    `${COMMAND_API_URL}/v1/reservations`,
    JSON.stringify({ schedule_id: scheduleId, seat_number: seatNumber }),
    'hold',
    jsonHeaders(userHeaders(user, token)),
  );
}

export function charge(user, amount) {
  return send('POST', `${COMMAND_API_URL}/v1/balance/charges`, JSON.stringify({ amount }), 'charge', jsonHeaders(userHeaders(user)));
}

export function pay(user, token, reservationId) {
  return send(
    'POST',
    `${COMMAND_API_URL}/v1/payments`,
    JSON.stringify({ reservation_id: reservationId }),
    'pay',
    jsonHeaders(userHeaders(user, token)),
  );
}

// -- query-api ---------------------------------------------------------------

export function tokenStatus(user, token) {
  return send('GET', `${QUERY_API_URL}/v1/queue/tokens/current`, null, 'queue_status', userHeaders(user, token));
}

export function concerts() {
  return send('GET', `${QUERY_API_URL}/v1/concerts`, null, 'concerts', {});
}

export function schedules(concertId) {
  return send('GET', `${QUERY_API_URL}/v1/concerts/${concertId}/schedules`, null, 'schedules', {});
}

export function seats(user, token, scheduleId) {
  return send('GET', `${QUERY_API_URL}/v1/schedules/${scheduleId}/seats`, null, 'seats', userHeaders(user, token));
}

export function reservation(user, reservationId) {
  return send('GET', `${QUERY_API_URL}/v1/reservations/${reservationId}`, null, 'reservation', userHeaders(user));
}

export function balance(user) {
  return send('GET', `${QUERY_API_URL}/v1/balance`, null, 'balance', userHeaders(user));
}

// -- admin (set-up, not booking traffic) ---------------------------------------

export function adminPost(path, payload, endpoint) {
  const res = http.post(
    `${COMMAND_API_URL}${path}`,
    JSON.stringify(payload),
    params(endpoint, jsonHeaders({ 'X-Admin-Key': ADMIN_KEY, Prefer: 'wait=10' }), false),
  );
  if (res.status === 202) {
    // Appended, not decided within the wait (a busy machine): follow it on
    // query-api until it shows, as a client of the contract would.
    return followPending(path, res);
  }
  if (res.status !== 201) {
    throw new Error(`set-up failed: POST ${path} answered ${res.status}: ${res.body}`);
  }
  return res.json();
}

function followPending(path, res) {
  const pending = res.json();
  const location = res.headers.Location || res.headers.location;
  for (let attempt = 0; attempt < 60 && location; attempt++) {
    sleep(1);
    // An absolute Location (PUBLIC_QUERY_URL) is followed as given.
    const url = /^https?:\/\//.test(location) ? location : `${QUERY_API_URL}${location}`;
    const read = http.get(url, params('admin_follow', {}, false));
    const shown =
      read.status === 200 &&
      (!pending.schedule_id || (read.json() || []).some((s) => s.schedule_id === pending.schedule_id));
    if (shown) {
      return pending;
    }
  }
  throw new Error(`set-up failed: POST ${path} stayed pending: ${res.body}`);
}
