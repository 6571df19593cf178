import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

function capture(): { stream: Writable; lines: () => { level: number; msg: string }[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string }),
  };
}

function terminated(): Error {
  return Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
}

describe('createLogger while stopping', () => {
  it('logs a lost-database error at debug while the process stops, and every other error as it is', () => {
    let stopping = false;
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream, quietWhile: () => stopping });
    log.error({ err: terminated() }, 'pg-boss error');
    stopping = true;
    log.error({ err: terminated() }, 'pg-boss error');
    log.warn({ err: terminated() }, 'relay listener lost');
    log.error({ err: new Error('disk full') }, 'a real failure');
    expect(out.lines().map((line) => [line.level, line.msg])).toEqual([
      [50, 'pg-boss error'],
      [50, 'a real failure'],
    ]);
  });

  it('holds a lost-database line for the grace period: quiet if a shutdown began meanwhile, an error if not', async () => {
    let stopping = false;
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream, quietWhile: () => stopping, quietGraceMs: 50 });
    log.error({ err: terminated() }, 'lost before the signal was handled');
    log.error({ err: new Error('disk full') }, 'a real failure');
    expect(out.lines().map((line) => line.msg)).toEqual(['a real failure']);
    stopping = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(out.lines().map((line) => line.msg)).toEqual(['a real failure']);

    stopping = false;
    log.error({ err: terminated() }, 'lost for real');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(out.lines().map((line) => [line.level, line.msg])).toEqual([
      [50, 'a real failure'],
      [50, 'lost for real'],
    ]);
  });

  it('still writes the downgraded lines when debug is asked for', () => {
    const out = capture();
    const log = createLogger({ level: 'debug', destination: out.stream, quietWhile: () => true });
    log.error({ err: terminated() }, 'pg-boss error');
    expect(out.lines().map((line) => [line.level, line.msg])).toEqual([[20, 'pg-boss error']]);
  });
});
