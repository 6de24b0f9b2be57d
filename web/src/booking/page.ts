// One schedule's booking, /schedules/{schedule_id}: the waiting room, the
// seat map, a hold with its countdown, the wallet, payment, confirmation.
// The live region (role="status") says where the fan stands in words; every
// refusal goes to the alert region with a plain message and a next step.
import { ProblemError, queries, type Seat } from '../api/client';
import { sleep } from '../api/follow';
import { h, krw, when } from '../dom';
import { guestId } from '../guest';
import { explain } from '../problems';
import { balance, holdSeat, joinQueue, pay, seatMap, tokenState, topUp, type Hold } from './calls';
import { Countdown } from './countdown';
import { SeatMap } from './seat-map';

/** How often the seat map is read again while the fan picks and pays. */
const REFRESH_MS = 1500;

export function bookingPage(root: HTMLElement, scheduleId: string, concertId: string | null): void {
  const status = h('p', { role: 'status', class: 'status' }, 'Join the queue to book a seat.');
  const alert = h('div', { role: 'alert', class: 'alert' });
  const title = h('h1', {}, 'Book a seat');
  const subtitle = h('p', { class: 'subtitle' });

  const join = h('button', { type: 'button' }, 'Join the queue');
  const line = h('p', { class: 'line' });
  const progress = h('progress', { max: '100', 'aria-label': 'Your progress through the queue' });
  const queueSection = h('section', { 'aria-labelledby': 'queue-heading' },
    h('h2', { id: 'queue-heading' }, 'Waiting room'), join, line, progress);

  const map = new SeatMap((seat) => select(seat));
  const holdButton = h('button', { type: 'button', disabled: true }, 'Hold');
  const countdownText = h('p', { class: 'countdown' });
  const countdown = new Countdown(countdownText);
  const seatsSection = h('section', { 'aria-labelledby': 'seats-heading', hidden: true },
    h('h2', { id: 'seats-heading' }, 'Seats'),
    h('p', { class: 'legend' },
      h('span', { 'data-status': 'available' }, 'available'), ' ',
      h('span', { 'data-status': 'held' }, 'held'), ' ',
      h('span', { 'data-status': 'sold' }, 'sold')),
    map.element, holdButton, countdownText);

  const balanceText = h('p', { class: 'balance' });
  const amount = h('input', { id: 'amount', type: 'number', min: '1', step: '1', inputmode: 'numeric' });
  const topUpButton = h('button', { type: 'button' }, 'Top up');
  const walletSection = h('section', { 'aria-labelledby': 'wallet-heading', hidden: true },
    h('h2', { id: 'wallet-heading' }, 'Wallet'), balanceText,
    h('div', { class: 'row' }, h('label', { for: 'amount' }, 'Amount'), amount, topUpButton));

  const holdText = h('p');
  const payButton = h('button', { type: 'button', disabled: true }, 'Pay');
  const paySection = h('section', { 'aria-labelledby': 'pay-heading', hidden: true },
    h('h2', { id: 'pay-heading' }, 'Pay'), holdText, payButton);

  const receipt = h('dl', { class: 'receipt' });
  const confirmation = h('section', { 'aria-labelledby': 'confirmed-heading', hidden: true, class: 'confirmation' },
    h('h2', { id: 'confirmed-heading', tabindex: '-1' }, 'Confirmed'), receipt);

  root.replaceChildren(
    h('p', {}, h('a', { href: '/' }, '← All concerts')),
    title, subtitle,
    h('p', { class: 'guest' },
      `You are booking as guest ${guestId().slice(0, 8)}. In this development setup the page sends `,
      h('code', {}, 'X-User-Id'),
      ' for a guest identity kept in this browser; in production the gateway sets it after you sign in.'),
    status, alert, queueSection, seatsSection, walletSection, paySection, confirmation,
  );

  let token: string | null = null;
  let hold: Hold | null = null;
  let done = false;
  let wallet = 0;

  const say = (text: string) => { status.textContent = text; };
  const warn = (error: unknown) => {
    const problem = error instanceof ProblemError ? error.problem : null;
    alert.textContent = problem ? explain(problem) : 'Something went wrong. Try again.';
    return problem?.code ?? null;
  };
  const calm = () => { alert.textContent = ''; };

  void describeSchedule(scheduleId, concertId, title, subtitle);

  join.addEventListener('click', () => void enterQueue());

  async function enterQueue(): Promise<void> {
    join.disabled = true;
    calm();
    try {
      const issued = await joinQueue(scheduleId);
      token = issued.token;
      let first = issued.position;
      let state: { status: string; position: number | null; eta_seconds: number; poll_after_seconds: number } = issued;
      while (state.status === 'WAITING') {
        first = Math.max(first ?? 0, state.position ?? 0) || null;
        showLine(state.position, state.eta_seconds, first);
        await sleep(state.poll_after_seconds * 1000);
        state = await tokenState(token);
      }
      if (state.status === 'EXPIRED') {
        line.textContent = '';
        alert.textContent = explain({ code: 'QUEUE_TOKEN_INVALID', status: 401, title: '', type: '', detail: '' });
        say('Your place in the queue lapsed.');
        join.disabled = false;
        return;
      }
      progress.value = 100;
      line.textContent = 'You are in.';
      say("It's your turn. Pick a seat.");
      await openBooking();
    } catch (error) {
      warn(error);
      join.disabled = false;
    }
  }

  function showLine(position: number | null, eta: number, first: number | null): void {
    if (position === null) {
      progress.removeAttribute('value');
      line.textContent = `Booking opens in about ${seconds(eta)}; your place is drawn at random then.`;
      say('You are in the pre-queue.');
      return;
    }
    progress.value = first ? Math.round(((first - position) / first) * 100) : 0;
    line.textContent = `Number ${position} in line, about ${seconds(eta)} to go.`;
    say(`You are number ${position} in line.`);
  }

  async function openBooking(): Promise<void> {
    queueSection.hidden = true;
    seatsSection.hidden = false;
    walletSection.hidden = false;
    paySection.hidden = false;
    wallet = await balance().catch(() => 0);
    showBalance();
    void refreshLoop();
  }

  async function refreshLoop(): Promise<void> {
    while (!done && token) {
      try {
        map.show(await seatMap(scheduleId, token));
      } catch (error) {
        const code = warn(error);
        if (code === 'QUEUE_TOKEN_INVALID' || code === 'FORBIDDEN') return;
      }
      await sleep(REFRESH_MS);
    }
  }

  function select(seat: Seat): void {
    map.selected = seat.number;
    map.mark(seat.number, seat.status);
    holdButton.disabled = hold !== null;
    calm();
    say(`Seat ${seat.number} selected, ${krw(seat.price)}.`);
  }

  holdButton.addEventListener('click', () => void placeHold());

  async function placeHold(): Promise<void> {
    const number = map.selected;
    if (number === null || !token || hold) return;
    holdButton.disabled = true;
    calm();
    say(`Holding seat ${number}…`);
    try {
      hold = await holdSeat(scheduleId, number, token);
      map.mine = number;
      map.selected = null;
      map.mark(number, 'HELD');
      say(`Seat ${number} held.`);
      holdText.textContent = `Seat ${number}, ${krw(hold.price)}.`;
      payButton.disabled = false;
      if (!amount.value) amount.value = String(Math.max(hold.price - wallet, 0) || hold.price);
      countdown.start(hold.expires_at, holdRanOut);
    } catch (error) {
      const code = warn(error);
      if (code === 'SEAT_UNAVAILABLE') {
        map.selected = null;
        map.mark(number, 'HELD');
        say(`Seat ${number} is taken. Pick another seat.`);
      } else {
        holdButton.disabled = false;
        say(`Seat ${number} is not held.`);
      }
    }
  }

  function holdRanOut(): void {
    if (!hold || done) return;
    const number = hold.seat_number;
    forgetHold();
    map.mark(number, 'AVAILABLE');
    alert.textContent = explain({ code: 'HOLD_EXPIRED', status: 409, title: '', type: '', detail: '' });
    say(`Your hold on seat ${number} ran out.`);
  }

  function forgetHold(): void {
    hold = null;
    map.mine = null;
    countdown.clear();
    holdText.textContent = '';
    payButton.disabled = true;
    holdButton.disabled = map.selected === null;
  }

  topUpButton.addEventListener('click', () => void chargeWallet());

  async function chargeWallet(): Promise<void> {
    const value = Number(amount.value);
    if (!Number.isInteger(value) || value <= 0) {
      alert.textContent = explain({ code: 'VALIDATION_FAILED', status: 400, title: '', type: '', detail: '' });
      amount.focus();
      return;
    }
    topUpButton.disabled = true;
    calm();
    try {
      wallet = await topUp(value);
      showBalance();
      say(`Topped up ${krw(value)}. Your balance is ${krw(wallet)}.`);
    } catch (error) {
      warn(error);
    } finally {
      topUpButton.disabled = false;
    }
  }

  function showBalance(): void {
    balanceText.textContent = `Balance: ${krw(wallet)}`;
  }

  payButton.addEventListener('click', () => void payHold());

  async function payHold(): Promise<void> {
    if (!hold || !token) return;
    const held = hold;
    payButton.disabled = true;
    calm();
    say(`Paying for seat ${held.seat_number}…`);
    try {
      const paid = await pay(held.reservation_id, token);
      done = true;
      countdown.clear();
      wallet = paid.balance;
      showBalance();
      map.mark(held.seat_number, 'SOLD');
      seatsSection.hidden = true;
      walletSection.hidden = true;
      paySection.hidden = true;
      receipt.replaceChildren(
        h('dt', {}, 'Seat'), h('dd', {}, String(held.seat_number)),
        h('dt', {}, 'Paid'), h('dd', {}, krw(paid.amount)),
        h('dt', {}, 'Balance left'), h('dd', {}, krw(paid.balance)),
        h('dt', {}, 'Payment'), h('dd', {}, h('code', {}, paid.payment_id)),
      );
      confirmation.hidden = false;
      say(`Confirmed. Seat ${held.seat_number} is yours.`);
      confirmation.querySelector('h2')?.focus();
    } catch (error) {
      const code = warn(error);
      if (code === 'HOLD_EXPIRED') {
        forgetHold();
        say(`Your hold on seat ${held.seat_number} ran out.`);
      } else if (code === 'INSUFFICIENT_BALANCE') {
        payButton.disabled = false;
        amount.value = String(Math.max(held.price - wallet, 1));
        say(`Seat ${held.seat_number} held; top up to pay.`);
        amount.focus();
      } else {
        payButton.disabled = false;
        say(`Seat ${held.seat_number} held; not paid yet.`);
      }
    }
  }
}

const seconds = (n: number): string => (n === 1 ? '1 second' : `${n} seconds`);

/** The concert's title and the schedule's date, when the link named its concert. */
async function describeSchedule(
  scheduleId: string,
  concertId: string | null,
  title: HTMLElement,
  subtitle: HTMLElement,
): Promise<void> {
  if (!concertId) return;
  const [concerts, schedules] = await Promise.all([
    queries.GET('/v1/concerts'),
    queries.GET('/v1/concerts/{concert_id}/schedules', { params: { path: { concert_id: concertId } } }),
  ]);
  const concert = concerts.data?.find((c) => c.concert_id === concertId);
  const schedule = schedules.data?.find((s) => s.schedule_id === scheduleId);
  if (concert) title.textContent = concert.title;
  if (schedule) subtitle.textContent = `${concert?.venue ?? ''} · ${when(schedule.starts_at)}`;
}
