export { run, buildProgram } from './cli.js';
export { EXIT, exitCodeFor, errorLine, type ExitCode } from './exit-codes.js';
export type { Io } from './io.js';
export { convergence, type Verdict, type ConvergenceTarget } from './convergence.js';
export { fleetStatus, type FleetStatus } from './status-model.js';
