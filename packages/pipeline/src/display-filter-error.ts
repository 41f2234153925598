import { NetrxError } from '@netrx/core';

/**
 * A display filter that could not be compiled: `column` (from 1) is where in `expression` the
 * problem is; {@link DisplayFilterError.pointer} draws it. Its code is `ERR_INVALID_OPTION`.
 */
export class DisplayFilterError extends NetrxError {
  constructor(
    /** The whole expression. */
    readonly expression: string,
    /** Where the problem is, counting characters from 1. */
    readonly column: number,
    /** What is wrong there. */
    readonly problem: string,
  ) {
    super('ERR_INVALID_OPTION', `display filter: ${problem} (column ${column})`);
  }

  /** The expression and a caret under the column, two lines for a terminal. */
  pointer(indent = '  '): string {
    return `${indent}${this.expression}\n${indent}${' '.repeat(Math.max(0, this.column - 1))}^`;
  }
}
