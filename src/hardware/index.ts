// hardware/: what the target machine's kernels cost. The hardware profile (schema, loader, the
// built-in default and the facts read off it), the kernel catalogue the benchmark measures, and
// the measuring through the runtime adapter. Reads no file and no process state: cli/ saves
// profiles and describes the machine, web/ runs the catalogue in a browser.
export * from './kernel-catalogue.js';
export * from './kernel-facts.js';
export * from './kernel-shapes.js';
export * from './measure-kernels.js';
export * from './node-attribution.js';
export * from './node-compare.js';
export * from './node-timing.js';
export * from './profile-default.js';
export * from './profile-parse.js';
export * from './profile-schema.js';
export * from './timing-stats.js';
