import { CliError, EXIT, numberFlag, parseFlags, required, type Command } from '../args.ts';
import {
  BACKEND_FLAG,
  BACKEND_USAGE,
  initBackend,
  loadEncoder,
  readInput,
  writeOutput,
} from '../io.ts';
import { PROMPT_FLAGS, PROMPT_USAGE, promptFromFlags } from '../prompt-flags.ts';
import { withPrompt } from '../../lib/model/prompts.ts';

const USAGE = `--model DIR --texts FILE --out FILE.json [--prompt-name NAME] [--batch-size 32] [--backend auto]

  --model       sentence-transformers folder
  --texts       one text per line (blank lines are skipped)
  --out         writes {"embeddings": [[...], ...]}, after pooling and Normalize as the folder says
${PROMPT_USAGE}
${BACKEND_USAGE}`;

export const embed: Command = {
  name: 'embed',
  summary: 'Embed texts with a model folder, as SentenceTransformer.encode does',
  usage: USAGE,
  async run(argv) {
    const flags = parseFlags(argv, {
      model: { type: 'string' },
      texts: { type: 'string' },
      out: { type: 'string' },
      'batch-size': { type: 'string' },
      ...PROMPT_FLAGS,
      ...BACKEND_FLAG,
    });
    const textsPath = required(flags.texts, 'texts');
    const lines = new TextDecoder()
      .decode(await readInput(textsPath))
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
    if (lines.length === 0)
      throw new CliError(`${textsPath} has no non-blank line to embed`, EXIT.input);
    await initBackend(flags.backend, flags.threads);
    const encoder = await loadEncoder(required(flags.model, 'model'));
    const prompt = promptFromFlags(encoder.model.prompts, flags);
    const embeddings = await encoder.embed(withPrompt(lines, prompt), {
      batchSize: numberFlag(flags['batch-size'], 'batch-size', 32),
    });
    encoder.dispose();
    const out = required(flags.out, 'out');
    await writeOutput(out, JSON.stringify({ embeddings: embeddings.map((e) => Array.from(e)) }));
    console.log(`embedded ${lines.length} texts (dimension ${embeddings[0].length}) → ${out}`);
    return 0;
  },
};
