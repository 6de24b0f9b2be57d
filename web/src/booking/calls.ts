// The fan's calls on the contract, each ending in a final outcome: a 202 is
// followed to its Location; a refusal throws a ProblemError with its code.
import {
  commands,
  idempotencyKey,
  problemOf,
  ProblemError,
  queries,
  type ChargeView,
  type IssuedToken,
  type PaymentView,
  type Reservation,
  type Seat,
  type TokenState,
} from '../api/client';
import { follow } from '../api/follow';
import { guestId } from '../guest';

function refused(error: unknown, response: Response): never {
  throw new ProblemError(problemOf(error, response));
}

function locationOf(response: Response): string {
  const location = response.headers.get('Location');
  if (!location) refused(null, response);
  return location;
}

export async function joinQueue(scheduleId: string): Promise<IssuedToken> {
  const { data, error, response } = await commands.POST('/v1/queue/tokens', {
    params: { header: { 'X-User-Id': guestId() } },
    body: { schedule_id: scheduleId },
  });
  if (!data) refused(error, response);
  return data;
}

export async function tokenState(token: string): Promise<TokenState> {
  const { data, error, response } = await queries.GET('/v1/queue/tokens/current', {
    params: { header: { 'X-User-Id': guestId(), 'X-Queue-Token': token } },
  });
  if (!data) refused(error, response);
  return data;
}

export async function seatMap(scheduleId: string, token: string): Promise<Seat[]> {
  const { data, error, response } = await queries.GET('/v1/schedules/{schedule_id}/seats', {
    params: { path: { schedule_id: scheduleId }, header: { 'X-User-Id': guestId(), 'X-Queue-Token': token } },
  });
  if (!data) refused(error, response);
  return data.seats;
}

export interface Hold {
  reservation_id: string;
  seat_number: number;
  price: number;
  expires_at: string;
}

export async function holdSeat(scheduleId: string, seat: number, token: string): Promise<Hold> {
  const { data, error, response } = await commands.POST('/v1/reservations', {
    params: { header: { 'X-User-Id': guestId(), 'X-Queue-Token': token, 'Idempotency-Key': idempotencyKey() } },
    body: { schedule_id: scheduleId, seat_number: seat },
  });
  if (!data) refused(error, response);
  let held: Reservation = data as Reservation;
  if (response.status === 202) {
    held = await follow<Reservation>(locationOf(response));
    if (held.status !== 'HELD') {
      // A refused hold reads REJECTED without its code; the contract's
      // usual cause is a seat someone else took first.
      throw new ProblemError({ ...problemOf(null, response), status: 409, code: 'SEAT_UNAVAILABLE' });
    }
  }
  return {
    reservation_id: held.reservation_id,
    seat_number: held.seat_number,
    price: held.price ?? 0,
    expires_at: held.expires_at,
  };
}

export async function balance(): Promise<number> {
  const { data, error, response } = await queries.GET('/v1/balance', {
    params: { header: { 'X-User-Id': guestId() } },
  });
  if (!data) refused(error, response);
  return data.balance;
}

export async function topUp(amount: number): Promise<number> {
  const { data, error, response } = await commands.POST('/v1/balance/charges', {
    params: { header: { 'X-User-Id': guestId(), 'Idempotency-Key': idempotencyKey() } },
    body: { amount },
  });
  if (!data) refused(error, response);
  if (response.status === 202) {
    const charge = await follow<ChargeView>(locationOf(response));
    if (charge.status !== 'COMPLETED' || charge.balance === null) {
      throw new ProblemError({ ...problemOf(null, response), status: 409, code: codeOr(charge.code, 'INTERNAL') });
    }
    return charge.balance;
  }
  return (data as { balance: number }).balance;
}

export interface Paid {
  payment_id: string;
  amount: number;
  balance: number;
}

export async function pay(reservationId: string, token: string): Promise<Paid> {
  const { data, error, response } = await commands.POST('/v1/payments', {
    params: { header: { 'X-User-Id': guestId(), 'X-Queue-Token': token, 'Idempotency-Key': idempotencyKey() } },
    body: { reservation_id: reservationId },
  });
  if (!data) refused(error, response);
  if (response.status === 202) {
    const payment = await follow<PaymentView>(locationOf(response));
    if (payment.status !== 'COMPLETED' || payment.amount === null || payment.balance === null) {
      throw new ProblemError({ ...problemOf(null, response), status: 409, code: codeOr(payment.code, 'INTERNAL') });
    }
    return { payment_id: payment.payment_id, amount: payment.amount, balance: payment.balance };
  }
  const paid = data as Paid;
  return { payment_id: paid.payment_id, amount: paid.amount, balance: paid.balance };
}

type Code = ProblemError['problem']['code'];
function codeOr(code: string | null, fallback: Code): Code {
  return (code as Code | null) ?? fallback;
}
