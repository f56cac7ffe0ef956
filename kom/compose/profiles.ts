// Compose `profiles:`: a service with profiles runs only when one of them is chosen, as with
// `docker compose --profile` or `COMPOSE_PROFILES`; a service without profiles always runs.
import { quote } from '../errors';
import { isPlainMap } from '../field-reader';
import type { Reporter } from '../reporter';

/** Chooses every profile, as in docker compose. */
export const ALL_PROFILES = '*';

/** `COMPOSE_PROFILES=debug,tools` → ['debug', 'tools']. */
export function profilesFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env.COMPOSE_PROFILES ?? '')
    .split(',')
    .map((profile) => profile.trim())
    .filter((profile) => profile !== '');
}

/** Service name → its profiles, for the services the chosen profiles leave out. */
export function inactiveServices(
  services: Record<string, unknown>,
  chosen: readonly string[],
  serviceReport: (name: string) => Reporter,
): Map<string, string[]> {
  const inactive = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services)) {
    const value = isPlainMap(service) ? service.profiles : undefined;
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || !value.every((profile) => typeof profile === 'string')) {
      serviceReport(name).error(['profiles'], `must be a list of profile names, got ${quote(value)}`);
      continue;
    }
    const profiles = value as string[];
    if (profiles.length === 0 || chosen.includes(ALL_PROFILES)) continue;
    if (!profiles.some((profile) => chosen.includes(profile))) inactive.set(name, profiles);
  }
  return inactive;
}

/** Why a service cannot be depended on: it is in profiles that were not chosen. */
export function inactiveMessage(name: string, profiles: readonly string[]): string {
  return `${quote(name)} runs only with profile ${profiles.map((profile) => quote(profile)).join(' or ')}, which is not chosen; choose it (--profile or COMPOSE_PROFILES) or remove the dependency`;
}
