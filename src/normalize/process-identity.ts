/**
 * Who produced a sample. Aggregates and rates key on (pid, startTime); `num` is HAProxy's relative process
 * number (`@N`, the CSV `pid` column), which Metricbeat confuses with the OS pid.
 */
export interface ProcessIdentity {
  /** OS pid (absent for an HTTP stats page, which does not say). */
  pid?: number;
  /** Relative process number: 1..nbproc on 2.4 and older, 1 later. */
  num?: number;
  /** An old worker: leaving after a reload (`Stopping: 1`, or listed under `# old workers` without info). */
  old: boolean;
  /** `Stopping:` from show info. */
  stopping?: boolean;
  /** Reloads this process survived (show proc). */
  reloads?: number;
  /** Process start, epoch seconds (`Start_time_sec`, or derived from uptime on 2.2). */
  startTime?: number;
  version?: string;
}

/** The HAProxy instance a sample came from. */
export interface TargetRef {
  name: string;
  address: string;
}

/** Static facts about this agent, put on every document. */
export interface AgentInfo {
  name: string;
  version: string;
  id: string;
  hostname: string;
}
