import type { HubFileRef } from './url.ts';

/** Every failure of a Hub download; `instanceof HubError` tells the UI it came from here. */
export class HubError extends Error {
  override name = 'HubError';
}

export class InvalidRepoIdError extends HubError {
  override name = 'InvalidRepoIdError';
  constructor(readonly repo: string) {
    super(
      `"${repo}" is not a Hub repo id: expected owner/name such as "sentence-transformers/all-MiniLM-L6-v2" (letters, digits, "-", "_", ".")`,
    );
  }
}

/**
 * 404, or the Hub's 401 for a repo that does not exist. The Hub's `X-Error-Code` header says
 * which part is missing (as huggingface_hub's `hf_raise_for_status` reads it); without it, the file.
 */
export class HubNotFoundError extends HubError {
  override name = 'HubNotFoundError';
  constructor(
    readonly ref: HubFileRef,
    readonly missing: 'file' | 'revision' | 'repo' = 'file',
  ) {
    super(
      missing === 'repo'
        ? `repo ${ref.repo} not found on ${ref.host} (or it is private)`
        : missing === 'revision'
          ? `revision ${ref.revision} not found in repo ${ref.repo}`
          : `file ${ref.file} not found in repo ${ref.repo} at revision ${ref.revision}`,
    );
  }
}

/** 401/403: a private repo, or a gated one whose conditions the user has not accepted. */
export class HubAuthError extends HubError {
  override name = 'HubAuthError';
  constructor(
    readonly ref: HubFileRef,
    readonly status: number,
    readonly gated: boolean,
  ) {
    super(
      gated
        ? `repo ${ref.repo} is gated (HTTP ${status}): accept its conditions at ${ref.host}/${ref.repo} while signed in, then load it with an access token`
        : `${ref.file} in repo ${ref.repo} at revision ${ref.revision} needs authorisation (HTTP ${status}): the repo is private or gated; load it with an access token that can read it`,
    );
  }
}

/** Any other unexpected status (5xx, 429, a 206 that does not match the request). */
export class HubHttpError extends HubError {
  override name = 'HubHttpError';
  constructor(
    readonly ref: HubFileRef,
    readonly status: number,
    detail: string,
  ) {
    super(
      `${ref.file} in repo ${ref.repo} at revision ${ref.revision}: HTTP ${status} ${detail}`.trim(),
    );
  }
}

/** The connection failed or broke; the bytes received so far are kept for a resume. */
export class HubNetworkError extends HubError {
  override name = 'HubNetworkError';
  constructor(
    readonly ref: HubFileRef,
    readonly received: number,
    reason: string,
  ) {
    super(
      `network error downloading ${ref.file} from repo ${ref.repo} at revision ${ref.revision} after ${received} bytes: ${reason}; loading again resumes from there`,
    );
  }
}

/** The caller's AbortSignal fired; the bytes received so far are kept for a resume. */
export class HubCancelledError extends HubError {
  override name = 'HubCancelledError';
  constructor(
    readonly ref: HubFileRef,
    readonly received: number,
    readonly total: number | null,
  ) {
    super(
      `download of ${ref.file} from repo ${ref.repo} cancelled after ${received}${total === null ? '' : ` of ${total}`} bytes`,
    );
  }
}

/** config.json is unreadable or has no model_type. */
export class HubConfigError extends HubError {
  override name = 'HubConfigError';
  constructor(repo: string, revision: string, problem: string) {
    super(`config.json of ${repo} at revision ${revision}: ${problem}`);
  }
}

/** Refused from config.json alone, before any weights are fetched. */
export class UnsupportedModelError extends HubError {
  override name = 'UnsupportedModelError';
  constructor(
    readonly repo: string,
    readonly revision: string,
    readonly modelType: string,
    supported: readonly string[],
  ) {
    super(
      `config.json of ${repo} at revision ${revision}: model_type '${modelType}' is not supported; Attune trains BERT-family models (${supported.map((t) => `model_type '${t}'`).join(', ')})`,
    );
  }
}
