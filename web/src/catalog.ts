// The front page: every concert with its schedules and how many seats are
// still available; each schedule links to its booking page.
import { problemOf, queries } from './api/client';
import { h, when } from './dom';
import { explain } from './problems';

export async function catalogPage(root: HTMLElement): Promise<void> {
  const alert = h('div', { role: 'alert', class: 'alert' });
  const list = h('ul', { class: 'concerts' });
  root.replaceChildren(h('h1', {}, 'Concerts'), alert, list);

  const { data: concerts, error, response } = await queries.GET('/v1/concerts');
  if (!concerts) {
    alert.textContent = explain(problemOf(error, response));
    return;
  }
  if (concerts.length === 0) {
    list.append(h('li', {}, 'No concerts on sale yet.'));
    return;
  }
  for (const concert of concerts) {
    const schedules = h('ul', { class: 'schedules' });
    list.append(h('li', {}, h('h2', {}, concert.title), h('p', {}, concert.venue), schedules));
    const answer = await queries.GET('/v1/concerts/{concert_id}/schedules', {
      params: { path: { concert_id: concert.concert_id } },
    });
    for (const schedule of answer.data ?? []) {
      const href = `/schedules/${schedule.schedule_id}?concert=${concert.concert_id}`;
      schedules.append(
        h('li', {},
          h('a', { href }, when(schedule.starts_at)),
          ` — ${schedule.available_seats} of ${schedule.total_seats} seats available`,
          h('span', { class: 'opens' }, ` (booking opens ${when(schedule.booking_opens_at)})`)),
      );
    }
  }
}
