// Makes intermediate tensors observable: a copy of the model (decoded afresh from its bytes,
// so the caller's ModelProto is never touched) with each requested tensor added as a graph
// output, and the list of names to fetch. Not the calibration loop (calibrate.ts).
// Element types: a float32 ValueInfo where the model declares the type; where it declares none
// (PP-OCR's exports carry no value_info), the output is added untyped, ONNX Runtime infers the
// type, and calibrate skips what turns out not to be float32 (declaring float on an int64
// Shape output would make ONNX Runtime refuse the whole model). Tensors the observers can
// recompute exactly from others (derived-tensors.ts) are not added, unless asked to fetch all.
import { create } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import { DTYPES } from '../onnx/dtypes.js';
import { ValueInfoProtoSchema } from '../onnx/gen/onnx_pb.js';
import { buildGraph, type Graph } from '../onnx/graph.js';
import { readModel, writeModel } from '../onnx/model.js';
import { planDerivations, type DerivedTensor } from './derived-tensors.js';
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
}

/** What exposeTensors may derive instead of fetching. */
export interface ExposeOptions {
  /** Derive what can be derived exactly (default false: fetch every requested tensor). */
  readonly derive?: boolean;
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
  const plan =
    options.derive === true
      ? planDerivations(graph, fetch, fromFeeds, options.averaged ?? new Set())
      : { fetch, derived: [] };
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
  };
}
