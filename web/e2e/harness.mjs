// Each browser test file's own stack and Chromium: started before its tests,
// stopped after them, whatever the tests did.
import { after, before } from 'node:test';

import { launch } from './browser.mjs';
import { startStack } from './stack.mjs';

/** `settings` and `page` as `startStack` takes them; the returned object
 * holds `stack` and `browser` once the file's tests run. */
export function stackAndBrowser(settings = {}, page = {}) {
  const world = {};
  before(async () => {
    // Both are kept even when the other failed, so `after` stops what did
    // start: a Chromium left running would keep this file's process alive.
    const [stack, browser] = await Promise.allSettled([startStack(settings, page), launch()]);
    world.stack = stack.value;
    world.browser = browser.value;
    for (const started of [stack, browser]) {
      if (started.status === 'rejected') throw started.reason;
    }
  });
  after(async () => {
    await world.browser?.close();
    await world.stack?.stop();
  });
  return world;
}
