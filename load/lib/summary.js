// k6's end-of-test summary, written as JSON where load/run.sh expects it
// (SUMMARY_FILE) and as a few readable lines on stdout.

import { CACHE_STRATEGY } from './config.js';

function ms(value) {
  return value === undefined ? '-' : `${value.toFixed(1)} ms`;
}

function count(data, name) {
  const metric = data.metrics[name];
  return metric ? metric.values.count : 0;
}

export function summarize(scenario) {
  return function handleSummary(data) {
    const lines = [`${scenario} (CACHE_STRATEGY=${CACHE_STRATEGY})`];
    const booking = data.metrics['http_req_duration{booking:yes}'];
    if (booking) {
      lines.push(`  booking requests: ${booking.values.count} p95 ${ms(booking.values['p(95)'])} p99 ${ms(booking.values['p(99)'])}`);
    }
    lines.push(
      `  server errors: ${count(data, 'server_errors')}, unexpected 4xx: ${count(data, 'client_errors')}, ` +
        `business refusals (409): ${count(data, 'business_refusals')}, pending (202): ${count(data, 'pending_decisions')}`,
    );
    for (const [name, metric] of Object.entries(data.metrics)) {
      for (const [threshold, verdict] of Object.entries(metric.thresholds || {})) {
        if (!verdict.ok) {
          lines.push(`  threshold crossed: ${name} ${threshold}`);
        }
      }
    }
    const outputs = { stdout: `${lines.join('\n')}\n` };
    if (__ENV.SUMMARY_FILE) {
      outputs[__ENV.SUMMARY_FILE] = JSON.stringify(data, null, 2);
    }
    return outputs;
  };
}
