import { withRetries } from './retry';

describe('withRetries', () => {
  it('retries transient failures, then succeeds', async () => {
    const action = jest.fn().mockRejectedValueOnce(new Error('connection reset')).mockResolvedValueOnce('ok');
    expect(await withRetries(action, { attempts: 3, isRetryable: () => true, delayMs: () => 0 })).toBe('ok');
    expect(action).toHaveBeenCalledTimes(2);
  });

  it('gives up after the last attempt with the last error', async () => {
    const action = jest.fn().mockRejectedValue(new Error('connection refused'));
    await expect(withRetries(action, { attempts: 3, isRetryable: () => true, delayMs: () => 0 })).rejects.toThrow('connection refused');
    expect(action).toHaveBeenCalledTimes(3);
  });

  it('does not retry what is not transient', async () => {
    const action = jest.fn().mockRejectedValue(new Error('unauthorized'));
    await expect(withRetries(action, { attempts: 3, isRetryable: () => false, delayMs: () => 0 })).rejects.toThrow('unauthorized');
    expect(action).toHaveBeenCalledTimes(1);
  });
});
