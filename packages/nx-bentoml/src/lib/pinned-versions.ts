/** Versions the generated services pin; the e2e environment installs the same ones. */
export const bentomlVersion = '1.4.39';
export const scikitLearnVersion = '1.9.1';
export const defaultPythonVersion = '3.11';
