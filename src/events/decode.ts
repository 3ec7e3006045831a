import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { InvalidInput } from '../errors.js';

/** Decodes input from outside; a failure names the first bad field and its value. */
export const decode = <A, O>(codec: t.Type<A, O, unknown>, input: unknown, where = ''): Either<InvalidInput, A> => {
  const result = codec.decode(input);
  return isLeft(result) ? left(InvalidInput.from(result.left, where)) : right(result.right);
};

/** For one-shot edges (a CLI command, an HTTP handler): the InvalidInput is thrown, the caller maps it. */
export const decodeOrThrow = <A, O>(codec: t.Type<A, O, unknown>, input: unknown, where = ''): A => {
  const result = decode(codec, input, where);
  if (isLeft(result)) throw result.left;
  return result.right;
};
