import { borgRunner } from './borg.js';
import { havreRunner } from './havre.js';
import { havreApplianceRunner } from './havreAppliance.js';
import { resticRunner } from './restic.js';
import type { ToolContext, ToolName, ToolRunner } from './types.js';

export function createRunner(name: ToolName, ctx: ToolContext): ToolRunner {
  switch (name) {
    case 'havre':
      return havreRunner(ctx);
    case 'havre-appliance':
      return havreApplianceRunner(ctx);
    case 'restic':
      return resticRunner(ctx);
    case 'borg':
      return borgRunner(ctx);
  }
}
