export { MetaError, EXIT_CODES, isMetaError, type MetaErrorCode } from './MetaError.js';
