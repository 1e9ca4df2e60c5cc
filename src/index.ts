// zeropoint's one public entry point: `import { quantize, chooseQParams } from 'zeropoint'`.
// Re-exports the layers meant for users; nothing here touches the file system.
export * from './core/index.js';
