import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError, numberFlag, parseFlags, required, type Command } from '../args.ts';
import { DatasetError } from '../../lib/data/errors.ts';
import { parseDatasetStream } from '../../lib/data/parser.ts';
import { summariseReport, type DatasetReport } from '../../lib/data/report.ts';

export const validate: Command = {
  name: 'validate',
  summary: 'Parse and check a dataset (CSV, TSV, JSONL); write a JSON report of every row.',
  usage: '--data FILE --report FILE.json [--max-chars N]',
  async run(argv) {
    const flags = parseFlags(argv, {
      data: { type: 'string' },
      report: { type: 'string' },
      'max-chars': { type: 'string' },
    });
    const data = required(flags.data, 'data');
    const reportPath = required(flags.report, 'report');
    const maxChars = numberFlag(flags['max-chars'], 'max-chars', Infinity);
    if (maxChars !== Infinity && !(Number.isInteger(maxChars) && maxChars >= 1)) {
      throw new CliError(
        `--max-chars expects a whole number of at least 1, got "${flags['max-chars']}"`,
      );
    }
    const info = await stat(data).catch(() => null);
    if (!info?.isFile()) throw new CliError(`--data: no such file: ${data}`);

    const fileName = basename(data);
    let report: DatasetReport;
    try {
      report = await parseDatasetStream(createReadStream(data, { highWaterMark: 1 << 20 }), {
        fileName,
        maxChars,
        maxListed: Infinity,
      });
    } catch (e) {
      if (!(e instanceof DatasetError) || !e.report) throw e;
      report = e.report;
    }
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`${summariseReport(report)} Report written to ${reportPath}.`);
    return report.accepted > 0 ? 0 : 2;
  },
};
