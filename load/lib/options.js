// Thresholds every scenario is judged by: the booking SLO (p95 under 1 s),
// no server errors and no unexpected client errors. 409 refusals are
// counted apart (business_refusals) and never fail a run. The per-endpoint
// thresholds also make k6 keep per-endpoint p95/p99 in its summary.

import { ENDPOINTS } from './api.js';

export function thresholds(endpoints) {
  const result = {
    'http_req_duration{booking:yes}': ['p(95)<1000'],
    server_errors: ['count==0'],
    client_errors: ['count==0'],
  };
  for (const endpoint of endpoints) {
    if (!ENDPOINTS[endpoint]) {
      throw new Error(`unknown endpoint ${endpoint}`);
    }
    result[`http_req_duration{endpoint:${endpoint}}`] = ['p(95)<1000'];
  }
  return result;
}

export function options(scenarios, endpoints) {
  return {
    scenarios,
    thresholds: thresholds(endpoints),
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
    setupTimeout: '120s',
    teardownTimeout: '30s',
    // The set-up requests (admin) are not part of what is judged.
    systemTags: ['status', 'method', 'name', 'scenario', 'expected_response', 'error_code'],
  };
}
