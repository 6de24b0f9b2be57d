// Where the APIs are. serve.mjs answers /config.js itself with the stack it
// was started for; this file holds the `make up` addresses for `vite dev`.
window.TICKETFOLD_CONFIG = { commandApi: 'http://127.0.0.1:8080', queryApi: 'http://127.0.0.1:8081' };
