// What the tests do on a page, by accessible names only, and the states
// they wait for (each wait ends as soon as the page shows it).
import { seatIs } from './browser.mjs';

export const statusSays = (page, text) => page.getByRole('status').filter({ hasText: text }).waitFor();
export const alertSays = (page, text) => page.getByRole('alert').filter({ hasText: text }).waitFor();

/** Join the queue from the booking page and wait for the fan's turn. */
export async function joinAndWaitForTurn(page) {
  await page.getByRole('button', { name: 'Join the queue' }).press('Enter');
  await statusSays(page, "It's your turn");
}

/** Selects an available seat and presses Hold, by keyboard. */
export async function holdSeat(page, number) {
  await seatIs(page, number, 'available').press('Enter');
  await page.getByRole('button', { name: 'Hold', exact: true }).press('Enter');
}

/** Waits until the status or the alert region says one of the texts; answers which. */
export async function firstOf(page, texts) {
  const handle = await page.waitForFunction((wanted) => {
    const said = `${document.querySelector('[role=status]')?.textContent ?? ''}\n${document.querySelector('[role=alert]')?.textContent ?? ''}`;
    return wanted.find((text) => said.includes(text)) ?? false;
  }, texts);
  return handle.jsonValue();
}
