import { serviceErrorInOutput } from './container-failure';

describe('serviceErrorInOutput', () => {
  const workerTraceback = [
    '2026-12-02T15:40:01+0000 [ERROR] [entry_service:classifier:1] Traceback (most recent call last):',
    '  File "/app/.venv/lib/python3.11/site-packages/_bentoml_impl/worker/service.py", line 170, in main',
    '    svc.inject_config()',
    '  File "/home/bentoml/bento/src/serve.py", line 13, in __init__',
    '    raise RuntimeError("model weights unreadable")',
    'RuntimeError: model weights unreadable',
  ];
  const arbiterTraceback = [
    'Traceback (most recent call last):',
    '  File "/app/.venv/lib/python3.11/site-packages/circus/arbiter.py", line 557, in start',
    '    raise exc',
    'RuntimeError: No active process found for watcher.',
  ];

  it("names the user's frame and exception, not BentoML's watcher error that follows", () => {
    expect(serviceErrorInOutput([...workerTraceback, 'some line', ...arbiterTraceback].join('\n'))).toBe(
      'The service failed at src/serve.py:13 (raise RuntimeError("model weights unreadable")): RuntimeError: model weights unreadable',
    );
  });

  it('takes the deepest frame in the Bento and the last such traceback', () => {
    const nested = [
      'Traceback (most recent call last):',
      '  File "/home/bentoml/bento/src/serve.py", line 5, in <module>',
      '    from lib import load',
      '  File "/home/bentoml/bento/src/lib/load.py", line 2, in <module>',
      '    import torchx',
      "ModuleNotFoundError: No module named 'torchx'",
    ];
    expect(serviceErrorInOutput([...workerTraceback, ...nested, ...arbiterTraceback].join('\n'))).toBe(
      "The service failed at src/lib/load.py:2 (import torchx): ModuleNotFoundError: No module named 'torchx'",
    );
  });

  it("falls back to the first traceback's exception when none passes through the Bento", () => {
    const bentomlCheck = [
      'Traceback (most recent call last):',
      '  File "/app/.venv/lib/python3.11/site-packages/_bentoml_sdk/api.py", line 9, in x',
      'TypeError: size is not a method',
    ];
    expect(serviceErrorInOutput([...bentomlCheck, ...arbiterTraceback].join('\n'))).toBe(
      'The service failed to start: TypeError: size is not a method',
    );
    expect(serviceErrorInOutput('Killed')).toBeUndefined();
  });
});
