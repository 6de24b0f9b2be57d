// Two fans (two browser contexts, two guest ids) press Hold on the same
// seat at once: the log's order decides, exactly one holds it, and the
// other is told it was taken and sees it held in the map.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fan, seatIs, shoot } from './browser.mjs';
import { stackAndBrowser } from './harness.mjs';
import { openSchedule } from './stack.mjs';
import { firstOf, holdSeat, joinAndWaitForTurn } from './steps.mjs';

const world = stackAndBrowser();

const HELD = 'Seat 2 held';
const TAKEN = 'Someone else got that seat first';

test('two fans race for one seat: one holds it, the other sees it taken', async () => {
  const { url } = await openSchedule(world.stack, { seats: 4 });
  const fans = [await fan(world.browser), await fan(world.browser)];
  await Promise.all(fans.map((page) => page.goto(url)));
  await Promise.all(fans.map(joinAndWaitForTurn));

  // Both select first, then both press Hold: neither sees the other's hold before pressing.
  await Promise.all(fans.map((page) => seatIs(page, 2, 'available').press('Enter')));
  await Promise.all(fans.map((page) => page.getByRole('button', { name: 'Hold', exact: true }).press('Enter')));
  const outcomes = await Promise.all(fans.map((page) => firstOf(page, [HELD, TAKEN])));
  assert.deepEqual([...outcomes].sort(), [HELD, TAKEN], `outcomes: ${outcomes}`);

  const winner = fans[outcomes.indexOf(HELD)];
  const loser = fans[outcomes.indexOf(TAKEN)];
  await seatIs(loser, 2, 'held').waitFor();
  assert.doesNotMatch(await seatIs(loser, 2, 'held').getAttribute('aria-label'), /your hold/);
  assert.match(await seatIs(winner, 2, 'held').getAttribute('aria-label'), /your hold/);
  await shoot(winner, 'race-1-winner');
  await shoot(loser, 'race-2-loser');

  // The loser picks another seat and holds it.
  await holdSeat(loser, 3);
  await firstOf(loser, ['Seat 3 held']);
  await seatIs(winner, 3, 'held').waitFor();
});
