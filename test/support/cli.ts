/** Runs one module's CLI verbs in-process (commander with exitOverride) and captures stdout. */
import { Command } from 'commander';
import type { CommandModule, GlobalOpts } from '../../src/cli/main.ts';

export async function runCommand(
  register: CommandModule,
  g: GlobalOpts,
  args: string[],
): Promise<{ out: string; error: Error | null }> {
  const program = new Command().exitOverride();
  register(program, () => g);
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'vigil', ...args]);
    return { out, error: null };
  } catch (err) {
    return { out, error: err as Error };
  } finally {
    process.stdout.write = write;
  }
}
