// First-fit bookkeeping of the byte ranges that resident arrays (resident.ts) hold in the kernels'
// memory, from a start offset up: allocate, free (coalescing), and the end above which scratch
// may be laid out. Pure arithmetic over offsets; not the memory, its growth or the views.

interface Block {
  offset: number;
  size: number;
  free: boolean;
}

/** 64-byte multiples, so that every region starts on a cache line. */
function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** Allocated and free byte ranges from `start` up, in address order. */
export class Regions {
  private readonly blocks: Block[] = [];

  constructor(private readonly start: number) {}

  /** First byte above every allocated range (the start when none is). */
  get end(): number {
    const last = this.blocks[this.blocks.length - 1];
    return last === undefined ? this.start : last.offset + last.size;
  }

  /** Bytes held by allocated ranges. */
  get held(): number {
    return this.blocks.reduce((sum, b) => sum + (b.free ? 0 : b.size), 0);
  }

  /** The offset of a new range of `bytes` (64-byte aligned): the first free gap that fits, else the end. */
  allocate(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    const i = this.blocks.findIndex((b) => b.free && b.size >= size);
    if (i < 0) {
      const offset = this.end;
      this.blocks.push({ offset, size, free: false });
      return offset;
    }
    const b = this.blocks[i]!;
    if (b.size > size) {
      this.blocks.splice(i + 1, 0, { offset: b.offset + size, size: b.size - size, free: true });
      b.size = size;
    }
    b.free = false;
    return b.offset;
  }

  /** Frees the range allocated at `offset` (no-op if none is): merges free neighbours, drops a free tail. */
  free(offset: number): void {
    const i = this.blocks.findIndex((b) => b.offset === offset && !b.free);
    if (i < 0) return;
    this.blocks[i]!.free = true;
    for (let j = this.blocks.length - 2; j >= 0; j--) {
      const a = this.blocks[j]!;
      const b = this.blocks[j + 1]!;
      if (a.free && b.free) {
        a.size += b.size;
        this.blocks.splice(j + 1, 1);
      }
    }
    while (this.blocks.length > 0 && this.blocks[this.blocks.length - 1]!.free) this.blocks.pop();
  }

  /** True when [offset, offset + bytes) lies inside one allocated range. */
  holds(offset: number, bytes: number): boolean {
    return this.blocks.some(
      (b) => !b.free && offset >= b.offset && offset + bytes <= b.offset + b.size,
    );
  }
}
