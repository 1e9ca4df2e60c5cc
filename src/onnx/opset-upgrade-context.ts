// What an opset upgrade rule may use: the versions involved, inferred facts, and a way to add
// constant inputs (as initializers of the node's own scope) under names unique in the model.
// Not the rules themselves (opset-upgrade-rules.ts) and not the driver (opset-upgrade.ts).
import { fail } from '../core/index.js';
import { dtypeFromOnnx } from './dtypes.js';
import {
  TensorProto_DataType as T,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from './gen/onnx_pb.js';
import { nodeLabel, removeAttribute } from './graph-node.js';
import type { Facts } from './opset-upgrade-infer.js';
import { tensorToProto } from './tensor.js';

/** One signature change of one operator, and how to rewrite a node across it. */
export interface UpgradeRule {
  /** The operator version (ONNX Changelog.md) whose signature differs from the one before. */
  readonly since: number;
  /** The change, for the report: "Clip-11: min and max become inputs". */
  readonly change: string;
  /** True when the operator no longer exists at `since`: the rule applies whatever `from` is. */
  readonly removed?: boolean;
  /**
   * Rewrites a node written against the signature before `since`: in place (returns
   * undefined) or by returning the nodes that replace it, in order.
   */
  readonly apply: (node: NodeProto, ctx: UpgradeContext) => NodeProto[] | undefined;
}

/** The state one upgrade shares with its rules. */
export class UpgradeContext {
  constructor(
    readonly from: number,
    readonly to: number,
    /** Facts of the scope the node being rewritten lives in. */
    readonly facts: Facts,
    private readonly scope: GraphProto,
    private readonly taken: Set<string>,
    private readonly read: ReadonlySet<string>,
    private readonly notes: string[],
  ) {}

  /** The same context for another scope (a subgraph body) with its facts. */
  within(scope: GraphProto, facts: Facts): UpgradeContext {
    return new UpgradeContext(this.from, this.to, facts, scope, this.taken, this.read, this.notes);
  }

  /** A value or node name not used anywhere in the model; reserved once returned. */
  name(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** True when some node, subgraph or graph output reads the value. */
  isRead(name: string): boolean {
    return name !== '' && this.read.has(name);
  }

  /** Records a remark for the report (an assumption a rule had to make). */
  note(message: string): void {
    this.notes.push(message);
  }

  /** Adds an initializer to the scope of the node being rewritten. */
  private addInitializer(tensor: TensorProto): void {
    this.scope.initializer.push(tensor);
  }

  /** Adds a 1-D int64 initializer and returns its name. */
  int64s(base: string, values: readonly number[]): string {
    const name = this.name(base);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.addInitializer(tensorToProto({ name, dtype: 'int64', shape: [values.length], data }));
    return name;
  }

  /** Adds a 1-D float32 initializer and returns its name. */
  float32s(base: string, values: readonly number[]): string {
    const name = this.name(base);
    this.addInitializer(
      tensorToProto({ name, dtype: 'float32', shape: [values.length], data: values }),
    );
    return name;
  }

  /** Adds a scalar initializer of ONNX element type `elemType` and returns its name. */
  scalar(base: string, value: number, elemType: number): string {
    const dtype = dtypeFromOnnx(elemType) ?? fail('unsupported-qtype', `element type ${elemType}`);
    const name = this.name(base);
    const data =
      dtype === 'int64'
        ? BigInt64Array.of(BigInt(value))
        : dtype === 'uint64'
          ? BigUint64Array.of(BigInt(value))
          : [value];
    this.addInitializer(tensorToProto({ name, dtype, shape: [], data }));
    return name;
  }

  /** Element type of a node's first input: inferred, or float32 (noted) when unknown. */
  elemTypeOf(node: NodeProto): number {
    const known = this.facts.get(node.input[0] ?? '').elemType;
    if (known !== undefined) return known;
    this.note(`${nodeLabel(node)}: element type unknown, constants written as float32`);
    return T.FLOAT;
  }

  /**
   * Moves an attribute to input `index` as a constant (int64 1-D by default), padding skipped
   * optional inputs with ''. Does nothing when the attribute is absent.
   */
  attributeToInput(
    node: NodeProto,
    attribute: string,
    index: number,
    make?: (a: AttributeProto) => string,
  ): void {
    const a = removeAttribute(node, attribute);
    if (a === undefined) return;
    const base = `${node.name || node.opType}_${attribute}`;
    const name = make !== undefined ? make(a) : this.int64s(base, a.ints.map(Number));
    while (node.input.length < index) node.input.push('');
    node.input[index] = name;
  }
}
