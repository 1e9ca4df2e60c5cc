// External data files on disk: positioned reads of the input model's data files (located
// relative to the model's folder) and the output's one data file, appended to through a
// temporary file that is renamed beside the output once the model is written. Also the checks
// that the output's data file overwrites no input. Not the checks of the locations themselves
// (onnx/external-location.ts) and not quantization.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../../core/errors.js';
import { storedTensors, externalSpan, type ExternalDataResolver } from '../../onnx/index.js';
import type { ExternalDataSink } from '../../onnx/index.js';
import type { ModelProto } from '../../onnx/gen/onnx_pb.js';
import { isSameFile, removeQuietly, tempPath } from './write-atomic.js';

/** Largest single read Node allows (2 GiB - 1); longer spans are read in pieces. */
const MAX_READ = 2 ** 31 - 1;

/** Reads `length` bytes at `offset` of the open file `fd`, fewer when the file ends first. */
function readAt(fd: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, Math.min(MAX_READ, length - done), offset + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/** A resolver reading the data files beside `modelPath` (each opened once), and its close. */
export function fileResolver(modelPath: string): {
  resolve: ExternalDataResolver;
  close: () => void;
} {
  const folder = dirname(resolve(modelPath));
  const open = new Map<string, number | undefined>();
  const fdOf = (location: string): number | undefined => {
    if (!open.has(location)) {
      const path = join(folder, location);
      let fd: number | undefined;
      if (existsSync(path)) {
        try {
          fd = openSync(path, 'r');
        } catch (error) {
          fail('io', `cannot read ${path}: ${(error as Error).message}`, { file: path });
        }
      }
      open.set(location, fd);
    }
    return open.get(location);
  };
  return {
    resolve: (location, offset, length) => {
      const fd = fdOf(location);
      return fd === undefined ? undefined : readAt(fd, offset, length);
    },
    close: () => {
      for (const fd of open.values()) if (fd !== undefined) closeSync(fd);
      open.clear();
    },
  };
}

/** The output's data file, written to a temporary file until commit() renames it. */
export interface FileSink extends ExternalDataSink {
  /** The data file's path beside the output. */
  readonly path: string;
  /** Flushes and renames the temporary file to `path`. */
  commit(): void;
  /** Removes the temporary file. */
  abort(): void;
}

/** A sink writing `location` beside `output` (through a temporary file). */
export function fileSink(output: string, location: string): FileSink {
  const path = join(dirname(resolve(output)), location);
  const temp = tempPath(path);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'w+');
  } catch (error) {
    fail('io', `cannot write ${path}: ${(error as Error).message}`, { file: path });
  }
  let size = 0;
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  const live = (): number => fd ?? fail('io', `${path} is already closed`, { file: path });
  return {
    location,
    path,
    append(bytes) {
      const offset = size;
      for (let done = 0; done < bytes.length;) {
        done += writeSync(live(), bytes, done, bytes.length - done, offset + done);
      }
      size += bytes.length;
      return offset;
    },
    read: (offset, length) => readAt(live(), offset, length),
    commit() {
      try {
        fsyncSync(live());
        close();
        renameSync(temp, path);
      } catch (error) {
        removeQuietly(temp);
        fail('io', `cannot write ${path}: ${(error as Error).message}`, { file: path });
      }
    },
    abort() {
      close();
      removeQuietly(temp);
    },
  };
}

/** The output's data file name: `name` when given (a plain file name), else `<output>.data`. */
export function dataFileName(output: string, name: string | undefined): string {
  const location = name ?? `${basename(output)}.data`;
  if (location === '' || /[/\\]/.test(location) || location === '..' || location === '.') {
    fail('bad-argument', `--external-data takes a file name beside the output, not '${location}'`, {
      file: location,
    });
  }
  return location;
}

/** The distinct external files `model` reads (relative to its folder), each with a tensor. */
function externalLocations(model: ModelProto): Map<string, string> {
  const graph = model.graph;
  const external = (graph === undefined ? [] : storedTensors(graph)).filter(
    (t) => t.externalData.length > 0,
  );
  return new Map(external.reverse().map((t) => [externalSpan(t).location, t.name]));
}

/**
 * Fails with `bad-file` naming the file and a tensor stored in it when one of the data files
 * `model` reads is missing beside `modelPath`: before any long work or output.
 */
export function checkDataFiles(modelPath: string, model: ModelProto): void {
  for (const [location, tensor] of externalLocations(model)) {
    const path = join(dirname(resolve(modelPath)), location);
    if (!existsSync(path)) {
      fail(
        'bad-file',
        `tensor '${tensor}' stores its data in '${location}', which is missing beside the model ` +
          `(${path})`,
        { tensor, file: location },
      );
    }
  }
}

/**
 * Fails with `bad-argument` when the output's data file `location` (beside `output`) is the
 * input model, the output model, or one of the input's data files: zeropoint never overwrites
 * its input.
 */
export function checkDataPath(
  modelPath: string,
  model: ModelProto,
  output: string,
  location: string,
): void {
  const path = join(dirname(resolve(output)), location);
  const inputs = [...externalLocations(model).keys()].map((l) =>
    join(dirname(resolve(modelPath)), l),
  );
  for (const other of [modelPath, output, ...inputs]) {
    if (!isSameFile(path, other)) continue;
    fail(
      'bad-argument',
      `the output's data file ${path} would overwrite ${other === output ? 'the output model' : `the input ${other}`}; ` +
        'choose another -o path or --external-data name',
      { file: path },
    );
  }
}
