// What the pod servers receive from this process: the body of every POST whose URL
// matches, recorded on the way out. Agents delete each message once handled, so a test
// that needs a message after that (to replay it, or to look at what a provider was given)
// takes it here, as anyone on the path could. It observes requests and changes none.

export interface TappedPost {
  url: string;
  body: string;
}

export interface Wiretap {
  posts: TappedPost[];
  stop(): void;
}

/** Wraps globalThis.fetch, which every session's fetch calls (Inrupt's authenticated one included). */
export function tapPosts(matches: (url: string) => boolean): Wiretap {
  const original = globalThis.fetch;
  const posts: TappedPost[] = [];
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (init?.method === 'POST' && typeof init.body === 'string' && matches(url)) posts.push({ url, body: init.body });
    return original(input, init);
  };
  return { posts, stop: () => void (globalThis.fetch = original) };
}
