// The progress bar: silent off a terminal or when quiet, and on a terminal it shows the label,
// the count against the total, and an ETA.
import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

/** A stand-in for a terminal stream that records what is written. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    columns: 100,
    write: (chunk: string) => chunks.push(String(chunk)) > 0,
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('progressBar', () => {
  it('writes nothing when the stream is not a terminal', () => {
    const fake = fakeStream(false);
    const bar = progressBar(10, 'calibrating', { stream: fake.stream });
    bar.update(5);
    bar.stop();
    expect(fake.text()).toBe('');
  });

  it('writes nothing when asked to be quiet, even on a terminal', () => {
    const fake = fakeStream(true);
    const bar = progressBar(10, 'calibrating', { stream: fake.stream, quiet: true });
    bar.update(5);
    bar.stop();
    expect(fake.text()).toBe('');
  });

  it('shows the label, the count against the total and an ETA on a terminal', () => {
    const fake = fakeStream(true);
    const bar = progressBar(10, 'calibrating', { stream: fake.stream });
    bar.update(4);
    bar.stop();
    bar.stop();
    expect(fake.text()).toMatch(/calibrating .*4\/10 \| ETA/);
  });

  it('shows a bare count when the total is unknown', () => {
    const fake = fakeStream(true);
    const bar = progressBar(undefined, 'calibrating', { stream: fake.stream });
    bar.update(7);
    bar.stop();
    expect(fake.text()).toMatch(/calibrating 7 \|/);
    expect(fake.text()).not.toMatch(/ETA/);
  });
});
