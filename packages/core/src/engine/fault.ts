/**
 * Fault injection for the crash-safety suite: when CEE_FAULT names this point, the process kills itself with
 * SIGKILL right here, exactly like a power cut or `kill -9`. A no-op otherwise.
 */
export function faultPoint(name: string): void {
  if (process.env.CEE_FAULT === name) process.kill(process.pid, 'SIGKILL');
}

/** Every named point, so the suite can iterate over them. */
export const FAULT_POINTS = [
  'edit:after-pending',
  'edit:after-provision',
  'edit:after-checkout',
  'checkpoint:after-pending',
  'checkpoint:after-commit',
  'checkpoint:after-tag',
  'checkpoint:after-branch',
  'restore:after-undo',
  'restore:after-pending',
  'restore:after-provision',
  'restore:after-branch',
  'merge:after-snapshot',
  'merge:after-pending',
  'merge:after-merge',
  'merge:after-archive',
] as const;
