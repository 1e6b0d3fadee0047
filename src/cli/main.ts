import { CommanderError } from 'commander';
import { AppError } from '../core/errors.js';
import { buildProgram } from './program.js';

const program = buildProgram();
program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : e.exitCode || 2;
  } else if (e instanceof AppError) {
    const fields = (e.details?.fields as Array<{ field: string; reason: string }> | undefined) ?? [];
    process.stderr.write(`错误 error [${e.code}]: ${e.message}\n${fields.map((f) => `  ${f.field}: ${f.reason}\n`).join('')}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`错误 error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
