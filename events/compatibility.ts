import { isDeepStrictEqual } from 'node:util';

type Schema = Record<string, unknown>;

/**
 * What in `current` would break consumers of the `published` JSON schema of an event version:
 * a field removed, retyped or made required or optional, an enum changed, a constraint changed.
 * The one change allowed is a new optional field (consumers read events loosely). An empty list
 * means the version may stay as it is; anything else needs a new version beside the old one.
 */
export function breakingChanges(published: Schema, current: Schema, path = '$'): string[] {
  const isObject = (s: Schema) => typeof s.properties === 'object' && s.properties !== null;
  if (isObject(published) && isObject(current)) {
    const before = published.properties as Record<string, Schema>;
    const after = current.properties as Record<string, Schema>;
    const required = (s: Schema) => new Set((s.required as string[] | undefined) ?? []);
    const [was, now] = [required(published), required(current)];
    const out: string[] = [];
    for (const [name, schema] of Object.entries(before)) {
      if (!(name in after)) out.push(`${path}.${name}: removed`);
      else out.push(...breakingChanges(schema, after[name]!, `${path}.${name}`));
      if (name in after && was.has(name) !== now.has(name)) out.push(`${path}.${name}: ${was.has(name) ? 'no longer required' : 'now required'}`);
    }
    for (const name of Object.keys(after)) if (!(name in before) && now.has(name)) out.push(`${path}.${name}: new required field`);
    const rest = (s: Schema) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'properties' && k !== 'required' && k !== '$defs'));
    if (!isDeepStrictEqual(rest(published), rest(current))) out.push(`${path}: ${JSON.stringify(rest(published))} became ${JSON.stringify(rest(current))}`);
    out.push(...defsChanges(published, current, path));
    return out;
  }
  if (Array.isArray(published.anyOf) && Array.isArray(current.anyOf) && published.anyOf.length === current.anyOf.length) {
    return [...(published.anyOf as Schema[]).flatMap((s, i) => breakingChanges(s, (current.anyOf as Schema[])[i]!, `${path}|${i}`)), ...defsChanges(published, current, path)];
  }
  if (typeof published.items === 'object' && typeof current.items === 'object') {
    const rest = (s: Schema) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'items'));
    return [...breakingChanges(published.items as Schema, current.items as Schema, `${path}[]`), ...(isDeepStrictEqual(rest(published), rest(current)) ? [] : [`${path}: array constraints changed`])];
  }
  return isDeepStrictEqual(published, current) ? [] : [`${path}: ${JSON.stringify(published)} became ${JSON.stringify(current)}`];
}

function defsChanges(published: Schema, current: Schema, path: string): string[] {
  const before = (published.$defs as Record<string, Schema> | undefined) ?? {};
  const after = (current.$defs as Record<string, Schema> | undefined) ?? {};
  return Object.entries(before).flatMap(([name, schema]) => (name in after ? breakingChanges(schema, after[name]!, `${path}#${name}`) : [`${path}#${name}: removed`]));
}
