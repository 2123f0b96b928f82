import type { Command } from '../args.ts';
import { bakeoff } from './bakeoff.ts';
import { embed } from './embed.ts';
import { evalCommand } from './eval.ts';
import { exportCommand } from './export.ts';
import { generate } from './generate.ts';
import { mine } from './mine.ts';
import { score } from './score.ts';
import { train } from './train.ts';
import { validate } from './validate.ts';

/** Every CLI command by name; each lives in its own module beside this one. */
export const commands: Record<string, Command> = {
  validate,
  embed,
  train,
  eval: evalCommand,
  export: exportCommand,
  bakeoff,
  mine,
  generate,
  score,
};
