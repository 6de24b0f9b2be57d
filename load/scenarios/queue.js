// queue: the waiting room at booking time. Fans arrive all at once (a
// burst), then a steady trickle; each takes a token and polls its status
// until admitted. Measures token issue and status polling latency and how
// long fans wait for admission (QUEUE_ADMIT_PER_SECOND sets that pace).

import { number, SHORT } from '../lib/config.js';
import { newFan, queueUp } from '../lib/fan.js';
import { options as judged } from '../lib/options.js';
import { summarize } from '../lib/summary.js';

const burst = number('QUEUE_BURST_FANS_PER_SECOND', 120, 30);
const steady = number('QUEUE_FANS_PER_SECOND', 20, 5);
const stages = SHORT
  ? [
      { target: burst, duration: '1s' },
      { target: burst, duration: '2s' },
      { target: steady, duration: '1s' },
      { target: steady, duration: '3s' },
      { target: 0, duration: '1s' },
    ]
  : [
      { target: burst, duration: '2s' },
      { target: burst, duration: '3s' },
      { target: steady, duration: '2s' },
      { target: steady, duration: '10s' },
      { target: 0, duration: '2s' },
    ];

export const options = judged(
  {
    fans: {
      executor: 'ramping-arrival-rate',
      exec: 'fan',
      startRate: 0,
      timeUnit: '1s',
      stages,
      // Every fan of the burst waits at once: VUs started on demand come too
      // late, and k6 drops their arrivals.
      preAllocatedVUs: SHORT ? 50 : 700,
      maxVUs: number('MAX_VUS', 1000, 150),
      gracefulStop: '60s',
    },
  },
  ['queue_issue', 'queue_status'],
);

export async function fan() {
  await queueUp(newFan());
}

export const handleSummary = summarize('queue');
