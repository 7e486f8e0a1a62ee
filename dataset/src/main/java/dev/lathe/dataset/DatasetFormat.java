package dev.lathe.dataset;

/** The training-data formats of OpenAI's fine-tuning API, one per file. */
public enum DatasetFormat {
  /** {@code {"messages": [...], "tools"?: [...]}}: supervised chat fine-tuning. */
  CHAT,
  /** {@code {"input": {...}, "preferred_output": [...], "non_preferred_output": [...]}}: DPO. */
  PREFERENCE,
  /** {@code {"prompt": "...", "completion": "..."}}: legacy completions fine-tuning. */
  PROMPT_COMPLETION
}
