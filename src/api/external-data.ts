// The API's form of external data (models whose tensors live in separate files, the standard
// form past protobuf's 2 GB): the input's data files as a resolver or as bytes by file name, and
// the output's data file as a sink (the CLI's file, appended as tensors are made) or as a name
// whose bytes come back in the result (the browser's case). Turns them into a ptq TensorStore.
// Not file access: the CLI's resolver and sink are in cli/io/external-files.ts.
import {
  TensorStore,
  memorySink,
  resolverFromFiles,
  type ExternalDataResolver,
  type ExternalDataSink,
} from '../onnx/index.js';

/** External data of a model to quantize and of its output. */
export interface ExternalDataOptions {
  /**
   * The input model's data files: a resolver (positioned reads by location, offset, length) or
   * their bytes by the file name the model records (e.g. `{ 'model.onnx.data': bytes }`).
   */
  readonly input?:
    ExternalDataResolver | ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;
  /**
   * The output's data file: a sink the large tensors are appended to as they are made, or a file
   * name whose bytes come back as the result's `externalData`. Without it the output is one
   * protobuf (external input tensors read back inline), which must stay under 2 GB.
   */
  readonly output?: ExternalDataSink | string;
}

/** The output's data file when the API kept it in memory. */
export interface ExternalDataFile {
  /** The name the output model's tensors record; save the bytes under it beside the model. */
  readonly location: string;
  readonly bytes: Uint8Array;
}

/** A store for `options` and a function returning the in-memory data file afterwards, if any. */
export function externalStore(options: ExternalDataOptions | undefined): {
  store: TensorStore | undefined;
  collected: () => ExternalDataFile | undefined;
} {
  if (options === undefined) return { store: undefined, collected: () => undefined };
  const { input, output } = options;
  const resolve =
    input === undefined || typeof input === 'function' ? input : resolverFromFiles(input);
  const memory = typeof output === 'string' ? memorySink(output) : undefined;
  const sink = memory ?? (typeof output === 'string' ? undefined : output);
  const store = new TensorStore({
    ...(resolve === undefined ? {} : { resolve }),
    ...(sink === undefined ? {} : { sink }),
  });
  return {
    store,
    collected: () =>
      memory === undefined ? undefined : { location: memory.location, bytes: memory.bytes() },
  };
}
