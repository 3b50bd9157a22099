/**
 * The event as an XML element tree, written as Windows writes event XML (what
 * `wevtutil qe /f:xml` and EvtRender print: no whitespace between elements, attribute
 * values in single quotes, `<Name/>` for an element the template closes empty), and read
 * into a plain object (System, EventData, UserData).
 */

/** Text that is written as XML other than by escaping it: a character or entity reference, or a CDATA section. */
export interface XmlRaw {
  /** the XML as written */
  xml: string;
  /** the text it stands for */
  text: string;
}

export type XmlChild = XmlElement | string | XmlRaw;

export interface XmlAttribute {
  name: string;
  /** the value's text (unescaped) */
  value: string;
}

export interface XmlElement {
  name: string;
  attributes: XmlAttribute[];
  children: XmlChild[];
  /** written as `<Name .../>` when it has no children (the template closed it empty) */
  empty: boolean;
}

function isElement(c: XmlChild): c is XmlElement {
  return typeof c === 'object' && 'children' in c;
}

const TEXT_SPECIAL = /[&<>]/;
const TEXT_ESCAPES = /[&<>]/g;
const ATTRIBUTE_SPECIAL = /[&<>'"]/;
const ATTRIBUTE_ESCAPES = /[&<>'"]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };
const entity = (c: string): string => ENTITY[c] ?? c;

/**
 * Escapes element text: &, < and > (as Windows does; quotes stay). Other characters,
 * control characters and line breaks included, are written as they are.
 */
export function escapeText(s: string): string {
  return TEXT_SPECIAL.test(s) ? s.replace(TEXT_ESCAPES, entity) : s;
}

/** Escapes an attribute value written in single quotes: &, <, >, ' and ". */
export function escapeAttribute(s: string): string {
  return ATTRIBUTE_SPECIAL.test(s) ? s.replace(ATTRIBUTE_ESCAPES, entity) : s;
}

function childrenXml(children: XmlChild[]): string {
  let xml = '';
  for (const c of children) {
    if (typeof c === 'string') xml += escapeText(c);
    else if ('children' in c) xml += elementXml(c);
    else xml += c.xml;
  }
  return xml;
}

function elementXml(el: XmlElement): string {
  let xml = `<${el.name}`;
  for (const a of el.attributes) xml += ` ${a.name}='${escapeAttribute(a.value)}'`;
  if (el.children.length === 0 && el.empty) return `${xml}/>`;
  return `${xml}>${childrenXml(el.children)}</${el.name}>`;
}

/** The XML of an element (or of a fragment's nodes), on one line as Windows writes it. */
export function renderXml(nodes: XmlChild | XmlChild[]): string {
  return childrenXml(Array.isArray(nodes) ? nodes : [nodes]);
}

/** The text content of an element (its own and its descendants'), unescaped. */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) {
    if (typeof c === 'string') s += c;
    else if (isElement(c)) s += textOf(c);
    else s += c.text;
  }
  return s;
}

export type PlainValue = string | PlainObject | PlainValue[];
export interface PlainObject {
  [key: string]: PlainValue;
}

/** namespace declarations are not data */
function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

function addKey(o: PlainObject, key: string, value: PlainValue): void {
  const prev = o[key];
  if (prev === undefined) o[key] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else o[key] = [prev, value];
}

/**
 * An element as a plain value: its text when it has neither attributes nor child elements;
 * otherwise an object of its attributes and child elements (repeated names give arrays),
 * and `#text` for text beside them. Namespace declarations are left out.
 */
export function plainOf(el: XmlElement): PlainValue {
  const attributes = el.attributes.filter((a) => !isNamespaceDeclaration(a.name));
  const elements = el.children.filter(isElement);
  if (attributes.length === 0 && elements.length === 0) return textOf(el);
  const o: PlainObject = {};
  for (const a of attributes) addKey(o, a.name, a.value);
  for (const c of elements) addKey(o, c.name, plainOf(c));
  let text = '';
  for (const c of el.children) if (!isElement(c)) text += typeof c === 'string' ? c : c.text;
  if (text !== '') o['#text'] = text;
  return o;
}

/** `EventData` as name -> value: `<Data Name='X'>` by its name, unnamed `<Data>` as param1, param2, ...; `<Binary>` and other children by their element name. */
export function eventDataOf(el: XmlElement): Record<string, string | string[]> {
  const data: Record<string, string | string[]> = {};
  let unnamed = 0;
  for (const c of el.children) {
    if (!isElement(c)) continue;
    let key = c.name;
    if (c.name === 'Data') {
      const name = c.attributes.find((a) => a.name === 'Name');
      key = name ? name.value : `param${++unnamed}`;
    }
    const value = textOf(c);
    const prev = data[key];
    if (prev === undefined) data[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else data[key] = [prev, value];
  }
  return data;
}

/**
 * A Windows event read into a plain object: `System` (each header element: its text, or
 * an object of its attributes, e.g. `System.EventID` = '4624',
 * `System.TimeCreated.SystemTime`), `EventData` (name -> value) or `UserData` (the element
 * under it by name, with its children), and any other part of the event by its element name.
 */
export interface WindowsEvent {
  System: PlainObject;
  EventData?: Record<string, string | string[]>;
  UserData?: PlainObject;
  [part: string]: PlainValue | Record<string, string | string[]> | undefined;
}

/** The plain object of an `<Event>` element (see WindowsEvent). */
export function windowsEventOf(event: XmlElement): WindowsEvent {
  const out: WindowsEvent = { System: {} };
  for (const c of event.children) {
    if (!isElement(c)) continue;
    if (c.name === 'System') {
      const system = plainOf(c);
      out.System = typeof system === 'object' && !Array.isArray(system) ? system : {};
    } else if (c.name === 'EventData') {
      out.EventData = eventDataOf(c);
    } else if (c.name === 'UserData') {
      const user: PlainObject = {};
      for (const u of c.children) {
        if (!isElement(u)) continue;
        const plain = plainOf(u);
        // the element under UserData is always an object (its children), even when empty
        addKey(user, u.name, typeof plain === 'string' ? (plain === '' ? {} : { '#text': plain }) : plain);
      }
      out.UserData = user;
    } else {
      out[c.name] = plainOf(c);
    }
  }
  return out;
}
