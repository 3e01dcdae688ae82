import { logger } from '@nx/devkit';

/** Keeps executor output out of the test report while letting tests assert on what was logged. */
export function captureLogger(): void {
  beforeEach(() => {
    for (const level of ['info', 'warn', 'error'] as const) jest.spyOn(logger, level).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
}
