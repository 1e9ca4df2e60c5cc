// ONNX-aware mutations: a model is decoded, one thing a broken exporter or a corrupted file
// could get wrong is changed (a dims field asking for 2^40 elements, a wrong data type, raw
// data of the wrong length, a dangling or cyclic node input, a bad attribute, an opset out of
// range...), and the model is encoded again, so the bytes parse and reach the graph code.
// Not byte-level corruption: mutate-bytes.ts and wire.ts do that.
import { create } from '@bufbuild/protobuf';
import { readModel, writeModel } from '../../src/onnx/model.js';
import {
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../src/onnx/gen/onnx_pb.js';
import { attr } from '../../src/onnx/graph-node.js';
import type { Mutated } from './mutate-bytes.js';
import type { Rng } from './rng.js';

const HUGE_DIMS = [2n ** 40n, 2n ** 31n, 2n ** 32n + 1n, 2n ** 53n, 2n ** 62n, -1n, 0n, 3n];
const OPS = [
  'Conv',
  'MatMul',
  'Gemm',
  'Relu',
  'Add',
  'Mul',
  'QuantizeLinear',
  'DequantizeLinear',
  'BatchNormalization',
  'Reshape',
  'Transpose',
  'Softmax',
  'Identity',
  'Constant',
  'Clip',
  'Max',
  'Min',
  'Gather',
  'Concat',
  'Flatten',
  'GlobalAveragePool',
  'MaxPool',
  'Pad',
  'Resize',
  'Upsample',
  'MatMulInteger',
  'Loop',
  'If',
  'Sigmoid',
  'FooBar',
  '',
];
const ATTRS = [
  'group',
  'pads',
  'strides',
  'dilations',
  'kernel_shape',
  'axis',
  'transA',
  'transB',
  'alpha',
  'beta',
  'epsilon',
  'to',
  'block_size',
  'perm',
  'auto_pad',
  'axes',
  'keepdims',
  'value',
];
const INTS = [2n ** 40n, -1n, 0n, 1n, 2n, 2n ** 31n, -(2n ** 40n), 7n];

type Edit = (rng: Rng, model: ModelProto) => string | undefined;

function someOf<T>(rng: Rng, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : rng.pick(items);
}

function anyTensorName(rng: Rng, model: ModelProto): string {
  const g = model.graph!;
  const names = [
    ...g.input.map((v) => v.name),
    ...g.initializer.map((t) => t.name),
    ...g.node.flatMap((n) => n.output),
  ];
  return rng.chance(0.8) && names.length > 0 ? rng.pick(names) : rng.pick(['', 'nowhere', 'x']);
}

function initializerEdit(rng: Rng, t: TensorProto): string {
  const k = rng.int(0, 6);
  if (k === 0 && t.dims.length > 0) {
    const at = rng.int(0, t.dims.length - 1);
    t.dims[at] = rng.pick(HUGE_DIMS);
    return `initializer ${t.name} dims[${at}] = ${t.dims[at]}`;
  }
  if (k === 1) {
    t.dims = rng.chance(0.5) ? [...t.dims, rng.pick(HUGE_DIMS)] : t.dims.slice(1);
    return `initializer ${t.name} dims = [${t.dims.join(', ')}]`;
  }
  if (k === 2) {
    t.dataType = rng.chance(0.7) ? rng.int(0, 25) : rng.pick([99, -1, 2 ** 30]);
    return `initializer ${t.name} data_type = ${t.dataType}`;
  }
  if (k === 3) {
    const n = rng.int(0, t.rawData.length + 8);
    const raw = new Uint8Array(n);
    raw.set(t.rawData.subarray(0, n));
    t.rawData = raw;
    return `initializer ${t.name} raw_data ${n} bytes`;
  }
  if (k === 4) {
    t.floatData = Array.from({ length: rng.int(0, 20) }, () => rng.pick([NaN, Infinity, 1, -0]));
    if (rng.chance(0.5)) t.rawData = new Uint8Array(0);
    return `initializer ${t.name} float_data of ${t.floatData.length}`;
  }
  if (k === 5) {
    t.dataLocation = TensorProto_DataLocation.EXTERNAL;
    const location = rng.pick([
      'missing.bin',
      '../../../etc/hostname',
      '/dev/zero',
      'model.onnx',
      '',
    ]);
    t.externalData = [
      create(StringStringEntryProtoSchema, { key: 'location', value: location }),
      create(StringStringEntryProtoSchema, {
        key: 'length',
        value: rng.pick(['64', '1099511627776', '-1', 'x', '0']),
      }),
    ];
    return `initializer ${t.name} external at '${location}' length ${t.externalData[1]!.value}`;
  }
  t.name = rng.pick(['', 'x', 'w', 'b0', t.name + '_']);
  return `initializer renamed '${t.name}'`;
}

function nodeEdit(rng: Rng, model: ModelProto, node: NodeProto): string {
  const label = node.name || node.opType;
  const k = rng.int(0, 6);
  if (k === 0) {
    node.opType = rng.pick(OPS);
    return `node ${label} op_type = '${node.opType}'`;
  }
  if (k === 1) {
    if (node.input.length > 0 && rng.chance(0.4))
      node.input.splice(rng.int(0, node.input.length - 1), 1);
    else node.input.push(rng.chance(0.3) ? (node.output[0] ?? '') : anyTensorName(rng, model));
    return `node ${label} inputs = [${node.input.join(', ')}]`;
  }
  if (k === 2 && node.input.length > 0) {
    const at = rng.int(0, node.input.length - 1);
    node.input[at] = rng.chance(0.3) ? (node.output[0] ?? '') : anyTensorName(rng, model);
    return `node ${label} input ${at} = '${node.input[at]}'`;
  }
  if (k === 3 && node.output.length > 0) {
    node.output[0] = anyTensorName(rng, model);
    return `node ${label} output 0 = '${node.output[0]}'`;
  }
  if (k === 4) {
    const name = rng.pick(ATTRS);
    const kind = rng.int(0, 3);
    node.attribute = node.attribute.filter((a) => rng.chance(0.5) || a.name !== name);
    node.attribute.push(
      kind === 0
        ? attr.int(name, rng.pick(INTS))
        : kind === 1
          ? attr.ints(
              name,
              Array.from({ length: rng.int(0, 6) }, () => rng.pick(INTS)),
            )
          : kind === 2
            ? attr.float(name, rng.pick([NaN, -Infinity, 0, 1e30, -1]))
            : attr.string(name, rng.pick(['', 'SAME_UPPER', 'NOTSET', 'bogus'])),
    );
    return `node ${label} attribute ${name} (${['int', 'ints', 'float', 'string'][kind]})`;
  }
  if (k === 5) {
    node.domain = rng.pick(['com.microsoft', 'ai.onnx.ml', 'ai.onnx', 'custom']);
    return `node ${label} domain '${node.domain}'`;
  }
  node.attribute = [];
  return `node ${label} without attributes`;
}

function valueInfoEdit(rng: Rng, v: ValueInfoProto, what: string): string {
  const tensor = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
  if (tensor === undefined || rng.chance(0.15)) {
    v.type = undefined;
    return `${what} ${v.name} without type`;
  }
  if (rng.chance(0.3)) {
    tensor.elemType = rng.int(0, 25);
    return `${what} ${v.name} elem_type ${tensor.elemType}`;
  }
  const dims = tensor.shape?.dim ?? [];
  if (dims.length === 0 || rng.chance(0.2)) {
    tensor.shape = undefined;
    return `${what} ${v.name} without shape`;
  }
  const at = rng.int(0, dims.length - 1);
  const value = rng.pick(HUGE_DIMS);
  dims[at]!.value = rng.chance(0.8)
    ? { case: 'dimValue', value }
    : { case: 'dimParam', value: rng.pick(['', 'N', 'M']) };
  if (rng.chance(0.2)) dims.splice(at, 1);
  return `${what} ${v.name} dim ${at} = ${String(dims[at]?.value.value)}`;
}

// Names zeropoint gives what it adds (passes/qdq-names.ts, dynamic-*.ts), and awkward ones.
const RENAMES = [
  'scale0',
  'scale1',
  'zp0',
  'q0',
  'q1',
  'zp_uint8_0',
  'zp_int8_0',
  'zp_int8_0x4',
  'w_q',
  'w_dq',
  'x_q',
  'x_dq',
  'matmul_0_q',
  'w_quantized',
  'w_zero_point',
  'w0_float',
  'relu_1_int32',
  'MatMul_0_ConvInteger',
  'a b',
  'ünïcødé',
  'x/y:0',
  'line\nbreak',
  'n'.repeat(300),
];

/** Renames tensor `from` to `to` everywhere it is named, so the model stays as valid as it was. */
function rename(model: ModelProto, from: string, to: string): void {
  const g = model.graph!;
  const swap = (name: string): string => (name === from ? to : name);
  for (const n of g.node) {
    n.input = n.input.map(swap);
    n.output = n.output.map(swap);
  }
  for (const t of g.initializer) t.name = swap(t.name);
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) v.name = swap(v.name);
}

