// Extra ingress sources allowed by an App's or Box's NetworkPolicy (egress stays open).

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
export const SELECTOR_OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

export interface NamespaceSelector {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirement[];
}

export type NetworkProtocol = 'TCP' | 'UDP' | 'SCTP';
export const NETWORK_PROTOCOLS: readonly NetworkProtocol[] = ['TCP', 'UDP', 'SCTP'];

export interface NetworkPolicyPort {
  protocol: NetworkProtocol;
  port: number;
}

export interface NetworkPolicyIngressRule {
  from: { namespaceSelector: NamespaceSelector }[];
  ports: NetworkPolicyPort[];
}

export interface NetworkPolicySpec {
  ingressRules: NetworkPolicyIngressRule[];
}
