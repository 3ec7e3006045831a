/**
 * Masks the secret part of anything shaped like one of our tokens (`sst_<id>_<secret>`): a token pasted into the
 * wrong argument or field must not come back in a message, a log line or an answer. The id stays, to say which.
 */
export const redactTokens = (text: string): string => text.replace(/(sst_[0-9a-f]{16}_)[A-Za-z0-9_-]+/g, '$1…');
