// Alert bodies as each monitoring system sends them, written from the formats' documented
// fields: fresh objects on every call, so a test may edit its copy.
export const T0 = '2025-03-04T10:15:30.123Z';
export const PROD_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kompox-alerts';
export const SNS_CERT_URL =
  'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';

/** A group of two: worker-2 NotReady (firing) and a node exporter target that came back (resolved). */
export function alertmanagerBody() {
  return {
    version: '4',
    groupKey: '{}/{severity="critical"}:{alertname="KubeNodeNotReady"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'kompox-failover',
    groupLabels: { alertname: 'KubeNodeNotReady' },
    commonLabels: { severity: 'critical', cluster: 'prod-eu' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring.svc:9093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'KubeNodeNotReady',
          node: 'worker-2',
          cluster: 'prod-eu',
          topology_kubernetes_io_zone: 'eu-west-1b',
          severity: 'critical',
        },
        annotations: { summary: 'worker-2 has been NotReady for more than 1 minute' },
        startsAt: T0,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.monitoring.svc:9090/graph?g0.expr=kube_node_status_condition',
        fingerprint: '5d3b2a1c9e8f7a60',
      },
      {
        status: 'resolved',
        labels: {
          alertname: 'NodeExporterDown',
          instance: 'worker-3:9100',
          job: 'node-exporter',
          cluster: 'prod-eu',
          severity: 'critical',
        },
        annotations: {},
        startsAt: '2025-03-04T09:58:00Z',
        endsAt: '2025-03-04T10:12:00Z',
        generatorURL: 'http://prometheus.monitoring.svc:9090/graph?g0.expr=up',
        fingerprint: 'a1b2c3d4e5f60718',
      },
    ],
  };
}

/** An AKS node NotReady metric alert, the node named by the metric's `node` dimension. */
export function azureBody() {
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId:
          '/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/6b1d2c3e-aaaa-4bbb-8ccc-0123456789ab',
        alertRule: 'aks-node-not-ready',
        severity: 'Sev1',
        signalType: 'Metric',
        monitorCondition: 'Fired',
        monitoringService: 'Platform',
        alertTargetIDs: [
          '/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-prod',
        ],
        configurationItems: ['aks-prod'],
        originAlertId:
          '11111111-2222-3333-4444-555555555555_rg-prod_microsoft.insights_metricalerts_aks-node-not-ready_1',
        firedDateTime: '2025-03-04T10:16:02.5Z',
        description: 'A node of aks-prod is NotReady',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {
        properties: null,
        conditionType: 'MultipleResourceMultipleMetricCriteria',
        condition: {
          windowSize: 'PT5M',
          allOf: [
            {
              metricName: 'kube_node_status_condition',
              metricNamespace: 'Insights.Container/nodes',
              operator: 'GreaterThan',
              threshold: '0',
              timeAggregation: 'Average',
              dimensions: [
                { name: 'node', value: 'aks-nodepool1-12345678-vmss000002' },
                { name: 'status', value: 'NotReady' },
              ],
              metricValue: 1,
            },
          ],
          windowStartTime: '2025-03-04T10:10:00Z',
          windowEndTime: '2025-03-04T10:15:00Z',
        },
      },
      customProperties: { kompox_app: 'wiki' },
    },
  };
}

export const EC2_ID = 'i-0abc123def4567890';
export const ALARM_ARN =
  'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:node-status-check-i-0abc123def4567890';

/** A CloudWatch alarm's state change, as the JSON string SNS carries in `Message`. */
export function cloudWatchAlarm(state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' = 'ALARM') {
  return {
    AlarmName: 'node-status-check-i-0abc123def4567890',
    AlarmDescription: 'EC2 status check of a Kompox node',
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2025-02-20T08:00:00.000+0000',
    NewStateValue: state,
    NewStateReason:
      'Threshold Crossed: 2 out of the last 2 datapoints were greater than or equal to the threshold (1.0).',
    StateChangeTime: '2025-03-04T10:16:40.128+0000',
    Region: 'EU (Ireland)',
    AlarmArn: ALARM_ARN,
    OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
    OKActions: [PROD_TOPIC],
    AlarmActions: [PROD_TOPIC],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'StatusCheckFailed',
      Namespace: 'AWS/EC2',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [{ value: EC2_ID, name: 'InstanceId' }],
      Period: 60,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1.0,
      TreatMissingData: 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
  };
}

/** An unsigned SNS Notification envelope around a CloudWatch alarm. */
export function snsNotification(alarm: object = cloudWatchAlarm()): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: '8a2f5e1c-3b4d-5e6f-7a8b-9c0d1e2f3a4b',
    TopicArn: PROD_TOPIC,
    Subject: 'ALARM: "node-status-check-i-0abc123def4567890" in EU (Ireland)',
    Message: JSON.stringify(alarm),
    Timestamp: '2025-03-04T10:16:40.201Z',
    SignatureVersion: '1',
    Signature: '',
    SigningCertURL: SNS_CERT_URL,
    UnsubscribeURL:
      'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-west-1:123456789012:kompox-alerts:0f1e2d3c',
  };
}

/** What SNS sends when an HTTPS subscription is created, before any notification. */
export function snsSubscriptionConfirmation(): Record<string, unknown> {
  return {
    Type: 'SubscriptionConfirmation',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    Token:
      '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
    TopicArn: PROD_TOPIC,
    Message: `You have chosen to subscribe to the topic ${PROD_TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${PROD_TOPIC}&Token=2336412f37fb`,
    Timestamp: '2025-03-04T09:00:00.000Z',
    SignatureVersion: '2',
    Signature: '',
    SigningCertURL: SNS_CERT_URL,
  };
}

/** A GKE node's NotReady incident, opened. */
export function gcpBody() {
  return {
    version: '1.2',
    incident: {
      incident_id: '0.nk7zq1x3m2p4',
      scoping_project_id: 'acme-prod',
      scoping_project_number: 123456789012,
      url: 'https://console.cloud.google.com/monitoring/alerting/incidents/0.nk7zq1x3m2p4?project=acme-prod',
      started_at: 1741083390,
      ended_at: null,
      state: 'open',
      summary: 'Node condition for gke-prod-pool-1-abcd1234-x7k2 is Ready=false.',
      apigee_url: '',
      observed_value: '1.000',
      resource: {
        type: 'k8s_node',
        labels: {
          project_id: 'acme-prod',
          location: 'europe-west1-b',
          cluster_name: 'gke-prod',
          node_name: 'gke-prod-pool-1-abcd1234-x7k2',
        },
      },
      resource_type_display_name: 'Kubernetes Node',
      resource_id: '',
      resource_display_name: 'gke-prod-pool-1-abcd1234-x7k2',
      resource_name: 'acme-prod gke-prod-pool-1-abcd1234-x7k2',
      metric: {
        type: 'kubernetes.io/node/status_condition',
        displayName: 'Node condition',
        labels: { condition: 'Ready', status: 'false', zone: 'europe-west1-b' },
      },
      metadata: { system_labels: {}, user_labels: {} },
      policy_name: 'GKE node not ready',
      policy_user_labels: {},
      documentation: { content: 'Kompox fails the node over.', mime_type: 'text/markdown' },
      condition: {
        name: 'projects/acme-prod/alertPolicies/1234/conditions/5678',
        displayName: 'Node Ready is false',
      },
      condition_name: 'Node Ready is false',
      threshold_value: '0',
    },
  };
}
