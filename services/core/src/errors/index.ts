export { SlbError, isSlbError } from './slb-error.js';
export { ERROR_CODES, type ErrorCode, type ErrorCodeEntry } from './codes.js';
