// Room for open files, where the system says (Linux: /proc/self/limits and /proc/self/fd; elsewhere
// nothing is known and nothing is checked). Rank 0 holds a control-plane socket per rank, and a
// limit reached during the rendezvous fails nobody: libuv closes the connections it cannot accept
// and the ranks retry until --timeout (bench:scale, 1,024 ranks under ulimit -n 1024: a 60 s wait
// naming 19 ranks that "did not join"). So rank 0 checks before it listens.
import { readdirSync, readFileSync } from 'node:fs';

export function fileRoom(): { limit: number; open: number } | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m || m[1] === 'unlimited') return undefined;
    return { limit: Number(m[1]), open: readdirSync('/proc/self/fd').length };
  } catch {
    return undefined;
  }
}

/** Why `sockets` more connections would not fit under this process's limit, or undefined. */
export function tooManyFiles(sockets: number, spare = 32): string | undefined {
  const room = fileRoom();
  if (!room || room.open + sockets + spare <= room.limit) return undefined;
  // Twice what the control plane needs: a backend such as Gloo holds another socket per rank.
  const suggest = Math.max(4096, 2 ** Math.ceil(Math.log2(2 * (room.open + sockets + spare))));
  return (
    `rank 0 needs a socket for each of its ${sockets} peers but may open only ${room.limit} files (ulimit -n; ` +
    `${room.open} already open); raise the limit where rank 0 starts (ulimit -n ${suggest}, or the ` +
    `batch system's setting for it) or run fewer ranks`
  );
}
