import { SaxesParser } from 'saxes';
import { MappingError } from '../canonical';

/**
 * TallyPrime's XML read safely into a small element tree: the way functions/lib/imports/readers.ts
 * reads XML — saxes, a DTD refused outright (so no entity is ever declared, expanded or fetched:
 * XXE, billion laughs), only the five predefined entities — plus limits on size, depth and the
 * number of elements, because the body comes from a customer's machine.
 *
 * Pure: the whole text is an argument (a batch is at most a few MiB, see TALLY_LIMITS).
 */

export interface TallyElement {
  /** The tag as Tally writes it: `LEDGER`, `ALLINVENTORYENTRIES.LIST`, `UDF:…`. */
  name: string;
  attributes: Record<string, string>;
  children: TallyElement[];
  /** The element's own text (its children's not included), untrimmed. */
  text: string;
  /** Where the element starts (`<`) and ends (after `>`) in the text given, in UTF-16 units: the connector slices exports with these. */
  start: number;
  end: number;
}

export interface TallyXmlLimits {
  maxChars: number;
  maxDepth: number;
  maxElements: number;
}

/**
 * A Tally voucher nests about eight levels (ENVELOPE › BODY › DATA › COLLECTION › VOUCHER ›
 * ALLINVENTORYENTRIES.LIST › ACCOUNTINGALLOCATIONS.LIST › RATEDETAILS.LIST); twice that is plenty.
 * 16 MiB of text and 400 k elements hold a batch of 1,000 GST vouchers several times over.
 */
export const TALLY_LIMITS: TallyXmlLimits = { maxChars: 16 * 1024 * 1024, maxDepth: 24, maxElements: 400_000 };

/**
 * Tally writes control characters as character references (`&#4;` marks an empty "Not
 * Applicable" value, `&#13;` a line break in narrations), which XML 1.0 forbids and saxes
 * refuses: the forbidden ones are dropped before parsing, raw or as references. Tab, LF and CR
 * (`&#9;`, `&#10;`, `&#13;`) are legal and kept.
 */
/** `&#4; Not Applicable` is how Tally writes a field left at its "Not Applicable" system value: no value. */
const NOT_APPLICABLE = /&#0*4;\s*Not Applicable/g;

const FORBIDDEN_CONTROL = /&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01])|x0*(?:[0-8bcef]|1[0-9a-f]));|[\u0000-\u0008\u000B\u000C\u000E-\u001F]/gi;

/** Tally's control characters blanked to as many spaces — not removed, so offsets stay those of the text as sent. */
export const blankControls = (xml: string) => xml.replace(NOT_APPLICABLE, blank).replace(FORBIDDEN_CONTROL, blank);
const blank = (m: string) => ' '.repeat(m.length);

export function readTallyXml(xml: string, limits: TallyXmlLimits = TALLY_LIMITS): TallyElement {
  if (xml.length > limits.maxChars) throw new MappingError('payload_too_large', `The Tally XML is longer than ${limits.maxChars} characters: send smaller batches.`);
  const bom = xml.startsWith('\uFEFF') ? 1 : 0;
  const text = blankControls(xml.slice(bom));
  const parser = new SaxesParser<{ xmlns: false }>({ xmlns: false });
  const stack: TallyElement[] = [];
  let root: TallyElement | undefined;
  let count = 0;

  parser.on('doctype', () => {
    throw new MappingError('dtd_refused', 'The Tally XML declares a DTD (<!DOCTYPE …>), which is refused: Tally never sends one.');
  });
  parser.on('error', (error) => {
    throw new MappingError('malformed_xml', `The Tally XML is not well-formed (${error.message}).`);
  });
  parser.on('opentag', (tag) => {
    if (++count > limits.maxElements) throw new MappingError('payload_too_large', `The Tally XML has more than ${limits.maxElements} elements: send smaller batches.`);
    if (stack.length >= limits.maxDepth) throw new MappingError('malformed_xml', `The Tally XML nests deeper than ${limits.maxDepth} levels.`);
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(tag.attributes)) if (name !== '__proto__') attributes[name] = value;
    // opentag comes after `>`; the start is found from the tag's own text, which ends there.
    const start = text.lastIndexOf(`<${tag.name}`, parser.position - 1);
    const element: TallyElement = { name: tag.name, attributes, children: [], text: '', start: start + bom, end: parser.position + bom };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  const onText = (t: string) => {
    const open = stack.at(-1);
    if (open) open.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const element = stack.pop();
    if (element) element.end = parser.position + bom;
  });
  parser.write(text).close();
  if (!root) throw new MappingError('malformed_xml', 'The Tally XML has no element.');
  return root;
}

// ── reading the tree ─────────────────────────────────────────────────────────────────────────

/** The first child of that name (Tally tags are upper case; compared as written). */
export const child = (e: TallyElement | undefined, name: string): TallyElement | undefined => e?.children.find((c) => c.name === name);

export const childrenNamed = (e: TallyElement | undefined, name: string): TallyElement[] => e?.children.filter((c) => c.name === name) ?? [];

/** A child's text, trimmed; undefined when absent or blank. */
export function field(e: TallyElement | undefined, name: string): string | undefined {
  const value = child(e, name)?.text.trim();
  return value ? value : undefined;
}

/** Every element of that name anywhere under `e` (depth first, in document order). */
export function descendants(e: TallyElement, name: string): TallyElement[] {
  const found: TallyElement[] = [];
  const walk = (at: TallyElement) => {
    for (const c of at.children) {
      if (c.name === name) found.push(c);
      else walk(c);
    }
  };
  walk(e);
  return found;
}
