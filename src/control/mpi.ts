// Control plane over MPI_COMM_WORLD, through the addon's engine thread (which owns MPI).
import type { Addon } from '../native/addon.js';
import type { ControlPlane } from './control.js';

export class MpiControl implements ControlPlane {
  private constructor(
    private readonly addon: Addon,
    readonly rank: number,
    readonly size: number,
  ) {}

  static async connect(addon: Addon): Promise<MpiControl> {
    const { rank, size } = await addon.mpiInit();
    return new MpiControl(addon, rank, size);
  }

  barrier(): Promise<void> {
    return this.addon.controlBarrier();
  }

  bcast(data: Buffer, root: number): Promise<Buffer> {
    return this.addon.controlBcast(data, root);
  }

  gather(data: Buffer): Promise<Buffer[] | null> {
    return this.addon.controlGather(data);
  }
}
