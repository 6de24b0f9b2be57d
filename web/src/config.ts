// Where the APIs are: window.TICKETFOLD_CONFIG, set by /config.js (written
// by serve.mjs for the stack it serves), so one build serves any ports.
export interface Config {
  commandApi: string;
  queryApi: string;
  /** Sent as `Prefer: wait=<seconds>` on commands when set; 0 makes every
   * command answer 202 at once, so the page follows its Location (tests). */
  preferWait?: number;
}

declare global {
  interface Window {
    TICKETFOLD_CONFIG?: Partial<Config>;
  }
}

export const config: Config = {
  commandApi: window.TICKETFOLD_CONFIG?.commandApi ?? 'http://127.0.0.1:8080',
  queryApi: window.TICKETFOLD_CONFIG?.queryApi ?? 'http://127.0.0.1:8081',
  preferWait: window.TICKETFOLD_CONFIG?.preferWait,
};
