// Two routes: / (the concerts) and /schedules/{schedule_id} (one booking).
import { bookingPage } from './booking/page';
import { catalogPage } from './catalog';
import './style.css';

const root = document.getElementById('app') as HTMLElement;
const booking = /^\/schedules\/([0-9a-fA-F-]{36})\/?$/.exec(location.pathname);
if (booking) {
  bookingPage(root, booking[1], new URLSearchParams(location.search).get('concert'));
} else {
  void catalogPage(root);
}
