// The waiting room at a low admission rate (fixed, one fan a second): with
// the schedule's room paused by the operator (the admin API), two fans join
// and wait with their positions; once the room is resumed the pages,
// polling at the pace the server sets, say it's their turn.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fan, seatIs, shoot } from './browser.mjs';
import { stackAndBrowser } from './harness.mjs';
import { openSchedule, roomAction } from './stack.mjs';
import { statusSays } from './steps.mjs';

const world = stackAndBrowser({ QUEUE_ADMISSION: 'fixed', QUEUE_ADMIT_PER_SECOND: '1', QUEUE_WAITING_GRACE_SECONDS: '30' });

test('waiting fans move from their positions to "It\'s your turn"', async () => {
  const { url, scheduleId } = await openSchedule(world.stack, { seats: 2 });
  await roomAction(world.stack, scheduleId, 'pause');
  const [first, second] = [await fan(world.browser), await fan(world.browser)];
  for (const [page, position] of [[first, 1], [second, 2]]) {
    await page.goto(url);
    await page.getByRole('button', { name: 'Join the queue' }).press('Enter');
    await statusSays(page, `You are number ${position} in line`);
  }
  await second.getByText(/Number 2 in line, about \d+ seconds? to go/).waitFor();
  assert.equal(await second.getByRole('progressbar').getAttribute('aria-label'), 'Your progress through the queue');
  await shoot(second, 'waiting-1-in-line');

  await roomAction(world.stack, scheduleId, 'resume');
  await statusSays(first, "It's your turn");
  await statusSays(second, "It's your turn");
  await seatIs(second, 1, 'available').waitFor();
  await shoot(second, 'waiting-2-your-turn');
});
