import { typedPushOptions } from './typed-overrides';

describe('typedPushOptions', () => {
  it("types a task's command-line options as docker-push's schema does, as Nx hands them untyped", () => {
    // nx run x:publish --gate=false --force=false --retries=5 --registries=a.io,b.io --registry=c.io
    const overrides = { gate: 'false', force: 'false', retries: '5', registries: 'a.io,b.io', registry: 'c.io', dry: true };
    expect(typedPushOptions(overrides)).toEqual({
      gate: false,
      force: false,
      retries: 5,
      registries: ['a.io', 'b.io'],
      registry: 'c.io',
      dry: true,
    });
  });

  it('keeps options already typed, and strings that are not the type asked for (the executor reports them)', () => {
    const overrides = { gate: true, force: 'yes', retries: 'many', registries: ['a.io', 'b.io'] };
    expect(typedPushOptions(overrides)).toEqual(overrides);
  });
});
