// The typed client: openapi-fetch over the types generated from the
// committed OpenAPI documents (src/api/command-api.ts, query-api.ts).
import createClient from 'openapi-fetch';

import { config } from '../config';
import type { components as CommandSchemas, paths as CommandPaths } from './command-api';
import type { components as QuerySchemas, paths as QueryPaths } from './query-api';

export const commands = createClient<CommandPaths>({ baseUrl: config.commandApi });
export const queries = createClient<QueryPaths>({ baseUrl: config.queryApi });

if (config.preferWait !== undefined) {
  const wait = `wait=${config.preferWait}`;
  commands.use({
    onRequest({ request }) {
      if (request.method === 'POST') request.headers.set('Prefer', wait);
      return request;
    },
  });
}

export type Problem = QuerySchemas['schemas']['ProblemBody'];
export type ErrorCode = QuerySchemas['schemas']['ErrorCode'];
export type Concert = QuerySchemas['schemas']['ConcertView'];
export type Schedule = QuerySchemas['schemas']['ScheduleView'];
export type Seat = QuerySchemas['schemas']['SeatView'];
export type TokenState = QuerySchemas['schemas']['TokenState'];
export type IssuedToken = CommandSchemas['schemas']['IssuedToken'];
export type Reservation = QuerySchemas['schemas']['ReservationView'];
export type PaymentView = QuerySchemas['schemas']['PaymentView'];
export type ChargeView = QuerySchemas['schemas']['ChargeView'];
export type PaymentCompleted = CommandSchemas['schemas']['PaymentCompleted'];

/** A refusal the page explains (see problems.ts), carrying the contract's body. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
}

/** The problem in an error answer, or one made up for a network failure. */
export function problemOf(error: unknown, response?: Response): Problem {
  if (error && typeof error === 'object' && 'code' in error && 'status' in error) {
    return error as Problem;
  }
  return {
    type: 'about:blank',
    title: 'Unavailable',
    status: response?.status ?? 503,
    detail: response ? `HTTP ${response.status}` : 'the service could not be reached',
    code: response && response.status < 500 ? 'INTERNAL' : 'UNAVAILABLE',
  };
}

/** A fresh Idempotency-Key: a retry of one attempt sends the same key. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
