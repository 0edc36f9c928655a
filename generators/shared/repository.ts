/**
 * The source repository of the pipelines. Copilot's pipeline manifest wants the HTTPS form of the URL and a provider
 * (`GitHub`, `Bitbucket` or `CodeCommit`), which follows from the host; the SSH forms `git remote get-url origin`
 * often prints are accepted and normalised.
 */
export type SourceProvider = 'GitHub' | 'Bitbucket' | 'CodeCommit';

export interface Repository {
  provider: SourceProvider;
  /** The HTTPS URL Copilot expects in `source.properties.repository`. */
  url: string;
}

const OWNER_REPO = '([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)';
const HOSTED: Array<{ provider: SourceProvider; host: string }> = [
  { provider: 'GitHub', host: 'github.com' },
  { provider: 'Bitbucket', host: 'bitbucket.org' },
];
const REGION = '([a-z]{2}(?:-gov)?-[a-z]+-\\d)';
const CODECOMMIT_NAME = '([A-Za-z0-9_.-]{1,100})';

const REPOSITORY_RULE =
  'be a GitHub, Bitbucket or CodeCommit repository URL, like https://github.com/owner/repo, git@github.com:owner/repo.git or https://git-codecommit.us-east-1.amazonaws.com/v1/repos/repo';

export function parseRepository(value: string): Repository | undefined {
  for (const { provider, host } of HOSTED) {
    const escaped = host.replace(/\./g, '\\.');
    const forms = [
      new RegExp(`^https://(?:[^@/]+@)?${escaped}/${OWNER_REPO}(?:\\.git)?/?$`),
      new RegExp(`^(?:ssh://)?git@${escaped}[:/]${OWNER_REPO}(?:\\.git)?$`),
    ];
    for (const form of forms) {
      const match = form.exec(value);
      if (match) return { provider, url: `https://${host}/${match[1]}/${match[2]}` };
    }
  }
  const codeCommitForms = [
    new RegExp(`^(?:https|ssh)://(?:[^@/]+@)?git-codecommit\\.${REGION}\\.amazonaws\\.com/v1/repos/${CODECOMMIT_NAME}$`),
    new RegExp(`^codecommit::${REGION}://(?:[^@/]+@)?${CODECOMMIT_NAME}$`),
  ];
  for (const form of codeCommitForms) {
    const match = form.exec(value);
    if (match) return { provider: 'CodeCommit', url: `https://git-codecommit.${match[1]}.amazonaws.com/v1/repos/${match[2]}` };
  }
  return undefined;
}

/**
 * `value` without the user part of an HTTP(S) URL (`x-access-token:TOKEN@`, `user:password@`, `TOKEN@`), which git
 * sends as credentials and which must never reach .yo-rc.json or a message; an SSH URL keeps its user (`git@`, a
 * CodeCommit SSH key ID) and loses only a password. The user part runs to the last `@`, even past a `/` (a password
 * typed unencoded): no repository URL this generator accepts has an `@` after its host. `dropped` says whether
 * anything was removed.
 */
export function withoutCredentials(value: string): { url: string; dropped: boolean } {
  const match = /^(https?|ssh):\/\/(.*)@/i.exec(value);
  if (!match) return { url: value, dropped: false };
  const [whole, scheme, userinfo] = match;
  const rest = value.slice(whole.length);
  if (scheme.toLowerCase() !== 'ssh') return { url: `${scheme}://${rest}`, dropped: true };
  const separator = userinfo.indexOf(':');
  if (separator < 0) return { url: value, dropped: false };
  return { url: `${scheme}://${userinfo.slice(0, separator)}@${rest}`, dropped: true };
}

export function repositoryRule(value: string): string | undefined {
  return parseRepository(value) ? undefined : REPOSITORY_RULE;
}
