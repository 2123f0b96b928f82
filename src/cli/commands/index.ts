import type { Command } from '../args.ts';

/** Every CLI command by name; each lives in its own module beside this one. */
export const commands: Record<string, Command> = {};
