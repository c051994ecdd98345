import { borgRunner } from './borg.js';
import { havreRunner } from './havre.js';
import { havreApplianceRunner } from './havreAppliance.js';
import { havreS3Runner } from './havreS3.js';
import { resticRunner } from './restic.js';
import { resticS3Runner } from './resticS3.js';
import type { ToolContext, ToolName, ToolRunner } from './types.js';

export function createRunner(name: ToolName, ctx: ToolContext): ToolRunner {
  switch (name) {
    case 'havre':
      return havreRunner(ctx);
    case 'havre-appliance':
      return havreApplianceRunner(ctx);
    case 'havre-s3':
      return havreS3Runner(ctx);
    case 'restic':
      return resticRunner(ctx);
    case 'restic-s3':
      return resticS3Runner(ctx);
    case 'borg':
      return borgRunner(ctx);
  }
}