const EDITS: readonly Edit[] = [
  (rng, m) => {
    const names = [...new Set(m.graph!.node.flatMap((n) => [...n.input, ...n.output]))];
    const from = someOf(
      rng,
      names.filter((n) => n !== ''),
    );
    if (from === undefined) return undefined;
    const to = rng.pick(RENAMES);
    rename(m, from, to);
    return `tensor '${from}' renamed '${to.length > 20 ? `${to.slice(0, 20)}...` : to}'`;
  },
  (rng, m) => {
    const t = someOf(rng, m.graph!.initializer);
    return t === undefined ? undefined : initializerEdit(rng, t);
  },
  (rng, m) => {
    const n = someOf(rng, m.graph!.node);
    return n === undefined ? undefined : nodeEdit(rng, m, n);
  },
  (rng, m) => {
    const nodes = m.graph!.node;
    if (nodes.length === 0) return undefined;
    const at = rng.int(0, nodes.length - 1);
    const k = rng.int(0, 2);
    if (k === 0) nodes.splice(at, 1);
    else if (k === 1) nodes.splice(at, 0, structuredClone(nodes[at]!));
    else nodes.reverse();
    return ['remove', 'duplicate', 'reverse order at'][k] + ` node ${at}`;
  },
  (rng, m) => {
    const g = m.graph!;
    const which = rng.pick(['input', 'output', 'valueInfo'] as const);
    const v = someOf(rng, g[which]);
    if (v === undefined) return undefined;
    if (rng.chance(0.2)) {
      g[which].splice(g[which].indexOf(v), 1);
      return `remove graph ${which} ${v.name}`;
    }
    if (rng.chance(0.15)) {
      g[which].push(structuredClone(v));
      return `duplicate graph ${which} ${v.name}`;
    }
    return valueInfoEdit(rng, v, `graph ${which}`);
  },
  (rng, m) => {
    const k = rng.int(0, 3);
    const entry = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    if (k === 0 && entry !== undefined) {
      entry.version = BigInt(rng.chance(0.8) ? rng.int(1, 30) : rng.pick([2 ** 40, -1]));
      return `default opset ${entry.version}`;
    }
    if (k === 1) {
      m.opsetImport.push(
        create(OperatorSetIdProtoSchema, {
          domain: rng.pick(['', 'ai.onnx', 'com.microsoft']),
          version: BigInt(rng.int(1, 25)),
        }),
      );
      return `extra opset import`;
    }
    if (k === 2) {
      m.irVersion = rng.pick([0n, 1n, 3n, 11n, 2n ** 40n, -1n]);
      return `ir_version ${m.irVersion}`;
    }
    m.metadataProps.push(
      create(StringStringEntryProtoSchema, {
        key: rng.pick(['zeropoint.weights.padding', 'zeropoint', '']),
        value: rng.pick(['{', '[]', '{"w":-1}', 'null', '{"w": 1e300}']),
      }),
    );
    return `metadata ${m.metadataProps.at(-1).key} = ${m.metadataProps.at(-1).value}`;
  },
];

/**
 * One ONNX-aware mutation of valid model `bytes`; undefined when the chosen edit does not apply
 * or the edited model cannot be encoded, so the caller picks another.
 */
export function mutateModel(rng: Rng, bytes: Uint8Array): Mutated | undefined {
  const model = readModel(bytes);
  const edits: string[] = [];
  for (let k = rng.chance(0.2) ? rng.int(2, 4) : 1; k > 0; k--) {
    const what = rng.pick(EDITS)(rng, model);
    if (what !== undefined) edits.push(what);
  }
  if (edits.length === 0) return undefined;
  try {
    return { bytes: writeModel(model), what: edits.join('; ') };
  } catch {
    return undefined;
  }
}
