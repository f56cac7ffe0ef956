// Who asks for an operation from this process: the local user and host (no Temporal code, so
// the CLI can name the requester of an app revision without loading the client).
import { hostname, userInfo } from 'node:os';
import type { Requester } from '../api/operation';

export function localRequester(via: Requester['via'] = 'cli'): Requester {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER;
  }
  return { via, ...(user ? { user } : {}), host: hostname() };
}
