// What the server's live feed (GET /ui/api/stream) sends. The server's copy of TaskRow is in
// src/server/ui.ts; change both together.

export interface TaskRow {
  readonly key: string;
  /** TaskInfo.descriptionId. */
  readonly type: string;
  readonly target: string;
  /** "Type:value". */
  readonly entity: string;
  readonly state: TaskState;
  readonly progress?: number;
  readonly cancelled: boolean;
  readonly cancelable: boolean;
  readonly details?: string;
  readonly initiator: string;
  readonly queueTime: string;
  readonly startTime?: string;
  readonly completeTime?: string;
  readonly fault?: { readonly type: string; readonly message: string };
  readonly parent?: string;
}

export type TaskState = 'queued' | 'running' | 'success' | 'error';

/** descriptionId → the label its extension registered. */
export type Labels = Readonly<Record<string, string>>;

export interface Snapshot {
  /** The server's clock (ms since the epoch) when it was sent. */
  readonly now: number;
  readonly labels: Labels;
  readonly tasks: readonly TaskRow[];
}

export interface Delta {
  readonly now: number;
  readonly labels?: Labels;
  readonly upsert: readonly TaskRow[];
  readonly remove: readonly string[];
}

/** What GET /_emulator/tasks/{key}/history answers. */
export interface HistoryAnswer {
  readonly task: string;
  readonly history: readonly HistoryEntry[];
}

export interface HistoryEntry {
  readonly time: string;
  readonly user: string;
  readonly method: string;
  readonly changes: Readonly<Record<string, { readonly old: Json; readonly new: Json }>>;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
