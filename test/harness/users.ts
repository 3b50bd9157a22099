import { randomBytes } from 'node:crypto';
import { connect, type Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE, type Profile } from '../../src/content/profile.js';
import { installRoles, PACK_ROLES, type PackRole } from '../../src/deploy/roles.js';
import { ROOT, testCluster } from './cluster.js';

/**
 * Real users of the pack's roles on the secured test cluster (OpenSearch security plugin):
 * `createPackUser(admin, 'shipper')` installs the pack's roles and their mappings (as deploy
 * does) and creates an internal user with the role's backend role, so the user gets the role
 * through the pack's role mapping, as a site's user would. Stable for other tests (the
 * rsyslog test ships as the shipper user).
 */

export { PACK_ROLES, type PackRole };

export interface PackUser {
  username: string;
  password: string;
  role: string;
}

/** Installs the pack's roles and makes (or resets) the internal user `jpcert-test-<role>` with a new password. */
export async function createPackUser(admin: Connection, role: PackRole, profile: Profile = DEFAULT_PROFILE, username = `jpcert-test-${role}`): Promise<PackUser> {
  await installRoles(admin, ROOT, profile);
  const password = `P-${randomBytes(12).toString('base64url')}9!`;
  await admin.request('PUT', `/_plugins/_security/api/internalusers/${encodeURIComponent(username)}`, { password, backend_roles: [PACK_ROLES[role]], description: `JPCERT APT log pack test user (${PACK_ROLES[role]})` });
  return { username, password, role: PACK_ROLES[role] };
}

/** A connection to the test cluster as this user. */
export function userConnection(user: PackUser, c = testCluster()): Promise<Connection> {
  return connect({ url: c.url, engine: 'auto', username: user.username, password: user.password, ...(c.caCert ? { caCert: c.caCert } : {}), insecure: c.insecure });
}

/** The environment the CLIs need to reach the test cluster as this user. */
export function userEnv(user: PackUser, c = testCluster()): Record<string, string> {
  return { PACK_USERNAME: user.username, PACK_PASSWORD: user.password, ...(c.caCert ? { PACK_CA_CERT: c.caCert } : {}) };
}

/** Whether the cluster runs the security plugin (the local test cluster does; a given one may not). */
export async function hasSecurity(admin: Connection): Promise<boolean> {
  const res = await admin.request('GET', '/_cat/plugins?format=json');
  return (res.body as Array<{ component: string }>).some((p) => p.component === 'opensearch-security');
}
