/**
 * Readers of Windows event logs for the loader: binary `.evtx` files (evtx-reader.ts) and
 * XML exports (event-xml-splitter.ts). Both give each event as the XML that the
 * `jpcert-windows` pipeline reads as a raw event (one `<Event>` element per `message`).
 */
export { readEvtx, readEvtxAsync, readEvtxFileHeader, isEvtx, EvtxFormatError, type EvtxFileHeader, type EvtxReadOptions, type EvtxRecord, type EvtxProblem } from './evtx-reader.js';
export { EventXmlSplitter, readEventXml, splitEventXml, sniffXmlEncoding, type EventXml, type EventXmlProblem, type EventXmlSplitOptions, type EventXmlReadOptions } from './event-xml-splitter.js';
export type { WindowsEvent } from './event-xml.js';
