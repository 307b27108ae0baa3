/** One place that knows how to construct ajv (its CJS default export needs care under NodeNext). */

import type { ErrorObject, ValidateFunction } from 'ajv';
import * as AjvNs from 'ajv';
import * as addFormatsNs from 'ajv-formats';

export type { ErrorObject, ValidateFunction };

const Ajv = AjvNs.Ajv;
const addFormats = ((addFormatsNs as any).default.default ??
  (addFormatsNs as any).default) as typeof addFormatsNs.default.default;

/** Metadata keywords our schemas carry for friendlier messages (ignored by validation). */
export const META_KEYWORDS = ['x-expected', 'x-hint', 'x-slug', 'x-noun'];

export const AjvModule = {
  /** A fresh ajv with allErrors, formats and our metadata keywords. */
  create() {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv, ['uri', 'email', 'date-time', 'date', 'time']);
    ajv.addVocabulary(META_KEYWORDS);
    return ajv;
  },
};
