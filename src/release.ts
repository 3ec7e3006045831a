/** This release of stance-state (package.json's version; a test keeps them equal). */
export const release = '0.2.0';
