// The app as the worker sees it: the revision the operation carries, never the CLI's files.
import type { FileReader } from '../kom';
import { readServiceEnvFiles } from '../kom';
import { isKomError } from '../kom';
import type { LocalValues } from '../kube/convert/types';
import { appNamesOf, type AppNames } from '../kube/convert/names';
import type { AppRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';
import { refuse } from './failures';

/** Env-file values and file contents from the revision; a file it lacks is a refusal, not a retry. */
export function revisionValues(revision: AppRevision): LocalValues {
  const read: FileReader = (absolutePath) => {
    const content = revision.files[absolutePath];
    return content === undefined
      ? { missing: true }
      : { text: Buffer.from(content, 'base64').toString('utf8') };
  };
  return {
    envFileValues: (service) => {
      try {
        return readServiceEnvFiles(service, read);
      } catch (err) {
        if (isKomError(err)) refuse(err.message, 'ValidationError');
        throw err;
      }
    },
    readFile: (file) => {
      const content = revision.files[file.absolutePath];
      if (content === undefined)
        refuse(
          `app revision ${revision.digest} does not hold ${file.path}; deploy again from the project`,
          'RevisionIncomplete',
        );
      return Buffer.from(content, 'base64');
    },
  };
}

/** Namespace, Deployment and label names of the app on its target cluster. */
export function targetNames(target: AppTarget): AppNames {
  return appNamesOf({
    workspace: target.workspace,
    provider: target.provider.name,
    cluster: target.cluster.name,
    app: target.appName,
  });
}
