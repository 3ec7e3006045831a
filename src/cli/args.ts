// The CLI's argument codecs live with the other codecs; the HTTP API decodes query parameters with the same ones.
export { IntFromString, optional } from '../events/index.js';
