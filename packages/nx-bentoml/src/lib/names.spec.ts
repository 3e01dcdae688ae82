import { assertBentoName, assertDockerTag, assertImageName, toBentoName, toClassName, toImageName } from './names';

describe('names', () => {
  it('accepts Docker image names with paths', () => {
    expect(() => assertImageName('team/iris-classifier')).not.toThrow();
    expect(() => assertImageName('iris__clf.v2')).not.toThrow();
  });

  it.each(['Iris', 'iris classifier', '-iris', 'iris-', ''])('rejects the image name "%s" with a suggestion', (name) => {
    expect(() => assertImageName(name)).toThrow(/^Invalid imageName ".*": Docker image names use lowercase/);
  });

  it('suggests a valid image name', () => {
    expect(() => assertImageName('Iris Classifier')).toThrow('Choose a name like "iris-classifier"');
  });

  it('checks tags', () => {
    expect(() => assertDockerTag('v1.2_3-rc')).not.toThrow();
    expect(() => assertDockerTag('.hidden')).toThrow(/Invalid image tag/);
    expect(() => assertDockerTag('a'.repeat(129))).toThrow(/Invalid image tag/);
  });

  it('checks BentoML names', () => {
    expect(() => assertBentoName('iris_clf-1.0')).not.toThrow();
    expect(() => assertBentoName('IrisModel')).toThrow('Choose a name like "iris_model"');
    expect(() => assertBentoName('a'.repeat(64))).toThrow(/at most 63/);
  });

  it('converts between naming conventions', () => {
    expect(toBentoName('IrisClassifier Service')).toBe('iris_classifier_service');
    expect(toImageName('iris_classifier_service')).toBe('iris-classifier-service');
    expect(toClassName('iris-classifier')).toBe('IrisClassifier');
  });
});
