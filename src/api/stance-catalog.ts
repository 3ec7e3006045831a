/*
 * The fixed answers of the original's /api/state/* routes (`src/stance/web/server.py`, `_state_scan_statuses`,
 * `_state_lifecycles`, `_state_backends`, `_state_status`), with the same keys so its clients read them unchanged.
 * Paths are this server's, not the original's hard-coded ~/.stance/state.db.
 */

export const scanStatuses = [
  { status: 'pending', description: 'Scan is queued but not yet started', indicator: '[.]' },
  { status: 'running', description: 'Scan is currently in progress', indicator: '[>]' },
  { status: 'completed', description: 'Scan completed successfully', indicator: '[+]' },
  { status: 'failed', description: 'Scan failed with error', indicator: '[!]' },
  { status: 'cancelled', description: 'Scan was cancelled', indicator: '[x]' },
] as const;

export const lifecycles = [
  { lifecycle: 'new', description: 'First time this finding was seen', action: 'Investigate and remediate' },
  { lifecycle: 'recurring', description: 'Seen again in subsequent scans', action: 'Continue remediation' },
  { lifecycle: 'resolved', description: 'No longer detected in scans', action: 'Verify fix is complete' },
  { lifecycle: 'reopened', description: 'Was resolved but detected again', action: 'Investigate regression' },
  // Unlike the original, a suppression here survives later sightings and may carry an expiry.
  { lifecycle: 'suppressed', description: 'Manually suppressed by user', action: 'Review periodically' },
  { lifecycle: 'false_positive', description: 'Marked as not a real issue', action: 'Consider policy tuning' },
] as const;

const backend = (name: string, type: string, description: string, path: string, active = false) => ({
  backend: name,
  type,
  description,
  available: active,
  default: active,
  path,
});

export const backends = (path: string) => [
  backend('local', 'SQLite', 'Local event log and read models (SQLite, WAL)', path, true),
  backend('dynamodb', 'DynamoDB', 'AWS DynamoDB state storage', 'stance-state table'),
  backend('firestore', 'Firestore', 'GCP Firestore state storage', 'stance-state collection'),
  backend('cosmosdb', 'Cosmos DB', 'Azure Cosmos DB state storage', 'stance-state container'),
];

export const moduleStatus = (path: string, exists: boolean) => ({
  module: 'state',
  active_backend: 'local',
  backend_path: path,
  backend_exists: exists,
  components: { StateManager: true, LocalStateBackend: true, ScanRecord: true, Checkpoint: true, FindingState: true },
  capabilities: [
    'scan_tracking',
    'checkpoint_management',
    'finding_lifecycle',
    'state_persistence',
    'incremental_scanning',
  ],
});

export const features = [
  'Scan history tracking',
  'Checkpoint management for incremental scans',
  'Finding lifecycle tracking (new, recurring, resolved, reopened)',
  'Finding suppression and false positive marking',
  'Event-sourced log with audit history and as-of replay',
  'SQLite-based local persistence',
];
