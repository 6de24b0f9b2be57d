// Every code of the contract in plain words, with what to do next. The
// Record over the generated ErrorCode union makes the match exhaustive: a
// code added to the OpenAPI fails the type check until it is explained.
import type { ErrorCode, Problem } from './api/client';

interface Advice {
  message: string;
  next: string;
}

const advice: Record<ErrorCode, Advice> = {
  VALIDATION_FAILED: { message: 'That request was not valid.', next: 'Check the amount or seat and try again.' },
  UNAUTHENTICATED: { message: 'We could not tell who you are.', next: 'Reload the page to get a guest identity.' },
  QUEUE_TOKEN_INVALID: { message: 'Your place in the queue is no longer valid.', next: 'Join the queue again.' },
  QUEUE_TOKEN_NOT_ACTIVE: { message: "It's not your turn yet.", next: 'Wait in the queue; this page moves on by itself.' },
  QUEUE_PROOF_INVALID: { message: 'The waiting room asked for a check this page could not pass.', next: 'Reload the page and join the queue again.' },
  FORBIDDEN: { message: "That belongs to someone else, or to another schedule's queue.", next: 'Join the queue for this schedule.' },
  NOT_FOUND: { message: 'We could not find that schedule, seat or booking.', next: 'Go back to the concerts and pick again.' },
  METHOD_NOT_ALLOWED: { message: 'The page asked for something the service does not do.', next: 'Reload the page.' },
  PAYLOAD_TOO_LARGE: { message: 'That request was too large.', next: 'Reload the page and try again.' },
  SEAT_UNAVAILABLE: { message: 'Someone else got that seat first; it is now held.', next: 'Pick another seat.' },
  BOOKING_NOT_OPEN: { message: 'Booking for this schedule has not opened yet.', next: 'Come back when booking opens.' },
  HOLD_LIMIT_REACHED: { message: 'You already hold as many seats as one fan may.', next: 'Pay for or let go of a seat you hold first.' },
  HOLD_EXPIRED: { message: 'Your hold ran out before it was paid; the seat is free again.', next: 'Pick a seat and hold it again.' },
  ALREADY_CONFIRMED: { message: 'That seat is already paid for.', next: 'Nothing more to do for it.' },
  INSUFFICIENT_BALANCE: { message: 'Your wallet does not cover the seat.', next: 'Top up the wallet, then pay.' },
  CHARGE_LIMIT_EXCEEDED: { message: 'That top-up is more than one charge may be.', next: 'Top up a smaller amount.' },
  BALANCE_LIMIT_EXCEEDED: { message: 'That top-up would take your wallet over its limit.', next: 'Top up a smaller amount.' },
  IDEMPOTENCY_KEY_REUSED: { message: 'That retry did not match the first attempt.', next: 'Try the action again.' },
  PAYMENT_IN_PROGRESS: { message: 'A payment for this seat is already under way.', next: 'Wait a moment; its outcome will show here.' },
  UNAVAILABLE: { message: 'The service is busy or briefly unavailable.', next: 'Wait a few seconds and try again.' },
  INTERNAL: { message: 'Something went wrong on our side.', next: 'Try again; if it keeps happening, reload the page.' },
};

/** What to tell the fan about a problem, in one or two sentences. */
export function explain(problem: Problem): string {
  const known = advice[problem.code] as Advice | undefined;
  const { message, next } = known ?? advice.INTERNAL;
  return `${message} ${next}`;
}
