// spec.networkPolicy of an App or Box. A rule that would match nothing, or everything by
// accident (an empty namespaceSelector selects every namespace), is an error.
import { quote } from '../errors';
import { MapReader, readInt } from '../field-reader';
import {
  NETWORK_PROTOCOLS,
  SELECTOR_OPERATORS,
  type NamespaceSelector,
  type NetworkPolicyIngressRule,
  type NetworkPolicyPort,
  type NetworkPolicySpec,
  type SelectorRequirement,
} from '../model/network-policy';

export function readNetworkPolicy(policy: MapReader): NetworkPolicySpec {
  const ingressRules = policy.list('ingressRules').flatMap((item) => {
    const rule = readIngressRule(MapReader.of(policy.report, item.value, item.path));
    return rule === undefined ? [] : [rule];
  });
  policy.finish('error');
  return { ingressRules };
}

function readIngressRule(rule: MapReader): NetworkPolicyIngressRule | undefined {
  const from = rule.list('from').flatMap((item) => {
    const peer = MapReader.of(rule.report, item.value, item.path);
    const selector = readNamespaceSelector(peer);
    peer.finish('error', ' (only namespaceSelector is supported)');
    return selector === undefined ? [] : [{ namespaceSelector: selector }];
  });
  const ports = rule.list('ports').flatMap((item) => {
    const port = readPort(MapReader.of(rule.report, item.value, item.path));
    return port === undefined ? [] : [port];
  });
  rule.finish('error');
  if (!rule.has('from') && !rule.has('ports')) {
    rule.report.error(rule.path, 'an ingress rule needs "from" (and optionally "ports")');
    return undefined;
  }
  if (rule.has('ports') && !rule.has('from')) {
    rule.report.error(rule.at('ports'), 'ports need a "from" list naming the namespaces they are open to');
    return undefined;
  }
  return { from, ports };
}

function readNamespaceSelector(peer: MapReader): NamespaceSelector | undefined {
  if (!peer.required('namespaceSelector')) return undefined;
  const selector = peer.map('namespaceSelector');
  const matchLabels = selector.stringMap('matchLabels');
  const matchExpressions = selector.list('matchExpressions').flatMap((item) => {
    const requirement = readRequirement(MapReader.of(selector.report, item.value, item.path));
    return requirement === undefined ? [] : [requirement];
  });
  selector.finish('error');
  if (Object.keys(matchLabels).length === 0 && !selector.has('matchExpressions')) {
    selector.report.error(selector.path, 'must not be empty: an empty selector would admit every namespace');
    return undefined;
  }
  return { matchLabels, matchExpressions };
}

function readRequirement(expression: MapReader): SelectorRequirement | undefined {
  const key = expression.requiredString('key');
  const operator = expression.required('operator')
    ? expression.enumOf('operator', SELECTOR_OPERATORS)
    : undefined;
  const values = expression.stringList('values') ?? [];
  expression.finish('error');
  if (key === undefined || operator === undefined) return undefined;
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) {
    expression.report.error(expression.at('values'), `operator ${operator} needs at least one value`);
    return undefined;
  }
  if (!needsValues && values.length > 0) {
    expression.report.error(
      expression.at('values'),
      `operator ${operator} takes no values, got ${quote(values)}`,
    );
    return undefined;
  }
  return { key, operator, values };
}

function readPort(entry: MapReader): NetworkPolicyPort | undefined {
  const protocol = entry.enumOf('protocol', NETWORK_PROTOCOLS) ?? 'TCP';
  const port = entry.required('port')
    ? readInt(entry.report, entry.at('port'), entry.raw('port'), { min: 1, max: 65535 })
    : undefined;
  entry.finish('error');
  return port === undefined ? undefined : { protocol, port };
}
