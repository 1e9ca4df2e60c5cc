// api/: zeropoint as a typed library, the functions the CLI, the browser studio and scripts all
// call: model bytes and calibration feeds in, `{ model, report }` out, with progress and an
// AbortSignal. Thin wrappers over the recipes (ptq/, advise/) and the reports (report/); no files.
export * from './external-data.js';
export * from './feeds.js';
export * from './float16-variants.js';
export * from './profile-model.js';
export * from './quantize-advised.js';
export * from './quantize-modes.js';
export * from './quantize-qat.js';
export * from './quantize-weights-qat.js';
export * from './quantize-adaround.js';
export * from './quantize-static.js';
export * from './run-options.js';
export * from './split-feeds.js';
export * from './weight-statistics.js';
