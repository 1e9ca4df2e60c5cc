// Makes intermediate tensors observable: a copy of the model (decoded afresh from its bytes,
// so the caller's ModelProto is never touched) with each requested tensor added as a graph
// output, and the list of names to fetch. Not the calibration loop (calibrate.ts).
// Element types: a float32 ValueInfo where the model declares the type; where it declares none
// (PP-OCR's exports carry no value_info), the output is added untyped, ONNX Runtime infers the
// type, and calibrate skips what turns out not to be float32 (declaring float on an int64
// Shape output would make ONNX Runtime refuse the whole model). Tensors the observers can
// recompute exactly from others (derived-tensors.ts) are not added, and for methods that read
// only extremes, float32 tensors come back reduced to four scalars (reduce-tensors.ts).
import { create } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import { DTYPES } from '../onnx/dtypes.js';
import { ValueInfoProtoSchema } from '../onnx/gen/onnx_pb.js';
import { buildGraph, type Graph } from '../onnx/graph.js';
import { readModel, writeModel } from '../onnx/model.js';
import { FLOAT32 as INFERRED_FLOAT32, inferElementTypes } from '../passes/element-types.js';
import { planDerivations, type DerivedTensor } from './derived-tensors.js';
import { appendReductions, type ReducedTensor } from './reduce-tensors.js';
import { modelInput, type ModelInput } from './model-inputs.js';

/** Why a requested tensor is not calibrated. */
export interface CalibrationNote {
  readonly tensor: string;
  readonly reason: string;
}

/** The model copy to run and what to read from each run. */
export interface ExposedModel {
  /** The copy with the extra outputs, encoded for a session. */
  readonly bytes: Uint8Array;
  /** The inputs each batch must feed. */
  readonly inputs: readonly ModelInput[];
  /** Requested names to fetch from each run (added outputs and requested model outputs). */
  readonly fetch: readonly string[];
  /** Requested names that are graph inputs: observed straight from the feeds. */
  readonly fromFeeds: readonly string[];
  /** Requested names that will not be calibrated, with the reason. */
  readonly notes: readonly CalibrationNote[];
  /** Requested names recomputed from fetched ones instead, in the order to compute them. */
  readonly derived: readonly DerivedTensor[];
  /** Requested names that come back as their extremes (the `reduce` option). */
  readonly reduced: readonly ReducedTensor[];
}

/** What exposeTensors may derive instead of fetching. */
export interface ExposeOptions {
  /**
   * What to derive instead of fetching (derived-tensors.ts): nothing (default), reshaping
   * 'copies', or copies and element-wise 'arithmetic'.
   */
  readonly derive?: 'copies' | 'arithmetic';
  /**
   * Reduce float32 tensors to their extremes in the graph instead (default false), except those
   * in `averaged`; nothing is derived then.
   */
  readonly reduce?: boolean;
  /** Tensors whose channel means are read: never derived through a reordering copy. */
  readonly averaged?: ReadonlySet<string>;
}

const FLOAT32 = DTYPES.float32.onnx;

/** The element type `graph` declares for `name` (0 when it declares none). */
function declaredType(graph: Graph, name: string): number {
  const info = graph.valueInfo(name);
  return info?.type?.value.case === 'tensorType' ? info.type.value.value.elemType : 0;
}

function typeName(elemType: number): string {
  return Object.entries(DTYPES).find(([, row]) => row.onnx === elemType)?.[0] ?? `type ${elemType}`;
}

/**
 * Exposes `names` as outputs of a copy of the model in `bytes`. Fails with `bad-argument` on a
 * name the main graph does not define; constants and non-float32 tensors become notes.
 */
export function exposeTensors(
  bytes: Uint8Array,
  names: readonly string[],
  options: ExposeOptions = {},
): ExposedModel {
  const model = readModel(bytes);
  const graph = buildGraph(model);
  const inputs = graph.inputs.map(modelInput);
  const fetch: string[] = [];
  const fromFeeds: string[] = [];
  const notes: CalibrationNote[] = [];
  for (const name of new Set(names)) {
    if (!graph.isDefined(name)) {
      fail('bad-argument', `tensor '${name}' is not a value of the model's main graph`, {
        tensor: name,
      });
    }
    if (graph.constant(name) !== undefined) {
      notes.push({ tensor: name, reason: 'a constant, quantized from its values' });
      continue;
    }
    const elemType = declaredType(graph, name);
    if (elemType !== 0 && elemType !== FLOAT32) {
      notes.push({ tensor: name, reason: `${typeName(elemType)}, not float32` });
      continue;
    }
    if (graph.isGraphInput(name)) {
      fromFeeds.push(name);
      continue;
    }
    fetch.push(name);
  }
  const averaged = options.averaged ?? new Set<string>();
  const types = options.reduce === true ? inferElementTypes(graph) : new Map<string, number>();
  const reducible = (n: string) => types.get(n) === INFERRED_FLOAT32 && !averaged.has(n);
  const reduced = appendReductions(model, graph, fetch.filter(reducible));
  const kept = fetch.filter((n) => !reducible(n));
  const plan =
    options.derive !== undefined && options.reduce !== true
      ? planDerivations(graph, kept, fromFeeds, averaged, options.derive === 'arithmetic')
      : { fetch: kept, derived: [] };
  for (const name of plan.fetch) {
    if (graph.isGraphOutput(name)) continue;
    const elemType = declaredType(graph, name);
    model.graph!.output.push(
      create(ValueInfoProtoSchema, {
        name,
        ...(elemType === 0
          ? {}
          : { type: { value: { case: 'tensorType', value: { elemType: FLOAT32 } } } }),
      }),
    );
  }
  return {
    bytes: writeModel(model),
    inputs,
    fetch: plan.fetch,
    fromFeeds,
    notes,
    derived: plan.derived,
    reduced,
  };
}
