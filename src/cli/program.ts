import { Command } from 'commander';
import { VERSION } from '../platform.js';
import { registerAuditCommand } from './audit.command.js';
import { registerCalendarCommand } from './calendar.command.js';
import { registerCatalogCommand } from './catalog.command.js';
import { registerCenterCommand } from './center.command.js';
import { registerDbCommand } from './db.command.js';
import { registerEvidenceCommand } from './evidence.command.js';
import { registerNodeCommand } from './node.command.js';
import { registerRegistryCommand } from './registry.command.js';
import { registerServeCommands } from './serve.command.js';
import { registerValidateCommand } from './validate.command.js';

/** The `zhengtong` command with every sub-command. */
export function buildProgram(): Command {
  const program = new Command('zhengtong')
    .description('政通 — 国家电子政务总体框架开源平台 / an open-source e-government platform')
    .version(VERSION)
    .showHelpAfterError();
  registerServeCommands(program);
  registerDbCommand(program);
  registerAuditCommand(program);
  registerCalendarCommand(program);
  registerValidateCommand(program);
  registerCenterCommand(program);
  registerNodeCommand(program);
  registerEvidenceCommand(program);
  registerCatalogCommand(program);
  registerRegistryCommand(program);
  return program;
}
