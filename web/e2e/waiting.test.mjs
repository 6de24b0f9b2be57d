// The waiting room: with the schedule's room paused by the operator (the
// admin API), a fan who joins waits with a position; once the room is
// resumed the page, polling at the pace the server sets, says it's their turn.
import { after, before, test } from 'node:test';

import { fan, launch, seatIs, shoot } from './browser.mjs';
import { openSchedule, roomAction, startStack } from './stack.mjs';
import { statusSays } from './steps.mjs';

let stack;
let browser;
before(async () => {
  // A 30 s grace caps the server's poll interval at 10 s.
  [stack, browser] = await Promise.all([startStack({ QUEUE_WAITING_GRACE_SECONDS: '30' }), launch()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('a waiting fan moves from a position to "It\'s your turn"', async () => {
  const { url, scheduleId } = await openSchedule(stack, { seats: 2 });
  await roomAction(stack, scheduleId, 'pause');
  const page = await fan(browser);
  await page.goto(url);
  await page.getByRole('button', { name: 'Join the queue' }).press('Enter');
  await statusSays(page, 'You are number 1 in line');
  await page.getByText(/Number 1 in line, about \d+ seconds to go/).waitFor();
  await shoot(page, 'waiting-1-in-line');

  await roomAction(stack, scheduleId, 'resume');
  await statusSays(page, "It's your turn");
  await seatIs(page, 1, 'available').waitFor();
  await shoot(page, 'waiting-2-your-turn');
});
