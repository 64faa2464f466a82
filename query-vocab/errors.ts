// The one error the vocabulary throws: a document that does not parse or does not validate.

export class VocabError extends Error {
  /** One readable sentence per problem, each naming the node and property at fault. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.join('\n')}`);
    this.name = 'VocabError';
    this.problems = problems;
  }
}
