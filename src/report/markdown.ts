/**
 * Text that came from an API or a user (error messages, names) is escaped before it goes into Markdown,
 * so it cannot break a table, inject HTML or links, or @-mention anyone.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+!|<>~]/g, ch => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/@/g, '@\u200b')
    .replace(/\r?\n/g, ' ')
}

/** Inline code; a backtick in the value would end the span early, so it becomes a quote. */
export function code(text: string): string {
  return `\`${text.replace(/\r?\n/g, ' ').replace(/`/g, "'")}\``
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // GFM ends a cell at every unescaped `|`, even inside a code span (a name such as a branch can hold
  // one): escape what escapeMarkdown has not already.
  const cell = (text: string) => text.replace(/(?<!\\)\|/g, '\\|')
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}
