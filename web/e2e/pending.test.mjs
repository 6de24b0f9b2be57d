// Commands answered 202 and followed across origins: the page sends
// `Prefer: wait=0` (serve.mjs --prefer-wait 0), so the hold, the top-up and
// the payment are each answered `202` with an absolute `Location` on
// query-api, which the page reads (CORS exposes it) and polls to the outcome.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fan, shoot } from './browser.mjs';
import { stackAndBrowser } from './harness.mjs';
import { openSchedule } from './stack.mjs';
import { holdSeat, joinAndWaitForTurn, statusSays } from './steps.mjs';

const world = stackAndBrowser({}, { preferWait: 0 });

test('a fan whose every command is answered 202 still reaches "Confirmed"', async () => {
  const { url } = await openSchedule(world.stack, { seats: 2, price: 30_000 });
  const page = await fan(world.browser);
  const answered = [];
  page.on('response', (response) => {
    const request = response.request();
    answered.push(`${request.method()} ${response.url()} ${response.status()}`);
  });
  await page.goto(url);
  await joinAndWaitForTurn(page);

  await holdSeat(page, 2);
  await statusSays(page, 'Seat 2 held');
  await page.getByLabel('Amount').fill('30000');
  await page.getByRole('button', { name: 'Top up' }).press('Enter');
  await statusSays(page, 'Your balance is 30,000 KRW');
  await page.getByRole('button', { name: 'Pay' }).press('Enter');
  await statusSays(page, 'Confirmed');
  await shoot(page, 'pending-1-confirmed');

  for (const [command, read] of [
    ['/v1/reservations', '/v1/reservations/'],
    ['/v1/balance/charges', '/v1/balance/charges/'],
    ['/v1/payments', '/v1/payments/'],
  ]) {
    assert.ok(answered.includes(`POST ${world.stack.commandApi}${command} 202`), `${command} not answered 202:\n${answered.join('\n')}`);
    assert.ok(
      answered.some((line) => line.startsWith(`GET ${world.stack.queryApi}${read}`) && line.endsWith(' 200')),
      `no read of ${read} on query-api:\n${answered.join('\n')}`,
    );
  }
});
