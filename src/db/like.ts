/** LIKE treats % and _ as wildcards: a search for "a_b" means those three characters. */
export function likePrefix(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}
