// Where podagg keeps things in a pod. Paths are relative to the pod root.

export interface PodLayout {
  inbox: string;
  queries: string;
  results: string;
  consentPolicy: string;
  consentLog: string;
  /** Rewritten every few seconds while peers depend on the agent (see presence.ts). */
  presence: string;
  /** The extended profile: inbox and public keys, linked from the WebID document. */
  profile: string;
}

export function podLayout(podUrl: string): PodLayout {
  const at = (path: string) => new URL(path, podUrl).href;
  return {
    inbox: at('podagg/inbox/'),
    queries: at('podagg/queries/'),
    results: at('podagg/results/'),
    consentPolicy: at('podagg/consent/policy'),
    consentLog: at('podagg/consent/log/'),
    presence: at('podagg/presence'),
    profile: at('podagg/profile'),
  };
}

/** A peer's presence document, from the inbox its registration names. */
export function presenceOfInbox(inbox: string): string {
  return new URL('../presence', inbox).href;
}
