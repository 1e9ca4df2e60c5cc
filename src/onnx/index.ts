// onnx/: lossless ModelProto read/write, tensors, the graph IR and its verifier, opset upgrade.
// The public surface of the layer; passes and tools import from here.
export * from './model.js';
export * from './tensor.js';
export * from './dtypes.js';
export * from './graph.js';
export * from './graph-node.js';
export * from './verify-graph.js';
export * from './opset-upgrade.js';
export * from './external-location.js';
export * from './tensor-store.js';
