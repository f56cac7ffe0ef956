// The app's NetworkPolicy (reference §3.8): ingress only from the app's own namespace,
// kube-system and the ingress controller's namespace, plus the App's extra rules. Egress stays open.
import type { V1LabelSelector, V1NetworkPolicy, V1NetworkPolicyIngressRule } from '@kubernetes/client-node';
import type { AppContext, NamespaceSelector, NetworkPolicyIngressRule } from '../../kom';
import { baseLabels } from './labels';
import type { AppNames } from './names';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function buildNetworkPolicy(context: AppContext, names: AppNames): V1NetworkPolicy {
  const allowed = [...new Set([names.namespace, 'kube-system', context.cluster.ingress.namespace])];
  const rules: V1NetworkPolicyIngressRule[] = [
    {
      _from: [
        {
          namespaceSelector: {
            matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: allowed }],
          },
        },
      ],
    },
  ];
  for (const rule of context.app.networkPolicy.ingressRules) {
    const converted = extraRule(rule);
    if (converted !== undefined) rules.push(converted);
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: names.networkPolicy, namespace: names.namespace, labels: baseLabels(names) },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: rules },
  };
}

/**
 * An empty namespace selector selects every namespace and a rule without sources allows all
 * traffic; as in the reference both are dropped rather than opening the app up by accident.
 */
function extraRule(rule: NetworkPolicyIngressRule): V1NetworkPolicyIngressRule | undefined {
  const from = rule.from.flatMap((peer) => {
    const selector = labelSelector(peer.namespaceSelector);
    return selector === undefined ? [] : [{ namespaceSelector: selector }];
  });
  if (from.length === 0) return undefined;
  const converted: V1NetworkPolicyIngressRule = { _from: from };
  if (rule.ports.length > 0) {
    converted.ports = rule.ports.map((port) => ({ protocol: port.protocol, port: port.port }));
  }
  return converted;
}

function labelSelector(selector: NamespaceSelector): V1LabelSelector | undefined {
  const labels = Object.keys(selector.matchLabels).sort();
  if (labels.length === 0 && selector.matchExpressions.length === 0) return undefined;
  const result: V1LabelSelector = {};
  if (labels.length > 0) {
    result.matchLabels = Object.fromEntries(labels.map((key) => [key, selector.matchLabels[key] ?? '']));
  }
  if (selector.matchExpressions.length > 0) {
    result.matchExpressions = selector.matchExpressions.map((expression) => {
      const requirement: { key: string; operator: string; values?: string[] } = {
        key: expression.key,
        operator: expression.operator,
      };
      if (expression.operator === 'In' || expression.operator === 'NotIn')
        requirement.values = [...expression.values];
      return requirement;
    });
  }
  return result;
}
