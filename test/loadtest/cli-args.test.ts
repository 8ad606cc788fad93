import { describe, expect, it } from 'vitest';
import { isSlbError } from '../../services/core/src/errors/index.js';
import { parseCommandLine, type LoadOptions } from '../../bench/loadtest/cli-args.js';
import { parseBurst } from '../../bench/loadtest/burst-spec.js';

function options(argv: string[]): LoadOptions {
  const cmd = parseCommandLine(argv);
  if (cmd.help) throw new Error('expected options, got help');
  return cmd.options;
}

describe('parseCommandLine', () => {
  it.each<[string, string[], Partial<LoadOptions>]>([
    ['defaults around --rate', ['--rate', '100'], { url: 'http://127.0.0.1:8080/', method: 'GET', rate: 100, durationSeconds: 10, burst: undefined, connections: undefined, timeoutSeconds: 10, scale: 1, json: false, headers: {} }],
    ['duration units', ['--rate', '5', '--duration', '2m'], { durationSeconds: 120 }],
    ['hours', ['--rate', '5', '--duration', '1h'], { durationSeconds: 3_600 }],
    ['a burst', ['--rate', '5', '--duration', '60', '--burst', '50:5@20'], { rate: 5, burst: { rate: 50, seconds: 5, everySeconds: 20 } }],
    ['headers, method, body, url, json', ['--rate', '1', '--url', 'http://shop.local:9000/api?x=1', '--header', 'Host: shop.example', '--header', 'x-test:a:b', '--method', 'post', '--body', '{}', '--json'], { url: 'http://shop.local:9000/api?x=1', headers: { host: 'shop.example', 'x-test': 'a:b' }, method: 'POST', body: '{}', json: true }],
    ['scenario normal (seed 004)', ['--scenario', 'normal'], { scenario: 'normal', rate: 1_000, durationSeconds: 3_600, burst: undefined }],
    ['scenario peak (seed 004)', ['--scenario', 'peak'], { rate: 10_000, durationSeconds: 1_800 }],
    ['scenario burst (seed 004)', ['--scenario', 'burst'], { rate: 1_000, durationSeconds: 1_800, burst: { rate: 50_000, seconds: 10, everySeconds: 60 } }],
    ['scenario peak-20k (seed 001)', ['--scenario', 'peak-20k'], { rate: 20_000, durationSeconds: 120 }],
    ['--scale scales the scenario rates', ['--scenario', 'burst', '--scale', '0.1'], { rate: 100, burst: { rate: 5_000, seconds: 10, everySeconds: 60 }, scale: 0.1 }],
    ['--scale never goes below 1/s', ['--scenario', 'normal', '--scale', '0.0001'], { rate: 1 }],
    ['explicit flags override the scenario', ['--scenario', 'peak', '--rate', '50', '--duration', '5'], { scenario: 'peak', rate: 50, durationSeconds: 5 }],
    ['explicit rates are not scaled', ['--scenario', 'burst', '--scale', '0.1', '--rate', '300', '--burst', '900:2@10'], { rate: 300, burst: { rate: 900, seconds: 2, everySeconds: 10 }, durationSeconds: 1_800 }],
    ['connections and timeout', ['--rate', '5', '--connections', '3', '--timeout', '2'], { connections: 3, timeoutSeconds: 2 }],
  ])('%s', (_name, argv, expected) => {
    expect(options(argv)).toMatchObject(expected);
  });

  it('--help wins over everything else', () => {
    expect(parseCommandLine(['--rate', '5', '--help'])).toEqual({ help: true });
    expect(parseCommandLine(['-h'])).toEqual({ help: true });
  });

  it.each([
    [['--duration', '5'], 'give --rate N or --scenario NAME'],
    [['--rate', '0'], '--rate must be between 1 and 1000000, got 0'],
    [['--rate', '1.5'], "--rate must be a whole number, got '1.5'"],
    [['--rate=-3'], "--rate must be a whole number, got '-3'"],
    [['--rate', '-3'], "Option '--rate' argument is ambiguous."],
    [['--rate', '5', '--duration', '5d'], "--duration must be a whole number of seconds, or end in s, m or h (e.g. 30s, 5m), got '5d'"],
    [['--rate', '5', '--duration', '0'], "--duration must be between 1 s and 24 h, got '0'"],
    [['--rate', '5', '--duration', '25h'], "--duration must be between 1 s and 24 h, got '25h'"],
    [['--rate', '5', '--burst', '50-5@20'], "--burst must look like RATE:SECONDS@EVERY (e.g. 5000:5@30), got '50-5@20'"],
    [['--rate', '5', '--url', 'ftp://x/'], "--url must be http:// or https://, got 'ftp://x/'"],
    [['--rate', '5', '--url', 'not a url'], "--url is not a URL: 'not a url'"],
    [['--rate', '5', '--header', 'no colon'], "--header must look like 'Name: value', got 'no colon'"],
    [['--rate', '5', '--header', 'bad name: v'], "--header must look like 'Name: value', got 'bad name: v'"],
    [['--rate', '5', '--method', 'BREW'], "--method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got 'BREW'"],
    [['--scenario', 'peak', '--scale', '0'], "--scale must be a number > 0, got '0'"],
    [['--scenario', 'peak', '--scale', '500'], '--scale must be <= 100, got 500'],
    [['--rate', '5', '--scale', '0.5'], '--scale scales a --scenario; without one, give the rate you want with --rate'],
    [['--rate', '5', '--connections', '0'], '--connections must be between 1 and 10000, got 0'],
    [['--scenario', 'chaos'], "--scenario must be one of normal, peak, burst, baseline, high, peak-20k, got 'chaos'"],
    [['--rate', '5', '--bogus'], "Unknown option '--bogus'"],
    [['--rate'], "Option '--rate <value>' argument missing"],
    [['--rate', '5', 'extra'], "Unexpected argument 'extra'. This command does not take positional arguments"],
  ])('%j is a usage error', (argv, message) => {
    let caught: unknown;
    try {
      parseCommandLine(argv);
    } catch (err) {
      caught = err;
    }
    expect(isSlbError(caught, 'SLB_LOADTEST_USAGE'), String(caught)).toBe(true);
    expect((caught as Error).message).toBe(message);
    expect((caught as Error).message).not.toContain('\n');
  });
});

describe('parseBurst', () => {
  it.each([
    ['5000:5@30', { rate: 5_000, seconds: 5, everySeconds: 30 }],
    [' 1:1@2 ', { rate: 1, seconds: 1, everySeconds: 2 }],
  ])('%s', (text, expected) => {
    expect(parseBurst(text)).toEqual(expected);
  });

  it.each([
    ['0:5@30', '--burst rate must be >= 1, got 0'],
    ['10:0@30', '--burst spike length must be >= 1 s, got 0'],
    ['10:30@30', '--burst period (30 s) must be longer than the spike (30 s)'],
    ['10:5', "--burst must look like RATE:SECONDS@EVERY (e.g. 5000:5@30), got '10:5'"],
  ])('%s is refused', (text, message) => {
    expect(() => parseBurst(text)).toThrow(message);
  });
});
