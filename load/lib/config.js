// What a run is pointed at and how hard it pushes, from the environment
// (load/run.sh sets these). SHORT=1 is the few-second mode `make test` runs.

const env = __ENV;

export const SHORT = env.SHORT === '1' || env.SHORT === 'true';

export const COMMAND_API_URL = (env.COMMAND_API_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const QUERY_API_URL = (env.QUERY_API_URL || 'http://127.0.0.1:8081').replace(/\/$/, '');
export const ADMIN_KEY = env.ADMIN_KEY || '';
export const REDIS_URL = env.REDIS_URL || 'redis://127.0.0.1:6379';
export const REDIS_KEY_PREFIX = env.REDIS_KEY_PREFIX === undefined ? 'tf:' : env.REDIS_KEY_PREFIX;
export const CACHE_STRATEGY = env.CACHE_STRATEGY || 'unknown';

export function number(name, full, short) {
  const raw = env[name];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      throw new Error(`${name} must be a number, got ${raw}`);
    }
    return value;
  }
  return SHORT ? short : full;
}

// The SLO every booking request is held to.
export const SLO_SECONDS = 1;

// Fans give up on the queue after this long; a give-up is counted, not an error.
export const ADMISSION_TIMEOUT_SECONDS = number('ADMISSION_TIMEOUT_SECONDS', 45, 20);
