import { Injectable } from '@nestjs/common';

/**
 * Whether this process has begun to shut down, set the moment the stop
 * signal is handled (graceful-shutdown.ts). Readiness reads it: Nest's own
 * shutdown hooks, which tell Terminus, run only after the job runtime has
 * stopped, and until then a readiness check would still answer 200.
 */
@Injectable()
export class ShutdownState {
  private began = false;

  begin(): void {
    this.began = true;
  }

  get stopping(): boolean {
    return this.began;
  }
}
