// The commander's end of CCBENCH_EXIT_NOTICE (job/exit-report.ts): it listens on this host's
// routable address for rank 0, wherever rank 0 runs, and learns its exit code and when it ended.
// A launcher that outlives rank 0 by more than a grace period is waiting for a host it cannot
// reach (a link down: mpirun for its daemon, srun for the step) and is ended, so the job ends
// within --timeout + a few seconds, as on one host.
import type { Server } from 'node:net';
import { net } from '../builtins.js';
import { nonce, sameText } from '../control/auth.js';
import { hostname } from 'node:os';
import { routableAddress } from '../job/address.js';
import { parseReport } from '../job/exit-report.js';

export interface ExitNotice {
  env: string; // the value of CCBENCH_EXIT_NOTICE for the ranks
  code: () => number | 'started' | undefined; // what rank 0 said, as readExitReport
  step: () => string | undefined; // its Slurm job and step ("12.0"), if it runs in one
  /** Called once, when rank 0's connection closes (it has ended, or its host is gone). */
  onEnd: (f: (code: number | 'started') => void) => void;
  close: () => void;
}

export async function listenForRankZero(): Promise<ExitNotice | undefined> {
  const address = await routableAddress(hostname());
  const token = nonce();
  let said: number | 'started' | undefined;
  let step: string | undefined;
  let ended: ((code: number | 'started') => void) | undefined;
  let fired = false;
  const server: Server = net().createServer((socket) => {
    let buf = '';
    let ours = false;
    socket.setTimeout(0);
    socket.on('data', (d) => {
      buf += d;
      if (buf.length > 1024) return socket.destroy(); // not rank 0
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [t, what, arg] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        const good = t !== undefined && sameText(t, token);
        if (!good) return socket.destroy();
        ours = true;
        if (what === 'step' && /^\d+\.\d+$/.test(arg ?? '')) step = arg;
        else said = parseReport(what ?? '') ?? said; // the last word stands, as in the report file
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!ours || fired || said === undefined) return;
      fired = true;
      ended?.(said);
    });
  });
  server.on('error', () => {});
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, address, () => resolve(true));
  });
  if (!ok) return undefined; // no notice: the launcher's own end is awaited, as before
  server.unref();
  const port = (server.address() as { port: number }).port;
  return {
    env: `${address.includes(':') ? `[${address}]` : address}:${port}:${token}`,
    code: () => said,
    step: () => step,
    onEnd: (f) => (ended = f),
    close: () => server.close(),
  };
}
