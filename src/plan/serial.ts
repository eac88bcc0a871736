// The plan as it travels: from the shell that planned it to rank 0 (an environment variable,
// compressed: execve limits one variable to 128 KiB), and from rank 0 to every rank (the control
// plane). Versioned, so that ranks running another ccbench refuse it clearly instead of guessing.
import { zlib } from '../builtins.js';
import { JobUsageError, UsageError } from '../errors.js';
import { VERSION } from '../paths.js';
import type { Plan } from './plan.js';

export const PLAN_SCHEMA = 'ccbench.plan/1';

interface Envelope {
  schema: string;
  ccbench: string;
  plan: Plan;
}

export function encodePlan(plan: Plan): string {
  return JSON.stringify({ schema: PLAN_SCHEMA, ccbench: VERSION, plan } satisfies Envelope);
}

export function decodePlan(text: string): Plan {
  let env: Partial<Envelope>;
  try {
    env = JSON.parse(text) as Partial<Envelope>;
  } catch {
    throw new UsageError(
      "the plan this rank received is not valid JSON (CCBENCH_PLAN is set by ccbench's launchers only; unset it)",
    );
  }
  if (env.schema !== PLAN_SCHEMA || env.ccbench !== VERSION || typeof env.plan !== 'object')
    throw new JobUsageError(
      `this rank runs ccbench ${VERSION} (${PLAN_SCHEMA}) but the plan came from ccbench ${env.ccbench ?? '?'} (${env.schema ?? '?'}); install the same ccbench on every node`,
    );
  return env.plan as Plan;
}

/** For CCBENCH_PLAN: deflated and base64-encoded. */
export function packPlan(plan: Plan): string {
  return zlib().deflateRawSync(encodePlan(plan)).toString('base64');
}

export function unpackPlan(packed: string): Plan {
  let text: string;
  try {
    text = zlib().inflateRawSync(Buffer.from(packed, 'base64')).toString('utf8');
  } catch {
    throw new UsageError("CCBENCH_PLAN is not a plan ccbench packed (it is set by ccbench's launchers only; unset it)");
  }
  return decodePlan(text);
}
