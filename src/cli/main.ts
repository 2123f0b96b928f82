import { commands } from './commands/index.ts';
import { EXIT } from './args.ts';
import { describeFailure } from './failure.ts';

const HELP = `Attune command line — the same core as the studio, in Node.

Usage: npm run cli -- <command> [options]

Commands:
${Object.values(commands)
  .map((c) => `  ${c.name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run \`npm run cli -- <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(
      `Unknown command "${name}". Known commands: ${Object.keys(commands).join(', ')}. See --help.`,
    );
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage: npm run cli -- ${command.name} ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Caught here, not left to Node: the wasm backend's runtime rethrows unhandled rejections
    // from inside its minified source, which would bury the message under it.
    const { line, exitCode } = describeFailure(command.name, e);
    console.error(line);
    return exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
