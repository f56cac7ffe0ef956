// Ingresses for Traefik (reference §3.7): one for generated hosts under the cluster's domain
// (served by its wildcard certificate) and one for the rules' custom hosts (certificates from
// the ACME resolver).
import type { V1Ingress, V1IngressRule } from '@kubernetes/client-node';
import type { AppContext, AppIngressRule } from '../../kom';
import { componentLabels } from './labels';
import { customIngressName, defaultIngressName, type AppNames } from './names';

export const INGRESS_CLASS = 'traefik';
export const TRAEFIK = {
  entrypoints: 'traefik.ingress.kubernetes.io/router.entrypoints',
  tls: 'traefik.ingress.kubernetes.io/router.tls',
  certResolver: 'traefik.ingress.kubernetes.io/router.tls.certresolver',
} as const;

/** `<app>-<idHASH>-<hostPort>.<domain>` */
export function defaultHost(names: AppNames, rule: AppIngressRule, domain: string): string {
  return `${names.app}-${names.appIdHash}-${rule.port}.${domain}`;
}

export function buildIngresses(context: AppContext, names: AppNames): V1Ingress[] {
  const rules = context.app.ingress.rules;
  const ingresses: V1Ingress[] = [];
  const domain = context.cluster.ingress.domain;
  if (rules.length > 0 && domain !== undefined && domain !== '') {
    ingresses.push(
      ingress(
        names,
        defaultIngressName(names),
        {},
        rules.map((rule) => hostRule(names, rule, defaultHost(names, rule, domain))),
      ),
    );
  }
  const custom = rules.flatMap((rule) => rule.hosts.map((host) => hostRule(names, rule, host)));
  if (custom.length > 0) {
    const resolver = context.app.ingress.certResolver ?? context.cluster.ingress.certResolver;
    ingresses.push(
      ingress(
        names,
        customIngressName(names),
        resolver !== undefined && resolver !== '' ? { [TRAEFIK.certResolver]: resolver } : {},
        custom,
      ),
    );
  }
  return ingresses;
}

function ingress(
  names: AppNames,
  name: string,
  extra: Record<string, string>,
  rules: V1IngressRule[],
): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: names.namespace,
      labels: componentLabels(names),
      annotations: { [TRAEFIK.entrypoints]: 'websecure', [TRAEFIK.tls]: 'true', ...extra },
    },
    spec: { ingressClassName: INGRESS_CLASS, rules },
  };
}

function hostRule(names: AppNames, rule: AppIngressRule, host: string): V1IngressRule {
  return {
    host,
    http: {
      paths: [
        {
          path: '/',
          pathType: 'Prefix',
          backend: { service: { name: names.componentName, port: { name: rule.name } } },
        },
      ],
    },
  };
}
