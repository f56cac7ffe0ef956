// Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
// `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}` and `$$` for a literal `$`.
// Defaults may themselves contain variables, as in compose.
import type { FieldPath } from '../yaml-source';

export type Variables = Readonly<Record<string, string | undefined>>;

export interface InterpolationProblem {
  message: string;
  /** Unset variables are warnings (they become ''), everything else is an error. */
  severity: 'error' | 'warning';
}

export interface InterpolationResult {
  value: string;
  problems: InterpolationProblem[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolateString(text: string, variables: Variables): InterpolationResult {
  const problems: InterpolationProblem[] = [];
  const value = expand(text, variables, problems);
  return { value, problems };
}

function expand(text: string, variables: Variables, problems: InterpolationProblem[]): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      index = dollar + 2;
    } else if (next === '{') {
      const close = findClosingBrace(text, dollar + 2);
      if (close === -1) {
        problems.push({
          severity: 'error',
          message: `unclosed "\${" in ${JSON.stringify(text)}; write $$ for a literal $`,
        });
        return out;
      }
      out += expandBraced(text.slice(dollar + 2, close), variables, problems);
      index = close + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined) {
        out += '$';
        index = dollar + 1;
      } else {
        out += lookup(name, variables, problems);
        index = dollar + 1 + name.length;
      }
    }
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `start`, honouring nested `${...}`. */
function findClosingBrace(text: string, start: number): number {
  let depth = 1;
  for (let index = start; index < text.length; index++) {
    if (text[index] === '$' && text[index + 1] === '{') {
      depth++;
      index++;
    } else if (text[index] === '}') {
      depth--;
      if (depth === 0) return index;
    }
  }
  return -1;
}

function expandBraced(body: string, variables: Variables, problems: InterpolationProblem[]): string {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) {
    problems.push({
      severity: 'error',
      message: `invalid variable reference "\${${body}}": a name is letters, digits and _`,
    });
    return '';
  }
  const rest = body.slice(name.length);
  if (rest === '') return lookup(name, variables, problems);
  const operator = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (operator === undefined) {
    problems.push({
      severity: 'error',
      message: `invalid variable reference "\${${body}}": after the name use :-, -, :?, ?, :+ or +`,
    });
    return '';
  }
  const argument = rest.slice(operator.length);
  const value = variables[name];
  const isSet = value !== undefined;
  const isNonEmpty = isSet && value !== '';
  switch (operator) {
    case ':-':
      return isNonEmpty ? value : expand(argument, variables, problems);
    case '-':
      return isSet ? value : expand(argument, variables, problems);
    case ':+':
      return isNonEmpty ? expand(argument, variables, problems) : '';
    case '+':
      return isSet ? expand(argument, variables, problems) : '';
    default: {
      // :? and ?
      if (operator === ':?' ? isNonEmpty : isSet) return value ?? '';
      const reason = expand(argument, variables, problems);
      problems.push({
        severity: 'error',
        message: `required variable ${name} is ${isSet ? 'empty' : 'not set'}${reason !== '' ? `: ${reason}` : ''}`,
      });
      return '';
    }
  }
}

function lookup(name: string, variables: Variables, problems: InterpolationProblem[]): string {
  const value = variables[name];
  if (value === undefined) {
    problems.push({ severity: 'warning', message: `variable ${name} is not set; an empty string is used` });
    return '';
  }
  return value;
}

export type InterpolationSink = (path: FieldPath, problem: InterpolationProblem) => void;

/** Interpolates every string value (never keys) of a parsed YAML tree. */
export function interpolateTree(
  value: unknown,
  variables: Variables,
  sink: InterpolationSink,
  path: FieldPath = [],
): unknown {
  if (typeof value === 'string') {
    const result = interpolateString(value, variables);
    for (const problem of result.problems) sink(path, problem);
    return result.value;
  }
  if (Array.isArray(value))
    return value.map((item: unknown, index) => interpolateTree(item, variables, sink, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateTree(item, variables, sink, [...path, key]);
    return out;
  }
  return value;
}
