import { describe, expect, it } from 'vitest';
import { SlbError, type ErrorCode } from '@slb/core';
import { EXIT, errorLine, exitCodeFor } from './exit-codes.js';

describe('exit codes', () => {
  it.each([
    ['SLB_CLI_USAGE', EXIT.USAGE],
    ['SLB_CONFIG_INVALID', EXIT.USAGE],
    ['SLB_SERVICE_CONFIG_INVALID', EXIT.INVALID_CONFIG],
    ['SLB_SERVICE_CONFIG_STALE', EXIT.INVALID_CONFIG],
    ['SLB_KAFKA_UNREACHABLE', EXIT.UNREACHABLE],
    ['SLB_REGISTRY_UNREACHABLE', EXIT.UNREACHABLE],
    ['SLB_REGISTRY_UNAUTHORIZED', EXIT.UNREACHABLE],
    ['SLB_CONFIG_NOT_CONVERGED', EXIT.NOT_CONVERGED],
    ['SLB_CONFIG_REJECTED', EXIT.REJECTED],
    ['SLB_CLI_NOT_FOUND', EXIT.FAILURE],
    ['SLB_TOPIC_MISSING', EXIT.FAILURE],
  ] as const)('%s exits %d', (code, exit) => {
    expect(exitCodeFor(new SlbError(code as ErrorCode, 'x'))).toBe(exit);
  });

  it('exits 1 for anything that is not an SlbError', () => {
    expect(exitCodeFor(new TypeError('boom'))).toBe(EXIT.FAILURE);
  });

  it('prints one line, with the code and without a stack trace', () => {
    expect(errorLine(new SlbError('SLB_CLI_USAGE', 'bad\n  thing'))).toBe('slbctl: bad thing [SLB_CLI_USAGE]');
    expect(errorLine('plain')).toBe('slbctl: plain');
  });
});
