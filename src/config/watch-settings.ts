/** The settings of hapbeat's Watcher alerts (watches.*), as `setup` turns them into watches. */
export interface WatchSettings {
  /** How often each watch runs (trigger.schedule.interval). */
  interval: string;
  /** Minimum time between two notifications of one watch. */
  throttle: string;
  /** The window each watch looks back over. */
  window: string;
  /** Data streams to search (a namespace can be named: metrics-haproxy.stat-prod). */
  indices: { stat: string; info: string; process: string };
  /** hapbeat's poll period, for "no data for 3 periods". */
  periodMs: number;
  thresholds: {
    /** Share of a backend's servers DOWN for the whole window. */
    serversDown: number;
    /** 5xx share of a backend's responses... */
    http5xx: number;
    /** ...counted only in polls where the backend served at least this many requests per second. */
    minRequestRate: number;
    /** Sessions over their limit, at any poll of the window. */
    sessionUsage: number;
    /** Requests queued for a backend at every poll of the window. */
    queued: number;
  };
  actions: {
    /** The Elasticsearch log (always on). */
    logLevel: 'error' | 'warn' | 'info';
    /** A URL to POST the alert to, JSON. */
    webhookUrl?: string;
    /** An index or data stream to store alerts in. */
    index?: string;
  };
}
