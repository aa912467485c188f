/** The kubeconfig that points kubectl and client-node at the simulator. */
import { stringify } from 'yaml';

export function buildKubeconfig(url: string, context: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${context}-user`, user: { token } }],
    contexts: [{ name: context, context: { cluster: context, user: `${context}-user`, namespace: 'default' } }],
    'current-context': context,
    preferences: {},
  });
}
