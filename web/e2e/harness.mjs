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
    [world.stack, world.browser] = await Promise.all([startStack(settings, page), launch()]);
  });
  after(async () => {
    await world.browser?.close();
    await world.stack?.stop();
  });
  return world;
}
