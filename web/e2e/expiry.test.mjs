// A hold nobody pays lapses (HOLD_TTL_SECONDS is short here): the holder's
// countdown runs out and says so, and the seat reads available again in
// both fans' maps without anyone acting.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fan, seatIs, shoot } from './browser.mjs';
import { stackAndBrowser } from './harness.mjs';
import { openSchedule } from './stack.mjs';
import { alertSays, holdSeat, joinAndWaitForTurn, statusSays } from './steps.mjs';

const world = stackAndBrowser({ HOLD_TTL_SECONDS: '6' });

test('an unpaid hold runs out and frees the seat in both maps', async () => {
  const { url } = await openSchedule(world.stack, { seats: 3 });
  const [holder, other] = [await fan(world.browser), await fan(world.browser)];
  await Promise.all([holder, other].map((page) => page.goto(url)));
  await Promise.all([holder, other].map(joinAndWaitForTurn));

  await holdSeat(holder, 1);
  await statusSays(holder, 'Seat 1 held');
  await seatIs(other, 1, 'held').waitFor();
  await shoot(other, 'expiry-1-held-by-another');

  await statusSays(holder, 'Your hold on seat 1 ran out');
  await alertSays(holder, 'Your hold ran out');
  await seatIs(holder, 1, 'available').waitFor();
  await seatIs(other, 1, 'available').waitFor();
  assert.equal(await holder.getByRole('button', { name: 'Pay' }).isDisabled(), true);
  await shoot(holder, 'expiry-2-ran-out');
});
