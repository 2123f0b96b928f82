import { InvalidRepoIdError } from './errors.ts';

/** Where models come from unless a test or a mirror says otherwise. */
export const HUB_HOST = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

/** One file of one repo at one revision, on one host. */
export interface HubFileRef {
  host: string;
  repo: string;
  revision: string;
  /** Path inside the repo, "/"-separated ("1_Pooling/config.json"). */
  file: string;
}

/** `owner/name` or a legacy single name, as huggingface_hub's `validate_repo_id` accepts them. */
const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;

/** Throws InvalidRepoIdError unless `repo` is a Hub repo id a person could have meant. */
export function assertRepoId(repo: string): void {
  if (!REPO_ID.test(repo) || repo.includes('--') || repo.includes('..')) {
    throw new InvalidRepoIdError(repo);
  }
}

/**
 * `<host>/<repo>/resolve/<revision>/<file>`, the Hub's download route. The revision is encoded
 * whole ("refs/pr/1" → "refs%2Fpr%2F1") as huggingface_hub and transformers.js do, so the URL
 * is the same cache key transformers.js uses; repo and file keep their "/" separators.
 */
export function hubFileUrl(host: string, repo: string, revision: string, file: string): string {
  assertRepoId(repo);
  const segments = (path: string) => path.split('/').map(encodeURIComponent).join('/');
  return `${host.replace(/\/+$/, '')}/${segments(repo)}/resolve/${encodeURIComponent(revision)}/${segments(file)}`;
}

export function refUrl(ref: HubFileRef): string {
  return hubFileUrl(ref.host, ref.repo, ref.revision, ref.file);
}
