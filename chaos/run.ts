/**
 * `npm run chaos [-- --seed N --workers N --duration S --scenarios a,b --json FILE --keep]`:
 * exits 1 on any violation, 2 on bad flags.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stopAllSupervised } from '../src/supervisor/supervised-process.js';
import { type ChaosOptions, formatReport, runChaos, SCENARIOS, type ScenarioName } from './chaos.js';

const USAGE = `usage: npm run chaos -- [--seed N] [--workers N] [--duration SECONDS] [--embedded SECONDS]
                       [--scenarios ${SCENARIOS.join(',')}] [--json FILE] [--keep]`;

/** The run's options from the command line, and where to write the report; throws with a message for a bad flag. */
function parseOptions(): { options: ChaosOptions; json: string | undefined } {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      workers: { type: 'string', default: '8' },
      duration: { type: 'string', default: '60' },
      embedded: { type: 'string', default: '8' },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const number = (name: string, text: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const scenarios = values.scenarios.split(',').filter(Boolean);
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0 || scenarios.length === 0) throw new Error(`--scenarios takes ${SCENARIOS.join(', ')}`);
  const options: ChaosOptions = {
    seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : number('seed', values.seed, 0, 2 ** 31),
    workers: number('workers', values.workers, 2, 64),
    faultsMs: number('duration', values.duration, 5, 3600) * 1000,
    embeddedMs: number('embedded', values.embedded, 2, 600) * 1000,
    scenarios: scenarios as ScenarioName[],
    keep: values.keep,
    log: (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
  };
  return { options, json: values.json };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { options, json } = parsed;
  options.log?.(`seed ${options.seed}`);
  const stopOnSignal = () => void stopAllSupervised().then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const report = await runChaos(options);
  console.log(formatReport(report));
  if (json) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.ok ? 0 : 1;
  process.off('SIGINT', stopOnSignal);
  process.off('SIGTERM', stopOnSignal);
}

await main();
