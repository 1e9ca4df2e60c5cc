// Writes one float32 weight of a real ONNX model to .npy, for the data/ folder:
//   npx tsx scripts/extract-weight.ts MODEL.onnx TENSOR_NAME OUT.npy
// The weight may be an initializer or the value of a Constant node. Run once; the output is committed.
import { readFileSync, writeFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type TensorProto } from '../src/onnx/gen/onnx_pb.js';
import { serializeNpy } from '../src/cli/io/npy.js';

const [modelPath, name, outPath] = process.argv.slice(2);
if (modelPath === undefined || name === undefined || outPath === undefined) {
  throw new Error('usage: extract-weight.ts MODEL.onnx TENSOR_NAME OUT.npy');
}
const graph = fromBinary(ModelProtoSchema, readFileSync(modelPath)).graph;
const fromConstant = graph?.node.find((n) => n.opType === 'Constant' && n.output[0] === name)
  ?.attribute[0]?.t;
const tensor: TensorProto | undefined =
  fromConstant ?? graph?.initializer.find((t) => t.name === name);
if (tensor === undefined) throw new Error(`no tensor named ${name} in ${modelPath}`);
const shape = tensor.dims.map(Number);
const data =
  tensor.rawData.length > 0
    ? new Float32Array(new Uint8Array(tensor.rawData).buffer)
    : Float32Array.from(tensor.floatData);
writeFileSync(outPath, serializeNpy(data, shape));
console.log(`${name} [${shape.join(', ')}] -> ${outPath}`);
