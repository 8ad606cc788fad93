import { describe, expect, it } from 'vitest';
import { CONSOLE_HTML } from './page-html.js';
import { CONSOLE_SCRIPT } from './page-script.js';
import { CONSOLE_STYLE } from './page-style.js';

describe('console page assets', () => {
  it('the script is valid JavaScript', () => {
    // Parses without running: a syntax error in the embedded script fails here, not in a browser.
    expect(() => new Function(CONSOLE_SCRIPT)).not.toThrow();
  });

  it('the script never turns data into markup', () => {
    expect(CONSOLE_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });

  it('the page loads only its own script and style, with no inline script or style', () => {
    expect(CONSOLE_HTML).toContain('<script src="console/app.js" defer></script>');
    expect(CONSOLE_HTML).toContain('<link rel="stylesheet" href="console/app.css">');
    expect(CONSOLE_HTML).not.toMatch(/<script>|<style|style="|https?:\/\//);
    expect(CONSOLE_STYLE).not.toMatch(/@import|url\(/);
  });
});
