// Validates one batch against the model's inputs before it runs: every input fed and nothing
// else, element types and static dims as declared, data length matching dims, and only finite
// values in float inputs. Errors name the input and the sample (counted over all batches).
// Not the readers' file checks (cli/calib-*.ts name the file as well).
import { fail } from '../core/index.js';
import type { Feeds } from './batches.js';
import {
  checkFiniteTensor,
  checkInputShape,
  checkInputType,
  type ModelInput,
} from './model-inputs.js';

/** Fails with `bad-calibration-data` unless `feeds` fits `inputs`; `firstSample` numbers it. */
export function checkFeeds(feeds: Feeds, inputs: readonly ModelInput[], firstSample: number): void {
  const expected = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(feeds)) {
    if (!expected.has(name)) {
      fail(
        'bad-calibration-data',
        `the calibration data feeds '${name}', which is not an input of the model ` +
          `(inputs: ${[...expected].join(', ')})`,
        { input: name },
      );
    }
  }
  for (const input of inputs) {
    const tensor = feeds[input.name];
    const source = { sample: firstSample };
    if (tensor === undefined) {
      fail(
        'bad-calibration-data',
        `the batch from sample ${firstSample} on lacks input '${input.name}'`,
        { input: input.name, ...source },
      );
    }
    checkInputType(input, tensor.type, source);
    checkInputShape(input, tensor.dims, source);
    const size = tensor.dims.reduce((a, b) => a * b, 1);
    if (size !== tensor.data.length) {
      fail(
        'bad-calibration-data',
        `input '${input.name}' has shape [${tensor.dims.join(', ')}] but ${tensor.data.length} values`,
        { input: input.name, ...source },
      );
    }
    checkFiniteTensor(input.name, tensor, { firstSample });
  }
}
