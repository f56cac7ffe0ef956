// Resource IDs: `/ws/<ws>/prv/<prv>/cls/<cls>/app/<app>/box/<box>`, the primary key of every
// KOM resource. The path mirrors the hierarchy, so the parent of an ID is the ID minus its last
// kind/name pair.

export type ResourceKind = 'Workspace' | 'Provider' | 'Cluster' | 'App' | 'Box';

/** The short segment kinds, in hierarchy order. */
export const SEGMENT_KINDS = ['ws', 'prv', 'cls', 'app', 'box'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export const RESOURCE_KINDS: readonly ResourceKind[] = ['Workspace', 'Provider', 'Cluster', 'App', 'Box'];

const KIND_OF_SEGMENT: Record<SegmentKind, ResourceKind> = {
  ws: 'Workspace',
  prv: 'Provider',
  cls: 'Cluster',
  app: 'App',
  box: 'Box',
};

/** Reserved by the reference for a future Ingress kind. */
const RESERVED_SEGMENTS = new Set(['ing']);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric. */
export function isDnsLabel(name: string, maxLength = 63): boolean {
  return name.length >= 1 && name.length <= maxLength && DNS_LABEL.test(name);
}

export function dnsLabelProblem(name: string, maxLength = 63): string | undefined {
  if (isDnsLabel(name, maxLength)) return undefined;
  return `${JSON.stringify(name)} is not a DNS label (1-${maxLength} characters: lower-case letters, digits and '-', starting and ending with a letter or digit)`;
}

export interface ResourceIdSegment {
  kind: SegmentKind;
  name: string;
}

export interface ParsedResourceId {
  /** The canonical text. */
  id: string;
  segments: ResourceIdSegment[];
  kind: ResourceKind;
  name: string;
  /** The parent's ID; absent for a Workspace. */
  parentId?: string;
}

export class InvalidResourceIdError extends Error {
  override readonly name = 'InvalidResourceIdError';
  constructor(
    readonly text: string,
    readonly reason: string,
  ) {
    super(`invalid resource ID ${JSON.stringify(text)}: ${reason}`);
  }
}

export function segmentOfResourceKind(kind: ResourceKind): SegmentKind {
  return SEGMENT_KINDS[RESOURCE_KINDS.indexOf(kind)] ?? 'ws';
}

/** Depth in the hierarchy: Workspace 1 ... Box 5. */
export function resourceDepth(kind: ResourceKind): number {
  return RESOURCE_KINDS.indexOf(kind) + 1;
}

/** Parses and checks the grammar; throws InvalidResourceIdError with the reason. */
export function parseResourceId(text: string): ParsedResourceId {
  const fail = (reason: string): never => {
    throw new InvalidResourceIdError(text, reason);
  };
  if (!text.startsWith('/')) fail('it must start with "/", e.g. /ws/acme/prv/az1');
  const parts = text.slice(1).split('/');
  if (parts.length < 2 || parts.length % 2 !== 0) {
    fail('it must be kind/name pairs, e.g. /ws/acme/prv/az1');
  }
  if (parts.length / 2 > SEGMENT_KINDS.length)
    fail(`it has more than ${SEGMENT_KINDS.length} kind/name pairs`);
  const segments: ResourceIdSegment[] = [];
  for (let pair = 0; pair < parts.length / 2; pair++) {
    const kind = parts[pair * 2] ?? '';
    const name = parts[pair * 2 + 1] ?? '';
    const expected = SEGMENT_KINDS[pair] ?? 'box';
    if (RESERVED_SEGMENTS.has(kind)) fail(`segment kind "${kind}" is reserved`);
    if (!(SEGMENT_KINDS as readonly string[]).includes(kind)) {
      fail(`unknown segment kind "${kind}" (known: ${SEGMENT_KINDS.join(', ')})`);
    }
    if (kind !== expected)
      fail(`segment ${pair + 1} must be "${expected}", got "${kind}" (order is ws/prv/cls/app/box)`);
    const problem = dnsLabelProblem(name);
    if (problem !== undefined) fail(`name ${problem}`);
    segments.push({ kind: expected, name });
  }
  return describeSegments(segments);
}

/** The parse result, or undefined when the text is not a valid ID. */
export function tryParseResourceId(text: string): ParsedResourceId | undefined {
  try {
    return parseResourceId(text);
  } catch (error) {
    if (error instanceof InvalidResourceIdError) return undefined;
    throw error;
  }
}

export function formatResourceId(segments: readonly ResourceIdSegment[]): string {
  return segments.map((segment) => `/${segment.kind}/${segment.name}`).join('');
}

/** `/ws/<ws>/prv/<prv>/cls/<cls>/app/<app>` from names, checked. */
export function appResourceId(workspace: string, provider: string, cluster: string, app: string): string {
  return parseResourceId(formatResourceId(namedSegments([workspace, provider, cluster, app]))).id;
}

/** The ID of a child of `parentId`. */
export function childResourceId(parentId: string, name: string): string {
  const parent = parseResourceId(parentId);
  const kind = SEGMENT_KINDS[parent.segments.length];
  if (kind === undefined) throw new InvalidResourceIdError(parentId, 'a Box has no children');
  return parseResourceId(`${parent.id}/${kind}/${name}`).id;
}

function namedSegments(names: readonly string[]): ResourceIdSegment[] {
  return names.map((name, index) => ({ kind: SEGMENT_KINDS[index] ?? 'box', name }));
}

function describeSegments(segments: ResourceIdSegment[]): ParsedResourceId {
  const last = segments[segments.length - 1];
  if (last === undefined) throw new InvalidResourceIdError('', 'it is empty');
  const parsed: ParsedResourceId = {
    id: formatResourceId(segments),
    segments,
    kind: KIND_OF_SEGMENT[last.kind],
    name: last.name,
  };
  if (segments.length > 1) parsed.parentId = formatResourceId(segments.slice(0, -1));
  return parsed;
}
