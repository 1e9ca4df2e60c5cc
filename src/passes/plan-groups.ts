// Activation groups of a plan: tensors joined by scale-preserving ops, folded clamps and shared
// Concats get one set of parameters, so onnxruntime sees equal scales on both sides of a
// Reshape or MaxPool and drops the DequantizeLinear/QuantizeLinear between them.
// Not the node decisions (plan-quantization.ts) and not the parameter arithmetic (insert-qdq.ts).
import { fail, type QType, type Scheme } from '../core/index.js';
import type { ActivationGroup, TensorOverride } from './plan-types.js';

/** Union-find over tensor names, remembering first-seen order. */
export class TensorSets {
  private readonly parent = new Map<string, string>();

  /** Adds `name` as a set of its own when new. */
  add(name: string): void {
    if (!this.parent.has(name)) this.parent.set(name, name);
  }

  has(name: string): boolean {
    return this.parent.has(name);
  }

  /** The representative of `name`'s set. */
  find(name: string): string {
    let root = name;
    while (this.parent.get(root) !== root)
      root = this.parent.get(root) ?? fail('bad-argument', `'${name}' is not in any set`);
    this.parent.set(name, root);
    return root;
  }

  /** Joins the sets of `a` and `b` (both added first). */
  union(a: string, b: string): void {
    this.add(a);
    this.add(b);
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }

  /** Every set as its members, in first-added order. */
  sets(): string[][] {
    const bySet = new Map<string, string[]>();
    for (const name of this.parent.keys()) {
      const root = this.find(name);
      const members = bySet.get(root) ?? [];
      members.push(name);
      bySet.set(root, members);
    }
    return [...bySet.values()];
  }
}

/** Per-tensor facts the planner gathered, from which groups take their parameters. */
export interface GroupFacts {
  readonly qtype: QType;
  readonly scheme: Scheme;
  readonly overrides: Readonly<Record<string, TensorOverride>>;
  /** Bounds of a tensor's values: a folded Relu/Clip's, or its op's output range (Sigmoid). */
  readonly bounds: ReadonlyMap<string, readonly [number, number]>;
  /** The calibrated tensor standing for a tensor (the folded clamp's output), when not itself. */
  readonly rangeSources: ReadonlyMap<string, string>;
  /** Position of each tensor in graph order, for a stable calibrate list. */
  readonly order: ReadonlyMap<string, number>;
}

/** Builds the plan's groups from the sets; conflicting overrides fail with `bad-argument`. */
export function buildGroups(sets: TensorSets, facts: GroupFacts): ActivationGroup[] {
  const position = (name: string) => facts.order.get(name) ?? Number.MAX_SAFE_INTEGER;
  const groups = sets.sets().map((members) => {
    const tensors = [...members].sort((a, b) => position(a) - position(b));
    // An override may name a folded clamp's output, which stands for the tensor it folded onto.
    const overrides = tensors.flatMap((t) => {
      const o = facts.overrides[t] ?? facts.overrides[facts.rangeSources.get(t) ?? ''];
      return o === undefined ? [] : [{ tensor: t, ...o }];
    });
    const pick = <K extends keyof TensorOverride>(key: K): TensorOverride[K] | undefined => {
      const values = overrides.filter((o) => o[key] !== undefined);
      const first = values[0];
      if (values.some((o) => JSON.stringify(o[key]) !== JSON.stringify(first?.[key]))) {
        const names = values.map((o) => `'${o.tensor}'`).join(', ');
        fail('bad-argument', `tensors ${names} share one scale but override different ${key}s`, {
          tensor: first?.tensor ?? '',
        });
      }
      return first?.[key];
    };
    const fixedRange = pick('range');
    // The group holds the union of its members' values: bounded where every member is.
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of tensors) {
      const c = facts.bounds.get(t);
      lo = Math.min(lo, c?.[0] ?? -Infinity);
      hi = Math.max(hi, c?.[1] ?? Infinity);
    }
    const clamp = {
      ...(lo === -Infinity ? {} : { min: lo }),
      ...(hi === Infinity ? {} : { max: hi }),
    };
    const calibrate =
      fixedRange === undefined ? tensors.map((t) => facts.rangeSources.get(t) ?? t) : [];
    return {
      id: tensors[0]!,
      tensors,
      calibrate: [...new Set(calibrate)],
      qtype: pick('qtype') ?? facts.qtype,
      scheme: pick('scheme') ?? facts.scheme,
      ...(fixedRange === undefined ? {} : { fixedRange }),
      ...(lo === -Infinity && hi === Infinity ? {} : { clamp }),
    };
  });
  return groups.sort((a, b) => position(a.id) - position(b.id));
}
