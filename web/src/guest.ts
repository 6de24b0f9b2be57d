// The caller's identity in this development setup: a guest id kept in the
// browser and sent as X-User-Id. In production the gateway authenticates
// the fan and sets X-User-Id itself (dropping any the browser sends).
const KEY = 'ticketfold.guest';

export function guestId(): string {
  let id = localStorage.getItem(KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(KEY, id);
  }
  return id;
}
