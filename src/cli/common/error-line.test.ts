// The line a failed command prints: one line, whatever the message quotes.
import { describe, expect, it } from 'vitest';
import { ZeropointError } from '../../core/errors.js';
import { errorLine } from './error-line.js';

describe('errorLine', () => {
  it('prints zeropoint: <message> [<code>]', () => {
    expect(errorLine(new ZeropointError('io', 'cannot read m.onnx'))).toBe(
      'zeropoint: cannot read m.onnx [io]',
    );
  });

  // A defect the fuzzer (test/fuzz/) found: these printed as two or three lines.
  it("folds onnxruntime's trailing newline and a tensor name holding line breaks into one line", () => {
    const ort = new ZeropointError(
      'bad-model',
      'onnxruntime cannot load the model: IR version 34\n',
    );
    const named = new ZeropointError('bad-model', 'node outputs ("relu_1","\n\n\r\n")');
    expect(errorLine(ort)).toBe(
      'zeropoint: onnxruntime cannot load the model: IR version 34 [bad-model]',
    );
    expect(errorLine(named)).toBe('zeropoint: node outputs ("relu_1"," ") [bad-model]');
  });
});
