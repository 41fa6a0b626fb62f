import { ConflictError, NotModifiedError, type ExitStatus } from '@sockerless/sdk';
import type { ContainerRecord, ContainerState } from '../container-record';

/** Docker's zero time: a container that never started, or has not finished. */
export const NEVER = '0001-01-01T00:00:00Z';

/**
 * dockerd's container.State (container/state.go): created → running ⇄ paused; running → exited, or restarting →
 * running; stopped → removing. Each transition (SetRunning, SetStopped...) gives the next state; ContainerEngine.apply lands it.
 */
export const transition = {
  created: (): ContainerState => ({
    Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: NEVER, FinishedAt: NEVER,
  }),
  /** SetRunning; a paused run taken back at boot stays paused (its processes are still frozen). */
  running: (s: ContainerState, run: { pid?: number; startedAt: string; paused: boolean }): ContainerState => ({
    ...s, Status: run.paused ? 'paused' : 'running', Running: true, Paused: run.paused, Restarting: false, Pid: run.pid ?? 0, ExitCode: 0, Error: '',
    StartedAt: run.startedAt, FinishedAt: NEVER, OOMKilled: false,
  }),
  paused: (s: ContainerState, paused: boolean): ContainerState => ({ ...s, Status: paused ? 'paused' : 'running', Paused: paused }),
  /** SetStopped. */
  exited: (s: ContainerState, status: ExitStatus): ContainerState => ({
    ...s, Status: 'exited', Running: false, Paused: false, Pid: 0, ExitCode: status.exitCode, OOMKilled: status.oomKilled ?? false,
    Error: status.error ?? '', FinishedAt: (status.finishedAt ?? new Date()).toISOString(),
  }),
  /** SetRestarting: shown as restarting (Running too) while the policy's delay runs. */
  restarting: (s: ContainerState): ContainerState => ({ ...s, Status: 'restarting', Running: true, Restarting: true }),
  /** A pending restart dropped (stop, kill, a manual start, a failed policy start): exited with its last code. */
  restartDropped: (s: ContainerState): ContainerState => ({ ...s, Status: 'exited', Running: false, Restarting: false }),
  /** Docker records a start failure on the container, so `inspect` shows why; a never-started one stays created. */
  startFailed: (s: ContainerState, error: string, exitCode: number): ContainerState => ({
    ...s, Error: error, ExitCode: exitCode, Status: s.Status === 'created' ? 'created' : 'exited',
  }),
  /** A workload found at boot that no daemon watched: killed and recorded as the daemon's restart ended it. */
  lost: (s: ContainerState): ContainerState => ({
    ...s, Status: 'exited', Running: false, Restarting: false, Pid: 0, ExitCode: 137, FinishedAt: new Date().toISOString(), Error: 'daemon restarted',
  }),
  /** SetRemovalInProgress. */
  removing: (s: ContainerState): ContainerState => ({ ...s, Status: 'removing' }),
};

/** The guards of the transitions that can be refused, with dockerd's wording (409 unless said). */
export const guard = {
  /** daemon/start.go: `busy` when a run or a start is in progress. */
  start(c: ContainerRecord, busy: boolean): void {
    if (c.state.Paused) throw new ConflictError('cannot start a paused container, try unpause instead');
    if (busy) throw new NotModifiedError('container already started');
    if (c.state.Status === 'removing') throw new ConflictError(`container is marked for removal and cannot be started`);
  },
  /** What needs a run (exec, top, pause): dockerd's `Container <id> is not running`. */
  running(c: ContainerRecord, running: boolean): void {
    if (!running) throw new ConflictError(`Container ${c.id} is not running`);
  },
  /** daemon/pause.go. */
  pause(c: ContainerRecord, running: boolean): void {
    guard.running(c, running && c.state.Running);
    if (c.state.Paused) throw new ConflictError(`Container ${c.id} is already paused`);
    if (c.state.Restarting) throw new ConflictError(`Container ${c.id} is restarting, wait until the container is running`);
  },
  /** daemon/delete.go, without force. */
  remove(c: ContainerRecord, running: boolean, restarting: boolean): void {
    if (restarting) throw new ConflictError(`You cannot remove a restarting container ${c.id}. Stop the container before attempting removal or force remove`);
    if (!running) return;
    const [state, unpause] = c.state.Paused ? ['paused', 'Unpause and then stop'] : ['running', 'Stop'];
    throw new ConflictError(`You cannot remove a ${state} container ${c.id}. ${unpause} the container before attempting removal or force remove`);
  },
};
