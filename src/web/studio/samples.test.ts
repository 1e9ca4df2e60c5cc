// The studio sorts the files a user drops into one kind of samples, as the CLI reads a folder:
// JSON / JSONL samples, several .npz archives (one sample set each) in numeric order, .npy files,
// or images; nothing it reads fails naming what was given.
import { describe, expect, it } from 'vitest';
import { sampleFiles, sampleShape } from './samples.js';

/** A picked (not folder-relative) file, as the browser gives it: webkitRelativePath ''. */
function file(name: string, size = 8): File {
  const f = new File([new Uint8Array(size)], name);
  Object.defineProperty(f, 'webkitRelativePath', { value: '' });
  return f;
}

describe('sampleFiles', () => {
  it('several .npz archives are one set of npz samples, in numeric name order', () => {
    const samples = sampleFiles([file('10.npz'), file('2.npz'), file('notes.txt')]);
    expect(samples.kind).toBe('npz');
    expect(samples.files.map((f) => f.name)).toEqual(['2.npz', '10.npz']);
  });

  it('.json and .jsonl files are JSON samples', () => {
    expect(sampleFiles([file('calib.jsonl'), file('more.json')]).kind).toBe('json');
  });

  it('.npy files and images keep their kinds', () => {
    expect(sampleFiles([file('input_ids.0.npy')]).kind).toBe('npy');
    expect(sampleFiles([file('a.png')]).kind).toBe('images');
  });

  it('nothing readable fails naming the files given', () => {
    expect(() => sampleFiles([file('notes.txt')])).toThrow(
      /no .npy, .npz, .json, .jsonl or image files among 1 file\(s\) \(notes.txt\)/,
    );
  });

  it('JSON samples estimate one sample per file at most the largest file', () => {
    const samples = sampleFiles([file('a.jsonl', 300), file('b.jsonl', 500)]);
    expect(sampleShape(samples, undefined)).toEqual({ samples: 2, sampleBytes: 500 });
  });
});
