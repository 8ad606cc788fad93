/** `npm start`: parse args -> load services -> create -> start; SIGTERM/SIGINT stop. */
import { isSlbError } from '@slb/core';
import { parseStandaloneArgs, USAGE } from './config.js';
import { loadServicesFile } from './services-file.js';
import { createStandalone } from './standalone.js';

function fail(error: unknown): never {
  process.stderr.write(`slb: ${isSlbError(error) ? `${error.message} [${error.code}]` : String(error)}\n`);
  process.exit(isSlbError(error) && error.code === 'SLB_CONFIG_INVALID' ? 2 : 1);
}

let standalone: ReturnType<typeof createStandalone>;
try {
  const config = parseStandaloneArgs(process.argv.slice(2), process.env);
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const services = config.configFile === undefined ? undefined : loadServicesFile(config.configFile);
  standalone = createStandalone({ ...config, services });
} catch (error) {
  fail(error);
}
const urls = await standalone.start().catch(fail);
const lines = [
  'Smart Load Balancer: standalone mode (all roles, in-process bus, no Kafka)',
  `  console   ${urls.console}/`,
  `  proxy     ${urls.proxy}/${urls.demoInstances.size > 0 ? '   (demo routes: /checkout/..., /catalog/...)' : ''}`,
  `  admin     ${urls.admin}/   (/metrics, /healthz, /admin/state)`,
];
if (urls.demoInstances.size > 0) {
  lines.push('  inject a failure into a demo instance, e.g.:');
  const [, first] = [...urls.demoInstances][0]!;
  lines.push(`    curl -X POST '${first}?errorRate=0.5'      curl -X POST '${first}?latencyMs=200'`);
  lines.push(`  demo instances: ${[...urls.demoInstances.keys()].join(', ')}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void standalone.stop().then(() => process.exit(0), fail));
}
