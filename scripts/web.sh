# shellcheck shell=bash
# The web app (web/): its npm packages and its build, for `make up` (which
# serves web/dist) and the browser tests of `make test`. Sourced after lib.sh.

WEB_DIR="$ROOT/web"

# npm ci when node_modules is missing or older than package-lock.json.
web_install() {
  local stamp="$WEB_DIR/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$WEB_DIR/package-lock.json" -nt "$stamp" ]; then
    say "installing the web app's npm packages (npm ci in web/)"
    (cd "$WEB_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# tsc and vite build when dist/ is missing or older than any source.
web_build() {
  web_install
  local built="$WEB_DIR/dist/index.html"
  if [ -f "$built" ] && [ -z "$(find "$WEB_DIR/src" "$WEB_DIR/public" "$WEB_DIR/index.html" \
    "$WEB_DIR/package-lock.json" "$WEB_DIR/vite.config.ts" -newer "$built" -print -quit)" ]; then
    return 0
  fi
  say "building the web app (tsc, vite build in web/)"
  (cd "$WEB_DIR" && npm run --silent build >/dev/null)
}
