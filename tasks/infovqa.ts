/**
 * InfographicVQA validation, as lmms-eval defines it (lmms_eval/tasks/infovqa/infovqa_val.yaml +
 * _default_template_infovqa_yaml + utils.py at 75571cfe): the `InfographicVQA` config of the DocVQA dataset
 * repo, split `validation` (2,801 rows). Prompt: `question + "\nAnswer the question using a single word or
 * phrase."`; greedy, max_new_tokens 32. No custom process_results: lmms-eval's built-in ANLS over the whole
 * `answers` list (scorers/anls.ts, the same metric as DocVQA).
 * Deviations: none.
 */

import { documentQaTask } from "./docvqa.js";

export const infovqa = documentQaTask({
  name: "infovqa",
  description: "InfographicVQA validation: questions on infographics (ANLS).",
  config: "InfographicVQA",
  rows: 2801,
  imageKeyColumns: [["image_url"]],
});
