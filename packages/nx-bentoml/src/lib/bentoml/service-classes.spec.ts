import { serviceClasses } from './service-classes';

describe('serviceClasses', () => {
  it('finds the classes under @bentoml.service or @service, arguments over lines and other decorators between', () => {
    const source = [
      '"""A module.',
      '',
      '@bentoml.service',
      'class InDocstring:',
      '"""',
      'import bentoml',
      'from bentoml import service',
      '',
      '@bentoml.service(',
      '    resources={"cpu": "1"},',
      ')',
      '@other',
      'class First:',
      '    pass',
      '',
      '# @service',
      '# class Commented:',
      '@service',
      'class Second:',
      '    pass',
      '',
      'class Plain:',
      '    pass',
    ].join('\n');
    expect(serviceClasses(source)).toEqual([
      { name: 'First', line: 13 },
      { name: 'Second', line: 19 },
    ]);
  });
});
