package dev.lathe.tokenizer.tools;

/** How one tool-call format is read from (possibly unfinished) output text. */
interface CallScanner {

  /**
   * Reads {@code text}; {@code finished}: the output is complete, so nothing is held back and
   * unfinished calls are final.
   */
  Scan scan(String text, boolean finished);
}
