/** The Zoho Books mapper (DESIGN §9): webhook records and REST list and read responses → canonical records. */
export { parseDelivery } from './webhook';
export { listModules, mapList, mapReadResponse, mapRecord, recordKeys, zohoTime, isoTime, type ListModule, type RecordKey } from './records';
