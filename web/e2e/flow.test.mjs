// One fan's whole flow, by keyboard: the concert list, the schedule's
// booking page, the queue, a seat, a refused payment (no money yet), a
// top-up, the payment, "Confirmed".
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fan, seatIs, shoot } from './browser.mjs';
import { stackAndBrowser } from './harness.mjs';
import { openSchedule } from './stack.mjs';
import { alertSays, holdSeat, joinAndWaitForTurn, statusSays } from './steps.mjs';

const world = stackAndBrowser();

test('a fan books a seat from the concert list to "Confirmed"', async () => {
  const { scheduleId } = await openSchedule(world.stack, { seats: 6, price: 50_000 });
  const page = await fan(world.browser);

  await page.goto(`${world.stack.web}/`);
  // The schedule's own item, not its concert's (which contains it).
  const scheduleItem = (text) =>
    page.getByRole('listitem').filter({ hasText: text }).filter({ hasNot: page.getByRole('heading') });
  const schedule = scheduleItem('6 of 6 seats available');
  await schedule.waitFor();
  await shoot(page, 'flow-1-concerts');
  await schedule.getByRole('link').press('Enter');
  await page.waitForURL(`**/schedules/${scheduleId}?**`);
  await page.getByRole('heading', { name: 'The Foldbacks: Live' }).waitFor();
  assert.match(await page.getByText('X-User-Id').locator('..').textContent(), /in production the gateway sets it/);

  await joinAndWaitForTurn(page);
  await seatIs(page, 1, 'available').waitFor();
  await shoot(page, 'flow-2-your-turn');

  await holdSeat(page, 3);
  await statusSays(page, 'Seat 3 held');
  await page.getByText(/Hold expires in \d+:\d\d/).waitFor();
  await seatIs(page, 3, 'held').waitFor();
  assert.match(await seatIs(page, 3, 'held').getAttribute('aria-label'), /your hold/);
  await shoot(page, 'flow-3-seat-held');

  // Paying with an empty wallet: the contract's INSUFFICIENT_BALANCE, in words.
  await page.getByRole('button', { name: 'Pay' }).press('Enter');
  await alertSays(page, 'Top up the wallet, then pay');
  await shoot(page, 'flow-4-insufficient-balance');

  const amount = page.getByLabel('Amount');
  await amount.fill('');
  await amount.pressSequentially('50000');
  await page.getByRole('button', { name: 'Top up' }).press('Enter');
  await statusSays(page, 'Your balance is 50,000 KRW');

  await page.getByRole('button', { name: 'Pay' }).press('Enter');
  await statusSays(page, 'Confirmed');
  await page.getByRole('heading', { name: 'Confirmed' }).waitFor();
  assert.equal(await page.getByRole('alert').textContent(), '');
  await shoot(page, 'flow-5-confirmed');

  // The sale reached the read model: the list now counts one seat fewer.
  await page.goto(`${world.stack.web}/`);
  await scheduleItem('5 of 6 seats available').waitFor();
});
