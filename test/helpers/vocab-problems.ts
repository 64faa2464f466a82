// What a vocabulary parse refuses: its problems, each naming the node and property at fault,
// or [] when it parses.

import assert from 'node:assert/strict';
import { VocabError } from '../../query-vocab/index.ts';

export function vocabProblems(parse: () => unknown): string[] {
  try {
    parse();
    return [];
  } catch (e) {
    assert.ok(e instanceof VocabError, `expected a VocabError, got ${e}`);
    return [...e.problems];
  }
}
