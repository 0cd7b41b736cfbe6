/**
 * The end of an exhaustive `switch`: the compiler proves it is never reached (`value` is `never`),
 * and if a value from outside the types gets there anyway (a row written by a newer release), it
 * fails loudly instead of falling through.
 */
export function unreachable(value: never, what: string): never {
  throw new Error(`Unhandled ${what}: ${String(value)}`);
}
