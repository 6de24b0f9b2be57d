// A countdown to a hold's expires_at, shown as m:ss; calls `onEnd` once.
export class Countdown {
  private timer: number | undefined;

  constructor(private readonly element: HTMLElement) {}

  start(expiresAt: string, onEnd: () => void): void {
    this.stop();
    const end = new Date(expiresAt).getTime();
    const tick = () => {
      const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      this.element.textContent = `Hold expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
      if (left === 0) {
        this.stop();
        onEnd();
      }
    };
    tick();
    this.timer = window.setInterval(tick, 250);
  }

  stop(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
  }

  clear(): void {
    this.stop();
    this.element.textContent = '';
  }
}
