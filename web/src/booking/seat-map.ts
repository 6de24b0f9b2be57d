// The seat map: one button per seat, updated in place on every refresh so
// keyboard focus stays where it is. A seat's name is "Seat {number}, {price}
// ..., {status}", and its status is shown as a word and a pattern, not by
// colour alone.
import type { Seat } from '../api/client';
import { h, krw } from '../dom';

export type SeatWord = 'available' | 'held' | 'sold';

const WORDS: Record<Seat['status'], SeatWord> = { AVAILABLE: 'available', HELD: 'held', SOLD: 'sold' };

export class SeatMap {
  readonly element = h('div', { class: 'seat-grid', role: 'group', 'aria-label': 'Seat map' });
  private readonly buttons = new Map<number, HTMLButtonElement>();
  private seats: Seat[] = [];
  selected: number | null = null;
  /** The seat this fan holds, named as theirs. */
  mine: number | null = null;

  constructor(private readonly onSelect: (seat: Seat) => void) {}

  show(seats: Seat[]): void {
    this.seats = seats;
    for (const seat of seats) {
      let button = this.buttons.get(seat.number);
      if (!button) {
        button = h('button', { type: 'button', class: 'seat' });
        button.addEventListener('click', () => {
          const current = this.seats.find((s) => s.number === seat.number);
          if (current?.status === 'AVAILABLE') this.onSelect(current);
        });
        this.buttons.set(seat.number, button);
        this.element.append(button);
      }
      this.paint(button, seat);
    }
  }

  /** Marks one seat's status at once (a refusal says it is taken). */
  mark(number: number, status: Seat['status']): void {
    this.show(this.seats.map((seat) => (seat.number === number ? { ...seat, status } : seat)));
  }

  seat(number: number): Seat | undefined {
    return this.seats.find((seat) => seat.number === number);
  }

  private paint(button: HTMLButtonElement, seat: Seat): void {
    const word = WORDS[seat.status];
    const mine = this.mine === seat.number && seat.status === 'HELD';
    const selected = this.selected === seat.number;
    const notes = [krw(seat.price), mine ? 'your hold' : '', selected ? 'selected' : ''].filter(Boolean);
    button.setAttribute('aria-label', `Seat ${seat.number}, ${notes.join(', ')}, ${word}`);
    button.setAttribute('aria-pressed', String(selected));
    button.dataset.status = word;
    button.classList.toggle('mine', mine);
    // Taken seats stay focusable (aria-disabled) so a keyboard user can hear them.
    button.setAttribute('aria-disabled', String(seat.status !== 'AVAILABLE'));
    button.replaceChildren(
      h('span', { class: 'seat-number' }, String(seat.number)),
      h('span', { class: 'seat-state' }, mine ? 'yours' : word),
    );
  }
}
