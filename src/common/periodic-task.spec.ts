import { Logger } from '@nestjs/common';
import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs one pass at a time, logs a failure without throwing, and stop() waits for the pass under way', async () => {
    let started = 0;
    let finish: () => void = () => undefined;
    const logger = { error: jest.fn() } as unknown as Logger;
    const task = new PeriodicTask('test pass', () => {
      started++;
      return started === 1 ? new Promise<void>((r) => (finish = r)) : Promise.reject(new Error('boom'));
    }, logger);
    task.start(10);
    jest.advanceTimersByTime(35); // three ticks while the first pass is still running
    expect(started).toBe(1);
    finish();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(10);
    expect(started).toBe(2);
    const stopped = task.stop();
    await stopped;
    expect(logger.error).toHaveBeenCalledWith('test pass failed: boom');
    jest.advanceTimersByTime(100);
    expect(started).toBe(2);
  });
});
